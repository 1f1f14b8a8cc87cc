"""openapi/gateway.yaml and openapi/hospital-pacs.yaml against seed 001's own tables: every
parameter 001 lists, with its 必选 flag (``hospitalld`` as the known drift of ``hospitalId``), the
reply fields of §4.3, the dictionaries of §5; and operationIds unique across every contract."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from reference import dictionaries
from reference.families import all_families
from tests.seeds import needs_seeds, seed_text
from tests.test_spec_nhsa_index import parse_tab_table

ROOT = Path(__file__).resolve().parents[2]
SPEC = yaml.safe_load((ROOT / "openapi" / "gateway.yaml").read_text(encoding="utf-8"))
SCHEMAS = SPEC["components"]["schemas"]
ALIAS = {"hospitalld": "hospitalId"}
pytestmark = needs_seeds("001")


def _table(anchor: str, header: str = "参数名") -> list[list[str]]:
    """The first table with ``header`` after the line starting ``anchor`` (rows, header first)."""
    lines = seed_text("001").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(anchor))
    first = next(i for i in range(start, len(lines)) if lines[i] == f"\t{header}")
    return parse_tab_table(lines, first)


def _fields(anchor: str) -> dict[str, bool]:
    """Parameter name -> 必选 是 of 001's table after ``anchor``."""
    rows = _table(anchor)
    assert rows[0][:2] == ["参数名", "必选"]
    return {row[0].strip(): row[1].strip() == "是" for row in rows[1:]}


@pytest.mark.parametrize(("anchor", "schema"), [("4.3.3", "QrParams"), ("[bookmark: _Toc10925]4.4", "HrballParams"),
                                                ("4.5.4", "DeleteImageRequest")])
def test_every_parameter_of_001_with_its_required_flag(anchor, schema):
    fields = _fields(anchor)
    properties, required = SCHEMAS[schema]["properties"], set(SCHEMAS[schema]["required"])
    assert fields and all(fields.values())  # 001 marks every one 必选 是
    for name in fields:
        ours = ALIAS.get(name, name)
        assert ours in properties and ours in required, (schema, name)
        if name in ALIAS:
            assert SCHEMAS[schema]["x-imgcloud-aliases"][name] == ours
    assert set(properties) - {ALIAS.get(n, n) for n in fields} <= {"phoneNumber"}  # the launch strings' field


def test_the_reply_fields_of_4_3():
    seen = [row[0].strip() for row in _table("出参")[1:]]
    assert seen == ["code", "message", "data"]
    assert set(SCHEMAS["StringReply"]["required"]) == set(seen)
    sample = re.search(r'\{"code":200,"data":"[^"]+","message":"请求成功"\}', seed_text("001"))
    assert sample is not None  # the sample the gateway answers exactly (code a number, message 请求成功)


def test_the_query_parameters_are_declared_with_001s_flag():
    for path in ("/getway/reportAndFilm/api/qrurl", "/getway/reportAndFilm/api/qrcode"):
        params = SPEC["paths"][path]["get"]["parameters"]
        refs = [SPEC["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]] for p in params]
        assert [p["name"] for p in refs] == ["accessNumber", "modality", "hospitalId"]
        assert all(p["required"] is False and p["x-imgcloud-required"] is True for p in refs)
    hrball = {p["name"]: p for p in SPEC["paths"]["/hrball/"]["get"]["parameters"]}
    assert set(hrball) == set(SCHEMAS["HrballParams"]["properties"])


@pytest.mark.parametrize(("section", "name"), [
    ("5.2患者类型", "gateway_patient_type"), ("5.2性别", "gateway_sex"), ("5.3检查检验结果代码", "gateway_exam_rslt_code"),
    ("5.4影像检查类型", "gateway_img_exam_type"), ("5.5职业", "gateway_prfs"), ("5.6费用类型", "gateway_charge_type"),
    ("5.7 人员类型", "gateway_doctor_type"),
])
def test_the_dictionaries_of_5(section, name):
    text = seed_text("001").splitlines()
    start = next(i for i, line in enumerate(text) if section in line)
    header = next(i for i in range(start, len(text)) if text[i].startswith("\t代码"))
    rows = parse_tab_table(text, header)[1:]
    pairs = {row[i].strip(): row[i + 1].strip() for row in rows for i in (0, 2) if len(row) > i + 1 and row[i].strip()}
    assert dict(dictionaries.get(name).codes) == pairs


def test_operation_ids_are_unique_across_contracts():
    seen: dict[str, str] = {}
    for family in all_families():
        for operation in family.operations():
            assert operation not in seen, f"{operation} is in {seen.get(operation)} and {family.name}"
            seen[operation] = family.name
