"""Charset forensics (reference.dicomtext.forensics) and re-encoding (transcode) on data sets
built here: mixed encodings, undefined terms, text inside sequences, implicit VR, undefined
lengths; re-encoding changes only text and (0008,0005)."""
from __future__ import annotations

import io
import warnings

import pytest
from pydicom import dcmread
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.filewriter import dcmwrite
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian

from reference.dicomtext import FORMS, examine, transcode_file
from reference.dicomtext.transcode import dataset_offset


def _file(ds: Dataset, syntax: str = ExplicitVRLittleEndian) -> bytes:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = "1.2.840.10008.5.1.4.1.1.7", "1.2.3.4"
    meta.TransferSyntaxUID = syntax
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = "1.2.840.10008.5.1.4.1.1.7", "1.2.3.4"
    ds.StudyInstanceUID, ds.SeriesInstanceUID = "1.2.3", "1.2.3.1"
    with warnings.catch_warnings():  # raw bytes are written as they are, whatever they say
        warnings.simplefilter("ignore")
        ds.set_original_encoding(syntax == ImplicitVRLittleEndian, True, ds._character_set)
    buffer = io.BytesIO()
    dcmwrite(buffer, ds, enforce_file_format=True)
    return buffer.getvalue()


def _raw(ds: Dataset, keyword: str, data: bytes) -> None:
    """Put bytes in a text element, whatever (0008,0005) says (how a broken PACS writes)."""
    from pydicom.datadict import dictionary_VR, tag_for_keyword
    from pydicom.dataelem import RawDataElement
    tag = tag_for_keyword(keyword)
    assert tag is not None
    data += b" " * (len(data) % 2)
    ds[tag] = RawDataElement(tag, dictionary_VR(tag), len(data), data, 0, False, True)


def _utf8_with_sequence() -> Dataset:
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.PatientName = "Zhang^San=张^三"
    ds.InstitutionName = "广元市中心医院"
    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = "69536005", "SCT", "头部"
    ds.AnatomicRegionSequence = Sequence([item])
    ds.add_new(0x7FE00010, "OB", b"\x01\x02" * 8)
    return ds


def test_mixed_encodings_in_one_data_set_are_named() -> None:
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.InstitutionName = "广元市中心医院"
    _raw(ds, "PatientName", "张三".encode("gbk"))
    report = examine(dcmread(io.BytesIO(_file(ds)), stop_before_pixels=True))
    rules = {i.rule: i.params for i in report.issues}
    assert set(rules) == {"DICOM-CHARSET-DISAGREES", "DICOM-CHARSET-MIXED", "DICOM-PN-NO-COMPONENT-GROUPS"}
    assert rules["DICOM-CHARSET-DISAGREES"]["encoding"] == "GBK" and rules["DICOM-CHARSET-DISAGREES"]["elements"] == "PatientName"
    assert "UTF-8: InstitutionName" in rules["DICOM-CHARSET-MIXED"]["parts"]
    assert report.text("PatientName") == "张三" and report.text("InstitutionName") == "广元市中心医院"


def test_an_undefined_term_is_named_with_the_term_to_use() -> None:
    ds = Dataset()
    ds.PatientName = "x"
    _raw(ds, "PatientName", "张三".encode("gbk"))
    _raw(ds, "SpecificCharacterSet", b"GB2312")
    report = examine(dcmread(io.BytesIO(_file(ds)), stop_before_pixels=True))
    issue = next(i for i in report.issues if i.rule == "DICOM-CHARSET-UNKNOWN-TERM")
    assert issue.params["unknown"] == "GB2312" and issue.params["term"] == "GBK"
    assert report.text("PatientName") == "张三"


def test_text_inside_sequences_is_examined_with_the_inherited_character_set() -> None:
    ds = _utf8_with_sequence()
    data = transcode_file(_file(ds), FORMS["mislabel-utf8-as-iso-ir-100"])
    report = examine(dcmread(io.BytesIO(data), stop_before_pixels=True))
    issue = next(i for i in report.issues if i.rule == "DICOM-CHARSET-SINGLE-BYTE")
    assert "AnatomicRegionSequence[0].CodeMeaning" in issue.params["elements"]
    assert issue.params["encoding"] == "UTF-8"


@pytest.mark.parametrize("syntax", [ExplicitVRLittleEndian, ImplicitVRLittleEndian])
@pytest.mark.parametrize("target", ["gb18030", "iso2022-gb2312", "pinyin", "unlabelled-gbk"])
def test_transcoding_changes_only_text_and_the_label(syntax: str, target: str) -> None:
    source = _file(_utf8_with_sequence(), syntax)
    out = transcode_file(source, FORMS[target])
    assert out[:dataset_offset(out)] == source[:dataset_offset(source)]  # file meta untouched
    assert transcode_file(source, FORMS["utf8"]) == source  # identity
    report = examine(dcmread(io.BytesIO(out), stop_before_pixels=True))
    assert report.declared == FORMS[target].label
    back = dcmread(io.BytesIO(transcode_file(out, FORMS["utf8"])))  # and back (the forensics read it)
    original = dcmread(io.BytesIO(source))
    assert back.PixelData == original.PixelData
    if target == "pinyin":
        assert str(back.PatientName) == "Zhang^San" and back.InstitutionName == "GUANG YUAN SHI ZHONG XIN YI YUAN"
        assert back.AnatomicRegionSequence[0].CodeMeaning == "TOU BU"
    else:
        assert str(back.PatientName) == "Zhang^San=张^三" and back.InstitutionName == "广元市中心医院"
        assert back.AnatomicRegionSequence[0].CodeMeaning == "头部"


def test_sequences_of_undefined_length_keep_their_delimiters() -> None:
    ds = _utf8_with_sequence()
    ds["AnatomicRegionSequence"].is_undefined_length = True
    ds.AnatomicRegionSequence[0].is_undefined_length_sequence_item = True
    source = _file(ds)
    assert b"\xfe\xff\xdd\xe0" in source  # sequence delimitation item
    out = transcode_file(source, FORMS["gb18030"])
    assert b"\xfe\xff\xdd\xe0" in out and "头部".encode("gb18030") in out
    assert dcmread(io.BytesIO(out)).AnatomicRegionSequence[0].CodeMeaning == "头部"
