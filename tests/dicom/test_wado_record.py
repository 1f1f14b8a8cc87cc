"""WADO-URI's exchange record (issue 12): a file sent as stored is recorded by the digest the store
already has (the recorder hashes nothing); one sent in another character-set form is hashed as sent."""
from __future__ import annotations

import hashlib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from starlette.testclient import TestClient

from reference.sandbox import Sandbox
from reference.transports.http import recorder
from sim.localnet import dicom_config
from sim.server import create_app
from tests.dicom.helpers import HOSPITAL, study_in_pacs


def _wado(client: TestClient, instance: Any) -> Any:
    return client.get(f"/hospital/{HOSPITAL}/wado", params={"requestType": "WADO", "studyUID": instance.study_uid,
                                                            "seriesUID": instance.series_uid,
                                                            "objectUID": instance.sop_instance_uid})


@pytest.mark.parametrize("charset", [None, "gb18030"])
def test_a_wado_file_is_recorded_by_the_digest_of_what_was_sent(tmp_path: Path, monkeypatch, charset: str | None) -> None:
    extra = {"hospital": {"dicom_charset": charset}} if charset else {}
    sandbox = Sandbox.open(dicom_config(tmp_path / "home", **extra))
    try:
        _, instances = study_in_pacs(sandbox, "CT", 1)
        hashed: list[bytes] = []

        def sha256(data: bytes = b"") -> Any:
            hashed.append(bytes(data))
            return hashlib.sha256(data)
        monkeypatch.setattr(recorder, "hashlib", SimpleNamespace(sha256=sha256))
        client = TestClient(create_app(sandbox=sandbox))
        for _ in range(2):
            reply = _wado(client, instances[0])
            assert reply.status_code == 200 and reply.content[128:132] == b"DICM"
            sandbox.exchanges.flush()
            record = sandbox.exchanges.query(uid=reply.headers["x-imgcloud-exchange"])[0]["response"]
            assert record["truncated"] and record["size"] == len(reply.content)
            assert record["sha256"] == hashlib.sha256(reply.content).hexdigest()
        stored = sandbox.blobs.get(record["sha256"]) if sandbox.blobs.exists(record["sha256"]) else None
        if charset is None:  # as stored: the store's own address, nothing hashed (the old recorder hashed each)
            assert stored == reply.content and not hashed
        else:  # transcoded: not the stored file, hashed as sent
            assert stored is None and hashed
    finally:
        sandbox.close()
