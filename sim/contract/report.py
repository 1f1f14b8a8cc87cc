"""The conformance report of a contract test, in three small writers: JSON (everything), JUnit XML
(one suite of interfaces, then the scenarios' own suites) and a plain HTML table (per interface and
seed section: pass / fail, the failing exchanges with their findings; then the steps, a skip with
its reason).  Self-contained on purpose: the console's HTML report can replace ``write_html``."""
from __future__ import annotations

import html
import json
import xml.etree.ElementTree as ET
from pathlib import Path

from sim.scenario.report import junit_xml

from .run import ContractResult, Interface


def write_json(result: ContractResult, path: str | Path) -> None:
    Path(path).write_text(json.dumps(result.to_dict(), ensure_ascii=False, indent=2, default=str) + "\n",
                          encoding="utf-8")


def _finding_lines(item: Interface) -> list[str]:
    return [f"{e['uid']} {e['url']} (HTTP {e['status']}): [{f['rule']}] {f['path']}: {f['zh']} / {f['en']}"
            for e in item.failing for f in e["findings"] or [{"rule": "?", "path": "", "zh": "", "en": "no error finding"}]]


def junit(result: ContractResult) -> ET.ElementTree:
    """One testsuite ``contract <party>`` (a testcase per interface, classname = family), then the
    scenarios' suites (a testcase per step)."""
    root = junit_xml(result.scenarios).getroot()
    assert root is not None
    root.set("name", f"imgcloud-sandbox contract test of {result.party} at {result.target}")
    failures = sum(i.result == "fail" for i in result.interfaces)
    suite = ET.Element("testsuite", {"name": f"contract {result.party}", "timestamp": result.started,
                                     "tests": str(len(result.interfaces)), "failures": str(failures),
                                     "errors": "0", "skipped": "0", "time": f"{result.duration:.3f}"})
    props = ET.SubElement(suite, "properties")
    for name, value in (("party", result.party), ("target", result.target), ("verdict", result.verdict)):
        ET.SubElement(props, "property", {"name": name, "value": value})
    for item in result.interfaces:
        case = ET.SubElement(suite, "testcase", {"classname": item.family, "name": f"{item.operation} ({item.direction}) "
                                                 f"{item.section}", "time": "0"})
        if item.result == "fail":
            lines = _finding_lines(item)
            ET.SubElement(case, "failure", {"message": lines[0] if lines else "fail", "type": "fail"}).text = "\n".join(lines)
        ET.SubElement(case, "system-out").text = f"{item.exchanges} exchanges: " + ", ".join(
            f"{n} {v}" for v, n in sorted(item.verdicts.items()))
    root.insert(0, suite)
    for name in ("tests", "failures"):
        root.set(name, str(int(root.get(name, "0")) + int(suite.get(name, "0"))))
    ET.indent(root)
    return ET.ElementTree(root)


def write_junit(result: ContractResult, path: str | Path) -> None:
    junit(result).write(path, encoding="utf-8", xml_declaration=True)


_STYLE = ("body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse;margin:1em 0}"
          "td,th{border:1px solid #bbb;padding:.3em .5em;vertical-align:top;text-align:left}"
          ".pass{color:#176f2c}.fail,.error{color:#b00020;font-weight:bold}.skip{color:#8a6d00}"
          "small{color:#555}")


def _cell(text: object, cls: str = "") -> str:
    return f"<td class='{cls}'>{html.escape(str(text))}</td>" if cls else f"<td>{html.escape(str(text))}</td>"


def html_report(result: ContractResult) -> str:
    e = html.escape
    rows = []
    for item in result.interfaces:
        failing = "<br>".join(e(line) for line in _finding_lines(item)) or "—"
        verdicts = ", ".join(f"{n} {v}" for v, n in sorted(item.verdicts.items()))
        rows.append("<tr>" + _cell(item.family) + _cell(item.operation) + _cell(item.direction) + _cell(item.section)
                    + _cell(item.result, item.result) + _cell(f"{item.exchanges} ({verdicts})")
                    + f"<td><small>{failing}</small></td></tr>")
    steps = []
    for scenario in result.scenarios:
        for step in scenario.steps:
            steps.append("<tr>" + _cell(scenario.name) + _cell(step.id) + _cell(step.title) + _cell(step.reads)
                         + _cell(step.result, step.result) + f"<td><small>{e('; '.join(step.messages))}</small></td></tr>")
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>符合性报告 / Conformance report: {e(result.party)}</title>
<style>{_STYLE}</style></head><body>
<h1>符合性报告 / Conformance report</h1>
<p>被测方 / party under test: <b>{e(result.party)}</b> at <code>{e(result.target)}</code><br>
结论 / verdict: <span class="{e(result.verdict)}">{e(result.verdict.upper())}</span><br>
<small>{e(result.started)}, {result.duration:.1f} s</small></p>
<h2>接口 / Interfaces</h2>
<p><small>outbound: 被测方对我方调用的回复 / its replies to our calls;
inbound: 被测方对我方的请求 / its requests to us</small></p>
<table><tr><th>family</th><th>operation</th><th>direction</th><th>seed section</th><th>result</th><th>exchanges</th>
<th>failing exchanges / 不符合项</th></tr>
{''.join(rows) or '<tr><td colspan="7">no exchange with the party / 无交换记录</td></tr>'}
</table>
<h2>场景步骤 / Scenario steps</h2>
<table><tr><th>scenario</th><th>step</th><th>title</th><th>reads</th><th>result</th><th>messages</th></tr>
{''.join(steps)}
</table></body></html>
"""


def write_html(result: ContractResult, path: str | Path) -> None:
    Path(path).write_text(html_report(result), encoding="utf-8")
