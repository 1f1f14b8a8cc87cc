"""The SQL transport (reference/transports/sql) on SQLite, PostgreSQL and MariaDB: reads bounded
(rows, time) and recorded as exchanges with transport sql, every failure named by the one
boundary, the verdict from the sql table."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, literal_column, select

from reference.families.hospital_pacs.database import VIEW, save_reports
from reference.sandbox import Sandbox
from reference.transports.sql import SqlClient, masked_url
from tests.databases import BACKENDS, fresh_database

MARKS = {"postgresql": pytest.mark.postgres, "mariadb": pytest.mark.mariadb}
REPORT = {"examNo": "1", "accessionNo": "A1", "studyUid": "1.2.3", "fixmedinsCode": "H1", "psnName": "张三",
          "psnCertType": "111", "certno": "x", "sex": "1", "modality": "CT", "imgExamItem": "胸部CT平扫",
          "auditTime": "2026-11-01 10:00:00", "age": 42.2, "brdy": "1984-08-14", "imageUrls": ["http://a", "http://b"]}
SLOW = {
    "postgresql": select(func.pg_sleep(5)),
    "mariadb": select(func.sleep(5)),
    "sqlite": select(literal_column("(WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
                                    "SELECT max(x) FROM (SELECT x FROM c LIMIT 2000000000))")),
}


@pytest.fixture(params=[pytest.param(b, marks=MARKS.get(b, ())) for b in BACKENDS])
def view_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A hospital database of each backend holding two reports in its view."""
    with fresh_database(request.param, tmp_path) as url:
        save_reports(url, [REPORT, {**REPORT, "examNo": "2", "accessionNo": "A2"}], now=datetime(2026, 11, 20))
        yield request.param, url


@pytest.fixture
def sandbox(config) -> Iterator[Sandbox]:
    opened = Sandbox.open(config)
    yield opened
    opened.close()


def _client(sandbox: Sandbox, url: str, **kw) -> SqlClient:  # type: ignore[no-untyped-def]
    return SqlClient(sandbox, url, party="gateway", family="hospital-pacs", **kw)


def test_a_read_is_an_exchange(view_url, sandbox):
    backend, url = view_url
    result = _client(sandbox, url).select(select(VIEW).where(VIEW.c.fixmedinsCode == "H1").order_by(VIEW.c.examNo),
                                          operation="View_Pacs_Text_Info", institution="H1")
    assert result.ok and [r["examNo"] for r in result.rows] == ["1", "2"]
    assert result.rows[0]["psnName"] == "张三" and result.rows[0]["auditTime"] == "2026-11-01 10:00:00"
    assert result.rows[0]["age"] == 42.2 and result.rows[0]["imageUrls"] == "http://a|http://b"
    assert result.columns[:3] == ["examNo", "accessionNo", "studyUid"]
    entry = sandbox.exchanges.query(uid=result.exchange)[0]
    assert (entry["transport"], entry["direction"], entry["method"], entry["verdict"]) == ("sql", "outbound", "SELECT", "pass")
    assert entry["status"] == 0 and entry["operation"] == "View_Pacs_Text_Info" and entry["institution"] == "H1"
    assert "View_Pacs_Text_Info" in entry["request"]["sql"] and "H1" in entry["request"]["params"].values()
    assert entry["response"]["rows"] == 2 and entry["response"]["json"][1]["accessionNo"] == "A2"


def test_reads_are_bounded_by_rows(view_url, sandbox):
    _, url = view_url
    result = _client(sandbox, url, max_rows=1).select(select(VIEW).order_by(VIEW.c.examNo), operation="View_Pacs_Text_Info")
    assert result.ok and result.truncated and [r["examNo"] for r in result.rows] == ["1"]


def test_a_row_over_the_byte_bound_is_refused(view_url, sandbox):
    _, url = view_url
    result = _client(sandbox, url, max_bytes=10).select(select(VIEW), operation="View_Pacs_Text_Info")
    assert not result.ok and result.rows == [] and [f.rule for f in result.findings] == ["SQL-ROW-TOO-LARGE"]


def test_a_slow_statement_times_out(view_url, sandbox):
    backend, url = view_url
    result = _client(sandbox, url, timeout=0.5).select(SLOW[backend], operation="slow")
    assert result.status is None and [f.rule for f in result.findings] == ["SQL-TIMEOUT"], result.findings
    assert sandbox.exchanges.query(uid=result.exchange)[0]["verdict"] == "error"


def test_a_missing_view_is_named(tmp_path, sandbox):
    with fresh_database("sqlite", tmp_path) as url:
        Path(url.removeprefix("sqlite:///")).touch()
        result = _client(sandbox, url).select(select(VIEW), operation="View_Pacs_Text_Info")
    assert result.status == 1 and [f.rule for f in result.findings] == ["SQL-NO-OBJECT"]
    assert "View_Pacs_Text_Info" in result.findings[0].en
    assert sandbox.exchanges.query(uid=result.exchange)[0]["verdict"] == "fail"


@pytest.mark.parametrize("url", ["postgresql+psycopg://postgres@127.0.0.1:1/test",
                                 "mysql+pymysql://root:secret@127.0.0.1:1/test", "sqlite:////no/such/dir/h.db"])
def test_an_unreachable_database_is_named_and_its_password_never_shown(url, sandbox):
    result = _client(sandbox, url, timeout=2).select(select(func.count()), operation="View_Pacs_Text_Info")
    assert result.status is None and [f.rule for f in result.findings] == ["SQL-UNREACHABLE"]
    entry = sandbox.exchanges.query(uid=result.exchange)[0]
    assert entry["verdict"] == "error" and "secret" not in str(entry)


def test_a_bad_url_is_named(sandbox):
    result = _client(sandbox, "nosuchdb://x/y").select(select(func.count()), operation="View_Pacs_Text_Info")
    assert [f.rule for f in result.findings] == ["SQL-URL"]


def test_masked_url():
    assert masked_url("mysql+pymysql://root:secret@h:3306/db") == "mysql+pymysql://root:***@h:3306/db"
    assert masked_url("sqlite:////tmp/h.db") == "sqlite:////tmp/h.db"
