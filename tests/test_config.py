"""Configuration: pyproject.toml discovery, precedence, validation, and the static settings read."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from migration_lint.config import (
    DEFAULT_EXCLUDE,
    ConfigError,
    glob_matches,
    glob_matches_path,
    load_config,
)
from migration_lint.settings_reader import read_settings, settings_module_from_manage_py


def write(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (relative path -> text, dedented) under ``root``."""
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


# -- finding the project and its configuration -----------------------------------------------


def test_without_pyproject_the_start_directory_is_the_root(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert config.root == tmp_path.resolve()
    assert config.paths == (config.root,)
    assert config.exclude == DEFAULT_EXCLUDE
    assert config.cache_dir == config.root / ".migration_lint_cache"
    assert config.settings_module is None and config.settings_path is None
    assert config.settings.installed_apps is None
    assert config.django_contrib == "auto" and config.strict_apps is False


def test_root_is_the_nearest_pyproject_with_our_table(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": "[tool.migration-lint]\nselect = ['ML0']\n",
            "sub/pyproject.toml": "[project]\nname = 'sub'\n",
            "sub/pkg/x.py": "",
        },
    )
    config = load_config(tmp_path / "sub" / "pkg")
    assert config.root == tmp_path.resolve()
    assert config.select == ("ML0",)
    assert config.config_file == tmp_path.resolve() / "pyproject.toml"


def test_nearest_pyproject_without_table_is_the_root_when_no_table_exists(tmp_path: Path) -> None:
    write(tmp_path, {"sub/pyproject.toml": "[project]\nname = 'sub'\n", "sub/pkg/x.py": ""})
    config = load_config(tmp_path / "sub" / "pkg")
    assert config.root == (tmp_path / "sub").resolve()
    assert config.config_file is None


def test_root_is_found_from_the_first_path_not_the_cwd(tmp_path: Path) -> None:
    write(tmp_path, {"project/pyproject.toml": "[tool.migration-lint]\n", "project/app/x.py": ""})
    config = load_config(tmp_path, paths=[Path("project/app")])
    assert config.root == (tmp_path / "project").resolve()
    assert config.paths == ((tmp_path / "project" / "app").resolve(),)


def test_paths_in_the_file_are_relative_to_the_root(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": """
                [tool.migration-lint]
                paths = ["src"]
                external-paths = ["vendor"]
            """,
            "src/a.py": "",
            "vendor/b.py": "",
        },
    )
    config = load_config(tmp_path / "src")
    assert config.paths == ((tmp_path / "src").resolve(),)
    assert config.extra_migration_paths == ((tmp_path / "vendor").resolve(),)


# -- precedence ------------------------------------------------------------------------------


def test_command_line_beats_file_beats_defaults(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": """
                [tool.migration-lint]
                select = ["ML1"]
                ignore = ["ML101"]
                django-contrib = "never"
                strict-apps = true
                cache-dir = "tmp/cache"
                extend-select = ["ML5"]
                extend-exclude = ["fixtures"]
                per-file-ignores = {"**/migrations/0001_*.py" = ["ML101"]}
            """
        },
    )
    config = load_config(
        tmp_path,
        overrides={
            "select": ["ML0"],
            "django-contrib": "always",
            "extend-select": ["ML3"],
            "extend-exclude": ["scratch"],
            "ignore": None,  # an option that was not given
        },
    )
    assert config.select == ("ML0",)
    assert config.ignore == ("ML101",)
    assert config.django_contrib == "always"
    assert config.strict_apps is True
    assert config.cache_dir == tmp_path.resolve() / "tmp" / "cache"
    assert config.extend_select == ("ML5", "ML3")
    assert config.exclude == (*DEFAULT_EXCLUDE, "fixtures", "scratch")
    assert config.per_file_ignores == {"**/migrations/0001_*.py": ("ML101",)}


def test_exclude_replaces_the_defaults(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "[tool.migration-lint]\nexclude = ['only']\n"})
    assert load_config(tmp_path).exclude == ("only",)


def test_cache_can_be_disabled(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "[tool.migration-lint]\ncache-dir = false\n"})
    assert load_config(tmp_path).cache_dir is None
    assert (
        load_config(tmp_path, overrides={"cache-dir": "c"}).cache_dir == (tmp_path / "c").resolve()
    )


# -- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ("selct = ['ML1']", ["`selct`", "unknown key", "did you mean `select`"]),
        ("select = 'ML1'", ["`select`", "list of strings"]),
        ("select = ['ML 1']", ["`select`", "'ML 1'"]),
        ("strict-apps = 'yes'", ["`strict-apps`", "true or false"]),
        ("django-contrib = 'sometimes'", ["`django-contrib`", "auto, always, never"]),
        ("auth-user-model = 'User'", ["`auth-user-model`", "app_label.ModelName"]),
        ("app-labels = {shop = 'my-shop'}", ["`app-labels`", "not an identifier"]),
        ("migration-modules = {shop = 1}", ["`migration-modules`", "false"]),
        ("paths = ['nowhere']", ["`paths`", "'nowhere'", "does not exist"]),
        ("settings = 'proj.missing'", ["`settings`", "'proj.missing'", "not found"]),
        ("settings = 'missing.py'", ["`settings`", "not a file"]),
        ("per-file-ignores = {'x' = 'ML1'}", ["`per-file-ignores.x`"]),
    ],
)
def test_config_errors_name_the_file_and_key(tmp_path: Path, table: str, words: list[str]) -> None:
    write(tmp_path, {"pyproject.toml": f"[tool.migration-lint]\n{table}\n"})
    with pytest.raises(ConfigError) as error:
        load_config(tmp_path)
    message = str(error.value)
    assert str(tmp_path.resolve() / "pyproject.toml") in message
    for word in words:
        assert word in message


def test_command_line_errors_say_command_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^command line: `django-contrib`"):
        load_config(tmp_path, overrides={"django-contrib": "maybe"})
    with pytest.raises(ConfigError, match=r"command line: `paths` names 'nope'"):
        load_config(tmp_path, paths=[Path("nope")])
    with pytest.raises(ConfigError, match=r"unknown key `no_cache`"):
        load_config(tmp_path, overrides={"no_cache": True})


def test_invalid_toml_is_an_error_only_when_it_is_ours(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "[project\nname = 'x'\n", "sub/x.py": ""})
    assert load_config(tmp_path / "sub").config_file is None
    write(tmp_path, {"pyproject.toml": "[tool.migration-lint]\nselect = [\n"})
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(tmp_path)


# -- globs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "path", "is_dir", "expected"),
    [
        ("build", "build", True, True),
        ("build", "deep/in/build", True, True),  # no slash: a name at any depth
        ("build/", "build", False, False),  # trailing slash: directories only
        ("docs/build", "docs/build", True, True),
        ("docs/build", "x/docs/build", True, False),  # a slash anchors at the root
        ("/legacy", "legacy", True, True),
        ("*.pyc", "a/b/c.pyc", False, True),
        ("tests/*/migrations", "tests/a/migrations", True, True),
        ("tests/*/migrations", "tests/a/b/migrations", True, False),  # * does not cross /
        ("**/fixtures", "a/b/fixtures", True, True),
        ("**/fixtures", "fixtures", True, True),
        ("a/**/z", "a/z", True, True),
        ("a/**/z", "a/b/c/z", True, True),
        ("0[0-9]*", "0012_x.py", False, True),
        ("[!0]*", "0012_x.py", False, False),
    ],
)
def test_glob_semantics(pattern: str, path: str, is_dir: bool, expected: bool) -> None:
    assert glob_matches(pattern, path, is_dir=is_dir) is expected


def test_per_file_ignores_match_files_and_their_directories(tmp_path: Path) -> None:
    assert glob_matches_path("legacy", "legacy/migrations/0001_initial.py")
    assert glob_matches_path("**/migrations/0001_*.py", "shop/migrations/0001_initial.py")
    assert not glob_matches_path("shop/migrations/0002_*.py", "shop/migrations/0001_initial.py")
    write(
        tmp_path,
        {
            "pyproject.toml": """
                [tool.migration-lint]
                per-file-ignores = {"legacy" = ["ML101"], "**/0001_*.py" = ["ML5", "ML101"]}
            """
        },
    )
    config = load_config(tmp_path)
    root = config.root
    assert config.ignored_codes(root / "legacy/migrations/0001_initial.py") == {"ML101", "ML5"}
    assert config.ignored_codes(root / "shop/migrations/0002_x.py") == frozenset()
    assert config.excludes(root / "node_modules", is_dir=True)
    assert not config.excludes(root / "shop", is_dir=True)


# -- settings --------------------------------------------------------------------------------


def test_settings_are_found_through_manage_py(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "manage.py": """
                import os, sys
                def main():
                    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings")
                    from django.core.management import execute_from_command_line
                    execute_from_command_line(sys.argv)
            """,
            "proj/__init__.py": "",
            "proj/settings.py": """
                INSTALLED_APPS = ["django.contrib.auth", "shop.apps.ShopConfig"]
                AUTH_USER_MODEL = "accounts.User"
                MIGRATION_MODULES = {"shop": "shop.db_migrations", "legacy": None}
                DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
                WAGTAILIMAGES_IMAGE_MODEL = "images.CustomImage"
                lower_case = "ignored"
            """,
        },
    )
    config = load_config(tmp_path)
    assert config.settings_module == "proj.settings"
    assert config.settings_path == tmp_path.resolve() / "proj" / "settings.py"
    facts = config.settings
    assert facts.installed_apps == ("django.contrib.auth", "shop.apps.ShopConfig")
    assert facts.auth_user_model == "accounts.User"
    assert facts.migration_modules == {"shop": "shop.db_migrations", "legacy": None}
    assert facts.default_auto_field == "django.db.models.BigAutoField"
    assert facts.setting("WAGTAILIMAGES_IMAGE_MODEL") == "images.CustomImage"
    assert "lower_case" not in facts.values
    assert config.settings_problems == ()


def test_manage_py_in_a_subdirectory_puts_its_directory_on_the_path(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "backend/manage.py": (
                "import os\nos.environ['DJANGO_SETTINGS_MODULE'] = 'conf.settings'\n"
            ),
            "backend/conf/__init__.py": "",
            "backend/conf/settings.py": "INSTALLED_APPS = ['a']\n",
        },
    )
    config = load_config(tmp_path)
    assert config.settings.installed_apps == ("a",)
    assert config.search_roots[0] == (tmp_path / "backend").resolve()


def test_manage_py_pointing_nowhere_is_a_problem_not_an_error(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "manage.py": """
                import os
                os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gone.settings")
            """
        },
    )
    config = load_config(tmp_path)
    assert config.settings_path is None
    [problem] = config.settings_problems
    assert "'gone.settings' not found" in problem.message


def test_settings_given_as_module_or_file_and_in_src(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "src/proj/__init__.py": "",
            "src/proj/settings.py": "INSTALLED_APPS = ('x',)\n",
            "other/conf.py": "INSTALLED_APPS = ['y']\n",
        },
    )
    by_module = load_config(tmp_path, overrides={"settings": "proj.settings"})
    assert by_module.settings.installed_apps == ("x",)
    by_path = load_config(tmp_path, overrides={"settings": "other/conf.py"})
    assert by_path.settings.installed_apps == ("y",)


def test_config_keys_override_the_settings(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": """
                [tool.migration-lint]
                settings = "settings.py"
                auth-user-model = "people.Person"
                installed-apps = ["b"]
                migration-modules = {legacy = false}
                settings-values = {DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField", X = "a.B"}
            """,
            "settings.py": """
                INSTALLED_APPS = ["a"]
                AUTH_USER_MODEL = "accounts.User"
                MIGRATION_MODULES = {"shop": "shop.m"}
                X = "old.Value"
            """,
        },
    )
    facts = load_config(tmp_path).settings
    assert facts.auth_user_model == "people.Person"
    assert facts.installed_apps == ("b",)
    assert facts.migration_modules == {"shop": "shop.m", "legacy": None}
    assert facts.default_auto_field == "django.db.models.BigAutoField"
    assert facts.setting("X") == "a.B"


def test_settings_star_imports_of_sibling_modules(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "proj/__init__.py": "",
            "proj/settings/__init__.py": "",
            "proj/settings/base.py": """
                DJANGO_APPS = ["django.contrib.auth", "django.contrib.contenttypes"]
                LOCAL_APPS = ("shop",)
                INSTALLED_APPS = DJANGO_APPS + list(LOCAL_APPS)
                AUTH_USER_MODEL = "accounts.User"
                MIGRATION_MODULES = {}
            """,
            "proj/settings/production.py": """
                from .base import *
                from .base import LOCAL_APPS as APPS

                INSTALLED_APPS += ["blog"]
                INSTALLED_APPS = [*INSTALLED_APPS, *APPS]
                INSTALLED_APPS.append("extra")
                INSTALLED_APPS.remove("shop")
                MIGRATION_MODULES["legacy"] = None
                MIGRATION_MODULES.update({"blog": "blog.migrations_v2"})
                DEBUG = False
                if DEBUG:
                    INSTALLED_APPS.append("debug_toolbar")
                try:
                    from .local import *
                except ImportError:
                    AUTH_USER_MODEL = "people.Person"
            """,
        },
    )
    read, problems = read_settings(tmp_path / "proj/settings/production.py")
    assert read.installed_apps == (
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "blog",
        "shop",
        "extra",
    )
    assert read.auth_user_model == "people.Person"
    assert read.migration_modules == {"legacy": None, "blog": "blog.migrations_v2"}
    assert problems == []


def test_settings_absolute_star_import_through_search_roots(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "proj/__init__.py": "",
            "proj/common.py": "INSTALLED_APPS = ['a']\n",
            "proj/settings.py": "from proj.common import *\nINSTALLED_APPS += ('b',)\n",
        },
    )
    read, problems = read_settings(tmp_path / "proj/settings.py", search_roots=[tmp_path])
    assert read.installed_apps == ("a", "b")
    assert problems == []


def test_what_cannot_be_evaluated_is_unknown_with_file_and_line(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "settings.py": """
                import os
                INSTALLED_APPS = ["a"]
                if os.environ.get("EXTRA"):
                    INSTALLED_APPS += ["b"]
                AUTH_USER_MODEL = os.environ["USER_MODEL"]
                MIGRATION_MODULES = {"a": "a.m"}
                for app in ["x"]:
                    MIGRATION_MODULES[app] = None
                DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
                if os.environ.get("OTHER"):
                    DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
            """
        },
    )
    read, problems = read_settings(tmp_path / "settings.py")
    assert read.installed_apps is None
    assert read.auth_user_model is None
    assert read.migration_modules is None
    # Both branches agree, so the value is known.
    assert read.default_auto_field == "django.db.models.AutoField"
    by_name = {problem.message.split()[0]: problem for problem in problems}
    assert by_name.keys() == {"INSTALLED_APPS", "AUTH_USER_MODEL", "MIGRATION_MODULES"}
    assert by_name["INSTALLED_APPS"].line == 4
    assert "os.environ.get('EXTRA')" in by_name["INSTALLED_APPS"].message
    assert by_name["AUTH_USER_MODEL"].line == 6
    assert by_name["MIGRATION_MODULES"].line == 8
    assert all(problem.hint.startswith("set `") for problem in problems)


def test_opaque_calls_on_settings_forget_them(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "settings.py": """
                import django_heroku
                INSTALLED_APPS = ["a"]
                AUTH_USER_MODEL = "x.User"
                django_heroku.settings(locals())
            """
        },
    )
    read, problems = read_settings(tmp_path / "settings.py")
    assert read.installed_apps is None and read.auth_user_model is None
    assert {problem.line for problem in problems} == {5}


def test_evaluation_errors_make_names_unknown_instead_of_crashing(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "settings.py": """
                INSTALLED_APPS = ["a"]
                if [1] in {"x": 1}:  # TypeError at run time: unhashable
                    INSTALLED_APPS = ["b"]
                AUTH_USER_MODEL = "x.User"
            """
        },
    )
    read, problems = read_settings(tmp_path / "settings.py")
    assert read.installed_apps is None and read.auth_user_model == "x.User"
    assert problems[0].line == 3 and "TypeError" in problems[0].message


def test_settings_without_installed_apps_leave_it_unknown(tmp_path: Path) -> None:
    write(tmp_path, {"settings.py": "from .missing import *\nX = 'a.B'\n"})
    read, problems = read_settings(tmp_path / "settings.py")
    assert read.installed_apps is None
    assert read.values == {"X": "a.B"}
    assert [problem.line for problem in problems] == [1, 1]
    assert "does not exist" in problems[0].message
    assert "INSTALLED_APPS" in problems[1].message


def test_manage_py_reader(tmp_path: Path) -> None:
    write(tmp_path, {"manage.py": "import os\nos.environ.setdefault('OTHER', 'x')\n"})
    assert settings_module_from_manage_py(tmp_path / "manage.py") == (None, [])
    write(
        tmp_path,
        {
            "manage.py": """
                import os
                if os.environ.get("PROD"):
                    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.prod")
                else:
                    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.dev")
            """
        },
    )
    module, problems = settings_module_from_manage_py(tmp_path / "manage.py")
    assert module == "proj.prod"
    assert "several values" in problems[0].message


# -- what production looks like (the safety rules' inputs) -----------------------------------


def test_production_keys_are_read_and_validated(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": """\
            [tool.migration-lint]
            database = "mysql"
            database-version = "8.0.36"
            hot-tables = ["shop_order", "shop.OrderLine"]
            small-tables = ["shop_country"]
            deploy-sets-lock-timeout = true
            per-app-ignores = { legacy = ["ML1", "ML301"] }
            base = "origin/main"
            """
        },
    )
    config = load_config(tmp_path)
    assert (config.database, config.database_version) == ("mysql", 8)
    assert config.hot_tables == {"shop_order", "shop.OrderLine"}
    assert config.small_tables == {"shop_country"}
    assert config.deploy_sets_lock_timeout is True
    assert config.per_app_ignores == {"legacy": ("ML1", "ML301")}
    assert config.base == "origin/main"
    defaults = load_config(tmp_path, overrides={"database": "postgresql", "base": None})
    assert defaults.database == "postgresql" and defaults.base == "origin/main"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("database", "oracle", "must be one of postgresql, mysql, sqlite; got 'oracle'"),
        ("database-version", "latest", "must be a version number such as 15"),
        ("database-version", True, "must be a version number such as 15"),
        ("hot-tables", "shop_order", "must be a list of strings"),
        ("deploy-sets-lock-timeout", "yes", "must be true or false"),
        ("per-app-ignores", {"legacy": ["E501"]}, "is neither a rule code"),
    ],
)
def test_production_keys_reject_bad_values(key: str, value: object, message: str) -> None:
    with pytest.raises(ConfigError, match=f"command line: `{key}.*{message[:30]}"):
        load_config(Path.cwd(), overrides={key: value})
