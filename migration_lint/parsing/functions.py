"""Facts about the functions of a migration file that RunPython may run, read with ``ast``.

The data-migration rules (ML2xx) judge what RunPython's code does: which model classes it
uses, whether it saves row by row, whether it opens its own transaction. The file is never
executed: its syntax tree is read with the standard library's ``ast`` (warm runs never
import libcst), and names are resolved through the file's imports the way Python binds
them, with two simplifications that err on the quiet side: a name assigned anywhere in a
function is local to it throughout (so ``Book = apps.get_model("shop", "Book")`` shadows
``from shop.models import Book`` wherever it is), and nested functions are read as part of
the function that contains them.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from migration_lint.model import FunctionFacts, ModelUse, Span

__all__ = ["analyse_functions"]

#: The managers every model has: ``X.objects`` is model ``X`` being queried.
_MANAGERS = frozenset({"objects", "_default_manager", "_base_manager"})
#: The methods of models, querysets and managers that write rows.
_WRITES = frozenset(
    "save delete update create bulk_create bulk_update get_or_create update_or_create".split()
)
#: Class name endings of what models modules hold besides models.
_NOT_MODELS = ("Manager", "QuerySet")
_ATOMIC = "django.db.transaction.atomic"
_GET_USER_MODEL = "django.contrib.auth.get_user_model"
_DJANGO_MODELS = "django.db.models"
#: The line breaks ``ast`` counts lines by (not the exotic ones of ``str.splitlines``).
_NEWLINE = re.compile(r"\r\n|\r|\n")

_Def = ast.FunctionDef | ast.AsyncFunctionDef
_Function = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
_NEW_SCOPE = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def analyse_functions(text: str) -> tuple[FunctionFacts, ...]:
    """The facts of every function of ``text`` (a file Python compiles) RunPython may be
    given: module-level functions, functions of top-level class bodies, lambdas."""
    return tuple(_Module(text).analyse())


class _Positions:
    """``ast`` positions (UTF-8 byte columns) as :class:`Span` (1-based character columns,
    like every other span of the parsed model)."""

    def __init__(self, text: str) -> None:
        self._lines = [line.encode() for line in _NEWLINE.split(text)]

    def _column(self, line: int, offset: int) -> int:
        return len(self._lines[line - 1][:offset].decode("utf-8", "replace")) + 1

    def span(self, start: ast.expr | ast.stmt, end: ast.expr | ast.stmt | None = None) -> Span:
        """From the start of ``start`` to the end of ``end`` (default: ``start``)."""
        last = end or start
        end_line = last.end_lineno or last.lineno
        return Span(
            start.lineno,
            self._column(start.lineno, start.col_offset),
            end_line,
            self._column(end_line, last.end_col_offset or 0),
        )


def _imports(nodes: Iterable[ast.AST]) -> dict[str, str]:
    """The names the ``import`` statements among ``nodes`` bind, to the dotted path each
    stands for (``from shop import models as m`` binds ``m`` to ``shop.models``)."""
    bound: dict[str, str] = {}
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.partition(".")[0]
                bound[alias.asname or top] = alias.name if alias.asname else top
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            for alias in node.names:
                if alias.name != "*":
                    path = f"{base}.{alias.name}" if node.module else base + alias.name
                    bound[alias.asname or alias.name] = path
    return bound


def _module_level(nodes: Iterable[ast.AST]) -> Iterator[ast.AST]:
    """``nodes`` and what they contain, in source order, without entering functions and
    classes (their names are bound in their own scopes)."""
    for node in nodes:
        yield node
        if not isinstance(node, _NEW_SCOPE):
            yield from _module_level(ast.iter_child_nodes(node))


def _dotted(expr: ast.expr, bindings: dict[str, str]) -> str | None:
    """The dotted path a name or attribute chain stands for through ``bindings``."""
    if isinstance(expr, ast.Name):
        return bindings.get(expr.id)
    if isinstance(expr, ast.Attribute):
        owner = _dotted(expr.value, bindings)
        return None if owner is None else f"{owner}.{expr.attr}"
    return None


def _model_class(path: str) -> tuple[str, str] | None:
    """``(class, module)`` when ``path`` names a class of a models module other than
    ``django.db.models`` itself (``shop.models.Book``, ``django.contrib.auth.models.User``).

    Managers and querysets (``TagsManager(model=Location, ...)``, a known workaround for
    historical models without custom managers) are not models."""
    module, _, name = path.rpartition(".")
    parts = module.split(".")
    if not name[:1].isupper() or name.endswith(_NOT_MODELS) or "models" not in parts:
        return None
    if module == _DJANGO_MODELS or module.startswith(_DJANGO_MODELS + "."):
        return None
    if any(part[:1].isupper() for part in parts):  # an attribute of a class: Book.Status
        return None
    return name, module


def _local_names(function: _Function, nodes: Iterable[ast.AST]) -> set[str]:
    """The names a function binds itself (parameters, assignments, ``def``, ``except ...
    as``), which hide the module's names of the same spelling."""
    arguments = function.args
    params = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    params += [arg for arg in (arguments.vararg, arguments.kwarg) if arg is not None]
    names = {param.arg for param in params}
    for node in nodes:
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            names.add(node.id)
        elif isinstance(node, _Def | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return names


def _attributes(expr: ast.expr) -> list[str] | None:
    """The attribute names along a chain of attributes and calls from a name, root first
    (``Book.objects.filter(x=1).order_by("id")``: ``objects``, ``filter``, ``order_by``),
    or ``None`` when anything else is on the way (a slice bounds the rows)."""
    names: list[str] = []
    while not isinstance(expr, ast.Name):
        if isinstance(expr, ast.Call):
            expr = expr.func
        elif isinstance(expr, ast.Attribute):
            names.append(expr.attr)
            expr = expr.value
        else:
            return None
    return names[::-1]


def _whole_queryset(expr: ast.expr) -> bool:
    """Whether iterating ``expr`` loads every row of a queryset into memory at once."""
    names = _attributes(expr) or []
    return not _MANAGERS.isdisjoint(names) and "iterator" not in names


def _root(expr: ast.expr) -> str | None:
    """The name an attribute chain starts from (``book`` in ``book.author``)."""
    while isinstance(expr, ast.Attribute):
        expr = expr.value
    return expr.id if isinstance(expr, ast.Name) else None


def _saves_each_row(loop: ast.For | ast.AsyncFor) -> bool:
    """Whether the loop's body calls ``.save()`` on (an attribute of) the loop variable."""
    targets = {node.id for node in ast.walk(loop.target) if isinstance(node, ast.Name)}
    return any(
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "save"
        and _root(node.func.value) in targets
        for statement in loop.body
        for node in ast.walk(statement)
    )


def _at(span: Span) -> tuple[int, int]:
    """Where a span starts, to list facts in source order (``ast.walk`` goes breadth first)."""
    return span.line, span.column


@dataclass(frozen=True)
class _Direct:
    """The facts of one function's own code, before following the helpers it calls."""

    uses: tuple[ModelUse, ...]
    loops: tuple[Span, ...]
    transaction: bool
    writes: bool
    #: The module-level functions it calls by name.
    calls: frozenset[str]


class _Module:
    """One file's syntax tree, its module-level imports and functions."""

    def __init__(self, text: str) -> None:
        self.tree = ast.parse(text)
        self.positions = _Positions(text)
        self.bindings = _imports(_module_level(self.tree.body))
        self.helpers = {
            node.name: node for node in self.tree.body if isinstance(node, ast.FunctionDef)
        }
        self._direct: dict[_Function, _Direct] = {}

    def analyse(self) -> Iterator[FunctionFacts]:
        """The facts of each runnable function, its helpers' included."""
        for function in self._runnable():
            reached = self._reached(function)
            yield FunctionFacts(
                name=function.name if isinstance(function, _Def) else "<lambda>",
                span=self.positions.span(function),
                model_uses=tuple(use for each in reached for use in self.direct(each).uses),
                unbatched_loops=tuple(loop for each in reached for loop in self.direct(each).loops),
                manages_transaction=any(self.direct(each).transaction for each in reached),
                writes_rows=any(self.direct(each).writes for each in reached),
            )

    def _runnable(self) -> Iterator[_Function]:
        """The functions RunPython may be given, as the module and its classes bind them."""
        for statement in self.tree.body:
            if isinstance(statement, _Def):
                yield statement
            elif isinstance(statement, ast.ClassDef):
                yield from (node for node in statement.body if isinstance(node, _Def))
        yield from (node for node in ast.walk(self.tree) if isinstance(node, ast.Lambda))

    def _reached(self, function: _Function) -> list[_Function]:
        """``function`` and the module-level helpers it calls, directly or not."""
        reached = [function]
        for each in reached:  # grows while it is walked
            for name in sorted(self.direct(each).calls):
                helper = self.helpers[name]
                if helper not in reached:
                    reached.append(helper)
        return reached

    def direct(self, function: _Function) -> _Direct:
        """The facts of ``function``'s own code, read once (helpers are shared)."""
        if function not in self._direct:
            self._direct[function] = self._read(function)
        return self._direct[function]

    def _read(self, function: _Function) -> _Direct:
        nodes = list(ast.walk(function))[1:]
        local = _local_names(function, nodes)
        bindings = {**self.bindings, **_imports(nodes)}
        for name in local:
            bindings.pop(name, None)
        callees = [node.func for node in nodes if isinstance(node, ast.Call)]
        contexts = [
            item.context_expr
            for node in nodes
            if isinstance(node, ast.With | ast.AsyncWith)
            for item in node.items
        ]
        decorators = function.decorator_list if isinstance(function, _Def) else []
        opened = [expr.func if isinstance(expr, ast.Call) else expr for expr in decorators]
        opened += [expr.func for expr in contexts if isinstance(expr, ast.Call)]
        return _Direct(
            uses=tuple(sorted(self._model_uses(nodes, bindings), key=lambda use: _at(use.span))),
            loops=tuple(sorted(self._unbatched_loops(nodes), key=_at)),
            transaction=any(_dotted(expr, bindings) == _ATOMIC for expr in opened),
            writes=any(
                isinstance(callee, ast.Attribute) and callee.attr in _WRITES for callee in callees
            ),
            calls=frozenset(
                callee.id
                for callee in callees
                if isinstance(callee, ast.Name)
                and callee.id in self.helpers
                and callee.id not in local
            ),
        )

    def _model_uses(self, nodes: list[ast.AST], bindings: dict[str, str]) -> Iterator[ModelUse]:
        """Model classes queried (``Book.objects``) or instantiated (``Book(...)``), and
        ``get_user_model()`` calls: a model class only mentioned (a ``TextChoices`` of the
        models module, ``isinstance``) touches no table."""
        for node in nodes:
            if isinstance(node, ast.Attribute) and node.attr in _MANAGERS:
                named = node.value
            elif isinstance(node, ast.Call):
                named = node.func
            else:
                continue
            path = _dotted(named, bindings)
            if path == _GET_USER_MODEL:
                module = _GET_USER_MODEL.rpartition(".")[0]
                yield ModelUse("get_user_model()", module, self.positions.span(node))
                continue
            model = None if path is None else _model_class(path)
            if model is not None:
                yield ModelUse(*model, self.positions.span(named))

    def _unbatched_loops(self, nodes: list[ast.AST]) -> Iterator[Span]:
        """``for`` loops over a whole queryset (written in the loop or assigned to a name
        first) whose body saves the rows one by one."""
        assigned = {
            target.id: node.value
            for node in nodes
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for node in nodes:
            if not isinstance(node, ast.For | ast.AsyncFor):
                continue
            iterated = node.iter
            if isinstance(iterated, ast.Name):
                iterated = assigned.get(iterated.id, iterated)
            if _whole_queryset(iterated) and _saves_each_row(node):
                yield self.positions.span(node, node.iter)
