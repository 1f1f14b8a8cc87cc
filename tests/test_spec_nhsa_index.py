"""Spec checks for openapi/nhsa-index.yaml (national index family, seeds 000 §1.1–1.2 and 002 §三).

(a) the spec (and its shared envelope file) is valid OpenAPI 3.0 and loads in Connexion 3 (AsyncApp) with
    the relative file $ref into openapi/_shared/ resolved;
(b) IndexRow and the envelopes match the tables of seed 000, parsed from the seed text itself;
(c) seed 002 §三's table is reproduced by IndexRow + reference/profiles/sichuan-2025-09.yaml.

Seeds are found by tests/seeds.py ($IMGCLOUD_SEEDS, else <repo>/../shared/seeds, where a clone with
../shared beside it has them); seed-parsing tests are skipped without them, and fail when CI is set.
"""

from __future__ import annotations

import importlib
import copy
import json
import re
import unicodedata
import warnings
from pathlib import Path

import pytest
import yaml

from tests.seeds import require_seeds

REPO = Path(__file__).resolve().parents[1]
SPEC_DIR = REPO / "openapi"
SPEC = SPEC_DIR / "nhsa-index.yaml"
SHARED = SPEC_DIR / "_shared" / "nhsa-envelope.yaml"
PROFILES = REPO / "reference" / "profiles"

SEED_000 = "000_ce4dc14844c2d527.txt"
SEED_002 = "002_2356a2eee862a227.txt"

SAVE = "/mie/api/mie/saveExamRpotImgIndx"
DELETE = "/mie/api/mie/deleteExamRpotImgIndx"
CONTROLLER = "reference.families.nhsa_index.handlers"


# --------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def seeds() -> Path:
    """The seed directory, holding 000 and 002: tests using it skip without them (fail in CI)."""
    return require_seeds(SEED_000, SEED_002)


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
def profile() -> dict:
    return yaml.safe_load((PROFILES / "sichuan-2025-09.yaml").read_text(encoding="utf-8"))


def _connexion():
    # starlette warns (a UserWarning subclass) about httpx when connexion imports its TestClient;
    # pyproject turns warnings into errors, so import under a targeted filter.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Using `httpx` with `starlette\.testclient`")
        import connexion
        from connexion.resolver import Resolver
        from connexion.spec import Specification
    return connexion, Resolver, Specification


def norm(s: str) -> str:
    """Loose comparison for 002's extracted text: NFKC (full-/half-width), no whitespace, no '|'
    (002's extraction lost the '|' separators)."""
    s = unicodedata.normalize("NFKC", s or "")
    return re.sub(r"\s+", "", s).replace("|", "")


def parse_tab_table(lines: list[str], start: int) -> list[list[str]]:
    """Seed 000 tables are flattened: one cell per line, each starting with a tab; a lone tab is an
    empty cell; a line without the tab continues the previous cell; a blank line ends a row; the
    table ends at the first untabbed line that starts no continuation. Returns rows, header first."""
    rows: list[list[str]] = []
    cur: list[str] = []
    for line in lines[start:]:
        if line.startswith("\t"):
            cur.append(line[1:])
        elif not line.strip():
            if cur:
                rows.append(cur)
                cur = []
        elif cur:
            cur[-1] += "\n" + line
        else:
            break
    if cur:
        rows.append(cur)
    return rows


def _index(lines, pred, start=0):
    return next(i for i in range(start, len(lines)) if pred(lines[i]))


def seed000(seeds: Path) -> dict:
    lines = (seeds / SEED_000).read_text(encoding="utf-8").splitlines()
    out = {}
    for section, key in (("1.1.2.", "save"), ("1.2.2.", "delete")):
        s = _index(lines, lambda ln: ln.startswith(section))
        env_i = _index(lines, lambda ln: ln.strip() == "交易输入参数定义", s)
        row_i = _index(lines, lambda ln: ln.strip() == "输入（节点标识：input）", s)
        out[key + "_env"] = parse_tab_table(lines, env_i + 1)
        out[key + "_rows"] = parse_tab_table(lines, row_i + 1)
        # sample request / reply of the section
        q_i = _index(lines, lambda ln: ln.strip() == "请求参数", s)
        a_i = _index(lines, lambda ln: ln.strip() == "返回值", q_i)
        end = next(k for k in range(a_i + 1, len(lines) - 1) if not lines[k].strip() and not lines[k + 1].strip())
        out[key + "_sample"] = json.loads("\n".join(lines[q_i + 1:a_i]))
        out[key + "_reply"] = json.loads("\n".join(lines[a_i + 1:end]))
    # 第2章 dictionaries: "2.n. …名称(code)" followed by a 4-column table of (代码值, 代码名称) pairs
    dicts = {}
    ch2 = _index(lines, lambda ln: ln.startswith("第2章"))
    for i in range(ch2, len(lines)):
        m = re.match(r"^2\.\d+\. .*\(([a-z_]+)\)\s*$", lines[i])
        if m:
            codes = {}
            for row in parse_tab_table(lines, i + 1)[1:]:
                for k in range(0, len(row) - 1, 2):
                    if row[k].strip():
                        codes[row[k].strip()] = row[k + 1].strip()
            dicts[m.group(1)] = codes
    out["dicts"] = dicts
    return out


def seed002(seeds: Path) -> dict:
    """002 §三: tables are one tab-separated line per row (page breaks repeat the header)."""
    lines = (seeds / SEED_002).read_text(encoding="utf-8").splitlines()
    s = _index(lines, lambda ln: "三、地方影像云数据共享中心数据上传服务" in ln)
    rows_i = _index(lines, lambda ln: "节点标识: data" in ln, s)
    out_i = _index(lines, lambda ln: "(六) 输出" in ln, rows_i)
    dict_i = _index(lines, lambda ln: "四、数据字典" in ln, out_i)

    def rows(a, b):
        found = []
        for ln in lines[a:b]:
            if re.match(r"^\d+\t", ln):
                cells = ln.split("\t") + [""] * 8
                found.append([c.strip() for c in cells[:8]])
        return found

    dicts: dict[str, dict[str, str]] = {}
    name = None
    for ln in lines[dict_i:]:
        m = re.search(r"\(([a-z_\\]+)\)\s*$", ln)
        if m:
            name = m.group(1).replace("\\", "")
            dicts[name] = {}
            continue
        cells = ln.split("\t")
        if name and len(cells) >= 2 and cells[0].strip() and cells[0].strip() != "代码值":
            for k in range(0, len(cells) - 1, 2):
                code = cells[k].strip()
                # the last img_exam_type cell runs into the next file's text; keep the code only
                if re.fullmatch(r"\d+", code):
                    dicts[name][code] = cells[k + 1].strip()
    return {"env": rows(s, rows_i), "rows": rows(rows_i, out_i), "dicts": dicts}


def apply_profile(schema: dict, patch: dict, dictionaries: dict | None = None) -> dict:
    """The profile as the sandbox applies it (``reference.profiles.patch_row``)."""
    from reference.profiles import patch_row

    return patch_row(schema, profile="sichuan-2025-09", operation="saveExamRpotImgIndx")


def _has_dictionary_marker(p: dict) -> bool:
    return "enum" in p or "x-imgcloud-dictionary" in p or "x-imgcloud-pattern-each" in p


def _walk(node, path=()):
    if isinstance(node, dict):
        yield path, node
        for k, v in node.items():
            yield from _walk(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, path + (i,))


# --------------------------------------------------------------------------- (a) spec validity


def test_spec_text_is_jinja_safe():
    # Connexion renders spec files as Jinja2 templates before parsing them.
    text = SPEC.read_text(encoding="utf-8")
    for token in ("{{", "{%", "{#"):
        assert token not in text, f"{token!r} in {SPEC.name} would be eaten by Connexion's Jinja2 pass"


@pytest.mark.parametrize("path", [SPEC, SHARED], ids=["nhsa-index", "_shared/nhsa-envelope"])
def test_valid_openapi_3(path):
    _, _, Specification = _connexion()
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert raw["openapi"] == "3.0.3"
    # validates against the OpenAPI 3.0 JSON schema bundled with Connexion, then resolves every $ref
    loaded = Specification.load(str(path))
    assert loaded.version == (3, 0, 3)
    refs = [p for p, node in _walk(loaded.spec) if "$ref" in node]
    assert refs == [], f"unresolved $ref at {refs[:3]}"


def test_connexion_asyncapp_loads_with_relative_file_ref(monkeypatch, tmp_path):
    connexion, Resolver, _ = _connexion()
    monkeypatch.chdir(tmp_path)  # the relative $ref must resolve against the spec dir, not the cwd
    seen = []

    async def dummy(*args, **kwargs):
        seen.append(kwargs)
        return {"code": 0, "type": "success", "message": "成功", "data": []}

    def resolve(name):
        seen.append(name)
        return dummy

    app = connexion.AsyncApp(__name__, specification_dir=str(SPEC_DIR))
    app.add_api("nhsa-index.yaml", resolver=Resolver(function_resolver=resolve))
    client = app.test_client()
    body = {"infno": "deleteExamRpotImgIndx", "msgid": "m", "infTime": "2025-03-03 01:00:00",
            "infCode": "c", "key": "k", "input": ["x"]}
    r = client.post(DELETE, json=body)
    assert r.status_code == 200, r.text
    assert "saveExamRpotImgIndx" in seen  # the bare operationId: no Python names in the spec
    assert "deleteExamRpotImgIndx" in seen

    served = client.get("/openapi.json").json()
    resp = served["paths"][SAVE]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert [p for p, node in _walk(served) if "$ref" in node] == []
    success, error = resp["oneOf"]  # the replies as really sent: success or the error envelope (issue 9)
    assert success["properties"]["data"]["items"]["properties"]["succFlag"]["enum"] == ["1", "0", "-1"]
    assert error["properties"]["code"]["enum"] == [-1]


def test_operations(spec):
    for path, op_id in ((SAVE, "saveExamRpotImgIndx"), (DELETE, "deleteExamRpotImgIndx")):
        assert list(spec["paths"][path]) == ["post"]
        op = spec["paths"][path]["post"]
        assert op["operationId"] == op_id
        assert "x-openapi-router-controller" not in op and callable(getattr(importlib.import_module(CONTROLLER), op_id))
        assert op["requestBody"]["required"] is True
        assert list(op["requestBody"]["content"]) == ["application/json"]
        assert list(op["responses"]) == ["200"]
        resp = op["responses"]["200"]
        schema = resp["content"]["application/json"]["schema"]
        assert schema == {"oneOf": [{"$ref": "_shared/nhsa-envelope.yaml#/components/schemas/SuccessEnvelope"},
                                    {"$ref": "_shared/nhsa-envelope.yaml#/components/schemas/ErrorEnvelope"}]}
        assert "error envelope" in resp["description"] and "200" in resp["description"]
        assert re.search(r"[\u4e00-\u9fff]", op["summary"]) and re.search(r"[A-Za-z]{4}", op["summary"])
        assert op["requestBody"]["content"]["application/json"]["examples"]


def test_shared_envelope(shared, spec):
    sch = shared["components"]["schemas"]
    row = sch["RowResult"]["properties"]
    assert row["hiImgIndx"]["nullable"] is True and row["hiImgIndx"]["maxLength"] == 100
    assert row["succFlag"]["enum"] == ["1", "0", "-1"]
    assert row["message"]["maxLength"] == 3000
    ok = sch["SuccessEnvelope"]["properties"]
    assert ok["code"]["type"] == "integer" and ok["type"]["type"] == "string"
    assert ok["message"]["type"] == "string"
    assert ok["data"]["type"] == "array" and ok["data"]["items"] == {"$ref": "#/components/schemas/RowResult"}
    err = sch["ErrorEnvelope"]["properties"]
    assert err["code"]["enum"] == [-1] and err["type"]["enum"] == ["error"] and err["data"]["enum"] == [None]
    # see the CAUTION in the shared file: no same-named aliases in the referencing spec
    assert not set(sch) & set(spec["components"]["schemas"])


def test_info_description_records_decisions(spec):
    d = spec["info"]["description"]
    for needle in ("input", "data", "sichuan-2025-09", "infno", "msgid", "replayed",
                   '{"code":-1,"type":"error","message":"…","data":null}', "HTTP **200**",
                   '"1"', '"0"', '"-1"', "strict", "lenient", "医保影像云"):
        assert needle in d, needle
    assert spec["info"]["title"].startswith("医保影像云索引共享")


# --------------------------------------------------------------------------- (b) seed 000, field for field


def test_index_row_matches_seed_000(seeds, schemas):
    table = seed000(seeds)["save_rows"]
    header, rows = table[0], table[1:]
    assert header == ["序号", "参数代码", "参数名称", "参数类型", "参数长度", "代码标识", "是否必填", "说明"]
    assert len(rows) == 73 and all(len(r) == 8 for r in rows)
    assert [r[0] for r in rows] == [str(i) for i in range(1, 74)]

    row_schema = schemas["IndexRow"]
    props = row_schema["properties"]
    assert list(props) == [r[1] for r in rows], "IndexRow properties must follow the seed's table order"
    assert "additionalProperties" not in row_schema
    required = set(row_schema["required"])

    for no, code, name, typ, length, coded, req, note in rows:
        p = props[code]
        where = f"000 #{no} {code}"
        assert p["description"].startswith(name), where
        if note.strip():
            assert note.strip() in p["description"], f"{where}: 说明 not verbatim"
        assert (code in required) == (req == "Y"), f"{where}: required flag"
        t = typ.lower()
        if t == "string":
            assert p["type"] == "string", where
            assert p["maxLength"] == int(length), f"{where}: maxLength"
        elif t == "text":
            assert p["type"] == "string" and "maxLength" not in p, where
        elif t == "date":
            assert p["type"] == "string" and "maxLength" not in p, where
            assert p["x-imgcloud-format"] == "DATE", where
        elif t == "datetime":
            assert p["type"] == "string" and "maxLength" not in p, where
            assert p["x-imgcloud-format"] == "DATETIME", where
        elif t == "bigdecimal":
            assert p["type"] == "number" and p["minimum"] == 0 and p["maximum"] == 999.9, where
            assert "multipleOf" not in p, where
            assert p["x-imgcloud-decimal"] == {"length": int(length), "scale": 1}, where
        else:
            pytest.fail(f"{where}: unexpected seed type {typ}")
        if coded == "Y":
            assert _has_dictionary_marker(p), f"{where}: 代码标识 Y needs enum or x-imgcloud-dictionary"
        else:
            assert "enum" not in p, f"{where}: 代码标识 N must not be an enum"
        if "enum" in p:
            assert all(isinstance(c, str) for c in p["enum"]), where
            assert len(set(p["enum"])) == len(p["enum"]), where

    assert props["chkDate"]["x-imgcloud-format"] == "DATE8" and props["chkDate"]["maxLength"] == 8
    assert props["imgExamType"]["x-imgcloud-dictionary"] == {"name": "img_exam_type", "separator": "|"}
    assert props["examWay"]["x-imgcloud-dictionary"] == {"name": "exam_way", "separator": "|"}
    assert props["examRsltCode"]["x-imgcloud-dictionary"] == "exam_rslt_code"
    each = props["examPart"]["x-imgcloud-pattern-each"]
    assert each["separator"] == "|" and re.fullmatch(each["pattern"], "ABC123XYZ")
    for multi in ("imgExamType", "examWay", "examPart"):
        assert "enum" not in props[multi], multi


def test_single_valued_dictionaries_match_seed_000(seeds, schemas):
    dicts = seed000(seeds)["dicts"]
    assert set(dicts) == {"gend", "hosp_lv", "img_exam_type", "prfs"}
    props = schemas["IndexRow"]["properties"]
    for field, name in (("gend", "gend"), ("hospLv", "hosp_lv"), ("prfs", "prfs")):
        assert props[field]["x-imgcloud-dictionary"] == name
        assert sorted(props[field]["enum"]) == sorted(dicts[name]), field
    cert = props["psnCertType"]
    assert cert["x-imgcloud-dictionary"] == "psn_cert_type"
    from reference import dictionaries

    assert set(cert["enum"]) == set(dictionaries.codes("psn_cert_type"))
    assert all(re.fullmatch(r"\d{3}", c) for c in cert["enum"])


def test_aliases(schemas):
    row = schemas["IndexRow"]
    assert row["x-imgcloud-aliases"] == {
        "hiImgIdx": "hiImgIndx", "stogInsUsc": "stogInsUscc", "stogInsUsec": "stogInsUscc",
        "elecHiCardNo": "elecHlCardNo", "postcode": "poscode", "rpotDate": "rptDate",
    }
    for alias, canonical in row["x-imgcloud-aliases"].items():
        assert canonical in row["properties"] and alias not in row["properties"]
    for name in ("SaveIndexRequest", "DeleteIndexRequest"):
        assert schemas[name]["x-imgcloud-aliases"] == {"data": "input"}
        assert schemas[name]["x-imgcloud-rows"] == "input"
        assert schemas[name]["x-imgcloud-institution"] == "infCode"


@pytest.mark.parametrize("op,schema_name", [("save", "SaveIndexRequest"), ("delete", "DeleteIndexRequest")])
def test_envelope_matches_seed_000(seeds, schemas, op, schema_name):
    seed = seed000(seeds)
    env = seed[op + "_env"]
    assert env[0] == ["序号", "数据元标识", "数据元名称", "类型", "长度", "代码标识", "是否必填", "备注"]
    env = env[1:]
    s = schemas[schema_name]
    props = s["properties"]
    assert "additionalProperties" not in s
    assert list(props) == [r[1] for r in env] + ["data"]
    assert s["required"] == [r[1] for r in env if r[6] == "Y" and r[1] != "input"]
    assert "input" not in s["required"] and "data" not in s["required"]
    for no, code, name, typ, length, coded, req, note in env:
        p = props[code]
        assert p["description"].startswith(name), code
        if note.strip():
            assert note.strip() in p["description"], f"{code}: 备注 not verbatim"
        if code == "input":
            assert p["type"] == "array" and p["x-imgcloud-max-json-length"] == int(length)
        elif typ == "字符型":
            assert p["type"] == "string" and p["maxLength"] == int(length), code
        elif typ == "日期时间型":
            assert p["type"] == "string" and p["x-imgcloud-format"] == "DATETIME" and "maxLength" not in p
        else:
            pytest.fail(f"unexpected envelope type {typ}")
    assert props["data"]["type"] == "array" and props["data"]["items"] == props["input"]["items"]
    if op == "save":
        assert props["input"]["items"] == {"$ref": "#/components/schemas/IndexRow"}
    else:
        (hdr, (no, code, name, typ, length, coded, req, note)) = seed["delete_rows"]
        assert code == "hiImgIndx" and req == "Y"
        item = props["input"]["items"]
        assert item["type"] == "string" and item["maxLength"] == int(length)
        assert item["description"].startswith(name) and note in item["description"]


@pytest.mark.parametrize("op,path", [("save", SAVE), ("delete", DELETE)])
def test_examples_are_the_seed_samples_verbatim(seeds, spec, op, path):
    seed = seed000(seeds)
    body = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]["examples"]["seed-000-sample"]
    assert body["value"] == seed[op + "_sample"]
    if op == "save":  # key order too: it is the document's sample
        assert list(body["value"]["input"][0]) == list(seed[op + "_sample"]["input"][0])
    assert "strict" in body["description"]
    reply = spec["paths"][path]["post"]["responses"]["200"]["content"]["application/json"]["examples"]["seed-000-reply"]
    assert reply["value"] == seed[op + "_reply"]


# --------------------------------------------------------------------------- (c) seed 002 via the profile


def test_profile_files(profile):
    default = yaml.safe_load((PROFILES / "default.yaml").read_text(encoding="utf-8"))
    assert default["name"] == "default" and set(default) == {"name", "source", "description"}
    assert profile["name"] == "sichuan-2025-09"
    assert profile["source"].startswith("seeds/" + SEED_002)
    assert profile["row_node"] == "data"
    assert set(profile["operations"]) == {"saveExamRpotImgIndx"}
    assert profile["operations"]["saveExamRpotImgIndx"]["schema"] == "IndexRow"


def test_profile_reproduces_seed_002(seeds, schemas, profile):
    s002 = seed002(seeds)
    rows = s002["rows"]
    assert [r[0] for r in rows] == [str(i) for i in range(1, 74)], "002 §三 table must have rows 1..73"
    patch = profile["operations"]["saveExamRpotImgIndx"]
    patched = apply_profile(schemas["IndexRow"], patch)
    props = patched["properties"]
    assert list(props) == [r[1] for r in rows], "patched IndexRow must follow 002's names and order"
    required = set(patched["required"])

    for no, code, name, typ, length, coded, req, note in rows:
        p = props[code]
        where = f"002 #{no} {code}"
        assert norm(p["description"]).startswith(norm(name)), f"{where}: 参数名称"
        if note:
            assert norm(note) in norm(p["description"]), f"{where}: 说明"
        assert (code in required) == (req == "Y"), f"{where}: required flag"
        t = typ.lower()
        if t == "string":
            assert p["type"] == "string" and p["maxLength"] == int(length), f"{where}: maxLength"
            assert "x-imgcloud-format" not in p, f"{where}: String field with a date format"
        elif t == "text":
            assert "maxLength" not in p, where
        elif t == "date":
            assert "maxLength" not in p and p["x-imgcloud-format"] == "DATE", where
        elif t == "datetime":
            assert "maxLength" not in p and p["x-imgcloud-format"] == "DATETIME", where
        elif t == "bigdecimal":
            precision, scale = (int(x) for x in re.split(r"\s*,\s*", length))
            assert p["x-imgcloud-decimal"] == {"precision": precision, "scale": scale}, where
            assert p["maximum"] == float(10 ** (precision - scale) - 10 ** -scale), where
        else:
            pytest.fail(f"{where}: unexpected seed type {typ}")
        if coded == "Y":
            assert _has_dictionary_marker(p), f"{where}: 代码标识 Y"
        else:
            assert "enum" not in p, f"{where}: 代码标识 N must not be an enum"

    # the rename turns the alias around
    assert patched["x-imgcloud-aliases"]["rptDate"] == "rpotDate"
    assert "rpotDate" not in patched["x-imgcloud-aliases"]


def test_profile_envelope_and_dictionaries_match_seed_002(seeds, schemas, profile):
    s002 = seed002(seeds)
    s000 = seed000(seeds)
    env = s002["env"]
    assert [r[1] for r in env] == ["infno", "msgid", "infTime", "infCode", "key", "data"]
    assert env[-1][1] == profile["row_node"]
    req = schemas["SaveIndexRequest"]
    for no, code, name, typ, length, coded, reqf, note in env:
        p = req["properties"][code]
        assert norm(p["description"]).startswith(norm(name)), code
        if code == "data":
            assert p["type"] == "array" and p["x-imgcloud-max-json-length"] == int(length)
            continue
        assert code in req["required"] and reqf == "Y"
        if typ == "String":
            assert p["maxLength"] == int(length), code
        else:
            assert typ == "datetime" and p["x-imgcloud-format"] == "DATETIME", code

    from reference import dictionaries

    prof = profile["name"]
    # img_exam_type: 002 §四 (三) codes are exactly the profile's codes
    assert dictionaries.codes("img_exam_type", prof) == frozenset(s002["dicts"]["img_exam_type"])
    assert dictionaries.codes("img_exam_type") == frozenset(s000["dicts"]["img_exam_type"])
    assert dictionaries.label("img_exam_type", "9", prof) == s002["dicts"]["img_exam_type"]["9"]
    assert set(s000["dicts"]["img_exam_type"]) <= set(s002["dicts"]["img_exam_type"])
    for name in ("gend", "hosp_lv"):
        assert set(s002["dicts"][name]) == set(s000["dicts"][name]), name
    # examWay: codes listed in the 说明 of 000 #14 and 002 #14
    way000 = set(re.findall(r"(\d)-", s000["save_rows"][14][7]))
    way002 = set(re.findall(r"(\d)-", s002["rows"][13][7]))
    assert s000["save_rows"][14][1] == s002["rows"][13][1] == "examWay"
    assert dictionaries.codes("exam_way", prof) == frozenset(way002)
    assert dictionaries.codes("exam_way") == frozenset(way000)


# --------------------------------------------------------------------------- dictionary files (when present)

DICT_DIR = REPO / "reference" / "dictionaries"


def _dictionary(name: str) -> dict:
    path = DICT_DIR / f"{name}.yaml"
    if not path.is_file():
        pytest.skip(f"reference/dictionaries/{name}.yaml not written yet")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("field", ["psnCertType", "gend", "hospLv", "prfs", "imgExamType", "examWay", "examRsltCode"])
def test_dictionary_files_agree_with_spec(schemas, field):
    p = schemas["IndexRow"]["properties"][field]
    spec_ = p["x-imgcloud-dictionary"]
    name = spec_ if isinstance(spec_, str) else spec_["name"]
    d = _dictionary(name)
    codes = {str(c) for c in d["codes"]}
    if "enum" in p:
        assert codes == set(p["enum"]), name
