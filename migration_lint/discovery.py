"""Find a project's apps and migration files the way Django's loader would, from disk alone.

The rules are those of ``MigrationLoader.load_disk`` (Django 6.1): apps in
``INSTALLED_APPS`` order, each app's migrations module is ``<app>.migrations`` unless
``MIGRATION_MODULES`` maps its *label* elsewhere (or to ``None``: unmigrated), a namespace
package (no ``__init__``) or a plain module is unmigrated, and the candidate files are what
``pkgutil.iter_modules`` lists (sorted, module suffixes only, no dotted names, no
sub-packages) minus names starting with ``_`` or ``~``.

What cannot be known without importing is approximated statically and said so:

* app labels come from the ``AppConfig`` subclasses in ``apps.py``, read with :mod:`ast`,
  chosen as Django chooses (a single config class, else the one with ``default = True``);
* the dotted module of an app found on disk is derived by walking up while ``__init__``
  files exist; ``INSTALLED_APPS`` entries are resolved against sys.path-like roots (the
  settings module's import root, the project root, ``src/``, and the import roots of the
  apps found while walking);
* when the settings' ``INSTALLED_APPS`` is unknown, every app found on disk counts as
  installed; when it is known, apps found on disk but not installed are left out (listed in
  :attr:`Project.uninstalled_apps`), and installed apps not found on disk become
  :attr:`Project.external_apps`: dependencies on them are taken as satisfied;
* Django's own contrib apps are located with ``importlib.util.find_spec("django")``, which
  finds the package without executing it.

Nothing is imported and no project code runs.
"""

from __future__ import annotations

import ast
import importlib.machinery
import importlib.util
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from migration_lint.config import Config
from migration_lint.settings_reader import find_module, has_init, module_name_for

_SUFFIXES = sorted(importlib.machinery.all_suffixes(), key=len, reverse=True)


@dataclass(frozen=True)
class AppInfo:
    """One Django app.

    ``path`` is the app package's directory; ``migrations_path`` / ``migrations_module``
    are ``None`` for an unmigrated app. ``external`` marks apps whose migrations count
    but are not the project's own (Django's contrib apps, ``external-paths``): checks
    should not report on them. It follows the migrations, not the app: a contrib app
    whose ``MIGRATION_MODULES`` entry points into the scanned paths is not external.
    ``models_path`` is ``models.py`` or the ``models`` package directory when there is one.
    """

    label: str
    module: str
    path: Path
    migrations_path: Path | None
    migrations_module: str | None
    external: bool
    models_path: Path | None = None


@dataclass(frozen=True)
class MigrationSource:
    """A migration file to parse: Django's key is ``(app_label, name)``.

    ``module`` is its dotted module path (``shop.migrations.0002_price``), which the parser
    needs to resolve relative imports.
    """

    app_label: str
    name: str
    path: Path
    module: str | None = None


@dataclass
class DiscoveryProblem:
    """Something about the project's layout worth saying.

    ``line`` is 1-based, or 0 when the problem concerns a whole file or a directory.
    ``severity`` is ``"error"`` (Django would refuse to start), ``"warning"`` (we had to
    approximate) or ``"info"``.
    """

    path: Path
    line: int
    message: str
    hint: str = ""
    severity: str = "warning"


@dataclass
class Project:
    """The apps and migration files of a project, in Django's loading order."""

    config: Config
    apps: list[AppInfo]
    migrated_apps: set[str]
    unmigrated_apps: set[str]
    sources: list[MigrationSource]
    problems: list[DiscoveryProblem]
    external_apps: set[str] = field(default_factory=set)
    uninstalled_apps: list[AppInfo] = field(default_factory=list)
    #: True when INSTALLED_APPS is known and every entry was found on disk, so every
    #: installed app's label is known: a dependency on any other app is then an error.
    labels_complete: bool = False


# --------------------------------------------------------------------------------------------
# apps.py


@dataclass(frozen=True)
class AppConfigClass:
    """What ``apps.py`` says about one ``AppConfig`` subclass (local bases followed).

    ``label_error`` is set when ``label`` is assigned something we cannot evaluate.
    """

    class_name: str
    line: int
    path: Path
    name: str | None = None
    label: str | None = None
    label_line: int = 0
    label_error: str | None = None
    default: bool | None = None


def read_app_configs(path: Path) -> tuple[list[AppConfigClass], str | None]:
    """The ``AppConfig`` subclasses defined in ``path`` and an error text if it is unreadable.

    A class counts when a base is ``AppConfig``, ends in ``Config`` (``AdminConfig``) or is
    one of the file's own config classes, whose ``name`` / ``label`` / ``default`` it then
    inherits. Classes imported into ``apps.py`` also count for Django; we cannot see them.
    """
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (OSError, SyntaxError, ValueError) as error:
        return [], f"cannot read {path.name}: {error}"
    found: dict[str, AppConfigClass] = {}
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        local_bases = [found[name] for name in _base_names(node) if name in found]
        if not local_bases and not any(name.endswith("Config") for name in _base_names(node)):
            continue
        attributes: dict[str, tuple[object, int, str | None]] = {}
        for statement in node.body:
            target, value = _simple_assignment(statement)
            if target in ("name", "label", "default") and value is not None:
                try:
                    attributes[target] = (ast.literal_eval(value), statement.lineno, None)
                except ValueError:
                    attributes[target] = (None, statement.lineno, ast.unparse(value))
        inherited = local_bases[0] if local_bases else AppConfigClass(node.name, node.lineno, path)
        name = attributes.get("name", (inherited.name, 0, None))[0]
        default = attributes.get("default", (inherited.default, 0, None))[0]
        label_value, label_line, label_error = attributes.get(
            "label", (inherited.label, inherited.label_line, inherited.label_error)
        )
        if label_value is not None and not isinstance(label_value, str):
            label_value, label_error = None, repr(label_value)
        found[node.name] = AppConfigClass(
            class_name=node.name,
            line=node.lineno,
            path=path,
            name=name if isinstance(name, str) else None,
            label=label_value if isinstance(label_value, str) else None,
            label_line=label_line,
            label_error=label_error,
            default=default if isinstance(default, bool) else None,
        )
    return list(found.values()), None


def _base_names(node: ast.ClassDef) -> list[str]:
    names = []
    for base in node.bases:
        if isinstance(base, ast.Name):
            names.append(base.id)
        elif isinstance(base, ast.Attribute):
            names.append(base.attr)
    return names


def _simple_assignment(statement: ast.stmt) -> tuple[str | None, ast.expr | None]:
    if (
        isinstance(statement, ast.Assign)
        and len(statement.targets) == 1
        and isinstance(statement.targets[0], ast.Name)
    ):
        return statement.targets[0].id, statement.value
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return statement.target.id, statement.value
    return None, None


def django_default_config(classes: Sequence[AppConfigClass]) -> list[AppConfigClass]:
    """The config classes Django would pick for an app listed by its module path.

    Django 3.2+: the only subclass not saying ``default = False``; else the ones saying
    ``default = True`` (more than one is an error); else none (plain ``AppConfig``). The
    result has 0, 1 or (an error) several entries.
    """
    candidates = [cls for cls in classes if cls.default is not False]
    if len(candidates) == 1:
        return candidates
    return [cls for cls in candidates if cls.default is True]


# --------------------------------------------------------------------------------------------
# Migration files


def module_name(filename: str) -> str | None:
    """``inspect.getmodulename``: the module a file name gives, if it has a module suffix."""
    for suffix in _SUFFIXES:
        if filename.endswith(suffix):
            return filename[: -len(suffix)]
    return None


def migration_names(directory: Path) -> list[tuple[str, str]]:
    """``(name, filename)`` of the migrations Django loads from ``directory``, in its order.

    ``pkgutil.iter_modules`` semantics: sorted listing, first file of each module name wins,
    names with a dot are skipped, sub-packages are listed as packages; then Django drops
    packages and names starting with ``_`` or ``~``.
    """
    try:
        filenames = sorted(os.listdir(directory))
    except OSError:
        return []
    seen: set[str] = set()
    result = []
    for filename in filenames:
        name = module_name(filename)
        if name == "__init__" or (name is not None and name in seen):
            continue
        is_package = False
        if not name and "." not in filename and (directory / filename).is_dir():
            try:
                contents = os.listdir(directory / filename)
            except OSError:
                contents = []
            if not any(module_name(item) == "__init__" for item in contents):
                continue
            name, is_package = filename, True
        if not name or "." in name:
            continue
        seen.add(name)
        if not is_package and name[0] not in "_~":
            result.append((name, filename))
    return result


def _has_py_files(directory: Path) -> bool:
    try:
        return any(name.endswith(".py") for name in os.listdir(directory))
    except OSError:
        return False


# --------------------------------------------------------------------------------------------
# Discovery


@dataclass
class _Candidate:
    """An app directory found while walking the scanned trees."""

    path: Path
    module: str
    import_root: Path
    external: bool


@dataclass
class _Resolved:
    """An ``INSTALLED_APPS`` entry resolved to an app directory."""

    module: str
    path: Path
    config: AppConfigClass | None  # set when the entry names the config class itself


_CONTRIB = "django.contrib."


class _Discovery:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.problems: list[DiscoveryProblem] = []
        self.apps_py: dict[Path, list[AppConfigClass]] = {}
        self.trees: list[tuple[Path, bool]] = []
        self.roots: list[Path] = []
        self.django_dir: Path | None = None
        self.used_label_keys: set[str] = set()

    def problem(
        self, path: Path, line: int, message: str, hint: str = "", severity: str = "warning"
    ) -> None:
        self.problems.append(DiscoveryProblem(path, line, message, hint, severity))

    # -- walking -------------------------------------------------------------------------

    def scan_trees(self) -> None:
        """The directories to walk: PATHS (a file stands for its app) and external paths."""
        # External trees first: one nested in a scanned path (``vendor/``) is walked as
        # external, and the walk of the enclosing path then skips it as already visited.
        for path, external in [
            *((path, True) for path in self.config.extra_migration_paths),
            *((path, False) for path in self.config.paths),
        ]:
            if path.is_dir():
                self.trees.append((path, external))
                continue
            app_dir = self.app_dir_of_file(path)
            if app_dir is None:
                self.problem(
                    path,
                    0,
                    f"{self.config.relative(path)} is not inside a Django app",
                    severity="info",
                )
            else:
                self.trees.append((app_dir, external))

    def app_dir_of_file(self, path: Path) -> Path | None:
        for parent in path.parents:
            if parent.name == "migrations":
                return parent.parent
            if (parent / "migrations").is_dir() or (parent / "apps.py").is_file():
                return parent
            if parent == self.config.root:
                break
        return None

    def walk(self) -> list[_Candidate]:
        """App directories under the trees: a ``migrations`` package, or an AppConfig.

        A ``migrations`` directory without ``__init__`` makes its parent an (unmigrated)
        app only when it holds ``.py`` files. Symlinked directories are followed once.
        """
        candidates: dict[str, _Candidate] = {}
        visited: set[str] = set()
        for tree, external in self.trees:
            real = os.path.realpath(tree)
            if real in visited:
                continue
            visited.add(real)
            stack = [(tree, real)]
            while stack:
                directory, real = stack.pop()
                try:
                    entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
                except OSError:
                    continue
                self.consider(directory, real, entries, external, candidates)
                for entry in reversed(entries):
                    if not entry.is_dir() or entry.name == "migrations":
                        continue
                    child = Path(entry.path)
                    if self.config.excludes(child, is_dir=True):
                        continue
                    child_real = (
                        os.path.realpath(entry.path)
                        if entry.is_symlink()
                        else os.path.join(real, entry.name)
                    )
                    if child_real not in visited:
                        visited.add(child_real)
                        stack.append((child, child_real))
        return list(candidates.values())

    def consider(
        self,
        directory: Path,
        real: str,
        entries: list[os.DirEntry[str]],
        external: bool,
        candidates: dict[str, _Candidate],
    ) -> None:
        if real in candidates:
            return
        names = {entry.name: entry for entry in entries}
        migrations = names.get("migrations")
        is_app = False
        if migrations is not None and migrations.is_dir():
            migrations_dir = Path(migrations.path)
            is_app = has_init(migrations_dir) or _has_py_files(migrations_dir)
        if not is_app and "apps.py" in names:
            is_app = bool(self.app_configs(directory / "apps.py"))
        if not is_app:
            return
        module, import_root = module_name_for(directory)
        if not all(part.isidentifier() for part in module.split(".")):
            self.problem(
                directory,
                0,
                f"{self.config.relative(directory)} looks like a Django app but {module!r} "
                "is not an importable module path; skipped",
                severity="info",
            )
            return
        candidates[real] = _Candidate(directory, module, import_root, external)

    def app_configs(self, apps_py: Path) -> list[AppConfigClass]:
        if apps_py not in self.apps_py:
            classes, error = read_app_configs(apps_py) if apps_py.is_file() else ([], None)
            if error:
                self.problem(apps_py, 0, error, "the app's label could not be read")
            self.apps_py[apps_py] = classes
        return self.apps_py[apps_py]

    # -- module resolution -----------------------------------------------------------------

    def set_roots(self, candidates: Sequence[_Candidate]) -> None:
        """sys.path-like roots, most trusted first: settings root, project root, src/."""
        roots = list(self.config.search_roots)
        roots += sorted({candidate.import_root for candidate in candidates})
        roots += [tree for tree, _ in self.trees]
        self.roots = list(dict.fromkeys(roots))

    def find(self, dotted: str) -> Path | None:
        if dotted.startswith("django."):
            return find_module(dotted, [self.django_dir.parent]) if self.django_dir else None
        return find_module(dotted, self.roots)

    def tree_of(self, path: Path) -> bool | None:
        """``external`` of the innermost scanned tree holding ``path``; None when none does."""
        holding = [
            (len(tree.parts), external)
            for tree, external in self.trees
            if path == tree or tree in path.parents
        ]
        return max(holding)[1] if holding else None

    # -- labels ----------------------------------------------------------------------------

    def label_for(
        self, module: str, path: Path, config: AppConfigClass | None, walk_mode: bool
    ) -> tuple[str, Path | None, int]:
        """The app's label and where it comes from (apps.py and line, for problems)."""
        apps_py = config.path if config is not None else path / "apps.py"
        if config is None:
            classes = self.app_configs(apps_py)
            chosen = django_default_config(classes)
            if len(chosen) > 1:
                names = ", ".join(repr(cls.class_name) for cls in chosen)
                self.problem(
                    apps_py,
                    chosen[1].line,
                    f"{module}.apps declares more than one default AppConfig: {names}",
                    "Django refuses to start; keep `default = True` on one class",
                    "error",
                )
                chosen = []
            if not chosen and walk_mode and len(classes) > 1:
                chosen = [cls for cls in classes if cls.name == module][:1]
            config = chosen[0] if chosen else None
        # Django: ``label`` defaults to the last component of the app's module.
        label = module.rpartition(".")[2]
        line = 0
        if config is not None:
            if config.label_error:
                self.problem(
                    apps_py,
                    config.label_line,
                    f"{config.class_name}.label = {config.label_error} cannot be evaluated "
                    f"statically; using {label!r}",
                    f'set `app-labels` in [tool.migration-lint] ({module!r} = "...")',
                )
            elif config.label:
                label, line = config.label, config.label_line
        override = self.label_override(module, path)
        if override is not None:
            return override, self.config.config_file, 0
        return label, (apps_py if line else None), line

    def label_override(self, module: str, path: Path) -> str | None:
        for key, label in self.config.app_labels.items():
            if key == module or (self.config.root / key).resolve() == path.resolve():
                self.used_label_keys.add(key)
                return label
        return None

    # -- migrations of one app -------------------------------------------------------------

    def migrations_of(self, label: str, module: str, path: Path) -> tuple[Path | None, str | None]:
        modules = self.config.settings.migration_modules
        if label in modules:
            target_module = modules[label]
            if target_module is None:
                return None, None
            target = self.find(target_module)
            if target is None:
                self.problem(
                    self.config.settings_path or self.config.config_file or self.config.root,
                    0,
                    f"MIGRATION_MODULES[{label!r}] = {target_module!r} was not found",
                    "Django's migrate fails on a missing explicit migrations module; "
                    "makemigrations treats the app as unmigrated",
                )
                return None, None
        else:
            target_module = f"{module}.migrations"
            target = path / "migrations"
            if not target.is_dir():
                return None, None
        if not target.is_dir():
            return None, None  # a plain module has no __path__: unmigrated
        if not has_init(target):
            if _has_py_files(target):
                self.problem(
                    target,
                    0,
                    f"{self.config.relative(target)} has no __init__.py: Django ignores it "
                    f"(app {label!r} is unmigrated)",
                    "add an empty __init__.py if these are migrations",
                    "info",
                )
            return None, None
        return target, target_module

    def sources_of(self, label: str, directory: Path, package: str) -> list[MigrationSource]:
        sources = []
        for name, filename in migration_names(directory):
            path = directory / filename
            if filename.endswith(".py"):
                sources.append(MigrationSource(label, name, path, f"{package}.{name}"))
            else:
                self.problem(
                    path,
                    0,
                    f"migration {label}.{name} exists only as {filename}, which cannot be read "
                    "statically; Django loads it",
                    "commit the .py source of this migration, or delete the stale file",
                )
        return sources

    # -- the whole project -----------------------------------------------------------------

    def contrib_dir(self) -> Path | None:
        """Django's package directory in the active environment, found without importing."""
        try:
            spec = importlib.util.find_spec("django")
        except (ImportError, ValueError):
            return None
        if spec is None or not spec.submodule_search_locations:
            return None
        return Path(next(iter(spec.submodule_search_locations))).resolve()

    def run(self) -> Project:
        config = self.config
        for settings_problem in config.settings_problems:
            self.problem(
                settings_problem.path,
                settings_problem.line,
                settings_problem.message,
                settings_problem.hint,
            )
        self.scan_trees()
        candidates = self.walk()
        self.set_roots(candidates)
        installed = config.settings.installed_apps
        contrib_mode = config.django_contrib
        wants_contrib = contrib_mode == "always" or (
            contrib_mode == "auto"
            and installed is not None
            and any(entry.startswith(_CONTRIB) for entry in installed)
        )
        if wants_contrib:
            self.django_dir = self.contrib_dir()
            if self.django_dir is None:
                self.problem(
                    config.root,
                    0,
                    "Django is not installed in this environment: the migrations of "
                    "django.contrib apps are not loaded (dependencies on them count as met)",
                    "run migration-lint from the project's environment, or set "
                    'django-contrib = "never"',
                    "warning" if contrib_mode == "always" else "info",
                )
        candidates = self.drop_migration_module_targets(candidates)

        external_apps: set[str] = set()
        labels_complete = installed is not None
        uninstalled: list[AppInfo] = []
        entries: list[tuple[str, Path, AppConfigClass | None, bool]] = []
        if installed is None:
            for candidate in candidates:
                entries.append((candidate.module, candidate.path, None, candidate.external))
        else:
            matched: set[Path] = set()
            for entry in installed:
                resolved = self.resolve_entry(entry, candidates)
                external = self.tree_of(resolved.path) if resolved else None
                if resolved is not None and resolved.module.startswith(_CONTRIB):
                    external = True
                if resolved is None or external is None:
                    labels_complete = labels_complete and resolved is not None
                    external_apps.add(self.external_label(entry, resolved))
                    continue
                matched.add(resolved.path)
                entries.append((resolved.module, resolved.path, resolved.config, external))
            uninstalled = self.uninstalled(c for c in candidates if c.path not in matched)
        if contrib_mode == "always" and self.django_dir is not None:
            listed = {module for module, *_ in entries}
            for app_dir in sorted((self.django_dir / "contrib").iterdir()):
                module = _CONTRIB + app_dir.name
                if module not in listed and has_init(app_dir / "migrations"):
                    entries.append((module, app_dir, None, True))

        apps = self.build_apps(entries, walk_mode=installed is None)
        external_apps -= {app.label for app in apps}
        for key in config.app_labels:
            if key not in self.used_label_keys:
                self.problem(
                    config.config_file or config.root,
                    0,
                    f"app-labels: {key!r} matches no app that was found",
                    "use the app's dotted module path or its directory relative to the root",
                )
        sources = [
            source
            for app in apps
            if app.migrations_path is not None and app.migrations_module is not None
            for source in self.sources_of(app.label, app.migrations_path, app.migrations_module)
        ]
        return Project(
            config=config,
            apps=apps,
            migrated_apps={app.label for app in apps if app.migrations_path is not None},
            unmigrated_apps={app.label for app in apps if app.migrations_path is None},
            sources=sources,
            problems=self.problems,
            external_apps=external_apps,
            uninstalled_apps=uninstalled,
            labels_complete=labels_complete,
        )

    def drop_migration_module_targets(self, candidates: list[_Candidate]) -> list[_Candidate]:
        """A directory MIGRATION_MODULES points at is a migrations package, not an app.

        ``MIGRATION_MODULES = {"shop": "legacy.shop.migrations"}`` must not make
        ``legacy/shop`` an app (with a second ``shop`` label).
        """
        targets = set()
        for module in self.config.settings.migration_modules.values():
            if module is not None:
                found = self.find(module)
                if found is not None:
                    targets.add(os.path.realpath(found))
        return [
            candidate
            for candidate in candidates
            if os.path.realpath(candidate.path / "migrations") not in targets
        ]

    def resolve_entry(self, entry: str, candidates: Sequence[_Candidate]) -> _Resolved | None:
        """An ``INSTALLED_APPS`` entry: an app module, or the dotted path of an AppConfig.

        Django tries the entry as a module first, then as ``module.ClassName``. When neither
        is found, an app found on disk whose module ends with the entry's module (an app
        directory put on sys.path by the settings) is accepted if it is the only one.
        """
        found = self.module_dir(entry, candidates)
        if found is not None:
            return _Resolved(found[0], found[1], None)
        module_path, _, class_name = entry.rpartition(".")
        parent, _, submodule = module_path.rpartition(".")
        config_file = self.find(module_path) if module_path else None
        if config_file is None and parent:
            app_dir = self.module_dir(parent, candidates)
            config_file = app_dir[1] / f"{submodule}.py" if app_dir else None
        if config_file is None or not config_file.is_file():
            return None
        config = {cls.class_name: cls for cls in self.app_configs(config_file)}.get(class_name)
        if config is None:
            return None
        app_module = config.name
        if app_module is None:
            app_module = parent if submodule == "apps" else module_path
            self.problem(
                config_file,
                config.line,
                f"{config.class_name} has no `name` we can read; assuming {app_module!r}",
                "Django requires AppConfig.name",
            )
        found = self.module_dir(app_module, candidates)
        return _Resolved(found[0], found[1], config) if found is not None else None

    def module_dir(self, module: str, candidates: Sequence[_Candidate]) -> tuple[str, Path] | None:
        """The module name and directory of an app package, by exact name or by suffix."""
        for candidate in candidates:
            if candidate.module == module:
                return module, candidate.path
        found = self.find(module)
        if found is not None and found.is_dir():
            return module, found
        # Django knows the app by the name it was imported under, not by our guess.
        suffix = [c for c in candidates if c.module.endswith("." + module)]
        return (module, suffix[0].path) if len(suffix) == 1 else None

    def external_label(self, entry: str, resolved: _Resolved | None) -> str:
        """The label of an installed app that is not scanned.

        Found on disk outside the scanned paths: read from its AppConfig as usual (quietly,
        it is not ours to report on). Not found at all: the last component of the module
        (``allauth.account.apps.AccountConfig`` -> ``account``), Django's default label.
        """
        if resolved is not None:
            mark = len(self.problems)
            label, _, _ = self.label_for(resolved.module, resolved.path, resolved.config, False)
            del self.problems[mark:]
            return label
        parts = entry.split(".")
        if len(parts) > 1 and parts[-1][:1].isupper():
            parts = parts[:-1]
            if len(parts) > 1 and parts[-1] == "apps":
                parts = parts[:-1]
        return parts[-1]

    def app_info(self, label: str, module: str, path: Path, external: bool) -> AppInfo:
        migrations_path, migrations_module = self.migrations_of(label, module, path)
        if migrations_path is not None:
            # What is linted is the migrations: a contrib app whose MIGRATION_MODULES points
            # into the project (cookiecutter-django's ``sites``) has the project's own.
            where = self.tree_of(migrations_path)
            external = external if where is None else where
        models: Path | None = None
        if (path / "models.py").is_file():
            models = path / "models.py"
        elif has_init(path / "models"):
            models = path / "models"
        return AppInfo(label, module, path, migrations_path, migrations_module, external, models)

    def uninstalled(self, candidates: Iterable[_Candidate]) -> list[AppInfo]:
        """Apps found on disk but not in INSTALLED_APPS, for ``--verbose``; no problems."""
        mark = len(self.problems)
        apps = []
        for candidate in candidates:
            label, _, _ = self.label_for(candidate.module, candidate.path, None, True)
            apps.append(self.app_info(label, candidate.module, candidate.path, candidate.external))
        del self.problems[mark:]
        return apps

    def build_apps(
        self, entries: Iterable[tuple[str, Path, AppConfigClass | None, bool]], *, walk_mode: bool
    ) -> list[AppInfo]:
        """AppInfo for each entry, dropping duplicate modules and labels as Django would."""
        apps: list[AppInfo] = []
        by_label: dict[str, AppInfo] = {}
        modules: set[str] = set()
        for module, path, config, external in entries:
            # On disk without settings, two directories may give the same dotted name: that
            # is reported below as a label clash, the thing Django users know.
            if module in modules and not walk_mode:
                self.problem(
                    path,
                    0,
                    f"Application names aren't unique, duplicates: {module}",
                    "Django refuses to start; list each app once in INSTALLED_APPS",
                    "error",
                )
                continue
            label, where, line = self.label_for(module, path, config, walk_mode)
            if label in by_label:
                other = by_label[label]
                self.problem(
                    where or path,
                    line,
                    f"Application labels aren't unique, duplicates: {label} "
                    f"({other.module} at {self.config.relative(other.path)} and {module} at "
                    f"{self.config.relative(path)}); the second is ignored",
                    "give one of them another label in its AppConfig, or `app-labels` in "
                    "[tool.migration-lint]",
                    "error",
                )
                continue
            if not label.isidentifier():
                self.problem(
                    where or path,
                    line,
                    f"The app label {label!r} is not a valid Python identifier",
                    "Django refuses to start",
                    "error",
                )
            modules.add(module)
            app = self.app_info(label, module, path, external)
            by_label[label] = app
            apps.append(app)
        if walk_mode:
            apps.sort(key=lambda app: (app.label, str(app.path)))
        return apps


def discover(config: Config) -> Project:
    """Find the apps and migration files of the project ``config`` describes."""
    return _Discovery(config).run()
