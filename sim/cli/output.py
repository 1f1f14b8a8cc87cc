"""Listings an integrator can copy from (issue 14): identifiers are never cut.

A listing is rows of named values.  ``--json`` prints them as JSON.  Otherwise they are a table
when every identifier column fits the terminal whole (free text wraps), else one block per row,
each value on a line of its own (``key  value``) printed without inserted line breaks — on an
80-column terminal an 82-character ``hiImgIndx`` is still one line to copy."""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import typer
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

#: Narrowest a free-text column may become in a table before rows are listed as blocks instead.
TEXT_MIN = 12


@dataclass(frozen=True)
class Column:
    key: str
    title: str | None = None
    ident: bool = True  # an identifier (never cut); False: free text that may wrap

    @property
    def heading(self) -> str:
        return self.title or self.key


def console() -> Console:
    """Standard output as rich sees it (``COLUMNS`` respected); never highlights."""
    return Console(highlight=False, soft_wrap=False)


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _fits(rows: Sequence[dict[str, Any]], columns: Sequence[Column], width: int) -> bool:
    need = 1 + 3 * len(columns)  # borders and padding
    for col in columns:
        longest = max([cell_len(col.heading), *(cell_len(as_text(r.get(col.key))) for r in rows)])
        need += longest if col.ident else min(longest, TEXT_MIN)
    return need <= width


def listing(rows: Sequence[dict[str, Any]], columns: Sequence[Column], *, title: str | None = None,
            as_json: bool = False, data: Any = None, label: str | None = None) -> None:
    """Print ``rows``: JSON (``data`` when given, else the rows), a table, or blocks.  ``label``
    names the column whose value heads each block (default: the first)."""
    if as_json:
        print_json(rows if data is None else data)
        return
    out = console()
    if not rows:
        out.print(f"{title}: none" if title else "none", soft_wrap=True)
        return
    if _fits(rows, columns, out.width):
        table = Table(title=title, title_justify="left")
        for col in columns:
            longest = max([cell_len(col.heading), *(cell_len(as_text(r.get(col.key))) for r in rows)])
            table.add_column(col.heading, no_wrap=col.ident, min_width=longest if col.ident else None,
                             overflow="fold")
        for row in rows:
            table.add_row(*(Text(as_text(row.get(col.key))) for col in columns))
        out.print(table)
        return
    blocks(rows, columns, title=title, label=label, out=out)


def blocks(rows: Iterable[dict[str, Any]], columns: Sequence[Column], *, title: str | None = None,
           label: str | None = None, out: Console | None = None) -> None:
    """One block per row: ``key  value`` lines, never broken inside a value."""
    out = out or console()
    if title:
        out.print(title, soft_wrap=True)
    first = label or columns[0].key
    heading = next((c.heading for c in columns if c.key == first), first)
    pad = max(cell_len(c.heading) for c in columns)
    for n, row in enumerate(rows, 1):
        out.print(Text(f"[{n}] {heading} {as_text(row.get(first))}"), soft_wrap=True)
        for col in columns:
            if col.key != first and as_text(row.get(col.key)) != "":
                out.print(Text(f"    {col.heading}{' ' * (pad - cell_len(col.heading))}  {as_text(row.get(col.key))}"),
                          soft_wrap=True)
