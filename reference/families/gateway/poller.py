"""The gateway's schedule (seeds/001 §4.1: "我方调用第三方PACS提供的接口…返回当前入参时间段内的数据"):
every ``poll_seconds`` it pulls, for each hospital it serves, the reports audited (type 3) since
its last run (``gateway_cursors``; the first run looks back 31 days; ``poll_overlap_hours`` re-reads
that much before the cursor, for reports audited before they became visible) and collects them.  One
thread, started with the gateway's storage SCP in the serving process's parent (never per
worker), stopped with it."""
from __future__ import annotations

import logging
import threading
from datetime import timedelta

from reference.sandbox import Sandbox
from reference.storage.models import GatewayCursor

from .collect import collect
from .reports import ReportQuery

logger = logging.getLogger("imgcloud.gateway")
FIRST_LOOKBACK = timedelta(days=31)


class Poller:
    def __init__(self, sandbox: Sandbox, interval: float) -> None:
        self.sandbox, self.interval = sandbox, interval
        self.overlap = timedelta(hours=sandbox.config.parties["gateway"].collection.poll_overlap_hours)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="imgcloud-gateway-poller", daemon=True)

    def start(self) -> Poller:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.run_once()
            except Exception:  # the schedule must survive one bad run
                logger.exception("scheduled collection failed")

    def hospitals(self) -> list[str]:
        settings = self.sandbox.config.parties["gateway"].collection
        return sorted(set(settings.sources) | {settings.hospital})

    def run_once(self) -> list[dict[str, object]]:
        """One run for every hospital: the window since its cursor, up to now."""
        done = []
        for hospital in self.hospitals():
            now = self.sandbox.now()
            with self.sandbox.db.session() as session:
                cursor = session.get(GatewayCursor, hospital)
                start = cursor.until - self.overlap if cursor else now - FIRST_LOOKBACK
            summary = collect(self.sandbox, ReportQuery(hospital, "3", start, now))
            if not summary["findings"]:
                with self.sandbox.db.session() as session:
                    row = session.get(GatewayCursor, hospital) or GatewayCursor(hospital_code=hospital)
                    row.until = now
                    session.add(row)
            done.append(summary)
        return done
