"""Record and replay (issue 13): the exchanges a tenant (or a time window) sent to the sandbox,
exported as a scenario file that ``imgcloud scenario run`` replays against a fresh sandbox or an
external system, with the recorded answers as its expectations.

What a vendor sent is kept (the rows, the business fields); what is volatile is not a literal.
A request of an interface with a registered envelope builder (``call: party.operation``) is
rebuilt at replay time (a fresh msgid with its time and sequence, infTime, the institution's key
and signature — stored masked in the log anyway).  Every other transport and family is replayed
by ``sim/replay/``: HTTP as sent (``http.send``) with tokens, SM2 ciphertexts and values the
sandbox generated as variables, SOAP as ``soap:`` steps, DICOM C-ECHO / C-FIND and rejected
associations as ``dicom.*`` actions.  What cannot be replayed is listed in the file's
description with the reason, not silently dropped.
"""
from __future__ import annotations

import json
import re
from typing import Any, cast

from reference.clock import Clock
from reference.config import Config
from reference.profiles import row_node

from .replay.dicom import dicom_step
from .replay.http import TOKENS, send_step, token_step
from .replay.plan import Download, Plan
from .replay.soap import soap_step
from .scenario.registry import Registry, StepContext

#: Envelope fields the builder makes afresh at replay time (seeds/000 §1.1.2: msgid = infCode + time +
#: sequence; infTime; the issued key, logged masked).
VOLATILE = ("msgid", "infTime", "key")
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


def _rows(config: Config, exchange: dict[str, Any]) -> list[Any] | None:
    """The rows of a recorded request, under its institution's profile node; None if not there."""
    body = (exchange.get("request") or {}).get("json")
    inst = config.institution(exchange.get("institution") or "")
    if not isinstance(body, dict) or inst is None:
        return None
    rows = body.get(row_node(inst.profile, str(exchange["operation"]), "input"))
    return rows if isinstance(rows, list) else None


def _expectations(exchange: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{"status": exchange["status"]}]
    reply = (exchange.get("response") or {}).get("json")
    if isinstance(reply, dict) and "code" in reply:
        out.append({"path": "$.code", "equals": reply["code"]})
        data = reply.get("data")
        if isinstance(data, list):
            out += [{"path": f"$.data[{i}].succFlag", "equals": row["succFlag"]}
                    for i, row in enumerate(data) if isinstance(row, dict) and "succFlag" in row]
    for rule in dict.fromkeys(f["rule"] for f in exchange.get("findings") or [] if f.get("severity") == "error"):
        out.append({"finding": rule})
    return out


def _built(config: Config, registry: Registry, interface: str, institution: str, rows: list[Any]) -> dict[str, Any]:
    """What the interface's builder sends for these rows now (to see what the recording changed)."""
    ctx = StepContext(config=config, base_url="", http=cast(Any, None), vars={}, clock=Clock(), log=lambda _: None,
                      institution=institution)
    found = registry.interfaces[interface]
    built = found.build(ctx, institution, rows, found.operation)
    return built if isinstance(built, dict) else {}


def _changes(recorded: dict[str, Any], built: dict[str, Any], node: str, seen: dict[str, tuple[str, Any]],
             wrong: set[str]) -> dict[str, Any]:
    """``override`` / ``remove`` so the rebuilt request says what the recorded one said: fields the
    vendor got wrong stay wrong (``wrong``: the paths the recorded findings name); a reused msgid
    becomes the variable captured where it was first sent, and so does its infTime when the
    recording sent the same one again (a resend of the same body is a replay, seeds/000 §1.1.2;
    rebuilt a second later, it would be another body under the same msgid: a conflict)."""
    override: dict[str, Any] = {}
    msgid = recorded.get("msgid")
    first = seen.get(msgid) if isinstance(msgid, str) else None
    for key, value in recorded.items():
        if key == node:
            continue
        if key == "msgid":
            if first is not None:
                override[key] = "${msgid_" + first[0] + "}"
        elif key == "infTime":
            if key in wrong or not (isinstance(value, str) and _TIME.match(value)):
                override[key] = value
            elif first is not None and first[1] == value:
                override[key] = "${infTime_" + first[0] + "}"
        elif key == "key":
            if key in wrong:
                override[key] = value  # a wrong key (logged masked: still wrong)
        elif built.get(key) != value:
            override[key] = value
    remove = [k for k in built if k not in recorded and k != node]
    return {**({"override": override} if override else {}), **({"remove": remove} if remove else {})}


def _sandbox_made(exchanges: list[dict[str, Any]], config: Config) -> set[int]:
    """Inbound exchanges the sandbox made itself — a simulated party calling another it simulates
    (the platform's SynStatusInfo to the HIS after a push): the same request body as an outbound
    record of a party that is not a caller kind.  A fresh sandbox makes them again on its own."""
    kinds = {i.kind for i in config.institutions}
    made = {_body_key(e) for e in exchanges if e.get("direction") == "outbound" and e.get("party") not in kinds}
    made.discard(None)
    return {e["id"] for e in exchanges if e.get("direction") == "inbound" and _body_key(e) in made}


def _body_key(exchange: dict[str, Any]) -> str | None:
    request = exchange.get("request") or {}
    body = request.get("body") or request.get("sha256") or request.get("base64")
    if "json" in request:
        body = json.dumps(request["json"], sort_keys=True, ensure_ascii=False)
    return f"{exchange.get('operation')}|{body}" if isinstance(body, str) and body else None


def _envelope_step(exchange: dict[str, Any], config: Config, registry: Registry, plan: Plan,
                   seen: dict[str, tuple[str, Any]]) -> bool:
    """The exchange as a ``call:`` of its interface's envelope builder; False when it has none."""
    interface = f"{exchange.get('party')}.{exchange.get('operation')}"
    rows = _rows(config, exchange) if interface in registry.interfaces else None
    if rows is None:
        return False
    recorded = exchange["request"]["json"]
    inst = config.institution(exchange["institution"])
    assert inst is not None
    node = row_node(inst.profile, str(exchange["operation"]), "input")
    wrong = {str(f.get("path")) for f in exchange.get("findings") or [] if f.get("severity") == "error"}
    changes = _changes(recorded, _built(config, registry, interface, inst.code, rows), node, seen, wrong)
    step_id = f"x{exchange['id']}"
    capture = {f"msgid_{step_id}": "$request.msgid"}
    if isinstance(recorded.get("msgid"), str) and recorded["msgid"] not in seen:
        seen[recorded["msgid"]] = (step_id, recorded.get("infTime"))
        if isinstance(recorded.get("infTime"), str):
            capture[f"infTime_{step_id}"] = "$request.infTime"
    plan.add({"id": step_id, "title": f"录制的交换 / recorded exchange #{exchange['id']} ({exchange['time']})",
              "call": interface, "as": inst.code, "rows": rows, **changes,
              "capture": capture, "expect": _expectations(exchange)})
    return True


def export(exchanges: list[dict[str, Any]], config: Config, registry: Registry, *, name: str,
           title: str, download: Download | None = None) -> dict[str, Any]:
    """A scenario (as data) replaying ``exchanges`` (any order; replayed oldest first);
    ``download(exchange, part, field)``: the bytes the recording sandbox keeps of a body the log kept
    as size + sha256, of the instance a C-STORE stored, or of an upload's file (``sim.replay.plan.Download``)."""
    plan = Plan(config)
    seen: dict[str, tuple[str, Any]] = {}  # recorded msgid -> (the step first sending it, its recorded infTime)
    made = _sandbox_made(exchanges, config)
    for exchange in sorted(exchanges, key=lambda e: e["id"]):
        if exchange.get("direction") != "inbound" or exchange.get("party") == "sandbox":
            continue  # what the sandbox itself called, or its own events
        if exchange["id"] in made:
            plan.skip(exchange, "made by the sandbox itself (a simulated party calling another): a fresh sandbox makes it again")
        elif exchange.get("transport") == "dicom":
            dicom_step(plan, exchange, download or (lambda *_: None))
        elif exchange.get("transport") == "soap":
            soap_step(plan, exchange)
        elif exchange.get("transport") != "http":
            plan.skip(exchange, f"{exchange.get('transport')}: the sandbox's own reading, not a request to replay")
        elif exchange.get("party") in TOKENS and exchange.get("operation") == TOKENS[str(exchange["party"])][1]:
            token_step(plan, exchange)
        elif not _envelope_step(exchange, config, registry, plan, seen):
            send_step(plan, exchange, download or (lambda *_: None))
    description = ("Exported from the sandbox's exchange log (imgcloud record export): each step replays one "
                   "recorded request and expects the recorded answer. Volatile values are made afresh: a request "
                   "with an envelope builder is rebuilt (msgid, infTime, key, signature); a token is asked for "
                   "with the configured secret and sent as a variable; an SM2 field is encrypted again from its "
                   "plaintext; a value a reply generated (an exam id, a film URL) is captured from that reply.")
    if plan.skipped:
        description += " Not replayable: " + "; ".join(plan.skipped[:50])
        description += f" (and {len(plan.skipped) - 50} more)." if len(plan.skipped) > 50 else "."
    return {"name": name, "title": title, "description": description, "refs": ["issue 13 (record and replay)"],
            "vars": plan.vars, "steps": plan.steps}
