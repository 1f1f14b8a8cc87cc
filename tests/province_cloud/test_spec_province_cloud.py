"""openapi/province-cloud.yaml against seed 003's tables, field for field (both editions)."""
from __future__ import annotations

import importlib
import dataclasses
import re
from pathlib import Path

import pytest
import yaml

from reference import dictionaries
from tests.province_cloud.seed003 import SEED_003, editions
from tests.seeds import needs_seeds

SPEC = Path(__file__).resolve().parents[2] / "openapi" / "province-cloud.yaml"
OPS = ("getToken", "saveReminderCallRecord", "projectContrast", "savePatientExam", "uploadDicom", "saveExamPdf",
       "getdigitalImageUrl", "queryFormerlyExam", "queryExamPdfData", "saveRecognExamRecord")
MULTIPART = ("uploadDicom", "saveExamPdf")


@pytest.fixture(scope="module")
def spec() -> dict:
    return yaml.safe_load(SPEC.read_text(encoding="utf-8"))


def _schema(spec: dict, op: str) -> dict:
    body = spec["paths"][f"/interface/{op}"]["post"]["requestBody"]["content"]
    ref = next(iter(body.values()))["schema"]["$ref"].rsplit("/", 1)[1]
    return spec["components"]["schemas"][ref]


@needs_seeds(SEED_003)
def test_the_two_editions_have_the_same_fields():
    hospital, city = editions()["hospital"], editions()["city"]
    assert list(hospital) == list(city) == list(OPS)
    for op in OPS:
        a = [dataclasses.replace(f, domain="") if f.name == "sampleTypeCode" else f for f in hospital[op].inputs]
        b = [dataclasses.replace(f, domain="") if f.name == "sampleTypeCode" else f for f in city[op].inputs]
        assert a == b, op


def test_every_operation(spec):
    assert [p for p in spec["paths"] if p.startswith("/interface/")] == [f"/interface/{op}" for op in OPS]
    for op in OPS:
        post = spec["paths"][f"/interface/{op}"]["post"]
        assert post["operationId"] == op
        handlers = importlib.import_module("reference.families.province_cloud.handlers")
        assert "x-openapi-router-controller" not in post and callable(getattr(handlers, op))
        params = post.get("parameters", [])
        assert (params == [{"$ref": "#/components/parameters/XToken"}]) == (op != "getToken"), op
        media = list(post["requestBody"]["content"])
        assert media == (["multipart/form-data"] if op in MULTIPART else ["application/json"]), op
    x = spec["components"]["parameters"]["XToken"]
    assert x["in"] == "header" and x["name"] == "X-Token" and x["schema"]["maxLength"] == 99
    assert x["required"] is False and x["x-imgcloud-required"] is True
    pdf = spec["paths"]["/interface/queryExamPdfData"]["post"]["responses"]["200"]["content"]
    assert pdf["application/pdf"]["schema"] == {"type": "string", "format": "binary"}


@needs_seeds(SEED_003)
@pytest.mark.parametrize("op", OPS)
def test_fields_match_seed_003(spec, op):
    seed = editions()["hospital"][op]
    schema = _schema(spec, op)
    fields = [f for f in seed.inputs if not f.group]
    if op == "projectContrast":  # items in the array projects (the seed's sample)
        items = spec["components"]["schemas"]["ProjectItem"]
        assert list(schema["properties"]) == ["hospitalCode", "projects"]
        props = {**schema["properties"], **items["properties"]}
        required = set(schema.get("required", ())) - {"projects"} | set(items["required"])
        sp = spec["components"]["schemas"]["StandardProject"]
        for f in seed.inputs:
            if f.group:
                assert (f.name in sp.get("required", ())) == f.required and sp["properties"][f.name]["maxLength"] == int(f.format[4:])
    else:
        props, required = schema["properties"], set(schema.get("required", ()))
        assert list(props) == [f.name for f in fields], op
    for f in fields:
        p, where = props[f.name], f"{op}.{f.name}"
        assert (f.name in required) == f.required, where
        assert p["description"].startswith(f.description), where
        m = re.fullmatch(r"AN\.\.(\d+)", f.format)
        if f.name == "idCardNo":
            assert "maxLength" not in p and p["x-imgcloud-sm2"] == {"plaintextMaxLength": int(m.group(1))}
        elif m:
            assert p["type"] == "string" and p["maxLength"] == int(m.group(1)), where
        elif f.format == "DT15":
            assert p["x-imgcloud-format"] == "DATETIME", where
        elif f.format == "D8":
            assert p["x-imgcloud-format"] == "DATE8", where
        elif f.format == "N6,2":
            assert p["type"] == "number" and p["maximum"] == 999.99 and p["x-imgcloud-decimal"] == {"precision": 5, "scale": 2}
        else:
            assert p.get("format") == "binary", where
        if "enum" in p:
            assert set(p["enum"]) == set(dictionaries.codes(p["x-imgcloud-dictionary"])), where
            for code in p["enum"]:
                assert code in f.domain, f"{where}: {code} not in 003's list"
        elif f.type == "S3":
            assert f.name == "checkPart", f"{where}: an S3 code list needs an enum"


def test_known_drift_aliases(spec):
    exam = _schema(spec, "savePatientExam")
    assert exam["x-imgcloud-aliases"] == {"studyUID": "studyUid", "auditDatetime": "auditDateTime",
                                          "reportDatetime": "reportDateTime", "token": "X-Token"}
    for op in OPS:
        if op not in MULTIPART and op != "getToken":
            assert _schema(spec, op)["x-imgcloud-aliases"]["token"] == "X-Token"


def test_decisions_are_in_the_description(spec):
    d = spec["info"]["description"]
    for needle in ("200 by default", "mirror_status", "11001", "11003", "11004", "7200", "C1C3C2",
                   "C1C2C3", "plaintextMaxLength", "DT15", "/film/?Info=", "X-Token", "PCLOUD-TOKEN-IN-BODY"):
        assert needle in d, needle
