"""A storage failure while saving an upload is answered 503 (003: 上传失败) in the native
envelope, and nothing half-written is left behind."""
from __future__ import annotations

from sqlalchemy import func, select

from reference.sandbox import Sandbox
from reference.storage.models import Blob
from tests.province_cloud.helpers import H1, exam_files, token, upload_exam


def test_pdf_upload_storage_failure_is_503(running, monkeypatch):
    tok = token(running)
    upload_exam(running, tok)
    _, _, pdf = exam_files()
    with running.sandbox.db.session() as session:
        blobs_before = session.scalar(select(func.count()).select_from(Blob))

    def disk_full(self, session, data, media_type):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Sandbox, "store_blob", disk_full)
    reply = running.client.post("/interface/saveExamPdf", data={"hospitalCode": H1, "accessNumber": "CS23213233"},
                                files={"examPdf": ("r.pdf", pdf, "application/pdf")}, headers={"X-Token": tok})
    body = reply.json()
    assert body["code"] == 503 and body["datas"] is None and "Traceback" not in reply.text
    with running.sandbox.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Blob)) == blobs_before
    entry = running.client.get(f"/_sandbox/exchanges?uid={reply.headers['x-imgcloud-exchange']}").json()[0]
    assert entry["verdict"] == "error" and any(f["rule"] == "SANDBOX-INTERNAL" for f in entry["findings"])
