"""The province's pull, made cheaper for the sustained index upload (issue 12): the UIDs of a pulled
file are read without the charset report, under the same ``NotDicom`` conditions as ``identify``;
its blobs are recorded with one insert-or-ignore statement."""
from __future__ import annotations

import io
from datetime import date

import pytest
from pydicom import dcmread
from sqlalchemy import func, select

from reference.config import load_config
from reference.dicomio import NotDicom, identify, identify_uids
from reference.sandbox import Sandbox
from reference.storage.models import Blob
from sim.demo import as_generator_institution
from sim.fakedata.exams import make_exam
from sim.synth import make_study


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    config = load_config(None, home=str(tmp_path_factory.mktemp("home")))
    hospitals = [as_generator_institution(config, i) for i in config.institutions if i.kind == "hospital"][:1]
    centre = as_generator_institution(config, next(i for i in config.institutions if i.kind == "imaging_centre"))
    exam = make_exam(7, 1, hospitals=hospitals, centre=centre, on=date(2026, 11, 1))
    return [i.data for i in make_study(exam, seed=7, max_per_series=2)]


def test_identify_uids_reads_what_identify_reads(files: list[bytes]) -> None:
    for data in files:
        full = identify(data)
        assert identify_uids(data) == (full.study_uid, full.series_uid, full.sop_uid)


def _without(data: bytes, keyword: str) -> bytes:
    ds = dcmread(io.BytesIO(data))
    delattr(ds, keyword)
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


def test_identify_uids_refuses_what_identify_refuses(files: list[bytes]) -> None:
    broken = {"not part 10": b"%PDF-1.4" + b"\x00" * 200,
              "cut in its header": files[0][:140],
              "no SOPInstanceUID": _without(files[0], "SOPInstanceUID")}
    for name, data in broken.items():
        with pytest.raises(NotDicom):
            identify(data)
        with pytest.raises(NotDicom) as caught:
            identify_uids(data)
        assert caught.value.args, name
    with pytest.raises(NotDicom, match="missing SOPInstanceUID"):
        identify_uids(broken["no SOPInstanceUID"])


def test_store_blobs_records_each_new_blob_once(tmp_path, files: list[bytes]) -> None:
    sandbox = Sandbox.open(load_config(None, home=str(tmp_path / "home")))
    try:
        with sandbox.db.session() as session:
            first = sandbox.store_blobs(session, [files[0], files[1], files[0]], "application/dicom")
        with sandbox.db.session() as session:  # again, with one new: the known ones are ignored
            again = sandbox.store_blobs(session, [files[1], files[2]], "application/dicom")
        assert first[0] == first[2] != first[1] and again[0] == first[1]
        with sandbox.db.reading() as session:
            assert session.scalar(select(func.count()).select_from(Blob)) == 3
            assert session.get(Blob, first[0]).size == len(files[0])  # type: ignore[union-attr]
        assert all(sandbox.blobs.get(d) == data for d, data in zip(again, files[1:3], strict=True))
    finally:
        sandbox.close()
