"""File downloads: one place for the Content-Disposition header with a Chinese file name (RFC 5987)."""
from __future__ import annotations

from urllib.parse import quote

from flask import Response

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"


def download(content: bytes | str, filename: str, mimetype: str, inline: bool = False) -> Response:
    disposition = "inline" if inline else "attachment"
    return Response(content, mimetype=mimetype,
                    headers={"Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(filename)}"})
