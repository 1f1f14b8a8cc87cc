"""Handlers of ``openapi/imaging-centre.yaml``, one per operationId."""
from __future__ import annotations

from typing import Any

import anyio.to_thread
from connexion.context import context
from starlette.responses import HTMLResponse, Response

from reference.transports.http.validation import REPORT_KEY

from . import download, pages, service


#: The centre a hospital's upload goes to when it posts to the seeds' shared path.
def _default_centre() -> str:
    config = context["sandbox"].config
    return next(i.code for i in config.institutions if i.kind == "imaging_centre")


def saveExamRpotImgInfo(body: Any) -> dict[str, Any]:
    """医疗机构及检查检验机构数据上传服务 — seeds/002 §二."""
    return service.handle(context["sandbox"], context[REPORT_KEY], context["exchange"], _default_centre())


async def imgDld(centreCode: str, body: Any) -> Any:
    """获取影像中心检查图像清单 / 获取影像中心图像 — seeds/000 §1.3.2, §1.4.2 (dispatch on serviceName).

    The indexed query runs in a worker thread (issue 12: nothing that blocks on the event loop —
    a database that stalls, SQLite behind a writer or PostgreSQL over a network, would stall every
    connection of the worker); the reply's bytes come prebuilt from the blob cache.  A reply this
    process already looked up, with no centre exam changed since, is answered on the event loop from
    memory (``download.known_content``: no database, no file read)."""
    known = download.known_content(context["sandbox"], context[REPORT_KEY], context["exchange"], centreCode)
    if known is not None:
        return known
    return await anyio.to_thread.run_sync(download.handle, context["sandbox"], context[REPORT_KEY], context["exchange"],
                                          centreCode)


def reportPage(centreCode: str, accession: str) -> Response:
    """检查报告访问链接 examRpotLinkUrl — seeds/000 §1.1.2 row 71 (sandbox-defined page)."""
    return HTMLResponse(pages.report_page(context["sandbox"], centreCode, accession))


def reportPdf(centreCode: str, accession: str) -> Response:
    """The report PDF the hospital uploaded (examRpotPdfI), as stored."""
    return Response(pages.report_pdf(context["sandbox"], centreCode, accession), media_type="application/pdf")


def imagePage(centreCode: str, accession: str) -> Response:
    """影像资料访问链接 imgInfoLinkUrl — seeds/000 §1.1.2 row 72 (sandbox-defined page)."""
    return HTMLResponse(pages.image_page(context["sandbox"], centreCode, accession))


def imagePng(centreCode: str, accession: str, sopUid: str, size: int | None = None) -> Response:
    """One stored image rendered with its own window/level."""
    png = pages.image_png(context["sandbox"], centreCode, accession, sopUid, size)
    return Response(png, media_type="image/png", headers={"cache-control": "max-age=3600"})
