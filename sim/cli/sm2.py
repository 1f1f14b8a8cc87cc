"""``imgcloud sm2 encrypt|decrypt``: produce and check the provincial cloud's SM2 ciphertexts
(``idCardNo``, seeds/003) with the key the sandbox issues from its seed."""
from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from reference.crypto import sm2

from .common import ConfigOption, console, load

app = typer.Typer(help="SM2 (GM/T 0003) helpers for the provincial cloud's idCardNo.", no_args_is_help=True)


class Layout(StrEnum):
    C1C3C2 = "C1C3C2"
    C1C2C3 = "C1C2C3"


class Encoding(StrEnum):
    hex = "hex"
    base64 = "base64"


@app.command("encrypt")
def sm2_encrypt(
    plaintext: Annotated[str, typer.Argument(help="e.g. the resident ID number")],
    public_key: Annotated[str | None, typer.Option(help="Hex public key (default: the sandbox cloud's, from the seed).")] = None,
    layout: Annotated[Layout, typer.Option(help="C1C3C2 (GM/T 0003-2012, the default) or C1C2C3 (old order).")] = Layout.C1C3C2,
    encoding: Annotated[Encoding, typer.Option(help="hex or base64")] = Encoding.hex,
    prefix: Annotated[bool, typer.Option(help="Put the 04 point prefix before C1.")] = True,
    config: ConfigOption = None,
) -> None:
    """Encrypt as an integrator should, to produce an idCardNo the sandbox accepts."""
    key = public_key or sm2.issued_key(load(config)).public_hex
    typer.echo(sm2.encrypt(plaintext, key, layout=layout.value, encoding=encoding.value, prefix=prefix))


@app.command("decrypt")
def sm2_decrypt(
    ciphertext: Annotated[str, typer.Argument(help="hex or base64, with or without the 04 prefix")],
    config: ConfigOption = None,
) -> None:
    """Decrypt with the sandbox cloud's private key, or say exactly why it cannot be."""
    try:
        found = sm2.decrypt(ciphertext, sm2.issued_key(load(config)))
    except sm2.SM2Error as exc:
        console.print(f"[red]{exc.kind}[/red]: {exc.detail}")
        raise typer.Exit(1) from None
    typer.echo(found.plaintext)
    console.print(f"({found.layout}, {found.encoding}, {'with' if found.prefixed else 'without'} the 04 prefix)")
