"""What every ``imgcloud`` command shares: the error console, the ``--config`` option, loading
the configuration with a message that names the key (exit 2)."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from reference.config import Config, ConfigError, load_config

console = Console(stderr=True)

ConfigOption = Annotated[Path | None, typer.Option("--config", "-c", help="YAML merged over the built-in default.")]


def load(config: Path | None, **overrides: object) -> Config:
    try:
        return load_config(config, **overrides)
    except ConfigError as exc:
        console.print(f"[red]{exc}[/red]", soft_wrap=True, markup=True, highlight=False)
        raise typer.Exit(2) from None

