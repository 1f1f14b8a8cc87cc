"""The sign-off report of a load run (issue 12): thresholds as data checked against the run's
figures, and the report a rollout signs off on — HTML in Chinese with English, in the form
Chinese performance test reports take (背景与目标, 环境, 场景与负载模型, 结果 vs 目标, 资源利用率,
结论与建议), JUnit XML (one test case per threshold) and JSON for CI, charts of throughput and
percentiles over time as SVG images (no network: everything is in the files).

Plain Python, no locust: the locustfile hands it a *run* (a dict, the JSON below) and the tests
render it directly.

A run::

    {"title", "started", "ended", "duration_s", "target", "environment": {...}, "scenario": {...},
     "operations": [{"name", "type", "requests", "failures", "tps", "avg_ms", "p50_ms", "p90_ms",
                     "p95_ms", "p99_ms", "max_ms", "mb_per_s", "success_ratio"}],
     "total": {same keys}, "series": [{"t", "users", "rps": {op: r}, "p50_ms", "p95_ms", "p99_ms"}],
     "resources": [{"t", "machine_cpu", "generator_cpu", "server_cpu", "server_rss_mb"}]}
"""
from __future__ import annotations

import base64
import html
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import yaml

#: threshold key -> (run metric, comparison, Chinese label, English label)
METRICS: dict[str, tuple[str, str, str, str]] = {
    "p90_ms": ("p90_ms", "<=", "P90 响应时间", "P90 response time (ms)"),
    "p95_ms": ("p95_ms", "<=", "P95 响应时间", "P95 response time (ms)"),
    "p99_ms": ("p99_ms", "<=", "P99 响应时间", "P99 response time (ms)"),
    "max_failure_ratio": ("failure_ratio", "<=", "失败率", "failure ratio"),
    "min_tps": ("tps", ">=", "吞吐量 TPS", "throughput (requests/s)"),
    "min_mb_per_s": ("mb_per_s", ">=", "传输速率", "transfer rate (MB/s)"),
}


@dataclass(frozen=True)
class Check:
    """One threshold judged: ``passed`` True/False, or None when the operation was never called."""

    id: str
    operation: str
    metric: str
    limit: float
    actual: float | None
    passed: bool | None
    message: str


def load_thresholds(path: str | Path) -> dict[str, Any]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a mapping of defaults / operations / total expected")
    for scope in [data.get("defaults") or {}, data.get("total") or {}, *(data.get("operations") or {}).values()]:
        unknown = set(scope) - set(METRICS) - {"required"}
        if unknown:
            raise ValueError(f"{path}: unknown threshold {sorted(unknown)}; known: {sorted(METRICS)}")
    return data


def _actual(row: Mapping[str, Any], metric: str) -> float:
    if metric == "failure_ratio":
        return row["failures"] / row["requests"] if row["requests"] else 0.0
    return float(row[metric])


def _judge(op: str, key: str, limit: float, row: Mapping[str, Any] | None, required: bool) -> Check:
    metric, cmp, zh, en = METRICS[key]
    ident = f"{op}.{key}"
    if row is None or not row["requests"]:
        passed = False if required else None
        return Check(ident, op, key, limit, None, passed, f"{op}: 无请求 / no requests ({zh} / {en} not judged)")
    actual = _actual(row, metric)
    passed = actual <= limit if cmp == "<=" else actual >= limit
    verdict = "达标 / met" if passed else "未达标 / BREACHED"
    return Check(ident, op, key, limit, round(actual, 4), passed,
                 f"{op} {zh} / {en}: {actual:.4g} {cmp} {limit:g} — {verdict}")


def evaluate(run: Mapping[str, Any], thresholds: Mapping[str, Any]) -> list[Check]:
    """Every threshold against the run: the operations named in ``operations`` (with ``defaults``
    under them), every other operation the run called against ``defaults``, and ``total``."""
    rows = {r["name"]: r for r in run["operations"]}
    defaults = dict(thresholds.get("defaults") or {})
    named = dict(thresholds.get("operations") or {})
    checks: list[Check] = []
    for op in [*named, *sorted(set(rows) - set(named))]:
        scope = {**defaults, **(named.get(op) or {})}
        required = bool(scope.pop("required", False))
        checks += [_judge(op, key, float(limit), rows.get(op), required) for key, limit in scope.items()]
    for key, limit in (thresholds.get("total") or {}).items():
        checks.append(_judge("total", key, float(limit), run["total"], True))
    return checks


def verdict(checks: Iterable[Check]) -> str:
    return "fail" if any(c.passed is False for c in checks) else "pass"


# -- charts ----------------------------------------------------------------------------------------

COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"]


def svg_chart(title: str, y_label: str, series: Mapping[str, Sequence[tuple[float, float]]], *,
              width: int = 760, height: int = 300) -> str:
    """A line chart as a standalone SVG document (axes, ticks, legend)."""
    left, right, top, bottom = 64, 180, 34, 40
    points = [p for line in series.values() for p in line]
    x_max = max([p[0] for p in points], default=1.0) or 1.0
    y_max = max([p[1] for p in points], default=1.0) * 1.1 or 1.0
    pw, ph = width - left - right, height - top - bottom
    sx = lambda x: left + pw * x / x_max  # noqa: E731
    sy = lambda y: top + ph * (1 - y / y_max)  # noqa: E731
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
           f'font-family="sans-serif" font-size="11"><rect width="100%" height="100%" fill="white"/>',
           f'<text x="{left}" y="20" font-size="14" font-weight="bold">{html.escape(title)}</text>',
           f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="#333"/>',
           f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + ph}" stroke="#333"/>',
           f'<text x="{left + pw / 2}" y="{height - 6}" text-anchor="middle">时间 / time (s)</text>',
           f'<text x="14" y="{top + ph / 2}" text-anchor="middle" transform="rotate(-90 14 {top + ph / 2})">'
           f'{html.escape(y_label)}</text>']
    for i in range(5):
        y, x = y_max * i / 4, x_max * i / 4
        out.append(f'<line x1="{left}" y1="{sy(y):.1f}" x2="{left + pw}" y2="{sy(y):.1f}" stroke="#ddd"/>'
                   f'<text x="{left - 4}" y="{sy(y) + 4:.1f}" text-anchor="end">{y:.4g}</text>'
                   f'<text x="{sx(x):.1f}" y="{top + ph + 14}" text-anchor="middle">{x:.0f}</text>')
    for k, (name, line) in enumerate(series.items()):
        colour = COLOURS[k % len(COLOURS)]
        if line:
            path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in line)
            out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.8" points="{path}"/>')
        ly = top + 12 + 16 * k
        out.append(f'<rect x="{left + pw + 12}" y="{ly - 8}" width="12" height="4" fill="{colour}"/>'
                   f'<text x="{left + pw + 28}" y="{ly - 3}">{html.escape(name)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def charts(run: Mapping[str, Any]) -> dict[str, str]:
    """The report's charts: name -> SVG."""
    series, resources = run.get("series") or [], run.get("resources") or []
    ops = sorted({op for s in series for op in s["rps"]})
    rps = {op: [(s["t"], s["rps"].get(op, 0.0)) for s in series] for op in ops}
    pct = {f"{p.upper()} (全部 / all)": [(s["t"], s[f"{p}_ms"]) for s in series if s[f"{p}_ms"] is not None]
           for p in ("p50", "p95", "p99")}
    users = {"并发用户 / users": [(s["t"], s["users"]) for s in series]}
    cpu = {label: [(r["t"], r[key]) for r in resources if r.get(key) is not None]
           for key, label in (("machine_cpu", "整机 / machine"), ("generator_cpu", "压测机进程 / load generator"),
                              ("server_cpu", "被测服务 / server"))}
    return {"throughput": svg_chart("吞吐量 / throughput over time", "请求/秒 requests/s", rps),
            "percentiles": svg_chart("响应时间百分位 / response-time percentiles over time", "毫秒 ms", pct),
            "users": svg_chart("并发用户数 / concurrent users", "用户 users", users),
            "cpu": svg_chart("CPU 利用率 / CPU utilisation", "% (单核=100 / one core = 100)", cpu)}


# -- writers ---------------------------------------------------------------------------------------

def junit_xml(run: Mapping[str, Any], checks: Sequence[Check]) -> str:
    """One test case per threshold: a breach is a failure, an operation never called a skip."""
    suite = ET.Element("testsuite", name=str(run.get("title", "load")), tests=str(len(checks)),
                       failures=str(sum(c.passed is False for c in checks)), skipped=str(sum(c.passed is None for c in checks)),
                       time=f"{run.get('duration_s', 0):.1f}")
    for check in checks:
        case = ET.SubElement(suite, "testcase", classname=f"load.{check.operation}", name=check.id, time="0")
        if check.passed is False:
            failure = ET.SubElement(case, "failure", message=check.message, type="threshold")
            failure.text = json.dumps(asdict(check), ensure_ascii=False)
        elif check.passed is None:
            ET.SubElement(case, "skipped", message=check.message)
    root = ET.Element("testsuites")
    root.append(suite)
    return ET.tostring(root, encoding="unicode")


def _td(value: Any) -> str:
    return f"<td>{html.escape(str(value))}</td>"


def _fmt(value: Any, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}" if isinstance(value, float) else str(value)


def _environment(run: Mapping[str, Any]) -> str:
    env = run.get("environment") or {}
    rows = [("被测系统 / system under test", f"imgcloud-sandbox {env.get('sandbox_version', '?')} at {run.get('target')}"),
            ("随机种子 / seed", env.get("seed")), ("机器 / machine", env.get("machine")),
            ("压测工具 / load generator", env.get("load_generator")), ("说明 / notes", env.get("notes"))]
    return "".join(f"<tr><th>{k}</th>{_td(v if v is not None else '—')}</tr>" for k, v in rows)


def _scenario(run: Mapping[str, Any]) -> str:
    scenario = run.get("scenario") or {}
    head = (f"<p>并发用户 / users: <b>{scenario.get('users')}</b>，加压速率 / spawn rate: {scenario.get('spawn_rate')}/s，"
            f"持续时间 / duration: {run.get('duration_s', 0):.0f} s，模式 / mode: {html.escape(str(scenario.get('mode')))}</p>")
    rows = "".join(f"<tr>{_td(u['name'])}{_td(u['weight'])}{_td(u['wait'])}{_td(u['does'])}</tr>"
                   for u in scenario.get("user_classes", []))
    return (head + "<table class='scenario'><tr><th>用户类型 / user class</th><th>权重 / weight</th>"
            "<th>思考时间 / think time (s)</th><th>操作 / operations</th></tr>" + rows + "</table>")


def _results(run: Mapping[str, Any], checks: Sequence[Check]) -> str:
    limits: dict[str, dict[str, Check]] = {}
    for c in checks:
        limits.setdefault(c.operation, {})[c.metric] = c

    def cell(row: Mapping[str, Any], key: str, threshold: str | None = None, digits: int = 1) -> str:
        check = limits.get(row["name"], {}).get(threshold or "")
        cls = "" if check is None or check.passed is None else " class='ok'" if check.passed else " class='bad'"
        goal = f" <small>({'≤' if METRICS[threshold][1] == '<=' else '≥'} {check.limit:g})</small>" if check and threshold else ""
        return f"<td{cls}>{_fmt(row.get(key), digits)}{goal}</td>"

    body = ""
    for row in [*run["operations"], {**run["total"], "name": "total"}]:
        success = f"{100 * row['success_ratio']:.2f}%" if row.get("requests") else "—"
        fail_check = limits.get(row["name"], {}).get("max_failure_ratio")
        cls = "" if fail_check is None or fail_check.passed is None else " class='ok'" if fail_check.passed else " class='bad'"
        body += (f"<tr>{_td(row['name'])}{_td(row.get('requests'))}{_td(row.get('failures'))}"
                 f"{cell(row, 'tps', 'min_tps')}{cell(row, 'p90_ms', 'p90_ms', 0)}{cell(row, 'p95_ms', 'p95_ms', 0)}"
                 f"{cell(row, 'p99_ms', 'p99_ms', 0)}<td{cls}>{success}</td>{cell(row, 'mb_per_s', 'min_mb_per_s', 2)}</tr>")
    return ("<table class='results'><tr><th>操作 / operation</th><th>请求数 / requests</th><th>失败 / failures</th>"
            "<th>TPS</th><th>P90 (ms)</th><th>P95 (ms)</th><th>P99 (ms)</th><th>成功率 / success</th><th>MB/s</th></tr>"
            + body + "</table>")


def _checks(checks: Sequence[Check]) -> str:
    mark = {True: "✔ 达标 / met", False: "✘ 未达标 / breached", None: "— 未调用 / not called"}
    rows = "".join(f"<tr class='{'ok' if c.passed else 'bad' if c.passed is False else ''}'>{_td(c.id)}"
                   f"{_td(_fmt(c.actual, 3))}{_td(c.limit)}{_td(mark[c.passed])}</tr>" for c in checks)
    return ("<table class='checks'><tr><th>指标 / threshold</th><th>实测 / actual</th><th>目标 / limit</th>"
            "<th>结论 / verdict</th></tr>" + rows + "</table>")


def _resources(run: Mapping[str, Any]) -> str:
    res = [r for r in run.get("resources") or []]

    def peak(key: str) -> str:
        values = [r[key] for r in res if r.get(key) is not None]
        return f"{sum(values) / len(values):.0f} / {max(values):.0f}" if values else "—"
    rows = [("整机 CPU / machine CPU (%)", peak("machine_cpu")),
            ("压测机进程 CPU / load generator CPU (%)", peak("generator_cpu")),
            ("被测服务 CPU / server CPU (%)", peak("server_cpu")), ("被测服务内存 / server RSS (MB)", peak("server_rss_mb"))]
    return ("<table class='resources'><tr><th>资源 / resource</th><th>平均 / 峰值 — mean / peak</th></tr>"
            + "".join(f"<tr><th>{k}</th>{_td(v)}</tr>" for k, v in rows) + "</table>")


def auto_advice(run: Mapping[str, Any], checks: Sequence[Check]) -> list[str]:
    """What the figures themselves say about how far the run can be trusted."""
    res = run.get("resources") or []

    def mean(key: str) -> float | None:
        values = [r[key] for r in res if r.get(key) is not None]
        return sum(values) / len(values) if values else None
    out = []
    machine, generator = mean("machine_cpu"), max([r.get("generator_cpu") or 0 for r in res], default=0)
    cores = 100 * ((run.get("environment") or {}).get("cpus") or os.cpu_count() or 1)
    if machine is not None and machine >= 0.9 * cores:
        out.append(f"整机 CPU 平均 {machine:.0f}%（饱和）：结果反映的是整台机器，而不只是被测系统；请在独立的压测机上复测。 / "
                   f"The machine's CPU averaged {machine:.0f}% (saturated): the figures measure the whole machine, not "
                   "only the system under test; rerun with the load generator on machines of its own (distributed mode).")
    if generator >= 90:
        out.append(f"压测机进程 CPU 峰值 {generator:.0f}%：压测机本身可能成为瓶颈，请增加 worker。 / The load generator "
                   f"peaked at {generator:.0f}% of a core: it may be the bottleneck; add workers (--master / --worker).")
    if any(c.passed is False and c.metric.startswith("p") for c in checks):
        out.append("响应时间未达标的操作请结合被测服务的 CPU 与数据库等待排查；在目标环境复测后再签署上线。 / For the operations "
                   "over their response-time targets, look at the server's CPU and database waits; sign off only after a "
                   "rerun on the target environment.")
    return out


def _conclusion(run: Mapping[str, Any], checks: Sequence[Check]) -> str:
    breached = [c for c in checks if c.passed is False]
    if not breached:
        head = ("<p class='ok'><b>结论：通过。</b>所有性能指标均达到目标。 / <b>Verdict: PASS.</b> "
                "Every threshold was met.</p>")
    else:
        head = (f"<p class='bad'><b>结论：不通过。</b>{len(breached)} 项指标未达标。 / <b>Verdict: FAIL.</b> "
                f"{len(breached)} threshold(s) breached.</p><ul>"
                + "".join(f"<li>{html.escape(c.message)}</li>" for c in breached) + "</ul>")
    advice = [*auto_advice(run, checks), *(run.get("advice") or [])]
    return head + ("<p>建议 / recommendations:</p><ul>" + "".join(f"<li>{html.escape(a)}</li>" for a in advice) + "</ul>"
                   if advice else "")


CSS = """body{font-family:"WenQuanYi Micro Hei","Noto Sans CJK SC",sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{border:1px solid #bbb;padding:4px 8px;text-align:left}
th{background:#f0f3f7}.ok{color:#176b2c}.bad{color:#b00020;font-weight:bold}td.ok{background:#e9f7ec}
td.bad{background:#fde8ea}img.chart{display:block;margin:.5em 0 1em;border:1px solid #ddd}"""


GOAL = ("医保影像云检索链路（影像调阅）在目标并发下的响应时间与成功率是否满足上线要求。 / Whether the image-retrieval "
        "path meets its response-time and success targets at the target concurrency, before a province rollout.")


def _img(name: str, svg: str) -> str:
    """A chart as an image the browser draws (an SVG data URI: the report is one self-contained file)."""
    data = base64.b64encode(svg.encode()).decode()
    return f"<img class='chart' id='chart-{name}' alt='{name}' src='data:image/svg+xml;base64,{data}'>"


#: marks the page with how many charts the browser decoded (the browser test reads it)
DRAWN = ("window.addEventListener('load', () => { document.body.dataset.chartsDrawn = [...document.images]"
         ".filter(i => i.classList.contains('chart') && i.complete && i.naturalWidth > 0).length; });")


def html_report(run: Mapping[str, Any], checks: Sequence[Check]) -> str:
    drawn = {name: _img(name, svg) for name, svg in charts(run).items()}
    images = drawn["throughput"] + drawn["percentiles"] + drawn["users"]
    goals = html.escape(str(run.get("goal") or GOAL))
    when = f"{run.get('started', '')} → {run.get('ended', '')}"
    return f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">
<title>性能测试报告 / Load test report — {html.escape(str(run.get('title', '')))}</title><style>{CSS}</style></head><body>
<h1>性能测试报告 / Performance test sign-off report</h1>
<p>{html.escape(str(run.get('title', '')))} · {html.escape(when)}
 · 结论 / verdict: <b class='{'ok' if verdict(checks) == 'pass' else 'bad'}' id='verdict'>{verdict(checks).upper()}</b></p>
<h2 id="goal">一、背景与目标 / Background and goals</h2><p>{goals}</p>
<h2 id="environment">二、测试环境 / Environment</h2><table class='environment'>{_environment(run)}</table>
<h2 id="scenario">三、场景与负载模型 / Scenario and load model</h2>{_scenario(run)}
<h2 id="results">四、测试结果与目标对比 / Results against targets</h2>{_results(run, checks)}
<h3>指标判定 / Thresholds</h3>{_checks(checks)}
<h3>趋势图 / Over time</h3>{images}
<h2 id="resources">五、资源利用率 / Resource utilisation</h2>{_resources(run)}
{drawn["cpu"]}
<h2 id="conclusion">六、结论与建议 / Conclusion and recommendations</h2>{_conclusion(run, checks)}
<script>{DRAWN}</script>
</body></html>"""


def write_reports(run: dict[str, Any], checks: Sequence[Check], out: str | Path) -> dict[str, Path]:
    """``report.html``, ``junit.xml``, ``report.json`` and the charts as ``*.svg`` in ``out``."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    run = {**run, "checks": [asdict(c) for c in checks], "verdict": verdict(checks)}
    paths = {"html": folder / "report.html", "junit": folder / "junit.xml", "json": folder / "report.json"}
    paths["html"].write_text(html_report(run, checks), encoding="utf-8")
    paths["junit"].write_text('<?xml version="1.0" encoding="utf-8"?>\n' + junit_xml(run, checks), encoding="utf-8")
    paths["json"].write_text(json.dumps(run, ensure_ascii=False, indent=1), encoding="utf-8")
    for name, svg in charts(run).items():
        (folder / f"{name}.svg").write_text(svg, encoding="utf-8")
    return paths
