"""The provincial index module pulls a registered exam's images from the centre's
``imgDldLink`` (seeds/000 §1.3–1.4; INTERFACES.md flow A): the list, then every file,
each decoded, parsed and checked against its list entry, then cached."""
from __future__ import annotations

from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from reference.rules import Finding
from reference.sandbox import Sandbox
from reference.storage.models import IndexRecord, ProvinceImage
from reference.transports.http.client import shared_client

from .download_client import ImageDownloadClient


def _start(sandbox: Sandbox, hi: str) -> tuple[str, str] | None:
    with sandbox.db.session() as session:
        record = session.get(IndexRecord, hi)
        if record is None or record.deleted_at is not None or not record.row.get("imgDldLink"):
            return None
        record.pull_status = "pulling"
        return str(record.row["imgDldLink"]), record.inf_code


def pull_images(sandbox: Sandbox, hi: str) -> str | None:
    """Pull and cache every image of index ``hi``; the resulting pull status."""
    started = _start(sandbox, hi)
    if started is None:
        return None
    url, centre = started
    client = shared_client(sandbox, party="province_index", family="imaging-centre")
    try:
        downloads = ImageDownloadClient(client, institution=centre)
        entries, findings = downloads.file_list(url, hi)
        images: list[tuple[dict[str, str], bytes]] = []
        for entry in entries:
            reply = downloads.file(url, hi, entry)
            findings += reply.findings
            if reply.ok and reply.dicom is not None:
                images.append((entry, reply.dicom))
    finally:
        client.close()
    return _finish(sandbox, hi, entries, images, findings)


def _finish(sandbox: Sandbox, hi: str, entries: list[dict[str, str]], images: list[tuple[dict[str, str], bytes]],
            findings: list[Finding]) -> str | None:
    """Store the pulled images and the pull's outcome in one short unit of work: the blobs and the
    ``province_images`` rows go in with one statement each (no ORM object, no query per image)."""
    with sandbox.db.session() as session:
        record = session.get(IndexRecord, hi)
        if record is None or record.deleted_at is not None:
            return None  # withdrawn while we pulled: keep nothing
        session.execute(delete(ProvinceImage).where(ProvinceImage.hi_img_indx == hi))
        digests = sandbox.store_blobs(session, [data for _, data in images], "application/dicom")
        now = sandbox.now()
        if images:
            session.connection().execute(insert(ProvinceImage), [
                {"hi_img_indx": hi, "study_uid": entry["examUuid"], "series_uid": entry["snUuid"],
                 "sop_uid": entry["instUuid"], "sha256": digest, "fetched_at": now}
                for (entry, _), digest in zip(images, digests, strict=True)])
        ok = bool(entries) and len(images) == len(entries) and not any(f.is_error for f in findings)
        record.pull_status = "pulled" if ok else "failed"
        record.pull_findings = [f.to_dict() for f in findings]
        record.pulled_at = now
        return record.pull_status


def drop_images(session: Session, hi: str) -> None:
    """The index was withdrawn: its cached images go with it."""
    session.execute(delete(ProvinceImage).where(ProvinceImage.hi_img_indx == hi))
