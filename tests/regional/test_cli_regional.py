"""`imgcloud rsa …`, `imgcloud aes …` and what `imgcloud credentials` shows for seeds/004: the
appId, orgId, license and AES key of each hospital, and the platform's RSA public key; a sign
built by the CLI gets a token."""
from __future__ import annotations

import json

from typer.testing import CliRunner

from reference.config import load_config
from reference.crypto import aes, rsa
from reference.regional import identity
from sim.cli import app

runner = CliRunner()


def _run(*args: str, home) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, list(args), env={"IMGCLOUD_HOME": str(home), "COLUMNS": "220"})
    return result.exit_code, result.stdout, result.stderr


def test_credentials_show_what_004_issues(tmp_path):
    config = load_config(None)
    inst = config.institution("H51080200011")
    issued = identity.credentials(config, inst)
    code, table, _ = _run("credentials", home=tmp_path)
    assert code == 0
    for value in (issued["appId"], issued["license"], issued["jiweiKey"], "BEGIN PUBLIC KEY"):
        assert value in table, value
    code, out, _ = _run("credentials", "--json", home=tmp_path)
    data = json.loads(out)
    platform = {c["infCode"]: c for c in data["regional_platform"]["credentials"]}
    assert platform["H51080200011"]["appId"] == issued["appId"] and platform["H51080200011"]["orgId"] == "0011"
    assert platform["H51080200011"]["license"] == issued["license"]
    assert rsa.load_public(data["regional_platform"]["rsa_public_key"]).n == rsa.issued_key(config).n
    assert data["regional_platform"]["endpoints"]["SynApplyInfo (SOAP)"].endswith("/YlzSynInfoService/services/service?wsdl")
    jiwei = {c["infCode"]: c for c in data["jiwei"]["credentials"]}
    assert jiwei["H51080200011"]["aesKey"] == issued["jiweiKey"] and jiwei["H51080200011"]["yyid00"] == "0011"


def test_rsa_sign_gets_a_token(tmp_path, running):
    code, sign, _ = _run("rsa", "sign", "--institution", "H51080200011", home=tmp_path)
    assert code == 0 and len(sign.strip()) == 344
    reply = running.client.post("/openapi/v1/auth/getToken", json={"sign": sign.strip()}).json()
    assert reply["status"] == 0 and reply["result"]["token"]
    code, plain, _ = _run("rsa", "decrypt", sign.strip(), home=tmp_path)
    config = load_config(None)
    assert plain.strip() == ",".join(identity.credentials(config, config.institution("H51080200011"))[k]
                                     for k in ("appId", "orgId", "license"))
    code, oaep, _ = _run("rsa", "sign", "--oaep", home=tmp_path)
    code, _, err = _run("rsa", "decrypt", oaep.strip(), home=tmp_path)
    assert code == 1 and "oaep" in err
    code, pem, _ = _run("rsa", "public-key", home=tmp_path)
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")


def test_aes_round_trip_and_a_short_key(tmp_path):
    code, value, _ = _run("aes", "encrypt", '{"a":1}', "-i", "H51080200012", home=tmp_path)
    assert code == 0
    key = identity.jiwei_key(load_config(None), load_config(None).institution("H51080200012"))
    assert aes.decrypt(value.strip(), key) == '{"a":1}'
    code, plain, _ = _run("aes", "decrypt", value.strip(), "-i", "H51080200012", home=tmp_path)
    assert plain.strip() == '{"a":1}'
    code, _, err = _run("aes", "encrypt", "x", "--key", "short", home=tmp_path)
    assert code == 1 and "16" in err
