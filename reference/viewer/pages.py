"""One renderer for every page: a Jinja2 environment over ``templates/`` (autoescaped), the
error page, and rendered images cached by content address."""
from __future__ import annotations

from collections.abc import Sequence
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from reference.rules import Finding

from .render import render_png


@cache
def _environment() -> Environment:
    return Environment(loader=PackageLoader("reference.viewer", "templates"),
                       autoescape=select_autoescape(default=True), trim_blocks=True, lstrip_blocks=True)


def render_page(template: str, **context: Any) -> str:
    """``templates/<template>`` with ``context``; every value is escaped unless marked safe."""
    return _environment().get_template(template).render(**context)


def error_page(findings: Sequence[Finding], status: int) -> str:
    """What a page answers when it cannot be shown: the findings, in Chinese and English."""
    return render_page("error.html", title=f"{status} 无法显示页面 / cannot show this page", status=status,
                       findings=findings)


@lru_cache(maxsize=512)
def _rendered(path: Path, size: int | None) -> bytes:
    """Content-addressed files never change, so a rendering is cached by the file's path."""
    return render_png(path.read_bytes(), max_size=size)


def image_png(path: Path, size: int | None = None) -> bytes:
    """The DICOM file at ``path`` as a PNG (``size``: longest side, for thumbnails)."""
    return _rendered(path, size)
