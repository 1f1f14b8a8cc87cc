"""``imgcloud gateway …``: drive the gateway of a running sandbox (flow B, seeds/001) and build or
check the viewing plug-in's launch strings.

- ``pull``: collect now (reports by window or exam number, studies by C-MOVE or WADO, upload);
- ``qr ACCESSION``: the film URL (``qrurl``), the QR code as a PNG (``qrcode``), shown in the terminal;
- ``launch-string``: build the CS / BS / HTTP launch string of 001 §4.4.3.1, or ``--check`` one.
"""
from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from .common import ConfigOption, console, load
from .output import Column, listing
from .remote import call, sandbox_http

app = typer.Typer(help="Drive the gateway (前置机, flow B) and its plug-in launch strings.", no_args_is_help=True)


def _client(target: str | None, config: Path | None) -> Any:
    from reference.parties import base_url

    cfg = load(config)
    return sandbox_http(cfg, target or base_url(cfg, "gateway"), timeout=600)


#: The columns of ``imgcloud gateway pull`` (identifiers never cut, issue 14).
PULL_COLUMNS = [Column("examNo"), Column("accessionNo"), Column("status"), Column("images"), Column("hiImgIndx / findings")]
#: What a pulled exam may end as without the pull failing: collected now or before, refunded, or
#: deleted by the hospital (001 §4.5: not collected again).
PULL_FINE = ("uploaded", "refunded", "deleted")


@app.command("pull")
def gateway_pull(
    hospital: Annotated[str | None, typer.Option(help="The hospital to collect from (default: the gateway's).")] = None,
    source: Annotated[str | None, typer.Option(help="http | view (default per hospital in the config).")] = None,
    images: Annotated[str | None, typer.Option(help="move | wado (default per hospital in the config).")] = None,
    report_type: Annotated[str, typer.Option("--type", help="1 examined, 2 refunded, 3 audited, 4 modified.")] = "3",
    days: Annotated[int, typer.Option(min=1, max=93, help="The window: the last N days up to now.")] = 31,
    exam_no: Annotated[str | None, typer.Option("--exam-no", help="One exam by its unique number (no window).")] = None,
    no_upload: Annotated[bool, typer.Option("--no-upload", help="Collect only; do not upload to the centre.")] = False,
    target: Annotated[str | None, typer.Option(help="The gateway's sandbox (default: from the config).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole reply as JSON.")] = False,
    config: ConfigOption = None,
) -> None:
    """Pull reports now, retrieve their studies, upload them (001 §4.1–4.2); exit 1 when an exam
    could not be collected (invalid, mismatch, incomplete, upload failed)."""
    body = {"type": report_type, "days": days, "upload": not no_upload,
            **{k: v for k, v in (("hospital", hospital), ("source", source), ("images", images),
                                 ("examNo", exam_no)) if v}}
    with _client(target, config) as http:
        result = call(http, "POST", "/_sandbox/actions/gateway-pull", json=body)
    rows = [{**exam, "images": exam["instances"],
             "hiImgIndx / findings": exam.get("hiImgIndx") or "; ".join(f["rule"] for f in exam["findings"])}
            for exam in result["exams"]]
    listing(rows, PULL_COLUMNS, title=f"{result['hospital']}: {result['reports']} reports ({result['source']}, "
                                      f"images by {result['images']})", as_json=as_json, data=result)
    for finding in result["findings"]:
        console.print(f"[yellow][{finding['rule']}] {finding['zh']} / {finding['en']}[/yellow]")
    if result["findings"] or any(e["status"] not in PULL_FINE for e in result["exams"]):
        raise typer.Exit(1)


@app.command("qr")
def gateway_qr(
    accession: Annotated[str, typer.Argument(help="The exam's accession number (accessNumber).")],
    modality: Annotated[str, typer.Option(help="Its modality (检查模式).")] = "CT",
    hospital: Annotated[str, typer.Option(help="hospitalId.")] = "H51080200011",
    png: Annotated[Path | None, typer.Option(help="Write the QR code PNG (qrcode) here.")] = None,
    target: Annotated[str | None, typer.Option(help="The gateway's sandbox (default: from the config).")] = None,
    config: ConfigOption = None,
) -> None:
    """The patient's film URL for an accession (001 §4.3 qrurl), and its QR code (qrcode)."""
    import segno

    query = {"accessNumber": accession, "modality": modality, "hospitalId": hospital}
    with _client(target, config) as http:
        url_reply = http.get("/getway/reportAndFilm/api/qrurl", params=query).json()
        if url_reply.get("code") != 200:
            console.print(f"[red]{json.dumps(url_reply, ensure_ascii=False)}[/red]")
            raise typer.Exit(1)
        typer.echo(url_reply["data"])
        if png is not None:
            code_reply = http.get("/getway/reportAndFilm/api/qrcode", params=query).json()
            png.write_bytes(base64.b64decode(code_reply["data"]))
            console.print(f"QR code (扫描查看数字影像) written to {png}")
    segno.make_qr(url_reply["data"], error="m").terminal(compact=True)


@app.command("launch-string")
def gateway_launch_string(
    check: Annotated[str | None, typer.Option("--check", help="Parse and check this launch string instead.")] = None,
    form: Annotated[str, typer.Option(help="cs, bs or http.")] = "bs",
    his_user_id: Annotated[str, typer.Option("--his-user-id")] = "1001",
    login_type: Annotated[str, typer.Option("--type", help="1 login, 2 logout.")] = "1",
    doctor_name: Annotated[str, typer.Option("--doctor-name")] = "张医生",
    department: Annotated[str, typer.Option()] = "放射科",
    department_code: Annotated[str | None, typer.Option("--department-code")] = None,
    doctor_sex: Annotated[str, typer.Option("--doctor-sex")] = "1",
    doctor_type: Annotated[str, typer.Option("--doctor-type")] = "1",
    doctor_code: Annotated[str, typer.Option("--doctor-code")] = "D51080200001",
    doctor_id_card: Annotated[str | None, typer.Option(
        "--doctor-id-card", help="In clear: SM2-encrypted with the imaging cloud's key.")] = None,
    hospital: Annotated[str, typer.Option("--hospital-id")] = "H51080200012",
    phone: Annotated[str | None, typer.Option("--phone-number")] = None,
    exe: Annotated[str, typer.Option(help="The plug-in's path (CS form).")] = "C:/Program Files/IUPlugin/IUPlugin.exe",
    base: Annotated[str | None, typer.Option(help="The gateway's base URL (HTTP form; default from the config).")] = None,
    config: ConfigOption = None,
) -> None:
    """Build the viewing plug-in's launch string (001 §4.4.3.1: CS, BS WYHT://, HTTP /hrball/), or check one."""
    from reference.crypto import sm2
    from reference.families.gateway import plugin
    from reference.parties import base_url

    cfg = load(config)
    if check is not None:
        parsed = plugin.parse_launch(check)
        values, findings = (plugin.check(parsed.values, cfg.validation.mode, parsed.findings)
                            if parsed.form else ({}, parsed.findings))
        if values.get("doctorIdCardNo"):
            findings += plugin.decrypt_id(cfg, values["doctorIdCardNo"], "doctorIdCardNo")[1]
        typer.echo(json.dumps({"form": parsed.form, "exe": parsed.exe, "parameters": values,
                               "findings": [f.text() for f in findings]}, ensure_ascii=False, indent=2))
        raise typer.Exit(1 if any(f.is_error for f in findings) else 0)
    if form not in plugin.FORMS:
        console.print(f"[red]--form must be one of {', '.join(plugin.FORMS)}[/red]")
        raise typer.Exit(2)
    values = {"hisUserId": his_user_id, "type": login_type, "doctorName": doctor_name, "department": department,
              "departmentCode": department_code, "doctorSex": doctor_sex, "doctorType": doctor_type,
              "doctorCode": doctor_code, "hospitalId": hospital, "phoneNumber": phone,
              "doctorIdCardNo": sm2.encrypt(doctor_id_card, sm2.issued_key(cfg).public_key) if doctor_id_card else None}
    typer.echo(plugin.build({k: v for k, v in values.items() if v}, form, exe=exe,
                            base=base or base_url(cfg, "gateway")))
