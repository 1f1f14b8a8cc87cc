"""Near misses for SOAPAction and abstract syntax (issue 13 item 2), through the real transports
(a raw HTTP POST; DCMTK's findscu and a pynetdicom SCU over sockets) and through the console's
JSON (``/_sandbox/near-misses/{uid}``) and HTML."""
from __future__ import annotations

import shutil
import subprocess

import pytest
from pydicom.uid import UID
from pynetdicom import AE
from pynetdicom.sop_class import ModalityWorklistInformationFind, RTDoseStorage, Verification

from tests.console.conftest import World
from tests.flow_helpers import wait_for

SERVICE = "/YlzSynInfoService/services/service"
FINDSCU = shutil.which("findscu")
APPLY = ('<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
         '<ns:SynApplyInfo xmlns:ns="http://service.ylz.com/"><req>&lt;XmlDocument/&gt;</req></ns:SynApplyInfo>'
         '</soap:Body></soap:Envelope>')


def _post(world: World, action: str | None) -> tuple[int, str, str]:
    headers = {"content-type": "text/xml; charset=utf-8", **({"SOAPAction": action} if action is not None else {})}
    reply = world.http.post(SERVICE, content=APPLY.encode(), headers=headers)
    return reply.status_code, reply.text, reply.headers["x-imgcloud-exchange"]


def _recorded(world: World, uid: str) -> dict:
    return world.http.get("/_sandbox/exchanges", params={"uid": uid}).json()[0]


def _near(world: World, uid: str) -> list[dict]:
    reply = world.http.get(f"/_sandbox/near-misses/{uid}")
    assert reply.status_code == 200, reply.text
    return reply.json()


@pytest.mark.parametrize("action", [None, '""', '"SynApplyInfo"', "urn:SynApplyInfo",
                                    '"http://service.ylz.com/SynApplyInfo"'])
def test_a_soapaction_naming_the_body_operation_or_nothing_is_fine(world: World, action: str | None) -> None:
    _, _, uid = _post(world, action)
    rules = {f["rule"] for f in _recorded(world, uid)["findings"]}
    assert not rules & {"SOAP-ACTION-MISMATCH", "SOAP-ACTION-UNKNOWN"}
    assert _near(world, uid) == []


def test_a_soapaction_naming_another_operation_is_a_fault_with_its_near_misses(world: World) -> None:
    status, body, uid = _post(world, '"SynStatusInfo"')
    assert status == 500 and "<faultcode>soap:Client</faultcode>" in body and "SOAP-ACTION-MISMATCH" in body
    recorded = _recorded(world, uid)
    assert recorded["verdict"] == "fail" and recorded["operation"] == "SynApplyInfo"
    finding = next(f for f in recorded["findings"] if f["rule"] == "SOAP-ACTION-MISMATCH")
    assert finding["severity"] == "error" and "SOAPAction" in finding["zh"] and "SOAPAction" in finding["en"]
    near = _near(world, uid)
    assert near[0]["operation"] == "SynApplyInfo" and near[0]["differs"] == ["SOAPAction SynStatusInfo → SynApplyInfo"]
    other = next(n for n in near if n["operation"] == "SynStatusInfo")
    assert other["family"] == "his-status" and any(d.startswith("path /YlzSynInfoService") for d in other["differs"])
    page = world.http.get(f"/_sandbox/console/exchanges/{uid}").text
    assert "why didn't my request match?" in page and "SOAPAction SynStatusInfo → SynApplyInfo" in page


def test_an_unknown_soapaction_is_served_with_a_warning_and_its_near_misses(world: World) -> None:
    status, body, uid = _post(world, '"SynApplyInf"')
    assert status == 200 and "SynApplyInfoResponse" in body  # answered by the Body's operation, as Axis2 / JAX-WS do
    finding = next(f for f in _recorded(world, uid)["findings"] if f["rule"] == "SOAP-ACTION-UNKNOWN")
    assert finding["severity"] == "warning"
    assert _near(world, uid)[0]["differs"] == ["SOAPAction SynApplyInf → SynApplyInfo"]


def test_an_unknown_body_operation_also_names_the_soapaction(world: World) -> None:
    wrong = APPLY.replace("SynApplyInfo", "SynApplyInf")
    reply = world.http.post(SERVICE, content=wrong.encode(), headers={"content-type": "text/xml", "SOAPAction": "Foo"})
    near = _near(world, reply.headers["x-imgcloud-exchange"])
    assert near[0]["operation"] == "SynApplyInfo"
    assert near[0]["differs"][:2] == ["operation SynApplyInf → SynApplyInfo", "SOAPAction Foo → SynApplyInfo"]


def _association(world: World, since: int) -> dict:
    """The association's record: written when the SCP sees it end — the peer's abort, which the peer's
    process may send just before it exits, so the record can follow the peer's exit (a loaded CI run
    asked before the SCP's thread had read the abort)."""
    params = {"operation": "A-ASSOCIATE", "transport": "dicom", "rule": "DICOM-ABSTRACT-SYNTAX-UNSUPPORTED",
              "after": since}
    found = wait_for(lambda: {"rows": world.http.get("/_sandbox/exchanges", params=params).json()},
                     lambda state: bool(state["rows"]), timeout=15)["rows"]
    assert found, "no association recorded with DICOM-ABSTRACT-SYNTAX-UNSUPPORTED"
    return found[0]


def _newest_id(world: World) -> int:
    return int(world.http.get("/_sandbox/exchanges", params={"limit": 1, "bodies": "none"}).json()[0]["id"])


@pytest.mark.skipif(FINDSCU is None, reason="needs DCMTK's findscu (tests/run.sh installs dcmtk)")
def test_findscu_with_a_worklist_model_the_pacs_does_not_serve(world: World) -> None:
    since = _newest_id(world)
    done = subprocess.run([FINDSCU, "-v", "-W", "-aet", "PORTAL", "-aec", "HOSP_PACS", "-k", "PatientID",
                           "127.0.0.1", str(world.pacs_port)], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "presentation context" in (done.stdout + done.stderr).lower(), done.stderr[-2000:]
    recorded = _association(world, since)
    assert recorded["verdict"] == "fail" and recorded["institution"] == "PORTAL"
    assert recorded["response"]["rejected_contexts"][0] == {"abstract": ModalityWorklistInformationFind,
                                                           "name": "Modality Worklist Information Model - FIND",
                                                           "result": 3}
    assert not any(f["rule"] == "DICOM-ASSOC-ABORTED" for f in recorded["findings"])
    near = _near(world, recorded["uid"])
    assert len(near) == 3 and all(n["family"] == "hospital-pacs" for n in near)
    assert all(n["differs"][0].startswith(f"abstract syntax Modality Worklist Information Model - FIND "
                                          f"({ModalityWorklistInformationFind}) → ") for n in near)
    assert {UID(n["expected"].rsplit("(", 1)[1].rstrip(")")).name for n in near} >= {
        "Study Root Query/Retrieve Information Model - FIND", "Patient Root Query/Retrieve Information Model - FIND"}
    page = world.http.get(f"/_sandbox/console/exchanges/{recorded['uid']}").text
    assert "why didn't my request match?" in page and "Study Root Query/Retrieve Information Model - FIND" in page


def test_pynetdicom_proposing_a_storage_class_not_accepted(world: World) -> None:
    since = _newest_id(world)
    ae = AE(ae_title="PORTAL")
    ae.add_requested_context(RTDoseStorage)
    ae.acse_timeout = ae.network_timeout = 30
    assoc = ae.associate("127.0.0.1", world.pacs_port, ae_title="HOSP_PACS")
    assert not assoc.is_established  # no accepted context: pynetdicom aborts
    recorded = _association(world, since)
    finding = next(f for f in recorded["findings"] if f["rule"] == "DICOM-ABSTRACT-SYNTAX-UNSUPPORTED")
    assert "RT Dose Storage" in finding["en"] and RTDoseStorage in finding["zh"]
    near = _near(world, recorded["uid"])
    assert near and all(n["expected"].split("(")[-1].rstrip(")") != RTDoseStorage for n in near)
    assert all(" Storage" in n["operation"] for n in near)  # storage classes, closest by name and UID


def test_an_association_with_one_supported_context_is_no_near_miss(world: World) -> None:
    since = _newest_id(world)
    ae = AE(ae_title="PORTAL")
    ae.add_requested_context(RTDoseStorage)
    ae.add_requested_context(Verification)
    assoc = ae.associate("127.0.0.1", world.pacs_port, ae_title="HOSP_PACS")
    assert assoc.is_established
    assoc.send_c_echo()
    assoc.release()
    found = wait_for(lambda: {"rows": world.http.get("/_sandbox/exchanges", params={"operation": "A-ASSOCIATE",
                                                                                      "after": since}).json()},
                     lambda state: bool(state["rows"]), timeout=15)["rows"]  # (waited for, as _association waits)
    assert found and not any(f["rule"] == "DICOM-ABSTRACT-SYNTAX-UNSUPPORTED" for e in found for f in e["findings"])
    assert found[0]["response"]["rejected_contexts"][0]["abstract"] == RTDoseStorage
