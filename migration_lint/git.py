"""What a git ref holds, read with the ``git`` command: the plumbing ``plan --from-ref`` and
``check --base`` share.

Both ask "which migration files existed at that commit?" (and ``--base`` also "what did
they say?"), in the migrations directories the project has now. ``git`` runs as a
subprocess: no library, and whatever credentials, worktrees or alternates the user's git
knows about keep working.
"""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from migration_lint.discovery import AppInfo, module_name

__all__ = [
    "GitError",
    "Ref",
    "RefFile",
    "app_migrations_at",
    "migration_names_in_listing",
    "open_ref",
]


class GitError(Exception):
    """git could not answer (no repository, unknown ref, git missing): a usage problem."""


def _run(cwd: Path, *args: str, stdin: bytes | None = None) -> bytes:
    try:
        result = subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True)
    except OSError as error:
        raise GitError(f"cannot run git: {error}") from None
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip().splitlines()
        raise GitError(f"git {args[0]} failed: {message[-1] if message else ''}".rstrip())
    return result.stdout


def _text(cwd: Path, *args: str) -> str:
    return _run(cwd, *args).decode(errors="surrogateescape").strip()


#: What to do about a ref a shallow clone lacks (CI checkouts fetch one commit by default).
SHALLOW_HINT = (
    "this clone is shallow: fetch the history (actions/checkout with `fetch-depth: 0`, "
    "or `git fetch --unshallow`, or `git fetch origin <branch>`)"
)


@dataclass(frozen=True)
class RefFile:
    """A file at a ref: its path relative to the top level and its blob's object id."""

    path: PurePosixPath
    object_id: str


@dataclass(frozen=True)
class Ref:
    """A commit of the repository at ``toplevel``, named ``name`` by the user."""

    toplevel: Path
    name: str
    commit: str

    def relative(self, directory: Path) -> PurePosixPath | None:
        """``directory`` relative to the top level; ``None`` when it is not versioned here."""
        resolved = directory.resolve()
        if not resolved.is_relative_to(self.toplevel):
            return None
        return PurePosixPath(resolved.relative_to(self.toplevel).as_posix())

    def listing(self, directories: Iterable[PurePosixPath]) -> dict[PurePosixPath, list[RefFile]]:
        """The files directly in each of ``directories`` at this ref (a directory the ref
        does not have is absent: git stores no empty directory)."""
        wanted = sorted({str(directory) for directory in directories})
        if not wanted:
            return {}
        output = _run(
            self.toplevel, "ls-tree", "-r", "-z", "--full-tree", self.commit, "--", *wanted
        )
        found: dict[PurePosixPath, list[RefFile]] = {}
        for entry in output.decode(errors="surrogateescape").split("\0"):
            meta, tab, name = entry.partition("\t")
            if not tab or meta.split(" ")[1] != "blob":
                continue  # the end of the output, or a submodule
            path = PurePosixPath(name)
            if str(path.parent) in wanted:
                found.setdefault(path.parent, []).append(RefFile(path, meta.split(" ")[2]))
        return found

    def read(self, object_ids: Iterable[str]) -> dict[str, bytes]:
        """The content of each blob, all read by one ``git cat-file --batch``."""
        ids = sorted(set(object_ids))
        if not ids:
            return {}
        output = _run(
            self.toplevel, "cat-file", "--batch", stdin="".join(f"{i}\n" for i in ids).encode()
        )
        contents: dict[str, bytes] = {}
        position = 0
        for object_id in ids:
            end = output.index(b"\n", position)
            header = output[position:end].split(b" ")
            position = end + 1
            if len(header) != 3:
                raise GitError(f"git cat-file: object {object_id} is missing")
            size = int(header[2])
            contents[object_id] = output[position : position + size]
            position += size + 1
        return contents

    def blob_id(self, data: bytes) -> str:
        """The object id git gives a blob holding ``data`` (SHA-1, or SHA-256 for a
        repository in that object format), to spot unchanged files without reading them."""
        algorithm = hashlib.sha1 if len(self.commit) == 40 else hashlib.sha256
        return algorithm(b"blob %d\0" % len(data) + data).hexdigest()


def open_ref(anchor: Path, name: str) -> Ref:
    """The commit ``name`` designates in the repository holding ``anchor``.

    An unknown ref in a shallow clone gets :data:`SHALLOW_HINT`: that is nearly always why a
    CI job cannot see its base branch.
    """
    toplevel = Path(_text(anchor, "rev-parse", "--show-toplevel")).resolve()
    try:
        commit = _text(toplevel, "rev-parse", "--verify", "--quiet", f"{name}^{{commit}}")
    except GitError:
        message = f"git rev-parse failed: unknown ref {name!r}"
        if _text(toplevel, "rev-parse", "--is-shallow-repository") == "true":
            message += f"; {SHALLOW_HINT}"
        raise GitError(message) from None
    return Ref(toplevel, name, commit)


def migration_names_in_listing(filenames: Iterable[str]) -> dict[str, str]:
    """The migration names Django would load from a directory given its file names, each
    with the file it comes from.

    Same rules as :func:`migration_lint.discovery.migration_names` for a listing instead of
    a directory on disk: module suffixes only, first file of each module name wins in
    sorted order, no dotted names, no ``__init__``, nothing starting with ``_`` or ``~``.
    Files in sub-directories are not passed here (sub-packages are never migrations).
    """
    seen: set[str] = set()
    names: dict[str, str] = {}
    for filename in sorted(filenames):
        name = module_name(filename)
        if not name or name == "__init__" or "." in name or name in seen:
            continue
        seen.add(name)
        if name[0] not in "_~":
            names[name] = filename
    return names


def app_migrations_at(ref: Ref, apps: Iterable[AppInfo]) -> Mapping[str, dict[str, RefFile] | None]:
    """Per app label, the migrations ``ref`` has in the app's migrations directory (as
    discovered now), by name; ``None`` for an app whose migrations live outside the
    repository (Django's contrib apps, installed packages): they are not versioned with it.

    A directory without ``__init__`` at the ref was no migrations package: nothing there.
    """
    directories = {
        app.label: ref.relative(app.migrations_path)
        for app in apps
        if app.migrations_path is not None
    }
    listing = ref.listing(d for d in directories.values() if d is not None)
    result: dict[str, dict[str, RefFile] | None] = {}
    for label, directory in directories.items():
        if directory is None:
            result[label] = None
            continue
        files = {file.path.name: file for file in listing.get(directory, [])}
        if not any(module_name(filename) == "__init__" for filename in files):
            result[label] = {}
            continue
        names = migration_names_in_listing(files)
        result[label] = {name: files[filename] for name, filename in names.items()}
    return result
