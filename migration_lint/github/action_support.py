"""Small helpers the composite action (``action.yml``) calls with ``python -m``.

They live here rather than as inline scripts in the YAML so they are type-checked and
tested, and so the action's bash never needs ``jq`` (absent on some runners) or splices
data into code. Each prints ``key=value`` lines for ``$GITHUB_OUTPUT`` or writes a file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

#: GitHub's limit for one step's job summary; an oversized upload is dropped entirely.
SUMMARY_LIMIT_BYTES = 1024 * 1024
#: What we aim for, with room for what else the step appends.
SUMMARY_BUDGET_BYTES = SUMMARY_LIMIT_BYTES - 16 * 1024


def counts(findings_json: Path) -> dict[str, int]:
    """``findings`` / ``errors`` / ``warnings`` / ``infos`` from ``check --format json``."""
    summary = json.loads(findings_json.read_text(encoding="utf-8"))["summary"]
    return {
        "findings": int(summary["total"]),
        "errors": int(summary["error"]),
        "warnings": int(summary["warning"]),
        "infos": int(summary["info"]),
    }


def pr_number(event_path: Path) -> int | None:
    """The pull request's number from the event payload (None for other events)."""
    try:
        event = json.loads(event_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    number = (event.get("pull_request") or {}).get("number")
    return number if isinstance(number, int) else None


def append_summary(source: Path, summary: Path, budget: int = SUMMARY_BUDGET_BYTES) -> bool:
    """Append ``source`` to the job summary, cut at a line boundary to fit ``budget`` bytes.

    Counts what the summary file already holds (another step of the same job may share it).
    Returns whether the text was cut.
    """
    text = source.read_text(encoding="utf-8")
    existing = summary.stat().st_size if summary.exists() else 0
    room = budget - existing
    data = text.encode("utf-8")
    cut = len(data) > room
    if cut:
        note = (
            "\n\n_…the rest of the migration-lint report does not fit in the job summary "
            "(1 MiB per step); see the log._\n"
        )
        keep = max(room - len(note.encode()), 0)
        head = data[:keep].decode("utf-8", errors="ignore")
        head = head[: head.rfind("\n") + 1] if "\n" in head else ""
        if head.count("```") % 2:
            head += "```\n"
        text = head + note
    with summary.open("a", encoding="utf-8") as stream:
        stream.write(text if text.endswith("\n") else text + "\n")
    return cut


def main(argv: list[str]) -> int:
    """``counts FILE`` | ``pr-number EVENT_FILE`` | ``append-summary SOURCE SUMMARY``."""
    match argv:
        case ["counts", path]:
            for key, value in counts(Path(path)).items():
                print(f"{key}={value}")
        case ["pr-number", path]:
            number = pr_number(Path(path))
            print("" if number is None else number)
        case ["append-summary", source, summary]:
            if append_summary(Path(source), Path(summary)):
                print("::warning title=migration-lint::the job summary was cut to fit 1 MiB")
        case _:
            print(f"usage: {main.__doc__}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
