"""One migration file's text becomes a :class:`~migration_lint.model.MigrationFile`.

The file is decoded the way Python decodes source (BOM, PEP 263 coding declaration), parsed
with libcst, and its top-level statements are executed statically by
:class:`~migration_lint.parsing.values.Evaluator`. What Django reads from the module's
``Migration`` class (``dependencies``, ``replaces``, ``run_before``, ``initial``, ``atomic``,
``operations``, inherited through the MRO as Django would see them) is then turned into the
typed model. Everything that cannot be read becomes a :class:`~migration_lint.model.ParseProblem`
(reported as ML009) with a span and a hint; nothing raises.
"""

from __future__ import annotations

import io
import re
import tokenize
import warnings

import libcst as cst

from migration_lint.model import (
    Call,
    Dependency,
    DeployStage,
    ListValue,
    Local,
    MigrationFile,
    Opaque,
    OperationCall,
    ParseProblem,
    Ref,
    Setting,
    SetValue,
    Span,
    Stage,
    Suppressions,
    TupleValue,
    Value,
)
from migration_lint.parsing.functions import analyse_functions
from migration_lint.parsing.suppressions import parse_suppressions
from migration_lint.parsing.values import MISSING, Evaluator, SpanMap, describe, truth

__all__ = ["GRAPH_ATTRIBUTES", "parse_migration"]

#: The attributes that make the migration graph: a file is ``complete`` only if all are known.
GRAPH_ATTRIBUTES = ("dependencies", "replaces", "run_before")
_ATTRIBUTES = (*GRAPH_ATTRIBUTES, "initial", "atomic", "operations")
_MIGRATION_BASE = Ref("django.db.migrations.Migration")
_SWAPPABLE_DEPENDENCY = "django.db.migrations.swappable_dependency"
_DEFAULTS: dict[str, Value] = {
    "dependencies": ListValue(()),
    "replaces": ListValue(()),
    "run_before": ListValue(()),
    "initial": None,
    "atomic": True,
    "operations": ListValue(()),
}
_FILE_START = Span(1, 1, 1, 1)
#: The deploy-stage markers of django-safemigrate and django-syzygy, by their last two names.
_STAGES: dict[str, Stage] = {
    "Safe.before_deploy": "pre-deploy",
    "Safe.after_deploy": "post-deploy",
    "Safe.always": "always",
    "Stage.PRE_DEPLOY": "pre-deploy",
    "Stage.POST_DEPLOY": "post-deploy",
}
_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=]")
_IGNORE = "ignore ML009 for this file"
_IGNORE_HINT = f"or {_IGNORE}"
_DEFINE_HINT = f"define `class Migration(migrations.Migration)` in the file itself, {_IGNORE_HINT}"


class _Unreadable(Exception):
    """The file cannot be decoded or parsed: ``problem`` says where and why."""

    def __init__(self, problem: ParseProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def parse_migration(
    source: bytes, *, app_label: str, name: str, path: str, module: str | None = None
) -> MigrationFile:
    """Read one migration file without importing it. Never raises.

    ``module`` is the file's dotted module name (``"shop.migrations.0002_price"``) when known;
    it only serves to resolve relative imports (without it, ``from . import helpers`` gives
    paths such as ``".helpers.forwards"``).
    """
    suppressions = Suppressions()
    try:
        text = _decode(source)
        suppressions = parse_suppressions(text)
        evaluator = _evaluate(text, path, module)
        return _MigrationReader(evaluator, app_label, name, path, suppressions, text).read()
    except _Unreadable as unreadable:
        problem = unreadable.problem
    except RecursionError:
        problem = ParseProblem(
            "this file nests expressions too deeply to be read statically",
            _FILE_START,
            f"split the deepest expression, {_IGNORE_HINT}",
        )
    except Exception as error:  # a bug of ours must not stop the run: report it on the file
        problem = ParseProblem(
            f"internal error while reading this file: {error!r}",
            _FILE_START,
            f"please report this as a django-migration-lint bug; {_IGNORE}",
        )
    return MigrationFile(
        app_label=app_label,
        name=name,
        path=path,
        complete=False,
        problems=(problem,),
        suppressions=suppressions,
    )


def _decode(source: bytes) -> str:
    """The text of ``source`` as Python reads it: BOM and PEP 263 declaration honoured."""
    try:
        encoding, first_lines = tokenize.detect_encoding(io.BytesIO(source).readline)
    except SyntaxError as error:
        if "invalid or missing encoding declaration" not in str(error):
            raise _Unreadable(
                ParseProblem(
                    f"cannot decode this file: {error}",
                    _FILE_START,
                    "fix the coding declaration on line 1 or 2 (PEP 263)",
                )
            ) from None
        encoding, first_lines = "utf-8", []  # undecodable first line: find it below
    try:
        return source.decode(encoding)
    except UnicodeDecodeError as error:
        line = source.count(b"\n", 0, error.start) + 1
        line_start = source.rfind(b"\n", 0, error.start) + 1
        column = len(source[line_start : error.start].decode(encoding, errors="replace")) + 1
        byte = source[error.start : error.start + 1]
        if encoding.startswith("utf-8") and not any(_COOKIE.match(x) for x in first_lines):
            message = (
                f"line {line} has non-UTF-8 bytes (starting with {byte!r}) and the file "
                "declares no encoding: Python, and so Django, cannot import it"
            )
            hint = (
                "save the file as UTF-8, or declare its encoding in a `# -*- coding: ... -*-` line"
            )
        else:
            message = f"line {line} is not valid {encoding}: {error.reason} ({byte!r})"
            hint = "fix these bytes, or the coding declaration on line 1 or 2"
        span = Span(line, column, line, column + 1)
        raise _Unreadable(ParseProblem(message, span, hint)) from None


def _check_syntax(text: str, path: str) -> None:
    """Compile the text as the import would (nothing runs): what Python rejects, we report.

    Besides giving CPython's own message and position, this keeps libcst away from input it
    cannot survive: its native parser overflows its stack (a segfault, not an exception) on
    nesting that CPython refuses with "too many nested parentheses" or "too complex".
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences and the like
            compile(text, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        line = getattr(error, "lineno", None) or 1
        column = getattr(error, "offset", None) or 1
        if "null bytes" in str(error) and "\0" in text:  # CPython gives no position for it
            before = text[: text.index("\0")]
            line = before.count("\n") + 1
            column = len(before) - before.rfind("\n")
        message = getattr(error, "msg", None) or str(error) or type(error).__name__
        raise _Unreadable(
            ParseProblem(
                f"Python cannot compile this file: {message}",
                Span(line, column, line, column + 1),
                "Django cannot import it either: fix the syntax",
            )
        ) from None


def _evaluate(text: str, path: str, module: str | None) -> Evaluator:
    """Parse the text and execute its top-level statements statically."""
    _check_syntax(text, path)
    try:
        tree = cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        raise _Unreadable(
            ParseProblem(
                f"libcst cannot parse this file, although Python can: {error.message}",
                Span(error.raw_line, error.raw_column + 1, error.raw_line, error.raw_column + 2),
                f"please report this as a django-migration-lint bug; {_IGNORE}",
            )
        ) from None
    evaluator = Evaluator(tree, SpanMap(tree, text), module_name=module)
    evaluator.run()
    return evaluator


class _MigrationReader:
    """Reads the ``Migration`` class of one evaluated file; collects problems on the way."""

    def __init__(
        self,
        evaluator: Evaluator,
        app_label: str,
        name: str,
        path: str,
        suppressions: Suppressions,
        text: str,
    ) -> None:
        self.evaluator = evaluator
        self.text = text
        self.app_label = app_label
        self.name = name
        self.path = path
        self.suppressions = suppressions
        self.problems: list[ParseProblem] = []
        self.complete = True

    def problem(self, message: str, span: Span, hint: str, *, graph: bool) -> None:
        """Record a problem; ``graph`` ones make the file's edges untrustworthy."""
        self.problems.append(ParseProblem(message, span, hint))
        if graph:
            self.complete = False

    def read(self) -> MigrationFile:
        evaluator = self.evaluator
        migration = evaluator.globals.lookup("Migration")
        attributes: dict[str, _Attribute | None] = dict.fromkeys(_ATTRIBUTES)
        class_span = None
        if migration is MISSING:
            has_class = self._missing_class()
        else:
            has_class = True
            class_span = evaluator.span(evaluator.globals.nodes["Migration"])
            if isinstance(migration, Local) and migration in evaluator.classes:
                class_span = migration.span
                attributes = self._class_attributes(migration)
            else:
                self._unreadable_class(migration, class_span)
        initial = self._flag("initial", attributes["initial"])
        atomic = self._flag("atomic", attributes["atomic"])
        stage = self._stage(migration) if isinstance(migration, Local) else None
        return MigrationFile(
            app_label=self.app_label,
            name=self.name,
            path=self.path,
            dependencies=self._dependencies("dependencies", attributes["dependencies"]),
            replaces=self._dependencies("replaces", attributes["replaces"]),
            run_before=self._dependencies("run_before", attributes["run_before"]),
            initial=initial,
            atomic=True if atomic is None else atomic,
            operations=self._operations(attributes["operations"]),
            class_span=class_span,
            has_migration_class=has_class,
            complete=self.complete,
            problems=tuple(self.problems),
            suppressions=self.suppressions,
            stage=stage,
            functions=analyse_functions(self.text) if "RunPython" in self.text else (),
        )

    # -- the class ------------------------------------------------------------------------

    def _missing_class(self) -> bool:
        """No ``Migration`` is bound: Django's loader raises BadMigrationError for this file."""
        stars = self.evaluator.star_imports
        if stars:
            modules = ", ".join(f"`{module}`" for module in stars)
            self.problem(
                f"`Migration` is not defined here; it may come from `import *` of {modules}",
                _FILE_START,
                _DEFINE_HINT,
                graph=True,
            )
            return True
        self.problem(
            f"Migration {self.name} in app {self.app_label} has no Migration class",
            _FILE_START,
            "define `class Migration(migrations.Migration)` at the top level of the file, or "
            "move the file out of the migrations package (Django loads every module there)",
            graph=False,
        )
        return False

    def _unreadable_class(self, migration: Value, span: Span) -> None:
        """``Migration`` is bound to something other than a class of this file."""
        if isinstance(migration, Ref):
            what = f"is imported from `{migration.path}`"
        elif isinstance(migration, Opaque):
            what = f"cannot be evaluated ({migration.reason})"
        else:
            what = f"is {describe(migration)}, not a class defined in this file"
        self.problem(
            f"`Migration` {what}, so its dependencies and operations cannot be read",
            span,
            _DEFINE_HINT,
            graph=True,
        )

    def _class_attributes(self, migration: Local) -> dict[str, _Attribute | None]:
        """What Django reads from the class, through its MRO, each with where it is set.

        An attribute decided by a base class we cannot read is ``None`` (and reported once
        per such base); one no class sets has Django's default.
        """
        evaluator = self.evaluator
        attributes: dict[str, _Attribute | None] = {}
        inherited: dict[Value, tuple[list[str], Span]] = {}
        no_django_base = False
        for attribute in _ATTRIBUTES:
            found = evaluator.lookup_attribute(migration, attribute)
            if found is not None and found.value is not MISSING:
                attributes[attribute] = (found.value, evaluator.span(found.node))
            elif found is not None and found.owner != _MIGRATION_BASE:
                unknown = inherited.setdefault(found.owner, ([], evaluator.span(found.node)))
                unknown[0].append(attribute)
                attributes[attribute] = None
            else:
                no_django_base = no_django_base or found is None
                attributes[attribute] = (_DEFAULTS[attribute], migration.span)
        for owner, (names, span) in inherited.items():
            listed = ", ".join(f"`{name}`" for name in names)
            self.problem(
                f"`Migration` inherits {listed} from {describe(owner)}, which cannot be read here",
                span,
                f"set {listed} in the class itself, {_IGNORE_HINT}",
                graph=any(name in GRAPH_ATTRIBUTES for name in names),
            )
        if no_django_base:
            self.problem(
                "`Migration` does not inherit from django.db.migrations.Migration, "
                "so Django cannot instantiate it",
                migration.span,
                "derive the class from `migrations.Migration`",
                graph=False,
            )
        return attributes

    # -- the attributes -------------------------------------------------------------------

    def _items(self, attribute: str, found: _Attribute) -> list[tuple[Value, Span]]:
        """The entries of a list attribute, each with its span (none if it cannot be read)."""
        value, span = found
        graph = attribute in GRAPH_ATTRIBUTES
        if isinstance(value, Opaque):
            self.problem(
                f"`{attribute}` cannot be evaluated: {value.reason}",
                value.span,
                f"write `{attribute}` as a literal list in the Migration class, {_IGNORE_HINT}",
                graph=graph,
            )
            return []
        if not isinstance(value, ListValue | TupleValue | SetValue):
            if isinstance(value, Call):
                message = f"is the result of {describe(value)}, which is not evaluated"
            else:
                message = f"must be a list, not {describe(value)}"
            self.problem(
                f"`{attribute}` {message}",
                self.evaluator.span_of(value, span),
                f"write `{attribute}` as a literal list in the Migration class, {_IGNORE_HINT}",
                graph=graph,
            )
            return []
        span = self.evaluator.span_of(value, span)
        return [(item, self.evaluator.span_of(item, span)) for item in value.items]

    def _dependencies(self, attribute: str, found: _Attribute | None) -> tuple[Dependency, ...]:
        """``dependencies`` / ``replaces`` / ``run_before`` as (app_label, name) pairs."""
        if found is None:
            return ()
        dependencies = []
        for item, span in self._items(attribute, found):
            dependency = _dependency(item, span)
            if isinstance(dependency, Dependency):
                dependencies.append(dependency)
                continue
            source = item.source if isinstance(item, Opaque) else self.evaluator.source(span)
            self.problem(
                f"`{attribute}` entry `{source}` {dependency}",
                span,
                'write it as a tuple of two strings, such as ("shop", "0001_initial"), '
                + _IGNORE_HINT,
                graph=True,
            )
        return tuple(dependencies)

    def _stage(self, migration: Local) -> DeployStage | None:
        """``safe = Safe.after_deploy()`` (django-safemigrate) or ``stage = Stage.POST_DEPLOY``
        (django-syzygy), set in the class itself; ``None`` when neither is."""
        for attribute in ("safe", "stage"):
            found = self.evaluator.lookup_attribute(migration, attribute)
            if found is None or found.value is MISSING:
                continue
            value = found.value
            path = (
                value.func
                if isinstance(value, Call)
                else value.path
                if isinstance(value, Ref)
                else ""
            )
            stage = _STAGES.get(".".join(path.rsplit(".", 2)[-2:]))
            if stage is not None:
                span = self.evaluator.span(found.node)
                return DeployStage(stage, span, self.evaluator.source(span))
        return None

    def _flag(self, attribute: str, found: _Attribute | None) -> bool | None:
        """``initial`` / ``atomic``: Django only tests their truth (``None`` kept for initial)."""
        if found is None or found[0] is None:
            return None
        value, span = found
        decided = truth(value)
        if decided is None:
            reason = value.reason if isinstance(value, Opaque) else f"it is {describe(value)}"
            self.problem(
                f"the truth of `{attribute}` is not known: {reason}",
                self.evaluator.span_of(value, span),
                f"set `{attribute} = True` or `False` in the Migration class, {_IGNORE_HINT}",
                graph=False,
            )
        return decided

    def _operations(self, found: _Attribute | None) -> tuple[OperationCall, ...]:
        """Each entry of ``operations`` as the call that builds it."""
        if found is None:
            return ()
        operations = []
        for item, span in self._items("operations", found):
            if isinstance(item, Call):
                operations.append(OperationCall(item.func, item.args, item.kwargs, item.span))
                continue
            if isinstance(item, Opaque):
                raw, reason = item, item.reason
            else:
                reason = f"it is {describe(item)}, not a call of an operation class"
                raw = Opaque(self.evaluator.source(span), span, reason)
            operations.append(OperationCall("", (), (), span, raw=raw))
            self.problem(
                f"operation `{raw.source}` cannot be read: {reason}",
                span,
                f"checks skip this operation; write it as a call such as "
                f"`migrations.AddField(...)`, {_IGNORE_HINT}",
                graph=False,
            )
        return tuple(operations)


_Attribute = tuple[Value, Span]


def _dependency(item: Value, span: Span) -> Dependency | str:
    """One graph entry as a Dependency, or why it is not one (the end of a message)."""
    if isinstance(item, Call) and item.func == _SWAPPABLE_DEPENDENCY:
        arguments = (*item.args, *(value for key, value in item.kwargs if key == "value"))
        if len(arguments) != 1 or len(item.args) + len(item.kwargs) != 1:
            return "does not call `swappable_dependency(value)` with one argument"
        value = arguments[0]
        if isinstance(value, Setting):
            return Dependency("", "__first__", span, swappable=value.name)
        if isinstance(value, str):
            return Dependency(value.split(".", 1)[0], "__first__", span)
        if isinstance(value, Opaque):
            return f"names a model that cannot be evaluated: {value.reason}"
        return f"names the model {describe(value)}, which is not a setting or a string"
    if isinstance(item, Opaque):
        return f"cannot be evaluated: {item.reason}"
    if (
        isinstance(item, TupleValue)
        and len(item.items) == 2
        and isinstance(item.items[0], str)
        and isinstance(item.items[1], str)
    ):
        return Dependency(item.items[0], item.items[1], span)
    return f"is {describe(item)}, not an (app_label, migration_name) tuple of strings"
