"""The gateway reads the hospital's view page by page (seeds/001 §4.1.1): every page an SQL
exchange, the pages together every matching report once, in the order of the type's column."""
from __future__ import annotations

from datetime import datetime, timedelta

from reference.config import GatewaySourceConfig
from reference.families.gateway import reports
from reference.families.hospital_pacs.database import save_reports
from reference.sandbox import Sandbox

BASE = {"accessionNo": "A", "studyUid": "1.2.3", "fixmedinsCode": "H51080200011", "psnName": "张三", "psnCertType": "111",
        "certno": "x", "sex": "1", "modality": "CT", "imgExamItem": "胸部CT平扫"}


def test_pages_cover_every_report_once(config, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'hospital.db'}"
    start = datetime(2026, 11, 1, 8, 0)
    save_reports(url, [{**BASE, "examNo": f"E{i}", "auditTime": f"{start + timedelta(minutes=i):%Y-%m-%d %H:%M:%S}"}
                       for i in range(5)], now=start)
    monkeypatch.setattr(reports, "PAGE_SIZE", 2)
    sandbox = Sandbox.open(config)
    try:
        query = reports.ReportQuery("H51080200011", "3", start, start + timedelta(hours=1))
        pulled = reports._by_view(sandbox, query, GatewaySourceConfig(reports="view", database_url=url))
        reads = sandbox.exchanges.query(operation="View_Pacs_Text_Info")
    finally:
        sandbox.close()
    assert pulled.ok and [r["examNo"] for r in pulled.reports] == [f"E{i}" for i in range(5)]
    assert len(reads) == 3 and all(r["transport"] == "sql" for r in reads)
    assert sorted(r["response"]["rows"] for r in reads) == [1, 2, 2]
