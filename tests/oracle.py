"""Run real Django on a project tree, as the oracle our static results are compared with.

Django runs in a subprocess (so each project gets fresh settings and app registry) with a
settings module this helper writes: the project's apps in ``INSTALLED_APPS`` (each through a
generated ``AppConfig`` so that the label is exactly the one the scenario asks for), a fresh
SQLite database, and the scenario's ``AUTH_USER_MODEL`` / ``MIGRATION_MODULES``.
``PYTHONHASHSEED`` is pinned because Django <= 6.0 iterates sets in places that decide the
order of its output (spec §12).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

#: Django's contrib apps that ship migrations (gis has none; postgres has none).
CONTRIB_APPS: dict[str, str] = {
    "admin": "django.contrib.admin.apps.SimpleAdminConfig",
    "auth": "django.contrib.auth",
    "contenttypes": "django.contrib.contenttypes",
    "sessions": "django.contrib.sessions",
    "sites": "django.contrib.sites",
    "flatpages": "django.contrib.flatpages",
    "redirects": "django.contrib.redirects",
}


@dataclass
class App:
    """An app of the oracle project: its dotted module and the label Django must use."""

    module: str
    label: str


@dataclass
class OracleProject:
    """A project tree plus the settings Django needs to load it.

    ``root`` goes first on ``sys.path``. ``contrib`` lists the labels of Django contrib apps
    to install as well (default: auth and contenttypes, which most histories depend on).
    ``stub_missing_imports`` makes every import that cannot be satisfied resolve to a
    permissive stub module, so that real migration histories whose packages are not installed
    can still be loaded by Django's real loader (see ``tests/oracle_stubs.py``).
    """

    root: Path
    apps: list[App]
    contrib: list[str] = field(default_factory=lambda: ["contenttypes", "auth"])
    auth_user_model: str | None = None
    migration_modules: dict[str, str | None] = field(default_factory=dict)
    extra_settings: dict[str, object] = field(default_factory=dict)
    stub_missing_imports: bool = False


_SETTINGS_MODULE = "_oracle_settings"


def _write_settings(project: OracleProject, workdir: Path) -> None:
    configs = []
    installed: list[str] = [CONTRIB_APPS[label] for label in project.contrib]
    for index, app in enumerate(project.apps):
        class_name = f"OracleApp{index}"
        configs.append(
            f"class {class_name}(AppConfig):\n"
            f"    name = {app.module!r}\n"
            f"    label = {app.label!r}\n"
            f"    default_auto_field = 'django.db.models.AutoField'\n"
            f"    path = {str(project.root / app.module.replace('.', '/'))!r}\n"
        )
        installed.append(f"_oracle_apps.{class_name}")
    (workdir / "_oracle_apps.py").write_text(
        "from django.apps import AppConfig\n\n" + "\n\n".join(configs)
    )
    settings = {
        "INSTALLED_APPS": installed,
        "DATABASES": {
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(workdir / "db.sqlite3"),
            }
        },
        "MIGRATION_MODULES": project.migration_modules,
        "USE_TZ": True,
        "SECRET_KEY": "oracle",
        "DEFAULT_AUTO_FIELD": "django.db.models.AutoField",
        **project.extra_settings,
    }
    if project.auth_user_model:
        settings["AUTH_USER_MODEL"] = project.auth_user_model
    # repr() of str/bool/None/list/dict is a Python literal (json.dumps wrote true/false/null).
    lines = [f"{name} = {value!r}" for name, value in settings.items()]
    (workdir / f"{_SETTINGS_MODULE}.py").write_text("\n".join(lines) + "\n")


_RUNNER = textwrap.dedent(
    """
    import sys
    if {stub!r}:
        import oracle_stubs
        oracle_stubs.install()
    import django
    django.setup()
    from django.core.management import call_command
    call_command(*sys.argv[1:])
    """
)


def run_django(
    project: OracleProject, workdir: Path, *args: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run ``manage.py <args>`` for ``project`` in a fresh interpreter; return the result."""
    workdir.mkdir(parents=True, exist_ok=True)
    _write_settings(project, workdir)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": _SETTINGS_MODULE,
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": os.pathsep.join(
            [str(workdir), str(project.root), str(Path(__file__).parent)]
        ),
    }
    runner = _RUNNER.format(stub=project.stub_missing_imports)
    result = subprocess.run(
        [sys.executable, "-c", runner, *args],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"Django failed ({result.returncode}) on {args}:\n{result.stdout}\n{result.stderr}"
        )
    return result


def django_version() -> tuple[int, ...]:
    """The version of the Django installed in the test environment (imported lazily)."""
    import django

    return tuple(django.VERSION[:2])


def _django_env(project: OracleProject, workdir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": _SETTINGS_MODULE,
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": os.pathsep.join(
            [str(workdir), str(project.root), str(Path(__file__).parent)]
        ),
    }


def run_django_script(
    project: OracleProject, workdir: Path, code: str, *, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run the Python ``code`` after ``django.setup()`` with ``project``'s settings."""
    workdir.mkdir(parents=True, exist_ok=True)
    _write_settings(project, workdir)
    prologue = (
        f"if {project.stub_missing_imports!r}:\n"
        "    import oracle_stubs\n"
        "    oracle_stubs.install()\n"
        "import django\n"
        "django.setup()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", prologue + textwrap.dedent(code)],
        cwd=workdir,
        env=_django_env(project, workdir),
        capture_output=True,
        text=True,
        timeout=600,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"Django script failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    return result


_REPORT_MARK = "@@ORACLE-REPORT@@"

_REPORT_SCRIPT = """
import io
import json

from django.core.management import call_command
from django.db.migrations.loader import MigrationLoader


def describe(exc):
    return {"class": type(exc).__name__, "module": type(exc).__module__, "message": str(exc)}


def load(**kwargs):
    try:
        loader = MigrationLoader(None, **kwargs)
    except Exception as exc:
        return {"error": describe(exc)}
    graph = loader.graph
    return {
        "error": None,
        "conflicts": {app: sorted(names) for app, names in loader.detect_conflicts().items()},
        "nodes": sorted("%s.%s" % key for key in graph.nodes),
        "leaves": ["%s.%s" % key for key in graph.leaf_nodes()],
        "migrated_apps": sorted(loader.migrated_apps),
        "unmigrated_apps": sorted(loader.unmigrated_apps),
    }


def command(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err, no_color=True)
    except BaseException as exc:
        error = describe(exc)
    else:
        error = None
    return {"stdout": out.getvalue(), "stderr": err.getvalue(), "error": error}


report = {
    "loader": load(),
    "loader_lenient": load(ignore_no_migrations=True),
    "showmigrations_plan": command("showmigrations", "--plan"),
    "migrate_plan": command("migrate", "--plan"),
    "showmigrations_list": command("showmigrations", "--list"),
}
print(MARK + json.dumps(report))
"""


def django_report(project: OracleProject, workdir: Path) -> dict[str, object]:
    """What real Django says about ``project`` on a fresh database, in one interpreter.

    Keys: ``loader`` (``MigrationLoader(None)``: ``error`` = ``{"class", "module", "message"}``
    of the exception it raised, else ``None`` plus ``conflicts`` ``{app: sorted names}``,
    ``nodes``, ``leaves``, ``migrated_apps``, ``unmigrated_apps``), ``loader_lenient`` (the same
    with ``ignore_no_migrations=True``, as makemigrations builds it), and for each of
    ``showmigrations_plan`` / ``migrate_plan`` / ``showmigrations_list`` the command's
    ``stdout``, ``stderr`` and ``error`` (the exception ``call_command`` raised, or ``None``).
    """
    script = _REPORT_SCRIPT.replace("MARK", repr(_REPORT_MARK), 1)
    result = run_django_script(project, workdir, script)
    for line in result.stdout.splitlines():
        if line.startswith(_REPORT_MARK):
            report: dict[str, object] = json.loads(line[len(_REPORT_MARK) :])
            return report
    raise AssertionError(f"no oracle report in output:\n{result.stdout}\n{result.stderr}")
