"""The typed model of a parsed migration file, shared by every stage of the pipeline.

Parsing turns source text into these objects once; the cache stores them; the graph, the
state replay, the checks and the reporters only ever read them. They are plain frozen
dataclasses of builtins so that they pickle fast and compare by value.

A *value* is what the static evaluator could learn about an expression without running it:

* Python literals (``None``, ``bool``, ``int``, ``float``, ``complex``, ``str``, ``bytes``)
  stand for themselves;
* :class:`TupleValue`, :class:`ListValue`, :class:`SetValue` and :class:`DictValue` keep the
  container kind, because Django's writer and ``deconstruct()`` distinguish them;
* :class:`Ref` is a name resolved through the file's imports to a dotted path
  (``models.CASCADE`` -> ``django.db.models.CASCADE``);
* :class:`Call` is a call of such a path with evaluated arguments (field constructors,
  index and constraint objects, ``Q(...)`` ...);
* :class:`Local` names a function or class defined in the migration file itself (RunPython
  code, for example), with its docstring;
* :class:`Setting` is ``settings.NAME`` whose value depends on the project's settings;
* :class:`Opaque` is everything else: kept with its source text and span, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, TypeAlias


@dataclass(frozen=True, slots=True)
class Span:
    """A source range: 1-based lines, 1-based columns, end column exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True, slots=True)
class TupleValue:
    items: tuple[Value, ...]


@dataclass(frozen=True, slots=True)
class ListValue:
    items: tuple[Value, ...]


@dataclass(frozen=True, slots=True)
class SetValue:
    items: tuple[Value, ...]


@dataclass(frozen=True, slots=True)
class DictValue:
    items: tuple[tuple[Value, Value], ...]


@dataclass(frozen=True, slots=True)
class Ref:
    """A dotted reference such as ``django.db.models.deletion.CASCADE``."""

    path: str


@dataclass(frozen=True, slots=True)
class Call:
    """A call of a dotted path with evaluated arguments, e.g. a field constructor."""

    func: str
    args: tuple[Value, ...]
    kwargs: tuple[tuple[str, Value], ...]
    span: Span

    def kwarg(self, name: str, default: Value = None) -> Value:
        for key, value in self.kwargs:
            if key == name:
                return value
        return default


@dataclass(frozen=True, slots=True)
class Local:
    """A function or class defined at module level in the migration file itself."""

    name: str
    kind: str  # "function" | "class"
    docstring: str | None
    span: Span
    params: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Setting:
    """``settings.NAME``: its value comes from the project's settings, resolved later."""

    name: str


@dataclass(frozen=True, slots=True)
class Opaque:
    """An expression the static evaluator could not (or must not) evaluate."""

    source: str
    span: Span
    reason: str


Value: TypeAlias = (
    bool
    | int
    | float
    | complex
    | str
    | bytes
    | TupleValue
    | ListValue
    | SetValue
    | DictValue
    | Ref
    | Call
    | Local
    | Setting
    | Opaque
    | None
)


@dataclass(frozen=True, slots=True)
class Dependency:
    """One entry of ``dependencies`` (or ``replaces`` / ``run_before``).

    ``swappable`` names the setting of a ``swappable_dependency(settings.X)``: the app label
    is then only known once the project's settings are (``app_label`` holds the label the
    literal argument gave, or ``""`` when it came from a setting), and the name is
    ``"__first__"``. Resolving it is the loader's job, so that the parsed file (and its cache
    entry) does not depend on settings.
    """

    app_label: str
    name: str
    span: Span
    swappable: str | None = None


@dataclass(frozen=True, slots=True)
class OperationCall:
    """One entry of ``operations``: the operation's class path and its evaluated arguments.

    ``path`` is the dotted path the name resolves to through the file's imports, normalised
    for Django's own operations to ``django.db.migrations.<Name>`` (and
    ``django.contrib.postgres.operations.<Name>``), so that checks can match on it.
    ``raw`` is set instead when the entry is not a call at all (an opaque expression).
    """

    path: str
    args: tuple[Value, ...]
    kwargs: tuple[tuple[str, Value], ...]
    span: Span
    raw: Opaque | None = None

    @property
    def name(self) -> str:
        """The class name alone (``AddField``)."""
        return self.path.rsplit(".", 1)[-1]

    def kwarg(self, name: str, default: Value = None) -> Value:
        for key, value in self.kwargs:
            if key == name:
                return value
        return default

    def argument(self, position: int, name: str, default: Value = None) -> Value:
        """The argument given by position or by keyword, as Python binds it."""
        if position < len(self.args):
            return self.args[position]
        return self.kwarg(name, default)


@dataclass(frozen=True, slots=True)
class ParseProblem:
    """Something in the file we could not parse or evaluate (reported as ML009)."""

    message: str
    span: Span
    hint: str = ""


@dataclass(frozen=True, slots=True)
class Suppressions:
    """``# noqa`` comments of a file.

    ``lines`` maps a 1-based line to the codes it suppresses (an empty tuple means all);
    ``file_codes`` is ``None`` when there is no file-level ``# migration-lint: noqa``, an
    empty tuple when it silences everything, otherwise the codes it lists.
    """

    lines: tuple[tuple[int, tuple[str, ...]], ...] = ()
    file_codes: tuple[str, ...] | None = None


#: When a migration may run relative to the deploy of the code that goes with it, as
#: django-safemigrate (``safe = Safe.before_deploy()``, ``after_deploy()``, ``always()``) and
#: django-syzygy (``stage = Stage.PRE_DEPLOY`` / ``POST_DEPLOY``) declare it.
Stage: TypeAlias = Literal["pre-deploy", "post-deploy", "always"]


@dataclass(frozen=True, slots=True)
class DeployStage:
    """A migration's declared deploy stage and where it is declared."""

    stage: Stage
    span: Span
    #: The attribute as written (``safe = Safe.after_deploy()``), for messages.
    source: str


@dataclass(frozen=True, slots=True)
class ModelUse:
    """A model class used in a function without going through ``apps.get_model()``."""

    #: The class as the code names it (``Book``), or ``get_user_model()``.
    name: str
    #: Where the class comes from (``shop.models``), as the import says.
    module: str
    span: Span


@dataclass(frozen=True, slots=True)
class FunctionFacts:
    """What a function RunPython may be given does, for the data-migration rules (ML2xx).

    Read with the standard library's ``ast`` from the source of every module-level
    function, every function of a top-level class body (``Migration.forwards``) and every
    lambda of the file, never executed: the rules never see the code itself, only these
    facts (so that they are cached with the parse). The facts include those of the
    module-level helpers the function calls. ``name`` and ``span`` (the ``def`` or
    ``lambda`` keyword onwards) are how a rule finds the facts of RunPython's argument. How
    the function can be called is in the :class:`Local` the argument evaluates to.
    """

    name: str
    span: Span
    #: Model classes imported from the project or Django contrib (``from shop.models import
    #: Book``, at module level or inside the function) and used in the body.
    model_uses: tuple[ModelUse, ...] = ()
    #: Loops over a whole queryset that save row by row (``for b in Book.objects.all():
    #: b.save()``): the span of the loop's ``for ... in ...`` header.
    unbatched_loops: tuple[Span, ...] = ()
    #: The function opens its own transaction (``with transaction.atomic():`` or the
    #: ``@transaction.atomic`` decorator).
    manages_transaction: bool = False
    #: The function writes rows through the ORM (``save()``, ``update()``, ``delete()``,
    #: ``create()``, ``bulk_create()`` ...).
    writes_rows: bool = False


@dataclass(frozen=True, slots=True)
class MigrationFile:
    """Everything we know about one migration module, without having imported it.

    ``dependencies``, ``replaces`` and ``run_before`` are ``None``-free tuples of what could
    be evaluated; entries that could not are reported in ``problems``. ``initial`` is
    ``None`` when the class does not set it (Django's default), and ``atomic`` defaults to
    ``True`` likewise. ``has_migration_class`` is False when the module defines no
    ``Migration`` at top level (Django raises BadMigrationError for that). ``complete`` is
    False when the file could not be parsed or its graph attributes (``dependencies``,
    ``replaces``, ``run_before``) could not all be evaluated: the node still takes part in the
    graph, but checks that need its edges must not trust them.
    """

    app_label: str
    name: str
    path: str
    dependencies: tuple[Dependency, ...] = ()
    replaces: tuple[Dependency, ...] = ()
    run_before: tuple[Dependency, ...] = ()
    initial: bool | None = None
    atomic: bool = True
    operations: tuple[OperationCall, ...] = ()
    class_span: Span | None = None
    has_migration_class: bool = True
    complete: bool = True
    problems: tuple[ParseProblem, ...] = ()
    suppressions: Suppressions = field(default_factory=Suppressions)
    #: The declared deploy stage, ``None`` when the migration does not declare one.
    stage: DeployStage | None = None
    #: The module-level functions of the file (RunPython code), by name.
    functions: tuple[FunctionFacts, ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        return (self.app_label, self.name)


def call_text(func: str, args: tuple[Value, ...], kwargs: tuple[tuple[str, Value], ...]) -> str:
    """``func(arg, key=value)`` as source text."""
    parts = [source_text(arg) for arg in args]
    parts += [f"{key}={source_text(item)}" for key, item in kwargs]
    return f"{func}({', '.join(parts)})"


def source_text(value: Value) -> str:
    """A value as Python-like source text: for people to read, and where Django would print
    an object's ``repr()`` that cannot be known statically."""
    if isinstance(value, TupleValue):
        inner = ", ".join(source_text(item) for item in value.items)
        return f"({inner},)" if len(value.items) == 1 else f"({inner})"
    if isinstance(value, ListValue):
        return "[" + ", ".join(source_text(item) for item in value.items) + "]"
    if isinstance(value, SetValue):
        if not value.items:
            return "set()"
        return "{" + ", ".join(source_text(item) for item in value.items) + "}"
    if isinstance(value, DictValue):
        pairs = (f"{source_text(key)}: {source_text(item)}" for key, item in value.items)
        return "{" + ", ".join(pairs) + "}"
    if isinstance(value, Ref):
        return value.path
    if isinstance(value, Call):
        return call_text(value.func, value.args, value.kwargs)
    if isinstance(value, Local):
        return value.name
    if isinstance(value, Setting):
        return f"settings.{value.name}"
    if isinstance(value, Opaque):
        return value.source
    return repr(value)
