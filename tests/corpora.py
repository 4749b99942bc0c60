"""Real migration histories, taken from the wheels of well-known Django projects on PyPI.

Each :class:`Corpus` names exact distributions (so results are stable), the settings the project
runs with (``AUTH_USER_MODEL`` and other swappable-model settings its migrations read), and, for
the odd apps whose label a plain ``label = "..."`` regex over ``apps.py`` does not find, an
explicit label. :func:`prepare` downloads the distributions once (``pip download --no-deps``)
into a cache (``$MIGRATION_LINT_TEST_CACHE`` or ``~/.cache/migration-lint-tests``) and extracts
a *corpus tree*: every ``*/migrations/*.py``, the ``apps.py`` files, a few extra files a corpus
needs, and empty ``__init__.py`` files for the packages on the way. The tree's
``pyproject.toml`` configures migration-lint the same way the oracle configures Django.

Django contrib (admin, auth, contenttypes, sessions, sites, flatpages, redirects) is part of
every corpus; it comes from the installed Django on both sides.

App labels for the oracle are found here, independently of migration-lint's own discovery.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from tests.oracle import App, OracleProject, run_django_script

#: Django's contrib apps with migrations, in the order they are installed in every corpus.
CONTRIB: tuple[str, ...] = (
    "contenttypes",
    "auth",
    "admin",
    "sessions",
    "sites",
    "flatpages",
    "redirects",
)

#: pip that still accepts wheels with non-standard metadata (pip >= 24.1 refuses them).
LEGACY_PIP = "pip==24.0"

#: Bump when the tree layout changes, so that cached trees are rebuilt.
TREE_FORMAT = 3


@dataclass(frozen=True)
class Dist:
    """One distribution to download.

    ``packages``: the top-level import packages to take apps from (default: all in the archive).
    ``extra_files``: more archive members (relative to the package root) to copy verbatim.
    ``legacy_pip``: the wheel has metadata that current pip rejects; fetch it with pip 24.0.
    ``sdist``: there is no wheel; take the source distribution (a ``name-version/`` prefix).
    ``root``: a directory of the distribution that the project puts on ``sys.path`` itself
    (label-studio's apps are top-level modules ``core``, ``users``...); the tree starts there.
    """

    requirement: str
    packages: tuple[str, ...] = ()
    extra_files: tuple[str, ...] = ()
    legacy_pip: bool = False
    sdist: bool = False
    root: str = ""


@dataclass(frozen=True)
class Corpus:
    """A project to rebuild: distributions, apps and settings.

    ``dists``: dependencies first, the main distribution last; apps are installed in this
    order (sorted by module path within a distribution), after Django contrib.
    ``exclude``: module paths of migration packages to leave out (test-only apps...).
    ``labels``: the override table for apps whose label the ``apps.py`` regex gets wrong.
    ``settings``: other string settings a ``swappable_dependency()`` may read (swappable
    models); both sides get them.
    ``oracle_settings``: project settings that migration files read at import time for other
    purposes (feature flags, defaults); only Django needs them.
    """

    name: str
    dists: tuple[Dist, ...]
    auth_user_model: str | None = None
    exclude: tuple[str, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)
    oracle_settings: dict[str, object] = field(default_factory=dict)


CORPORA: tuple[Corpus, ...] = (
    Corpus(
        name="wagtail",
        # Wagtail's own test project (wagtail/test/settings.py, default branch): the core and
        # contrib apps plus the test apps, custom user model.
        dists=(Dist("django-taggit==6.1.0", packages=("taggit",)), Dist("wagtail==8.0.1")),
        auth_user_model="customuser.CustomUser",
        exclude=(
            "wagtail.blocks",  # blocks/migrations/ holds StreamField migration helpers
            "wagtail.project_template.home",  # a startproject template, not an app
            "wagtail.test.basepage",  # only with USE_CUSTOM_PAGE_MODEL
            "wagtail.test.emailuser",  # only with USE_EMAIL_USER_MODEL
        ),
        # swapper sets this default at runtime (wagtail.models: set_app_prefix).
        settings={"WAGTAIL_PAGE_MODEL": "wagtailcore.Page"},
    ),
    Corpus(
        name="pretix",
        dists=(
            Dist("django-oauth-toolkit==2.3.0", packages=("oauth2_provider",)),
            Dist("pretix==2026.8.0"),
        ),
        auth_user_model="pretixbase.User",
        settings={
            "OAUTH2_PROVIDER_APPLICATION_MODEL": "pretixapi.OAuthApplication",
            "OAUTH2_PROVIDER_GRANT_MODEL": "pretixapi.OAuthGrant",
            "OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL": "pretixapi.OAuthAccessToken",
            "OAUTH2_PROVIDER_ID_TOKEN_MODEL": "pretixapi.OAuthIDToken",
            "OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL": "pretixapi.OAuthRefreshToken",
        },
    ),
    Corpus(
        name="oscar",
        dists=(Dist("django-oscar==4.2.1"),),
    ),
    Corpus(
        name="nautobot",
        dists=(
            Dist("django-celery-beat==2.9.0", packages=("django_celery_beat",)),
            Dist("django-celery-results==2.6.0", packages=("django_celery_results",)),
            Dist("django-constance==4.3.5", packages=("constance",)),
            Dist("django-taggit==6.1.0", packages=("taggit",)),
            Dist("nautobot==3.2.7"),
        ),
        auth_user_model="users.User",
        exclude=("nautobot.data_validation.tests",),
    ),
    Corpus(
        name="mayan",
        dists=(
            Dist("django-activity-stream==2.0.0", packages=("actstream",)),
            Dist("django-celery-beat==2.9.0", packages=("django_celery_beat",)),
            Dist("mayan-edms==4.12.2"),
        ),
    ),
    Corpus(
        name="label-studio",
        # Label Studio puts label_studio/ on sys.path and installs "core", "users", ...
        dists=(
            Dist(
                "label-studio==1.23.2",
                packages=("label_studio",),
                root="label_studio",
                # RunPython(*make_sql_migration(...)) needs the real helper
                extra_files=("label_studio/core/migration_helpers.py",),
            ),
        ),
        auth_user_model="users.User",
        exclude=("data_manager.tests",),
        # label_studio/core/settings/base.py (SQLite flavour)
        oracle_settings={
            "DJANGO_DB": "sqlite",
            "DJANGO_DB_SQLITE": "sqlite",
            "DJANGO_DB_MYSQL": "mysql",
            "DJANGO_DB_POSTGRESQL": "postgresql",
        },
    ),
    Corpus(
        name="django-cms",
        dists=(Dist("django-cms==5.1.3", packages=("cms", "menus")),),
    ),
    Corpus(
        name="geonode",
        dists=(
            Dist("django-taggit==5.0.1", packages=("taggit",)),
            Dist("geonode-django-dynamic-model==0.4.0", packages=("dynamic_models",)),
            # layers 0040 computes a field default from geonode.utils.OGC_Servers_Handler
            Dist("geonode==5.1.1", packages=("geonode",), extra_files=("geonode/utils.py",)),
        ),
        auth_user_model="people.Profile",
        # geonode/settings.py: values that migration modules read at import time
        oracle_settings={
            "DEFAULT_MAX_UPLOAD_SIZE": 104857600,
            "DEFAULT_MAX_PARALLEL_UPLOADS_PER_USER": 5,
            "OGC_SERVER": {
                "default": {
                    "BACKEND": "geonode.geoserver",
                    "LOCATION": "http://localhost:8080/geoserver/",
                }
            },
        },
    ),
    Corpus(
        name="shuup",
        dists=(
            Dist("django-filer==1.7.1", packages=("filer",), sdist=True),
            Dist("django-reversion==3.0.5", packages=("reversion",)),
            Dist("shuup==3.1.0", packages=("shuup",), legacy_pip=True),
        ),
        # Shuup declares its AppConfigs in the packages' __init__.py (old default_app_config).
        labels={
            "shuup.admin": "shuup_admin",
            "shuup.core": "shuup",
            "shuup.customer_group_pricing": "shuup_customer_group_pricing",
            "shuup.front": "shuup_front",
            "shuup.notify": "shuup_notify",
            "shuup.simple_cms": "shuup_simple_cms",
            "shuup.testing": "shuup_testing",
            "shuup.xtheme": "shuup_xtheme",
        },
        settings={
            "FILER_IMAGE_MODEL": "filer.Image",
            "SHUUP_MASS_UNIT": "g",
            "SHUUP_LENGTH_UNIT": "mm",
        },
    ),
    Corpus(
        name="weblate",
        dists=(
            Dist("django-celery-beat==2.9.0", packages=("django_celery_beat",)),
            Dist("django-otp==1.7.3", packages=("django_otp",)),
            Dist("djangorestframework==3.18.3", packages=("rest_framework",)),
            Dist("social-auth-app-django==7.1.0", packages=("social_django",)),
            # social_django's migrations call social_core.utils.setting_name() at import time
            Dist(
                "social-auth-core==6.1.0",
                packages=("social_core",),
                extra_files=("social_core/utils.py",),
            ),
            Dist("weblate==2026.10.1", packages=("weblate",)),
        ),
        auth_user_model="weblate_auth.User",
        # django-appconf defaults (weblate/trans/defines.py & co) that field definitions read
        oracle_settings={
            "COMMIT_PENDING_HOURS": 24,
            "DEFAULT_ACCESS_CONTROL": 0,
            "DEFAULT_ADDON_MESSAGE": "Update by {{ addon_name }}",
            "DEFAULT_ADD_MESSAGE": "Added translation ({{ language_name }})",
            "DEFAULT_AUTOCLEAN_TM": False,
            "DEFAULT_AUTO_LOCK_ERROR": True,
            "DEFAULT_AUTO_WATCH": True,
            "DEFAULT_COMMIT_MESSAGE": "Translated using Weblate ({{ language_name }})",
            "DEFAULT_DELETE_MESSAGE": "Deleted translation ({{ language_name }})",
            "DEFAULT_MERGE_MESSAGE": "Merge branch '{{ component_remote_branch }}'",
            "DEFAULT_MERGE_STYLE": "rebase",
            "DEFAULT_PULL_MESSAGE": "Translations update from {{ site_title }}",
            "DEFAULT_PUSH_ON_COMMIT": True,
            "DEFAULT_RESTRICTED_COMPONENT": False,
            "DEFAULT_SHARED_TM": True,
            "DEFAULT_SOURCE_REVIEW": False,
            "DEFAULT_TRANSLATION_PROPAGATION": True,
            "DEFAULT_TRANSLATION_REVIEW": False,
            "LICENSE_REQUIRED": False,
            "NEARBY_MESSAGES": 15,
            "WEBSITE_REQUIRED": True,
        },
    ),
)

BY_NAME: dict[str, Corpus] = {corpus.name: corpus for corpus in CORPORA}


# --------------------------------------------------------------------------------------------
# cache, download


def cache_dir() -> Path:
    """Where downloads and extracted trees live."""
    configured = os.environ.get("MIGRATION_LINT_TEST_CACHE")
    root = Path(configured) if configured else Path.home() / ".cache" / "migration-lint-tests"
    root.mkdir(parents=True, exist_ok=True)
    return root


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock, so that parallel test workers download and extract once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _archive_for(requirement: str, directory: Path) -> Path | None:
    """The cached archive (wheel or sdist) of ``name==version``, if any."""
    name, version = requirement.split("==")
    if not directory.exists():
        return None
    for candidate in sorted(directory.iterdir()):
        filename = candidate.name
        if filename.endswith(".whl"):
            parts = filename[: -len(".whl")].split("-")
            found_name, found_version = parts[0], parts[1]
        elif filename.endswith((".tar.gz", ".zip")):
            stem = filename[: -len(".tar.gz")] if filename.endswith(".tar.gz") else filename[:-4]
            found_name, _, found_version = stem.rpartition("-")
        else:
            continue
        if _normalise(found_name) == _normalise(name) and found_version == version:
            return candidate
    return None


@dataclass
class DownloadStats:
    """What :func:`download` did: bytes on disk per archive, seconds spent downloading."""

    sizes: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    fetched: list[str] = field(default_factory=list)


def _pip(legacy: bool, tools: Path) -> list[str]:
    if not legacy:
        return [sys.executable, "-m", "pip"]
    wheel = next(tools.glob("pip-24.0-*.whl"), None) if tools.exists() else None
    if wheel is None:
        tools.mkdir(parents=True, exist_ok=True)
        _run_pip(
            [sys.executable, "-m", "pip"], ["download", "--no-deps", "-d", str(tools), LEGACY_PIP]
        )
        wheel = next(tools.glob("pip-24.0-*.whl"))
    return [sys.executable, str(wheel / "pip")]


def _run_pip(pip: list[str], args: list[str]) -> None:
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    result = subprocess.run(
        [*pip, *args, "--quiet"], capture_output=True, text=True, env=env, timeout=900
    )
    if result.returncode != 0:
        raise RuntimeError(f"pip {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")


def download(dist: Dist, stats: DownloadStats | None = None) -> Path:
    """The archive of ``dist`` in the cache, downloaded first if needed."""
    root = cache_dir()
    directory = root / "dists"
    with _locked(root / ".download.lock"):
        found = _archive_for(dist.requirement, directory)
        if found is None:
            started = time.perf_counter()
            with tempfile.TemporaryDirectory(dir=root) as scratch:
                binary = "--no-binary=:all:" if dist.sdist else "--only-binary=:all:"
                _run_pip(
                    _pip(dist.legacy_pip, root / "tools"),
                    ["download", "--no-deps", binary, "-d", scratch, dist.requirement],
                )
                directory.mkdir(parents=True, exist_ok=True)
                for item in Path(scratch).iterdir():
                    shutil.move(str(item), directory / item.name)
            found = _archive_for(dist.requirement, directory)
            if found is None:
                raise RuntimeError(f"pip downloaded nothing recognisable for {dist.requirement}")
            if stats is not None:
                stats.seconds += time.perf_counter() - started
                stats.fetched.append(found.name)
        if stats is not None:
            stats.sizes[found.name] = found.stat().st_size
        return found


# --------------------------------------------------------------------------------------------
# extraction


def _members(archive: Path) -> Iterator[tuple[PurePosixPath, Callable[[], bytes]]]:
    """Yield (path inside the distribution, function reading it) for every file."""
    if archive.name.endswith((".whl", ".zip")):
        with zipfile.ZipFile(archive) as zf:
            for zinfo in zf.infolist():
                if not zinfo.is_dir():
                    yield PurePosixPath(zinfo.filename), functools.partial(zf.read, zinfo)
    else:
        with tarfile.open(archive) as tf:
            for tinfo in tf.getmembers():
                # sdists have a "name-version/" prefix
                parts = PurePosixPath(tinfo.name).parts[1:]
                if tinfo.isfile() and parts:
                    yield PurePosixPath(*parts), functools.partial(_read_tar, tf, tinfo)


def _read_tar(archive: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    extracted = archive.extractfile(member)
    assert extracted is not None
    return extracted.read()


def _wanted(path: PurePosixPath, dist: Dist) -> str | None:
    """Why ``path`` goes into the tree ("migration", "apps", "extra"), or None."""
    parts = path.parts
    if not parts or parts[0].endswith((".dist-info", ".data", ".egg-info")):
        return None
    if dist.packages and parts[0] not in dist.packages:
        return None
    if str(path) in dist.extra_files:
        return "extra"
    if len(parts) >= 2 and parts[-2] == "migrations" and path.suffix == ".py":
        return "migration"
    if parts[-1] == "apps.py":
        return "apps"
    return None


def _relocate(path: PurePosixPath, dist: Dist) -> PurePosixPath | None:
    if not dist.root:
        return path
    root = PurePosixPath(dist.root)
    return path.relative_to(root) if path.is_relative_to(root) and path != root else None


def _extract(corpus: Corpus, archives: list[Path], target: Path) -> list[str]:
    """Write the corpus tree; return the app modules in installation order."""
    packages: set[PurePosixPath] = set()
    originals: set[PurePosixPath] = set()
    apps: list[str] = []
    for dist, archive in zip(corpus.dists, archives, strict=True):
        found: set[str] = set()
        for path, read in _members(archive):
            relocated = _relocate(path, dist)
            if relocated is None:
                continue
            if path.name == "__init__.py":
                originals.add(relocated.parent)
            kind = _wanted(path, dist)
            if kind is None:
                continue
            destination = target / relocated
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(read())
            packages.update(relocated.parents[i] for i in range(len(relocated.parents) - 1))
            if kind == "migration" and "migrations" not in relocated.parts[:-2]:
                found.add(".".join(relocated.parts[:-2]))
        apps.extend(sorted(found - set(apps) - set(corpus.exclude) - {""}))
    # Skeleton packages: an empty __init__.py wherever the tree has none (migration packages
    # keep theirs, as extracted; a migrations dir without __init__.py stays a namespace dir,
    # which Django treats as "unmigrated", exactly as in the original distribution).
    for package in sorted(packages):
        init = target / package / "__init__.py"
        if init.exists():
            continue
        if package.name == "migrations" and package not in originals:
            continue
        init.write_bytes(b"")
    return apps


# --------------------------------------------------------------------------------------------
# apps and labels

_LABEL = re.compile(r"""^\s+label\s*=\s*["']([^"']+)["']""", re.MULTILINE)


@dataclass(frozen=True)
class CorpusApp:
    """An app of a corpus tree: module path, label, whether the label came from the table."""

    module: str
    label: str
    overridden: bool


def label_for(tree: Path, module: str, corpus: Corpus) -> CorpusApp:
    """The app label Django will use: override table, else ``apps.py`` regex, else the name."""
    if module in corpus.labels:
        return CorpusApp(module, corpus.labels[module], True)
    apps_py = tree / module.replace(".", "/") / "apps.py"
    labels = set(_LABEL.findall(apps_py.read_text(encoding="utf-8"))) if apps_py.exists() else set()
    if len(labels) > 1:
        raise ValueError(f"{corpus.name}: {apps_py} defines labels {sorted(labels)}; add one")
    if labels:
        return CorpusApp(module, labels.pop(), False)
    return CorpusApp(module, module.rsplit(".", 1)[-1], False)


def corpus_apps(tree: Path, corpus: Corpus) -> list[CorpusApp]:
    """All apps of the corpus (Django contrib excluded), in installation order."""
    modules = json.loads((tree / "corpus.json").read_text())["apps"]
    return [label_for(tree, module, corpus) for module in modules]


# --------------------------------------------------------------------------------------------
# the tree


def _fingerprint(corpus: Corpus) -> str:
    spec = json.dumps(
        {
            "format": TREE_FORMAT,
            "dists": [vars(d) for d in corpus.dists],
            "exclude": corpus.exclude,
            "labels": corpus.labels,
            "settings": corpus.settings,
            "oracle_settings": corpus.oracle_settings,
            "auth": corpus.auth_user_model,
        },
        sort_keys=True,
        default=list,
    )
    return hashlib.sha256(spec.encode()).hexdigest()[:12]


def _toml_string(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid TOML basic string


def pyproject_text(corpus: Corpus, apps: list[CorpusApp]) -> str:
    """``[tool.migration-lint]`` configuring our tool like the oracle configures Django."""
    installed = [f"django.contrib.{label}" for label in CONTRIB] + [app.module for app in apps]
    out = io.StringIO()
    out.write(f"# corpus {corpus.name}: generated by tests/corpora.py\n")
    out.write("[tool.migration-lint]\n")
    out.write("installed-apps = [\n")
    for module in installed:
        out.write(f"    {_toml_string(module)},\n")
    out.write("]\n")
    out.write(f"auth-user-model = {_toml_string(corpus.auth_user_model or 'auth.User')}\n")
    out.write('django-contrib = "auto"\n')
    overrides = {app.module: app.label for app in apps if app.overridden}
    if overrides:
        pairs = ", ".join(f"{_toml_string(k)} = {_toml_string(v)}" for k, v in overrides.items())
        out.write(f"app-labels = {{{pairs}}}\n")
    if corpus.settings:
        out.write("\n[tool.migration-lint.settings-values]\n")
        for name, value in corpus.settings.items():
            out.write(f"{name} = {_toml_string(value)}\n")
    return out.getvalue()


@dataclass
class PreparedCorpus:
    """A corpus tree on disk with everything both sides need."""

    corpus: Corpus
    root: Path
    apps: list[CorpusApp]
    archives: list[Path]
    stats: DownloadStats

    @property
    def contrib(self) -> list[str]:
        return list(CONTRIB)

    def migration_files(self) -> dict[str, list[str]]:
        """Per app label, the migration names Django's loader must find (its pkgutil rules)."""
        found: dict[str, list[str]] = {}
        for app in self.apps:
            directory = self.root / app.module.replace(".", "/") / "migrations"
            if not (directory / "__init__.py").exists():
                continue
            names = set()
            for entry in sorted(os.listdir(directory)):
                path = directory / entry
                if path.is_dir() or not entry.endswith(".py"):
                    continue
                stem = entry[:-3]
                if stem == "__init__" or stem[0] in "_~" or "." in stem:
                    continue
                names.add(stem)
            found[app.label] = sorted(names)
        return found


def prepare(corpus: Corpus) -> PreparedCorpus:
    """Download (if needed) and extract (if needed) ``corpus``; return the tree."""
    stats = DownloadStats()
    archives = [download(dist, stats) for dist in corpus.dists]
    root = cache_dir() / "trees" / f"{corpus.name}-{_fingerprint(corpus)}"
    with _locked(cache_dir() / f".tree-{corpus.name}.lock"):
        if not (root / "pyproject.toml").exists():
            scratch = Path(tempfile.mkdtemp(prefix=f".{corpus.name}-", dir=cache_dir()))
            try:
                modules = _extract(corpus, archives, scratch)
                (scratch / "corpus.json").write_text(json.dumps({"apps": modules}, indent=1))
                apps = corpus_apps(scratch, corpus)
                (scratch / "pyproject.toml").write_text(pyproject_text(corpus, apps))
                for stale in (cache_dir() / "trees").glob(f"{corpus.name}-*"):
                    if stale.name.count("-") == corpus.name.count("-") + 1:
                        shutil.rmtree(stale)
                root.parent.mkdir(parents=True, exist_ok=True)
                scratch.rename(root)
            finally:
                if scratch.exists():
                    shutil.rmtree(scratch)
    return PreparedCorpus(corpus, root, corpus_apps(root, corpus), archives, stats)


def oracle_project(prepared: PreparedCorpus) -> OracleProject:
    """The :class:`tests.oracle.OracleProject` for a prepared corpus."""
    return OracleProject(
        root=prepared.root,
        apps=[App(app.module, app.label) for app in prepared.apps],
        contrib=list(CONTRIB),
        auth_user_model=prepared.corpus.auth_user_model,
        extra_settings={**prepared.corpus.settings, **prepared.corpus.oracle_settings},
        stub_missing_imports=True,
    )


# --------------------------------------------------------------------------------------------
# the oracle side

_ORACLE_SCRIPT = """
import io, json
import oracle_stubs
from django.core.management import call_command
from django.db.migrations.loader import MigrationLoader

loader = MigrationLoader(None, ignore_no_migrations=True)
disk = {}
for app, name in loader.disk_migrations:
    disk.setdefault(app, []).append(name)
plan = io.StringIO()
call_command("showmigrations", "--plan", stdout=plan, no_color=True)
report = {
    "disk": {app: sorted(names) for app, names in disk.items()},
    "migrated": sorted(loader.migrated_apps),
    "unmigrated": sorted(loader.unmigrated_apps),
    "conflicts": {app: sorted(names) for app, names in loader.detect_conflicts().items()},
    "plan": plan.getvalue(),
    "stubbed": sorted(set(oracle_stubs.stubbed_modules())),
}
print("@@CORPUS-ORACLE@@" + json.dumps(report))
"""


@dataclass
class OracleReport:
    """What real Django says about a corpus.

    ``disk``: per app label, the migrations ``MigrationLoader.load_disk`` imported;
    ``conflicts``: ``MigrationLoader(None).detect_conflicts()``; ``plan``: the output of
    ``showmigrations --plan`` on a fresh SQLite database; ``stubbed``: modules answered by
    :mod:`tests.oracle_stubs`.
    """

    disk: dict[str, list[str]]
    migrated: list[str]
    unmigrated: list[str]
    conflicts: dict[str, list[str]]
    plan: str
    stubbed: list[str]


def run_oracle(prepared: PreparedCorpus, workdir: Path) -> OracleReport:
    """Load the corpus with real Django (stubs for missing imports); ``showmigrations --plan``."""
    result = run_django_script(oracle_project(prepared), workdir, _ORACLE_SCRIPT)
    for line in result.stdout.splitlines():
        if line.startswith("@@CORPUS-ORACLE@@"):
            return OracleReport(**json.loads(line[len("@@CORPUS-ORACLE@@") :]))
    raise AssertionError(f"no oracle report:\n{result.stdout}\n{result.stderr}")


if __name__ == "__main__":  # pragma: no cover - manual helper: fetch and extract everything
    for item in CORPORA:
        if len(sys.argv) > 1 and item.name not in sys.argv[1:]:
            continue
        ready = prepare(item)
        total = sum(len(v) for v in ready.migration_files().values())
        print(f"{item.name}: {ready.root} apps={len(ready.apps)} migrations={total}")
