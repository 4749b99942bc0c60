"""``# noqa`` comments of a file, read from its raw text.

This module must stay cheap to import: warm runs read suppressions without libcst. Only real
comments count, so the text is tokenized (``"# noqa"`` inside a string suppresses nothing).

* ``# noqa`` silences every code on its line, ``# noqa: ML101, ML102`` (or ``ML101 ML102``)
  only those. ``noqa`` is matched case-insensitively, codes are ``ML`` and three digits in
  upper case. A ``# noqa: E501`` that names only other tools' codes silences nothing here.
* ``# migration-lint: noqa`` on a line of its own silences the whole file,
  ``# migration-lint: noqa: ML101,ML102`` only those codes in it.
"""

from __future__ import annotations

import io
import re
import tokenize

from migration_lint.model import Suppressions

__all__ = ["parse_suppressions"]

_CODES = r"(?::\s*(?P<codes>[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*))?"
_LINE = re.compile(r"#\s*(?i:noqa)" + _CODES)
_FILE = re.compile(r"#\s*(?i:migration-lint)\s*:\s*(?i:noqa)" + _CODES)
_OUR_CODE = re.compile(r"ML[0-9]{3}")
_ANYWHERE = re.compile(r"(?i:noqa)")


def _codes(match: re.Match[str]) -> tuple[str, ...] | None:
    """The codes a noqa comment names: ``()`` for all, ``None`` when it names only others'."""
    listed = match.group("codes")
    if listed is None:
        return ()
    ours = [code for code in re.split(r"[\s,]+", listed) if _OUR_CODE.fullmatch(code)]
    return tuple(dict.fromkeys(ours)) or None


def parse_suppressions(text: str) -> Suppressions:
    """The ``# noqa`` and ``# migration-lint: noqa`` comments of ``text``.

    A file that stops tokenizing (a syntax error) keeps the comments found before the error,
    so that a file-level ``# migration-lint: noqa: ML009`` at the top still applies to it.
    """
    if _ANYWHERE.search(text) is None:  # the common case, without tokenizing
        return Suppressions()
    lines: dict[int, tuple[str, ...]] = {}
    file_codes: tuple[str, ...] | None = None
    readline = io.StringIO(text, newline=None).readline  # universal newlines, like Python
    try:
        for token in tokenize.generate_tokens(readline):
            if token.type != tokenize.COMMENT:
                continue
            own_line = not token.line[: token.start[1]].strip()
            file_match = _FILE.match(token.string) if own_line else None
            if file_match is not None:
                codes = _codes(file_match)
                if codes == () or file_codes == ():
                    file_codes = ()  # a file-wide blanket noqa wins
                elif codes is not None:
                    file_codes = tuple(dict.fromkeys((file_codes or ()) + codes))
                continue
            line_match = _LINE.search(token.string)
            if line_match is not None:
                codes = _codes(line_match)
                if codes is not None:
                    lines[token.start[0]] = codes
    except (tokenize.TokenError, SyntaxError):
        pass
    return Suppressions(lines=tuple(sorted(lines.items())), file_codes=file_codes)
