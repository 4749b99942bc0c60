"""JUnit XML, for CI systems that show test reports (GitLab, Jenkins, Azure, …).

One ``testsuite`` per file and one ``testcase`` per finding; errors and warnings carry a
``<failure>`` (they fail the run), info findings pass with their text in ``system-out``. A
clean run is one passing testcase, so the report never reads as "no tests ran".
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from migration_lint.findings import Finding, Severity
from migration_lint.report.common import (
    ReportContext,
    group_by_path,
    location,
    message_with_hint,
)

_SUITE = "migration-lint"


def _testcase(parent: ET.Element, finding: Finding) -> bool:
    """Add the testcase of ``finding`` under ``parent``; True when it is a failure."""
    case = ET.SubElement(
        parent,
        "testcase",
        name=f"{finding.code} {finding.name} at {finding.line}:{finding.column}",
        classname=finding.path,
        file=finding.path,
        line=str(finding.line),
    )
    text = f"{location(finding)}: {message_with_hint(finding)}"
    if finding.severity is Severity.INFO:
        ET.SubElement(case, "system-out").text = text
        return False
    failure = ET.SubElement(
        case, "failure", message=finding.message, type=f"{finding.code} {finding.severity.value}"
    )
    failure.text = text
    return True


def render_junit(findings: Sequence[Finding], context: ReportContext | None = None) -> str:
    """The JUnit XML document, with an XML declaration."""
    root = ET.Element("testsuites", name=_SUITE)
    total = failed = 0
    for path, path_findings in group_by_path(findings).items():
        suite = ET.SubElement(root, "testsuite", name=path)
        failures = sum(_testcase(suite, finding) for finding in path_findings)
        suite.set("tests", str(len(path_findings)))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        total, failed = total + len(path_findings), failed + failures
    if not findings:
        suite = ET.SubElement(root, "testsuite", name=_SUITE, tests="1", failures="0", errors="0")
        ET.SubElement(suite, "testcase", name="no findings", classname=_SUITE)
        total = 1
    root.set("tests", str(total))
    root.set("failures", str(failed))
    root.set("errors", "0")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
