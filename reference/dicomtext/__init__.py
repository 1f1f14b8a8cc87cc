"""Text in DICOM as Chinese PACS write it: character sets (``charsets``), the forms a hospital
writes and an SCP serves (``forms``), person names and pinyin (``names``), charset forensics
on what is received (``forensics``) and re-encoding stored data sets (``transcode``)."""
from __future__ import annotations

from .charsets import TEXT_VRS, guess
from .forensics import CharsetReport, examine, findings, merge_findings
from .forms import FORMS, Form, form_of
from .names import person_name, pn_matcher, romanize_name, romanize_text
from .transcode import MalformedDataSet, transcode_dataset, transcode_file

__all__ = [
    "FORMS", "TEXT_VRS", "CharsetReport", "Form", "MalformedDataSet", "examine", "findings", "form_of", "guess",
    "merge_findings", "person_name", "pn_matcher", "romanize_name", "romanize_text", "transcode_dataset",
    "transcode_file",
]
