"""Every script, style and image of the COP page and of ``/docs``, served from installed
packages so that nothing is fetched from another host (issue: offline by construction).

Sources:

- Leaflet 1.9 from the PyPI wheel ``xstatic-leaflet`` (``xstatic.pkg.leaflet.BASE_DIR``);
- Swagger UI from the PyPI wheel ``swagger-ui-bundle`` (``swagger_ui_bundle.swagger_ui_path``);
- the page itself from this package (``gsomia/web/cop/static``).

As served, the text holds no absolute URL (:func:`offline_text`): scripts write ``://`` as
``:\\/\\/`` (the same string in a JavaScript string, template or regular expression literal:
``\\/`` is ``/``; in a comment it is inert), styles write it as ``%3A//`` (percent-decoded
in the ``data:`` URLs where styles use it, RFC 2397; inert in comments), and source-map
comments are dropped. The remaining absolute URLs of those files are XML namespace names
(``http://www.w3.org/2000/svg``: identifiers, never fetched), links in error messages and
comments; Leaflet's attribution link is not shown (the page sets its own attribution).
The browser test (``tests/web/test_cop_browser.py``) records every request the pages make.
"""

from __future__ import annotations

import mimetypes
import re
from functools import lru_cache
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response

from gsomia.errors import InputError

__all__ = ["DOCS_ASSETS", "add_offline_docs", "asset", "offline_text"]

_STATIC = Path(__file__).parent / "static"
#: ``/docs`` assets by served path (each also an open path of :mod:`gsomia.web.app`).
DOCS_ASSETS = {"/docs/swagger-ui-bundle.js": "swagger-ui-bundle.js",
               "/docs/swagger-ui.css": "swagger-ui.css",
               "/docs/favicon.png": "favicon-32x32.png"}
_SCHEME = re.compile(rb"(https?)://", re.IGNORECASE)
_SOURCE_MAP = re.compile(rb"^\s*(//|/\*)# sourceMappingURL=.*$", re.MULTILINE)


def _leaflet_dir() -> Path:
    import xstatic.pkg.leaflet as leaflet

    return Path(leaflet.BASE_DIR)


def _swagger_dir() -> Path:
    import swagger_ui_bundle

    return Path(swagger_ui_bundle.swagger_ui_path)


def offline_text(data: bytes, suffix: str) -> bytes:
    """``data`` of a ``.js``, ``.css`` or ``.html`` file with its absolute URLs neutralised
    (``.js``: ``:\\/\\/``; the others: ``%3A//``) and its source-map comment dropped
    (module notes); other files unchanged."""
    if suffix not in (".js", ".css", ".html"):
        return data
    data = _SOURCE_MAP.sub(b"", data)
    if suffix == ".js":
        return _SCHEME.sub(rb"\1:\\/\\/", data)
    return _SCHEME.sub(rb"\1%3A//", data)


@lru_cache(maxsize=64)
def asset(folder: str, name: str) -> tuple[bytes, str]:
    """``(content, media type)`` of ``name`` in ``folder`` (``"cop"``: the page,
    ``"leaflet"``, ``"swagger"``), as served (:func:`offline_text`).

    Raises:
        InputError: an unknown folder, or a name that is not a file in it (``..`` and
            absolute names included).
    """
    roots = {"cop": lambda: _STATIC, "leaflet": _leaflet_dir, "swagger": _swagger_dir}
    if folder not in roots:
        raise InputError("folder", folder, f"expected one of {', '.join(roots)}")
    root = roots[folder]()
    path = (root / name).resolve()
    if not path.is_file() or root.resolve() not in path.parents or path.suffix == ".map":
        raise InputError("asset", name, f"no such file in {folder}")
    media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix == ".js":
        media = "text/javascript"
    return offline_text(path.read_bytes(), path.suffix), media


def asset_response(folder: str, name: str) -> Response:
    """The asset as a response; 404 naming it when there is none."""
    try:
        content, media = asset(folder, name)
    except InputError as exc:
        return Response(str(exc), status_code=404, media_type="text/plain")
    return Response(content, media_type=media, headers={"Cache-Control": "max-age=3600"})


def add_offline_docs(app: FastAPI) -> None:
    """``/docs`` (Swagger UI of ``app.openapi_url``) with its script, style and icon
    served from ``swagger-ui-bundle`` (:data:`DOCS_ASSETS`); build ``app`` with
    ``docs_url=None, redoc_url=None``."""

    def docs() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} - docs",
            swagger_js_url="/docs/swagger-ui-bundle.js",
            swagger_css_url="/docs/swagger-ui.css", swagger_favicon_url="/docs/favicon.png",
            oauth2_redirect_url=None,
            swagger_ui_parameters={"validatorUrl": None})   # no online validator badge
        return HTMLResponse(offline_text(bytes(page.body), ".html"))

    app.add_api_route("/docs", docs, methods=["GET"], include_in_schema=False)
    for path, name in DOCS_ASSETS.items():
        app.add_api_route(path, lambda name=name: asset_response("swagger", name),
                          methods=["GET"], include_in_schema=False)
