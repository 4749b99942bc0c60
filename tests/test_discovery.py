"""Discovery: which apps exist, their labels, and which files Django would load as migrations."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path

import pytest

from migration_lint.config import load_config
from migration_lint.discovery import Project, discover, migration_names

MIGRATION = (
    "from django.db import migrations\n\n\n"
    "class Migration(migrations.Migration):\n"
    "    dependencies = []\n"
    "    operations = []\n"
)


def write(root: Path, files: Mapping[str, str]) -> Path:
    """Write ``files`` (relative path -> dedented text) under ``root``."""
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def app(name: str, *migrations: str, apps_py: str | None = None) -> dict[str, str]:
    """Files of a package ``name`` with a migrations package holding ``migrations``."""
    files = {f"{name}/__init__.py": "", f"{name}/migrations/__init__.py": ""}
    files.update({f"{name}/migrations/{migration}.py": MIGRATION for migration in migrations})
    if apps_py is not None:
        files[f"{name}/apps.py"] = apps_py
    return files


def project(root: Path, files: Mapping[str, str], **overrides: object) -> Project:
    write(root, files)
    overrides.setdefault("django-contrib", "never")
    return discover(load_config(root, overrides=overrides))


def keys(project: Project) -> list[tuple[str, str]]:
    return [(source.app_label, source.name) for source in project.sources]


def messages(project: Project, severity: str | None = None) -> list[str]:
    return [p.message for p in project.problems if severity in (None, p.severity)]


# -- apps and labels -------------------------------------------------------------------------


def test_without_settings_every_app_on_disk_counts_sorted_by_label(tmp_path: Path) -> None:
    result = project(
        tmp_path,
        {
            **app("zoo", "0001_initial"),
            **app("src/alpha", "0001_initial", "0002_more"),
            "nested/pkg/__init__.py": "",
            **app("nested/pkg/inner", "0001_initial"),
            "helpers/util.py": "",
        },
    )
    assert [(a.label, a.module) for a in result.apps] == [
        ("alpha", "alpha"),
        ("inner", "pkg.inner"),  # "nested" has no __init__.py: a sys.path-like root
        ("zoo", "zoo"),
    ]
    assert keys(result) == [
        ("alpha", "0001_initial"),
        ("alpha", "0002_more"),
        ("inner", "0001_initial"),
        ("zoo", "0001_initial"),
    ]
    assert result.migrated_apps == {"alpha", "inner", "zoo"}
    assert result.unmigrated_apps == set()
    assert result.problems == []


def test_labels_come_from_the_appconfig_in_apps_py(tmp_path: Path) -> None:
    result = project(
        tmp_path,
        {
            **app(
                "shop",
                "0001_initial",
                apps_py="""
                    from django.apps import AppConfig

                    class ShopConfig(AppConfig):
                        name = "shop"
                        label = "store"
                """,
            ),
            **app(
                "core",
                apps_py="""
                    from django.apps import AppConfig

                    class Base(AppConfig):
                        name = "core"
                        label = "kernel"

                    class CoreConfig(Base):
                        default = True

                    class OtherConfig(Base):
                        label = "other"
                """,
            ),
            **app(
                "blog",
                apps_py="""
                    import django.apps

                    class BlogConfig(django.apps.AppConfig):
                        name = "blog"
                        label = "weblog"

                    class BlogAdminConfig(BlogConfig):
                        name = "blog_admin"
                        label = "blog_admin"
                """,
            ),
            # An app without migrations is still an app when apps.py has an AppConfig.
            "plain/__init__.py": "",
            "plain/apps.py": """
                from django.apps import AppConfig
                class P(AppConfig):
                    name = "plain"
            """,
        },
    )
    labels = {a.module: a.label for a in result.apps}
    # core: the `default = True` class; blog: several classes, the one whose name matches.
    assert labels == {"shop": "store", "core": "kernel", "blog": "weblog", "plain": "plain"}
    assert result.migrated_apps == {"store", "kernel", "weblog"}
    assert result.unmigrated_apps == {"plain"}
    assert keys(result) == [("store", "0001_initial")]


def test_a_computed_label_is_a_problem_and_falls_back(tmp_path: Path) -> None:
    result = project(
        tmp_path,
        app(
            "shop",
            "0001_initial",
            apps_py="""
                from django.apps import AppConfig
                PREFIX = "x"
                class ShopConfig(AppConfig):
                    name = "shop"
                    label = PREFIX + "shop"
            """,
        ),
    )
    assert [a.label for a in result.apps] == ["shop"]
    [problem] = result.problems
    assert problem.path == tmp_path.resolve() / "shop" / "apps.py"
    assert problem.line == 6
    assert "PREFIX + 'shop'" in problem.message and "app-labels" in problem.hint


def test_app_labels_override_by_module_or_directory(tmp_path: Path) -> None:
    result = project(
        tmp_path,
        {**app("shop", "0001_initial"), **app("src/blog", "0001_initial")},
        **{"app-labels": {"shop": "store", "src/blog": "weblog", "gone": "x"}},
    )
    assert sorted(a.label for a in result.apps) == ["store", "weblog"]
    assert messages(result) == ["app-labels: 'gone' matches no app that was found"]


def test_duplicate_labels_are_an_error(tmp_path: Path) -> None:
    result = project(
        tmp_path,
        {**app("one/core", "0001_a"), **app("two/core", "0001_b")},
    )
    assert [a.path for a in result.apps] == [tmp_path.resolve() / "one/core"]
    [problem] = result.problems
    assert problem.severity == "error"
    assert problem.message.startswith("Application labels aren't unique, duplicates: core")


# -- which files are migrations --------------------------------------------------------------


def test_only_what_pkgutil_and_django_accept_is_a_migration(tmp_path: Path) -> None:
    files = {
        **app("shop", "0001_initial", "0002-dash", "_private", "~backup", "0003.copy"),
        "shop/migrations/0004_x.py.bak": "",
        "shop/migrations/notes.txt": "",
        "shop/migrations/sub/__init__.py": "",
        "shop/migrations/sub/0005_y.py": MIGRATION,
        "shop/migrations/nopkg/0006_z.py": MIGRATION,
        "shop/migrations/__pycache__/0001_initial.cpython-312.pyc": "",
    }
    result = project(tmp_path, files)
    # Sorted by file name, as Django 6.1 loads them; "0002-dash" is a valid Django name.
    assert keys(result) == [("shop", "0001_initial"), ("shop", "0002-dash")]
    assert result.problems == []


def test_a_legacy_pyc_without_source_is_reported(tmp_path: Path) -> None:
    files = {
        **app("shop", "0001_initial"),
        "shop/migrations/0002_old.pyc": "",
        "shop/migrations/0001_initial.pyc": "",
    }
    result = project(tmp_path, files)
    assert keys(result) == [("shop", "0001_initial")]  # the .py wins over its .pyc
    [problem] = result.problems
    assert problem.path.name == "0002_old.pyc"
    assert "shop.0002_old" in problem.message and "cannot be read" in problem.message
    assert "commit the .py source" in problem.hint


def test_migrations_without_init_are_a_namespace_package_django_ignores(tmp_path: Path) -> None:
    result = project(
        tmp_path,
        {
            "notes/__init__.py": "",
            "notes/migrations/0001_initial.py": MIGRATION,
            # Without .py files it is not worth a word (and not an app either).
            "assets/__init__.py": "",
            "assets/migrations/README": "",
        },
    )
    assert [a.label for a in result.apps] == ["notes"]
    assert result.unmigrated_apps == {"notes"} and result.sources == []
    [problem] = result.problems
    assert problem.severity == "info"
    assert "notes/migrations has no __init__.py: Django ignores it" in problem.message


def test_migration_modules_remap_and_disable(tmp_path: Path) -> None:
    result = project(
        tmp_path,
        {
            **app("shop", "0001_ignored"),
            "shop/db_migrations/__init__.py": "",
            "shop/db_migrations/0001_initial.py": MIGRATION,
            **app("legacy", "0001_initial"),
            # A remap target named "migrations" must not make its parent an app.
            **app("overrides/blog", "0001_remapped"),
            **app("blog", "0001_original"),
            **app("missing", "0001_initial"),
        },
        **{
            "migration-modules": {
                "shop": "shop.db_migrations",
                "legacy": False,
                "blog": "overrides.blog.migrations",
                "missing": "nowhere.migrations",
            }
        },
    )
    by_label = {a.label: a for a in result.apps}
    assert sorted(by_label) == ["blog", "legacy", "missing", "shop"]
    assert by_label["shop"].migrations_module == "shop.db_migrations"
    assert by_label["legacy"].migrations_path is None
    assert keys(result) == [("blog", "0001_remapped"), ("shop", "0001_initial")]
    assert result.migrated_apps == {"blog", "shop"}
    assert result.unmigrated_apps == {"legacy", "missing"}
    assert messages(result) == ["MIGRATION_MODULES['missing'] = 'nowhere.migrations' was not found"]


# -- settings: INSTALLED_APPS ----------------------------------------------------------------


def test_installed_apps_order_config_paths_and_external_apps(tmp_path: Path) -> None:
    result = project(
        tmp_path,
        {
            "settings.py": """
                INSTALLED_APPS = [
                    "rest_framework",
                    "allauth.account.apps.AccountConfig",
                    "shop.apps.ShopConfig",
                    "blog",
                    "plain",
                ]
            """,
            **app("blog", "0001_initial"),
            **app(
                "shop",
                "0001_initial",
                apps_py=(
                    "from django.apps import AppConfig\n"
                    "class ShopConfig(AppConfig):\n    name = 'shop'\n    label = 'store'\n"
                ),
            ),
            "plain/__init__.py": "",
            "plain/models.py": "",
            **app("unused", "0001_initial"),
        },
        settings="settings",
    )
    assert [a.label for a in result.apps] == ["store", "blog", "plain"]
    assert keys(result) == [("store", "0001_initial"), ("blog", "0001_initial")]
    assert result.unmigrated_apps == {"plain"}
    assert result.apps[2].models_path == tmp_path.resolve() / "plain" / "models.py"
    assert result.external_apps == {"rest_framework", "account"}
    assert [a.label for a in result.uninstalled_apps] == ["unused"]
    assert result.problems == []


def test_an_installed_module_uses_djangos_choice_of_appconfig(tmp_path: Path) -> None:
    result = project(
        tmp_path,
        {
            "settings.py": "INSTALLED_APPS = ['core', 'two']\n",
            **app(
                "core",
                apps_py="""
                    from django.apps import AppConfig
                    class A(AppConfig):
                        name = "core"
                        label = "a"
                    class B(AppConfig):
                        name = "core"
                        label = "b"
                """,
            ),
            **app(
                "two",
                apps_py="""
                    from django.apps import AppConfig
                    class A(AppConfig):
                        label = "a"
                        default = True
                    class B(AppConfig):
                        label = "b"
                        default = True
                """,
            ),
        },
        settings="settings",
    )
    # Django: several candidates and no default -> plain AppConfig, label from the module.
    assert [a.label for a in result.apps] == ["core", "two"]
    assert messages(result, "error") == [
        "two.apps declares more than one default AppConfig: 'A', 'B'"
    ]


def test_an_app_dir_put_on_sys_path_matches_by_suffix(tmp_path: Path) -> None:
    # settings.py does sys.path.insert(0, "apps"): INSTALLED_APPS names "shop", not "apps.shop".
    result = project(
        tmp_path,
        {
            "settings.py": "INSTALLED_APPS = ['shop', 'blog.apps.BlogConfig']\n",
            "apps/__init__.py": "",
            **app("apps/shop", "0001_initial"),
            **app(
                "apps/blog",
                "0001_initial",
                apps_py="""
                    from django.apps import AppConfig
                    class BlogConfig(AppConfig):
                        name = "blog"
                        label = "weblog"
                """,
            ),
        },
        settings="settings",
    )
    assert [(a.label, a.module) for a in result.apps] == [
        ("shop", "shop"),
        ("weblog", "blog"),
    ]


def test_paths_limit_what_counts_and_files_stand_for_their_app(tmp_path: Path) -> None:
    files = {
        "settings.py": "INSTALLED_APPS = ['shop', 'blog']\n",
        **app("shop", "0001_initial", "0002_more"),
        **app(
            "blog",
            "0001_initial",
            apps_py=(
                "from django.apps import AppConfig\n"
                "class BlogConfig(AppConfig):\n    name = 'blog'\n    label = 'weblog'\n"
            ),
        ),
    }
    write(tmp_path, files)
    config = load_config(
        tmp_path,
        paths=[Path("shop/migrations/0002_more.py")],
        overrides={"settings": "settings", "django-contrib": "never"},
    )
    result = discover(config)
    assert keys(result) == [("shop", "0001_initial"), ("shop", "0002_more")]
    # Installed, on disk but not scanned: its migrations are not loaded, its label is known.
    assert result.external_apps == {"weblog"}


def test_excluded_and_symlinked_directories(tmp_path: Path) -> None:
    result = project(
        tmp_path,
        {
            **app("shop", "0001_initial"),
            **app(".venv/lib/site-packages/thirdparty", "0001_initial"),
            **app("build/lib/shop", "0001_initial"),
            **app("fixtures/sample", "0001_initial"),
        },
        **{"extend-exclude": ["fixtures"]},
    )
    (tmp_path / "shop" / "loop").symlink_to(tmp_path, target_is_directory=True)
    result = discover(result.config)
    assert keys(result) == [("shop", "0001_initial")]
    assert result.problems == []


def test_external_paths_are_scanned_and_marked_external(tmp_path: Path) -> None:
    result = project(
        tmp_path,
        {
            **app("project/shop", "0001_initial"),
            **app("vendor/payments", "0001_initial"),
            **app("project/vendored/stripe", "0001_initial"),
        },
        paths=["project"],
        **{"external-paths": ["vendor", "project/vendored"]},
    )
    assert [(a.label, a.external) for a in result.apps] == [
        ("payments", True),
        ("shop", False),
        ("stripe", True),
    ]


# -- Django's contrib apps -------------------------------------------------------------------


def test_contrib_apps_listed_in_installed_apps_are_loaded(tmp_path: Path) -> None:
    files = {
        "settings.py": """
            INSTALLED_APPS = [
                "django.contrib.admin.apps.SimpleAdminConfig",
                "django.contrib.auth",
                "django.contrib.contenttypes",
                "django.contrib.messages",
                "shop",
            ]
        """,
        **app("shop", "0001_initial"),
        "shop/auth_migrations/__init__.py": "",
    }
    result = project(tmp_path, files, settings="settings", **{"django-contrib": "auto"})
    assert [(a.label, a.external) for a in result.apps] == [
        ("admin", True),
        ("auth", True),
        ("contenttypes", True),
        ("messages", True),
        ("shop", False),
    ]
    assert result.unmigrated_apps == {"messages"}
    assert ("auth", "0001_initial") in keys(result)
    assert keys(result)[-1] == ("shop", "0001_initial")

    # MIGRATION_MODULES can give a contrib app the project's own migrations.
    remapped = discover(
        load_config(
            tmp_path,
            overrides={
                "settings": "settings",
                "django-contrib": "auto",
                "migration-modules": {"auth": "shop.auth_migrations"},
            },
        )
    )
    auth = next(a for a in remapped.apps if a.label == "auth")
    assert auth.migrations_module == "shop.auth_migrations" and not auth.external

    never = discover(
        load_config(tmp_path, overrides={"settings": "settings", "django-contrib": "never"})
    )
    assert [a.label for a in never.apps] == ["shop"]
    assert never.external_apps == {"admin", "auth", "contenttypes", "messages"}


def test_contrib_always_adds_every_contrib_app_with_migrations(tmp_path: Path) -> None:
    result = project(tmp_path, app("shop", "0001_initial"), **{"django-contrib": "always"})
    assert [a.label for a in result.apps] == [
        "admin",
        "auth",
        "contenttypes",
        "flatpages",
        "redirects",
        "sessions",
        "shop",
        "sites",
    ]


def test_migration_names_matches_pkgutil(tmp_path: Path) -> None:
    import pkgutil

    write(
        tmp_path,
        {
            "m/0001_a.py": "",
            "m/0002.b.py": "",
            "m/_c.py": "",
            "m/~d.py": "",
            "m/e.txt": "",
            "m/f/__init__.py": "",
            "m/g/x.py": "",
            "m/h.pyc": "",
            "m/0001_a.pyc": "",
        },
    )
    expected = [
        name
        for _, name, is_pkg in pkgutil.iter_modules([str(tmp_path / "m")])
        if not is_pkg and name[0] not in "_~"
    ]
    assert [name for name, _ in migration_names(tmp_path / "m")] == expected == ["0001_a", "h"]


# -- differential: real Django on the same tree ---------------------------------------------

DJANGO_LOADER = """
import json, django
django.setup()
from django.db.migrations.loader import MigrationLoader
loader = MigrationLoader(None, ignore_no_migrations=True)
print(json.dumps({
    "keys": [list(key) for key in loader.disk_migrations],
    "migrated": sorted(loader.migrated_apps),
    "unmigrated": sorted(loader.unmigrated_apps),
}))
"""


def test_discovery_agrees_with_djangos_loader(tmp_path: Path) -> None:
    pytest.importorskip("django")
    root = tmp_path / "proj"
    files = {
        "settings.py": """
            INSTALLED_APPS = [
                "django.contrib.contenttypes",
                "django.contrib.auth",
                "shop",
                "accounts.apps.AccountsConfig",
                "core",
                "blog",
                "legacy",
                "notes",
                "plain",
            ]
            MIGRATION_MODULES = {"blog": "blog.db_migrations", "legacy": None}
            DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
        """,
        **app(
            "shop",
            "0002_second",
            "0001_initial",
            "0003-dash",
            "_private",
            "~tmp",
            apps_py=(
                "from django.apps import AppConfig\n"
                "class ShopConfig(AppConfig):\n    name = 'shop'\n    label = 'store'\n"
            ),
        ),
        "shop/migrations/0004.copy.py": MIGRATION,
        "shop/migrations/0005_x.py.orig": MIGRATION,
        "shop/migrations/sub/__init__.py": "",
        **app(
            "accounts",
            "0001_initial",
            apps_py=(
                "from django.apps import AppConfig\n"
                "class AccountsConfig(AppConfig):\n    name = 'accounts'\n    label = 'users'\n"
            ),
        ),
        **app(
            "core",
            "0001_initial",
            apps_py=(
                "from django.apps import AppConfig\n"
                "class Base(AppConfig):\n    name = 'core'\n    label = 'kernel'\n"
                "class CoreConfig(Base):\n    default = True\n"
                "class Other(Base):\n    label = 'other'\n"
            ),
        ),
        **app("blog", "0001_ignored"),
        "blog/db_migrations/__init__.py": "",
        "blog/db_migrations/0001_initial.py": MIGRATION,
        "blog/db_migrations/0002_more.py": MIGRATION,
        **app("legacy", "0001_initial"),
        "notes/__init__.py": "",
        "notes/migrations/0001_initial.py": MIGRATION,
        "plain/__init__.py": "",
        **app("unlisted", "0001_initial"),
    }
    write(root, files)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "settings",
        "PYTHONPATH": str(root),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
    }
    output = subprocess.run(
        [sys.executable, "-c", DJANGO_LOADER],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    django = json.loads(output)

    ours = discover(load_config(root, overrides={"settings": "settings"}))
    import django as django_module

    if django_module.VERSION >= (6, 1):
        assert [list(key) for key in keys(ours)] == django["keys"]  # same order, too
    else:  # <= 6.0 orders files within an app by hash
        assert sorted(map(list, keys(ours))) == sorted(django["keys"])
    assert sorted(ours.migrated_apps) == django["migrated"]
    assert sorted(ours.unmigrated_apps) == django["unmigrated"]
    assert [p.severity for p in ours.problems] == ["info"]  # the namespace package of notes
