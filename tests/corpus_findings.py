"""Count the safety findings on the PyPI corpora, per rule, and sample some for review.

``python -m tests.corpus_findings [--sample N] [--seed S]`` prints, for each corpus of
:mod:`tests.corpora`, how many findings each ML1xx/ML2xx/ML3xx rule reports on its whole
history (every migration its own deploy), then ``N`` random findings with the operation's
source, for a person to judge true or false positive. It is how the issue notes' counts are
produced; the tests only check that every rule runs on every corpus without crashing
(``tests/test_corpora.py``).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

from tests.corpora import CORPORA, prepare

SAFETY = "ML1,ML2,ML3"


def findings_of(root: Path) -> list[dict[str, object]]:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "migration_lint",
            "check",
            "--format",
            "json",
            "--no-cache",
            "--select",
            SAFETY,
            "--exit-zero",
            ".",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    findings: list[dict[str, object]] = json.loads(result.stdout)["findings"]
    return findings


def excerpt(root: Path, finding: dict[str, object], context: int = 2) -> str:
    lines = (root / str(finding["path"])).read_text().splitlines()
    start, end = int(str(finding["line"])), int(str(finding["end_line"]))
    shown = lines[max(start - 1 - context, 0) : min(end + context, len(lines))]
    return "\n".join("    | " + line for line in shown)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sample", type=int, default=20)
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()
    total: Counter[str] = Counter()
    everything: list[tuple[Path, dict[str, object]]] = []
    for corpus in CORPORA:
        root = prepare(corpus).root
        found = findings_of(root)
        counts = Counter(str(f["code"]) for f in found)
        total.update(counts)
        everything.extend((root, f) for f in found)
        print(
            f"{corpus.name}: {len(found)} findings: "
            + ", ".join(f"{code} {count}" for code, count in sorted(counts.items()))
        )
    print("all corpora: " + ", ".join(f"{code} {count}" for code, count in sorted(total.items())))
    for root, finding in random.Random(args.seed).sample(
        everything, min(args.sample, len(everything))
    ):
        where = f"{root.name}/{finding['path']}:{finding['line']}"
        print(f"\n{where} {finding['code']} {finding['message']}")
        print(excerpt(root, finding))


if __name__ == "__main__":
    main()
