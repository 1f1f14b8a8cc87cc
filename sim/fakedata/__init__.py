"""Deterministic fake data for the imaging-cloud sandbox (zh_CN).

The same seed gives byte-identical data, and item ``i`` does not depend on how many items
are asked for.  Typical use::

    from datetime import date
    from sim.fakedata import make_institutions, make_index_rows

    hospitals = make_institutions(7, 3, admdvs="510800")
    centre = make_institutions(7, 1, "imaging_centre", admdvs="510800")[0]
    rows = make_index_rows(7, 10, centre=centre, hospitals=hospitals, on=date(2025, 9, 30))
"""

from __future__ import annotations

from sim.fakedata.exams import Exam, make_exams
from sim.fakedata.index_rows import make_index_rows, row_for_exam
from sim.fakedata.institutions import Institution, make_institutions
from sim.fakedata.patients import Patient, make_patients

__all__ = [
    "Institution",
    "Patient",
    "Exam",
    "make_institutions",
    "make_patients",
    "make_exams",
    "make_index_rows",
    "row_for_exam",
]
