"""``imgcloud aes encrypt|decrypt``: the primary-care platform's AES/ECB/PKCS5Padding (seeds/004
§3.1.1.3) with the 16-character key the sandbox issued to a hospital."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from reference.crypto import aes
from reference.regional import identity

from .common import ConfigOption, console, load

app = typer.Typer(help="AES helpers for the primary-care platform's param (seeds/004 §3.1).", no_args_is_help=True)


def _key(institution: str | None, key: str | None, config: Path | None) -> str:
    if key:
        return key
    cfg = load(config)
    inst = cfg.institution(institution) if institution else next(iter(identity.hospitals(cfg)), None)
    if inst is None:
        console.print(f"[red]no hospital {institution!r} in the config[/red]")
        raise typer.Exit(2)
    return identity.jiwei_key(cfg, inst)


@app.command("encrypt")
def aes_encrypt(
    text: Annotated[str, typer.Argument(help='the JSON text, e.g. {"medicarecode":"…","yyid00":"0011",…}')],
    institution: Annotated[str | None, typer.Option("--institution", "-i", help="Hospital code (its key).")] = None,
    key: Annotated[str | None, typer.Option(help="A 16-character key instead.")] = None,
    config: ConfigOption = None,
) -> None:
    """aesEncrypt(text, key): base64 of AES/ECB/PKCS5Padding."""
    try:
        typer.echo(aes.encrypt(text, _key(institution, key, config)))
    except aes.AESError as exc:
        console.print(f"[red]{exc.kind}[/red]: {exc.detail}")
        raise typer.Exit(1) from None


@app.command("decrypt")
def aes_decrypt(
    value: Annotated[str, typer.Argument(help="base64")],
    institution: Annotated[str | None, typer.Option("--institution", "-i", help="Hospital code (its key).")] = None,
    key: Annotated[str | None, typer.Option(help="A 16-character key instead.")] = None,
    config: ConfigOption = None,
) -> None:
    """aesDecrypt(value, key), or exactly why it cannot be decrypted."""
    try:
        typer.echo(aes.decrypt(value, _key(institution, key, config)))
    except aes.AESError as exc:
        console.print(f"[red]{exc.kind}[/red]: {exc.detail}")
        raise typer.Exit(1) from None
