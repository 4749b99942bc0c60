"""The parse cache: hits, misses, pruning, corruption, versioning, parallel parsing, no libcst warm.

Most tests swap in a tiny fake parser (``migration_lint.parsing.migrations`` in
``sys.modules``) so that they test the cache's mechanics whatever the real parser does; the
ones parametrized with ``real_parser`` also run the real one.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import pickle
import subprocess
import sys
import textwrap
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

import migration_lint
from migration_lint import cache
from migration_lint.cache import CACHE_FILE, load_migration_files
from migration_lint.discovery import MigrationSource
from migration_lint.model import MigrationFile, ParseProblem, Span

PARSER_MODULE = "migration_lint.parsing.migrations"


def fake_parse(
    source: bytes, *, app_label: str, name: str, path: str, module: str | None = None
) -> MigrationFile:
    """Stands in for the real parser: what it "parsed" is the first line, module and pid."""
    first_line = source.decode().splitlines()[0] if source else ""
    return MigrationFile(
        app_label=app_label,
        name=name,
        path=path,
        initial="initial" in first_line,
        problems=(ParseProblem(f"{first_line}|{os.getpid()}|{module}", Span(1, 1, 1, 1)),),
    )


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Install the fake parser; yields the paths it was asked to parse (in this process)."""
    calls: list[str] = []

    def parse_migration(
        source: bytes, *, app_label: str, name: str, path: str, module: str | None = None
    ) -> MigrationFile:
        calls.append(path)
        return fake_parse(source, app_label=app_label, name=name, path=path, module=module)

    module = types.ModuleType(PARSER_MODULE)
    module.parse_migration = parse_migration  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, PARSER_MODULE, module)
    yield calls


def sources(root: Path, files: dict[str, str]) -> list[MigrationSource]:
    """Write ``app/name.py`` files and return them as sources, in the given order."""
    result = []
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        module = f"{path.parent.name}.migrations.{path.stem}"
        result.append(MigrationSource(path.parent.name, path.stem, path, module))
    return result


def first_lines(files: list[MigrationFile]) -> list[str]:
    return [migration.problems[0].message.split("|")[0] for migration in files]


def stored_paths(cache_dir: Path) -> set[str]:
    with (cache_dir / CACHE_FILE).open("rb") as stream:
        return {migration.path for migration in pickle.load(stream)["entries"].values()}


def test_cold_run_parses_and_writes_warm_run_reads(tmp_path: Path, parsed: list[str]) -> None:
    cache_dir = tmp_path / "cache"
    files = sources(tmp_path, {"shop/0001_initial.py": "# initial\n", "shop/0002_x.py": "# two\n"})
    cold = load_migration_files(files, cache_dir=cache_dir).files
    assert len(parsed) == 2
    assert first_lines(cold) == ["# initial", "# two"]
    assert [m.key for m in cold] == [("shop", "0001_initial"), ("shop", "0002_x")]
    assert (cache_dir / ".gitignore").read_text() == "*\n"
    assert (
        (cache_dir / "CACHEDIR.TAG")
        .read_text()
        .startswith("Signature: 8a477f597d28d172789f06886806bc55")
    )
    written = (cache_dir / CACHE_FILE).stat()

    parsed.clear()
    warm = load_migration_files(files, cache_dir=cache_dir).files
    assert parsed == []
    assert warm == cold
    # Nothing changed, so nothing was written.
    assert (cache_dir / CACHE_FILE).stat().st_mtime_ns == written.st_mtime_ns
    assert (cache_dir / CACHE_FILE).stat().st_ino == written.st_ino


def test_the_key_is_the_parse_input_and_the_path_is_restamped(
    tmp_path: Path, parsed: list[str]
) -> None:
    cache_dir = tmp_path / "cache"
    [original] = sources(tmp_path / "old", {"shop/0001_initial.py": "# same\n"})
    [first] = load_migration_files([original], cache_dir=cache_dir).files
    assert first.problems[0].message.endswith("|shop.migrations.0001_initial")
    parsed.clear()
    # The same file in a moved checkout: a hit, with the new path.
    [moved] = sources(tmp_path / "new", {"shop/0001_initial.py": "# same\n"})
    [result] = load_migration_files([moved], cache_dir=cache_dir).files
    assert parsed == []
    assert result == dataclasses.replace(first, path=str(moved.path))
    # The same bytes under another app or name parse again: the result depends on them.
    [renamed] = sources(tmp_path, {"store/0001_renamed.py": "# same\n"})
    [other] = load_migration_files([renamed], cache_dir=cache_dir).files
    assert parsed == [str(renamed.path)]
    assert other.key == ("store", "0001_renamed")


def test_changed_files_are_reparsed_and_unused_entries_dropped(
    tmp_path: Path, parsed: list[str]
) -> None:
    cache_dir = tmp_path / "cache"
    files = sources(
        tmp_path, {"a/0001.py": "# one\n", "a/0002.py": "# two\n", "a/0003.py": "# 3\n"}
    )
    load_migration_files(files, cache_dir=cache_dir)
    assert len(stored_paths(cache_dir)) == 3
    parsed.clear()
    files[1].path.write_text("# two, edited\n")
    result = load_migration_files(files[:2], cache_dir=cache_dir).files  # 0003 was deleted
    assert parsed == [str(files[1].path)]
    assert first_lines(result) == ["# one", "# two, edited"]
    assert stored_paths(cache_dir) == {str(files[0].path), str(files[1].path)}


@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b"not a pickle at all",
        pickle.dumps(["a", "list"]),
        pickle.dumps({"fingerprint": "other", "entries": {}}),
        # A pickle that refers to a class that does not exist.
        b"\x80\x04\x95\x1f\x00\x00\x00\x00\x00\x00\x00\x8c\x08builtins\x94\x8c\x07Nowhere\x94\x93\x94.",
    ],
)
def test_a_corrupt_cache_is_ignored_and_rewritten(
    tmp_path: Path, parsed: list[str], damage: bytes
) -> None:
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    (cache_dir / CACHE_FILE).write_bytes(damage)
    files = sources(tmp_path, {"a/0001.py": "# one\n"})
    assert first_lines(load_migration_files(files, cache_dir=cache_dir).files) == ["# one"]
    assert len(parsed) == 1
    parsed.clear()
    load_migration_files(files, cache_dir=cache_dir)
    assert parsed == []


def test_a_new_tool_or_format_version_invalidates_everything(
    tmp_path: Path, parsed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cache_dir = tmp_path / "cache"
    files = sources(tmp_path, {"a/0001.py": "# one\n"})
    load_migration_files(files, cache_dir=cache_dir)
    monkeypatch.setattr(migration_lint, "__version__", "999.0")
    load_migration_files(files, cache_dir=cache_dir)
    monkeypatch.setattr(cache, "PARSER_FORMAT", cache.PARSER_FORMAT + 1)
    load_migration_files(files, cache_dir=cache_dir)
    load_migration_files(files, cache_dir=cache_dir)
    assert len(parsed) == 3


def test_no_cache_dir_reads_and_writes_nothing(tmp_path: Path, parsed: list[str]) -> None:
    files = sources(tmp_path, {"a/0001.py": "# one\n"})
    load_migration_files(files, cache_dir=None)
    load_migration_files(files, cache_dir=None)
    assert len(parsed) == 2
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a"]


def test_an_unwritable_cache_is_skipped(tmp_path: Path, parsed: list[str]) -> None:
    (tmp_path / "file").write_text("")
    files = sources(tmp_path, {"a/0001.py": "# one\n"})
    result = load_migration_files(files, cache_dir=tmp_path / "file" / "cache").files
    assert first_lines(result) == ["# one"]


def test_an_unreadable_file_becomes_an_incomplete_migration(
    tmp_path: Path, parsed: list[str]
) -> None:
    missing = MigrationSource("a", "0001_gone", tmp_path / "a" / "0001_gone.py")
    [result] = load_migration_files([missing], cache_dir=tmp_path / "cache").files
    assert result.key == ("a", "0001_gone") and not result.complete
    assert result.problems[0].message.startswith("cannot read the file")
    assert parsed == []


@pytest.mark.skipif(
    multiprocessing.get_start_method() != "fork", reason="the fake parser reaches workers by fork"
)
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_many_misses_are_parsed_in_worker_processes_in_order(
    tmp_path: Path, parsed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "_cpu_count", lambda: 2)
    files = sources(tmp_path, {f"a/{index:04}.py": f"# {index}\n" for index in range(40)})
    result = load_migration_files(files, cache_dir=None).files
    assert first_lines(result) == [f"# {index}" for index in range(40)]
    assert [m.name for m in result] == [f"{index:04}" for index in range(40)]
    pids = {migration.problems[0].message.split("|")[1] for migration in result}
    assert str(os.getpid()) not in pids and len(pids) >= 1
    assert parsed == []  # nothing was parsed in this process

    serial = load_migration_files(files, cache_dir=None, jobs=1).files
    assert {m.problems[0].message.split("|")[1] for m in serial} == {str(os.getpid())}
    assert len(parsed) == 40


# -- warm runs do not import libcst ------------------------------------------------------------

FAKE_PARSER_BOOT = """
import sys, types
sys.path.insert(0, {tests!r})
from test_cache import fake_parse

def parse_migration(source, *, app_label, name, path, module=None):
    import libcst  # what the real parser does; the warm run must not get here
    return fake_parse(source, app_label=app_label, name=name, path=path, module=module)

module = types.ModuleType({module!r})
module.parse_migration = parse_migration
sys.modules[{module!r}] = module
"""

LOAD = """
import pickle, sys
from pathlib import Path
from migration_lint.cache import load_migration_files
from migration_lint.discovery import MigrationSource
sources = [MigrationSource(p.parent.name, p.stem, p) for p in sorted(Path({root!r}).glob("*/*.py"))]
files = load_migration_files(sources, cache_dir=Path({cache!r})).files
sys.stdout.buffer.write(pickle.dumps((files, "libcst" in sys.modules)))
"""


def _run(code: str) -> tuple[list[MigrationFile], bool]:
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, check=True, timeout=120
    )
    files, imported = pickle.loads(completed.stdout)
    return files, imported


@pytest.mark.parametrize("real_parser", [False, True])
def test_a_warm_run_does_not_import_libcst(tmp_path: Path, real_parser: bool) -> None:
    root = tmp_path / "project"
    (root / "shop").mkdir(parents=True)
    for name in ("0001_initial", "0002_second"):
        (root / "shop" / f"{name}.py").write_text(
            textwrap.dedent(
                """\
                from django.db import migrations


                class Migration(migrations.Migration):
                    initial = True
                    dependencies = []
                    operations = []
                """
            )
        )
    boot = (
        ""
        if real_parser
        else FAKE_PARSER_BOOT.format(tests=str(Path(__file__).parent), module=PARSER_MODULE)
    )
    load = LOAD.format(root=str(root), cache=str(tmp_path / "cache"))
    cold, cold_imported = _run(boot + load)
    assert cold_imported  # the cold run did parse (with libcst)
    warm, warm_imported = _run(boot + load)
    assert not warm_imported
    assert warm == cold
    assert [m.key for m in warm] == [("shop", "0001_initial"), ("shop", "0002_second")]


def test_the_digest_changes_with_content_identity_and_path(
    tmp_path: Path, parsed: list[str]
) -> None:
    files = sources(tmp_path, {"a/0001.py": "# one\n", "a/0002.py": "# two\n"})
    first = load_migration_files(files, cache_dir=None).digest
    assert load_migration_files(files, cache_dir=None).digest == first
    files[1].path.write_text("# two, edited\n")
    edited = load_migration_files(files, cache_dir=None).digest
    assert edited != first
    moved = MigrationSource("b", files[1].name, files[1].path)
    assert load_migration_files([files[0], moved], cache_dir=None).digest != edited
    assert load_migration_files(files[:1], cache_dir=None).digest != edited
