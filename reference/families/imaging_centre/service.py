"""``saveExamRpotImgInfo`` at the centre (seeds/002 §二; INTERFACES.md §2, flow A).

Check the envelope (the national one), then each row: its schema findings and rules,
then fetch its PDF and DICOM and check them against the row.  Rows that pass are stored
in one transaction with the msgid record; after the commit the centre registers their
indexes with the province in the background.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reference.config import ValidationMode
from reference.errors import NativeError
from reference.exchanges import ExchangeDraft
from reference.national import idempotency, replies
from reference.national.checks import Envelope, begin
from reference.rules import RULES, Finding
from reference.sandbox import Sandbox
from reference.storage.models import CentreExam, CentreInstance
from reference.transports.http.client import shared_client
from reference.validation import BodyReport

from .ingest import Ingested, check_and_fetch, query_reply
from .registration import register_exams

OPERATION = "saveExamRpotImgInfo"
DONE, FAILED = "保存数据成功", "保存失败"


def current_exam(session: Session, centre: str, hi: str) -> CentreExam | None:
    return session.scalar(select(CentreExam).where(
        CentreExam.centre_code == centre, CentreExam.hi_img_indx == hi, CentreExam.deleted_at.is_(None)))


def _judge_rows(sandbox: Sandbox, centre_code: str, env: Envelope, report: BodyReport,
                draft: ExchangeDraft) -> list[tuple[dict[str, Any], list[Finding], Ingested | None]]:
    centre = sandbox.config.institution(centre_code)
    assert centre is not None
    client = shared_client(sandbox, party="imaging_centre", family="hospital")
    judged = []
    try:
        for i, row in enumerate(env.rows):
            path = f"{env.node}[{i}]"
            findings = report.row_findings(env.node, i)
            ingested = None
            if isinstance(row, dict):
                ingested = check_and_fetch(client, centre, env.institution.code, row, findings, path=path,
                                           mode=report.mode, today=sandbox.now().date())
            else:
                findings.append(RULES.finding("NIDX-ROW-TYPE", mode=report.mode, path=path, expected="object / JSON 对象"))
            judged.append((row if isinstance(row, dict) else {}, findings, ingested))
    finally:
        client.close()
    return judged


def _store(sandbox: Sandbox, session: Session, centre_code: str, hospital: str, item: Ingested) -> int:
    hi = str(item.row["hiImgIndx"])
    old = current_exam(session, centre_code, hi)
    if old is not None:
        old.deleted_at, old.status = sandbox.now(), "replaced"
    exam = CentreExam(centre_code=centre_code, hospital_code=hospital, hi_img_indx=hi, accession=item.accession,
                      study_uid=item.study_uid, row=item.row, pdf_sha256=sandbox.store_blob(session, item.pdf, "application/pdf"),
                      status="stored", findings=[f.to_dict() for f in item.findings],
                      created_at=sandbox.now(), updated_at=sandbox.now())
    session.add(exam)
    session.flush()
    for f in item.files:
        reply = query_reply(hi, f.data)
        session.add(CentreInstance(
            exam_id=exam.id, study_uid=f.identity.study_uid, series_uid=f.identity.series_uid,
            sop_uid=f.identity.sop_uid, sop_class=f.identity.sop_class, series_number=f.identity.series_number,
            instance_number=f.identity.instance_number,
            dicom_sha256=sandbox.store_blob(session, f.data, "application/dicom"),
            reply_sha256=sandbox.store_blob(session, reply, "application/json"), reply_size=len(reply)))
    return exam.id


def _foreign(session: Session, centre: str, hi: str, hospital: str, path: str, mode: ValidationMode) -> Finding | None:
    exam = current_exam(session, centre, hi)
    if exam is not None and exam.hospital_code != hospital:
        return RULES.finding("CENTRE-DUPLICATE-EXAM", mode=mode, path=f"{path}.hiImgIndx", hi=hi,
                             owner=exam.hospital_code, code=hospital)
    return None


def handle(sandbox: Sandbox, report: BodyReport, draft: ExchangeDraft, centre_code: str) -> dict[str, Any]:
    env, digest = begin(sandbox, report, draft, OPERATION)
    with sandbox.db.reading() as session:
        stored, finding = idempotency.previous(session, env.msgid, digest, OPERATION)
    if finding is not None:
        draft.add([finding])
        if stored is None:
            raise NativeError([finding])
        return stored
    judged = _judge_rows(sandbox, centre_code, env, report, draft)
    try:
        response, exam_ids = _commit(sandbox, centre_code, env, report, judged, digest, draft)
    except IntegrityError:  # the same msgid was committed meanwhile: judge against it
        with sandbox.db.reading() as session:
            stored, finding = idempotency.previous(session, env.msgid, digest, OPERATION)
        if stored is not None:
            return stored
        raise NativeError([finding] if finding else []) from None
    if exam_ids:
        sandbox.jobs.submit(f"register {exam_ids}", register_exams, sandbox, centre_code, exam_ids)
    return response


def _commit(sandbox: Sandbox, centre_code: str, env: Envelope, report: BodyReport,
            judged: list[tuple[dict[str, Any], list[Finding], Ingested | None]], digest: str,
            draft: ExchangeDraft) -> tuple[dict[str, Any], list[int]]:
    results, exam_ids = [], []
    hospital = env.institution.code
    with sandbox.db.session() as session:
        for i, (row, findings, ingested) in enumerate(judged):
            path = f"{env.node}[{i}]"
            hi = row.get("hiImgIndx") if isinstance(row.get("hiImgIndx"), str) else None
            clash = _foreign(session, centre_code, hi, hospital, path, report.mode) if hi else None
            if clash is not None:
                findings.append(clash)
                ingested = None
            draft.add(findings)
            if ingested is not None:
                ingested.findings = findings
                exam_ids.append(_store(sandbox, session, centre_code, hospital, ingested))
            results.append(replies.row_result(hi, findings, path=path, done=DONE, failed=FAILED))
        response = replies.success(results, env.findings)
        idempotency.remember(session, msgid=env.msgid, inf_code=hospital, operation=OPERATION, digest=digest,
                             response=response, now=sandbox.now())
    if exam_ids:  # stored or replaced: the download's reply lookups are read again
        from .download import bump_centre
        bump_centre(sandbox)
    return response, exam_ids
