"""Synthetic DICOM studies (sim.synth.dicom, sim.synth.phantoms) and their PNG rendering."""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import subprocess
import time
from datetime import date

import numpy as np
import pytest
from PIL import Image
from pydicom import dcmread
from pydicom.uid import ExplicitVRLittleEndian

from sim.fakedata import Exam, make_institutions
from reference.dicomio import NotDicom, identify, looks_like_part10
from sim.fakedata.exams import UID_ROOT, make_exam
from sim.synth import (
    IMPLEMENTATION_CLASS_UID,
    IMPLEMENTATION_VERSION_NAME,
    SOP_CLASSES,
    Instance,
    make_study,
)
from reference.dicomtext import FORMS, examine, person_name, romanize_name
from reference.viewer.render import render_png, voi_linear
from sim.synth import make_request_form

SEED = 4
ON = date(2026, 11, 20)
MODALITIES = ("CT", "MR", "DX", "US", "MG", "NM", "PT")
# images per series in the small studies (projections are the slow ones)
PER_SERIES = {"CT": 2, "MR": 2, "DX": 1, "US": 2, "MG": 1, "NM": 1, "PT": 2}
UID = re.compile(r"(0|[1-9]\d*)(\.(0|[1-9]\d*))+")


def find_exams(seed: object = SEED, wanted: tuple[str, ...] = (*MODALITIES, "CT-HEAD"), *,
               limit: int = 1500) -> dict[str, Exam]:
    """The first exam of each modality of the catalogue, and the first CT head ("CT-HEAD")."""
    hospitals = make_institutions(seed, 4, admdvs="510800")
    centre = make_institutions(seed, 1, "imaging_centre", admdvs="510800")[0]
    found: dict[str, Exam] = {}
    for i in range(limit):
        exam = make_exam(seed, i, hospitals=hospitals, centre=centre, on=ON)
        found.setdefault(exam.modality, exam)
        if exam.modality == "CT" and exam.body_part == "HEAD":
            found.setdefault("CT-HEAD", exam)
        if all(m in found for m in wanted):
            return found
    raise AssertionError(f"no exam of {sorted(set(wanted) - set(found))} in {limit} exams of seed {seed}")


@pytest.fixture(scope="module")
def exams() -> dict[str, Exam]:
    return find_exams()


@pytest.fixture(scope="module")
def studies(exams: dict[str, Exam]) -> dict[str, list[Instance]]:
    """A few images per series for every modality (quick)."""
    return {m: make_study(exams[m], seed=1, instances_per_series=PER_SERIES[m]) for m in MODALITIES}


@pytest.fixture(scope="module")
def ct_default(exams: dict[str, Exam]) -> tuple[list[Instance], float]:
    """A CT head study with the default image counts, and how long it took."""
    start = time.perf_counter()
    instances = make_study(exams["CT-HEAD"], seed=1)
    return instances, time.perf_counter() - start


def _series_modality(exam: Exam, description: str) -> str:
    return "CT" if exam.modality == "PT" and "CT" in description.split() else exam.modality


def _middle(instances: list[Instance]) -> list[Instance]:
    """One instance of each series (the second when there are two or more)."""
    by_series: dict[str, list[Instance]] = {}
    for inst in instances:
        by_series.setdefault(inst.series_uid, []).append(inst)
    return [group[len(group) // 2] for group in by_series.values()]


def _not_noise(image: np.ndarray) -> tuple[float, float]:
    """(correlation of horizontally neighbouring pixels, Laplacian std / image std)."""
    a = image.astype(np.float64)
    left, right = a[:, :-1].ravel(), a[:, 1:].ravel()
    corr = float(np.corrcoef(left, right)[0, 1])
    lap = a[1:-1, 1:-1] * 4 - a[:-2, 1:-1] - a[2:, 1:-1] - a[1:-1, :-2] - a[1:-1, 2:]
    return corr, float(lap.std() / a.std())


# --- identities and attributes ------------------------------------------------------------


def test_every_modality_of_the_catalogue_is_covered(studies: dict[str, list[Instance]]) -> None:
    assert set(studies) == set(MODALITIES)
    for modality, instances in studies.items():
        assert instances and all(looks_like_part10(i.data) for i in instances), modality


@pytest.mark.parametrize("modality", MODALITIES)
def test_files_read_back_with_the_exams_values(modality: str, exams: dict[str, Exam],
                                               studies: dict[str, list[Instance]]) -> None:
    exam = exams[modality]
    series = {s.uid: s for s in exam.series}
    for inst in studies[modality]:
        ds = dcmread(io.BytesIO(inst.data))
        meta = ds.file_meta
        assert meta.TransferSyntaxUID == ExplicitVRLittleEndian
        assert meta.ImplementationClassUID == IMPLEMENTATION_CLASS_UID
        assert meta.ImplementationVersionName == IMPLEMENTATION_VERSION_NAME
        assert meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID == inst.sop_instance_uid
        assert ds.SpecificCharacterSet == "ISO_IR 192"
        # Chinese survives the round trip, as alphabetic=ideographic component groups (PS3.5 §6.2.1.2)
        assert str(ds.PatientName) == person_name(exam.patient.name, "groups")
        assert ds.PatientID == exam.patient.patient_id
        assert ds.PatientSex == {"1": "M", "2": "F"}[exam.patient.gend]
        assert ds.PatientBirthDate == exam.patient.birth.strftime("%Y%m%d")
        if exam.age >= 1:
            assert ds.PatientAge == f"{int(exam.age):03d}Y"
        assert ds.AccessionNumber == exam.accession_no
        assert ds.StudyID == exam.accession_no
        s = series[ds.SeriesInstanceUID]
        assert ds.Modality == _series_modality(exam, s.description)
        assert ds.BodyPartExamined == exam.body_part
        assert ds.StudyDate == exam.exam_time.strftime("%Y%m%d")
        assert ds.StudyTime == exam.exam_time.strftime("%H%M%S")
        assert ds.SeriesDate + ds.SeriesTime >= ds.StudyDate + ds.StudyTime
        assert ds.ContentDate and ds.ContentTime
        assert ds.InstitutionName == exam.institution.name
        assert ds.InstitutionAddress == exam.institution.address
        assert str(ds.ReferringPhysicianName) == person_name(exam.billing_doctor.name, "groups")
        assert ds.StudyDescription == exam.item.name
        assert ds.SeriesDescription == s.description
        assert ds.SeriesNumber == s.number == inst.series_number
        assert ds.InstanceNumber == inst.instance_number
        assert ds.StudyInstanceUID == exam.study_uid == inst.study_uid
        assert ds.DeviceSerialNumber == exam.device.code
        assert ds.StationName == exam.device.room
        assert ds.Manufacturer and ds.ManufacturerModelName in exam.device.name


def test_uids_are_valid_unique_and_follow_the_exam(exams: dict[str, Exam],
                                                   studies: dict[str, list[Instance]]) -> None:
    seen: set[str] = set()
    for modality, instances in studies.items():
        exam = exams[modality]
        assert {i.series_uid for i in instances} == {s.uid for s in exam.series}
        for inst in instances:
            for uid in (inst.study_uid, inst.series_uid, inst.sop_instance_uid):
                assert len(uid) <= 64 and UID.fullmatch(uid) and uid.startswith(UID_ROOT + "."), uid
            assert inst.sop_instance_uid.startswith(inst.series_uid + ".")
            assert inst.sop_instance_uid not in seen
            seen.add(inst.sop_instance_uid)
            ident = identify(inst.data)  # what the centre reads of an upload
            assert (ident.study_uid, ident.series_uid, ident.sop_uid, ident.sop_class) == (
                exam.study_uid, inst.series_uid, inst.sop_instance_uid, inst.sop_class_uid)
            assert (ident.patient_id, ident.accession) == (exam.patient.patient_id, exam.accession_no)
            assert ident.modality == dcmread(io.BytesIO(inst.data), stop_before_pixels=True).Modality
            assert (ident.series_number, ident.instance_number) == (inst.series_number, inst.instance_number)
        # the exam's own instance UIDs are the first images of each series
        for s in exam.series:
            listed = set(s.instance_uids[:PER_SERIES[modality]])
            assert listed <= {i.sop_instance_uid for i in instances}


def test_sop_class_matches_the_modality(exams: dict[str, Exam], studies: dict[str, list[Instance]]) -> None:
    for modality, instances in studies.items():
        for inst in instances:
            ds = dcmread(io.BytesIO(inst.data), stop_before_pixels=True)
            assert inst.sop_class_uid == ds.SOPClassUID == SOP_CLASSES[ds.Modality], (modality, ds.Modality)
    assert SOP_CLASSES["CT"] == "1.2.840.10008.5.1.4.1.1.2"
    assert SOP_CLASSES["DX"] == "1.2.840.10008.5.1.4.1.1.1.1"
    assert SOP_CLASSES["US"] == "1.2.840.10008.5.1.4.1.1.6.1"


def test_other_bytes_are_not_part10() -> None:
    assert not looks_like_part10(b"%PDF-1.4")
    assert not looks_like_part10(b"\x00" * 128 + b"DICX")
    with pytest.raises(NotDicom):
        identify(b"%PDF-1.4")


# --- pixels --------------------------------------------------------------------------------


@pytest.mark.parametrize("modality", MODALITIES)
def test_pixels_decode_and_look_like_images(modality: str, studies: dict[str, list[Instance]]) -> None:
    for inst in _middle(studies[modality]):
        ds = dcmread(io.BytesIO(inst.data))
        pixels = ds.pixel_array
        assert pixels.shape == (ds.Rows, ds.Columns)
        assert ds.SamplesPerPixel == 1 and ds.PhotometricInterpretation in {"MONOCHROME1", "MONOCHROME2"}
        assert pixels.dtype == (np.uint8 if ds.BitsAllocated == 8 else np.uint16)
        assert int(pixels.max()) < (1 << ds.BitsStored)
        assert ds.HighBit == ds.BitsStored - 1
        corr, roughness = _not_noise(pixels)
        assert corr > 0.85, (ds.SeriesDescription, corr)
        assert roughness < 0.8, (ds.SeriesDescription, roughness)
        assert len(np.unique(pixels)) > 50
        assert ds["WindowCenter"].VM == ds["WindowWidth"].VM >= 1
        widths = ds.WindowWidth if ds["WindowWidth"].VM > 1 else [ds.WindowWidth]
        assert all(float(w) > 0 for w in widths)


def test_sizes_and_pixel_modules(studies: dict[str, list[Instance]]) -> None:
    shapes = {}
    for modality, instances in studies.items():
        for inst in instances:
            ds = dcmread(io.BytesIO(inst.data), stop_before_pixels=True)
            shapes.setdefault((ds.Modality, modality), set()).add((ds.Rows, ds.Columns, ds.BitsAllocated))
    assert shapes[("CT", "CT")] >= {(512, 512, 16)}
    assert shapes[("MR", "MR")] == {(256, 256, 16)}
    assert shapes[("US", "US")] == {(480, 640, 8)}
    assert shapes[("PT", "PT")] == {(128, 128, 16)}
    ct = next(i for i in studies["CT"] if len(i.data) > 500_000)
    assert 512 * 1024 < len(ct.data) < 540 * 1024  # ~512 KB of pixels plus the header


def test_ct_sections_have_geometry_and_hounsfield_units(exams: dict[str, Exam],
                                                        ct_default: tuple[list[Instance], float]) -> None:
    instances, _elapsed = ct_default
    axial = [dcmread(io.BytesIO(i.data)) for i in instances]
    axial = [ds for ds in axial if "AXIAL" in ds.ImageType]
    assert axial
    for ds in axial:
        assert ds.ImageOrientationPatient == [1, 0, 0, 0, 1, 0]
        assert len(ds.ImagePositionPatient) == 3 and float(ds.ImagePositionPatient[2]) == float(ds.SliceLocation)
        assert float(ds.SliceThickness) in (5.0, 1.25)
        assert (float(ds.RescaleIntercept), float(ds.RescaleSlope)) == (-1024.0, 1.0)
        assert ds.RescaleType == "HU"
        assert (float(ds.WindowCenter[0]), float(ds.WindowWidth[0])) == (40.0, 80.0)  # brain
        assert ds.FrameOfReferenceUID == f"{exams['CT-HEAD'].study_uid}.0.1"
    one_series = [ds for ds in axial if ds.SeriesNumber == axial[0].SeriesNumber]
    locations = [float(ds.SliceLocation) for ds in one_series]
    assert locations == sorted(locations, reverse=True)  # head to feet
    hu = [ds.pixel_array.astype(np.float64) - 1024 for ds in one_series]
    # brain (~35 HU) inside a skull (~1000 HU) inside air (-1000 HU)
    middle = hu[len(hu) // 2]
    assert abs(np.median(middle[200:312, 200:312]) - 33) < 15
    assert middle.max() > 800 and middle.min() < -900
    # neighbouring slices are alike, distant ones less so: the anatomy varies smoothly
    near = np.corrcoef(hu[5].ravel(), hu[6].ravel())[0, 1]
    far = np.corrcoef(hu[1].ravel(), hu[-2].ravel())[0, 1]
    assert near > 0.8 and near > far


def test_default_counts_and_timing(exams: dict[str, Exam], ct_default: tuple[list[Instance], float]) -> None:
    instances, elapsed = ct_default
    counts: dict[str, int] = {}
    for inst in instances:
        counts[dcmread(io.BytesIO(inst.data), stop_before_pixels=True).SeriesDescription] = inst.instance_number
    listed = {s.description: len(s.instance_uids) for s in exams["CT-HEAD"].series}
    assert counts["Topogram"] == max(1, listed["Topogram"])  # never fewer than the exam lists
    assert all(20 <= n <= 30 for d, n in counts.items() if d.startswith("Axial")), counts
    print(f"CT head study: {len(instances)} images, {sum(len(i.data) for i in instances) / 2**20:.1f} MiB, "
          f"{elapsed:.2f} s")
    assert elapsed < 30


# --- DCMTK -----------------------------------------------------------------------------------


@pytest.mark.parametrize("modality", MODALITIES)
def test_dcmdump_reads_every_modality(modality: str, exams: dict[str, Exam],
                                      studies: dict[str, list[Instance]], tmp_path) -> None:
    if not shutil.which("dcmdump"):
        pytest.skip("DCMTK dcmdump not installed (CI installs it)")
    path = tmp_path / f"{modality}.dcm"
    path.write_bytes(studies[modality][-1].data)
    result = subprocess.run(["dcmdump", "-M", str(path)], capture_output=True, timeout=30)
    out = result.stdout.decode("utf-8", "replace") + result.stderr.decode("utf-8", "replace")
    assert result.returncode == 0, out
    assert not [line for line in out.splitlines() if line.startswith(("E:", "F:"))], out
    assert f"[{person_name(exams[modality].patient.name, 'groups')}]" in out
    assert "ImplementationVersionName" in out and IMPLEMENTATION_VERSION_NAME in out


# --- determinism -----------------------------------------------------------------------------


def test_same_seed_same_bytes_other_seed_other_pixels(exams: dict[str, Exam],
                                                      studies: dict[str, list[Instance]]) -> None:
    exam = exams["MR"]
    again = make_study(exam, seed=1, instances_per_series=2)
    assert [i.data for i in again] == [i.data for i in studies["MR"]]
    other = make_study(exam, seed=2, instances_per_series=2)
    # identities come from the exam; the pixels (texture, noise, anatomy details) from the seed
    assert [i.sop_instance_uid for i in other] == [i.sop_instance_uid for i in again]
    changed = [dcmread(io.BytesIO(a.data)).PixelData != dcmread(io.BytesIO(b.data)).PixelData
               for a, b in zip(again, other)]
    assert all(changed)


def test_another_exam_seed_gives_other_uids(exams: dict[str, Exam]) -> None:
    other = find_exams(SEED + 1, ("US",))
    a = make_study(exams["US"], seed=1, instances_per_series=1)
    b = make_study(other["US"], seed=1, instances_per_series=1)
    assert not {i.sop_instance_uid for i in a} & {i.sop_instance_uid for i in b}
    assert a[0].study_uid != b[0].study_uid


def test_counts_can_be_overridden_and_are_checked(exams: dict[str, Exam]) -> None:
    assert {i.instance_number for i in make_study(exams["US"], seed=1, instances_per_series=3)} == {1, 2, 3}
    with pytest.raises(ValueError):
        make_study(exams["US"], seed=1, instances_per_series=0)


def test_other_modalities_become_secondary_capture(exams: dict[str, Exam]) -> None:
    exam = dataclasses.replace(exams["DX"], modality="XA", series=exams["DX"].series[:1])
    inst = make_study(exam, seed=1, instances_per_series=1)[0]
    ds = dcmread(io.BytesIO(inst.data))
    assert ds.SOPClassUID == SOP_CLASSES["SC"] and ds.Modality == "XA"
    assert ds.pixel_array.shape == (ds.Rows, ds.Columns)


# --- rendering -------------------------------------------------------------------------------


@pytest.mark.parametrize("modality", MODALITIES)
def test_render_png(modality: str, studies: dict[str, list[Instance]]) -> None:
    inst = _middle(studies[modality])[-1]
    ds = dcmread(io.BytesIO(inst.data), stop_before_pixels=True)
    png = render_png(inst.data)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png))
    assert image.size == (ds.Columns, ds.Rows) and image.mode == "L"
    values = np.asarray(image)
    histogram = np.bincount(values.ravel(), minlength=256)
    assert (histogram > 0).sum() > 32  # many grey levels, not a flat or binary picture
    assert histogram.max() < 0.9 * values.size
    assert values.std() > 20
    thumb = Image.open(io.BytesIO(render_png(inst.data, max_size=128)))
    assert max(thumb.size) == 128
    assert abs(thumb.size[0] / thumb.size[1] - ds.Columns / ds.Rows) < 0.05
    assert render_png(inst.data) == png


def test_render_is_fast(studies: dict[str, list[Instance]]) -> None:
    inst = _axial_ct(studies)
    render_png(inst.data)
    best = min(_timed(render_png, inst.data) for _ in range(5))
    print(f"render_png 512x512 CT: {best * 1000:.1f} ms")
    assert best < 0.1  # ~20 ms here; generous for slow CI machines


def _timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def _axial_ct(studies: dict[str, list[Instance]]) -> Instance:
    return next(i for i in studies["CT"]
                if "AXIAL" in dcmread(io.BytesIO(i.data), stop_before_pixels=True).ImageType)


def test_render_applies_rescale_window_and_monochrome1(studies: dict[str, list[Instance]]) -> None:
    inst = _axial_ct(studies)
    ds = dcmread(io.BytesIO(inst.data))
    hu = ds.pixel_array.astype(np.float64) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    expected = np.rint(voi_linear(hu, float(ds.WindowCenter[0]), float(ds.WindowWidth[0]))).astype(np.uint8)
    rendered = np.asarray(Image.open(io.BytesIO(render_png(inst.data))))
    assert np.abs(rendered.astype(int) - expected).max() <= 1
    ds.PhotometricInterpretation = "MONOCHROME1"
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    inverted = np.asarray(Image.open(io.BytesIO(render_png(buffer.getvalue()))))
    assert np.array_equal(inverted, 255 - rendered)


def test_cr_is_stored_monochrome1_and_renders_like_the_dx(exams: dict[str, Exam],
                                                          studies: dict[str, list[Instance]]) -> None:
    exam = dataclasses.replace(exams["DX"], modality="CR", series=exams["DX"].series[:1])
    inst = make_study(exam, seed=1, instances_per_series=1)[0]
    ds = dcmread(io.BytesIO(inst.data))
    assert ds.SOPClassUID == SOP_CLASSES["CR"] and ds.PhotometricInterpretation == "MONOCHROME1"
    dx = studies["DX"][0]
    cr_png = np.asarray(Image.open(io.BytesIO(render_png(inst.data)))).astype(float)
    dx_png = np.asarray(Image.open(io.BytesIO(render_png(dx.data)))).astype(float)
    assert np.corrcoef(cr_png.ravel(), dx_png.ravel())[0, 1] > 0.95  # bone bright in both


def test_voi_linear_follows_ps3_3() -> None:
    # C.11.2.1.2.1: 0 up to c - 0.5 - (w-1)/2, 255 from c - 0.5 + (w-1)/2, linear between
    y = voi_linear(np.array([-1000, 0.0, 39.5, 79.0, 1000]), 40.0, 80.0)
    assert y.tolist() == pytest.approx([0, 0, 127.5, 255, 255])


# --- character-set forms and the scanned request form ------------------------------------------


#: What each form's files say under examination: the (0008,0005) written, the forensic rules.
FORM_RULES = {
    "utf8": set(), "gb18030": set(), "gbk": set(), "iso2022-gb2312": set(), "pinyin": set(),
    "mislabel-gbk-as-iso-ir-100": {"DICOM-CHARSET-SINGLE-BYTE", "DICOM-PN-NO-COMPONENT-GROUPS"},
    "unlabelled-gbk": {"DICOM-CHARSET-UNDECLARED", "DICOM-PN-NO-COMPONENT-GROUPS"},
    "mislabel-utf8-as-iso-ir-100": {"DICOM-CHARSET-SINGLE-BYTE"},
    "mislabel-gb18030-as-iso-ir-192": {"DICOM-CHARSET-DISAGREES"},
}


@pytest.mark.parametrize("charset", list(FORMS))
def test_each_charset_form_writes_its_label_bytes_and_names(charset: str, exams: dict[str, Exam],
                                                            studies: dict[str, list[Instance]]) -> None:
    form = FORMS[charset]
    exam = exams["MR"]
    instances = make_study(exam, seed=1, instances_per_series=2, charset=charset)
    assert [i.data for i in make_study(exam, seed=1, instances_per_series=2, charset=charset)] == \
        [i.data for i in instances]  # deterministic per form
    expected = {"groups": person_name(exam.patient.name, "groups"), "alphabetic": romanize_name(exam.patient.name),
                "bare": exam.patient.name}[form.names]
    for inst, utf8 in zip(instances, studies["MR"], strict=True):
        head = dcmread(io.BytesIO(inst.data), stop_before_pixels=True)
        report = examine(head)
        assert report.declared == form.label
        assert report.text("PatientName") == expected
        assert {i.rule for i in report.issues} == FORM_RULES[charset], report.issues
        if charset == "pinyin":
            assert all(v.raw is None or v.raw.isascii() for v in report.values)
        else:
            assert report.text("InstitutionName") == exam.institution.name
        # only the text changes: the pixels and identities are the UTF-8 study's
        assert inst.sop_instance_uid == utf8.sop_instance_uid
        assert inst.data.endswith(dcmread(io.BytesIO(utf8.data)).PixelData)


def test_the_gb18030_form_is_read_by_dcmtk(exams: dict[str, Exam], tmp_path) -> None:
    if not shutil.which("dcmdump"):
        pytest.skip("DCMTK dcmdump not installed (CI installs it)")
    path = tmp_path / "gb18030.dcm"
    path.write_bytes(make_study(exams["MR"], seed=1, instances_per_series=1, charset="gb18030")[0].data)
    result = subprocess.run(["dcmdump", "+U8", str(path)], capture_output=True, timeout=30)
    out = result.stdout.decode("utf-8", "replace")
    assert result.returncode == 0, out
    assert f"[{person_name(exams['MR'].patient.name, 'groups')}]" in out  # converted from GB18030 to UTF-8


def test_the_scanned_request_form_is_series_zero_of_the_study(exams: dict[str, Exam]) -> None:
    exam = exams["CT"]
    form = make_request_form(exam, seed=1)
    assert form.data == make_request_form(exam, seed=1).data
    ds = dcmread(io.BytesIO(form.data))
    assert ds.SOPClassUID == SOP_CLASSES["SC"] and ds.ConversionType == "SD"
    assert ds.SeriesNumber == 0 == form.series_number  # seeds/004 §3.2.3.2.1
    assert (ds.PatientID, ds.StudyInstanceUID, ds.AccessionNumber) == (
        exam.patient.patient_id, exam.study_uid, exam.accession_no)
    assert ds.SeriesInstanceUID not in {s.uid for s in exam.series}
    page = ds.pixel_array
    assert page.shape == (1169, 827) and page.dtype == np.uint8
    assert (page < 100).mean() > 0.005  # ink on the page
    assert np.median(page) > 200  # mostly paper
