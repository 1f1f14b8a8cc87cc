"""``saveExamRpotImgInfo`` rows (seeds/002 §二): what a hospital uploads to its imaging centre.

The same exam as the index row, in 002 §二's own names (``postcode``, ``rpotDate``) and
formats (``diagTime`` and ``chkDate`` are datetimes there), without the fields the
centre adds when it registers the index (``stogInsUscc`` and the three links), and
with the two references the centre fetches (``examRpotPdfI``, ``imgInfoDcm``).
"""
from __future__ import annotations

from typing import Any

from sim.fakedata.exams import Exam
from sim.fakedata.index_rows import LINK_FIELDS, row_for_exam

_CENTRE_FIELDS = ("stogInsUscc", *LINK_FIELDS)
_RENAMES = {"poscode": "postcode", "rptDate": "rpotDate"}


def img_info_row(exam: Exam, *, pdf_url: str, dicom_url: str) -> dict[str, Any]:
    index_row = row_for_exam(exam, links=lambda _: {f: "" for f in LINK_FIELDS})
    row = {_RENAMES.get(k, k): v for k, v in index_row.items() if k not in _CENTRE_FIELDS}
    row["diagTime"] = f"{exam.apply_time:%Y-%m-%d %H:%M:%S}"
    row["chkDate"] = f"{exam.audit_time:%Y-%m-%d %H:%M:%S}"
    row["examRpotPdfI"] = pdf_url
    row["imgInfoDcm"] = dicom_url
    return row
