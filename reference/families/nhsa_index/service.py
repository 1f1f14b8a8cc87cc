"""What the provincial index module does with a checked request (seeds/000 §1.1–1.2).

Rows are judged one by one and the good ones upserted by ``hiImgIndx`` in a single
transaction together with the msgid record: a failure anywhere rolls back everything,
so a failed request never changes what is stored.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reference.errors import NativeError
from reference.exchanges import ExchangeDraft
from reference.national import idempotency, replies
from reference.national.checks import Envelope, begin
from reference.national.row_rules import check_row
from reference.rules import RULES, Finding
from reference.sandbox import Sandbox
from reference.storage.models import IndexRecord
from reference.validation import BodyReport

from .pull import drop_images, pull_images

_INDEX = cast(Table, IndexRecord.__table__)
# Core statements for the save path, built once (compiled once): the ORM's unit of work (identity
# map, object state, flush) cost more than the one read and one write a saved row needs.
_OWNERS = select(_INDEX.c.hi_img_indx, _INDEX.c.inf_code).where(_INDEX.c.hi_img_indx.in_(bindparam("his", expanding=True)))
_INSERT = insert(_INDEX)
_UPDATE = update(_INDEX).where(_INDEX.c.hi_img_indx == bindparam("hi"))

RowHandler = Callable[[Session, Envelope, BodyReport, int, Any], tuple[dict[str, Any], list[Finding]]]


def _row_findings(sandbox: Sandbox, env: Envelope, report: BodyReport, operation: str) -> list[list[Finding] | None]:
    """Each save row's findings that need no database (schema, row rules): judged before the unit of
    work starts, so the SQLite writer lock is held for the reads and writes only."""
    if operation != "saveExamRpotImgIndx":
        return [None] * len(env.rows)
    today = sandbox.clock.now().date()
    return [report.row_findings(env.node, i) + check_row(row, path=f"{env.node}[{i}]", mode=report.mode, today=today)
            if isinstance(row, dict) else None for i, row in enumerate(env.rows)]


def _save_row(session: Session, env: Envelope, report: BodyReport, i: int, row: Any, sandbox: Sandbox,
              seen: dict[str, int], judged: list[Finding] | None,
              owners: dict[str, str]) -> tuple[dict[str, Any], list[Finding]]:
    path = f"{env.node}[{i}]"
    if not isinstance(row, dict) or judged is None:
        finding = RULES.finding("NIDX-ROW-TYPE", mode=report.mode, path=path, expected="object / JSON 对象")
        return replies.row_result(None, [finding], path=path, done="保存数据成功", failed="保存失败"), [finding]
    findings = list(judged)
    hi = row.get("hiImgIndx") if isinstance(row.get("hiImgIndx"), str) else None
    if hi and hi in seen:
        findings.append(RULES.finding("NIDX-DUPLICATE-ROW", mode=report.mode, path=path, hi=hi, first=seen[hi]))
    owner = owners.get(hi) if hi else None
    code = env.institution.code
    if owner is not None and owner != code:
        findings.append(RULES.finding("NIDX-FOREIGN-INDEX", mode=report.mode, path=f"{path}.hiImgIndx",
                                      hi=hi, owner=owner, code=code))
    if hi and not any(f.is_error for f in findings):
        seen[hi] = i
        _upsert(session, owner is not None, hi, row, env, report, sandbox)
        owners[hi] = code
    return replies.row_result(hi, findings, path=path, done="保存数据成功", failed="保存失败"), findings


def _upsert(session: Session, exists: bool, hi: str, row: dict[str, Any],
            env: Envelope, report: BodyReport, sandbox: Sandbox) -> None:
    """Insert or replace the stored index (``created_at`` kept on a replace), in one statement."""
    now = sandbox.clock.now()
    values = {"inf_code": env.institution.code, "fixmedins_code": row.get("fixmedinsCode"), "profile": report.profile,
              "row": row, "msgid": env.msgid, "updated_at": now, "deleted_at": None, "pull_status": "pending",
              "pull_findings": None}
    if exists:
        session.connection().execute(_UPDATE, {"hi": hi, **values})
    else:
        session.connection().execute(_INSERT, {"hi_img_indx": hi, "created_at": now, **values})


def _delete_row(session: Session, env: Envelope, report: BodyReport, i: int, hi: Any,
                sandbox: Sandbox) -> tuple[dict[str, Any], list[Finding]]:
    path = f"{env.node}[{i}]"
    findings = report.row_findings(env.node, i)
    if not isinstance(hi, str):
        findings = findings or [RULES.finding("NIDX-ROW-TYPE", mode=report.mode, path=path, expected="string / 字符串")]
        return replies.row_result(None, findings, path=path, done="删除数据成功", failed="删除失败"), findings
    record = session.get(IndexRecord, hi)
    if record is None or record.deleted_at is not None:
        findings.append(RULES.finding("NIDX-DELETE-UNKNOWN", mode=report.mode, path=path, hi=hi))
    elif record.inf_code != env.institution.code:
        findings.append(RULES.finding("NIDX-FOREIGN-INDEX", mode=report.mode, path=path, hi=hi,
                                      owner=record.inf_code, code=env.institution.code))
    if not any(f.is_error for f in findings) and record is not None:
        record.deleted_at = sandbox.clock.now()
        drop_images(session, hi)
    return replies.row_result(hi, findings, path=path, done="删除数据成功", failed="删除失败"), findings


def _named(rows: list[Any]) -> set[str]:
    return {hi for row in rows for hi in ([row.get("hiImgIndx")] if isinstance(row, dict) else [row]) if isinstance(hi, str)}


def _load_records(session: Session, rows: list[Any]) -> None:
    """Every stored record a delete's rows name, in one query: each row's ``session.get`` is then
    answered from the session (no query per row)."""
    his = _named(rows)
    if his:
        session.scalars(select(IndexRecord).where(IndexRecord.hi_img_indx.in_(his))).all()


def _load_owners(session: Session, rows: list[Any]) -> dict[str, str]:
    """The owner (``inf_code``) of every stored index a save's rows name, in one Core query."""
    his = _named(rows)
    if not his:
        return {}
    return {hi: code for hi, code in session.connection().execute(_OWNERS, {"his": sorted(his)})}


def handle(sandbox: Sandbox, report: BodyReport, draft: ExchangeDraft, operation: str) -> dict[str, Any]:
    """Run ``operation`` on a checked body; the response envelope, or ``NativeError``."""
    env, digest = begin(sandbox, report, draft, operation)
    try:
        response, saved = _process(sandbox, report, draft, operation, env, digest)
    except IntegrityError:  # the same msgid committed concurrently: judge against it
        response, saved = _process(sandbox, report, draft, operation, env, digest)
    for hi in saved:  # after the commit: the simulated province pulls the images (flow A), once per
        # index however often it is saved before its pull starts (the pull reads the newest row)
        sandbox.jobs.submit_once(f"pull {hi}", pull_images, sandbox, hi)
    return response


def _process(sandbox: Sandbox, report: BodyReport, draft: ExchangeDraft, operation: str,
             env: Envelope, digest: str) -> tuple[dict[str, Any], list[str]]:
    """The response, and the indexes saved by it (to pull their images once committed)."""
    judged = _row_findings(sandbox, env, report, operation)
    with sandbox.db.session() as session:
        stored, finding = idempotency.previous(session, env.msgid, digest, operation)
        if finding is not None:
            draft.add([finding])
            if stored is None:
                raise NativeError([finding])
            return stored, []
        results: list[dict[str, Any]] = []
        seen: dict[str, int] = {}
        saving = operation == "saveExamRpotImgIndx"
        owners = _load_owners(session, env.rows) if saving else {}
        if not saving:
            _load_records(session, env.rows)
        for i, row in enumerate(env.rows):
            if saving:
                result, findings = _save_row(session, env, report, i, row, sandbox, seen, judged[i], owners)
            else:
                result, findings = _delete_row(session, env, report, i, row, sandbox)
            results.append(result)
            draft.add(findings)
        response = replies.success(results, env.findings)
        idempotency.remember(session, msgid=env.msgid, inf_code=env.institution.code, operation=operation,
                             digest=digest, response=response, now=sandbox.clock.now())
    saved = [r["hiImgIndx"] for r in results if operation == "saveExamRpotImgIndx" and r["succFlag"] != "-1"]
    return response, saved
