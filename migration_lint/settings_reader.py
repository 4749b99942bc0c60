"""Read a Django settings module with :mod:`ast`, never importing it.

Settings modules are ordinary Python, so this is a small abstract interpreter over the
top-level statements: literals, containers, names assigned earlier, ``+`` / ``+=`` / ``|``,
``[*A, *B]``, ``list(...)`` / ``tuple(...)``, the mutating methods settings files use
(``INSTALLED_APPS.append(...)``, ``MIGRATION_MODULES.update(...)``), ``if`` on a condition it
can evaluate, and ``from .base import *`` of sibling modules (the common
``settings/base.py`` + ``settings/production.py`` layout). Anything else (environment
variables, function calls, loops) makes the names it touches *unknown*: their final value is
not guessed, and when one of the settings the migration machinery needs ends up unknown a
:class:`SettingsProblem` says where and why.

An ``if`` whose condition cannot be evaluated runs both branches; names that end up equal
in both keep their value, the others become unknown. A ``try`` runs its body; when the body
star-imports a sibling module that does not exist (``from .local import *`` with no
``local.py``), the matching ``except ImportError`` branch runs instead, as it would at run
time.

This module also locates the settings file: a dotted module resolved against a few
sys.path-like roots, a file path, or the ``DJANGO_SETTINGS_MODULE`` default that
``manage.py`` sets.
"""

from __future__ import annotations

import ast
import copy
import importlib.machinery
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

#: The settings the migration machinery needs; a problem is reported when one is unknown.
KEY_SETTINGS = ("INSTALLED_APPS", "AUTH_USER_MODEL", "MIGRATION_MODULES", "DEFAULT_AUTO_FIELD")

_MODULE_SUFFIXES = tuple(importlib.machinery.all_suffixes())


@dataclass(frozen=True)
class SettingsProblem:
    """Something in the settings that could not be read statically (``line`` is 1-based)."""

    path: Path
    line: int
    message: str
    hint: str = ""


@dataclass
class SettingsRead:
    """What the static read learned; ``None`` means the setting is unknown or not set."""

    path: Path
    installed_apps: tuple[str, ...] | None = None
    auth_user_model: str | None = None
    migration_modules: dict[str, str | None] | None = None
    default_auto_field: str | None = None
    values: dict[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Locating modules and the settings file


def has_init(directory: Path) -> bool:
    """Whether ``directory`` is a regular package (an ``__init__`` with any module suffix)."""
    return any((directory / f"__init__{suffix}").is_file() for suffix in _MODULE_SUFFIXES)


def find_module(dotted: str, roots: Iterable[Path]) -> Path | None:
    """The file or package directory ``dotted`` names when ``roots`` are on ``sys.path``.

    Like the import system, a regular package or module found under an earlier root wins,
    and a namespace package (a directory without ``__init__``) is only the answer when no
    root has a regular one. A package is returned as its directory.
    """
    parts = dotted.split(".")
    if not all(part.isidentifier() for part in parts):
        return None
    namespace: Path | None = None
    for root in roots:
        found, regular = _find_in_root(root, parts)
        if found is not None and regular:
            return found
        if found is not None and namespace is None:
            namespace = found
    return namespace


def _find_in_root(root: Path, parts: list[str]) -> tuple[Path | None, bool]:
    """Resolve ``parts`` under one root; the flag says whether every level is regular."""
    current = root
    regular = True
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        candidate = current / part
        if candidate.is_dir():
            if not has_init(candidate):
                if last and (current / f"{part}.py").is_file():
                    return current / f"{part}.py", regular
                regular = False
            current = candidate
            continue
        if last and (current / f"{part}.py").is_file():
            return current / f"{part}.py", regular
        return None, False
    return current, regular


def module_name_for(path: Path) -> tuple[str, Path]:
    """The dotted module name of a ``.py`` file or package directory, and its import root.

    Walks up while the parent directory is a regular package, which is how the module
    would be named when the import root is on ``sys.path``.
    """
    parts = [path.stem if path.suffix == ".py" else path.name]
    if path.suffix == ".py" and path.stem == "__init__":
        parts = [path.parent.name]
        path = path.parent
    parent = path.parent
    while has_init(parent) and parent.parent != parent:
        parts.insert(0, parent.name)
        parent = parent.parent
    return ".".join(parts), parent


def settings_module_from_manage_py(path: Path) -> tuple[str | None, list[SettingsProblem]]:
    """The ``DJANGO_SETTINGS_MODULE`` default a ``manage.py`` sets, read statically.

    Recognises ``os.environ.setdefault("DJANGO_SETTINGS_MODULE", "x.y")`` and
    ``os.environ["DJANGO_SETTINGS_MODULE"] = "x.y"`` anywhere in the file.
    """
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (OSError, SyntaxError, ValueError) as error:
        return None, [
            SettingsProblem(path, _error_line(error), f"cannot read {path.name}: {error}")
        ]
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "setdefault"
            and _is_environ(node.func.value)
            and len(node.args) == 2
            and _const_str(node.args[0]) == "DJANGO_SETTINGS_MODULE"
        ):
            value = _const_str(node.args[1])
            if value is not None:
                found.append((value, node.lineno))
        elif (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Subscript)
            and _is_environ(node.targets[0].value)
            and _const_str(node.targets[0].slice) == "DJANGO_SETTINGS_MODULE"
        ):
            value = _const_str(node.value)
            if value is not None:
                found.append((value, node.lineno))
    if not found:
        return None, []
    problems = []
    if len({value for value, _ in found}) > 1:
        problems.append(
            SettingsProblem(
                path,
                found[1][1],
                f"{path.name} sets DJANGO_SETTINGS_MODULE to several values; "
                f"using {found[0][0]!r} (line {found[0][1]})",
                "set `settings` in [tool.migration-lint] to choose",
            )
        )
    return found[0][0], problems


def _is_environ(node: ast.expr) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
        isinstance(node, ast.Name) and node.id == "environ"
    )


def _const_str(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _error_line(error: Exception) -> int:
    return getattr(error, "lineno", None) or 1


# --------------------------------------------------------------------------------------------
# The evaluator


@dataclass(frozen=True)
class _Unknown:
    """A name whose value could not be evaluated, with where and why (compared by value)."""

    path: Path
    line: int
    reason: str


class _CannotEvaluate(Exception):
    """Raised while evaluating an expression that is outside what we evaluate."""

    def __init__(self, line: int, reason: str, origin: _Unknown | None = None) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason
        self.origin = origin


class _ImportFailed(Exception):
    """An import of a project module that is not there: ImportError at run time.

    Raised for relative imports of a missing sibling and for star imports of an absolute
    module not found under the search roots (``from local_settings import *``): inside
    ``try: ... except ImportError:`` the handler then runs, as it would at run time.
    """

    def __init__(self, line: int, module: str) -> None:
        super().__init__(module)
        self.line = line
        self.module = module


_IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}
_LIST_METHODS = {"append", "extend", "insert", "remove"}
_DICT_METHODS = {"update", "setdefault", "pop"}
_MUTATING = _LIST_METHODS | _DICT_METHODS | {"clear", "sort", "reverse", "popitem"}

Env = dict[str, object]


class _Reader:
    """Evaluates one settings module and the sibling modules it imports from."""

    def __init__(self, search_roots: Sequence[Path]) -> None:
        self.search_roots = tuple(search_roots)
        self.problems: list[SettingsProblem] = []
        self.modules: dict[Path, Env] = {}
        self.in_progress: set[Path] = set()
        #: Where each name was last assigned or changed, for problems about its value.
        self.lines: dict[str, tuple[Path, int]] = {}

    # -- modules -------------------------------------------------------------------------

    def run_module(self, path: Path) -> Env:
        path = path.resolve()
        if path in self.modules:
            return self.modules[path]
        env: Env = {}
        if path in self.in_progress:
            self.problems.append(
                SettingsProblem(path, 1, f"circular import of {path.name} in the settings")
            )
            return env
        self.in_progress.add(path)
        try:
            tree = ast.parse(path.read_bytes(), filename=str(path))
        except (OSError, SyntaxError, ValueError) as error:
            self.problems.append(
                SettingsProblem(path, _error_line(error), f"cannot read settings: {error}")
            )
            self.in_progress.discard(path)
            self.modules[path] = env
            return env
        _ModuleRun(self, path, env).run_top(tree.body)
        self.in_progress.discard(path)
        self.modules[path] = env
        return env

    @staticmethod
    def relative_base(path: Path, level: int) -> Path:
        """The package directory a relative import of ``level`` dots in ``path`` starts at."""
        base = path.parent
        for _ in range(level - 1):
            base = base.parent
        return base

    def resolve_import(self, path: Path, module: str, level: int) -> Path | None:
        """The file ``from <module> import ...`` in ``path`` refers to, when it is ours."""
        roots = [self.relative_base(path, level)] if level else list(self.search_roots)
        found = find_module(module, roots)
        if found is not None and found.is_dir():
            init = found / "__init__.py"
            return init if init.is_file() else None
        return found


class _ModuleRun:
    """The statements of one module, evaluated into ``env``."""

    def __init__(self, reader: _Reader, path: Path, env: Env) -> None:
        self.reader = reader
        self.path = path
        self.env = env

    def run_top(self, body: list[ast.stmt]) -> None:
        """Run a module body; a failing import is reported and the rest still runs.

        A statement the evaluator trips over (a ``TypeError`` from comparing odd values, a
        very deep expression) only makes the names it touches unknown: reading settings
        must never be why a run fails.
        """
        for statement in body:
            try:
                self.statement(statement)
            except _ImportFailed as failed:
                if failed.module.startswith("."):
                    message = f"`{failed.module}` does not exist: importing the settings fails"
                else:
                    message = (
                        f"`from {failed.module} import *` is not followed: it is not a module "
                        "of the project, so the names it defines are not known"
                    )
                self.reader.problems.append(SettingsProblem(self.path, failed.line, message))
            except Exception as error:
                reason = f"not evaluated ({type(error).__name__}: {error})"
                self.havoc(statement, statement.lineno, reason)

    def run(self, body: list[ast.stmt]) -> None:
        for statement in body:
            self.statement(statement)

    def unknown(self, line: int, reason: str) -> _Unknown:
        return _Unknown(self.path, line, reason)

    # -- statements ------------------------------------------------------------------------

    def statement(self, node: ast.stmt) -> None:
        if isinstance(node, ast.Assign):
            self.assign(node.targets, node.value, node.lineno)
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                self.assign([node.target], node.value, node.lineno)
        elif isinstance(node, ast.AugAssign):
            self.aug_assign(node)
        elif isinstance(node, ast.Expr):
            self.expression_statement(node)
        elif isinstance(node, ast.If):
            self.if_statement(node)
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            self.try_statement(node)  # type: ignore[arg-type]
        elif isinstance(node, ast.With):
            self.run(node.body)
        elif isinstance(node, ast.ImportFrom):
            self.import_from(node)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                name = alias.asname or alias.name.split(".")[0]
                self.env[name] = self.unknown(node.lineno, f"`{name}` is an imported module")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self.env[node.name] = self.unknown(node.lineno, f"`{node.name}` is defined by code")
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.env.pop(target.id, None)
                else:
                    self.havoc(target, node.lineno, "changed by a `del` statement")
        elif isinstance(node, (ast.Pass, ast.Global, ast.Nonlocal, ast.Assert, ast.Raise)):
            return
        else:
            kind = type(node).__name__.lower()
            self.havoc(node, node.lineno, f"changed inside a `{kind}` statement")

    def assign(self, targets: list[ast.expr], value_node: ast.expr, line: int) -> None:
        try:
            value: object = self.evaluate(value_node)
        except _CannotEvaluate as error:
            value = error.origin or self.unknown(error.line, error.reason)
        for target in targets:
            self.bind(target, value, line)

    def bind(self, target: ast.expr, value: object, line: int) -> None:
        if isinstance(target, ast.Name):
            self.env[target.id] = value
            self.reader.lines[target.id] = (self.path, line)
        elif isinstance(target, (ast.Tuple, ast.List)):
            has_star = any(isinstance(item, ast.Starred) for item in target.elts)
            if isinstance(value, (list, tuple)) and not has_star and len(value) == len(target.elts):
                for item, item_value in zip(target.elts, value, strict=True):
                    self.bind(item, item_value, line)
            else:
                self.havoc(target, line, "assigned by unpacking a value we cannot evaluate")
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            container = self.env.get(target.value.id)
            try:
                key = self.evaluate(target.slice)
            except _CannotEvaluate as error:
                self.havoc(
                    target.value,
                    line,
                    f"item assigned with a key we cannot evaluate: {error.reason}",
                )
                return
            if isinstance(container, dict) and _hashable(key):
                container[key] = value
            else:
                self.havoc(target.value, line, "item assignment we cannot follow")
        else:
            self.havoc(target, line, "assignment we cannot follow")

    def aug_assign(self, node: ast.AugAssign) -> None:
        if not isinstance(node.target, ast.Name):
            self.havoc(node.target, node.lineno, "augmented assignment we cannot follow")
            return
        name = node.target.id
        self.reader.lines[name] = (self.path, node.lineno)
        try:
            current = self.lookup(name, node.lineno)
            operand = self.evaluate(node.value)
            if isinstance(node.op, ast.Add) and isinstance(current, list):
                current.extend(self.iterate(operand, node.lineno))
                return
            if isinstance(node.op, ast.BitOr) and isinstance(current, dict):
                current.update(self.mapping(operand, node.lineno))
                return
            self.env[name] = self.binary(node.op, current, operand, node.lineno)
        except _CannotEvaluate as error:
            self.env[name] = error.origin or self.unknown(error.line, error.reason)

    def expression_statement(self, node: ast.Expr) -> None:
        """Follow ``X.append(...)``-style mutations; forget what an opaque call may change."""
        call = node.value
        if not isinstance(call, ast.Call):
            return
        func = call.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            name, method = func.value.id, func.attr
            receiver = self.env.get(name)
            if isinstance(receiver, (list, dict)) and method in _MUTATING:
                try:
                    if call.keywords or any(isinstance(a, ast.Starred) for a in call.args):
                        raise _CannotEvaluate(node.lineno, "keyword or starred arguments")
                    args = [self.evaluate(arg) for arg in call.args]
                    self.call_method(receiver, method, args, node.lineno)
                    self.reader.lines[name] = (self.path, node.lineno)
                except _CannotEvaluate as error:
                    self.env[name] = self.unknown(
                        node.lineno,
                        f"`{name}` is changed by `{name}.{method}(...)`: {error.reason}",
                    )
                return
        self.escape(call)

    def escape(self, call: ast.Call) -> None:
        """A call we do not run may change the lists and dicts it is given.

        ``f(locals())`` / ``f(globals())`` (``django_heroku.settings(locals())``) may change
        any setting at all.
        """
        line = call.lineno
        for arg in [*call.args, *(keyword.value for keyword in call.keywords)]:
            if isinstance(arg, ast.Starred):
                arg = arg.value
            if (
                isinstance(arg, ast.Call)
                and isinstance(arg.func, ast.Name)
                and arg.func.id in ("locals", "globals", "vars")
            ):
                reason = f"may be changed by `{_snippet(call)}`"
                for name in list(self.env):
                    self.env[name] = self.unknown(line, f"`{name}` {reason} (line {line})")
                return
            if isinstance(arg, ast.Name) and isinstance(self.env.get(arg.id), (list, dict)):
                self.env[arg.id] = self.unknown(
                    line, f"`{arg.id}` may be changed by `{_snippet(call)}` (line {line})"
                )

    def call_method(self, receiver: object, method: str, args: list[object], line: int) -> None:
        if isinstance(receiver, list) and method in _LIST_METHODS:
            if method == "append" and len(args) == 1:
                receiver.append(args[0])
                return
            if method == "extend" and len(args) == 1:
                receiver.extend(self.iterate(args[0], line))
                return
            if method == "insert" and len(args) == 2 and isinstance(args[0], int):
                receiver.insert(args[0], args[1])
                return
            if method == "remove" and len(args) == 1 and args[0] in receiver:
                receiver.remove(args[0])
                return
        if isinstance(receiver, dict) and method in _DICT_METHODS:
            if method == "update" and len(args) == 1:
                receiver.update(self.mapping(args[0], line))
                return
            if method == "setdefault" and len(args) == 2 and _hashable(args[0]):
                receiver.setdefault(args[0], args[1])
                return
            # ``pop(key)`` of a missing key raises at run time: not evaluated.
            if (
                method == "pop"
                and _hashable(args[0])
                and (len(args) == 2 or (len(args) == 1 and args[0] in receiver))
            ):
                receiver.pop(args[0], None)
                return
        raise _CannotEvaluate(line, f"`.{method}(...)` is not evaluated")

    def if_statement(self, node: ast.If) -> None:
        try:
            condition = bool(self.evaluate(node.test))
        except _CannotEvaluate:
            condition = None
        if condition is True:
            self.run(node.body)
        elif condition is False:
            self.run(node.orelse)
        else:
            self.both_ways(
                node.body,
                node.orelse,
                node.lineno,
                f"depends on the condition `{ast.unparse(node.test)}`",
            )

    def both_ways(
        self, first: list[ast.stmt], second: list[ast.stmt], line: int, reason: str
    ) -> None:
        """Run two alternatives on copies; keep what both agree on, forget the rest."""
        results = []
        for body in (first, second):
            env = copy.deepcopy(self.env)
            _ModuleRun(self.reader, self.path, env).run(body)
            results.append(env)
        left, right = results
        merged: Env = {}
        for name in {**left, **right}:
            if name in left and name in right and _same(left[name], right[name]):
                merged[name] = left[name]
            else:
                merged[name] = self.unknown(line, f"`{name}` {reason} (line {line})")
        self.env.clear()
        self.env.update(merged)

    def try_statement(self, node: ast.Try) -> None:
        # As at run time, what the body did before a failing import stays done.
        try:
            self.run(node.body)
        except _ImportFailed:
            handler = next((h for h in node.handlers if _catches_import_error(h)), None)
            if handler is None:
                raise
            self.run(handler.body)
        else:
            self.run(node.orelse)
        self.run(node.finalbody)

    def import_from(self, node: ast.ImportFrom) -> None:
        module_text = "." * node.level + (node.module or "")
        star = any(alias.name == "*" for alias in node.names)
        if node.level and not node.module:
            # ``from . import local``: each name is a sibling module (its attributes unknown).
            package = self.reader.relative_base(self.path, node.level)
            for alias in node.names:
                if find_module(alias.name, [package]) is None:
                    raise _ImportFailed(node.lineno, module_text + alias.name)
                name = alias.asname or alias.name
                self.env[name] = self.unknown(node.lineno, f"`{name}` is a module")
            return
        target = self.reader.resolve_import(self.path, node.module or "", node.level)
        if target is None:
            if star or node.level:
                raise _ImportFailed(node.lineno, module_text)
            for alias in node.names:
                name = alias.asname or alias.name
                self.env[name] = self.unknown(
                    node.lineno, f"`{name}` is imported from {module_text}"
                )
            return
        imported = self.reader.run_module(target)
        if star:
            for name, value in imported.items():
                if not name.startswith("_"):
                    self.env[name] = value
                    self.reader.lines.setdefault(name, (target, 1))
            return
        for alias in node.names:
            name = alias.asname or alias.name
            self.env[name] = imported.get(
                alias.name,
                self.unknown(node.lineno, f"`{alias.name}` is not defined in {module_text}"),
            )

    def havoc(self, node: ast.AST, line: int, reason: str) -> None:
        """Forget every module-level name that ``node`` may bind or change."""
        for name in _touched_names(node):
            self.env[name] = self.unknown(line, f"`{name}` {reason} (line {line})")

    # -- expressions -----------------------------------------------------------------------

    def lookup(self, name: str, line: int) -> object:
        if name not in self.env:
            raise _CannotEvaluate(line, f"`{name}` is not defined at this point")
        value = self.env[name]
        if isinstance(value, _Unknown):
            raise _CannotEvaluate(value.line, value.reason, origin=value)
        return value

    def evaluate(self, node: ast.expr) -> object:
        line = node.lineno
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return self.lookup(node.id, line)
        if isinstance(node, (ast.List, ast.Tuple)):
            items: list[object] = []
            for item in node.elts:
                if isinstance(item, ast.Starred):
                    items.extend(self.iterate(self.evaluate(item.value), line))
                else:
                    items.append(self.evaluate(item))
            return items if isinstance(node, ast.List) else tuple(items)
        if isinstance(node, ast.Dict):
            result: dict[object, object] = {}
            for key_node, value_node in zip(node.keys, node.values, strict=True):
                if key_node is None:
                    result.update(self.mapping(self.evaluate(value_node), line))
                    continue
                key = self.evaluate(key_node)
                if not _hashable(key):
                    raise _CannotEvaluate(line, "unhashable dictionary key")
                result[key] = self.evaluate(value_node)
            return result
        if isinstance(node, ast.BinOp):
            return self.binary(node.op, self.evaluate(node.left), self.evaluate(node.right), line)
        if isinstance(node, ast.JoinedStr):
            return self.f_string(node)
        if isinstance(node, ast.Call):
            return self.builtin_call(node)
        if isinstance(node, ast.Subscript):
            return self.subscript(node)
        if isinstance(node, ast.IfExp):
            return self.evaluate(node.body if self.evaluate(node.test) else node.orelse)
        if isinstance(node, ast.BoolOp):
            return self.bool_op(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return not self.evaluate(node.operand)
        if isinstance(node, ast.Compare):
            return self.compare(node)
        raise _CannotEvaluate(line, f"`{_snippet(node)}` cannot be evaluated statically")

    def binary(self, op: ast.operator, left: object, right: object, line: int) -> object:
        if isinstance(op, ast.Add):
            if isinstance(left, list) and isinstance(right, list):
                return left + right
            if isinstance(left, tuple) and isinstance(right, tuple):
                return left + right
            if isinstance(left, str) and isinstance(right, str):
                return left + right
        if isinstance(op, ast.BitOr) and isinstance(left, dict) and isinstance(right, dict):
            return {**left, **right}
        symbol = _OPERATORS.get(type(op), type(op).__name__)
        raise _CannotEvaluate(
            line, f"`{type(left).__name__} {symbol} {type(right).__name__}` is not evaluated"
        )

    def iterate(self, value: object, line: int) -> list[object]:
        if isinstance(value, (list, tuple, str)):
            return list(value)
        if isinstance(value, dict):
            return list(value)
        raise _CannotEvaluate(line, f"cannot iterate over a {type(value).__name__}")

    def mapping(self, value: object, line: int) -> dict[object, object]:
        if isinstance(value, dict):
            return dict(value)
        raise _CannotEvaluate(line, f"expected a dict, got a {type(value).__name__}")

    def f_string(self, node: ast.JoinedStr) -> str:
        parts = []
        for part in node.values:
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                parts.append(part.value)
                continue
            if (
                isinstance(part, ast.FormattedValue)
                and part.conversion == -1
                and part.format_spec is None
            ):
                value = self.evaluate(part.value)
                if isinstance(value, str):
                    parts.append(value)
                    continue
            raise _CannotEvaluate(node.lineno, f"`{_snippet(node)}` cannot be evaluated")
        return "".join(parts)

    def builtin_call(self, node: ast.Call) -> object:
        func = node.func
        if (
            isinstance(func, ast.Name)
            and func.id in ("list", "tuple", "dict")
            and func.id not in self.env
            and not any(isinstance(arg, ast.Starred) for arg in node.args)
            and len(node.args) <= 1
        ):
            args = [self.evaluate(arg) for arg in node.args]
            if func.id == "dict":
                result = self.mapping(args[0], node.lineno) if args else {}
                for keyword in node.keywords:
                    if keyword.arg is None:
                        result.update(self.mapping(self.evaluate(keyword.value), node.lineno))
                    else:
                        result[keyword.arg] = self.evaluate(keyword.value)
                return result
            if not node.keywords:
                items = self.iterate(args[0], node.lineno) if args else []
                return items if func.id == "list" else tuple(items)
        raise _CannotEvaluate(node.lineno, f"`{_snippet(node)}` is a call we do not evaluate")

    def subscript(self, node: ast.Subscript) -> object:
        container = self.evaluate(node.value)
        key = self.evaluate(node.slice)
        try:
            if isinstance(container, dict) and _hashable(key):
                return container[key]
            if isinstance(container, (list, tuple, str)) and isinstance(key, int):
                return container[key]
        except (KeyError, IndexError):
            pass
        raise _CannotEvaluate(node.lineno, f"`{_snippet(node)}` cannot be evaluated")

    def bool_op(self, node: ast.BoolOp) -> object:
        value: object = None
        for operand in node.values:
            value = self.evaluate(operand)
            if isinstance(node.op, ast.And) and not value:
                return value
            if isinstance(node.op, ast.Or) and value:
                return value
        return value

    def compare(self, node: ast.Compare) -> bool:
        left = self.evaluate(node.left)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = self.evaluate(right_node)
            if isinstance(op, ast.Eq):
                ok = left == right
            elif isinstance(op, ast.NotEq):
                ok = left != right
            elif isinstance(op, (ast.In, ast.NotIn)) and isinstance(right, (list, tuple, dict)):
                ok = (left in right) == isinstance(op, ast.In)
            elif isinstance(op, (ast.Is, ast.IsNot)) and right in (None, True, False):
                ok = (left is right) == isinstance(op, ast.Is)
            else:
                raise _CannotEvaluate(node.lineno, f"`{_snippet(node)}` cannot be evaluated")
            if not ok:
                return False
            left = right
        return True


_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.BitOr: "|", ast.Mod: "%"}


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(name, ast.Name) and name.id in _IMPORT_ERRORS for name in names)


def _touched_names(node: ast.AST) -> Iterator[str]:
    """Names a statement may bind or mutate at module level (not inside nested scopes)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Name) and isinstance(current.ctx, (ast.Store, ast.Del)):
            yield current.id
        elif isinstance(current, (ast.Subscript, ast.Attribute)) and isinstance(
            current.ctx, (ast.Store, ast.Del)
        ):
            base = current.value
            while isinstance(base, (ast.Subscript, ast.Attribute)):
                base = base.value
            if isinstance(base, ast.Name):
                yield base.id
        elif (
            isinstance(current, ast.Call)
            and isinstance(current.func, ast.Attribute)
            and isinstance(current.func.value, ast.Name)
            and current.func.attr in _MUTATING
        ):
            yield current.func.value.id
        elif isinstance(current, (ast.Import, ast.ImportFrom)):
            for alias in current.names:
                yield alias.asname or alias.name.split(".")[0]
        if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield current.name
            continue
        if isinstance(current, ast.Lambda):
            continue
        stack.extend(ast.iter_child_nodes(current))


def _hashable(value: object) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _same(left: object, right: object) -> bool:
    return type(left) is type(right) and left == right


def _snippet(node: ast.AST, limit: int = 60) -> str:
    text = ast.unparse(node)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------------------------
# Entry point


def read_settings(
    path: Path, *, search_roots: Sequence[Path] = ()
) -> tuple[SettingsRead, list[SettingsProblem]]:
    """Read the settings module at ``path`` statically.

    ``search_roots`` are the sys.path-like directories that absolute imports of the
    project's own modules (``from proj.settings.base import *``) are resolved against;
    relative imports are resolved from ``path`` itself.
    """
    reader = _Reader(search_roots)
    env = reader.run_module(path)
    problems = reader.problems
    result = SettingsRead(path=path)
    if "INSTALLED_APPS" not in env:
        problems.append(
            SettingsProblem(
                path,
                1,
                "the settings do not set INSTALLED_APPS: every app found on disk counts",
                "set `installed-apps` in [tool.migration-lint] if this is the wrong module",
            )
        )
    for name in KEY_SETTINGS:
        if name not in env:
            continue
        value = env[name]
        where = reader.lines.get(name, (path, 1))
        hint = f"set `{_CONFIG_KEYS[name]}` in [tool.migration-lint] to give its value"
        if isinstance(value, _Unknown):
            problems.append(
                SettingsProblem(
                    value.path,
                    value.line,
                    f"{name} cannot be read statically: {value.reason}",
                    hint,
                )
            )
        elif not _store(result, name, value):
            problems.append(
                SettingsProblem(
                    where[0],
                    where[1],
                    f"{name} is not {_EXPECTED[name]}: {_snippet_value(value)}",
                    hint,
                )
            )
    result.values = {
        name: value for name, value in env.items() if name.isupper() and isinstance(value, str)
    }
    return result, problems


def _store(result: SettingsRead, name: str, value: object) -> bool:
    """Put a key setting's value into ``result``; False when it has the wrong shape."""
    if name == "INSTALLED_APPS":
        if isinstance(value, (list, tuple)) and all(isinstance(app, str) for app in value):
            result.installed_apps = tuple(str(app) for app in value)
            return True
        return False
    if name == "MIGRATION_MODULES":
        if not isinstance(value, dict):
            return False
        modules: dict[str, str | None] = {}
        for key, module in value.items():
            if not isinstance(key, str) or not (module is None or isinstance(module, str)):
                return False
            modules[key] = module
        result.migration_modules = modules
        return True
    if not isinstance(value, str):
        return False
    if name == "AUTH_USER_MODEL":
        result.auth_user_model = value
    else:
        result.default_auto_field = value
    return True


def _snippet_value(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


_EXPECTED = {
    "INSTALLED_APPS": "a list of strings",
    "AUTH_USER_MODEL": "a string",
    "MIGRATION_MODULES": "a dict of app label to module path or None",
    "DEFAULT_AUTO_FIELD": "a string",
}
_CONFIG_KEYS = {
    "INSTALLED_APPS": "installed-apps",
    "AUTH_USER_MODEL": "auth-user-model",
    "MIGRATION_MODULES": "migration-modules",
    "DEFAULT_AUTO_FIELD": "settings-values",
}
