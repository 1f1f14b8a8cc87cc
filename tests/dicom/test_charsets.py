"""Chinese names and character sets over the network, with DCMTK's real tools (issue 16):
a study written in each of the four name/charset forms is stored (storescu), found by its
Chinese name and by its pinyin (findscu) and retrieved byte-identical (getscu); a C-STORE of
GBK bytes labelled ISO_IR 100, or not labelled at all, is accepted with a finding naming GBK;
a C-FIND identifier in GBK without (0008,0005) is named too; a PACS profile serving GB18030
(or a named fault) makes findscu, getscu and WADO-URI receive exactly that."""
from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from pydicom import dcmread
from starlette.testclient import TestClient

from reference.dicomtext import FORMS, charsets, examine, person_name, romanize_name
from reference.dicomtext.transcode import dataset_offset
from reference.families.regional_archive.archive import register_exam
from sim.server import create_app
from sim.synth import make_study
from tests.dicom.helpers import HOSPITAL, dcmtk, dicom_sandbox, find_exam, put_in_pacs

pytestmark = pytest.mark.skipif(shutil.which("findscu") is None, reason="DCMTK is not installed")

#: form -> (the modality of its study, the (0008,0005) and codec a findscu query uses)
FORMS_UNDER_TEST = {
    "utf8": ("MR", "ISO_IR 192", "utf-8"),
    "gb18030": ("CT", "GB18030", "gb18030"),
    "iso2022-gb2312": ("DX", "ISO 2022 IR 6\\ISO 2022 IR 58", "ir58"),
    "pinyin": ("US", "ISO_IR 192", "utf-8"),  # a Chinese key finds a pinyin-only name
}


def _encode_key(text: str, codec: str) -> bytes:
    if codec == "ir58":
        return b"\x1b$)A" + text.encode("gb2312")
    return text.encode(codec)


def _data_set(data: bytes) -> bytes:
    """A Part-10 file's data set bytes (what must survive store and retrieve unchanged)."""
    return data[dataset_offset(data):]


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("charsets")
    with dicom_sandbox(root / "home") as (sandbox, scps):
        studies = {}
        for charset, (modality, _, _) in FORMS_UNDER_TEST.items():
            exam = find_exam(modality)
            instances = make_study(exam, seed=7, instances_per_series=1, charset=charset)
            register_exam(sandbox, patient_id=exam.patient.patient_id, study_uid=exam.study_uid,
                          accession=exam.accession_no)
            folder = root / charset
            folder.mkdir()
            paths = []
            for inst in instances:
                path = folder / f"{inst.sop_instance_uid}.dcm"
                path.write_bytes(inst.data)
                paths.append(path)
            studies[charset] = {"exam": exam, "instances": instances, "paths": paths}
        yield {"sandbox": sandbox, "scp": scps["regional_platform"], "root": root, "studies": studies}


def _archive(env: dict[str, Any]) -> list[str]:
    return ["-aet", "PORTAL", "-aec", "CLOUD_ARCHIVE", "127.0.0.1", str(env["scp"].port)]


def _find(env: dict[str, Any], cwd: Path, charset_term: str, name: bytes, *extra: str) -> Any:
    args: list[Any] = ["findscu", "-S", "-X", "-k", "QueryRetrieveLevel=STUDY", "-k", f"SpecificCharacterSet={charset_term}",
                       "-k", b"PatientName=" + name, "-k", "StudyInstanceUID", "-k", "AccessionNumber", *extra, *_archive(env)]
    return dcmtk(*args, cwd=cwd)


def _responses(cwd: Path) -> list[Any]:
    return [dcmread(p) for p in sorted(cwd.glob("rsp*.dcm"))]


@pytest.mark.parametrize("charset", list(FORMS_UNDER_TEST))
def test_each_form_is_stored_found_by_chinese_name_and_pinyin_and_retrieved_identical(
        archive: dict[str, Any], charset: str, tmp_path: Path) -> None:
    study = archive["studies"][charset]
    exam, instances = study["exam"], study["instances"]
    stored = dcmtk("storescu", *_archive(archive), *[str(p) for p in study["paths"]])
    assert stored.returncode == 0, stored.stderr
    _, term, codec = FORMS_UNDER_TEST[charset]
    name = exam.patient.name

    chinese = tmp_path / "chinese"
    chinese.mkdir()
    r = _find(archive, chinese, term, _encode_key(name, codec))
    assert r.returncode == 0, r.stderr
    found = [ds for ds in _responses(chinese) if ds.StudyInstanceUID == exam.study_uid]
    assert len(found) == 1, r.stderr
    # the reply carries the stored bytes under the stored (0008,0005)
    first = dcmread(study["paths"][0], stop_before_pixels=True)
    assert found[0].get("SpecificCharacterSet") == first.get("SpecificCharacterSet")
    assert found[0]["PatientName"].value.original_string.rstrip(b" ") == \
        first["PatientName"].value.original_string.rstrip(b" ")
    assert examine(dcmread(study["paths"][0], stop_before_pixels=True)).text("PatientName") == \
        (romanize_name(name) if charset == "pinyin" else person_name(name, "groups"))

    pinyin = tmp_path / "pinyin"
    pinyin.mkdir()
    r = _find(archive, pinyin, "ISO_IR 192", romanize_name(name).upper().encode())
    assert r.returncode == 0, r.stderr
    assert [ds.StudyInstanceUID for ds in _responses(pinyin)].count(exam.study_uid) == 1, r.stderr

    out = tmp_path / "get"
    out.mkdir()
    r = dcmtk("getscu", "-S", "+B", "-k", "QueryRetrieveLevel=STUDY", "-k", f"StudyInstanceUID={exam.study_uid}",
              "-od", str(out), *_archive(archive))  # +B: written as received
    assert r.returncode == 0, r.stderr
    got = {dcmread(p, stop_before_pixels=True).SOPInstanceUID: p.read_bytes() for p in out.iterdir()}
    assert set(got) == {i.sop_instance_uid for i in instances}
    for inst in instances:
        assert _data_set(got[inst.sop_instance_uid]) == _data_set(inst.data)  # byte-identical


@pytest.mark.parametrize(("fault", "rule", "label"), [
    ("mislabel-gbk-as-iso-ir-100", "DICOM-CHARSET-SINGLE-BYTE", "ISO_IR 100"),
    ("unlabelled-gbk", "DICOM-CHARSET-UNDECLARED", None),
])
def test_gbk_bytes_mislabelled_or_unlabelled_are_accepted_with_a_finding_naming_gbk(
        archive: dict[str, Any], fault: str, rule: str, label: str | None, tmp_path: Path) -> None:
    exam = find_exam("MG")
    inst = make_study(exam, seed=11, instances_per_series=1, charset=fault)[0]
    register_exam(archive["sandbox"], patient_id=exam.patient.patient_id, study_uid=exam.study_uid,
                  accession=exam.accession_no)
    path = tmp_path / "gbk.dcm"
    path.write_bytes(inst.data)
    assert dcmread(path, stop_before_pixels=True).get("SpecificCharacterSet") == label
    r = dcmtk("storescu", *_archive(archive), str(path))
    assert r.returncode == 0, r.stderr
    log = [x for x in archive["sandbox"].exchanges.query(limit=200, family="regional-archive", operation="C-STORE")
           if x["request"].get("SOPInstanceUID") == inst.sop_instance_uid]
    assert log and log[0]["status"] == 0 and log[0]["verdict"] == "warn", log
    finding = next(f for f in log[0]["findings"] if f["rule"] == rule)
    assert "GBK" in finding["en"] and "GBK" in finding["zh"]
    assert repr(exam.patient.name) in finding["zh"]  # what the bytes say
    assert repr(charsets.misread(exam.patient.name.encode("gbk"), (label,) if label else ())) in finding["en"]  # misread
    # stored as received
    stored = archive["sandbox"].blobs.get(log[0]["response"]["sha256"])
    assert _data_set(stored) == _data_set(inst.data)


def test_a_gbk_query_without_character_set_is_named(archive: dict[str, Any], tmp_path: Path) -> None:
    exam = archive["studies"]["utf8"]["exam"]
    r = dcmtk("findscu", "-S", "-k", "QueryRetrieveLevel=STUDY", "-k", b"PatientName=" + exam.patient.name.encode("gbk"),
              "-k", "StudyInstanceUID", *_archive(archive), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    log = archive["sandbox"].exchanges.query(limit=50, family="regional-archive", operation="C-FIND")
    named = [x for x in log if x["request"].get("PatientName") == exam.patient.name]
    assert named, log[:3]
    assert any(f["rule"] == "DICOM-CHARSET-UNDECLARED" and "GBK" in f["en"] for f in named[0]["findings"])


# -- a PACS that serves another encoding ----------------------------------------------------------
@pytest.fixture(scope="module", params=["gb18030", "mislabel-gbk-as-iso-ir-100"])
def serving(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp(f"serving-{request.param}")
    with dicom_sandbox(root / "home", hospital={"dicom_charset": request.param}) as (sandbox, scps):
        exam = find_exam("MR")
        instances = make_study(exam, seed=7, instances_per_series=1)  # stored as UTF-8
        put_in_pacs(sandbox, exam, instances)
        yield {"sandbox": sandbox, "pacs": scps["hospital"], "exam": exam, "instances": instances,
               "form": FORMS[request.param]}


def _pacs(env: dict[str, Any]) -> list[str]:
    return ["-aet", "PORTAL", "-aec", "HOSP_PACS", "127.0.0.1", str(env["pacs"].port)]


def test_a_pacs_profile_serving_gb18030_makes_findscu_receive_it(serving: dict[str, Any], tmp_path: Path) -> None:
    exam, form = serving["exam"], serving["form"]
    r = dcmtk("findscu", "-S", "-X", "-k", "QueryRetrieveLevel=STUDY", "-k", f"StudyInstanceUID={exam.study_uid}",
              "-k", "PatientName", "-k", "InstitutionName", *_pacs(serving), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    response = tmp_path / "rsp0001.dcm"  # findscu -X: the response identifier as received
    label = "\\".join(form.label)
    assert f"(0008,0005) CS [{label}]" in _dcmdump(response)  # DCMTK's own reading
    head = dcmread(response)
    name = person_name(exam.patient.name, "groups") if form.names == "groups" else exam.patient.name
    raw = head["PatientName"].value.original_string.rstrip(b" ")
    assert raw == person_name(exam.patient.name, "groups").encode(form.codec)  # the bytes are GB18030 / GBK
    if not form.fault:
        assert f"[{name}]" in _dcmdump(response, "+U8")  # DCMTK decodes it as GB18030
    else:  # the named fault: GBK bytes under ISO_IR 100, as a receiver would get them
        assert [i.rule for i in examine(dcmread(response)).issues] == ["DICOM-CHARSET-SINGLE-BYTE"]


def test_getscu_and_wado_receive_the_served_encoding(serving: dict[str, Any], tmp_path: Path) -> None:
    exam, form, instances = serving["exam"], serving["form"], serving["instances"]
    r = dcmtk("getscu", "-S", "-k", "QueryRetrieveLevel=STUDY", "-k", f"StudyInstanceUID={exam.study_uid}",
              "-od", str(tmp_path), *_pacs(serving))
    assert r.returncode == 0, r.stderr
    got = {dcmread(p).SOPInstanceUID: dcmread(p) for p in tmp_path.iterdir()}
    assert set(got) == {i.sop_instance_uid for i in instances}
    for inst in instances:
        ds = got[inst.sop_instance_uid]
        assert tuple(ds.get("SpecificCharacterSet", "").split("\\")) == form.label
        assert ds.PixelData == dcmread(BytesIO(inst.data)).PixelData
    client = TestClient(create_app(sandbox=serving["sandbox"]))
    inst = instances[0]
    reply = client.get(f"/hospital/{HOSPITAL}/wado", params={"requestType": "WADO", "studyUID": inst.study_uid,
                                                              "seriesUID": inst.series_uid, "objectUID": inst.sop_instance_uid})
    assert reply.status_code == 200
    wado = _as_file(reply.content, tmp_path)
    head = dcmread(wado, stop_before_pixels=True)
    assert tuple(str(head.get("SpecificCharacterSet", "")).split("\\")) == form.label
    assert dcmread(wado).PixelData == dcmread(BytesIO(inst.data)).PixelData  # the pixels as stored


def _dcmdump(path: Path, *options: str) -> str:
    """dcmdump's output (its text in whatever encoding the file has: read as UTF-8, bad bytes replaced)."""
    result = subprocess.run(["dcmdump", *options, str(path)], capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.decode("utf-8", "replace")


def _as_file(data: bytes, folder: Path) -> Path:
    path = folder / f"f{len(list(folder.iterdir()))}.bin"
    path.write_bytes(data)
    return path
