"""Raw SQL, statement by statement: what each one is, which table it touches, how it locks.

The ``RunSQL`` rules never see SQL text: they read the :class:`Statement` objects
:func:`analyse_sql` makes of it. Splitting and tokenising is sqlparse's job (it knows
comments, quoted identifiers, dollar-quoted function bodies and ``%s`` placeholders);
classifying is ours, by keywords on the token stream, because sqlparse's grouping is not
a PostgreSQL grammar. Locks follow PostgreSQL's documentation ("Explicit Locking" and each
command's page); they describe what the statement would take on PostgreSQL whatever the
database, and the rules decide which vendor they judge.

sqlparse is imported inside the functions: a run with no ``RunSQL`` to lint (a warm run
served from the cache) must not pay for importing it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from sqlparse.sql import Statement as ParsedStatement

    from migration_lint.safety.effects import Lock

__all__ = ["Hazard", "HazardKind", "Kind", "Statement", "analyse_sql"]

#: What a statement is. ``transaction`` covers BEGIN / START TRANSACTION / COMMIT / END /
#: ROLLBACK / ABORT / SAVEPOINT / RELEASE / PREPARE TRANSACTION; ``other`` is SQL we read but
#: do not classify (CREATE FUNCTION, GRANT, DO ...); ``unparsable`` is text sqlparse could not
#: tokenise (an unterminated quote) or that does not start with an SQL command.
Kind = Literal[
    "create_index",
    "drop_index",
    "reindex",
    "alter_table",
    "create_table",
    "drop_table",
    "truncate",
    "update",
    "delete",
    "insert",
    "select",
    "vacuum",
    "analyze",
    "cluster",
    "transaction",
    "set",
    "comment",
    "other",
    "unparsable",
]

#: What one action of an ``ALTER TABLE`` risks:
#:
#: * ``add_column_not_null``: ``ADD COLUMN ... NOT NULL`` (or ``PRIMARY KEY``) without a
#:   default: fails on a table with rows;
#: * ``volatile_default``: ``ADD COLUMN`` whose value is computed per row (``DEFAULT
#:   random()``, ``serial``, identity and stored generated columns): rewrites the table;
#: * ``set_not_null``: ``ALTER COLUMN ... SET NOT NULL``: scans the table;
#: * ``add_foreign_key`` / ``add_check``: a constraint added without ``NOT VALID`` (also
#:   inline ``REFERENCES`` / ``CHECK`` of a new column): scans the table;
#: * ``add_unique``: ``UNIQUE`` / ``PRIMARY KEY`` / ``EXCLUDE`` without ``USING INDEX``:
#:   builds an index under ACCESS EXCLUSIVE;
#: * ``alter_type``: ``ALTER COLUMN ... TYPE``: rewrites the table and its indexes;
#: * ``drop_column``, ``rename_column``, ``rename_table``: break the code still using them.
HazardKind = Literal[
    "add_column_not_null",
    "volatile_default",
    "set_not_null",
    "add_foreign_key",
    "add_check",
    "add_unique",
    "alter_type",
    "drop_column",
    "rename_column",
    "rename_table",
]


@dataclass(frozen=True)
class Hazard:
    """One risky action of an ``ALTER TABLE``: its kind, the column it is about (None for
    the table itself or a table constraint) and the action as written (one line)."""

    kind: HazardKind
    column: str | None
    text: str


@dataclass(frozen=True)
class Statement:
    """One SQL statement and what it does.

    ``line`` is the 1-based line of the statement's first keyword inside the analysed text
    (comments before it do not count). ``table`` is the main table, without its schema,
    lower-cased unless it was quoted. ``lock`` is the strongest PostgreSQL table lock it
    takes (``none``: row locks only, as DML takes). ``rewrites``: every row is rewritten;
    ``scans``: every row is read (index build, validation). ``index`` names the index of
    CREATE / DROP INDEX and REINDEX INDEX. ``every_row``: an UPDATE or DELETE without a
    WHERE clause. ``no_transaction``: PostgreSQL refuses to run it inside a transaction
    block (the CONCURRENTLY forms, VACUUM). ``transaction_control``: it begins or ends a
    transaction (not SAVEPOINT / RELEASE / ROLLBACK TO, which work inside one).
    ``references``: the tables a foreign key of a CREATE or ALTER TABLE references; adding
    it takes a SHARE ROW EXCLUSIVE lock on each of them too. ``others``: the tables a DROP
    TABLE or TRUNCATE names after its first (``table``), which it treats alike.
    ``cascade``: a DROP TABLE or TRUNCATE with CASCADE, which reaches the tables holding
    foreign keys to it too (the statement alone cannot say which).
    """

    text: str
    line: int
    kind: Kind
    table: str | None = None
    lock: Lock = "unknown"
    rewrites: bool = False
    scans: bool = False
    concurrently: bool = False
    hazards: tuple[Hazard, ...] = ()
    index: str | None = None
    every_row: bool = False
    no_transaction: bool = False
    transaction_control: bool = False
    references: tuple[str, ...] = ()
    others: tuple[str, ...] = ()
    cascade: bool = False


def analyse_sql(text: str) -> list[Statement]:
    """The statements of ``text`` (one string of ``RunSQL``), in order; empty ones (only
    whitespace, comments or ``;``) are left out."""
    return list(_analyse(text))


@functools.lru_cache(maxsize=512)
def _analyse(text: str) -> tuple[Statement, ...]:
    import sqlparse

    statements = []
    offset = 0
    for parsed in sqlparse.parse(text):
        words = _words(parsed)
        if words:
            start = offset + words[0].offset
            line = text.count("\n", 0, start) + 1
            body = text[start : offset + len(str(parsed))].strip().rstrip(";").rstrip()
            statements.append(_classify(_Words(words, str(parsed)), body, line))
        offset += len(str(parsed))
    return tuple(statements)


# -- tokens ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Word:
    """A meaningful token: ``upper`` is the keyword form (upper-cased), ``name`` the
    identifier form (quotes removed, lower-cased unless quoted); ``depth`` is the
    parenthesis depth it sits at, ``offset`` its position in the statement's text."""

    text: str
    upper: str
    name: str
    depth: int
    offset: int
    end: int
    error: bool


def _words(parsed: ParsedStatement) -> list[_Word]:
    """The statement's tokens without whitespace, comments and the closing ``;``;
    multi-word keywords that sqlparse keeps together (``NOT NULL``, ``IF EXISTS``) become
    one word each."""
    from sqlparse import tokens

    words: list[_Word] = []
    depth = offset = 0
    for token in parsed.flatten():  # type: ignore[no-untyped-call]
        value = token.value
        position, offset = offset, offset + len(value)
        if token.is_whitespace or token.ttype in tokens.Comment or value == ";":
            continue
        if value == ")":
            depth = max(depth - 1, 0)
        is_keyword = token.ttype in tokens.Keyword
        parts = value.split() if is_keyword else [value]
        for part in parts:
            quoted = token.ttype in tokens.String.Symbol or part.startswith("`")
            name = part[1:-1].replace('""', '"') if quoted else part.lower()
            error = token.ttype in tokens.Error
            words.append(_Word(part, part.upper(), name, depth, position, offset, error))
        if value == "(":
            depth += 1
    return words


@dataclass
class _Words:
    """A cursor over a statement's words, for reading it keyword by keyword."""

    words: Sequence[_Word]
    #: The statement's text as sqlparse gave it (with leading comments), for excerpts.
    source: str
    position: int = 0

    def peek(self, ahead: int = 0) -> str:
        index = self.position + ahead
        return self.words[index].upper if index < len(self.words) else ""

    def take(self, *keywords: str) -> bool:
        """Consume the next words if they are ``keywords`` (in order)."""
        if all(self.peek(i) == keyword for i, keyword in enumerate(keywords)):
            self.position += len(keywords)
            return True
        return False

    def skip(self, *keywords: str) -> None:
        """Consume any of ``keywords``, in any order, as long as they come."""
        while self.peek() in keywords and self.peek():
            self.position += 1

    def options(self) -> list[str]:
        """Read a parenthesised option list, if one comes (``VACUUM (FULL, VERBOSE)``)."""
        options = []
        if self.take("("):
            while self.peek() not in ("", ")"):
                options.append(self.peek())
                self.position += 1
            self.take(")")
        return options

    def parts(self) -> list[str]:
        """Read a possibly schema-qualified name (``public.t`` -> ``["public", "t"]``)."""
        if self.position >= len(self.words) or self.words[self.position].text in "(),;":
            return []
        parts = [self.words[self.position].name]
        self.position += 1
        while self.peek() == "." and self.position + 1 < len(self.words):
            parts.append(self.words[self.position + 1].name)
            self.position += 2
        return parts

    def name(self) -> str | None:
        """Read a possibly schema-qualified name; its last part, the object's own name."""
        parts = self.parts()
        return parts[-1] if parts else None

    def excerpt(self) -> str:
        """The remaining words as written, on one line."""
        rest = self.rest()
        return " ".join(self.source[rest[0].offset : rest[-1].end].split()) if rest else ""

    def rest(self) -> Sequence[_Word]:
        return self.words[self.position :]

    def has(self, *keywords: str) -> bool:
        """Whether the remaining words hold ``keywords`` in sequence at the top level."""
        depth = self.words[0].depth
        rest = [word.upper for word in self.rest() if word.depth == depth]
        size = len(keywords)
        return any(tuple(rest[i : i + size]) == keywords for i in range(len(rest)))


# -- statements ------------------------------------------------------------------------------

#: The words an SQL statement can start with: PostgreSQL's commands, and MySQL's own.
_COMMANDS = frozenset(
    """
    ABORT ALTER ANALYSE ANALYZE BEGIN CALL CHECKPOINT CLOSE CLUSTER COMMENT COMMIT COPY
    CREATE DEALLOCATE DECLARE DELETE DISCARD DO DROP END EXECUTE EXPLAIN FETCH GRANT
    IMPORT INSERT LISTEN LOAD LOCK MERGE MOVE NOTIFY PREPARE REASSIGN REFRESH REINDEX
    RELEASE RESET REVOKE ROLLBACK SAVEPOINT SECURITY SELECT SET SHOW START TABLE TRUNCATE
    UNLISTEN UPDATE VACUUM VALUES WITH
    OPTIMIZE RENAME REPLACE USE
    """.split()
)
_TRANSACTION = frozenset(
    {"BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE"}
)
_DML = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "MERGE"})
#: ``CREATE <what>`` statements that create an object nobody uses yet and lock no table.
_CREATE_HARMLESS = frozenset(
    {
        "FUNCTION",
        "PROCEDURE",
        "VIEW",
        "SEQUENCE",
        "TYPE",
        "SCHEMA",
        "EXTENSION",
        "DOMAIN",
        "COLLATION",
        "AGGREGATE",
        "OPERATOR",
    }
)


def _classify(words: _Words, text: str, line: int) -> Statement:
    """The statement whose words are ``words`` (``text`` as written, starting at ``line``)."""
    if any(word.error for word in words.words) or words.peek() not in _COMMANDS:
        return Statement(text, line, "unparsable")
    verb = words.peek()
    if verb == "WITH":
        verb = _main_verb(words)
    words.position += 1
    reader = _READERS.get(verb)
    if reader is not None:
        statement = reader(words, Statement(text, line, "other"))
        if statement.kind in ("alter_table", "create_table"):
            return replace(statement, references=_references(words))
        return statement
    if verb in _TRANSACTION or (verb == "PREPARE" and words.take("TRANSACTION")):
        control = not (verb in ("SAVEPOINT", "RELEASE") or words.has("TO"))
        return Statement(text, line, "transaction", lock="none", transaction_control=control)
    if verb in ("SET", "RESET", "SHOW"):
        return Statement(text, line, "set", lock="none")
    return Statement(text, line, "other")


def _references(words: _Words) -> tuple[str, ...]:
    """The tables named after ``REFERENCES`` anywhere in the statement."""
    found = []
    for index, word in enumerate(words.words):
        if word.upper == "REFERENCES":
            table = _Words(words.words, words.source, index + 1).name()
            if table is not None:
                found.append(table)
    return tuple(found)


def _main_verb(words: _Words) -> str:
    """The DML verb after a ``WITH`` clause: the first one outside parentheses."""
    for index, word in enumerate(words.words):
        if word.depth == 0 and word.upper in _DML:
            words.position = index
            return word.upper
    return "WITH"


def _create(words: _Words, base: Statement) -> Statement:
    words.skip("OR", "REPLACE", "GLOBAL", "LOCAL", "TEMP", "TEMPORARY", "UNLOGGED")
    unique = words.take("UNIQUE")
    if words.take("INDEX"):
        return _create_index(words, base)
    if not unique and words.take("TABLE"):
        words.take("IF", "NOT", "EXISTS")
        return replace(base, kind="create_table", table=words.name(), lock="none")
    if words.take("MATERIALIZED", "VIEW") or words.peek() in _CREATE_HARMLESS:
        return replace(base, lock="none")
    return base


def _create_index(words: _Words, base: Statement) -> Statement:
    concurrently = words.take("CONCURRENTLY")
    words.take("IF", "NOT", "EXISTS")
    index = None if words.peek() == "ON" else words.name()
    words.take("ON")
    words.take("ONLY")
    statement = replace(
        base, kind="create_index", table=words.name(), index=index, lock="SHARE", scans=True
    )
    return _concurrent(statement, concurrently)


def _concurrent(statement: Statement, concurrently: bool) -> Statement:
    """``statement`` in its ``CONCURRENTLY`` form if ``concurrently``: SHARE UPDATE EXCLUSIVE
    instead of its blocking lock, and PostgreSQL refuses it inside a transaction block."""
    if not concurrently:
        return statement
    return replace(statement, lock="SHARE UPDATE EXCLUSIVE", concurrently=True, no_transaction=True)


def _drop(words: _Words, base: Statement) -> Statement:
    if words.take("INDEX"):
        concurrently = words.take("CONCURRENTLY")
        words.take("IF", "EXISTS")
        statement = replace(base, kind="drop_index", index=words.name(), lock="ACCESS EXCLUSIVE")
        return _concurrent(statement, concurrently)
    if words.take("TABLE"):
        words.take("IF", "EXISTS")
        return _table_list(words, replace(base, kind="drop_table", lock="ACCESS EXCLUSIVE"))
    return base


def _table_list(words: _Words, base: Statement) -> Statement:
    """``base`` (a DROP TABLE or TRUNCATE) on the comma-separated tables that come next
    (``ONLY`` and ``*`` aside), then its ``CASCADE``, if any."""
    tables: list[str] = []
    more = True
    while more:
        words.take("ONLY")
        name = words.name()
        if name is not None:
            tables.append(name)
        words.take("*")
        more = words.take(",")
    return replace(
        base,
        table=tables[0] if tables else None,
        others=tuple(tables[1:]),
        cascade=words.has("CASCADE"),
    )


def _reindex(words: _Words, base: Statement) -> Statement:
    options = words.options()
    target = words.peek()
    words.position += 1
    concurrently = words.take("CONCURRENTLY") or _enabled(options, "CONCURRENTLY")
    name = words.name()
    statement = replace(
        base,
        kind="reindex",
        table=name if target == "TABLE" else None,
        index=name if target == "INDEX" else None,
        lock="SHARE",
        scans=True,
    )
    return _concurrent(statement, concurrently)


def _truncate(words: _Words, base: Statement) -> Statement:
    words.take("TABLE")
    return _table_list(words, replace(base, kind="truncate", lock="ACCESS EXCLUSIVE"))


def _vacuum(words: _Words, base: Statement) -> Statement:
    options = words.options()
    full = _enabled(options, "FULL") or words.take("FULL")
    words.skip("FREEZE", "VERBOSE", "ANALYZE", "ANALYSE")
    lock: Lock = "ACCESS EXCLUSIVE" if full else "SHARE UPDATE EXCLUSIVE"
    return replace(
        base, kind="vacuum", table=words.name(), lock=lock, rewrites=full, no_transaction=True
    )


def _analyze(words: _Words, base: Statement) -> Statement:
    words.options()
    words.skip("VERBOSE")
    return replace(base, kind="analyze", table=words.name(), lock="SHARE UPDATE EXCLUSIVE")


def _cluster(words: _Words, base: Statement) -> Statement:
    words.options()
    words.skip("VERBOSE")
    return replace(base, kind="cluster", table=words.name(), lock="ACCESS EXCLUSIVE", rewrites=True)


def _enabled(options: Sequence[str], option: str) -> bool:
    """Whether a parenthesised option list turns ``option`` on (``FULL``, ``FULL true``;
    not ``FULL false``)."""
    if option not in options:
        return False
    value = options[options.index(option) + 1 : options.index(option) + 2]
    return value not in (["FALSE"], ["OFF"], ["0"])


def _update(words: _Words, base: Statement) -> Statement:
    words.take("ONLY")
    every_row = not words.has("WHERE")
    return replace(
        base,
        kind="update",
        table=words.name(),
        lock="none",
        every_row=every_row,
        rewrites=every_row,
        scans=every_row,
    )


def _delete(words: _Words, base: Statement) -> Statement:
    words.take("FROM")
    words.take("ONLY")
    every_row = not words.has("WHERE")
    return replace(
        base, kind="delete", table=words.name(), lock="none", every_row=every_row, scans=every_row
    )


def _insert(words: _Words, base: Statement) -> Statement:
    words.take("INTO")
    return replace(base, kind="insert", table=words.name(), lock="none")


def _select(words: _Words, base: Statement) -> Statement:
    return replace(base, kind="select", lock="none")


def _comment(words: _Words, base: Statement) -> Statement:
    words.take("ON")
    table = None
    if words.take("TABLE"):
        table = words.name()
    elif words.take("COLUMN"):
        parts = words.parts()
        table = parts[-2] if len(parts) >= 2 else None
    return replace(base, kind="comment", table=table, lock="SHARE UPDATE EXCLUSIVE")


# -- ALTER TABLE -----------------------------------------------------------------------------

#: Functions whose value differs per row: a column default calling one rewrites the table
#: (PostgreSQL 11+ stores any other default once, in the catalogue).
_VOLATILE = frozenset(
    {
        "random",
        "gen_random_uuid",
        "uuid_generate_v1",
        "uuid_generate_v1mc",
        "uuid_generate_v4",
        "uuidv4",
        "uuidv7",
        "clock_timestamp",
        "timeofday",
        "nextval",
    }
)
_SERIAL = frozenset({"serial", "serial2", "serial4", "serial8", "smallserial", "bigserial"})
_CONSTRAINTS = frozenset({"CONSTRAINT", "CHECK", "UNIQUE", "PRIMARY", "EXCLUDE", "FOREIGN"})


#: The table locks ALTER TABLE actions take, weakest first: the statement takes the strongest
#: of its actions' locks.
_ALTER_LOCKS: tuple[Lock, ...] = (
    "SHARE UPDATE EXCLUSIVE",
    "SHARE ROW EXCLUSIVE",
    "ACCESS EXCLUSIVE",
)


@dataclass(frozen=True)
class _Action:
    """What one action of an ALTER TABLE does."""

    lock: Lock
    hazards: tuple[Hazard, ...] = ()
    rewrites: bool = False
    scans: bool = False
    no_transaction: bool = False


def _alter(words: _Words, base: Statement) -> Statement:
    if words.take("SEQUENCE") or (words.take("INDEX") and words.has("RENAME")):
        # Locks only the sequence or the index: the table's readers and writers go on.
        return replace(base, lock="none")
    if not words.take("TABLE"):
        return base
    words.take("IF", "EXISTS")
    words.take("ONLY")
    table = words.name()
    words.take("*")
    if words.peek() in ("", "ALL"):
        return replace(base, table=table)
    actions = [_action(_Words(part, words.source)) for part in _split_actions(words.rest())]
    return replace(
        base,
        kind="alter_table",
        table=table,
        lock=max((action.lock for action in actions), key=_ALTER_LOCKS.index),
        hazards=tuple(hazard for action in actions for hazard in action.hazards),
        rewrites=any(action.rewrites for action in actions),
        scans=any(action.scans for action in actions),
        no_transaction=any(action.no_transaction for action in actions),
        concurrently=any(action.no_transaction for action in actions),
    )


def _split_actions(words: Sequence[_Word]) -> Iterator[Sequence[_Word]]:
    """The comma-separated actions of an ALTER TABLE (commas inside parentheses do not
    separate)."""
    start = 0
    depth = words[0].depth if words else 0
    for index, word in enumerate(words):
        if word.text == "," and word.depth == depth:
            if index > start:
                yield words[start:index]
            start = index + 1
    if start < len(words):
        yield words[start:]


def _action(words: _Words) -> _Action:
    text = words.excerpt()
    verb = words.peek()
    words.position += 1
    if verb == "ADD":
        if words.peek() in _CONSTRAINTS:
            return _add_constraint(words, text)
        return _add_column(words, text)
    if verb == "ALTER":
        return _alter_column(words, text)
    if verb == "DROP":
        if words.take("CONSTRAINT"):
            return _Action("ACCESS EXCLUSIVE")
        words.take("COLUMN")
        words.take("IF", "EXISTS")
        return _Action("ACCESS EXCLUSIVE", (Hazard("drop_column", words.name(), text),))
    if verb == "RENAME":
        return _rename(words, text)
    if verb == "CHANGE":  # MySQL: CHANGE [COLUMN] old new definition
        words.take("COLUMN")
        old, new = words.name(), words.name()
        hazards = (Hazard("rename_column", old, text),) if old != new else ()
        return _Action("ACCESS EXCLUSIVE", hazards)
    if verb == "VALIDATE":
        return _Action("SHARE UPDATE EXCLUSIVE", scans=True)
    if verb == "SET":
        if words.take("("):
            return _Action("SHARE UPDATE EXCLUSIVE")
        rewrites = words.peek() in ("LOGGED", "UNLOGGED", "TABLESPACE")
        return _Action("ACCESS EXCLUSIVE", rewrites=rewrites)
    if verb == "CLUSTER" or verb == "ATTACH":
        return _Action("SHARE UPDATE EXCLUSIVE", scans=verb == "ATTACH")
    if verb in ("ENABLE", "DISABLE") and words.has("TRIGGER"):
        return _Action("SHARE ROW EXCLUSIVE")
    if verb == "DETACH" and words.has("CONCURRENTLY"):
        return _Action("SHARE UPDATE EXCLUSIVE", no_transaction=True)
    return _Action("ACCESS EXCLUSIVE")


def _add_constraint(words: _Words, text: str) -> _Action:
    if words.take("CONSTRAINT"):
        words.name()
    kind = words.peek()
    if words.has("NOT", "VALID") or words.has("USING", "INDEX"):
        lock: Lock = "SHARE ROW EXCLUSIVE" if kind == "FOREIGN" else "ACCESS EXCLUSIVE"
        return _Action(lock)
    if kind == "FOREIGN":
        return _Action("SHARE ROW EXCLUSIVE", (Hazard("add_foreign_key", None, text),), scans=True)
    hazard: HazardKind = "add_check" if kind == "CHECK" else "add_unique"
    return _Action("ACCESS EXCLUSIVE", (Hazard(hazard, None, text),), scans=True)


def _add_column(words: _Words, text: str) -> _Action:
    words.take("COLUMN")
    words.take("IF", "NOT", "EXISTS")
    column = words.name()
    rest = words.rest()
    serial = bool(rest) and rest[0].name in _SERIAL
    volatile = (
        serial
        or any(word.name in _VOLATILE for word in rest)
        or (words.has("GENERATED") and (words.has("STORED") or words.has("IDENTITY")))
    )
    filled = volatile or words.has("DEFAULT")
    hazards = []
    if not filled and (words.has("NOT", "NULL") or words.has("PRIMARY", "KEY")):
        hazards.append(Hazard("add_column_not_null", column, text))
    if volatile:
        hazards.append(Hazard("volatile_default", column, text))
    if words.has("REFERENCES"):
        hazards.append(Hazard("add_foreign_key", column, text))
    if words.has("CHECK"):
        hazards.append(Hazard("add_check", column, text))
    if words.has("UNIQUE") or words.has("PRIMARY", "KEY"):
        hazards.append(Hazard("add_unique", column, text))
    scans = any(h.kind in ("add_foreign_key", "add_check", "add_unique") for h in hazards)
    return _Action("ACCESS EXCLUSIVE", tuple(hazards), rewrites=volatile, scans=scans)


def _alter_column(words: _Words, text: str) -> _Action:
    words.take("COLUMN")
    column = words.name()
    if words.take("TYPE") or words.take("SET", "DATA", "TYPE"):
        return _Action("ACCESS EXCLUSIVE", (Hazard("alter_type", column, text),), rewrites=True)
    if words.take("SET", "NOT", "NULL"):
        return _Action("ACCESS EXCLUSIVE", (Hazard("set_not_null", column, text),), scans=True)
    if words.take("SET", "STATISTICS") or words.take("SET", "("):
        return _Action("SHARE UPDATE EXCLUSIVE")
    return _Action("ACCESS EXCLUSIVE")


def _rename(words: _Words, text: str) -> _Action:
    if words.take("TO"):
        return _Action("ACCESS EXCLUSIVE", (Hazard("rename_table", None, text),))
    if words.take("CONSTRAINT"):
        return _Action("ACCESS EXCLUSIVE")
    words.take("COLUMN")
    return _Action("ACCESS EXCLUSIVE", (Hazard("rename_column", words.name(), text),))


def _rename_table(words: _Words, base: Statement) -> Statement:
    """MySQL's ``RENAME TABLE old TO new``."""
    if not words.take("TABLE"):
        return base
    hazard = Hazard("rename_table", None, " ".join(base.text.split()))
    table = words.name()
    return replace(
        base, kind="alter_table", table=table, lock="ACCESS EXCLUSIVE", hazards=(hazard,)
    )


_Reader = Callable[[_Words, Statement], Statement]

#: The statements classified by their first keyword.
_READERS: dict[str, _Reader] = {
    "CREATE": _create,
    "DROP": _drop,
    "ALTER": _alter,
    "REINDEX": _reindex,
    "TRUNCATE": _truncate,
    "VACUUM": _vacuum,
    "ANALYZE": _analyze,
    "ANALYSE": _analyze,
    "CLUSTER": _cluster,
    "UPDATE": _update,
    "DELETE": _delete,
    "INSERT": _insert,
    "SELECT": _select,
    "COMMENT": _comment,
    "RENAME": _rename_table,
}
