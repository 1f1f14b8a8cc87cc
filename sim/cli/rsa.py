"""``imgcloud rsa sign|decrypt``: build and check the regional platform's getToken ``sign``
(seeds/004 §3.2.2.5) with the key the sandbox issues from its seed."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from reference.crypto import rsa
from reference.regional import identity

from .common import ConfigOption, console, load

app = typer.Typer(help="RSA helpers for the regional platform's getToken sign (seeds/004).", no_args_is_help=True)


@app.command("sign")
def rsa_sign(
    institution: Annotated[str | None, typer.Option("--institution", "-i",
                                                    help="Hospital code: its appId, orgId and license.")] = None,
    app_id: Annotated[str | None, typer.Option(help="appId (default: the institution's).")] = None,
    org_id: Annotated[str | None, typer.Option(help="orgId (default: the institution's).")] = None,
    license_: Annotated[str | None, typer.Option("--license", help="license (default: the institution's).")] = None,
    time: Annotated[bool, typer.Option("--time", help="Append ,time (now, YYYY-MM-DD HH24:MI:SS).")] = False,
    public_key: Annotated[Path | None, typer.Option(help="PEM file (default: the sandbox platform's key).")] = None,
    oaep: Annotated[bool, typer.Option(help="OAEP padding instead of PKCS#1 v1.5 (to see the platform name it).")] = False,
    config: ConfigOption = None,
) -> None:
    """Encrypt appId,orgId,license[,time] with the platform's public key: the getToken sign."""
    cfg = load(config)
    inst = cfg.institution(institution) if institution else next(iter(identity.hospitals(cfg)), None)
    if inst is None and not (app_id and org_id and license_):
        console.print(f"[red]no hospital {institution!r} in the config; give --app-id, --org-id and --license[/red]")
        raise typer.Exit(2)
    fields = [app_id or (identity.app_id(cfg, inst) if inst else ""), org_id or (identity.regional_code(inst) if inst else ""),
              license_ or (identity.license_for(cfg, inst) if inst else "")]
    if time:
        fields.append(f"{datetime.now():%Y-%m-%d %H:%M:%S}")
    key = rsa.load_public(public_key.read_text()) if public_key else rsa.issued_key(cfg).public_key()
    typer.echo(rsa.encrypt_sign(",".join(fields), key, padding="oaep" if oaep else "pkcs1"))


@app.command("decrypt")
def rsa_decrypt(
    sign: Annotated[str, typer.Argument(help="base64")],
    config: ConfigOption = None,
) -> None:
    """Decrypt a sign with the sandbox platform's private key, or say exactly why it cannot be."""
    try:
        typer.echo(rsa.decrypt_sign(sign, rsa.issued_key(load(config))))
    except rsa.SignError as exc:
        console.print(f"[red]{exc.kind}[/red]: {exc.detail}")
        raise typer.Exit(1) from None


@app.command("public-key")
def rsa_public_key(config: ConfigOption = None) -> None:
    """The platform's public key (PEM)."""
    typer.echo(rsa.public_pem(load(config)), nl=False)
