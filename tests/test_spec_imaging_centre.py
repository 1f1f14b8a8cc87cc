"""Spec checks for openapi/imaging-centre.yaml (imaging centre family, seeds 002 §二 and 000 §1.3–1.4).

(a) the spec is valid OpenAPI 3.0, loads in Connexion 3 (AsyncApp) with the relative file $refs into
    openapi/_shared/ resolved, and the sandbox's validation engine consumes its x-imgcloud-* extensions;
(b) ImgInfoRow and SaveImgInfoRequest match 002 §二's tables, parsed from the seed text itself
    (tab-separated single lines; page breaks repeat the header line);
(c) ImgDldRequest and the shared FileSnDTO / FileSnListEnvelope / FileContentEnvelope match 000 §1.3–1.4
    (tab-cell tables as in 000 §1.1);
(d) the examples are the seeds' samples (002 §二's reconstructed, see reconstruct_sample_002_sec2).

The seed-parsing helpers and the Connexion import shim come from tests/test_spec_nhsa_index.py.
"""

from __future__ import annotations

import importlib
import copy
import json
import re
from pathlib import Path

import pytest
import yaml

from tests.test_spec_nhsa_index import (
    PROFILES,
    REPO,
    SEED_000,
    SEED_002,
    _connexion,
    _has_dictionary_marker,
    _index,
    _walk,
    norm,
    parse_tab_table,
    seeds,  # noqa: F401  (the fixture)
)

SPEC_DIR = REPO / "openapi"
SPEC = SPEC_DIR / "imaging-centre.yaml"
SHARED = SPEC_DIR / "_shared" / "nhsa-envelope.yaml"
NHSA_INDEX = SPEC_DIR / "nhsa-index.yaml"

SAVE = "/mie/api/mie/saveExamRpotImgInfo"
IMG_DLD = "/centre/{centreCode}/imgDld"
CONTROLLER = "reference.families.imaging_centre.handlers"
SHARED_REF = "_shared/nhsa-envelope.yaml#/components/schemas/"


# --------------------------------------------------------------------------- fixtures and seed parsing


@pytest.fixture(scope="module")
def spec() -> dict:
    return yaml.safe_load(SPEC.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def shared() -> dict:
    return yaml.safe_load(SHARED.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def schemas(spec) -> dict:
    return spec["components"]["schemas"]


@pytest.fixture(scope="module")
def resolved() -> dict:
    _, _, Specification = _connexion()
    return Specification.load(str(SPEC)).spec


def norm002(s: str) -> str:
    """``norm`` plus the hyphenation artefact of 002's extraction ("yyyyMMd- dHHmmss")."""
    return norm(re.sub(r"(?<=[A-Za-z])-\s+(?=[A-Za-z])", "", s or ""))


def _lines(seeds: Path, name: str) -> list[str]:
    return (seeds / name).read_text(encoding="utf-8").splitlines()


def _tab_rows(lines: list[str], a: int, b: int) -> list[list[str]]:
    """002's tables: one tab-separated line per row ("n\\t…"); repeated header lines are skipped."""
    found = []
    for ln in lines[a:b]:
        if re.match(r"^\d+\t", ln):
            cells = ln.split("\t") + [""] * 8
            found.append([c.strip() for c in cells[:8]])
    return found


def seed002_sec2(seeds: Path) -> dict:
    """002 §二 医疗机构及检查检验机构数据上传服务: envelope (四), rows (五), output (六), sample (七)."""
    lines = _lines(seeds, SEED_002)
    s = _index(lines, lambda ln: "二、医疗机构及检查检验机构数据上传服务" in ln)
    end = _index(lines, lambda ln: "三、地方影像云数据共享中心数据上传服务" in ln, s)
    rows_i = _index(lines, lambda ln: "节点标识: data" in ln, s)
    out_i = _index(lines, lambda ln: "(六) 输出" in ln, rows_i)
    msg_i = _index(lines, lambda ln: "(七) 交易报文" in ln, out_i)
    headers = [ln.split("\t") for ln in lines[rows_i:out_i] if ln.startswith("序号\t")]
    assert rows_i < out_i < msg_i < end
    return {
        "env": _tab_rows(lines, s, rows_i),
        "rows": _tab_rows(lines, rows_i, out_i),
        "row_headers": headers,
        "out": _tab_rows(lines, out_i, msg_i),
        "sample_lines": lines[msg_i:end],
    }


def reconstruct_sample_002_sec2(section_lines: list[str]) -> tuple[str, str]:
    """002 §二 (七) sample request and reply as JSON text.

    The request is not valid JSON in the seed. Fixed, and only this:
    1. a line break inside a string value (hiImgIdx, imgDscr twice) is a wrap of the extraction: removed;
    2. the code block stops after imgInfoLinkUrl with a trailing comma and a premature ``} ] }``; the next
       cell ``请求参数\\t<pre>…</pre>`` carries the rest of the same row and the real closing: the premature
       closing is dropped and the rest appended.
    Everything else (stray spaces in keys and values, spellings) is left as printed.
    """
    a = _index(section_lines, lambda ln: ln.strip() == "```")
    b = _index(section_lines, lambda ln: ln.strip() == "```", a + 1)
    text, in_string = "", False
    for ln in section_lines[a + 1:b]:
        text += ln if in_string else ("\n" + ln if text else ln)
        in_string = text.count('"') % 2 == 1
    head, n = re.subn(r",\s*\}\s*\]\s*\}\s*$", ",", text)
    assert n == 1, "the code block no longer ends with a premature closing"
    cont = next(ln for ln in section_lines[b:] if ln.startswith("请求参数\t<pre>"))
    reply = next(ln for ln in section_lines[b:] if ln.startswith("返回值\t<pre>"))
    pre = re.compile(r"<pre>(.*)</pre>")
    return head + pre.search(cont).group(1), pre.search(reply).group(1)


def seed000_img_dld(seeds: Path) -> dict:
    """000 §1.3.2 (queryImgCaheFileSn) and §1.4.2 (queryImgCahe): tables and samples."""
    lines = _lines(seeds, SEED_000)
    out = {}
    for section, key in (("1.3.2.", "list"), ("1.4.2.", "file")):
        s = _index(lines, lambda ln: ln.startswith(section))
        in_i = _index(lines, lambda ln: ln.strip() == "输入（节点标识：data）", s)
        out_i = _index(lines, lambda ln: ln.strip() == "（5）输出", s)
        dto_i = _index(lines, lambda ln: ln.strip() in ("输出（节点标识：FileSnDTO）", "输入（节点标识：FileSnDTO）"), s)
        out[key + "_in"] = parse_tab_table(lines, in_i + 1)
        out[key + "_out"] = parse_tab_table(lines, out_i + 1)
        out[key + "_dto"] = parse_tab_table(lines, dto_i + 1)
        q_i = _index(lines, lambda ln: ln.strip() == "请求参数", s)
        a_i = _index(lines, lambda ln: ln.strip() == "返回值", q_i)
        end = next(k for k in range(a_i + 1, len(lines) - 1) if not lines[k].strip() and not lines[k + 1].strip())
        out[key + "_sample"] = json.loads("\n".join(lines[q_i + 1:a_i]))
        out[key + "_reply"] = json.loads("\n".join(lines[a_i + 1:end]))
        url_i = _index(lines, lambda ln: ln.strip() == "URL", s)
        out[key + "_url"] = parse_tab_table(lines, url_i + 1)[0]
    return out


# --------------------------------------------------------------------------- (a) validity, Connexion, engine


@pytest.mark.parametrize("path", [SPEC, SHARED], ids=["imaging-centre", "_shared/nhsa-envelope"])
def test_spec_text_is_jinja_safe(path):
    text = path.read_text(encoding="utf-8")
    for token in ("{{", "{%", "{#"):
        assert token not in text, f"{token!r} in {path.name} would be eaten by Connexion's Jinja2 pass"


@pytest.mark.parametrize("path", [SPEC, SHARED], ids=["imaging-centre", "_shared/nhsa-envelope"])
def test_valid_openapi_3(path):
    _, _, Specification = _connexion()
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert raw["openapi"] == "3.0.3"
    loaded = Specification.load(str(path))
    assert loaded.version == (3, 0, 3)
    refs = [p for p, node in _walk(loaded.spec) if "$ref" in node]
    assert refs == [], f"unresolved $ref at {refs[:3]}"


def test_shared_components_resolve(resolved, shared):
    sch = shared["components"]["schemas"]
    dto = {k: v for k, v in sch["FileSnDTO"].items()}
    img_dld = resolved["paths"][IMG_DLD]["post"]
    req = img_dld["requestBody"]["content"]["application/json"]["schema"]
    assert req["properties"]["imgFileSn"]["properties"] == dto["properties"]
    alternatives = img_dld["responses"]["200"]["content"]["application/json"]["schema"]["oneOf"]
    listed, content, error = alternatives
    assert error["properties"]["code"]["enum"] == [-1]  # refusals: the error envelope, as really sent
    assert listed["properties"]["data"]["properties"]["imgFileSnList"]["items"]["properties"] == dto["properties"]
    assert content["properties"]["data"]["required"] == ["hiImgIndx", "fileContent"]
    save = resolved["paths"][SAVE]["post"]["responses"]["200"]["content"]["application/json"]["schema"]["oneOf"][0]
    assert save["properties"]["data"]["items"]["properties"]["succFlag"]["enum"] == ["1", "0", "-1"]
    # the sandbox's docs page resolves the file by its file URI (not Specification.load's directory base)
    from connexion.json_schema import resolve_refs

    docs = resolve_refs(yaml.safe_load(SPEC.read_text(encoding="utf-8")), base_uri=SPEC.as_uri())
    assert [p for p, node in _walk(docs) if "$ref" in node] == []
    # the CAUTION of the shared file: no component of this spec may share a name with a shared one
    ours = yaml.safe_load(SPEC.read_text(encoding="utf-8"))["components"]["schemas"]
    assert not set(sch) & set(ours)


def test_connexion_asyncapp_loads_without_handlers(monkeypatch, tmp_path):
    """The lead wires reference/families/imaging_centre/; until then the spec must load with a dummy resolver,
    with the sandbox's own body validator, from any working directory."""
    connexion, Resolver, _ = _connexion()
    from reference.config import load_config
    from reference.transports.http.validation import REPORT_KEY, make_body_validator

    monkeypatch.chdir(tmp_path)
    seen: list = []

    async def dummy(*args, **kwargs):
        from connexion.context import context

        report = context[REPORT_KEY]
        seen.append((kwargs, report))
        return {"code": 0, "type": "success", "message": "成功", "data": None}

    def resolve(name):
        seen.append(name)
        return dummy

    config = load_config(None, home=str(tmp_path / "home"))
    app = connexion.AsyncApp(__name__, specification_dir=str(SPEC_DIR))
    app.add_api("imaging-centre.yaml", resolver=Resolver(function_resolver=resolve),
                validator_map={"body": {"application/json": make_body_validator(config)}})
    client = app.test_client()

    # the body is inspected, not refused: an unknown serviceName reaches the handler as a finding
    r = client.post("/centre/S51080200001/imgDld", json={"hiImgIndx": "x", "serviceName": "queryImgCache"})
    assert r.status_code == 200, r.text
    assert "saveExamRpotImgInfo" in seen and "imgDld" in seen  # the bare operationId: no Python names in the spec
    kwargs, report = seen[-1]
    assert kwargs["centreCode"] == "S51080200001"
    assert [(f.rule, f.path) for f in report.findings] == [("SCHEMA-ENUM", "serviceName")]

    r = client.post(SAVE, json={"infno": "saveExamRpotImgInfo", "msgid": "m", "infTime": "2025-03-03 01:00:00",
                                "infCode": "H51080200011", "key": "k", "data": [{"psnName": "李丽"}]})
    assert r.status_code == 200, r.text
    _, report = seen[-1]
    assert report.rows_nodes == ("data", "input")
    missing = {f.path for f in report.row_findings("data", 0) if f.rule == "SCHEMA-REQUIRED"}
    assert {"data[0].examRpotPdfI", "data[0].imgInfoDcm", "data[0].hiImgIndx"} <= missing

    served = client.get("/openapi.json").json()
    assert [p for p, node in _walk(served) if "$ref" in node] == []
    assert {SAVE, IMG_DLD} <= set(served["paths"])


def test_sandbox_app_still_starts(running):
    """The family is not registered here (the lead wires it): our own app starts with the spec present."""
    assert running.client.get("/_sandbox/health").status_code == 200


def test_engine_reads_the_extensions(resolved):
    """inspect_body on the schemas as Connexion resolves them: drift, references, per-row paths."""
    from reference.validation import inspect_body

    op = resolved["paths"][SAVE]["post"]["requestBody"]["content"]["application/json"]
    body = copy.deepcopy(op["examples"]["sandbox-example"]["value"])
    for mode in ("strict", "lenient"):
        report = inspect_body(copy.deepcopy(body), op["schema"], operation="saveExamRpotImgInfo", mode=mode)
        assert report.findings == [], [f.text() for f in report.findings]

    row = body["data"][0]
    row["hiImgIdx"] = row.pop("hiImgIndx")
    row["poscode"] = row.pop("postcode")
    row["rptDate"] = row.pop("rpotDate")
    row["elecHiCardNo"] = row.pop("elecHlCardNo")
    row["stogInsUscc"] = "12510800451000018F"
    row["imgInfoDcm"] = "x" * 501
    del row["examRpotPdfI"]
    body["input"] = body.pop("data")
    report = inspect_body(body, op["schema"], operation="saveExamRpotImgInfo", mode="strict")
    got = {(f.rule, f.path) for f in report.findings}
    assert got == {
        ("DRIFT-ALIAS", "input[0].hiImgIdx"), ("DRIFT-ALIAS", "input[0].poscode"),
        ("DRIFT-ALIAS", "input[0].rptDate"), ("DRIFT-ALIAS", "input[0].elecHiCardNo"),
        ("SCHEMA-UNKNOWN-FIELD", "input[0].stogInsUscc"),
        ("SCHEMA-REQUIRED", "input[0].examRpotPdfI"), ("SCHEMA-MAXLENGTH", "input[0].imgInfoDcm"),
    }
    assert report.row_findings("input", 0) and not report.envelope_findings()

    dld = resolved["paths"][IMG_DLD]["post"]["requestBody"]["content"]["application/json"]
    for name, example in dld["examples"].items():
        assert inspect_body(copy.deepcopy(example["value"]), dld["schema"], operation="imgDld").findings == [], name
    report = inspect_body({"hiImgIndx": "x", "serviceName": "queryImgCahe", "imgFileSn": {"examUuid": "1", "snUuid": "2"}},
                          dld["schema"], operation="imgDld")
    assert [(f.rule, f.path) for f in report.findings] == [("SCHEMA-REQUIRED", "imgFileSn.instUuid")]


def test_operations(spec):
    assert {SAVE, IMG_DLD} <= set(spec["paths"])  # the pages may be added as GET operations
    assert spec["tags"][0]["name"] == "imaging-centre"
    assert re.search(r"[\u4e00-\u9fff]", spec["tags"][0]["description"]) and "imaging centre" in spec["tags"][0]["description"]
    for path, op_id, body in ((SAVE, "saveExamRpotImgInfo", "SaveImgInfoRequest"), (IMG_DLD, "imgDld", "ImgDldRequest")):
        assert list(spec["paths"][path]) == ["post"]
        op = spec["paths"][path]["post"]
        assert op["operationId"] == op_id and op["tags"] == ["imaging-centre"]
        assert "x-openapi-router-controller" not in op and callable(getattr(importlib.import_module(CONTROLLER), op["operationId"]))
        assert op["requestBody"]["required"] is True
        content = op["requestBody"]["content"]
        assert list(content) == ["application/json"]
        assert content["application/json"]["schema"] == {"$ref": f"#/components/schemas/{body}"}
        assert content["application/json"]["examples"]
        assert list(op["responses"]) == ["200"]
        resp = op["responses"]["200"]
        assert "error envelope" in resp["description"] and "200" in resp["description"]
        for text in (op["summary"], op["description"]):
            assert re.search(r"[\u4e00-\u9fff]", text) and re.search(r"[A-Za-z]{4}", text)
    save = spec["paths"][SAVE]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert save == {"oneOf": [{"$ref": SHARED_REF + "SuccessEnvelope"}, {"$ref": SHARED_REF + "ErrorEnvelope"}]}
    dld = spec["paths"][IMG_DLD]["post"]
    assert dld["responses"]["200"]["content"]["application/json"]["schema"] == {
        "oneOf": [{"$ref": SHARED_REF + "FileSnListEnvelope"}, {"$ref": SHARED_REF + "FileContentEnvelope"},
                  {"$ref": SHARED_REF + "ErrorEnvelope"}]}
    (param,) = dld["parameters"]
    assert param["name"] == "centreCode" and param["in"] == "path" and param["required"] is True
    assert param["schema"] == {"type": "string", "maxLength": 30}
    assert "imgDldLink" in dld["description"] and "sandbox-defined" in dld["description"]


def test_info_description_records_decisions(spec):
    d = spec["info"]["description"]
    for needle in ("imaging_centre", "x-imgcloud-reference", "dicom://AET@host:port?StudyInstanceUID=",
                   "requestType=WADO", "zip", "C-MOVE/C-GET", "succFlag per row", '"1"', '"0"', '"-1"',
                   "serviceName", "queryImgCaheFileSn", "queryImgCahe", '{"code":-1,"type":"error","message":"…","data":null}',
                   "unknown `serviceName`", "unknown index", "unknown instance", "not** a wrapper",
                   "/centre/{centreCode}/report/{accessionNumber}", "/centre/{centreCode}/image/{accessionNumber}",
                   "/centre/{centreCode}/imgDld", "sandbox-defined", "no profile patches it", "Part-10", "base64",
                   "strict", "lenient", "stogInsUscc"):
        assert needle in d, needle
    assert spec["info"]["title"].startswith("地方影像云数据共享中心")


# --------------------------------------------------------------------------- (b) 002 §二, field for field


def test_img_info_row_matches_seed_002(seeds, schemas):
    sec = seed002_sec2(seeds)
    rows = sec["rows"]
    for header in sec["row_headers"]:  # the table is split across pages, the header repeated
        assert [c.strip() for c in header] == ["序号", "参数代码", "参数名称", "参数类型", "参数长度", "是否数据字典", "是否必填", "说明"]
    assert len(sec["row_headers"]) >= 2
    assert [r[0] for r in rows] == [str(i) for i in range(1, 72)], "002 §二 (五) must have rows 1..71"

    row_schema = schemas["ImgInfoRow"]
    props = row_schema["properties"]
    assert list(props) == [r[1] for r in rows], "ImgInfoRow must follow 002 §二's names and order"
    assert "additionalProperties" not in row_schema
    required = set(row_schema["required"])
    assert row_schema["required"] == [r[1] for r in rows if r[6] == "Y"]

    for no, code, name, typ, length, coded, req, note in rows:
        p = props[code]
        where = f"002 §二 #{no} {code}"
        assert norm002(p["description"]).startswith(norm002(name)), f"{where}: 参数名称"
        if note:
            assert norm002(note) in norm002(p["description"]), f"{where}: 说明"
        assert (code in required) == (req == "Y"), f"{where}: required flag"
        t = typ.lower()
        if t == "string":
            assert p["type"] == "string" and p["maxLength"] == int(length), f"{where}: maxLength"
            assert "x-imgcloud-format" not in p, where
        elif t == "text":
            assert p["type"] == "string" and "maxLength" not in p, where
        elif t == "date":
            assert p["type"] == "string" and "maxLength" not in p and p["x-imgcloud-format"] == "DATE", where
        elif t == "datetime":
            assert p["type"] == "string" and "maxLength" not in p and p["x-imgcloud-format"] == "DATETIME", where
        elif t == "bigdecimal":
            assert p["type"] == "number" and p["minimum"] == 0 and p["maximum"] == 999.9, where
            assert "multipleOf" not in p, where
            assert p["x-imgcloud-decimal"] == {"length": int(length), "scale": 1}, where
        elif t == "":  # examRpotPdfI, imgInfoDcm: no type in the seed, a reference the centre fetches
            assert code in ("examRpotPdfI", "imgInfoDcm"), where
            assert p["type"] == "string" and p["maxLength"] == int(length) == 500, where
        else:
            pytest.fail(f"{where}: unexpected seed type {typ}")
        if coded == "Y":
            assert _has_dictionary_marker(p), f"{where}: 是否数据字典 Y needs enum or x-imgcloud-dictionary"
        else:
            assert "enum" not in p, f"{where}: 是否数据字典 N must not be an enum"
        if "enum" in p:
            assert isinstance(p["x-imgcloud-dictionary"], str), f"{where}: single-valued: enum + dictionary name"
            assert all(isinstance(c, str) for c in p["enum"]) and len(set(p["enum"])) == len(p["enum"]), where

    assert props["imgExamType"]["x-imgcloud-dictionary"] == {"name": "img_exam_type", "separator": "|"}
    assert props["examWay"]["x-imgcloud-dictionary"] == {"name": "exam_way", "separator": "|"}
    assert props["examRsltCode"]["x-imgcloud-dictionary"] == "exam_rslt_code"
    each = props["examPart"]["x-imgcloud-pattern-each"]
    assert each["separator"] == "|" and re.fullmatch(each["pattern"], "ABC123XYZ")
    for multi in ("imgExamType", "examWay", "examPart"):
        assert "enum" not in props[multi], multi
    # 是否数据字典 N and no codes in the 说明: a plain string (000 codes prfs, 002 does not)
    assert not _has_dictionary_marker(props["prfs"]) and not _has_dictionary_marker(props["mrgStas"])
    # what §二 does not carry: the centre adds it when it registers the index
    for absent in ("stogInsUscc", "examRpotLinkUrl", "imgInfoLinkUrl", "imgDldLink", "poscode", "rptDate"):
        assert absent not in props, absent


def test_single_valued_dictionaries_are_the_index_ones(schemas):
    """psnCertType, gend, hospLv: the same codes as IndexRow (002 §四 = 000 第2章 for gend and hosp_lv)."""
    index_row = yaml.safe_load(NHSA_INDEX.read_text(encoding="utf-8"))["components"]["schemas"]["IndexRow"]["properties"]
    props = schemas["ImgInfoRow"]["properties"]
    for field, name in (("psnCertType", "psn_cert_type"), ("gend", "gend"), ("hospLv", "hosp_lv")):
        assert props[field]["x-imgcloud-dictionary"] == name
        assert props[field]["enum"] == index_row[field]["enum"], field
    from reference import dictionaries

    assert set(props["psnCertType"]["enum"]) == set(dictionaries.codes("psn_cert_type"))
    for field, spec_ in (("imgExamType", "img_exam_type"), ("examWay", "exam_way"), ("examRsltCode", "exam_rslt_code")):
        name = spec_
        assert f"saveExamRpotImgInfo.{field}" in dictionaries.get(name).fields, name


def test_references(schemas):
    props = schemas["ImgInfoRow"]["properties"]
    for field, kind in (("examRpotPdfI", "pdf"), ("imgInfoDcm", "dicom")):
        p = props[field]
        assert p["x-imgcloud-reference"] == kind
        assert p["type"] == "string" and p["maxLength"] == 500 and field in schemas["ImgInfoRow"]["required"]
        for needle in ("INTERFACES.md §2", "http(s) URL", "fetch failure", "answered on the row", "recorded"):
            assert needle in p["description"], (field, needle)
    dcm = props["imgInfoDcm"]["description"]
    for needle in ("one DICOM Part-10 file", "zip", "requestType=WADO&studyUID=…&seriesUID=…&objectUID=…&contentType=application/dicom",
                   "dicom://AET@host:port?StudyInstanceUID=…", "C-MOVE/C-GET", "DICOM issue"):
        assert needle in dcm, needle
    assert [k for k, v in props.items() if "x-imgcloud-reference" in v] == ["examRpotPdfI", "imgInfoDcm"]


def test_aliases(schemas):
    row = schemas["ImgInfoRow"]
    assert row["x-imgcloud-aliases"] == {
        "hiImgIdx": "hiImgIndx", "elecHiCardNo": "elecHlCardNo", "poscode": "postcode", "rptDate": "rpotDate",
    }
    for alias, canonical in row["x-imgcloud-aliases"].items():
        assert canonical in row["properties"] and alias not in row["properties"]
    req = schemas["SaveImgInfoRequest"]
    assert req["x-imgcloud-aliases"] == {"input": "data"}
    assert req["x-imgcloud-rows"] == "data"
    assert req["x-imgcloud-institution"] == "infCode"


def test_envelope_matches_seed_002(seeds, schemas):
    env = seed002_sec2(seeds)["env"]
    assert [r[0] for r in env] == ["1", "2", "3", "4", "5", "6"]
    s = schemas["SaveImgInfoRequest"]
    props = s["properties"]
    assert "additionalProperties" not in s
    assert list(props) == [r[1] for r in env] + ["input"]
    assert s["required"] == [r[1] for r in env if r[6] == "Y" and r[1] != "data"]
    for no, code, name, typ, length, coded, req, note in env:
        p = props[code]
        assert norm002(p["description"]).startswith(norm002(name)), code
        if note:
            assert norm002(note) in norm002(p["description"]), f"{code}: 备注"
        if code == "data":
            assert p["type"] == "array" and p["x-imgcloud-max-json-length"] == int(length)
        elif typ == "String":
            assert p["type"] == "string" and p["maxLength"] == int(length), code
        elif typ == "datetime":
            assert p["type"] == "string" and p["x-imgcloud-format"] == "DATETIME" and "maxLength" not in p
        else:
            pytest.fail(f"unexpected envelope type {typ}")
    assert props["infno"]["description"].endswith("saveExamRpotImgInfo")
    for node in ("data", "input"):
        assert props[node]["type"] == "array" and props[node]["x-imgcloud-max-json-length"] == 40000
        assert props[node]["items"] == {"$ref": "#/components/schemas/ImgInfoRow"}


def test_output_matches_seed_002(seeds, shared):
    out = seed002_sec2(seeds)["out"]
    row = shared["components"]["schemas"]["RowResult"]
    assert [r[1] for r in out] == list(row["properties"])
    for no, code, name, typ, length, coded, req, note in out:
        p = row["properties"][code]
        assert p["type"] == "string" and p["maxLength"] == int(length), code
        assert (code in row["required"]) == (req == "Y"), code
    assert row["properties"]["succFlag"]["enum"] == ["1", "0", "-1"]


# --------------------------------------------------------------------------- (c) 000 §1.3–1.4


def _check_cells(p: dict, cells: list[str], where: str) -> None:
    no, code, name, typ, length, coded, req, note = cells
    assert p["description"].startswith(name) or name in p["description"], f"{where}: 参数名称"
    if typ == "String":
        assert p["type"] == "string" and p["maxLength"] == int(length), f"{where}: maxLength"
    elif typ == "TEXT":
        assert p["type"] == "string" and "maxLength" not in p, where
    if note.strip():
        assert note.strip() in p["description"], f"{where}: 说明"
    assert coded == "N" and "x-imgcloud-dictionary" not in p, where


def test_img_dld_request_matches_seed_000(seeds, schemas, shared):
    seed = seed000_img_dld(seeds)
    header = ["序号", "参数代码", "参数名称", "参数类型", "参数长度", "代码标识", "是否必填", "说明"]
    assert seed["list_in"][0] == header and seed["file_in"][0] == header
    list_in, file_in = seed["list_in"][1:], seed["file_in"][1:]
    assert [r[1] for r in list_in] == ["hiImgIndx", "serviceName"]
    assert [r[1] for r in file_in] == ["hiImgIndx", "imgFileSn", "serviceName"]
    assert all(r[6] == "Y" for r in list_in + file_in)

    req = schemas["ImgDldRequest"]
    props = req["properties"]
    assert list(props) == [r[1] for r in file_in], "ImgDldRequest follows 000 §1.4's table (the superset)"
    assert "additionalProperties" not in req
    # required in both services: schema; imgFileSn only for queryImgCahe: a rule, documented
    assert req["required"] == [r[1] for r in file_in if r[1] in {c[1] for c in list_in}]
    assert "imgFileSn" not in req["required"] and "a rule" in req["description"]
    assert "not a wrapper" in req["description"].replace("\n", " ").replace("  ", " ")
    # 节点标识 data in the seed, yet the samples send the fields at the top level
    assert set(seed["list_sample"]) == {r[1] for r in list_in}
    assert set(seed["file_sample"]) == {r[1] for r in file_in}

    for cells in list_in + file_in:
        code = cells[1]
        if code == "imgFileSn":
            assert cells[3] == "FileSnDTO" and cells[4] == "100"
            assert props[code] == {"$ref": SHARED_REF + "FileSnDTO"}
            continue
        p = props[code]
        assert p["type"] == "string" and p["maxLength"] == int(cells[4]), code
        assert p["description"].startswith(cells[2]), code
        if code == "serviceName":
            assert f"服务名称为：{cells[7].split('：')[1]}" in p["description"]
    services = [r[7].split("：")[1] for r in (list_in[1], file_in[2])]
    assert props["serviceName"]["enum"] == services == ["queryImgCaheFileSn", "queryImgCahe"]
    assert "x-imgcloud-dictionary" not in props["serviceName"]

    # FileSnDTO (1.4 input, 1.3 output): each UID String 100, 是否非空 Y; 100 also the imgFileSn length
    dto = shared["components"]["schemas"]["FileSnDTO"]
    for table in (seed["list_dto"], seed["file_dto"]):
        assert table[0][-2] == "是否非空"  # even in 1.4's *input* table
        rows = table[1:]
        assert list(dto["properties"]) == [r[1] for r in rows]
        assert dto["required"] == [r[1] for r in rows if r[6] == "Y"]
        for cells in rows:
            _check_cells(dto["properties"][cells[1]], cells, f"FileSnDTO {cells[1]}")
    assert "影像文件序列号" in dto["description"] and "参数长度" in dto["description"]


def test_img_dld_responses_match_seed_000(seeds, shared):
    seed = seed000_img_dld(seeds)
    sch = shared["components"]["schemas"]
    for key, name in (("list", "FileSnListEnvelope"), ("file", "FileContentEnvelope")):
        env = sch[name]
        assert env["required"] == ["code", "type", "message", "data"]
        assert env["properties"]["code"]["enum"] == [0] and env["properties"]["type"]["enum"] == ["success"]
        data = env["properties"]["data"]
        assert data["type"] == "object", "data is an object here, not a list"
        header, *rows = seed[key + "_out"]
        assert header[-2] == "是否非空"
        assert list(data["properties"]) == [r[1] for r in rows]
        assert data["required"] == [r[1] for r in rows if r[6] == "Y"]
        for cells in rows:
            p = data["properties"][cells[1]]
            if cells[1] == "imgFileSnList":
                assert cells[3] == "List<FileSnDTO>"
                assert p["type"] == "array" and p["items"] == {"$ref": "#/components/schemas/FileSnDTO"}
                assert p["description"].startswith(cells[2])
            else:
                _check_cells(p, cells, f"{name} {cells[1]}")
        # the seed's sample reply has exactly these keys
        assert set(seed[key + "_reply"]["data"]) == {r[1] for r in rows}
        assert seed[key + "_url"] == [""], "000 leaves the URL empty: it is imgDldLink"
    assert "Part-10" in sch["FileContentEnvelope"]["properties"]["data"]["properties"]["fileContent"]["description"]


# --------------------------------------------------------------------------- (d) examples are the seeds' samples


def test_save_examples_are_the_seed_sample(seeds, spec):
    sec = seed002_sec2(seeds)
    text, reply = reconstruct_sample_002_sec2(sec["sample_lines"])
    sample = json.loads(text)
    op = spec["paths"][SAVE]["post"]
    ex = op["requestBody"]["content"]["application/json"]["examples"]["seed-002-sample"]
    assert ex["value"] == sample
    assert list(ex["value"]) == list(sample) and list(ex["value"][" data"][0]) == list(sample[" data"][0])
    assert "strict" in ex["description"] and "Fixed" in ex["description"]
    # the sample is the 73-key index row of §三, not a §二 row
    keys = {k.strip() for k in sample[" data"][0]}
    assert len(keys) == 73 and not keys & {"examRpotPdfI", "imgInfoDcm"}
    assert sample[" infno"].strip() == "saveExamRpotImgIdx"
    got = op["responses"]["200"]["content"]["application/json"]["examples"]["seed-002-reply"]["value"]
    assert got == json.loads(reply)


@pytest.mark.parametrize("key,example", [("list", "seed-000-1.3"), ("file", "seed-000-1.4")])
def test_img_dld_examples_are_the_seed_samples(seeds, spec, key, example):
    seed = seed000_img_dld(seeds)
    op = spec["paths"][IMG_DLD]["post"]
    assert op["requestBody"]["content"]["application/json"]["examples"][example + "-sample"]["value"] == seed[key + "_sample"]
    assert op["responses"]["200"]["content"]["application/json"]["examples"][example + "-reply"]["value"] == seed[key + "_reply"]


# --------------------------------------------------------------------------- profiles


def test_no_profile_patches_for_this_operation(schemas):
    """002 §二 is the only version of saveExamRpotImgInfo: no profile patches ImgInfoRow."""
    from reference import profiles

    for name in profiles.names():
        data = yaml.safe_load((PROFILES / f"{name}.yaml").read_text(encoding="utf-8"))
        assert "saveExamRpotImgInfo" not in (data.get("operations") or {}), name
        assert profiles.patch_row(schemas["ImgInfoRow"], profile=name, operation="saveExamRpotImgInfo") == schemas["ImgInfoRow"]
