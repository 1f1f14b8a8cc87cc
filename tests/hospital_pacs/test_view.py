"""The view View_Pacs_Text_Info (seeds/001 §4.1.1) in the hospital's own database, created by
migrations, read with each database's own client (sqlite3, psql, mariadb): `SELECT * FROM
View_Pacs_Text_Info` as an integrator types it.  Its columns are the report fields, in the same
order as the migration, the contract's Report schema and reference/collection/report.py."""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from reference.collection import report
from reference.families.hospital_pacs.database import MIGRATIONS, REPORTS, snake
from tests.databases import BACKENDS, client_command, fresh_database

MARKS = {"postgresql": pytest.mark.postgres, "mariadb": pytest.mark.mariadb}
ROOT = Path(__file__).resolve().parents[2]
CLIENTS = {"sqlite": "sqlite3", "postgresql": "psql", "mariadb": "mariadb"}


def test_the_view_the_migration_and_the_contract_agree():
    spec = importlib.util.spec_from_file_location("h0001", MIGRATIONS / "versions" / "h0001_report_view.py")
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert [view for view, _, _ in migration.COLUMNS] == list(report.NAMES)
    assert [column for _, column, _ in migration.COLUMNS] == [snake(n) for n in report.NAMES]
    contract = yaml.safe_load((ROOT / "openapi" / "hospital-pacs.yaml").read_text(encoding="utf-8"))
    assert list(contract["components"]["schemas"]["Report"]["properties"]) == list(report.NAMES)
    assert [c.name for c in REPORTS.columns][1:-2] == [snake(n) for n in report.NAMES]


@pytest.mark.parametrize("backend", [pytest.param(b, marks=MARKS.get(b, ())) for b in BACKENDS])
def test_select_star_with_the_databases_own_client(backend, tmp_path, make_config, make_running):
    client = CLIENTS[backend]
    if shutil.which(client) is None:
        if os.environ.get("CI"):
            pytest.fail(f"{client} is required in CI (tests/run.sh installs it)")
        pytest.skip(f"{client} is not installed")
    with fresh_database(backend, tmp_path) as url:
        running = make_running(make_config(parties={"hospital": {"database_url": url}}))
        exams = running.client.post("/_sandbox/actions/hospital-examine", json={
            "hospital": "H51080200011", "count": 2, "seed": 77, "instancesPerSeries": 1}).json()["exams"]
        argv, env = client_command(backend, url, "SELECT * FROM View_Pacs_Text_Info")
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, env={**os.environ, **env})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    separator = "|" if backend != "mariadb" else "\t"
    assert lines[0].split(separator) == list(report.NAMES)
    body = "\n".join(lines[1:])
    for exam in exams:
        assert exam["accessionNo"] in body and exam["studyUid"] in body and exam["psnName"] in body
    assert f"{datetime.strptime(exams[0]['auditTime'], '%Y-%m-%d %H:%M:%S'):%Y-%m-%d %H:%M:%S}" in body
