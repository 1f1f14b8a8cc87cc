"""Fixtures' building blocks for the DICOM tests: a sandbox whose SCPs listen on free
loopback ports, studies put in the hospital PACS, DCMTK runs, dataset comparison."""
from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

from pydicom import dcmread

from reference.config import load_config
from reference.dicom.services import start_all
from reference.sandbox import Sandbox
from reference.storage.models import PacsInstance
from sim.fakedata.exams import Exam, make_exam
from sim.fakedata.institutions import make_institutions
from sim.synth import make_study
from sim.synth.dicom import Instance
from tests.servers import free_port

HOSPITAL = "H51080200011"
ON = date(2026, 11, 20)


def dicom_config(home: Path, **extra: Any):
    pacs, archive, gateway = free_port(), free_port(), free_port()
    parties = {
        "hospital": {"port": pacs, "move_destinations": {
            "GATEWAY_STORE": {"port": gateway}, "CLOUD_ARCHIVE": {"port": archive}}},
        "regional_platform": {"port": archive}, "gateway": {"port": gateway},
    }
    for party, values in extra.items():
        entry = parties.setdefault(party, {})
        for key, value in values.items():
            entry[key] = {**entry[key], **value} if isinstance(value, dict) and key in entry else value
    return load_config(None, home=str(home), parties=parties)


@contextmanager
def dicom_sandbox(home: Path, **extra: Any) -> Iterator[tuple[Sandbox, dict[str, Any]]]:
    """A sandbox with the PACS, archive and gateway SCPs serving until the block ends."""
    sandbox = Sandbox.open(dicom_config(home, **extra))
    scps = start_all(sandbox)
    try:
        yield sandbox, {s.party: s for s in scps}
    finally:
        for scp in scps:
            scp.stop()
        sandbox.close()


def find_exam(modality: str, seed: int = 7) -> Exam:
    hospitals = make_institutions(seed, 2, admdvs="510800")
    centre = make_institutions(seed, 1, "imaging_centre", admdvs="510800")[0]
    for i in range(2000):
        exam = make_exam(seed, i, hospitals=hospitals, centre=centre, on=ON)
        if exam.modality == modality:
            return exam
    raise AssertionError(f"no {modality} exam")


def put_in_pacs(sandbox: Sandbox, exam: Exam, instances: list[Instance], hospital: str = HOSPITAL) -> None:
    with sandbox.db.session() as session:
        for inst in instances:
            sha = sandbox.store_blob(session, inst.data, "application/dicom")
            session.add(PacsInstance(hospital_code=hospital, patient_id=exam.patient.patient_id,
                                     accession=exam.accession_no, study_uid=inst.study_uid,
                                     series_uid=inst.series_uid, sop_uid=inst.sop_instance_uid,
                                     sop_class=inst.sop_class_uid, series_number=inst.series_number,
                                     instance_number=inst.instance_number, sha256=sha, created_at=sandbox.now()))


def study_in_pacs(sandbox: Sandbox, modality: str, per_series: int, seed: int = 7) -> tuple[Exam, list[Instance]]:
    exam = find_exam(modality, seed)
    instances = make_study(exam, seed=seed, instances_per_series=per_series)
    put_in_pacs(sandbox, exam, instances)
    return exam, instances


def dataset_of(data: bytes) -> Any:
    """The data set without its file meta (what must survive a transfer unchanged)."""
    ds = dcmread(BytesIO(data))
    ds.file_meta = None  # type: ignore[assignment]
    return ds


def same_dataset(a: bytes, b: bytes) -> bool:
    da, db = dcmread(BytesIO(a)), dcmread(BytesIO(b))
    return list(da.keys()) == list(db.keys()) and all(da[t].value == db[t].value for t in da.keys())


def dcmtk(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TCP_NODELAY": "1"}
    return subprocess.run(list(args), cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
