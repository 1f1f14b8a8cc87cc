"""The training mode's engine (issue 14): a trainee's progress through a lesson, graded from the
exchange log.

A step begins after the exchange log's newest record at that moment (``since``).  Its attempts are
the inbound exchanges recorded after it that the trainee could have sent: the step's transport,
family and operations, the trainee's institution, the trainee's own data in the request or its URL
(``contains``), and not the sandbox's own calls (``imgcloud-sandbox/`` user agent).  Each attempt
is graded once, in the order received: its verdict and reply against the step's expectation; a
failed attempt's findings are named — with the lesson's hint where the lesson names the mistake.
A passing attempt ends the step; the next begins after it.  Progress (step, attempts, mistakes,
the values the lesson was prepared with) is kept per trainee and lesson
(``training_progress``), so a trainer sees who is stuck where.
"""
from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from reference.crypto.sm2 import issued_key
from reference.errors import NativeError
from reference.rules import RULES
from reference.sandbox import Sandbox
from reference.storage.models import Exchange, TrainingProgress
from reference.validators.codes import make_msgid

from .lessons import Lesson, Mistake, Step, lesson
from .render import fill, shown

#: The actor that prepares a trainee's own data (``sim.actors.training``).
PREPARE = "training.prepare"
TRAINEE = re.compile(r"^[\w.@-]{1,64}$")
SANDBOX_AGENT = "imgcloud-sandbox/"
#: Exchanges looked at per query (others' traffic is skipped once, then never looked at again).
SCAN = 200


def _refuse(rule: str, **params: Any) -> NativeError:
    """A request the training mode cannot serve, refused natively (rules TRAINING-*)."""
    return NativeError([RULES.finding(rule, **params)])


def _lesson(lesson_id: str) -> Lesson:
    try:
        return lesson(lesson_id)
    except KeyError:
        raise _refuse("TRAINING-UNKNOWN-LESSON", lesson=lesson_id) from None


def _check_name(trainee: str) -> None:
    if not TRAINEE.match(trainee or ""):
        raise _refuse("TRAINING-TRAINEE-NAME", trainee=trainee)


# -- values --------------------------------------------------------------------------------------

def role_values(sandbox: Sandbox, lesson_: Lesson, chosen: dict[str, str]) -> dict[str, Any]:
    """The trainee's institution per role (chosen, or the first of its kind) and its credentials."""
    config = sandbox.config
    values: dict[str, Any] = {"base": config.public_url}
    for role, kind in lesson_.roles.items():
        if kind == "dicom":
            continue
        code = chosen.get(role) or next((i.code for i in config.institutions if i.kind == kind), None)
        inst = config.institution(code) if code else None
        if inst is None or inst.kind != kind:
            valid = ", ".join(i.code for i in config.institutions if i.kind == kind)
            raise _refuse("TRAINING-ROLE", role=role, kind=kind, valid=valid or "—", code=code)
        values.update({role: inst.code, f"{role}_key": config.secret_for(inst), f"{role}_uscc": inst.uscc,
                       f"{role}_name": inst.name})
    values["sm2_public_key"] = issued_key(config).public_key
    pacs = config.parties["hospital"]
    values.update(pacs_ae=pacs.ae_title or "HOSP_PACS", pacs_host=pacs.host or config.listen.host,
                  pacs_port=pacs.port or 11112, calling_ae=(pacs.allowed_callers or ["PORTAL"])[0])
    return values


def _show_values(sandbox: Sandbox, lesson_: Lesson, values: dict[str, Any]) -> dict[str, Any]:
    """Values made when a step is shown: a msgid and infTime per role, now."""
    now = sandbox.now()
    out = dict(values, infTime=now.strftime("%Y-%m-%d %H:%M:%S"), now=now.strftime("%Y-%m-%d %H:%M:%S"))
    for n, role in enumerate(r for r, kind in lesson_.roles.items() if kind != "dicom"):
        seq = (int(now.timestamp() * 10) + n) % 10000
        out[f"{role}_msgid"] = make_msgid(values[role], now, seq)
    return out


# -- progress ------------------------------------------------------------------------------------

def _newest_exchange(sandbox: Sandbox) -> int:
    sandbox.exchanges.flush()
    with sandbox.db.reading() as session:
        return int(session.scalar(select(func.max(Exchange.id))) or 0)


def start(sandbox: Sandbox, trainee: str, lesson_id: str, *, roles: dict[str, str] | None = None,
          restart: bool = False) -> dict[str, Any]:
    """Begin (or, with ``restart``, begin again) a lesson for a trainee; its progress."""
    _check_name(trainee)
    lesson_ = _lesson(lesson_id)
    with sandbox.db.reading() as session:
        existing = session.scalar(select(TrainingProgress).where(TrainingProgress.trainee == trainee,
                                                                 TrainingProgress.lesson == lesson_id))
    if existing is not None and not restart:
        return progress(sandbox, trainee, lesson_id)
    values = role_values(sandbox, lesson_, roles or {})
    if lesson_.prepare:
        values.update(sandbox.actor(PREPARE)(sandbox, trainee=trainee, lesson=lesson_id, values=values,
                                             **lesson_.prepare))
    now = sandbox.now()
    since = _newest_exchange(sandbox)
    with sandbox.db.session() as session:
        row = session.scalar(select(TrainingProgress).where(TrainingProgress.trainee == trainee,
                                                            TrainingProgress.lesson == lesson_id))
        if row is None:
            row = TrainingProgress(trainee=trainee, lesson=lesson_id, started_at=now)
            session.add(row)
        row.step, row.since, row.attempts, row.data = 0, since, 0, values
        row.history, row.last, row.started_at, row.updated_at = [{} for _ in lesson_.steps], None, now, now
    return progress(sandbox, trainee, lesson_id)


def progress(sandbox: Sandbox, trainee: str, lesson_id: str) -> dict[str, Any]:
    """Grade what arrived since the last look, and the trainee's progress with the current step."""
    lesson_ = _lesson(lesson_id)
    sandbox.exchanges.flush()
    with sandbox.db.session() as session:
        row = session.scalar(select(TrainingProgress).where(TrainingProgress.trainee == trainee,
                                                            TrainingProgress.lesson == lesson_id))
        if row is None:
            raise _refuse("TRAINING-NOT-STARTED", trainee=trainee, lesson=lesson_id)
        _grade(sandbox, session, lesson_, row)
        return _view(sandbox, lesson_, row)


def _grade(sandbox: Sandbox, session: Any, lesson_: Lesson, row: TrainingProgress) -> None:
    history = [dict(h) for h in row.history]
    history += [{} for _ in range(len(lesson_.steps) - len(history))]  # a lesson that grew since it was begun
    changed = graded_any = False
    while (step := lesson_.step(row.step)) is not None:
        seen = int(history[row.step].get("seen", row.since))
        attempts, scanned, more = _attempts(session, step, row.data, after=max(seen, row.since))
        passed = False
        for exchange in attempts:
            graded = grade(step, exchange)
            entry = history[row.step]
            entry["seen"] = exchange.id
            entry["attempts"] = int(entry.get("attempts", 0)) + 1
            row.attempts += 1
            row.last = {"step": row.step, "stepId": step.id, **graded}
            changed = graded_any = True
            if graded["passed"]:
                entry["passedAt"] = graded["at"]
                record = {"request": exchange.request, "response": exchange.response}
                row.data = {**row.data, **{name: _at(record, path) for name, path in step.capture.items()}}
                row.step, row.since = row.step + 1, exchange.id
                passed = True
                break
            entry["mistakes"] = [*entry.get("mistakes", []), *(m["rule"] for m in graded["mistakes"])][-20:]
        if not passed:
            if scanned > int(history[row.step].get("seen", row.since)):  # others' exchanges: looked at once
                history[row.step]["seen"], changed = scanned, True
            if not more:
                break
    if changed:
        row.history = history
    if graded_any:  # the trainer's "idle" counts from the trainee's last attempt
        row.updated_at = sandbox.now()


def _attempts(session: Any, step: Step, values: dict[str, Any], *, after: int) -> tuple[list[Exchange], int, bool]:
    """The step's attempts among the next exchanges after ``after``: ``(attempts, the last id looked
    at, whether more are left to look at)``."""
    expect = step.expect
    stmt = (select(Exchange).where(Exchange.id > after, Exchange.direction == "inbound",
                                   Exchange.transport == expect.transport, Exchange.operation.in_(expect.operations))
            .order_by(Exchange.id).limit(SCAN))
    if expect.family:
        stmt = stmt.where(Exchange.family == expect.family)
    if expect.institution:
        stmt = stmt.where(Exchange.institution == fill(expect.institution, values))
    wanted = [fill(t, values) for t in expect.contains]
    found, scanned, last = [], 0, after
    for exchange in session.scalars(stmt):
        scanned, last = scanned + 1, exchange.id
        headers = (exchange.request or {}).get("headers") or {}
        if str(headers.get("user-agent") or "").startswith(SANDBOX_AGENT):
            continue
        if exchange.operation in expect.only_failed and exchange.verdict in ("pass", "warn"):
            continue
        text = json.dumps(exchange.request, ensure_ascii=False) + (exchange.url or "")  # a GET's data is its query
        if all(w in text for w in wanted):
            found.append(exchange)
    return found, last, scanned == SCAN


def _at(record: Any, path: str) -> Any:
    """The value at a dotted path of an exchange record (``response.json.data.0.succFlag``)."""
    for part in path.split("."):
        if isinstance(record, list) and part.isdigit():
            record = record[int(part)] if int(part) < len(record) else None
        elif isinstance(record, dict):
            record = record.get(part)
        else:
            return None
    return record


def _matches(value: Any, expected: Any) -> bool:
    return value in expected if isinstance(expected, list) else value == expected


def grade(step: Step, exchange: Exchange) -> dict[str, Any]:
    """One attempt: passed or not, and the mistakes named (the lesson's hint where it names them)."""
    record = {"request": exchange.request, "response": exchange.response, "status": exchange.status}
    expect = step.expect
    raised = {f.get("rule") for f in exchange.findings or []}
    problems = [_named(step, f) for f in exchange.findings or []
                if f.get("severity") == "error" and f.get("rule") not in expect.findings]
    problems += [_missing(step, rule) for rule in expect.findings if rule not in raised]
    wrong = [(path, _at(record, path), expected) for path, expected in expect.reply.items()
             if not _matches(_at(record, path), expected)]
    if not problems:  # the findings say why; a reply unlike the step's is named only when nothing else is
        problems = [_reply_problem(step, *item) for item in wrong]
    ok = exchange.operation in expect.passing and exchange.verdict in expect.verdicts and not problems and not wrong
    if not ok and not problems:
        wants = " / ".join(expect.passing)
        problems.append({"rule": "TRAINING-WRONG-OPERATION", "named": False,
                         "zh": f"这次请求是 {exchange.operation}（{exchange.verdict}），本步骤要的是 {wants}",
                         "en": f"this was {exchange.operation} ({exchange.verdict}); the step wants {wants}"})
    return {"passed": ok, "exchange": exchange.uid, "operation": exchange.operation, "verdict": exchange.verdict,
            "status": exchange.status, "at": exchange.time.isoformat(sep=" ", timespec="seconds"),
            "mistakes": problems,
            "warnings": [f for f in exchange.findings or [] if f.get("severity") == "warning"][:20]}


def _hint(step: Step, rule: str | None = None, reply: tuple[str, Any] | None = None) -> Mistake | None:
    for mistake in step.mistakes:
        if rule is not None and mistake.rule == rule:
            return mistake
        if reply is not None and mistake.reply and reply[0] in mistake.reply and _matches(reply[1], mistake.reply[reply[0]]):
            return mistake
    return None


def _named(step: Step, finding: dict[str, Any]) -> dict[str, Any]:
    hint = _hint(step, rule=finding.get("rule"))
    out = {"rule": finding.get("rule"), "path": finding.get("path"), "zh": finding.get("zh"), "en": finding.get("en"),
           "named": hint is not None}
    if hint is not None:
        out.update(hintZh=hint.zh, hintEn=hint.en)
    return out


def _missing(step: Step, rule: str) -> dict[str, Any]:
    return {"rule": f"TRAINING-EXPECTED {rule}", "named": False,
            "zh": f"本步骤要你让沙箱指出 {rule}，这次请求没有触发它",
            "en": f"this step wants the sandbox to raise {rule}; this attempt did not"}


def _reply_problem(step: Step, path: str, value: Any, expected: Any) -> dict[str, Any]:
    hint = _hint(step, reply=(path, value))
    want = " / ".join(map(str, expected)) if isinstance(expected, list) else str(expected)
    out = {"rule": f"TRAINING-REPLY {path}", "path": path, "named": hint is not None,
           "zh": f"应答 {path} 为 {value!r}，本步骤期望 {want}",
           "en": f"the reply's {path} was {value!r}; the step expects {want}"}
    if hint is not None:
        out.update(hintZh=hint.zh, hintEn=hint.en)
    return out


# -- views ---------------------------------------------------------------------------------------

def step_view(sandbox: Sandbox, lesson_: Lesson, step: Step, values: dict[str, Any]) -> dict[str, Any]:
    """A step as the trainee reads it: explanation, seed section, the request to send, what is watched."""
    shown_values = _show_values(sandbox, lesson_, values)
    expect = step.expect
    watched = {"transport": expect.transport, "operations": expect.passing,
               "institution": fill(expect.institution, values) if expect.institution else None,
               "contains": [fill(t, values) for t in expect.contains]}
    return {"id": step.id, "title": step.title.model_dump(), "seed": step.seed, "role": step.role,
            "sender": values.get(step.role), "explain": fill(step.explain.model_dump(), shown_values),
            **shown(step, shown_values),
            "watching": watched,
            "mistakes": [{"rule": m.rule, "reply": m.reply, "zh": m.zh, "en": m.en} for m in step.mistakes]}


def _view(sandbox: Sandbox, lesson_: Lesson, row: TrainingProgress) -> dict[str, Any]:
    step = lesson_.step(row.step)
    return {"trainee": row.trainee, "lesson": lesson_.id, "title": lesson_.title.model_dump(),
            "step": row.step, "steps": len(lesson_.steps), "complete": step is None, "attempts": row.attempts,
            "startedAt": _iso(row.started_at), "updatedAt": _iso(row.updated_at),
            "institutions": {r: row.data.get(r) for r in lesson_.roles if r in row.data},
            "history": [{"id": s.id, "title": s.title.model_dump(), "attempts": h.get("attempts", 0),
                         "mistakes": h.get("mistakes", []), "passedAt": h.get("passedAt")}
                        for s, h in zip(lesson_.steps, row.history, strict=False)],
            "last": row.last, "current": step_view(sandbox, lesson_, step, row.data) if step else None}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(sep=" ", timespec="seconds") if value else None


def trainees(sandbox: Sandbox) -> list[dict[str, Any]]:
    """Every trainee's place in every lesson begun, the most recently active first (the trainer's view)."""
    with sandbox.db.reading() as session:
        rows = list(session.scalars(select(TrainingProgress).order_by(TrainingProgress.updated_at.desc())))
    out = []
    now = sandbox.now()
    for row in rows:
        try:
            lesson_ = lesson(row.lesson)
        except KeyError:
            continue
        step = lesson_.step(row.step)
        history = row.history[row.step] if step is not None and row.step < len(row.history) else {}
        out.append({"trainee": row.trainee, "lesson": row.lesson, "step": row.step, "steps": len(lesson_.steps),
                    "complete": step is None, "stepId": step.id if step else None,
                    "stepTitle": step.title.model_dump() if step else None,
                    "attemptsOnStep": history.get("attempts", 0), "mistakes": history.get("mistakes", [])[-5:],
                    "attempts": row.attempts, "updatedAt": _iso(row.updated_at),
                    "idleMinutes": round((now - row.updated_at).total_seconds() / 60, 1)})
    return out


def lessons_view() -> list[dict[str, Any]]:
    from .lessons import all_lessons

    return [{"id": item.id, "title": item.title.model_dump(), "kind": item.kind, "seeds": item.seeds,
             "summary": item.summary.model_dump(), "roles": item.roles,
             "steps": [{"id": s.id, "title": s.title.model_dump(), "seed": s.seed} for s in item.steps]}
            for item in all_lessons().values()]

