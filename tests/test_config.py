"""Configuration: the built-in default, merging, and errors that name the key."""
from __future__ import annotations

import pytest

from reference.config import PARTY_IDS, ConfigError, load_config


def test_default_names_every_party(tmp_path, monkeypatch):
    monkeypatch.setenv("IMGCLOUD_HOME", str(tmp_path / "h"))
    config = load_config()
    assert set(config.parties) == set(PARTY_IDS)
    assert all(p.mode == "simulated" for p in config.parties.values())
    assert config.validation.mode == "strict"
    assert config.storage_url == f"sqlite:///{(tmp_path / 'h' / 'sandbox.db').resolve()}"


def test_file_is_merged_over_the_default(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("parties:\n  province_index: {mode: external, base_url: 'http://127.0.0.1:9999'}\nseed: 7\n")
    config = load_config(path)
    assert config.parties["province_index"].mode == "external"
    assert config.parties["hospital"].mode == "simulated"
    assert config.seed == 7 and len(config.institutions) >= 2


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("validation: {mode: loose}\n", "validation.mode"),
        ("parties:\n  hospital: {mode: external}\n", "parties.hospital"),
        ("parties:\n  pharmacy: {mode: simulated}\n", "parties"),
        ("storage: {uri: 'sqlite://'}\n", "storage.uri"),
        ("institutions:\n  - {code: A, name: n, kind: hospital, uscc: short, admdvs: '510802'}\n", "institutions.0.uscc"),
        ("listen: {port: 70000}\n", "listen.port"),
    ],
)
def test_invalid_config_names_the_key(tmp_path, text, key):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert f"  {key}:" in str(err.value)


def test_unreadable_and_malformed_files(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("seed: [1, 2\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)


def test_secrets_are_reproducible_from_the_seed(tmp_path):
    a = load_config(None, home=str(tmp_path))
    b = load_config(None, home=str(tmp_path), seed=a.seed + 1)
    inst = a.institutions[0]
    assert a.secret_for(inst) == load_config(None, home=str(tmp_path)).secret_for(inst)
    assert a.secret_for(inst) != b.secret_for(inst)
