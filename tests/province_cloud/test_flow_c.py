"""Flow C against the simulated provincial cloud, and every documented code (seeds/003)."""
from __future__ import annotations

import pytest

from tests.province_cloud.helpers import H1, H2, enc, exam_body, exam_files, post, token, upload_exam, upload_files

QUERY = {"searchType": "1", "patientName": "张三", "queryDocName": "黄医生", "queryDocCode": "10101",
         "queryDeptName": "骨科", "queryDeptCode": "10001", "mac": "00-1B-44-11-3A-B7"}


def _projects(running, tok, code="X1001", standard=("X0111",)):
    body = {"hospitalCode": None, "projects": [{"projectItemName": "胸部正位", "projectItemCode": code, "type": "3",
                                                "sampleTypeCode": "1", "price": 285,
                                                "standardProjectList": [{"standardProjectCode": s} for s in standard]}]}
    body.pop("hospitalCode")
    r = post(running, "projectContrast", body, tok)
    assert r.json()["code"] == 200, r.text


def test_flow_c_end_to_end(running):
    tok = token(running, H1)
    exam_id = upload_exam(running, tok)
    assert exam_id == upload_exam(running, tok), "upsert per (hospitalCode, accessNumber): the same exam id"
    upload_files(running, tok)
    _projects(running, tok)
    r = post(running, "getdigitalImageUrl", {"examId": exam_id}, tok)
    url = r.json()["datas"]
    assert r.json()["code"] == 200 and "/film/?Info=" in url
    page = running.client.get(url.split("8000", 1)[-1] if "8000" in url else url)
    assert page.status_code == 200 and "两肺未见明显实变" in page.text and "/film/image?" in page.text
    img = running.client.get(page.text.split("src='", 1)[1].split("'", 1)[0].replace("&amp;", "&"))
    assert img.headers["content-type"] == "image/png" and img.content[:4] == b"\x89PNG"

    # a doctor at the second hospital
    tok2 = token(running, H2)
    _projects(running, tok2, code="CT9", standard=("X0111",))
    r = post(running, "queryFormerlyExam", {**QUERY, "idCardNo": enc(running)}, tok2)
    assert r.json()["code"] == 200, r.text
    [item] = r.json()["datas"]
    assert item["examId"] == exam_id and item["imageViewPaths"] and item["standardProjectList"]
    r = post(running, "queryFormerlyExam", {**QUERY, "searchType": "2", "examProjectCode": "CT9", "idCardNo": enc(running)}, tok2)
    assert r.json()["code"] == 200 and r.json()["datas"][0]["examId"] == exam_id
    pdf = post(running, "queryExamPdfData", {"accessNumber": "CS23213233", "queryDocName": "黄医生", "queryDocCode": "1"}, tok2)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content == exam_files()[2]
    for op, body in (("saveReminderCallRecord", {"examId": exam_id, "queryDocName": "黄医生", "queryDocCode": "10101",
                                                 "retrivalTime": "2026-11-20 10:00:00", "retrivaType": "1", "searchType": "1",
                                                 "mac": "m"}),
                     ("saveRecognExamRecord", {"examId": exam_id, "queryDocCode": "10101", "retrivalTime": "2026-11-20 10:00:00",
                                               "recognFlag": "1", "quoteFlag": "0", "mac": "m"})):
        r = post(running, op, body, tok2)
        assert r.json()["code"] == 200, r.text
    running.sandbox.exchanges.flush() if hasattr(running.sandbox.exchanges, "flush") else None


def test_504_another_hospitals_exam(running):
    exam_id = upload_exam(running, token(running, H1))
    r = post(running, "getdigitalImageUrl", {"examId": exam_id}, token(running, H2))
    assert r.status_code == 200 and r.json()["code"] == 504 and "非本医院数据" in r.json()["msg"]


def test_404_and_both_409s(running):
    tok = token(running, H1)
    upload_exam(running, tok)
    r = post(running, "queryFormerlyExam", {**QUERY, "idCardNo": enc(running, "11010119900307803X")}, tok)
    assert r.json()["code"] == 404
    body = {**QUERY, "searchType": "2", "examProjectCode": "NOPE", "idCardNo": enc(running)}
    r = post(running, "queryFormerlyExam", body, tok)
    assert r.json()["code"] == 409 and "PCLOUD-PROJECT-NOT-UPLOADED" in r.json()["msg"]
    _projects(running, tok, code="NOPE", standard=())
    r = post(running, "queryFormerlyExam", body, tok)
    assert r.json()["code"] == 409 and "PCLOUD-PROJECT-NOT-MAPPED" in r.json()["msg"]
    r = post(running, "queryFormerlyExam", {**QUERY, "searchType": "2", "idCardNo": enc(running)}, tok)
    assert r.json()["code"] == 400 and "PCLOUD-PROJECT-CODE-REQUIRED" in r.json()["msg"]


def test_default_window_is_the_last_7_days(running):
    tok = token(running, H1)
    upload_exam(running, tok, check_time="2026-11-01 09:00:00")
    r = post(running, "queryFormerlyExam", {**QUERY, "idCardNo": enc(running)}, tok)
    assert r.json()["code"] == 404
    r = post(running, "queryFormerlyExam", {**QUERY, "idCardNo": enc(running), "checkStartTime": "2026-10-30 00:00:00"}, tok)
    assert r.json()["code"] == 200


def test_403_missing_unknown_and_expired_token(running, clock):
    body = {"examId": "1"}
    assert post(running, "getdigitalImageUrl", body, None).json()["code"] == 403
    assert post(running, "getdigitalImageUrl", body, "nope").json()["code"] == 403
    tok = token(running)
    clock.advance(seconds=7199)
    assert post(running, "getdigitalImageUrl", body, tok).json()["code"] != 403
    clock.advance(seconds=1)
    r = post(running, "getdigitalImageUrl", body, tok)
    assert r.json()["code"] == 403 and "PCLOUD-TOKEN-EXPIRED" in r.json()["msg"]


def test_400_lists_every_schema_error(running):
    tok = token(running)
    body = exam_body(running)
    body.update(sex="M", patientName="")
    r = post(running, "savePatientExam", body, tok)
    msg = r.json()["msg"]
    assert r.json()["code"] == 400 and "SCHEMA-ENUM" in msg and "SCHEMA-REQUIRED" in msg and r.json()["datas"] is None


def test_record_rules(running):
    tok = token(running)
    exam_id = upload_exam(running, tok)
    r = post(running, "saveReminderCallRecord", {"examId": exam_id, "queryDocName": "a", "queryDocCode": "b",
                                                 "retrivalTime": "2026-11-20 10:00:00", "retrivaType": "1", "mac": "m"}, tok)
    assert r.json()["code"] == 400 and "PCLOUD-SEARCHTYPE-REQUIRED" in r.json()["msg"]
    r = post(running, "saveRecognExamRecord", {"examId": exam_id, "queryDocCode": "b", "retrivalTime": "2026-11-20 10:00:00",
                                               "recognFlag": "0", "quoteFlag": "0", "mac": "m"}, tok)
    assert r.json()["code"] == 400 and "PCLOUD-REASON-REQUIRED" in r.json()["msg"]
    logged = running.client.get("/_sandbox/exchanges", params={"operation": "saveRecognExamRecord"}).json()
    assert logged and logged[0]["institution"] == H1


def test_upload_dicom_checks_the_files_own_uids(running):
    tok = token(running)
    upload_exam(running, tok)
    _, instances, pdf = exam_files()
    inst = instances[0]
    form = {"hospitalCode": H1, "accessNumber": "CS23213233", "studyUid": inst.study_uid,
            "seriesUid": inst.series_uid, "instanceUid": "1.2.3"}
    r = running.client.post("/interface/uploadDicom", data=form, files={"dicomFile": ("a.dcm", inst.data)}, headers={"X-Token": tok})
    assert r.json()["code"] == 400 and "PCLOUD-DICOM-UID-MISMATCH" in r.json()["msg"]
    r = running.client.post("/interface/uploadDicom", data=form, files={"dicomFile": ("a.dcm", pdf)}, headers={"X-Token": tok})
    assert r.json()["code"] == 400 and "PCLOUD-NOT-DICOM" in r.json()["msg"]
    pdf_form = {"hospitalCode": H1, "accessNumber": "CS23213233"}
    r = running.client.post("/interface/saveExamPdf", data=pdf_form, files={"examPdf": ("r.pdf", b"%PDF-" + b"0" * (2 * 1024 * 1024))},
                            headers={"X-Token": tok})
    assert r.json()["code"] == 400 and "PCLOUD-PDF-TOO-LARGE" in r.json()["msg"]
    r = running.client.post("/interface/saveExamPdf", data=pdf_form, files={"examPdf": ("r.pdf", inst.data)}, headers={"X-Token": tok})
    assert r.json()["code"] == 400 and "PCLOUD-NOT-PDF" in r.json()["msg"]


def test_a_token_is_read_once_a_process_and_forgotten_with_its_tenant(running, monkeypatch):
    """``holder`` reads an issued token from the database once while no worker has written tokens
    since (the generation every worker maps), expiry still judged at each call; a tenant's reset
    removes the token and bumps the generation, so the next call reads again and refuses it."""
    from reference.families.province_cloud import tokens

    tok = token(running)
    assert tokens.holder(running.sandbox, tok) == (H1, [])  # read from the database
    reading = running.sandbox.db.reading
    monkeypatch.setattr(running.sandbox.db, "reading", lambda *a, **k: pytest.fail("read again"))
    assert tokens.holder(running.sandbox, tok) == (H1, [])
    monkeypatch.setattr(running.sandbox.db, "reading", reading)
    assert running.client.post(f"/_sandbox/tenants/{H1}/reset").status_code == 200
    uid, problems = tokens.holder(running.sandbox, tok)
    assert uid is None and [f.rule for f in problems] == ["PCLOUD-TOKEN-UNKNOWN"]
    assert post(running, "getdigitalImageUrl", {"examId": "1"}, tok).json()["code"] == 403


def test_a_report_pdf_sent_again_is_recorded_whole_and_encoded_once(running, monkeypatch):
    """The PDF's digest is the handler's (its blob's address): each exchange's record holds the PDF
    whole, as before, but it is encoded, masked and serialised once (issue 12: ~30 % of the
    operation's time holding the GIL went to doing that anew for each request)."""
    import base64

    from reference.exchanges import record

    tok = token(running, H1)
    upload_exam(running, tok)
    upload_files(running, tok)
    made = []
    content = record._content
    monkeypatch.setattr(record, "_content", lambda data, media_type: made.append(media_type) or content(data, media_type))
    for _ in range(3):
        pdf = post(running, "queryExamPdfData", {"accessNumber": "CS23213233", "queryDocName": "黄医生",
                                                 "queryDocCode": "1"}, tok)
        assert pdf.content == exam_files()[2]
    assert made.count("application/pdf") == 1  # the old recorder encoded the PDF for each of the three
    entries = running.sandbox.exchanges.query(operation="queryExamPdfData", limit=3)
    assert len(entries) == 3
    for entry in entries:
        response = entry["response"]
        assert base64.b64decode(response["base64"]) == exam_files()[2] and response["size"] == len(exam_files()[2])
        assert response["media_type"] == "application/pdf" and "truncated" not in response
