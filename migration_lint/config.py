"""Project configuration: ``[tool.migration-lint]`` in ``pyproject.toml`` plus CLI overrides.

Precedence is the one linters share: command line, then the file, then defaults. The
project root is the directory of the ``pyproject.toml`` found walking up from the first path
given (or the current directory); the nearest one with a ``[tool.migration-lint]`` table
wins, as with ruff, so a sub-package's own ``pyproject.toml`` does not hide the repository's
configuration. Paths in the file are relative to the root, paths on the command line to the
current directory.

Loading the configuration also reads the Django settings module statically (see
:mod:`migration_lint.settings_reader`): the facts it yields, overridden by the config keys
``auth-user-model``, ``migration-modules``, ``installed-apps`` and ``settings-values``, end up
in :attr:`Config.settings`. Nothing here imports project code, Django or libcst.
"""

from __future__ import annotations

import functools
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from types import MappingProxyType
from typing import Any

from migration_lint.settings_facts import SettingsFacts
from migration_lint.settings_reader import (
    SettingsProblem,
    find_module,
    module_name_for,
    read_settings,
    settings_module_from_manage_py,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

#: Directories never worth walking; ``exclude`` replaces this list, ``extend-exclude`` adds.
DEFAULT_EXCLUDE: tuple[str, ...] = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    "env",
    ".tox",
    ".nox",
    ".eggs",
    "node_modules",
    "build",
    "dist",
    "__pycache__",
    "site-packages",
    ".migration_lint_cache",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
)

CACHE_DIR_NAME = ".migration_lint_cache"
DJANGO_CONTRIB_MODES = ("auto", "always", "never")
#: The database vendors the safety rules know (``database`` in the configuration).
DATABASES = ("postgresql", "mysql", "sqlite")
_TABLE = "[tool.migration-lint]"
_CODE = re.compile(r"ALL|ML[0-9]{0,3}|[a-z][a-z0-9]*(?:-[a-z0-9]+)*")


class ConfigError(Exception):
    """The configuration is unusable; the message names the file or option and the key."""


@dataclass(frozen=True)
class Config:
    """Everything the pipeline needs to know about the project, resolved once.

    ``select`` / ``ignore`` / ``extend_select`` are passed through as given (empty
    ``select`` means the default selection); the rule registry interprets them.
    ``settings_path`` is the settings file that was read (``None`` when none was found),
    ``settings_problems`` what could not be read from it, and ``search_roots`` the
    sys.path-like directories dotted module paths are resolved against (the settings
    module's import root, the project root and ``root/src``).
    """

    root: Path
    paths: tuple[Path, ...]
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    per_file_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    settings_module: str | None = None
    settings: SettingsFacts = field(default_factory=SettingsFacts)
    app_labels: dict[str, str] = field(default_factory=dict)
    extra_migration_paths: tuple[Path, ...] = ()
    django_contrib: str = "auto"
    cache_dir: Path | None = None
    strict_apps: bool = False
    #: Project operation class path -> the Django operation it behaves like (its path).
    operation_aliases: Mapping[str, str] = field(default_factory=dict)
    config_file: Path | None = None
    settings_path: Path | None = None
    settings_problems: tuple[SettingsProblem, ...] = ()
    search_roots: tuple[Path, ...] = ()
    #: Production's database vendor and major version (``None``: a supported current one):
    #: which operations lock or rewrite a table depends on both.
    database: str = "postgresql"
    database_version: int | None = None
    #: Tables (``db_table`` names or ``app_label.Model``) that are large or busy, where a
    #: lock or a rewrite hurts most (lock findings become errors), and ones known to be
    #: small (lock and rewrite findings are dropped).
    hot_tables: frozenset[str] = frozenset()
    small_tables: frozenset[str] = frozenset()
    #: Whether the deploy runner sets ``lock_timeout`` / ``statement_timeout`` itself.
    deploy_sets_lock_timeout: bool = False
    #: App label -> codes switched off for every migration of that app.
    per_app_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: The git ref whose migrations count as deployed (``check --base``), or ``None``.
    base: str | None = None

    def relative(self, path: Path) -> str:
        """``path`` relative to the root in POSIX form (absolute when outside the root).

        String arithmetic rather than ``Path.relative_to``, which is slow enough to
        dominate a walk of a large tree.
        """
        text, root = str(path), str(self.root)
        if text == root:
            return "."
        prefix = root if root.endswith(os.sep) else root + os.sep
        if text.startswith(prefix):
            text = text[len(prefix) :]
        return text.replace(os.sep, "/") if os.sep != "/" else text

    def excludes(self, path: Path, *, is_dir: bool) -> bool:
        """Whether an ``exclude`` pattern matches this file or directory itself.

        Directory walkers call this for each entry and do not descend into excluded
        directories, which gives gitignore's "everything below" semantics.
        """
        relative = self.relative(path)
        return any(glob_matches(pattern, relative, is_dir=is_dir) for pattern in self.exclude)

    def ignored_codes(self, path: Path) -> frozenset[str]:
        """The codes ``per-file-ignores`` switches off for the file at ``path``."""
        relative = self.relative(path)
        codes: set[str] = set()
        for pattern, pattern_codes in self.per_file_ignores.items():
            if glob_matches_path(pattern, relative):
                codes.update(pattern_codes)
        return frozenset(codes)


# --------------------------------------------------------------------------------------------
# gitignore-ish globs


@functools.lru_cache(maxsize=512)
def _compile_glob(pattern: str) -> tuple[re.Pattern[str], bool, bool]:
    """A pattern as (regex, anchored, directories only).

    As in ``.gitignore``: a pattern without a slash (except a trailing one) matches a name
    at any depth; with a slash it is anchored at the project root; ``**`` spans any number
    of directories; ``*`` and ``?`` never match ``/``; a trailing ``/`` matches directories
    only.
    """
    dir_only = pattern.endswith("/")
    body = pattern.rstrip("/")
    anchored = "/" in body
    body = body.lstrip("/")
    parts = body.split("/")
    regex = ""
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if part == "**":
            regex += ".*" if last else "(?:[^/]+/)*"
        else:
            regex += _glob_component(part) + ("" if last else "/")
    return re.compile(regex + r"\Z"), anchored, dir_only


def _glob_component(part: str) -> str:
    out = []
    index = 0
    while index < len(part):
        char = part[index]
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[" and "]" in part[index + 1 :]:
            end = part.index("]", index + 1)
            content = part[index + 1 : end]
            if content.startswith("!"):
                content = "^" + content[1:]
            out.append("[" + content.replace("\\", "\\\\") + "]")
            index = end
        else:
            out.append(re.escape(char))
        index += 1
    return "".join(out)


def glob_matches(pattern: str, relative: str, *, is_dir: bool) -> bool:
    """Whether ``pattern`` matches the file or directory ``relative`` (POSIX, root-relative)."""
    regex, anchored, dir_only = _compile_glob(pattern)
    if dir_only and not is_dir:
        return False
    subject = relative if anchored else relative.rsplit("/", 1)[-1]
    return regex.match(subject) is not None


def glob_matches_path(pattern: str, relative: str) -> bool:
    """Whether ``pattern`` matches the file ``relative`` or one of its parent directories."""
    if glob_matches(pattern, relative, is_dir=False):
        return True
    parts = relative.split("/")
    return any(
        glob_matches(pattern, "/".join(parts[:end]), is_dir=True) for end in range(1, len(parts))
    )


# --------------------------------------------------------------------------------------------
# Reading and validating values


@dataclass(frozen=True)
class _Source:
    """One place settings come from: where to say it is, and what relative paths mean."""

    where: str
    base: Path
    values: Mapping[str, object]


def _fail(source: _Source, key: str, message: str) -> ConfigError:
    return ConfigError(f"{source.where}: `{key}` {message}")


def _str(source: _Source, key: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise _fail(source, key, f"must be a non-empty string, not {value!r}")
    return value


def _str_list(source: _Source, key: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise _fail(source, key, f"must be a list of strings, not {value!r}")
    for item in value:
        if not isinstance(item, str) or not item:
            raise _fail(source, key, f"must be a list of non-empty strings; got {item!r}")
    return tuple(value)


def _codes(source: _Source, key: str, value: object) -> tuple[str, ...]:
    codes = _str_list(source, key, value)
    for code in codes:
        if not _CODE.fullmatch(code):
            raise _fail(
                source,
                key,
                f"has {code!r}, which is neither a rule code (ML101), a prefix "
                "(ML1), ALL, nor a rule name (kebab-case)",
            )
    return codes


def _path_list(source: _Source, key: str, value: object) -> tuple[Path, ...]:
    if isinstance(value, (str, PathLike)):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise _fail(source, key, f"must be a list of paths, not {value!r}")
    paths = []
    for item in value:
        if not isinstance(item, (str, PathLike)) or not str(item):
            raise _fail(source, key, f"must be a list of paths; got {item!r}")
        path = (source.base / Path(item)).resolve()
        if not path.exists():
            raise _fail(source, key, f"names {str(item)!r}, which does not exist")
        paths.append(path)
    return tuple(paths)


def _str_dict(source: _Source, key: str, value: object) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise _fail(source, key, f"must be a table of strings, not {value!r}")
    result = {}
    for name, item in value.items():
        if not isinstance(name, str) or not isinstance(item, str):
            raise _fail(source, key, f"must map names to strings; got {name!r} = {item!r}")
        result[name] = item
    return result


def _operation_aliases(source: _Source, key: str, value: object) -> dict[str, str]:
    """``"myapp.ops.FakeAddField" = "AddField"``: the value names one of Django's (or
    ``django.contrib.postgres``'s) operations, by class name or dotted path."""
    from migration_lint.operations import KNOWN_OPERATIONS

    by_name = {path.rsplit(".", 1)[1]: path for path in KNOWN_OPERATIONS}
    aliases = {}
    for name, target in _str_dict(source, key, value).items():
        path = target if target in KNOWN_OPERATIONS else by_name.get(target)
        if path is None:
            raise _fail(source, key, f"{target!r} (for {name!r}) is not one of Django's operations")
        aliases[name] = path
    return aliases


def _codes_table(source: _Source, key: str, value: object) -> dict[str, tuple[str, ...]]:
    """``per-file-ignores`` (glob = [codes]) and ``per-app-ignores`` (label = [codes])."""
    if not isinstance(value, Mapping):
        raise _fail(source, key, f"must be a table of name = [codes], not {value!r}")
    return {
        str(pattern): _codes(source, f"{key}.{pattern}", codes) for pattern, codes in value.items()
    }


def _user_model(source: _Source, key: str, value: object) -> str:
    text = _str(source, key, value)
    if text.count(".") != 1 or text.startswith(".") or text.endswith("."):
        raise _fail(source, key, f"must have the form 'app_label.ModelName', not {text!r}")
    return text


def _migration_modules(source: _Source, key: str, value: object) -> dict[str, str | None]:
    if not isinstance(value, Mapping):
        raise _fail(source, key, f"must be a table of app label = module, not {value!r}")
    result: dict[str, str | None] = {}
    for label, module in value.items():
        if module is False or module is None:
            result[str(label)] = None
        elif isinstance(module, str) and module:
            result[str(label)] = module
        else:
            raise _fail(
                source,
                key,
                f"maps {label!r} to {module!r}: use a dotted module path, or "
                "false for an app whose migrations are disabled",
            )
    return result


def _app_labels(source: _Source, key: str, value: object) -> dict[str, str]:
    labels = _str_dict(source, key, value)
    for app, label in labels.items():
        if not label.isidentifier():
            raise _fail(source, key, f"gives {app!r} the label {label!r}, not an identifier")
    return labels


def _django_contrib(source: _Source, key: str, value: object) -> str:
    if value not in DJANGO_CONTRIB_MODES:
        raise _fail(source, key, f"must be one of {', '.join(DJANGO_CONTRIB_MODES)}; got {value!r}")
    return str(value)


def _cache_dir(source: _Source, key: str, value: object) -> Path | None:
    if value is False:
        return None
    if not isinstance(value, (str, PathLike)) or not str(value):
        raise _fail(source, key, f"must be a path, or false to disable the cache; got {value!r}")
    return (source.base / Path(value)).resolve()


def _database(source: _Source, key: str, value: object) -> str:
    if value not in DATABASES:
        raise _fail(source, key, f"must be one of {', '.join(DATABASES)}; got {value!r}")
    return str(value)


def _version(source: _Source, key: str, value: object) -> int:
    """A major version: ``15``, ``"15"`` or ``"15.4"`` (only the major part matters)."""
    text = str(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
    major = text.split(".", 1)[0]
    if not major.isdigit():
        raise _fail(source, key, f'must be a version number such as 15 or "8.0"; got {value!r}')
    return int(major)


def _tables(source: _Source, key: str, value: object) -> frozenset[str]:
    return frozenset(_str_list(source, key, value))


def _bool(source: _Source, key: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise _fail(source, key, f"must be true or false, not {value!r}")
    return value


_VALIDATORS: dict[str, Callable[[_Source, str, object], Any]] = {
    "paths": _path_list,
    "exclude": _str_list,
    "extend-exclude": _str_list,
    "select": _codes,
    "ignore": _codes,
    "extend-select": _codes,
    "per-file-ignores": _codes_table,
    "settings": _str,
    "auth-user-model": _user_model,
    "migration-modules": _migration_modules,
    "installed-apps": _str_list,
    "settings-values": _str_dict,
    "app-labels": _app_labels,
    "external-paths": _path_list,
    "django-contrib": _django_contrib,
    "cache-dir": _cache_dir,
    "strict-apps": _bool,
    "operation-aliases": _operation_aliases,
    "database": _database,
    "database-version": _version,
    "hot-tables": _tables,
    "small-tables": _tables,
    "deploy-sets-lock-timeout": _bool,
    "per-app-ignores": _codes_table,
    "base": _str,
}


def _check_keys(source: _Source) -> dict[str, Any]:
    """Validate every key of a source; unknown keys are errors, with a suggestion."""
    checked = {}
    for key, value in source.values.items():
        if key not in _VALIDATORS:
            import difflib

            close = difflib.get_close_matches(key, list(_VALIDATORS), n=1)
            suggestion = f" (did you mean `{close[0]}`?)" if close else ""
            raise ConfigError(f"{source.where}: unknown key `{key}`{suggestion}")
        if value is None:
            continue  # a command-line option that was not given (TOML has no null)
        checked[key] = _VALIDATORS[key](source, key, value)
    return checked


# --------------------------------------------------------------------------------------------
# Finding pyproject.toml


def _read_table(path: Path) -> dict[str, Any] | None:
    """``[tool.migration-lint]`` of a pyproject.toml, or None when it has none.

    A file that does not parse is only an error when it mentions our table: a broken
    ``pyproject.toml`` of some enclosing directory is none of our business.
    """
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error}") from error
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        if b"migration-lint" in raw:
            raise ConfigError(f"{path}: invalid TOML: {error}") from error
        return None
    tool = data.get("tool")
    table = tool.get("migration-lint") if isinstance(tool, dict) else None
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {_TABLE} must be a table")
    return table


def find_root(start: Path) -> tuple[Path | None, Path | None, dict[str, Any]]:
    """Walk up from ``start``: (root, pyproject.toml with our table, that table).

    The root is the directory of the nearest ``pyproject.toml`` with a
    ``[tool.migration-lint]`` table, else of the nearest ``pyproject.toml`` at all (with
    no configuration), else ``None``.
    """
    nearest: Path | None = None
    directory = start if start.is_dir() else start.parent
    for candidate_dir in (directory, *directory.parents):
        candidate = candidate_dir / "pyproject.toml"
        if not candidate.is_file():
            continue
        table = _read_table(candidate)
        if table is not None:
            return candidate_dir, candidate, table
        if nearest is None:
            nearest = candidate_dir
    return nearest, None, {}


# --------------------------------------------------------------------------------------------
# Settings


def _locate_settings(spec: str, base: Path, roots: Sequence[Path], where: str) -> tuple[Path, Path]:
    """The settings file ``spec`` (dotted module or .py path) names, and its import root."""
    if spec.endswith(".py") or "/" in spec or "\\" in spec:
        path = (base / spec).resolve()
        if not path.is_file():
            raise ConfigError(f"{where}: `settings` names {spec!r}, which is not a file")
        return path, module_name_for(path)[1]
    for root in roots:
        found = find_module(spec, [root])
        if found is None:
            continue
        if found.is_dir():
            found = found / "__init__.py"
            if not found.is_file():
                continue
        return found, root
    searched = ", ".join(str(root) for root in roots)
    raise ConfigError(f"{where}: `settings` module {spec!r} not found (searched {searched})")


def _find_manage_py(root: Path, exclude: Sequence[str]) -> Path | None:
    """``manage.py`` at the root, in ``root/src``, or in exactly one direct subdirectory."""
    for candidate in (root / "manage.py", root / "src" / "manage.py"):
        if candidate.is_file():
            return candidate
    try:
        children = sorted(root.iterdir())
    except OSError:
        return None
    found = [
        child / "manage.py"
        for child in children
        if child.is_dir()
        and not any(glob_matches(pattern, child.name, is_dir=True) for pattern in exclude)
        and (child / "manage.py").is_file()
    ]
    return found[0] if len(found) == 1 else None


def _existing_unique(paths: Sequence[Path]) -> tuple[Path, ...]:
    seen: list[Path] = []
    for path in paths:
        if path.is_dir() and path not in seen:
            seen.append(path)
    return tuple(seen)


# --------------------------------------------------------------------------------------------
# Entry point

_NO_OVERRIDES: Mapping[str, object] = MappingProxyType({})


def load_config(
    start: Path,
    *,
    paths: Sequence[Path] = (),
    overrides: Mapping[str, object] = _NO_OVERRIDES,
    anchor: Path | None = None,
) -> Config:
    """Resolve the configuration for a run started in ``start`` (normally the cwd).

    ``paths`` are the command line's PATHS (relative to ``start``). ``overrides`` holds
    command-line values under the same kebab-case keys as the file; a ``None`` value means
    "not given". ``cache-dir = false`` disables the cache. ``anchor`` is where the walk up
    to the project root starts when no ``paths`` are given (default ``start``): ``check``
    handed files loads the whole project around the first one (:mod:`migration_lint.targets`).
    """
    start = start.resolve()
    cli = _Source("command line", start, overrides)
    cli_values = _check_keys(cli)
    cli_paths = _path_list(cli, "paths", list(paths)) if paths else cli_values.get("paths")
    first = cli_paths[0] if cli_paths else (start / anchor if anchor else start)
    root, config_file, table = find_root(first)
    root = root or start
    source = _Source(f"{config_file} {_TABLE}", root, table)
    file_values = _check_keys(source)

    def pick(key: str, default: Any) -> Any:
        if key in cli_values:
            return cli_values[key]
        return file_values.get(key, default)

    def extend(key: str) -> tuple[str, ...]:
        combined = [*file_values.get(key, ()), *cli_values.get(key, ())]
        return tuple(dict.fromkeys(combined))

    exclude = tuple(dict.fromkeys([*pick("exclude", DEFAULT_EXCLUDE), *extend("extend-exclude")]))
    scan_paths = cli_paths or file_values.get("paths") or (root,)

    settings_spec: str | None = None
    settings_path: Path | None = None
    import_root: Path | None = None
    problems: list[SettingsProblem] = []
    base_roots = _existing_unique([root, root / "src"])
    for spec_source, values in ((cli, cli_values), (source, file_values)):
        if "settings" in values:
            settings_spec = values["settings"]
            settings_path, import_root = _locate_settings(
                values["settings"], spec_source.base, base_roots, spec_source.where
            )
            break
    else:
        manage_py = _find_manage_py(root, exclude)
        if manage_py is not None:
            settings_spec, manage_problems = settings_module_from_manage_py(manage_py)
            problems.extend(manage_problems)
            if settings_spec is not None:
                roots = _existing_unique([manage_py.parent, *base_roots])
                try:
                    settings_path, import_root = _locate_settings(
                        settings_spec, manage_py.parent, roots, str(manage_py)
                    )
                except ConfigError as error:
                    problems.append(
                        SettingsProblem(
                            manage_py,
                            1,
                            str(error),
                            "set `settings` in [tool.migration-lint] to the settings module",
                        )
                    )
    search_roots = _existing_unique([*([import_root] if import_root else []), *base_roots])
    facts = _settings_facts(settings_path, search_roots, pick, problems)

    return Config(
        root=root,
        paths=tuple(scan_paths),
        exclude=exclude,
        select=pick("select", ()),
        ignore=pick("ignore", ()),
        extend_select=extend("extend-select"),
        per_file_ignores=pick("per-file-ignores", {}),
        settings_module=settings_spec,
        settings=facts,
        app_labels=pick("app-labels", {}),
        extra_migration_paths=pick("external-paths", ()),
        django_contrib=pick("django-contrib", "auto"),
        cache_dir=pick("cache-dir", root / CACHE_DIR_NAME),
        strict_apps=pick("strict-apps", False),
        operation_aliases=pick("operation-aliases", {}),
        config_file=config_file,
        settings_path=settings_path,
        settings_problems=tuple(problems),
        search_roots=search_roots,
        database=pick("database", "postgresql"),
        database_version=pick("database-version", None),
        hot_tables=pick("hot-tables", frozenset()),
        small_tables=pick("small-tables", frozenset()),
        deploy_sets_lock_timeout=pick("deploy-sets-lock-timeout", False),
        per_app_ignores=pick("per-app-ignores", {}),
        base=pick("base", None),
    )


def _settings_facts(
    settings_path: Path | None,
    search_roots: Sequence[Path],
    pick: Callable[[str, Any], Any],
    problems: list[SettingsProblem],
) -> SettingsFacts:
    """The settings read from the file, then the config keys on top (config wins)."""
    defaults = SettingsFacts()
    user_model = default_auto_field = None
    installed_apps: tuple[str, ...] | None = None
    migration_modules: dict[str, str | None] = {}
    values: dict[str, str] = {}
    if settings_path is not None:
        read, read_problems = read_settings(settings_path, search_roots=search_roots)
        problems.extend(read_problems)
        user_model = read.auth_user_model
        default_auto_field = read.default_auto_field
        installed_apps = read.installed_apps
        migration_modules = dict(read.migration_modules or {})
        values = dict(read.values)
        if user_model is not None and user_model.count(".") != 1:
            problems.append(
                SettingsProblem(
                    settings_path,
                    1,
                    f"AUTH_USER_MODEL must have the form 'app_label.ModelName', not {user_model!r}",
                    "set `auth-user-model` in [tool.migration-lint]",
                )
            )
            user_model = None
    configured_values: dict[str, str] = pick("settings-values", {})
    values.update(configured_values)
    user_model = pick("auth-user-model", None) or configured_values.get(
        "AUTH_USER_MODEL", user_model
    )
    default_auto_field = configured_values.get("DEFAULT_AUTO_FIELD", default_auto_field)
    migration_modules.update(pick("migration-modules", {}))
    installed = pick("installed-apps", None)
    return SettingsFacts(
        auth_user_model=user_model or defaults.auth_user_model,
        migration_modules=migration_modules,
        installed_apps=tuple(installed) if installed is not None else installed_apps,
        default_auto_field=default_auto_field or defaults.default_auto_field,
        values=values,
    )
