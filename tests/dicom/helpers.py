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

from reference.app import start_dicom
from reference.sandbox import Sandbox
from sim.actors.hospital import keep_in_pacs
from sim.fakedata.exams import Exam
from sim.localnet import dicom_config, exam_of_modality
from sim.synth import make_study
from sim.synth.dicom import Instance

HOSPITAL = "H51080200011"
ON = date(2026, 11, 20)
__all__ = ["dicom_config"]  # re-exported for the DICOM tests


@contextmanager
def dicom_sandbox(home: Path, **extra: Any) -> Iterator[tuple[Sandbox, dict[str, Any]]]:
    """A sandbox with the PACS, archive and gateway SCPs serving until the block ends."""
    sandbox = Sandbox.open(dicom_config(home, **extra))
    scps = start_dicom(sandbox)
    try:
        yield sandbox, {s.party: s for s in scps}
    finally:
        for scp in scps:
            scp.stop()
        sandbox.close()


def find_exam(modality: str, seed: int = 7) -> Exam:
    return exam_of_modality(modality, seed, ON)


def put_in_pacs(sandbox: Sandbox, exam: Exam, instances: list[Instance], hospital: str = HOSPITAL) -> None:
    keep_in_pacs(sandbox, exam, instances, hospital)


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
