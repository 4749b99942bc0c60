"""Benchmark: migration-lint against Django's own loader on a real migration history.

Usage (from the repository root, with the dev environment)::

    python benchmarks/bench.py                      # pretix, 7 rounds
    python benchmarks/bench.py --corpus wagtail --rounds 11

The corpus comes from ``tests/corpora.py`` (downloaded and extracted on first use into
``$MIGRATION_LINT_TEST_CACHE`` or ``~/.cache/migration-lint-tests``). Every round runs, as
whole processes and one after the other (A B C D, A B C D, ...):

A. ``django``: ``manage.py showmigrations --plan`` on a fresh SQLite database, through the
   test oracle (real Django 6.1; imports of the corpus' uninstalled packages are answered by
   ``tests/oracle_stubs.py``, which costs a little);
B. ``loader``: a Django process that times ``MigrationLoader(None)`` inside itself (reported
   both as the in-process loader time and as the process time);
C. ``ours cold``: ``migration-lint check`` with a fresh, empty cache directory;
D. ``ours warm``: ``migration-lint check`` with the cache the previous runs left;
E. with ``--installed`` (pretix only): ``python -m pretix showmigrations --plan`` in a
   virtual environment where the same pretix release is really installed (created once next
   to the corpus cache): what a user of that project waits for, with every app's real
   imports instead of stubs.

It prints the median of each and the ratios Django / ours. This machine drifts by about
±30 % between batches, so compare ratios within one run, not absolute times across runs.
This file is not collected by pytest.
"""

from __future__ import annotations

import argparse
import functools
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.corpora import BY_NAME, PreparedCorpus, oracle_project, prepare  # noqa: E402
from tests.oracle import run_django, run_django_script  # noqa: E402

_LOADER_SCRIPT = """
import json, time
from django.db.migrations.loader import MigrationLoader
from oracle_stubs import tolerate_stub_fields
tolerate_stub_fields()
started = time.perf_counter()
loader = MigrationLoader(None, ignore_no_migrations=True)
elapsed = time.perf_counter() - started
started = time.perf_counter()
loader.project_state()
state = time.perf_counter() - started
nodes = len(loader.graph.nodes)
print("@@LOADER@@" + json.dumps({"seconds": elapsed, "state": state, "nodes": nodes}))
"""

#: Our side of the state comparison: the replay alone, in a process whose parse cache is warm.
_REPLAY_SCRIPT = """
import json, sys, time
from pathlib import Path
from migration_lint.config import load_config
from migration_lint.pipeline import analyse
from migration_lint.state.replay import replay_loaded
config = load_config(Path(sys.argv[1]), overrides={"cache-dir": sys.argv[2]})
analysis = analyse(config)
started = time.perf_counter()
replay_loaded(analysis.loaded, config.settings)
print(json.dumps({"seconds": time.perf_counter() - started}))
"""


def _replay_seconds(prepared: PreparedCorpus, cache_dir: Path) -> float:
    completed = subprocess.run(
        [sys.executable, "-c", _REPLAY_SCRIPT, str(prepared.root), str(cache_dir)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(json.loads(completed.stdout)["seconds"])


@dataclass
class Series:
    """The timings of one contender, in seconds."""

    name: str
    samples: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    def describe(self) -> str:
        low, high = min(self.samples), max(self.samples)
        return f"{self.name:<28} median {self.median:7.3f} s   (min {low:.3f}, max {high:.3f})"


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _ours(prepared: PreparedCorpus, cache_dir: Path) -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "migration_lint",
            "check",
            "--cache-dir",
            str(cache_dir),
            str(prepared.root),
        ],
        cwd=prepared.root.parent,
        capture_output=True,
        text=True,
    )
    if completed.returncode not in (0, 1) or "Traceback" in completed.stderr:
        raise SystemExit(
            f"migration-lint check failed ({completed.returncode}):\n{completed.stderr}"
        )


#: Projects whose real installation can be benchmarked: pip requirement and Django command.
INSTALLED = {"pretix": ("pretix==2026.8.0", ["-m", "pretix", "showmigrations", "--plan"])}


def _installed_runner(corpus: str, scratch: Path) -> Callable[[], object]:
    """Install ``corpus`` for real (once, cached) and return a timed Django invocation."""
    import os
    import venv

    requirement, arguments = INSTALLED[corpus]
    cache = Path(os.environ.get("MIGRATION_LINT_TEST_CACHE", "~/.cache/migration-lint-tests"))
    environment = cache.expanduser() / f"installed-{requirement.replace('==', '-')}"
    python = environment / "bin" / "python"
    if not python.exists():
        venv.create(environment, with_pip=True)
        subprocess.run([python, "-m", "pip", "install", "-q", requirement], check=True)
    data = scratch / "installed-data"
    data.mkdir()
    env = {**os.environ, "PRETIX_DATA_DIR": str(data)}

    def run() -> None:
        subprocess.run([python, *arguments], env=env, cwd=data, capture_output=True, check=True)

    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default="pretix", choices=sorted(BY_NAME))
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument(
        "--installed",
        action="store_true",
        help="also time Django in a real installation of the project (pretix only)",
    )
    options = parser.parse_args(argv)
    if options.installed and options.corpus not in INSTALLED:
        parser.error(f"--installed supports {', '.join(INSTALLED)}")

    prepared = prepare(BY_NAME[options.corpus])
    project = oracle_project(prepared)
    files = sum(len(names) for names in prepared.migration_files().values())
    print(
        f"corpus {options.corpus}: {len(prepared.apps)} apps, {files} migration files "
        f"(+ Django contrib); {options.rounds} rounds; python {sys.version.split()[0]}"
    )

    scratch = Path(tempfile.mkdtemp(prefix="migration-lint-bench-"))
    try:
        workdir = scratch / "django"
        warm_cache = scratch / "warm-cache"
        # Warm-up (not timed): file system caches, the warm parse cache, Django's .pyc files.
        run_django(project, workdir, "showmigrations", "--plan")
        _ours(prepared, warm_cache)
        installed_run = _installed_runner(options.corpus, scratch) if options.installed else None
        if installed_run:
            installed_run()

        django = Series("django showmigrations --plan")
        loader_process = Series("django loader process")
        loader_inside = Series("django MigrationLoader()")
        cold = Series("migration-lint check cold")
        warm = Series("migration-lint check warm")
        installed = Series(f"installed {options.corpus} showmigrations")
        django_state = Series("django project_state()")
        our_state = Series("migration-lint state replay")
        nodes = 0
        for index in range(options.rounds):
            django.samples.append(
                _timed(lambda: run_django(project, workdir, "showmigrations", "--plan"))
            )
            started = time.perf_counter()
            output = run_django_script(project, workdir, _LOADER_SCRIPT).stdout
            loader_process.samples.append(time.perf_counter() - started)
            line = next(x for x in output.splitlines() if x.startswith("@@LOADER@@"))
            measured = json.loads(line[len("@@LOADER@@") :])
            loader_inside.samples.append(measured["seconds"])
            django_state.samples.append(measured["state"])
            our_state.samples.append(_replay_seconds(prepared, warm_cache))
            nodes = measured["nodes"]
            cold_cache = scratch / f"cold-cache-{index}"
            cold.samples.append(_timed(functools.partial(_ours, prepared, cold_cache)))
            shutil.rmtree(cold_cache, ignore_errors=True)
            warm.samples.append(_timed(lambda: _ours(prepared, warm_cache)))
            if installed_run:
                installed.samples.append(_timed(installed_run))
            print(
                f"  round {index + 1}: django {django.samples[-1]:.2f}  "
                f"loader {loader_inside.samples[-1]:.2f}/{loader_process.samples[-1]:.2f}  "
                f"cold {cold.samples[-1]:.2f}  warm {warm.samples[-1]:.2f}",
                flush=True,
            )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    print(f"\nDjango graph: {nodes} nodes")
    contenders = [django, loader_process, loader_inside, cold, warm, django_state, our_state]
    bases = [
        ("showmigrations process", django.median),
        ("MigrationLoader() alone", loader_inside.median),
    ]
    if installed.samples:
        contenders.append(installed)
        bases.insert(0, (f"installed {options.corpus} showmigr.", installed.median))
    for series in contenders:
        print(series.describe())
    print()
    for label, base in bases:
        print(
            f"Django {label:<24} / ours cold = {base / cold.median:5.2f}x   "
            f"/ ours warm = {base / warm.median:5.2f}x"
        )
    print(
        f"Django project_state() {django_state.median:.3f} s / our state replay "
        f"{our_state.median:.3f} s = {django_state.median / our_state.median:5.2f}x"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
