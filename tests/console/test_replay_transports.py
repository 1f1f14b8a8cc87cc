"""Record and replay across transports (issue 13): a mixed session — the provincial cloud's
getToken and savePatientExam with an SM2 idCardNo, an upload of a study and its report (seeds/003), the regional platform's token,
SynApplyInfo over SOAP, exam/push and the C-STOREs of the study (seeds/004), a C-ECHO and a
C-FIND to the hospital PACS, an unknown caller's association,
and vendor mistakes among them — exported as a scenario file holding no recorded token,
ciphertext or secret, replays green against a fresh sandbox, each mistake to the same error."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from reference.config import Config, load_config
from reference.regional import identity
from sim.cli import app
from sim.localnet import with_free_dicom_ports
from sim.scenario import Targets, run_scenario
from sim.scenario.server import running_sandbox
from tests.console.conftest import World

HOSPITAL = "H51080200011"
NO_STUDY = "1.2.826.0.1.3680043.10.1234.99.99.99"

SESSION = {
    "name": "mixed-session", "vars": {"h": HOSPITAL},
    "steps": [
        {"id": "token", "action": "province_cloud.token", "with": {"uid": "${h}"}, "capture": {"tok": "$.token"}},
        {"id": "body", "action": "province_cloud.exam_body", "with": {"hospital": "${h}", "seed": 1351},
         "capture": {"exam": "$.body"}},
        {"id": "save", "call": "province_cloud.savePatientExam", "as": "${h}", "rows": ["${exam}"],
         "headers": {"X-Token": "${tok}"}, "capture": {"exam_id": "$.datas"}, "expect": [{"path": "$.code", "equals": 200}]},
        {"id": "film-url", "call": "province_cloud.getdigitalImageUrl", "as": "${h}", "rows": [{"examId": "${exam_id}"}],
         "headers": {"X-Token": "${tok}"}, "capture": {"film": "$.datas"}},
        {"id": "film", "action": "province_cloud.open_film", "with": {"url": "${film}"},
         "expect": [{"path": "$.status", "equals": 200}]},
        {"id": "upload", "action": "province_cloud.hospital_upload", "with": {"hospital": "${h}", "seed": 1353},
         "expect": [{"path": "$.uploadDicom.codes", "each": {"equals": 200}}, {"path": "$.film.png", "equals": True}]},
        {"id": "no-token", "call": "province_cloud.savePatientExam", "as": "${h}", "rows": ["${exam}"],
         "expect": [{"path": "$.code", "not_equals": 200}]},
        {"id": "wrong-secret", "action": "province_cloud.token", "with": {"uid": "${h}", "secret": "not-the-secret"},
         "expect": [{"path": "$.code", "equals": 11001}]},
        {"id": "exam", "action": "regional.exam", "with": {"hospital": "${h}", "seed": 1352}, "capture": {"r": "$"}},
        {"id": "rtoken", "action": "regional.token", "with": {"hospital": "${h}"}, "capture": {"rtok": "$.result.token"}},
        {"id": "apply", "soap": "regional_platform.SynApplyInfo", "args": {"req": "${r.applyXml}"},
         "expect": [{"xpath": "/response/code", "equals": "0"}]},
        {"id": "apply-again", "soap": "regional_platform.SynApplyInfo", "args": {"req": "${r.applyXml}"},
         "expect": [{"xpath": "/response/code", "not_equals": "0"}]},
        {"id": "push", "action": "regional.push", "with": {"hospital": "${h}", "seed": 1352},
         "expect": [{"path": "$.status", "equals": 0}]},
        {"id": "store", "action": "regional.store", "with": {"hospital": "${h}", "seed": 1352},
         "expect": [{"path": "$.ok", "equals": True}]},
        {"id": "echo", "action": "dicom.echo", "with": {"party": "hospital"}, "expect": [{"path": "$.final", "equals": 0}]},
        {"id": "find", "action": "dicom.find", "with": {"party": "hospital", "studyUID": NO_STUDY},
         "expect": [{"path": "$.final", "equals": 0}]},
        {"id": "get", "action": "dicom.get",
         "with": {"party": "regional_platform", "calling": "PORTAL", "studyUID": "${r.studyUID}"},
         "expect": [{"path": "$.final", "equals": 0}, {"path": "$.failed", "equals": 0}]},
        {"id": "move-nowhere", "action": "dicom.move",
         "with": {"party": "regional_platform", "calling": "PORTAL", "studyUID": "${r.studyUID}", "destination": "NOWHERE"},
         "expect": [{"path": "$.final", "equals": 0xA801}]},
        {"id": "stranger", "action": "dicom.echo", "with": {"party": "hospital", "calling": "STRANGER"},
         "expect": [{"path": "$.rejected", "equals": True}]},
    ],
}


def _session_config(home: Path, world: World) -> Config:
    """The default config (the world's), each DICOM party where the world's SCP listens."""
    config = load_config(None, home=str(home))
    listening = world.http.get("/_sandbox/parties").json()
    parties = {name: party.model_copy(update={"port": listening[name]["port"]}) if listening[name]["port"] else party
               for name, party in config.parties.items()}
    return config.model_copy(update={"parties": parties})


def _record(world: World, tmp_path: Path) -> tuple[Config, dict[str, Any]]:
    """Drive the session against the world's sandbox; the values the vendor held (its tokens, the
    ciphertext it sent) as the run captured them."""
    config = _session_config(tmp_path / "session", world)
    path = tmp_path / "session.yaml"
    path.write_text(yaml.safe_dump(SESSION, allow_unicode=True), encoding="utf-8")
    result = run_scenario(path, Targets(config, world.base))
    assert result.result == "pass", [(s.id, s.messages) for s in result.steps if s.result != "pass"]
    held = {k: v for s in result.steps for k, v in s.captured.items()}
    return config, held


def test_a_mixed_session_exports_without_volatile_literals_and_replays_green(world: World, tmp_path: Path) -> None:
    since = world.http.get("/_sandbox/exchanges", params={"limit": 1}).json()[0]["time"]
    config, held = _record(world, tmp_path)
    out = tmp_path / "replay.yaml"
    done = CliRunner().invoke(app, ["record", "export", "--target", world.base, "--since", since, "-o", str(out)])
    assert done.exit_code == 0, done.output
    text = out.read_text(encoding="utf-8")
    scenario = yaml.safe_load(text)
    steps = {s["id"]: s for s in scenario["steps"]}
    inst = config.institution(HOSPITAL)
    assert inst is not None
    for secret in (held["tok"], held["rtok"], held["exam"]["idCardNo"], config.secret_for(inst),
                   identity.license_for(config, inst)):
        assert secret not in text
    kinds = {s.get("action") or s.get("soap") or s.get("call") for s in steps.values()}
    assert {"province_cloud.token", "province_cloud.sm2_encrypt", "regional.token", "regional.credentials",
            "regional_platform.SynApplyInfo", "http.send", "dicom.echo", "dicom.find", "dicom.store", "dicom.get", "dicom.move"} <= kinds
    uploads = [s for s in steps.values() if "form" in (s.get("with") or {})]  # uploadDicom, its files from the blob store
    assert uploads and all(s["with"]["form"]["files"]["dicomFile"]["base64"] for s in uploads)
    expected = [e for s in steps.values() for e in s.get("expect") or []]
    for mistake in ({"path": "$.code", "equals": 11001}, {"finding": "PCLOUD-TOKEN-MISSING"},  # the vendor's mistakes
                    {"xpath": "/response/code", "equals": "-1"}, {"path": "$.rejected", "equals": True},
                    {"path": "$.final", "equals": 0xA801}):
        assert mistake in expected, mistake
    assert "SynStatusInfo" in scenario["description"]  # made by the sandbox itself after the push
    fresh = with_free_dicom_ports(load_config(None, home=str(tmp_path / "fresh")))
    with running_sandbox(fresh, dicom=True) as url:
        result = run_scenario(out, Targets(fresh, url))
    assert result.result == "pass", [(s.id, s.messages) for s in result.steps if s.result != "pass"]


def _exchange(n: int, transport: str, party: str, operation: str, request: dict[str, Any], response: dict[str, Any],
              **more: Any) -> dict[str, Any]:
    return {"id": n, "uid": f"u{n}", "time": "2026-12-01 10:00:00", "direction": "inbound", "transport": transport,
            "party": party, "family": more.pop("family", None), "operation": operation, "institution": HOSPITAL,
            "method": "POST", "status": 200, "findings": [], "request": request, "response": response, **more}


def test_what_a_step_cannot_send_the_same_way_is_sent_raw_or_listed_with_the_reason(tmp_path: Path) -> None:
    """Not a SOAP envelope: the raw document again; a SOAP call to an address with a parameter: a
    ``soap:`` step and the parameter a var; a study-level C-MOVE: a ``dicom.move`` step; an expired
    token, a series-level C-GET, an upload kept as size +
    sha256 with no blob: listed, each with its reason."""
    from sim.record import export
    from sim.scenario.registry import load_families

    config = load_config(None, home=str(tmp_path))
    soap = _exchange(1, "soap", "regional_platform", "SynApplyInfo", family="syninfo", url="/YlzSynInfoService/services/service",
                     request={"headers": {"content-type": "text/xml"}, "body": "<x/>"}, response={"body": "<fault/>"})
    expired = _exchange(2, "http", "province_cloud", "savePatientExam", url="/interface/savePatientExam",
                        request={"json": {"hospitalCode": HOSPITAL}}, response={"json": {"code": 11004}},
                        findings=[{"rule": "PCLOUD-TOKEN-EXPIRED", "severity": "error"}])
    get = _exchange(3, "dicom", "hospital", "C-GET", url="dicom://PORTAL->HOSP_PACS@127.0.0.1:1",
                    request={"QueryRetrieveLevel": "SERIES", "StudyInstanceUID": NO_STUDY}, response={"status": "0x0000"})
    move = _exchange(6, "dicom", "hospital", "C-MOVE", url="dicom://PORTAL->HOSP_PACS@127.0.0.1:1",
                     request={"QueryRetrieveLevel": "STUDY", "StudyInstanceUID": NO_STUDY},
                     response={"status": "0x0000", "destination": "GATEWAY_STORE", "NumberOfCompletedSuboperations": 3,
                               "NumberOfFailedSuboperations": 0})
    upload = _exchange(4, "http", "province_cloud", "uploadDicom", url="/interface/uploadDicom",
                       request={"size": 2_000_000, "sha256": "ab" * 32, "truncated": True, "head": "--b"},
                       response={"json": {"code": 200}})
    scenario = export([soap, expired, get, upload, _status_call(config), move], config, load_families(), name="t", title="t")
    steps = scenario["steps"]
    status = next(s for s in steps if s["id"] == "x5")  # the hospital-side WebService, its address parameter a var
    assert status["soap"] == "hospital.SynStatusInfo" and scenario["vars"] == {"hospital": HOSPITAL}
    assert status["args"]["inputString"] == "<XmlDocument/>"
    assert {"xpath": "/response/code", "equals": "0"} in status["expect"]
    assert [s["action"] for s in steps if s["id"] == "x1"] == ["http.send"]
    assert steps[0]["with"]["text"] == "<x/>" and steps[0]["with"]["path"] == "/YlzSynInfoService/services/service"
    described = scenario["description"]
    assert "#2 http savePatientExam: sent an expired token" in described
    assert "#3 dicom C-GET: C-GET at level SERIES" in described
    moved = next(s for s in steps if s["id"] == "x6")  # a study-level retrieve: the target must hold the study
    assert moved["action"] == "dicom.move" and moved["with"]["destination"] == "GATEWAY_STORE"
    assert moved["with"]["studyUID"] == NO_STUDY
    assert moved["expect"] == [{"path": "$.final", "equals": 0}, {"path": "$.completed", "equals": 3},
                               {"path": "$.failed", "equals": 0}]
    assert "#4 http uploadDicom: body of 2000000 bytes kept as size + sha256 only" in described


def _status_call(config: Config) -> dict[str, Any]:
    """A SynStatusInfo a vendor's platform sent to the hospital's WebService (seeds/004 §3.4.2)."""
    from reference.transports.soap import envelope, wsdl

    service = wsdl.load("soap/his-status.wsdl")
    operation = service.operations["SynStatusInfo"]
    namespace = config.parties["hospital"].soap_namespace or service.namespace
    sent = envelope.request(operation, namespace, {"inputString": "<XmlDocument/>"}).decode()
    answered = envelope.reply(operation, namespace, "<response><code>0</code><desc>成功</desc></response>").decode()
    return _exchange(5, "soap", "hospital", "SynStatusInfo", family="his-status", url=f"/his/{HOSPITAL}/SynStatusInfo",
                     request={"headers": {"soapaction": '"SynStatusInfo"'}, "body": sent}, response={"body": answered})
