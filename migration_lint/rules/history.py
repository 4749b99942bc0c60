"""ML501-ML503: migrations the base ref has, edited, deleted or renamed on the branch.

Django records a migration as applied by its name and never reads it again. Whatever
happens to an applied migration's file afterwards never reaches the databases that ran it:
only ``check --base REF`` can tell, by comparing with what the ref (production) has. These
rules run only with a base ref.

Files are compared as syntax trees (:func:`ast.dump`), so comments, formatting and
docstrings never count. ``dependencies``, ``replaces`` and ``run_before`` only order the
graph, which the ML0xx rules check on the work tree as it is: changing them is not an edit
that matters, except a new dependency on a migration the ref does not have (Django then
refuses to migrate where the edited migration is applied).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from migration_lint.baseline import Baseline, BaseMigration
from migration_lint.findings import Issue, Severity
from migration_lint.model import MigrationFile, Span
from migration_lint.pipeline import display_path
from migration_lint.rules.base import FILE_START, rule

if TYPE_CHECKING:
    from migration_lint.graph import Key
    from migration_lint.pipeline import Analysis

#: Class attributes that only place a migration in the graph.
_GRAPH_ATTRIBUTES = frozenset({"dependencies", "replaces", "run_before"})

# --------------------------------------------------------------------------------------------
# Comparing two versions of a file


def _parse(data: bytes) -> ast.Module | None:
    try:
        return ast.parse(data)
    except (SyntaxError, ValueError):
        return None


def _assigned_name(node: ast.stmt) -> str | None:
    """``name`` of ``name = ...`` / ``name: T = ...``, else ``None``."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
    elif isinstance(node, ast.AnnAssign):
        target = node.target
    else:
        return None
    return target.id if isinstance(target, ast.Name) else None


def _migration_class(tree: ast.Module) -> ast.ClassDef | None:
    """The module's ``Migration`` class (the last definition wins, as at import)."""
    classes = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Migration"]
    return classes[-1] if classes else None


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _normalised(data: bytes, *, graph: bool) -> ast.Module | None:
    """The parsed file without docstrings, and without the graph attributes of its
    ``Migration`` class unless ``graph``; ``None`` when it does not parse."""
    tree = _parse(data)
    if tree is None:
        return None
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and _is_docstring(node.body[0])
        ):
            node.body = node.body[1:]
    migration = _migration_class(tree)
    if migration is not None and not graph:
        migration.body = [n for n in migration.body if _assigned_name(n) not in _GRAPH_ATTRIBUTES]
    return tree


def _dump(data: bytes, *, graph: bool) -> str:
    """What the file says, for equality: the normalised tree, or the text if unparsable."""
    tree = _normalised(data, graph=graph)
    return ast.dump(tree) if tree is not None else data.decode(errors="replace")


def _first_change(old: Sequence[ast.AST], new: Sequence[ast.AST]) -> int | None:
    """The index in ``new`` of the first node unlike ``old``'s at the same place
    (``len(new)`` when ``new`` only lacks ``old``'s last nodes); ``None`` when alike."""
    for index, (before, after) in enumerate(zip(old, new, strict=False)):
        if ast.dump(before) != ast.dump(after):
            return index
    return None if len(old) == len(new) else min(len(old), len(new))


def _same_shell(old: ast.AST, new: ast.AST) -> tuple[Sequence[ast.AST], Sequence[ast.AST]] | None:
    """The children to compare when only they can differ: the bodies of the same class,
    the entries of the same ``operations`` list."""
    if isinstance(old, ast.ClassDef) and isinstance(new, ast.ClassDef):
        shell = [
            ast.dump(ast.ClassDef(c.name, c.bases, c.keywords, [], c.decorator_list))
            for c in (old, new)
        ]
        return (old.body, new.body) if shell[0] == shell[1] else None
    if (
        isinstance(old, ast.Assign | ast.AnnAssign)
        and isinstance(new, ast.Assign | ast.AnnAssign)
        and _assigned_name(old) == _assigned_name(new) == "operations"
        and isinstance(old.value, ast.List | ast.Tuple)
        and isinstance(new.value, ast.List | ast.Tuple)
    ):
        return old.value.elts, new.value.elts
    return None


def _changed_node(old: ast.Module, new: ast.Module) -> ast.AST | None:
    """The innermost statement or operation of ``new`` where it starts to differ from
    ``old``; the enclosing node when the change is a removal at its end (``None`` at the
    top level)."""
    old_nodes: Sequence[ast.AST] = old.body
    new_nodes: Sequence[ast.AST] = new.body
    container: ast.AST | None = None
    while (index := _first_change(old_nodes, new_nodes)) is not None:
        if index == len(new_nodes):
            return container
        node = new_nodes[index]
        children = _same_shell(old_nodes[index], node) if index < len(old_nodes) else None
        if children is None:
            return node
        container = node
        old_nodes, new_nodes = children
    return container


def _span(node: ast.AST, lines: Sequence[bytes]) -> Span:
    """``node``'s place as a :class:`Span` (character columns; ``ast`` counts bytes)."""

    def column(line: int, offset: int) -> int:
        text = lines[line - 1] if 0 < line <= len(lines) else b""
        return len(text[:offset].decode(errors="replace")) + 1

    start, end = getattr(node, "lineno", 1), getattr(node, "end_lineno", None) or 1
    return Span(
        start,
        column(start, getattr(node, "col_offset", 0)),
        end,
        column(end, getattr(node, "end_col_offset", None) or 0),
    )


# --------------------------------------------------------------------------------------------
# What changed between the ref and the work tree


def _read(path: str | Path) -> bytes | None:
    try:
        return Path(path).read_bytes()
    except OSError:
        return None


def _issue(migration: MigrationFile, message: str, hint: str, span: Span | None = None) -> Issue:
    return Issue(
        path=display_path(migration.path),
        span=span or migration.class_span or FILE_START,
        message=message,
        hint=hint,
        app=migration.app_label,
        migration=migration.name,
    )


def _label(key: Key) -> str:
    return f"{key[0]}.{key[1]}"


def _literal_keys(node: ast.expr) -> set[Key]:
    """The ``(app_label, name)`` pairs of a literal list such as a ``replaces`` value."""
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return set()
    if not isinstance(value, list | tuple):
        return set()
    return {
        (item[0], item[1])
        for item in value
        if isinstance(item, tuple | list)
        and len(item) == 2
        and all(isinstance(part, str) for part in item)
    }


def _replaces_at_ref(base: BaseMigration, migration: MigrationFile) -> set[Key]:
    """What ``migration`` replaced at the ref: its ``replaces`` as the ref has it (the
    squash clean-up removes the attribute together with the replaced files)."""
    replaced = {(d.app_label, d.name) for d in migration.replaces}
    tree = _parse(base.source) if base.source is not None else None
    migration_class = _migration_class(tree) if tree is not None else None
    for node in migration_class.body if migration_class is not None else []:
        if (
            isinstance(node, ast.Assign | ast.AnnAssign)
            and node.value is not None
            and _assigned_name(node) == "replaces"
        ):
            replaced |= _literal_keys(node.value)
    return replaced


def _deleted(analysis: Analysis, baseline: Baseline) -> list[BaseMigration]:
    """The ref's migrations the work tree lacks, except what a squash that the ref already
    had replaces (deleting those is the documented clean-up once the squash is deployed)."""
    cleaned_up: set[Key] = set()
    for key, base in baseline.migrations.items():
        migration = analysis.by_key.get(key)
        if migration is not None:
            cleaned_up |= _replaces_at_ref(base, migration)
    return [
        base
        for key, base in sorted(baseline.migrations.items())
        if key not in analysis.by_key and key not in cleaned_up
    ]


def _renamed_to(analysis: Analysis, baseline: Baseline) -> dict[Key, MigrationFile]:
    """Deleted migrations whose content a new migration has, mapped to that migration."""
    deleted = {
        _dump(base.source, graph=True): base.key
        for base in _deleted(analysis, baseline)
        if base.source is not None
    }
    if not deleted:
        return {}
    renamed: dict[Key, MigrationFile] = {}
    for key in sorted(baseline.new):
        migration = analysis.by_key[key]
        data = _read(migration.path)
        old = deleted.get(_dump(data, graph=True)) if data is not None else None
        if old is not None:
            renamed.setdefault(old, migration)
    return renamed


def _edited(analysis: Analysis, baseline: Baseline) -> Iterator[tuple[bytes, MigrationFile]]:
    """The ref's version and the work tree's migration of each file whose text changed."""
    for key, base in sorted(baseline.migrations.items()):
        migration = analysis.by_key.get(key)
        if base.source is not None and migration is not None:
            yield base.source, migration


def _edit_issues(old_data: bytes, migration: MigrationFile, baseline: Baseline) -> Iterator[Issue]:
    """ML501's findings for one file the branch changed (``old_data``: the ref's text)."""
    data = _read(migration.path)
    if data is None:
        return
    label, ref = _label(migration.key), baseline.ref
    hint = f"Restore the file as {ref} has it and make the change in a new migration."
    for dependency in migration.dependencies:
        if (dependency.app_label, dependency.name) in baseline.new:
            yield _issue(
                migration,
                f"{label} exists at {ref} but now depends on "
                f"{dependency.app_label}.{dependency.name}, which {ref} does not have: "
                "`migrate` stops with InconsistentMigrationHistory wherever it is applied",
                hint,
                dependency.span,
            )
    if _dump(old_data, graph=False) == _dump(data, graph=False):
        return
    old, new = _normalised(old_data, graph=False), _normalised(data, graph=False)
    node = _changed_node(old, new) if old is not None and new is not None else None
    yield _issue(
        migration,
        f"{label} exists at {ref} and was edited: databases that applied it will never run "
        "the change",
        hint,
        _span(node, data.splitlines()) if node is not None else None,
    )


# --------------------------------------------------------------------------------------------
# The rules


@rule(
    "ML501",
    "applied-migration-edited",
    Severity.ERROR,
    "A migration that exists at the base ref (already applied in production) was changed",
    scope="file",
)
def applied_migration_edited(analysis: Analysis) -> Iterator[Issue]:
    """Finds migrations that the base ref (``check --base``) has and the branch changed.

    Comments, formatting and docstrings do not count, nor do ``dependencies``,
    ``replaces`` and ``run_before`` unless a new dependency names a migration the ref does
    not have. The finding points at the first statement or operation that differs.

    ## Why it hurts
    Django records an applied migration by name and never runs it again. Production (and
    every developer database) ran the old version: the new one only runs on databases
    created from scratch, such as the test database. The schemas drift apart silently, and
    the next migration that relies on the edit fails in production only. A new dependency
    on an unapplied migration makes ``migrate`` stop with ``InconsistentMigrationHistory``
    wherever the edited migration is applied.

    ## What to do instead
    1. Restore the file as the base has it:
       ``git checkout origin/main -- shop/migrations/0002_book_isbn.py``.
    2. Make the change in the models and run ``makemigrations``: the new migration makes
       the change on every database.

    For example, instead of adding ``db_index=True`` to the ``AddField`` of an applied
    ``0002_book_isbn``, write ``0005_book_isbn_index`` with
    ``migrations.AlterField("book", "isbn", models.CharField(max_length=13, db_index=True))``.
    """
    baseline = analysis.baseline
    if baseline is None:
        return
    for old_data, migration in _edited(analysis, baseline):
        yield from _edit_issues(old_data, migration, baseline)


def _package_path(base: BaseMigration) -> str:
    """Where a finding about a file that is gone points: its migrations package."""
    package = base.path.parent
    init = package / "__init__.py"
    return display_path(init if init.exists() else package)


@rule(
    "ML502",
    "applied-migration-deleted",
    Severity.ERROR,
    "A migration that exists at the base ref (already applied in production) was deleted",
)
def applied_migration_deleted(analysis: Analysis) -> Iterator[Issue]:
    """Finds migrations that the base ref (``check --base``) has and the branch deleted.

    Deleting the migrations a squashed migration replaces is allowed once that squash is
    deployed, i.e. when the base ref already has it: that is Django's documented clean-up.
    A deleted file whose content a new migration has is a rename (ML503).

    ## Why it hurts
    Databases that applied it keep its row in ``django_migrations`` and its schema
    changes; databases created from now on never get them, so environments drift. When
    other migrations still depend on it, Django refuses to load the graph. Deleting the
    migrations a squash replaces in the same deploy that adds the squash breaks every
    database where only some of them are applied: Django needs them to finish the job.

    ## What to do instead
    Keep applied migrations. To shorten a long history, squash in two deploys:

    1. ``python manage.py squashmigrations shop 0004`` and deploy the squash *with* the
       migrations it replaces, so that every database records it.
    2. In a later change, delete the replaced files, point their dependants at the squash
       and remove its ``replaces`` attribute.
    """
    baseline = analysis.baseline
    if baseline is None:
        return
    renamed = _renamed_to(analysis, baseline)
    for base in _deleted(analysis, baseline):
        if base.key not in renamed:
            yield Issue(
                path=_package_path(base),
                span=FILE_START,
                message=f"{_label(base.key)} exists at {baseline.ref} and was deleted "
                f"({display_path(base.path)}): databases that applied it drift from new ones",
                hint=f"Restore it from {baseline.ref}; to drop old migrations, squash them "
                "and delete the replaced files once the squash is deployed.",
                app=base.key[0],
                migration=base.key[1],
            )


@rule(
    "ML503",
    "applied-migration-renamed",
    Severity.ERROR,
    "A migration that exists at the base ref (already applied in production) was renamed",
    scope="file",
)
def applied_migration_renamed(analysis: Analysis) -> Iterator[Issue]:
    """Finds new migrations that are a migration of the base ref (``check --base``) under
    another name: the ref's file is gone and this one has its content.

    ## Why it hurts
    Django knows migrations by ``(app_label, name)`` only. Where the old name is applied,
    the renamed migration is new: ``migrate`` runs it again, and its ``CreateModel`` or
    ``AddField`` fails because the table or column exists (or a data migration runs
    twice). Migrations that depended on the old name no longer load.

    ## What to do instead
    Keep the name the base has: ``git mv shop/migrations/0003_renamed.py
    shop/migrations/0003_original.py``. Names only matter to Django's bookkeeping; a
    docstring or comment can say what the migration does.
    """
    baseline = analysis.baseline
    if baseline is None:
        return
    for old, migration in sorted(_renamed_to(analysis, baseline).items()):
        yield _issue(
            migration,
            f"{_label(migration.key)} is {_label(old)} of {baseline.ref} under a new name: "
            "databases that applied it will run it again",
            f"Keep the name {old[1]!r} that {baseline.ref} has.",
        )
