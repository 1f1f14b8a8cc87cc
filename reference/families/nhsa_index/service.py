"""What the provincial index module does with a checked request (seeds/000 §1.1–1.2).

Rows are judged one by one and the good ones upserted by ``hiImgIndx`` in a single
transaction together with the msgid record: a failure anywhere rolls back everything,
so a failed request never changes what is stored.

After the commit the simulated province pulls the images of each saved index (flow A) — of an index
saved again *unchanged* (the same row, owner and profile, not withdrawn) only when that can change
something, as an integrator would build the real module: not when its images are already pulled (the
same row names the same images at the same link), not when a pull of it is queued or running in this
process (that pull reads the same row), and, when its last pull failed, again at most once every
``PULL_RETRY_AFTER`` seconds — a sender resending its index is retried, a sender resending it in a
loop (a load test: the same row with a new msgid, hundreds a second) does not make the province
hammer the centre's download service, nor its own database with the pull's writes (issue 12).  Such
a save records its msgid and ``updated_at`` and keeps the pull's status and findings as they are.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, NamedTuple, cast

from sqlalchemy import Connection, Table, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reference.errors import NativeError
from reference.exchanges import ExchangeDraft
from reference.national import idempotency, replies
from reference.national.checks import Envelope, begin
from reference.national.row_rules import check_row
from reference.rules import RULES, Finding
from reference.sandbox import Sandbox
from reference.storage import raw as statements
from reference.storage.models import IndexRecord
from reference.validation import BodyReport

from .pull import drop_images, pull_images

_INDEX = cast(Table, IndexRecord.__table__)
# The save path's statements (``reference.storage.raw``: on SQLite's own connection, else Core built
# once): the ORM's unit of work (identity map, object state, flush) cost more than the one read and
# one write a saved row needs.
_STORED_COLUMNS = ("hi_img_indx", "inf_code", "profile", "row", "deleted_at", "pull_status")
#: A failed pull of an index saved again unchanged is retried at most this often (seconds, per index).
PULL_RETRY_AFTER = 1.0


class Stored(NamedTuple):
    """What a save needs of an index already stored."""

    owner: str
    profile: str
    row: Any  # the stored row; on SQLite its JSON text as stored (``_same_row``)
    deleted: bool
    pull_status: str | None
    text: bool = False  # ``row`` is the JSON text SQLAlchemy stored (``json.dumps``), not yet parsed


def pull_job(hi: str) -> str:
    """The name of the background job pulling index ``hi``'s images (``Jobs.submit_once``)."""
    return f"pull {hi}"

RowHandler = Callable[[Session, Envelope, BodyReport, int, Any], tuple[dict[str, Any], list[Finding]]]


def _row_findings(sandbox: Sandbox, env: Envelope, report: BodyReport, operation: str) -> list[list[Finding] | None]:
    """Each save row's findings that need no database (schema, row rules): judged before the unit of
    work starts, so the SQLite writer lock is held for the reads and writes only."""
    if operation != "saveExamRpotImgIndx":
        return [None] * len(env.rows)
    today = sandbox.clock.now().date()
    return [report.row_findings(env.node, i) + check_row(row, path=f"{env.node}[{i}]", mode=report.mode, today=today)
            if isinstance(row, dict) else None for i, row in enumerate(env.rows)]


def _save_row(conn: Connection, env: Envelope, report: BodyReport, i: int, row: Any, sandbox: Sandbox,
              seen: dict[str, int], judged: list[Finding] | None, owners: dict[str, str],
              stored: dict[str, Stored], pulls: list[str]) -> tuple[dict[str, Any], list[Finding]]:
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
        before = stored.get(hi)
        same = before is not None and _unchanged(before, row, code, report.profile)
        pull = not same or _pull_again(sandbox, hi, before)
        _upsert(conn, owner is not None, hi, row, env, report, sandbox, same=same, pull=pull)
        owners[hi] = code
        if pull:
            pulls.append(hi)
    return replies.row_result(hi, findings, path=path, done="保存数据成功", failed="保存失败"), findings


def _unchanged(before: Stored, row: dict[str, Any], code: str, profile: str) -> bool:
    """The index is saved again as it is stored: same row, owner and profile, not withdrawn."""
    return not before.deleted and before.owner == code and before.profile == profile and _same_row(before, row)


def _same_row(before: Stored, row: dict[str, Any]) -> bool:
    """``_identical`` to the stored row.  Stored as ``json.dumps`` text (SQLite), the row sent again as
    it was is the same text, so it is known without parsing and walking the stored one (~30 µs a
    save, issue 12): equal texts are identical values, types included (``85`` and ``85.0``, ``1`` and
    ``true`` are written differently) — but for ``NaN``, written alike and never equal to itself, so a
    text naming ``NaN`` or ``Infinity`` anywhere is compared the long way, as is any text that differs
    (keys in another order are still the same row)."""
    if not before.text or not isinstance(before.row, str):
        return _identical(before.row, row)
    text = before.row
    if "NaN" not in text and "Infinity" not in text and json.dumps(row) == text:
        return True
    return _identical(json.loads(text), row)


def _identical(a: Any, b: Any) -> bool:
    """The same JSON value, types included (``==`` takes ``1`` for ``1.0`` and ``true``: a row
    resent with ``"age": 85.0`` for ``85`` is another row, stored as sent)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_identical(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        return len(a) == len(b) and all(map(_identical, a, b))
    return bool(a == b)


def _pull_again(sandbox: Sandbox, hi: str, before: Stored | None) -> bool:
    """For an index saved again unchanged: whether the province pulls its images again (module doc)."""
    if before is None or before.pull_status == "pulled" or sandbox.jobs.busy(pull_job(hi)):
        return False
    if before.pull_status == "failed":
        return not sandbox.jobs.finished_within(pull_job(hi), PULL_RETRY_AFTER)
    return True  # pending or pulling with no pull of it here (another worker's, or a process gone)


def _upsert(conn: Connection, exists: bool, hi: str, row: dict[str, Any], env: Envelope, report: BodyReport,
            sandbox: Sandbox, *, same: bool = False, pull: bool = True) -> None:
    """Insert or replace the stored index (``created_at`` kept on a replace), in one statement; an
    unchanged index gets its msgid and ``updated_at``, and its pull's state only when pulled again."""
    now = sandbox.clock.now()
    values: dict[str, Any] = {"msgid": env.msgid, "updated_at": now}
    if not same:
        values.update({"inf_code": env.institution.code, "fixmedins_code": row.get("fixmedinsCode"),
                       "profile": report.profile, "row": row, "deleted_at": None})
    if pull:
        values.update({"pull_status": "pending", "pull_findings": None})
    if exists:
        statements.update(conn, _INDEX, "hi_img_indx", hi, values)
    else:
        statements.insert(conn, _INDEX, {"hi_img_indx": hi, "created_at": now, **values})


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


def _load_stored(conn: Connection, rows: list[Any]) -> dict[str, Stored]:
    """Every stored index a save's rows name (owner, row, pull status), in one Core query."""
    his = _named(rows)
    if not his:
        return {}
    found, as_text = statements.select(conn, _INDEX, _STORED_COLUMNS, "hi_img_indx", sorted(his),
                                       stored=frozenset({"row"}))
    return {hi: Stored(code, profile, row, deleted is not None, status, text=as_text)
            for hi, code, profile, row, deleted, status in found}


def handle(sandbox: Sandbox, report: BodyReport, draft: ExchangeDraft, operation: str) -> dict[str, Any]:
    """Run ``operation`` on a checked body; the response envelope, or ``NativeError``."""
    env, digest = begin(sandbox, report, draft, operation)
    try:
        response, pulls = _process(sandbox, report, draft, operation, env, digest)
    except IntegrityError:  # the same msgid committed concurrently: judge against it
        response, pulls = _process(sandbox, report, draft, operation, env, digest)
    for hi in pulls:  # after the commit: the simulated province pulls the images (flow A), once per
        # index however often it is saved before its pull starts (the pull reads the newest row)
        sandbox.jobs.submit_once(pull_job(hi), pull_images, sandbox, hi)
    return response


def _process(sandbox: Sandbox, report: BodyReport, draft: ExchangeDraft, operation: str,
             env: Envelope, digest: str) -> tuple[dict[str, Any], list[str]]:
    """The response, and the indexes whose images to pull once it is committed.  A save is a Core
    unit of work (its statements are prebuilt Core ones, and an ORM session around them cost ~0.1 ms a
    request, issue 12) in a transaction it may share with concurrent saves (``Database.grouped``: each
    save in its own savepoint, every reply after the shared commit); a delete an ORM one (it loads and
    changes records)."""
    if operation == "saveExamRpotImgIndx":  # its transaction shared with concurrent saves (a group commit)
        judged = _row_findings(sandbox, env, report, operation)
        return sandbox.db.grouped(lambda conn: _save(conn, sandbox, report, draft, operation, env, digest, judged))
    with sandbox.db.session() as session:
        return _delete(session, sandbox, report, draft, operation, env, digest), []


def _replayed(unit: Session | Connection, draft: ExchangeDraft, operation: str, env: Envelope,
              digest: str) -> dict[str, Any] | None:
    """The stored response of this msgid sent before with this body (a replay), or ``None`` (a new
    msgid); ``NativeError`` when the msgid was sent before with another body."""
    stored, finding = idempotency.previous(unit, env.msgid, digest, operation)
    if finding is None:
        return None
    draft.add([finding])
    if stored is None:
        raise NativeError([finding])
    return stored


def _save(conn: Connection, sandbox: Sandbox, report: BodyReport, draft: ExchangeDraft, operation: str,
          env: Envelope, digest: str, judged: list[list[Finding] | None]) -> tuple[dict[str, Any], list[str]]:
    replayed = _replayed(conn, draft, operation, env, digest)
    if replayed is not None:
        return replayed, []
    results: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    known = _load_stored(conn, env.rows)
    owners = {hi: k.owner for hi, k in known.items()}
    pulls: list[str] = []
    for i, row in enumerate(env.rows):
        result, findings = _save_row(conn, env, report, i, row, sandbox, seen, judged[i], owners, known, pulls)
        results.append(result)
        draft.add(findings)
    return _remember(conn, sandbox, operation, env, digest, results), pulls


def _delete(session: Session, sandbox: Sandbox, report: BodyReport, draft: ExchangeDraft, operation: str,
            env: Envelope, digest: str) -> dict[str, Any]:
    replayed = _replayed(session, draft, operation, env, digest)
    if replayed is not None:
        return replayed
    results: list[dict[str, Any]] = []
    _load_records(session, env.rows)
    for i, row in enumerate(env.rows):
        result, findings = _delete_row(session, env, report, i, row, sandbox)
        results.append(result)
        draft.add(findings)
    return _remember(session, sandbox, operation, env, digest, results)


def _remember(unit: Session | Connection, sandbox: Sandbox, operation: str, env: Envelope, digest: str,
              results: list[dict[str, Any]]) -> dict[str, Any]:
    """The response of these row results, recorded under the msgid (in the same unit of work)."""
    response = replies.success(results, env.findings)
    idempotency.remember(unit, msgid=env.msgid, inf_code=env.institution.code, operation=operation,
                         digest=digest, response=response, now=sandbox.clock.now())
    return response
