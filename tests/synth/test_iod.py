"""Generated studies against dicom3tools (Debian ``dicom3tools``, installed by tests/run.sh):
``dciodvfy`` finds no IOD error in any modality the sandbox generates, nor in any of the four
name/charset forms, and ``dcentvfy`` finds every study's patient, study and series attributes
consistent across its files."""
from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import pytest

from sim.fakedata.exams import Exam
from sim.localnet import exam_of_modality
from sim.synth import make_request_form, make_study

pytestmark = pytest.mark.skipif(shutil.which("dciodvfy") is None or shutil.which("dcentvfy") is None,
                                reason="dicom3tools (dciodvfy, dcentvfy) not installed (tests/run.sh installs it)")

SEED = 7
#: modality -> (seed, how many images per series); PET/CT first appears in seed 4's sequence
STUDIES = {"CT": (7, 2), "MR": (7, 2), "DX": (7, 1), "CR": (7, 1), "MG": (7, 1), "US": (7, 2), "NM": (7, 1),
           "PT": (4, 2), "SC": (7, 1)}
NAME_FORMS = ("utf8", "gb18030", "iso2022-gb2312", "pinyin")


def _exam(modality: str) -> Exam:
    seed, _ = STUDIES[modality]
    if modality == "CR":  # CR is DX read by a CR reader: the same exam stored as CR
        dx = exam_of_modality("DX", seed)
        return dataclasses.replace(dx, modality="CR", series=dx.series[:1])
    return exam_of_modality("CT" if modality == "SC" else modality, seed)


def _write(tmp: Path, modality: str, charset: str = "utf8") -> list[Path]:
    seed, per_series = STUDIES[modality]
    exam = _exam(modality)
    instances = make_study(exam, seed=seed, instances_per_series=per_series, charset=charset)
    if modality == "SC":  # the scanned request form (series 0) with the study it belongs to
        instances = [make_request_form(exam, seed=seed, charset=charset), *instances[:1]]
    paths = []
    for inst in instances:
        path = tmp / f"{modality}-{charset}-{inst.series_number}-{inst.instance_number}.dcm"
        path.write_bytes(inst.data)
        paths.append(path)
    return paths


def _run(*args: str | Path) -> str:
    result = subprocess.run([str(a) for a in args], capture_output=True, timeout=120)
    return (result.stdout + result.stderr).decode("utf-8", "replace")


def _errors(report: str) -> list[str]:
    return [line for line in report.splitlines() if line.startswith("Error")]


@pytest.mark.parametrize("modality", list(STUDIES))
def test_dciodvfy_no_errors_and_dcentvfy_consistent(modality: str, tmp_path: Path) -> None:
    paths = _write(tmp_path, modality)
    for path in paths:
        report = _run("dciodvfy", path)
        assert not _errors(report), f"{path.name}:\n{report}"
        assert "Retired Person Name form" not in report  # names as component groups
    consistency = _run("dcentvfy", *paths)
    assert not [line for line in consistency.splitlines() if line.startswith(("Error", "Warning"))], consistency


@pytest.mark.parametrize("charset", NAME_FORMS)
def test_every_name_form_is_iod_valid(charset: str, tmp_path: Path) -> None:
    paths = _write(tmp_path, "MR", charset)
    for path in paths:
        report = _run("dciodvfy", path)
        assert not _errors(report), f"{charset} {path.name}:\n{report}"
    consistency = _run("dcentvfy", *paths)
    assert not [line for line in consistency.splitlines() if line.startswith(("Error", "Warning"))], consistency
