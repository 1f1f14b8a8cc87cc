"""Near misses (issue 13): "why didn't my request match?" for an exchange the sandbox answered
with "no such thing" — the closest operations it does serve and what differs (method, path, SOAP
operation, called AE title, move destination), from the family records and the configuration."""
from __future__ import annotations

import difflib
import re
from typing import Any

from reference.config import Config
from reference.families import all_families

HTTP_RULES = ("HTTP-NOT-FOUND", "HTTP-METHOD")
_PARAM = re.compile(r"\{[^}]*\}")
_QUOTED = re.compile(r"'([^']*)'")
_BODY_CHILD = re.compile(r"<(?:[\w.-]+:)?Body\b[^>]*>\s*<(?:[\w.-]+:)?([\w.-]+)", re.S)


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


def _http(method: str, path: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for family in all_families():
        for op, (expected_method, template) in family.operations().items():
            pattern = re.compile("^" + _PARAM.sub("[^/]+", re.escape(template).replace(r"\{", "{").replace(r"\}", "}"))
                                 + "$")
            same_path = bool(pattern.match(path))
            score = 1.0 if same_path else _ratio(_PARAM.sub("", template), path)
            differs = [*([f"method {method} → {expected_method}"] if method != expected_method else []),
                       *([f"path {path} → {template}"] if not same_path else [])]
            if differs:
                out.append({"operation": op, "family": family.name, "expected": f"{expected_method} {template}",
                            "differs": differs, "score": round(score, 2)})
    return sorted(out, key=lambda c: -float(c["score"]))[:3]


def _soap(exchange: dict[str, Any]) -> list[dict[str, Any]]:
    from reference.transports.soap import wsdl

    family = next((f for f in all_families() if f.name == exchange.get("family") and f.wsdl), None)
    body = str((exchange.get("request") or {}).get("body") or (exchange.get("request") or {}).get("head") or "")
    sent = _BODY_CHILD.search(body)
    if family is None or family.wsdl is None or sent is None:
        return []
    known = list(wsdl.load(family.wsdl).operations)
    return [{"operation": op, "family": family.name, "expected": op, "differs": [f"operation {sent.group(1)} → {op}"],
             "score": round(_ratio(sent.group(1), op), 2)}
            for op in difflib.get_close_matches(sent.group(1), known, n=3, cutoff=0)]


def _named(finding: dict[str, Any]) -> str:
    found = _QUOTED.search(str(finding.get("en") or ""))
    return found.group(1) if found else ""


def _dicom(config: Config, exchange: dict[str, Any], finding: dict[str, Any]) -> list[dict[str, Any]]:
    sent = _named(finding)
    if finding["rule"] == "DICOM-CALLED-AE-UNKNOWN":
        known = {p.ae_title: name for name, p in config.parties.items() if p.ae_title}
        what = "called AE"
    else:  # DICOM-MOVE-DESTINATION-UNKNOWN
        party = config.parties.get(str(exchange.get("party")))
        known = {ae: str(exchange.get("party")) for ae in (party.move_destinations if party else {})}
        what = "move destination"
    return [{"operation": f"{what} {ae}", "family": known[ae], "expected": ae, "differs": [f"{what} {sent} → {ae}"],
             "score": round(_ratio(sent, ae), 2)}
            for ae in difflib.get_close_matches(sent, list(known), n=3, cutoff=0)]


def near_misses(config: Config, exchange: dict[str, Any]) -> list[dict[str, Any]]:
    """The closest operations for an exchange refused as unknown; empty for any other."""
    rules = {f.get("rule"): f for f in exchange.get("findings") or []}
    if exchange.get("transport") == "http" and any(r in rules for r in HTTP_RULES):
        url = str(exchange.get("url") or "").split("?", 1)[0]
        return _http(str(exchange.get("method") or "GET"), url)
    if "SOAP-OPERATION-UNKNOWN" in rules:
        return _soap(exchange)
    for rule in ("DICOM-CALLED-AE-UNKNOWN", "DICOM-MOVE-DESTINATION-UNKNOWN"):
        if rule in rules:
            return _dicom(config, exchange, rules[rule])
    return []
