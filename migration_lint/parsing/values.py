"""The static evaluator: libcst expressions of one module become :mod:`migration_lint.model` values.

Nothing here imports or runs the code it reads. :class:`Evaluator` executes a module's top-level
statements the way Python would, but only as far as they can be known from the text: imports bind
dotted :class:`~migration_lint.model.Ref` paths, ``NAME = expr`` binds the evaluated value (in
order, so a later assignment wins), ``def`` / ``class`` bind :class:`~migration_lint.model.Local`
values, and class bodies are executed when their ``class`` statement is reached (their namespaces
are kept in :attr:`Evaluator.classes` for attribute look-ups through the MRO). Whatever cannot be
known (a call of an unknown function, a name bound inside ``try``, a list that a later statement may
mutate) becomes :class:`~migration_lint.model.Opaque` with its source text, span and the reason,
so that later stages can say so instead of guessing.

:class:`SpanMap` computes the source positions the values carry.
"""

from __future__ import annotations

import ast
import builtins
import enum
import re
import warnings
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias, TypeGuard

import libcst as cst
from libcst._nodes.internal import CodegenState

from migration_lint.model import (
    Call,
    DictValue,
    ListValue,
    Local,
    Opaque,
    Ref,
    Setting,
    SetValue,
    Span,
    TupleValue,
    Value,
)

__all__ = [
    "MISSING",
    "ClassAttribute",
    "ClassInfo",
    "Evaluator",
    "Scope",
    "SpanMap",
    "describe",
    "normalise_path",
    "truth",
]

_NEWLINE = re.compile(r"\r\n?|\n")

# ---------------------------------------------------------------------------------------------
# Source positions


class _SpanRecorder(CodegenState):
    """libcst's own code generation, keeping the position of every node instead of the text.

    ``MetadataWrapper(...).resolve(PositionProvider)`` costs more than the parse itself (it
    walks the tree a second time with an empty batched visitor, then records two dataclasses
    per node through a generator-based context manager). Replaying code generation once with
    this lean state gives the same positions (``tests/test_parsing.py`` checks them against
    ``PositionProvider``) about six times faster.
    """

    __slots__ = ("_starts", "column", "line", "ranges")

    def __init__(self, module: cst.Module) -> None:
        super().__init__(
            default_indent=module.default_indent, default_newline=module.default_newline
        )
        self.line = 1
        self.column = 0
        self._starts: list[tuple[int, int]] = []
        self.ranges: dict[cst.CSTNode, tuple[int, int, int, int]] = {}

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.column += len(token)

    def add_token(self, value: str) -> None:
        if "\n" in value or "\r" in value:
            pieces = _NEWLINE.split(value)
            self.line += len(pieces) - 1
            self.column = len(pieces[-1])
        else:
            self.column += len(value)

    def before_codegen(self, node: cst.CSTNode) -> None:
        self._starts.append((self.line, self.column))

    def after_codegen(self, node: cst.CSTNode) -> None:
        line, column = self._starts.pop()
        if node not in self.ranges:  # a syntactic position was recorded first: keep it
            self.ranges[node] = (line, column, self.line, self.column)

    def record_syntactic_position(  # type: ignore[override]
        self,
        node: cst.CSTNode,
        *,
        start_node: cst.CSTNode | None = None,
        end_node: cst.CSTNode | None = None,
    ) -> AbstractContextManager[None]:
        # Expressions keep their whole generated range, parentheses included: a reader points
        # at ``("app", "0001")``, not at ``"app", "0001"``. Statements start at their keyword.
        if isinstance(node, cst.BaseExpression):
            return _NO_RECORD
        return _SyntacticPosition(self, node, start_node, end_node)


_NO_RECORD: AbstractContextManager[None] = nullcontext()


class _SyntacticPosition:
    """The range of a statement without its leading blank lines, comments and indentation."""

    __slots__ = ("_end_node", "_node", "_start", "_start_node", "_state")

    def __init__(
        self,
        state: _SpanRecorder,
        node: cst.CSTNode,
        start_node: cst.CSTNode | None,
        end_node: cst.CSTNode | None,
    ) -> None:
        self._state = state
        self._node = node
        self._start_node = start_node
        self._end_node = end_node
        self._start = (state.line, state.column)

    def __enter__(self) -> None:
        pass  # the start was taken when the statement asked for this recorder

    def __exit__(self, *exc_info: object) -> None:
        ranges = self._state.ranges
        start = self._start if self._start_node is None else ranges[self._start_node][:2]
        if self._end_node is None:
            end = (self._state.line, self._state.column)
        else:
            end = ranges[self._end_node][2:]
        ranges[self._node] = (*start, *end)


class SpanMap:
    """The :class:`~migration_lint.model.Span` of any node of one module, and source by span."""

    def __init__(self, module: cst.Module, text: str) -> None:
        recorder = _SpanRecorder(module)
        module._codegen(recorder)
        self._ranges = recorder.ranges
        self._text = text
        self._lines: list[tuple[int, int]] | None = None  # (start, end) offsets without newline

    def _line_offsets(self) -> list[tuple[int, int]]:
        if self._lines is None:
            lines, start = [], 0
            for newline in _NEWLINE.finditer(self._text):
                lines.append((start, newline.start()))
                start = newline.end()
            lines.append((start, len(self._text)))
            self._lines = lines
        return self._lines

    def span(self, node: cst.CSTNode) -> Span:
        """Where ``node`` is: 1-based lines and columns, the end column exclusive.

        A range that ends at the start of a line (a block ends after its last newline) is
        moved to the end of the previous line, so that it covers only lines it has text on.
        """
        line, column, end_line, end_column = self._ranges[node]
        if end_column == 0 and end_line > line:
            end_line -= 1
            start, end = self._line_offsets()[end_line - 1]
            end_column = end - start
        return Span(line, column + 1, end_line, end_column + 1)

    def source(self, span: Span) -> str:
        """The text between the two ends of ``span``."""
        lines = self._line_offsets()
        start = lines[span.line - 1][0] + span.column - 1
        end = lines[span.end_line - 1][0] + span.end_column - 1
        return self._text[start:end]


# ---------------------------------------------------------------------------------------------
# Paths

_MIGRATIONS = "django.db.migrations."
#: What ``django.db.migrations.operations`` exports (its ``__all__``, Django 3.2 to 6.1).
_OPERATIONS = frozenset(
    {
        "AddConstraint",
        "AddField",
        "AddIndex",
        "AlterConstraint",
        "AlterField",
        "AlterIndexTogether",
        "AlterModelManagers",
        "AlterModelOptions",
        "AlterModelTable",
        "AlterModelTableComment",
        "AlterOrderWithRespectTo",
        "AlterUniqueTogether",
        "CreateModel",
        "DeleteModel",
        "RemoveConstraint",
        "RemoveField",
        "RemoveIndex",
        "RenameField",
        "RenameIndex",
        "RenameModel",
        "RunPython",
        "RunSQL",
        "SeparateDatabaseAndState",
    }
)
_OPERATION_MODULES = frozenset({"base", "fields", "models", "special"})
#: What ``django.db.migrations.migration`` contributes to ``django.db.migrations``.
_MIGRATION_NAMES = frozenset({"Migration", "swappable_dependency"})
_EXPORTED = _OPERATIONS | _MIGRATION_NAMES


def normalise_path(path: str) -> str:
    """The dotted path under which checks know Django's own migration classes.

    ``migrations.operations.AddField``, ``django.db.migrations.operations.fields.AddField`` ...
    all become ``django.db.migrations.AddField`` (and ``...RunPython.noop`` keeps its tail);
    ``django.db.migrations.migration.Migration`` becomes ``django.db.migrations.Migration``.
    Anything else (fields, ``django.contrib.postgres.operations``) is kept as written.
    """
    if not path.startswith(_MIGRATIONS):
        return path
    parts = path[len(_MIGRATIONS) :].split(".")
    known = _EXPORTED
    if parts[0] == "operations":
        parts = parts[1:]
        if parts and parts[0] in _OPERATION_MODULES:
            parts = parts[1:]
        known = _OPERATIONS
    elif parts[0] == "migration":
        parts = parts[1:]
        known = _MIGRATION_NAMES
    if parts and parts[0] in known:
        return _MIGRATIONS + ".".join(parts)
    return path


# ---------------------------------------------------------------------------------------------
# Scopes and classes


class _Missing(enum.Enum):
    MISSING = enum.auto()


#: A name that is not bound, or a class attribute no readable class sets.
MISSING = _Missing.MISSING
Lookup: TypeAlias = "Value | Literal[_Missing.MISSING]"


class Scope:
    """The names of one namespace (module, class body, comprehension) and where each was bound.

    ``parent`` is the namespace looked in next. Class bodies are skipped by the scopes nested in
    them (a comprehension or a nested class body sees module names, not the class's), as in
    Python; :meth:`enclosing` gives the scope such nested scopes hang from.
    """

    __slots__ = ("is_class", "names", "nodes", "parent")

    def __init__(self, parent: Scope | None = None, *, is_class: bool = False) -> None:
        self.names: dict[str, Value] = {}
        self.nodes: dict[str, cst.CSTNode] = {}
        self.parent = parent
        self.is_class = is_class

    def bind(self, name: str, value: Value, node: cst.CSTNode) -> None:
        self.names[name] = value
        self.nodes[name] = node

    def owner(self, name: str) -> Scope | None:
        """The scope ``name`` is found in, looking outwards."""
        scope: Scope | None = self
        while scope is not None:
            if name in scope.names:
                return scope
            scope = scope.parent
        return None

    def lookup(self, name: str) -> Lookup:
        owner = self.owner(name)
        return MISSING if owner is None else owner.names[name]

    def enclosing(self) -> Scope:
        """The scope a comprehension or class body defined here looks names up in next."""
        if self.is_class and self.parent is not None:
            return self.parent
        return self


@dataclass
class ClassInfo:
    """A class defined in the file: its statement, bases (value and expression) and namespace.

    ``modified`` says why the namespace cannot be trusted any more (a later statement may change
    the class), or is ``None``.
    """

    node: cst.ClassDef
    bases: tuple[tuple[Value, cst.BaseExpression], ...]
    namespace: Scope
    modified: str | None = None


@dataclass(frozen=True)
class ClassAttribute:
    """Where the MRO of a class decides an attribute.

    ``owner`` is the first class of the MRO that decides it: a class of this file that sets it
    (``value`` and the binding statement ``node``), or a base we cannot read (``value`` is
    :data:`MISSING`, ``node`` is that base's expression in a ``class`` statement).
    """

    owner: Value
    value: Lookup
    node: cst.CSTNode


# ---------------------------------------------------------------------------------------------
# Values


class _Unknown(Exception):
    """Raised inside the evaluator when an expression cannot be known; becomes ``Opaque``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_SCALARS = (str, bytes, int, float, complex, bool, type(None))
_MUTABLE = (ListValue, DictValue, SetValue)
#: Values that carry no span of their own: the evaluator remembers where they were made.
_TRACKED = frozenset({TupleValue, ListValue, SetValue, DictValue, Ref, Setting})
#: Names whose value is known without importing their module.
_FALSE_AT_RUNTIME = (Ref("typing.TYPE_CHECKING"), Ref("typing_extensions.TYPE_CHECKING"))
#: Bound on the items a comprehension may visit before it is given up as opaque.
_MAX_ITERATIONS = 100_000


def describe(value: Value) -> str:
    """A short phrase naming ``value`` in a message."""
    if isinstance(value, Ref):
        return f"`{value.path}`"
    if isinstance(value, Local):
        return f"the {value.kind} `{value.name}` defined in this file"
    if isinstance(value, Setting):
        return f"`settings.{value.name}`"
    if isinstance(value, Opaque):
        return f"`{value.source}`"
    if isinstance(value, Call):
        return f"a call of `{value.func}`"
    if isinstance(value, TupleValue | ListValue | SetValue | DictValue):
        return f"a {type(value).__name__.removesuffix('Value').lower()}"
    return repr(value)


def truth(value: Value) -> bool | None:
    """``bool(value)`` when it is known without running anything, else ``None``."""
    if value in _FALSE_AT_RUNTIME:
        return False
    if isinstance(value, _SCALARS):
        return bool(value)
    if isinstance(value, TupleValue | ListValue | SetValue | DictValue):
        return bool(value.items)
    if isinstance(value, Local):
        return True
    return None


def _known(value: Value) -> Value:
    """``value`` itself, unless it is opaque (then the enclosing expression is opaque too)."""
    if isinstance(value, Opaque):
        raise _Unknown(value.reason)
    return value


def _python(value: Value) -> object:
    """The Python object a value of literals stands for; raises ``_Unknown`` for anything else."""
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, TupleValue):
        return tuple(_python(item) for item in value.items)
    if isinstance(value, ListValue):
        return [_python(item) for item in value.items]
    try:
        if isinstance(value, DictValue):
            return {_python(key): _python(item) for key, item in value.items}
        if isinstance(value, SetValue):
            return {_python(item) for item in value.items}
    except TypeError as error:  # an unhashable key or item
        raise _Unknown(str(error)) from None
    raise _Unknown(f"{describe(_known(value))} is not a literal")


def _hash_key(value: Value) -> object:
    """What decides whether two set items or dict keys are the same, as Python would."""
    if isinstance(value, _MUTABLE):
        raise _Unknown(f"{describe(value)} is unhashable")
    try:
        key = _python(value)
    except _Unknown:
        return value  # equal values of ours stand for the same object (a Ref) or never meet
    try:
        hash(key)
    except TypeError:
        raise _Unknown(f"{describe(value)} is unhashable") from None
    return key


def _add(left: Value, right: Value) -> Value:
    """``left + right``: concatenation of sequences and strings, addition of numbers."""
    left, right = _known(left), _known(right)
    if isinstance(left, ListValue) and isinstance(right, ListValue):
        return ListValue(left.items + right.items)
    if isinstance(left, TupleValue) and isinstance(right, TupleValue):
        return TupleValue(left.items + right.items)
    if isinstance(left, _SCALARS) and isinstance(right, _SCALARS):
        try:
            return left + right  # type: ignore[operator]
        except TypeError:
            pass
    raise _Unknown(f"cannot add {describe(left)} and {describe(right)}")


def _string_text(raw: str, prefix: str, quote: str) -> str | bytes:
    """The value of the text of a string literal (``raw``: between the quotes).

    Text without escapes is its own value; the rest goes through ``ast.literal_eval`` (which
    reads escapes exactly as the compiler does), without its invalid-escape warnings.
    """
    if "\r" in raw:
        raw = _NEWLINE.sub("\n", raw)  # newlines inside literals are read as "\n"
    if "r" in prefix or "\\" not in raw:
        if "b" not in prefix:
            return raw
        if not raw.isascii():
            raise _Unknown("bytes literals can only contain ASCII characters")
        return raw.encode("ascii")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = ast.literal_eval(prefix + quote + raw + quote)
    except (SyntaxError, ValueError) as error:  # only f-string pieces can get here
        raise _Unknown(f"cannot read the string: {error}") from None
    assert isinstance(value, str | bytes)
    return value


def _dotted(node: cst.BaseExpression) -> str:
    """``a.b.c`` for the module expression of an import."""
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    assert isinstance(node, cst.Name)
    return node.value


def _params(parameters: cst.Parameters) -> tuple[str, ...]:
    """A signature as its parameter names in order, spelt as in the source.

    ``/`` and a bare ``*`` are kept, ``*args`` and ``**kwargs`` keep their stars, and a
    parameter with a default ends in ``=`` (``("apps", "schema_editor", "using=")``): enough to
    tell how the function can be called, without the default values.
    """

    def spelt(param: cst.Param, stars: str = "") -> str:
        return stars + param.name.value + ("=" if param.default is not None else "")

    names = [spelt(param) for param in parameters.posonly_params]
    if names:
        names.append("/")
    names.extend(spelt(param) for param in parameters.params)
    if isinstance(parameters.star_arg, cst.Param):
        names.append(spelt(parameters.star_arg, "*"))
    elif isinstance(parameters.star_arg, cst.ParamStar):
        names.append("*")
    names.extend(spelt(param) for param in parameters.kwonly_params)
    if parameters.star_kwarg is not None:
        names.append(spelt(parameters.star_kwarg, "**"))
    return tuple(names)


class _Names(cst.CSTVisitor):
    """The names a statement may bind, and the names it mentions (and so may mutate)."""

    def __init__(self) -> None:
        self.bound: set[str] = set()
        self.mentioned: set[str] = set()

    def add_target(self, node: cst.BaseExpression) -> None:
        """Count the names an assignment to ``node`` binds."""
        if isinstance(node, cst.Name):
            self.bound.add(node.value)
        elif isinstance(node, cst.Tuple | cst.List):
            for element in node.elements:
                self.add_target(element.value)
        elif isinstance(node, cst.StarredElement):
            self.add_target(node.value)
        # attribute and subscript targets mutate an object: their names are "mentioned"

    def visit_Name(self, node: cst.Name) -> None:
        self.mentioned.add(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self.add_target(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self.add_target(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self.add_target(node.target)

    def visit_For(self, node: cst.For) -> None:
        self.add_target(node.target)

    def visit_Del(self, node: cst.Del) -> None:
        self.add_target(node.target)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self.add_target(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self.add_target(node.name)  # `with ... as x`, `except ... as x`, `import a as x`

    def visit_ImportAlias(self, node: cst.ImportAlias) -> bool:
        if node.asname is None:
            self.bound.add(node.evaluated_name.split(".")[0])
        return True

    def visit_MatchAs(self, node: cst.MatchAs) -> None:
        if node.name is not None:
            self.bound.add(node.name.value)

    def visit_MatchStar(self, node: cst.MatchStar) -> None:
        if node.name is not None:
            self.bound.add(node.name.value)

    def visit_MatchMapping(self, node: cst.MatchMapping) -> None:
        if node.rest is not None:
            self.bound.add(node.rest.value)

    def visit_TypeAlias(self, node: cst.TypeAlias) -> None:
        self.bound.add(node.name.value)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.bound.add(node.name.value)
        return False  # the body runs later, if ever

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self.bound.add(node.name.value)
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False


Handler: TypeAlias = Callable[["Evaluator", Any, Scope], Value]


#: Builtin constructors evaluated over known values (unless the file rebinds the name).
_CONTAINER_BUILTINS = frozenset({"set", "frozenset", "tuple", "list", "dict"})


class Evaluator:
    """Evaluates the expressions of one module, knowing what its top-level statements bound.

    Call :meth:`run` once to execute the module's top-level statements in order; then
    :attr:`globals` holds what the module binds at the end of its import, :attr:`classes` the
    namespaces of the classes it defines, and :meth:`evaluate` evaluates further expressions.
    ``module_name`` (``"shop.migrations.0002_price"``) resolves relative imports; without it
    ``from . import helpers`` binds ``Ref(".helpers")``.
    """

    def __init__(self, module: cst.Module, spans: SpanMap, *, module_name: str | None = None):
        self.module = module
        self.spans = spans
        self.module_name = module_name
        self.globals = Scope()
        self.classes: dict[Local, ClassInfo] = {}
        #: Modules imported with ``*`` (any unbound name may come from them).
        self.star_imports: list[str] = []
        self._origins: dict[int, tuple[Value, cst.CSTNode]] = {}

    # -- positions ------------------------------------------------------------------------

    def span(self, node: cst.CSTNode) -> Span:
        return self.spans.span(node)

    def source(self, span: Span) -> str:
        return self.spans.source(span)

    def span_of(self, value: Value, default: Span) -> Span:
        """Where ``value`` was written, or ``default`` when it cannot say (a plain literal)."""
        if isinstance(value, Call | Opaque | Local):
            return value.span
        origin = self._origins.get(id(value))
        if origin is not None and origin[0] is value:
            return self.span(origin[1])
        return default

    def opaque(self, node: cst.CSTNode, reason: str) -> Opaque:
        span = self.span(node)
        return Opaque(self.source(span), span, reason)

    # -- statements -----------------------------------------------------------------------

    def run(self) -> None:
        """Execute the module's top-level statements, in order."""
        for statement in self.module.body:
            self.execute(statement, self.globals)

    def execute(self, statement: cst.BaseStatement, scope: Scope) -> None:
        """Record what ``statement`` binds in ``scope`` (as far as it can be known)."""
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                self._execute_small(small, scope)
        elif isinstance(statement, cst.FunctionDef):
            self._define_function(statement, scope)
        elif isinstance(statement, cst.ClassDef):
            self._define_class(statement, scope)
        elif isinstance(statement, cst.If):
            self._execute_if(statement, scope)
        else:
            keyword = type(statement).__name__.lower()
            self._execute_unknown(statement, scope, f"bound inside a `{keyword}` statement")

    def _execute_suite(self, suite: cst.BaseSuite, scope: Scope) -> None:
        if isinstance(suite, cst.IndentedBlock):
            for statement in suite.body:
                self.execute(statement, scope)
        else:
            assert isinstance(suite, cst.SimpleStatementSuite)
            for small in suite.body:
                self._execute_small(small, scope)

    def _execute_small(self, small: cst.BaseSmallStatement, scope: Scope) -> None:
        if isinstance(small, cst.Assign):
            value = self.evaluate(small.value, scope)
            for target in small.targets:
                self._assign(target.target, value, scope, small)
        elif isinstance(small, cst.AnnAssign):
            if small.value is not None:
                self._assign(small.target, self.evaluate(small.value, scope), scope, small)
        elif isinstance(small, cst.AugAssign):
            self._augmented_assign(small, scope)
        elif isinstance(small, cst.Import):
            for alias in small.names:
                path = alias.evaluated_name
                if alias.evaluated_alias is None:
                    top = path.split(".")[0]
                    scope.bind(top, Ref(top), small)
                else:
                    scope.bind(alias.evaluated_alias, Ref(normalise_path(path)), small)
        elif isinstance(small, cst.ImportFrom):
            self._import_from(small, scope)
        elif isinstance(small, cst.Pass) or (
            isinstance(small, cst.Expr)
            and isinstance(small.value, cst.SimpleString | cst.ConcatenatedString)
        ):
            pass  # binds and changes nothing
        else:
            line = self.span(small).line
            self._execute_unknown(small, scope, f"changed by the statement on line {line}")

    def _import_from(self, node: cst.ImportFrom, scope: Scope) -> None:
        module = "" if node.module is None else _dotted(node.module)
        level = len(node.relative)
        if level:
            package = None if self.module_name is None else self.module_name.split(".")[:-1]
            if package is not None and level - 1 < len(package):
                base = ".".join(package[: len(package) - (level - 1)])
                module = f"{base}.{module}" if module else base
            else:
                module = "." * level + module
        if isinstance(node.names, cst.ImportStar):
            self.star_imports.append(module)
            return
        prefix = module if module.endswith(".") else module + "."
        for alias in node.names:
            name = alias.evaluated_alias or alias.evaluated_name
            scope.bind(name, Ref(normalise_path(prefix + alias.evaluated_name)), node)

    def _assign(
        self, target: cst.BaseExpression, value: Value, scope: Scope, node: cst.CSTNode
    ) -> None:
        if isinstance(target, cst.Name):
            scope.bind(target.value, value, node)
        elif isinstance(target, cst.Tuple | cst.List):
            elements = target.elements
            if (
                isinstance(value, TupleValue | ListValue)
                and len(value.items) == len(elements)
                and not any(isinstance(element, cst.StarredElement) for element in elements)
            ):
                for element, item in zip(elements, value.items, strict=True):
                    self._assign(element.value, item, scope, node)
            else:
                names = _Names()
                names.add_target(target)
                for name in names.bound:
                    reason = f"unpacking {describe(value)} is not evaluated"
                    scope.bind(name, self.opaque(node, reason), node)
        else:
            line = self.span(node).line
            self._execute_unknown(target, scope, f"changed by the statement on line {line}")

    def _augmented_assign(self, node: cst.AugAssign, scope: Scope) -> None:
        if not isinstance(node.target, cst.Name):
            line = self.span(node).line
            self._execute_unknown(node, scope, f"changed by the statement on line {line}")
            return
        name = node.target.value
        try:
            if not isinstance(node.operator, cst.AddAssign):
                raise _Unknown(f"{type(node.operator).__name__} is not evaluated")
            current = scope.lookup(name)
            if current is MISSING:
                raise _Unknown(f"`{name}` is not defined before `+=`")
            value: Value = _add(current, self.evaluate(node.value, scope))
        except _Unknown as unknown:
            value = self.opaque(node, unknown.reason)
        scope.bind(name, value, node)

    def _execute_if(self, node: cst.If, scope: Scope) -> None:
        decided = truth(self.evaluate(node.test, scope))
        if decided is None:
            source = self.source(self.span(node.test))
            if len(source) > 60 or "\n" in source:
                source = "..."
            reason = f"bound inside `if {source}:`, whose outcome is not known statically"
            self._execute_unknown(node, scope, reason)
        elif decided:
            self._execute_suite(node.body, scope)
        elif isinstance(node.orelse, cst.If):
            self._execute_if(node.orelse, scope)
        elif isinstance(node.orelse, cst.Else):
            self._execute_suite(node.orelse.body, scope)

    def _execute_unknown(self, node: cst.CSTNode, scope: Scope, reason: str) -> None:
        """A statement we do not evaluate: what it binds, and what it may mutate, is unknown."""
        names = _Names()
        node.visit(names)
        for name in names.bound:
            scope.bind(name, self.opaque(node, reason), node)
        line = self.span(node).line
        for name in names.mentioned - names.bound:
            owner = scope.owner(name)
            if owner is None:
                continue
            value = owner.names[name]
            mutation = f"may be modified by the statement on line {line}"
            if isinstance(value, _MUTABLE):
                owner.bind(name, self.opaque(node, mutation), node)
            elif isinstance(value, Local) and value in self.classes:
                self.classes[value].modified = mutation

    def _define_function(self, node: cst.FunctionDef, scope: Scope) -> None:
        name = node.name.value
        if node.decorators:
            value: Value = self.opaque(node, f"`{name}` is what its decorator returns")
        else:
            docstring = node.get_docstring(clean=False)
            value = Local(name, "function", docstring, self.span(node), _params(node.params))
        scope.bind(name, value, node)

    def _define_class(self, node: cst.ClassDef, scope: Scope) -> None:
        name = node.name.value
        if node.decorators or node.keywords or any(base.star for base in node.bases):
            reason = f"class `{name}` uses decorators, keywords or unpacked bases"
            scope.bind(name, self.opaque(node, reason), node)
            return
        local = Local(name, "class", node.get_docstring(clean=False), self.span(node))
        bases = tuple((self.evaluate(base.value, scope), base.value) for base in node.bases)
        namespace = Scope(scope.enclosing(), is_class=True)
        self.classes[local] = ClassInfo(node, bases, namespace)
        self._execute_suite(node.body, namespace)
        scope.bind(name, local, node)

    # -- classes --------------------------------------------------------------------------

    def mro(self, local: Local) -> list[Value]:
        """The method resolution order of a class of this file (C3, as Python computes it).

        Bases that are not classes of this file are kept as leaves: what they inherit is
        unknown, and look-ups stop at them.
        """
        info = self.classes[local]
        sequences = [self.mro(base) if self._is_class(base) else [base] for base, _ in info.bases]
        sequences.append([base for base, _ in info.bases])
        order: list[Value] = [local]
        while any(sequences):
            sequences = [sequence for sequence in sequences if sequence]
            for sequence in sequences:
                head = sequence[0]
                if not any(head in other[1:] for other in sequences):
                    break
            else:
                raise _Unknown(f"the bases of class `{local.name}` have no consistent order")
            order.append(head)
            for sequence in sequences:
                if sequence[0] == head:
                    del sequence[0]
        return order

    def _is_class(self, value: Value) -> TypeGuard[Local]:
        return isinstance(value, Local) and value in self.classes

    def lookup_attribute(self, local: Local, name: str) -> ClassAttribute | None:
        """Which class of ``local``'s MRO decides ``local.<name>``; ``None`` if none sets it.

        Raises nothing: a class whose MRO cannot be computed, or that a later statement may
        modify, decides every attribute with an opaque value.
        """
        try:
            order = self.mro(local)
        except _Unknown as unknown:
            node = self.classes[local].node
            return ClassAttribute(local, self.opaque(node, unknown.reason), node)
        for entry in order:
            if not self._is_class(entry):
                return ClassAttribute(entry, MISSING, self._base_node(order, entry))
            owner = self.classes[entry]
            if owner.modified is not None:
                return ClassAttribute(entry, self.opaque(owner.node, owner.modified), owner.node)
            namespace = owner.namespace
            if name in namespace.names:
                return ClassAttribute(entry, namespace.names[name], namespace.nodes[name])
        return None

    def _base_node(self, order: list[Value], base: Value) -> cst.BaseExpression:
        """The expression naming ``base`` in the ``class`` statement of one of ``order``."""
        for entry in order:
            if self._is_class(entry):
                for value, node in self.classes[entry].bases:
                    if value == base:
                        return node
        raise AssertionError(f"{base!r} is not a base of {order!r}")

    # -- expressions ----------------------------------------------------------------------

    def evaluate(self, node: cst.BaseExpression, scope: Scope | None = None) -> Value:
        """The value of ``node`` in ``scope`` (default: the module's names); never raises."""
        handler = _HANDLERS.get(type(node))
        try:
            if handler is None:
                raise _Unknown(f"{type(node).__name__} expressions are not evaluated")
            value = handler(self, node, self.globals if scope is None else scope)
        except _Unknown as unknown:
            return self.opaque(node, unknown.reason)
        except Exception as error:  # a bug or a pathological input: never take the parse down
            return self.opaque(node, f"internal error: {error!r}")
        if type(value) in _TRACKED:
            self._origins.setdefault(id(value), (value, node))
        return value

    def _name(self, node: cst.Name, scope: Scope) -> Value:
        name = node.value
        if name in _KEYWORD_CONSTANTS:
            return _KEYWORD_CONSTANTS[name]
        value = scope.lookup(name)
        if value is MISSING:
            if self.star_imports:
                modules = ", ".join(f"`{module}`" for module in self.star_imports)
                raise _Unknown(f"`{name}` may come from `import *` of {modules}")
            if hasattr(builtins, name):
                raise _Unknown(f"the builtin `{name}` is not evaluated")
            raise _Unknown(f"`{name}` is not defined before this point")
        if isinstance(value, Opaque):
            raise _Unknown(f"`{name}` (line {value.span.line}) is not known: {value.reason}")
        return value

    def _attribute(self, node: cst.Attribute, scope: Scope) -> Value:
        base = _known(self.evaluate(node.value, scope))
        attribute = node.attr.value
        if isinstance(base, Ref):
            if base.path == "django.conf.settings":
                return Setting(attribute)
            return Ref(normalise_path(f"{base.path}.{attribute}"))
        if self._is_class(base):
            found = self.lookup_attribute(base, attribute)
            if found is not None and found.value is not MISSING:
                return _known(found.value)
            owner = base if found is None else found.owner
            raise _Unknown(f"`{attribute}` is not set by {describe(owner)}")
        raise _Unknown(f"attribute `{attribute}` of {describe(base)} is not evaluated")

    def _call(self, node: cst.Call, scope: Scope) -> Value:
        """A call of an imported path, or of a function or class defined in this file.

        The latter is named by its dotted path when the module name is known (what
        ``f"{__module__}.{__qualname__}"`` gives), else by its bare name. Arguments unpacked
        with ``*`` / ``**`` are spread when their value is known.
        """
        if (
            isinstance(node.func, cst.Name)
            and node.func.value in _CONTAINER_BUILTINS
            and scope.lookup(node.func.value) is MISSING
        ):
            return self._container(node.func.value, node, scope)
        callee = _known(self.evaluate(node.func, scope))
        if isinstance(callee, Ref):
            func = callee.path
        elif isinstance(callee, Local) and callee.kind != "lambda":
            func = callee.name if self.module_name is None else f"{self.module_name}.{callee.name}"
        else:
            raise _Unknown(f"calling {describe(callee)} is not evaluated")
        args: list[Value] = []
        kwargs: dict[str, Value] = {}

        def keyword(name: str, value: Value) -> None:
            if name in kwargs:
                raise _Unknown(f"keyword argument `{name}` is given twice")
            kwargs[name] = value

        for arg in node.args:
            value = self.evaluate(arg.value, scope)
            if arg.star == "*":
                args.extend(self._iterate(value))
            elif arg.star == "**":
                mapping = _known(value)
                if not isinstance(mapping, DictValue):
                    raise _Unknown(f"`**` of {describe(mapping)} is not evaluated")
                for key, item in mapping.items:
                    if not isinstance(key, str):
                        raise _Unknown(f"`**` of a dict with the key {describe(key)}")
                    keyword(key, item)
            elif arg.keyword is not None:
                keyword(arg.keyword.value, value)
            else:
                args.append(value)
        return Call(func, tuple(args), tuple(kwargs.items()), self.span(node))

    def _container(self, name: str, node: cst.Call, scope: Scope) -> Value:
        """``set()``, ``set([...])``, ``tuple(...)``, ``list(...)``, ``dict(a=1)`` over known
        values: ``makemigrations`` writes ``unique_together=set()`` in many histories."""
        if any(arg.star for arg in node.args):
            raise _Unknown(f"`{name}(...)` with unpacked arguments is not evaluated")
        positional = [arg for arg in node.args if arg.keyword is None]
        keywords = [arg for arg in node.args if arg.keyword is not None]
        if len(positional) > 1 or (keywords and name != "dict"):
            raise _Unknown(f"`{name}(...)` with these arguments is not evaluated")
        items = self._iterate(self.evaluate(positional[0].value, scope)) if positional else ()
        if name == "dict":
            pairs = [self._pair(item) for item in items]
            pairs += [
                (arg.keyword.value, self.evaluate(arg.value, scope))
                for arg in keywords
                if arg.keyword is not None
            ]
            return DictValue(tuple(dict(pairs).items()))
        if name in ("set", "frozenset"):
            return SetValue(tuple(dict.fromkeys(items)))
        return TupleValue(tuple(items)) if name == "tuple" else ListValue(tuple(items))

    @staticmethod
    def _pair(item: Value) -> tuple[Value, Value]:
        item = _known(item)
        if isinstance(item, TupleValue | ListValue) and len(item.items) == 2:
            return item.items[0], item.items[1]
        raise _Unknown(f"`dict()` of {describe(item)} is not evaluated")

    def _iterate(self, value: Value) -> Sequence[Value]:
        """The items ``iter(value)`` yields, in order, when they are known."""
        value = _known(value)
        if isinstance(value, TupleValue | ListValue):
            return value.items
        if isinstance(value, DictValue):
            return tuple(key for key, _ in value.items)
        if isinstance(value, str):
            return tuple(value)
        if isinstance(value, SetValue):
            raise _Unknown("the iteration order of a set is not known")
        raise _Unknown(f"iterating over {describe(value)} is not evaluated")

    def _elements(self, elements: Sequence[cst.BaseElement], scope: Scope) -> tuple[Value, ...]:
        items: list[Value] = []
        for element in elements:
            value = self.evaluate(element.value, scope)
            if isinstance(element, cst.StarredElement):
                items.extend(self._iterate(value))
            else:
                items.append(value)
        return tuple(items)

    def _tuple(self, node: cst.Tuple, scope: Scope) -> Value:
        return TupleValue(self._elements(node.elements, scope))

    def _list(self, node: cst.List, scope: Scope) -> Value:
        return ListValue(self._elements(node.elements, scope))

    def _set(self, node: cst.Set, scope: Scope) -> Value:
        return _make_set(self._elements(node.elements, scope))

    def _dict(self, node: cst.Dict, scope: Scope) -> Value:
        items: list[tuple[Value, Value]] = []
        for element in node.elements:
            if isinstance(element, cst.StarredDictElement):
                mapping = _known(self.evaluate(element.value, scope))
                if not isinstance(mapping, DictValue):
                    raise _Unknown(f"`**` of {describe(mapping)} is not evaluated")
                items.extend(mapping.items)
            else:
                assert isinstance(element, cst.DictElement)
                items.append(
                    (self.evaluate(element.key, scope), self.evaluate(element.value, scope))
                )
        return _make_dict(items)

    def _comprehension(
        self, for_in: cst.CompFor, scope: Scope, produce: Callable[[Scope], None]
    ) -> None:
        """Run ``produce`` for each binding of the loop variables, as the comprehension would."""
        inner = Scope(scope.enclosing())
        budget = [_MAX_ITERATIONS]

        def loop(clause: cst.CompFor, items: Iterable[Value]) -> None:
            if clause.asynchronous is not None:
                raise _Unknown("asynchronous comprehensions are not evaluated")
            for item in items:
                budget[0] -= 1
                if budget[0] < 0:
                    raise _Unknown(f"the comprehension runs more than {_MAX_ITERATIONS} times")
                self._assign_loop_target(clause.target, item, inner)
                if all(self._decide(condition.test, inner) for condition in clause.ifs):
                    if clause.inner_for_in is None:
                        produce(inner)
                    else:
                        nested = clause.inner_for_in
                        loop(nested, self._iterate(self.evaluate(nested.iter, inner)))

        loop(for_in, self._iterate(self.evaluate(for_in.iter, scope)))

    def _assign_loop_target(self, target: cst.BaseExpression, value: Value, scope: Scope) -> None:
        if isinstance(target, cst.Name):
            scope.names[target.value] = value
            return
        if isinstance(target, cst.Tuple | cst.List):
            items = self._iterate(value)
            elements = target.elements
            if len(items) == len(elements) and not any(
                isinstance(e, cst.StarredElement) for e in elements
            ):
                for element, item in zip(elements, items, strict=True):
                    self._assign_loop_target(element.value, item, scope)
                return
        raise _Unknown(f"unpacking {describe(value)} into this target is not evaluated")

    def _decide(self, test: cst.BaseExpression, scope: Scope) -> bool:
        value = _known(self.evaluate(test, scope))
        decided = truth(value)
        if decided is None:
            raise _Unknown(f"the truth of {describe(value)} is not known")
        return decided

    def _produced(self, node: cst.ListComp | cst.SetComp, scope: Scope) -> tuple[Value, ...]:
        items: list[Value] = []
        self._comprehension(
            node.for_in, scope, lambda inner: items.append(self.evaluate(node.elt, inner))
        )
        return tuple(items)

    def _list_comp(self, node: cst.ListComp, scope: Scope) -> Value:
        return ListValue(self._produced(node, scope))

    def _set_comp(self, node: cst.SetComp, scope: Scope) -> Value:
        return _make_set(self._produced(node, scope))

    def _dict_comp(self, node: cst.DictComp, scope: Scope) -> Value:
        items: list[tuple[Value, Value]] = []
        self._comprehension(
            node.for_in,
            scope,
            lambda inner: items.append(
                (self.evaluate(node.key, inner), self.evaluate(node.value, inner))
            ),
        )
        return _make_dict(items)

    def _if_exp(self, node: cst.IfExp, scope: Scope) -> Value:
        branch = node.body if self._decide(node.test, scope) else node.orelse
        return self.evaluate(branch, scope)

    def _unary(self, node: cst.UnaryOperation, scope: Scope) -> Value:
        if isinstance(node.operator, cst.Not):
            return not self._decide(node.expression, scope)
        operand = _known(self.evaluate(node.expression, scope))
        if isinstance(operand, int | float | complex):
            if isinstance(node.operator, cst.Minus):
                return -operand
            if isinstance(node.operator, cst.Plus):
                return +operand
            if isinstance(node.operator, cst.BitInvert) and isinstance(operand, int):
                return ~operand
        raise _Unknown(f"{type(node.operator).__name__} of {describe(operand)} is not evaluated")

    def _binary(self, node: cst.BinaryOperation, scope: Scope) -> Value:
        if isinstance(node.operator, cst.Add):
            return _add(self.evaluate(node.left, scope), self.evaluate(node.right, scope))
        if isinstance(node.operator, cst.Modulo):
            template = _known(self.evaluate(node.left, scope))
            if isinstance(template, str | bytes):
                arguments = _python(self.evaluate(node.right, scope))
                try:
                    formatted: Value = template % arguments
                except (TypeError, ValueError, KeyError) as error:
                    raise _Unknown(f"`%` formatting fails: {error}") from None
                return formatted
        raise _Unknown(f"{type(node.operator).__name__} expressions are not evaluated")

    def _lambda(self, node: cst.Lambda, scope: Scope) -> Value:
        return Local("<lambda>", "lambda", None, self.span(node), _params(node.params))

    def _simple_string(self, node: cst.SimpleString, scope: Scope) -> Value:
        return _string_text(node.raw_value, node.prefix.lower(), node.quote)

    def _concatenated_string(self, node: cst.ConcatenatedString, scope: Scope) -> Value:
        left = _known(self.evaluate(node.left, scope))
        right = _known(self.evaluate(node.right, scope))
        if isinstance(left, str) and isinstance(right, str):
            return left + right
        if isinstance(left, bytes) and isinstance(right, bytes):
            return left + right
        raise _Unknown("cannot mix bytes and str literals")

    def _formatted_string(self, node: cst.FormattedString, scope: Scope) -> Value:
        prefix = node.prefix.lower().replace("f", "")
        quote = node.start[len(node.prefix) :]
        return self._format_parts(node.parts, prefix, quote, scope)

    def _format_parts(
        self, parts: Sequence[cst.BaseFormattedStringContent], prefix: str, quote: str, scope: Scope
    ) -> str:
        pieces: list[str] = []
        for part in parts:
            if isinstance(part, cst.FormattedStringText):
                text = part.value.replace("{{", "{").replace("}}", "}")
                piece = _string_text(text, prefix, quote)
                assert isinstance(piece, str)
                pieces.append(piece)
                continue
            assert isinstance(part, cst.FormattedStringExpression)
            if part.equal is not None:
                raise _Unknown("self-documenting `{expression=}` f-strings are not evaluated")
            value = _python(self.evaluate(part.expression, scope))
            if part.conversion is not None:
                value = _CONVERSIONS[part.conversion](value)
            spec = (
                ""
                if part.format_spec is None
                else self._format_parts(part.format_spec, prefix, quote, scope)
            )
            try:
                pieces.append(format(value, spec))
            except (TypeError, ValueError) as error:
                raise _Unknown(f"formatting fails: {error}") from None
        return "".join(pieces)

    def _integer(self, node: cst.Integer, scope: Scope) -> Value:
        return int(node.value.replace("_", ""), 0)

    def _float(self, node: cst.Float, scope: Scope) -> Value:
        return float(node.value.replace("_", ""))

    def _imaginary(self, node: cst.Imaginary, scope: Scope) -> Value:
        return complex(node.value.replace("_", ""))


_KEYWORD_CONSTANTS: dict[str, Value] = {"True": True, "False": False, "None": None}
_CONVERSIONS: dict[str, Callable[[object], str]] = {"r": repr, "s": str, "a": ascii}


def _make_set(items: Sequence[Value]) -> SetValue:
    """A set of ``items`` without the duplicates Python would drop (the first one stays)."""
    unique: dict[object, Value] = {}
    for item in items:
        unique.setdefault(_hash_key(item), item)
    return SetValue(tuple(unique.values()))


def _make_dict(items: Iterable[tuple[Value, Value]]) -> DictValue:
    """A dict of ``items``: a repeated key keeps its first place and its last value."""
    unique: dict[object, tuple[Value, Value]] = {}
    for key, value in items:
        hashed = _hash_key(key)
        first = unique.get(hashed, (key, value))[0]
        unique[hashed] = (first, value)
    return DictValue(tuple(unique.values()))


_HANDLERS: dict[type[cst.CSTNode], Handler] = {
    cst.Name: Evaluator._name,
    cst.Attribute: Evaluator._attribute,
    cst.Call: Evaluator._call,
    cst.Tuple: Evaluator._tuple,
    cst.List: Evaluator._list,
    cst.Set: Evaluator._set,
    cst.Dict: Evaluator._dict,
    cst.ListComp: Evaluator._list_comp,
    cst.SetComp: Evaluator._set_comp,
    cst.DictComp: Evaluator._dict_comp,
    cst.IfExp: Evaluator._if_exp,
    cst.UnaryOperation: Evaluator._unary,
    cst.BinaryOperation: Evaluator._binary,
    cst.Lambda: Evaluator._lambda,
    cst.SimpleString: Evaluator._simple_string,
    cst.ConcatenatedString: Evaluator._concatenated_string,
    cst.FormattedString: Evaluator._formatted_string,
    cst.Integer: Evaluator._integer,
    cst.Float: Evaluator._float,
    cst.Imaginary: Evaluator._imaginary,
}
