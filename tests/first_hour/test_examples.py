"""Every operation's Swagger "Try it out" example is a valid request that succeeds against a fresh
sandbox (issue 14): the specs are fetched from ``/_sandbox/docs/{family}/openapi.json`` as the
Swagger UI fetches them, and each operation's example is sent as the UI would send it, in the
page's order (a deletion after the creation it deletes)."""
from __future__ import annotations

from typing import Any

import httpx
import pytest

from reference.families import METHODS, all_families

FAMILIES = [f.name for f in all_families() if f.contract]


def _sent(http: httpx.Client, method: str, path: str, op: dict[str, Any]) -> list[tuple[str, httpx.Response]]:
    """The operation's examples, sent: one response per valid body (or one without a body)."""
    params = op.get("parameters", [])
    missing = [p["name"] for p in params if p.get("required") and "example" not in p]
    assert not missing, f"{op['operationId']}: no example for the required parameters {missing}"
    values = {p["name"]: p["example"] for p in params if "example" in p}
    where = {p["name"]: p["in"] for p in params}
    url = path.format(**{k: v for k, v in values.items() if where[k] == "path"})
    query = {k: v for k, v in values.items() if where[k] == "query"}
    headers = {k: str(v) for k, v in values.items() if where[k] == "header"}
    content = (op.get("requestBody") or {}).get("content") or {}
    sent = []
    if "application/json" in content:
        examples = content["application/json"].get("examples", {})
        bodies = {name: e["value"] for name, e in examples.items() if name == "valid" or name.startswith("valid-")}
        assert "valid" in bodies, f"{op['operationId']}: no valid example among {list(examples)}"
        assert next(iter(examples)) == "valid", f"{op['operationId']}: the valid example is not the default one"
        for name, body in bodies.items():
            sent.append((name, http.request(method, url, params=query, headers=headers, json=body)))
    elif "multipart/form-data" in content:
        fields = {k: v["example"] for k, v in content["multipart/form-data"]["schema"]["properties"].items()
                  if "example" in v}
        files = {}
        for name, link in op["x-imgcloud-example-files"].items():
            got = http.get(link)
            assert got.status_code == 200, f"{op['operationId']}: {link} answers {got.status_code}"
            files[name] = (f"{name}.bin", got.content, got.headers.get("content-type", "application/octet-stream"))
        sent.append(("valid", http.request(method, url, params=query, headers=headers, data=fields, files=files)))
    else:
        assert not op.get("requestBody", {}).get("required"), op["operationId"]
        sent.append(("valid", http.request(method, url, params=query, headers=headers)))
    return sent


def _succeeded(response: httpx.Response) -> str | None:
    """Why ``response`` is not a success (None when it is)."""
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.text[:300]}"
    if "json" not in response.headers.get("content-type", ""):
        return None
    body = response.json()
    if isinstance(body, dict) and "code" in body and body["code"] not in (0, 200):
        return f"code {body['code']}: {body.get('message') or body.get('msg')}"
    if isinstance(body, dict) and body.get("success") == "false":  # 基卫 (004 §3.1)
        return f"errorCode {body.get('errorCode')}: {body.get('errorMsg')}"
    if isinstance(body, dict) and body.get("ok") is False:  # a sandbox action that failed (a C-MOVE, a SOAP call)
        return f"not ok: {str(body)[:300]}"
    if isinstance(body, dict) and "ok" not in body and isinstance(body.get("status"), int) and body["status"] != 0:
        return f"status {body['status']}: {body.get('message')}"  # the regional platform's envelope (004 §3.2)
    rows = body.get("data") if isinstance(body, dict) else None
    if isinstance(rows, list) and any(isinstance(r, dict) and r.get("succFlag") == "-1" for r in rows):
        return f"a row was rejected: {rows}"
    return None


def _why_not(http: httpx.Client, method: str, path: str, op: dict[str, Any]) -> list[str]:
    """Why the operation's examples do not succeed (empty when they all do)."""
    try:
        sent = _sent(http, method, path, op)
    except AssertionError as exc:
        return [str(exc).splitlines()[0]]
    return [f"{op['operationId']} ({name}): {why}" for name, response in sent if (why := _succeeded(response))]


@pytest.mark.parametrize("family", FAMILIES)
def test_every_operation_example_succeeds(world, family):
    with httpx.Client(base_url=world.base, timeout=300) as http:
        spec = http.get(f"/_sandbox/docs/{family}/openapi.json").json()
        failures, sent = [], 0
        for path, item in spec["paths"].items():
            for method in METHODS:
                op = item.get(method)
                if not isinstance(op, dict):
                    continue
                why = _why_not(http, method.upper(), path, op)
                sent += 1
                failures += why
    assert sent and not failures, "\n".join(failures)


def test_the_seed_samples_stay_as_named_examples(world):
    spec = httpx.get(f"{world.base}/_sandbox/docs/nhsa-index/openapi.json", timeout=60).json()
    examples = spec["paths"]["/mie/api/mie/saveExamRpotImgIndx"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    assert list(examples)[:2] == ["valid", "seed-000-sample"]
    valid = examples["valid"]["value"]
    assert valid["infCode"] == "S51080200001" and valid["msgid"].startswith("S51080200001") and len(valid["input"]) == 1
