"""Rules on one ``saveExamRpotImgIndx`` row beyond its schema (seeds/000 §1.1.2 (5)).

Each check calls a validator and turns its problems into catalogue findings; the
messages live in ``reference/rules/catalogue``.  Identity consistency (birth date, sex,
age, the index's parts) is judged against the row's own exam date.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from reference.config import ValidationMode
from reference.rules import RULES, Finding
from reference.validation.paths import join
from reference.validators import codes, dates, hiimgindx, idcard, uscc

RESIDENT_ID = "111"  # GA/T 2000.156: 居民身份证
STAFF_ID_FIELDS = {
    "examTecnIdcard": "检查技师身份证号",
    "rpotDrIdcard": "报告医师身份证号",
    "chkDrIdcard": "审核医师身份证号",
    "sdryChkDrIdcard": "二审医师身份证号",
}
MEDINS_CODE_FIELDS = ("fixmedinsCode",)
OPTIONAL_MEDINS_CODE_FIELDS = ("rpotMedinsCode", "chkMedinsCode", "sdryChkMedinsCode")


def _text(row: Mapping[str, Any], key: str) -> str | None:
    value = row.get(key)
    return value if isinstance(value, str) and value else None


def _date(row: Mapping[str, Any], key: str, fmt: str = "DATE") -> date | None:
    value = _text(row, key)
    parsed = dates.parse(value, fmt) if value else None
    return parsed if isinstance(parsed, date) else None


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


class RowChecker:
    def __init__(self, row: Mapping[str, Any], path: str, mode: ValidationMode, today: date) -> None:
        self.row, self.path, self.mode = row, path, mode
        self.on = _date(row, "examDate") or today

    def at(self, key: str) -> str:
        return join(self.path, key)

    def problems(self, problems: list[Any], key: str) -> list[Finding]:
        return RULES.from_problems(problems, path=self.at(key), mode=self.mode)

    def check(self) -> list[Finding]:
        findings: list[Finding] = []
        for check in (self.patient_id, self.staff_ids, self.institution_codes, self.index_number, self.contact):
            findings.extend(check())
        return findings

    def patient_id(self) -> Iterator[Finding]:
        certno = _text(self.row, "certno")
        if not certno or self.row.get("psnCertType") != RESIDENT_ID:
            return
        problems = idcard.check(certno, on=self.on)
        yield from self.problems(problems, "certno")
        if not problems:
            consistency = idcard.check_consistency(
                certno, brdy=_date(self.row, "brdy"), gend=_text(self.row, "gend"),
                age=_decimal(self.row.get("age")), on=self.on,
            )
            yield from self.problems(consistency, "certno")

    def staff_ids(self) -> Iterator[Finding]:
        for key, label in STAFF_ID_FIELDS.items():
            value = _text(self.row, key)
            problems = idcard.check(value, on=self.on) if value else []
            if problems:
                detail = RULES.from_problems(problems[:1], path=self.at(key))[0]
                yield RULES.finding("NIDX-STAFF-IDCARD", mode=self.mode, path=self.at(key),
                                    label=label, field=key, detail_zh=detail.zh, detail_en=detail.en)

    def institution_codes(self) -> Iterator[Finding]:
        if (value := _text(self.row, "stogInsUscc")) is not None:
            yield from self.problems(uscc.check(value), "stogInsUscc")
        if (value := _text(self.row, "examAdmdvs")) is not None:
            yield from self.problems(codes.check_admdvs(value), "examAdmdvs")
        for key in (*MEDINS_CODE_FIELDS, *OPTIONAL_MEDINS_CODE_FIELDS):
            if (value := _text(self.row, key)) is not None:
                yield from self.problems(codes.check_medins_code(value), key)

    def index_number(self) -> Iterator[Finding]:
        value = _text(self.row, "hiImgIndx")
        if value is None:
            return
        yield from self.problems(hiimgindx.check(value), "hiImgIndx")
        parsed = hiimgindx.parse(value)
        if parsed is not None:
            yield from self.problems(hiimgindx.check_against_row(parsed, self.row), "hiImgIndx")

    def contact(self) -> Iterator[Finding]:
        if (value := _text(self.row, "tel")) is not None:
            yield from self.problems(codes.check_phone(value), "tel")
        if (value := _text(self.row, "poscode")) is not None:
            yield from self.problems(codes.check_postcode(value), "poscode")


def check_row(row: Mapping[str, Any], *, path: str, mode: ValidationMode, today: date) -> list[Finding]:
    return RowChecker(row, path, mode, today).check()
