"""Near misses (issue 13): "why didn't my request match?" for an exchange the sandbox answered
with "no such thing" — the closest operations it does serve and what differs (method, path, SOAP
operation, SOAPAction, called AE title, abstract syntax, move destination), from the family
records, the configuration and what the exchange recorded (the SCP's supported SOP classes)."""
from __future__ import annotations

import difflib
import re
from typing import Any

from reference.config import Config
from reference.families import all_families

HTTP_RULES = ("HTTP-NOT-FOUND", "HTTP-METHOD")
SOAP_RULES = ("SOAP-OPERATION-UNKNOWN", "SOAP-ACTION-MISMATCH", "SOAP-ACTION-UNKNOWN")
_PARAM = re.compile(r"\{[^}]*\}")
_QUOTED = re.compile(r"'([^']*)'")
_BODY_CHILD = re.compile(r"<(?:[\w.-]+:)?Body\b[^>]*>\s*<(?:[\w.-]+:)?([\w.-]+)", re.S)


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


def _http(method: str, path: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for family in all_families():
        for op, (expected_method, template) in family.operations().items():
            same_path = _same_path(path, template)
            score = 1.0 if same_path else _ratio(_PARAM.sub("", template), path)
            differs = [*([f"method {method} → {expected_method}"] if method != expected_method else []),
                       *([f"path {path} → {template}"] if not same_path else [])]
            if differs:
                out.append({"operation": op, "family": family.name, "expected": f"{expected_method} {template}",
                            "differs": differs, "score": round(score, 2)})
    return sorted(out, key=lambda c: -float(c["score"]))[:3]


def _soap(exchange: dict[str, Any], rules: dict[Any, dict[str, Any]]) -> list[dict[str, Any]]:
    """An unknown operation in the Body, or a SOAPAction naming another one: the closest
    operations of every SOAP service, each with what differs (operation, SOAPAction, address)."""
    from reference.transports.soap import envelope
    from reference.transports.soap.front import soap_operations

    request = exchange.get("request") or {}
    body = str(request.get("body") or request.get("head") or "")
    found = _BODY_CHILD.search(body)
    sent = found.group(1) if found else str(exchange.get("operation") or "")
    action = envelope.action_named((request.get("headers") or {}).get("soapaction"))
    path = str(exchange.get("url") or "").split("?", 1)[0]
    known = soap_operations()
    if "SOAP-OPERATION-UNKNOWN" in rules:
        ranked = difflib.get_close_matches(sent, list(known), n=3, cutoff=0)
    else:  # the Body's operation first: SOAPAction empty or naming it is the fix
        ranked = [sent, *[op for op in difflib.get_close_matches(action or "", list(known), n=3, cutoff=0) if op != sent]]
    basis = sent if "SOAP-OPERATION-UNKNOWN" in rules else (action or sent)
    out = []
    for op in ranked[:3]:
        differs = [*([f"operation {sent} → {op}"] if sent != op else []),
                   *([f"SOAPAction {action} → {op}"] if action is not None and action != op else []),
                   *([f"path {path} → {known[op]}"] if not _same_path(path, known[op]) else [])]
        out.append({"operation": op, "family": _soap_family(op), "expected": f"POST {known[op]} {op}",
                    "differs": differs, "score": round(_ratio(basis, op), 2)})
    return out


def _soap_family(operation: str) -> str:
    from reference.transports.soap import wsdl

    return next((f.name for f in all_families() if f.wsdl and operation in wsdl.load(f.wsdl).operations), "")


def _same_path(path: str, template: str) -> bool:
    return bool(re.match("^" + _PARAM.sub("[^/]+", re.escape(template).replace(r"\{", "{").replace(r"\}", "}")) + "$",
                         path))


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


def _syntax_score(name: str, uid: str, other_name: str, other: str) -> float:
    """How close a supported abstract syntax is to one refused: the same service (its name's
    last word: FIND, GET, MOVE, Storage…) first, then the words of the name, then the UID."""
    words, other_words = set(name.lower().split()), set(other_name.lower().split())
    same_service = name.split()[-1:] == other_name.split()[-1:]
    shared = len(words & other_words) / max(len(words | other_words), 1)
    return 0.5 * same_service + 0.3 * shared + 0.2 * _ratio(uid, other)


def _syntaxes(exchange: dict[str, Any]) -> list[dict[str, Any]]:
    """For each abstract syntax refused, the three closest the SCP supports (its recorded list)."""
    from reference.transports.dicom.recorder import uid_name

    response = exchange.get("response") or {}
    supported = {str(u): uid_name(str(u)) for u in response.get("supported") or []}
    refused = {str(r["abstract"]): str(r.get("name") or r["abstract"])
               for r in response.get("rejected_contexts") or [] if r.get("result") == 3}
    out = []
    for uid, name in refused.items():
        scored = sorted(((_syntax_score(name, uid, other_name, other), other, other_name)
                         for other, other_name in supported.items()), key=lambda t: -t[0])
        for score, other, other_name in scored[:3]:
            out.append({"operation": f"abstract syntax {other_name}", "family": str(exchange.get("family") or ""),
                        "expected": f"{other_name} ({other})",
                        "differs": [f"abstract syntax {name} ({uid}) → {other_name} ({other})"],
                        "score": round(score, 2)})
    return out[:6]


def near_misses(config: Config, exchange: dict[str, Any]) -> list[dict[str, Any]]:
    """The closest operations for an exchange refused as unknown; empty for any other."""
    rules = {f.get("rule"): f for f in exchange.get("findings") or []}
    if exchange.get("transport") == "http" and any(r in rules for r in HTTP_RULES):
        url = str(exchange.get("url") or "").split("?", 1)[0]
        return _http(str(exchange.get("method") or "GET"), url)
    if any(r in rules for r in SOAP_RULES):
        return _soap(exchange, rules)
    if "DICOM-ABSTRACT-SYNTAX-UNSUPPORTED" in rules:
        return _syntaxes(exchange)
    for rule in ("DICOM-CALLED-AE-UNKNOWN", "DICOM-MOVE-DESTINATION-UNKNOWN"):
        if rule in rules:
            return _dicom(config, exchange, rules[rule])
    return []
