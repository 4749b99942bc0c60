"""Parse migration files once: a content-keyed on-disk cache, and parallel parsing of misses.

Parsing with libcst is the expensive step (and importing libcst alone costs about half a
second), so a warm run must neither parse nor import it. The key of a file is a BLAKE2b
hash of everything the parse depends on: its bytes, app label, name and dotted module (the
parser's messages name the migration, and relative imports resolve against the module).
The path only labels the result, so a moved checkout still hits, with the path restamped.
The cache file is
stamped with the tool version, :data:`PARSER_FORMAT` and a fingerprint of the parser's own
source, so any change to the parser (a release, or an edit in a development checkout)
invalidates it as a whole rather than serving stale results.

Storage is one pickle per project cache directory, read once and rewritten atomically
(temporary file + ``os.replace``) only when an entry was added or dropped; entries no file
used in this run are dropped, so the cache tracks the project instead of growing forever.
A cache that cannot be read, unpickled, or is of another version is ignored and rewritten;
one that cannot be written is skipped silently. Parsing itself never depends on the cache.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Sequence
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import migration_lint
from migration_lint import model
from migration_lint.model import MigrationFile, ParseProblem, Span

if TYPE_CHECKING:
    from migration_lint.discovery import MigrationSource

#: Bump when the shape of what the parser produces changes in a way pickles would hide.
PARSER_FORMAT = 1

CACHE_FILE = "migrations.pickle"

#: Below this many misses, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 16

_CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by migration-lint.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)

_Job = tuple[bytes, str, str, str, str | None]  # source, app_label, name, path, module


def code_fingerprint(sources: Sequence[Path]) -> str:
    """Identifies the code that produced cached data: version, format and ``sources``.

    Hashing the sources (not only the version) makes an edit in a development checkout
    invalidate what the edited code produced.
    """
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{migration_lint.__version__}\0{PARSER_FORMAT}\0".encode())
    digest.update(f"{sys.version_info[:2]}\0{pickle.HIGHEST_PROTOCOL}\0".encode())
    for source in sources:
        try:
            digest.update(source.name.encode() + b"\0" + source.read_bytes())
        except OSError:
            digest.update(source.name.encode() + b"\0missing")
    return digest.hexdigest()


def _fingerprint() -> str:
    """The parser's fingerprint: the model and the parsing package."""
    package = Path(migration_lint.__file__).parent
    return code_fingerprint([package / "model.py", *sorted((package / "parsing").glob("*.py"))])


def cache_key(source: bytes, app_label: str, name: str, module: str | None) -> bytes:
    """The cache key of one parse: every input of the parser except the path."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update(f"{app_label}\0{name}\0{module or ''}\0".encode())
    digest.update(source)
    return digest.digest()


def _load(path: Path, fingerprint: str) -> dict[bytes, MigrationFile]:
    """The cached entries, or nothing when the file is missing, broken or from other code."""
    try:
        with path.open("rb") as stream:
            data = pickle.load(stream)
    except Exception:  # a cache must never be the reason a run fails
        return {}
    if (
        not isinstance(data, dict)
        or data.get("fingerprint") != fingerprint
        or not isinstance(data.get("entries"), dict)
    ):
        return {}
    entries: dict[bytes, MigrationFile] = data["entries"]
    return entries


@functools.cache
def _model_reducers() -> dict[type, Callable[[Any], tuple[Any, ...]]]:
    """For each dataclass of :mod:`migration_lint.model`: object -> its constructor args."""
    reducers: dict[type, Callable[[Any], tuple[Any, ...]]] = {}
    for value in vars(model).values():
        if not (isinstance(value, type) and dataclasses.is_dataclass(value)):
            continue
        fields = dataclasses.fields(value)
        if value.__module__ == model.__name__ and fields and all(f.init for f in fields):
            getter = attrgetter(*(f.name for f in fields))
            reducers[value] = getter if len(fields) > 1 else functools.partial(_single, getter)
    return reducers


def _single(getter: Callable[[Any], Any], obj: Any) -> tuple[Any, ...]:
    return (getter(obj),)


class _Pickler(pickle.Pickler):
    """Pickles the model's frozen slotted dataclasses as ``cls(*fields)`` calls.

    The default protocol for them restores each object through
    ``dataclasses._dataclass_setstate``, which looks up the class's fields once per
    object: on a large history that made loading the cache three to four times slower
    than constructing the objects directly.
    """

    def reducer_override(self, obj: Any) -> Any:
        reducer = _model_reducers().get(type(obj))
        if reducer is None:
            return NotImplemented
        return type(obj), reducer(obj)


def write_atomically(cache_dir: Path, name: str, data: bytes) -> None:
    """Write ``cache_dir/name`` atomically (a marked, git-ignored cache directory); any OS
    error leaves the old file (or none) in place."""
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        for marker_name, text in ((".gitignore", "*\n"), ("CACHEDIR.TAG", _CACHEDIR_TAG)):
            marker = cache_dir / marker_name
            if not marker.exists():
                marker.write_text(text)
        handle, temporary = tempfile.mkstemp(prefix=f".{name}-", dir=cache_dir)
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            os.replace(temporary, cache_dir / name)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:
        return


def _store(cache_dir: Path, fingerprint: str, entries: dict[bytes, MigrationFile]) -> None:
    """Write the entries (see :class:`_Pickler` for why not plain ``pickle.dumps``)."""
    buffer = io.BytesIO()
    payload = {"fingerprint": fingerprint, "entries": entries}
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(payload)
    write_atomically(cache_dir, CACHE_FILE, buffer.getvalue())


def _parse(job: _Job) -> MigrationFile:
    """Parse one file; libcst is imported here, and only here, on first use."""
    from migration_lint.parsing.migrations import parse_migration

    source, app_label, name, path, module = job
    return parse_migration(source, app_label=app_label, name=name, path=path, module=module)


def _parse_chunk(jobs: list[_Job]) -> list[MigrationFile]:
    """Worker-process entry point: one round trip for several files."""
    return [_parse(job) for job in jobs]


def _cpu_count() -> int:
    counter = getattr(os, "process_cpu_count", None)  # Python 3.13+: honours affinity
    if counter is not None:
        return int(counter() or 1)
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _parse_all(jobs: list[_Job], max_workers: int | None) -> list[MigrationFile]:
    """Parse the misses, in worker processes when there are enough of them to pay off."""
    workers = min(_cpu_count(), max_workers or sys.maxsize, len(jobs))
    if len(jobs) <= PARALLEL_THRESHOLD or workers < 2:
        return [_parse(job) for job in jobs]
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    # A few chunks per worker balance uneven file sizes without many round trips.
    size = max(1, -(-len(jobs) // (workers * 4)))
    chunks = [jobs[start : start + size] for start in range(0, len(jobs), size)]
    try:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            return [parsed for chunk in pool.map(_parse_chunk, chunks) for parsed in chunk]
    except (BrokenProcessPool, OSError, pickle.PicklingError):
        # No usable worker processes here (sandbox, exhausted limits): parse in-process.
        return [_parse(job) for job in jobs]


def _unreadable(source: MigrationSource, error: OSError) -> MigrationFile:
    span = Span(1, 1, 1, 1)
    return MigrationFile(
        app_label=source.app_label,
        name=source.name,
        path=str(source.path),
        complete=False,
        problems=(ParseProblem(f"cannot read the file: {error.strerror or error}", span),),
    )


@dataclasses.dataclass(frozen=True)
class LoadedFiles:
    """Parsed migration files, and a digest of everything they were parsed from (each
    file's key and path, in order): equal digests mean equal files."""

    files: list[MigrationFile]
    digest: bytes


def load_migration_files(
    sources: Sequence[MigrationSource], *, cache_dir: Path | None, jobs: int | None = None
) -> LoadedFiles:
    """Parsed migration files, in the order of ``sources``.

    ``cache_dir`` ``None`` disables the cache (nothing read or written); ``jobs`` caps the
    number of worker processes (1 parses in this process).
    """
    inputs = hashlib.blake2b(digest_size=20)
    fingerprint = _fingerprint() if cache_dir is not None else ""
    cached = _load(cache_dir / CACHE_FILE, fingerprint) if cache_dir is not None else {}
    results: list[MigrationFile | None] = []
    used: dict[bytes, MigrationFile] = {}
    misses: list[tuple[int, bytes, _Job]] = []
    for index, source in enumerate(sources):
        try:
            content = source.path.read_bytes()
        except OSError as error:
            results.append(_unreadable(source, error))
            inputs.update(b"unreadable\0" + str(source.path).encode() + b"\0")
            continue
        key = cache_key(content, source.app_label, source.name, source.module)
        inputs.update(key + str(source.path).encode() + b"\0")
        hit = cached.get(key)
        results.append(_restamp(hit, source) if hit is not None else None)
        if hit is not None:
            used[key] = hit
        else:
            job = (content, source.app_label, source.name, str(source.path), source.module)
            misses.append((index, key, job))
    if misses:
        parsed = _parse_all([job for _, _, job in misses], jobs)
        for (index, key, _), migration in zip(misses, parsed, strict=True):
            results[index] = migration
            used[key] = migration
    if cache_dir is not None and used.keys() != cached.keys():
        _store(cache_dir, fingerprint, used)
    files = [migration for migration in results if migration is not None]
    return LoadedFiles(files, inputs.digest())


def _restamp(migration: MigrationFile, source: MigrationSource) -> MigrationFile:
    """The path is not part of the key: give a cached entry this file's path."""
    path = str(source.path)
    return migration if migration.path == path else dataclasses.replace(migration, path=path)
