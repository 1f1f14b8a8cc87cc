"""Commands that talk to a running sandbox (``imgcloud exams``, ``tour``, ``hospital upload``):
its base URL, the admin token, and failures said in one line."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import httpx
import typer

from reference.config import Config

from .common import console

TargetOption = Annotated[str | None, typer.Option(help="A running sandbox (default: the config's public URL).")]


@contextmanager
def sandbox_http(cfg: Config, target: str | None, timeout: float = 60) -> Iterator[httpx.Client]:
    base = (target or cfg.public_url).rstrip("/")
    with httpx.Client(base_url=base, timeout=timeout, headers={"X-Imgcloud-Admin": cfg.admin_token()}) as http:
        yield http


def call(http: httpx.Client, method: str, path: str, **kwargs: Any) -> Any:
    """The JSON reply of a sandbox endpoint, or a one-line error and exit (2: unreachable, 1: refused)."""
    try:
        reply = http.request(method, path, **kwargs)
    except httpx.HTTPError as exc:
        console.print(f"[red]cannot reach the sandbox at {http.base_url}: {exc}[/red]\n"
                      "  Start it with: imgcloud serve (or point at it with --target URL)", soft_wrap=True)
        raise typer.Exit(2) from None
    if reply.status_code != 200:
        try:
            body = reply.json()
            text = body.get("message") or body.get("msg") or reply.text
        except ValueError:
            text = reply.text
        console.print(f"[red]{method} {path}: {reply.status_code} {text}[/red]", soft_wrap=True, markup=False)
        raise typer.Exit(1)
    return reply.json()
