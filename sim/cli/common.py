"""What every ``imgcloud`` command shares: the error console, the ``--config`` option, loading
the configuration with a message that names the key (exit 2), and calling a sandbox's control
API (with the admin token; unreachable: exit 2, refused: the reply and exit 1)."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from reference.config import Config, ConfigError, load_config

if TYPE_CHECKING:
    import httpx

console = Console(stderr=True)

ConfigOption = Annotated[Path | None, typer.Option("--config", "-c", help="YAML merged over the built-in default.")]


def load(config: Path | None, **overrides: object) -> Config:
    try:
        return load_config(config, **overrides)
    except ConfigError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None


def sandbox_client(cfg: Config, base: str, *, timeout: float = 600) -> httpx.Client:
    """A client of the sandbox at ``base`` that sends the admin token its control API may ask for."""
    import httpx

    return httpx.Client(base_url=base.rstrip("/"), timeout=timeout, headers={"X-Imgcloud-Admin": cfg.admin_token()})


def post_action(http: httpx.Client, path: str, body: dict[str, Any]) -> Any:
    """``POST`` a control action; its JSON reply, or the command ends (2 unreachable, 1 refused)."""
    import httpx

    try:
        reply = http.post(path, json=body)
    except httpx.HTTPError as exc:
        console.print(f"[red]cannot reach the sandbox at {http.base_url}: {exc}[/red] (start it with: imgcloud serve)")
        raise typer.Exit(2) from None
    if reply.status_code != 200:
        console.print(f"[red]{reply.text}[/red]")
        raise typer.Exit(1)
    return reply.json()
