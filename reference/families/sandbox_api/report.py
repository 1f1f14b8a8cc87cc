"""The conformance report (issue 13): for a tenant's traffic or a time window, per interface family
and per seed section — operations exercised, rules failed, a score, the failing exchanges linked.

The requirement ids are the rule ids and the seed sections their catalogue entries cite, so the
coverage of each section is counted from the catalogue (STYLE.md: every check traces to a
requirement).  Score: exchanges judged ``pass`` or ``warn`` over every exchange judged (``error``
— the exchange could not be judged — is counted apart)."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from connexion.context import context
from starlette.responses import HTMLResponse, Response

from reference.families import all_families
from reference.rules import RULES
from reference.viewer import render_page

from .params import when

#: Exchanges read for one report at most (newest first).
LIMIT = 20000
_SECTION = re.compile(r"(seeds/\d+)\s*(§\s*[0-9A-Za-z.一二三四五六七八九十]+)?")


def section_of(source: str) -> str:
    """``seeds/000 §1.1.2 (4) 报文采用JSON格式`` -> ``seeds/000 §1.1.2``; other sources as written."""
    match = _SECTION.search(source or "")
    if match is None:
        return (source or "—").split(" (")[0][:80]
    return f"{match.group(1)} {match.group(2).replace(' ', '')}" if match.group(2) else match.group(1)


@dataclass
class FamilyRow:
    name: str
    title: str
    party: str
    operations: Counter[str] = field(default_factory=Counter)
    verdicts: Counter[str] = field(default_factory=Counter)
    failing: list[dict[str, Any]] = field(default_factory=list)

    @property
    def judged(self) -> int:
        return sum(self.verdicts[v] for v in ("pass", "warn", "fail"))

    @property
    def score(self) -> float | None:
        return round(100 * (self.verdicts["pass"] + self.verdicts["warn"]) / self.judged, 1) if self.judged else None


@dataclass
class SectionRow:
    section: str
    rules: set[str] = field(default_factory=set)
    failed: Counter[str] = field(default_factory=Counter)
    exchanges: list[dict[str, Any]] = field(default_factory=list)

    @property
    def passed(self) -> list[str]:
        return sorted(self.rules - set(self.failed))


def build(exchanges: list[dict[str, Any]]) -> dict[str, Any]:
    """The report's content from exchanges (newest first)."""
    titles = {f.name: f for f in all_families()}
    rows: dict[str, FamilyRow] = {}
    sections: dict[str, SectionRow] = {}
    for rule in RULES:
        key = section_of(rule.source)
        sections.setdefault(key, SectionRow(key)).rules.add(rule.id)
    for e in exchanges:
        if e.get("family") == "sandbox" and e.get("party") == "sandbox":
            continue  # the sandbox's own events (a party switched, a fault set)
        name = e.get("family") or "—"
        fam = titles.get(name)
        row = rows.setdefault(name, FamilyRow(name, fam.title if fam else name, fam.party if fam else "—"))
        row.operations[e.get("operation") or "—"] += 1
        row.verdicts[e["verdict"]] += 1
        if e["verdict"] in ("fail", "error") and len(row.failing) < 50:
            row.failing.append(e)
        seen: set[str] = set()
        for finding in e.get("findings") or []:
            key = section_of(str(finding.get("source") or ""))
            section = sections.setdefault(key, SectionRow(key))
            section.rules.add(str(finding.get("rule")))
            if finding.get("severity") == "error":
                section.failed[str(finding.get("rule"))] += 1
                if key not in seen and len(section.exchanges) < 20:
                    section.exchanges.append(e)
                seen.add(key)
    judged = sum(r.judged for r in rows.values())
    passed = sum(r.verdicts["pass"] + r.verdicts["warn"] for r in rows.values())
    touched = sorted((s for s in sections.values() if s.failed), key=lambda s: s.section)
    return {"families": sorted(rows.values(), key=lambda r: r.name), "sections": touched,
            "clean_sections": sorted(s.section for s in sections.values() if not s.failed),
            "total": len(exchanges), "judged": judged,
            "score": round(100 * passed / judged, 1) if judged else None}


def conformanceReport(institution: str | None = None, family: str | None = None, since: str | None = None,
                      until: str | None = None, download: bool = False, format: str = "html") -> Response:  # noqa: A002
    """一致性报告 / the conformance report, Chinese with English."""
    sandbox = context["sandbox"]
    exchanges = sandbox.exchanges.query(institution=institution, family=family, since=when(since, "since"),
                                        until=when(until, "until"), limit=LIMIT, bodies=False)
    content = build(exchanges)
    scope = {"institution": institution, "family": family, "since": since, "until": until}
    generated = sandbox.now().isoformat(sep=" ", timespec="seconds")
    name = f"conformance-{institution or 'all'}-{sandbox.now():%Y%m%d-%H%M%S}"
    if format == "pdf":
        from .report_pdf import report_pdf

        data = report_pdf(content, scope, generated, sandbox.config.public_url)
        return Response(data, media_type="application/pdf",
                        headers={"content-disposition": f'{"attachment" if download else "inline"}; filename="{name}.pdf"'})
    page = render_page("conformance.html", title="一致性报告 / conformance report", scope=scope,
                       generated=generated, limit=LIMIT,
                       base=sandbox.config.public_url, **content)
    headers = {}
    if download:
        headers["content-disposition"] = f'attachment; filename="{name}.html"'
    return HTMLResponse(page, headers=headers)
