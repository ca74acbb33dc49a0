"""A file the pages and the API hand over (XML, DANFE): named for the person's folder, and never kept by a cache."""

from __future__ import annotations

from fastapi.responses import Response


def download(data: bytes, media_type: str, filename: str, inline: bool = False) -> Response:
    """`inline`: shown by the browser (a PDF) rather than saved."""
    disposition = "inline" if inline else "attachment"
    # no-store: the files name the customer (CPF, address); no proxy or shared cache keeps a copy.
    return Response(data, media_type=media_type,
                    headers={"Content-Disposition": f'{disposition}; filename="{filename}"',
                             "Cache-Control": "no-store"})
