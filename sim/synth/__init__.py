"""Synthetic imaging for the sandbox: DICOM studies and report PDFs for a generated exam.

Typical use::

    from sim.synth import make_study, make_report_pdf

    instances = make_study(exam, seed=7)            # list[Instance], Part-10 bytes each
    pdf = make_report_pdf(exam)

(Rendering a DICOM image as PNG is the viewer's: ``reference.viewer.render.render_png``.)

Everything is deterministic: the same exam and seed give byte-identical files.
"""

from __future__ import annotations

from sim.synth.dicom import (
    IMPLEMENTATION_CLASS_UID,
    IMPLEMENTATION_VERSION_NAME,
    SOP_CLASSES,
    Instance,
    make_study,
)
from sim.synth.pdf import make_report_pdf, report_font
from sim.synth.request_form import make_request_form

__all__ = [
    "IMPLEMENTATION_CLASS_UID",
    "IMPLEMENTATION_VERSION_NAME",
    "SOP_CLASSES",
    "Instance",
    "make_report_pdf",
    "make_request_form",
    "make_study",
    "report_font",
]
