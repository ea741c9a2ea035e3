"""Documents as PDF (A4, WeasyPrint): the one renderer.

``render_pdf`` is the only way to WeasyPrint: HTML in, PDF bytes out, for the plan,
the dossier export and the No Blame printables. A document may use the project's
own static files and ``data:`` URLs, nothing else: no network, no other file on
the server. Its stylesheets are parsed and its fonts loaded once per process.

Each document's own content lives with its app (``plans.documents``,
``dossier.export``, ``noblame.printables``); storing a PDF is a service's job.
"""

import atexit
import mimetypes
import threading
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation

# --- the renderer --------------------------------------------------------------------------

# Per set of stylesheets, one font configuration and the stylesheets parsed with it, kept
# for every render of the process. Fonts of one set never reach another, so what a document
# looks like does not depend on what was rendered before it. WeasyPrint (Pango) does not
# promise that these may be used by two threads at once, so a render holds the lock;
# documents are made seldom enough for one at a time per process.
_prepared_sets: dict[tuple[str, ...], tuple] = {}
_lock = threading.Lock()
# Let go of the fonts before the interpreter tears WeasyPrint down.
atexit.register(_prepared_sets.clear)


def _static_prefix() -> str:
    """The path of STATIC_URL ("/static/"): what ``{% static %}`` puts before a name."""
    return "/" + urlsplit(settings.STATIC_URL).path.strip("/") + "/"


@cache
def _static_roots() -> tuple[Path, ...]:
    """The folders the staticfiles finders look in."""
    return tuple(
        Path(storage.location).resolve()
        for finder in finders.get_finders()
        for storage in getattr(finder, "storages", {}).values()
    )


def static_file(url: str) -> Path | None:
    """The project's static file a ``file:`` URL points at, if it is one.

    The URL is a file in a folder of the staticfiles finders (a stylesheet's font next
    to it), or ``file:///static/<name>``: a ``{% static %}`` URL or a name relative to
    the document, which the finders look up.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        return None
    path = Path(url2pathname(parts.path))
    resolved = path.resolve()
    if resolved.is_file() and any(resolved.is_relative_to(root) for root in _static_roots()):
        return resolved
    prefix = _static_prefix()
    if path.as_posix().startswith(prefix):
        try:
            found = finders.find(path.as_posix().removeprefix(prefix))
        except SuspiciousFileOperation:  # "../" out of the static folders
            return None
        if not found:
            found = _unhashed(path.as_posix().removeprefix(prefix))
        if found:
            return Path(found).resolve()
    return None


def _unhashed(name: str) -> str | None:
    """The source file of a hashed static name (``css/plan.55e7cbb9ba48.css``, what
    ``{% static %}`` gives in production), looked up in the collectstatic manifest."""
    from django.contrib.staticfiles.storage import staticfiles_storage

    hashed_files = getattr(staticfiles_storage, "hashed_files", None)
    if not hashed_files:
        return None
    for original, hashed in hashed_files.items():
        if hashed == name:
            try:
                return finders.find(original)
            except SuspiciousFileOperation:
                return None
    return None


@cache
def _fetcher():
    """The WeasyPrint URL fetcher for the project's static files and ``data:`` URLs only.

    Anything else (http, https, ftp, any other file) is refused with an error, which
    WeasyPrint reports and renders as a missing resource: no request ever leaves."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if urlsplit(url).scheme.lower() == "data":
                return super().fetch(url, headers)
            path = static_file(url)
            if path is None:
                raise ValueError(f"Not one of the project's static files: {url[:200]}")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(
                path.as_uri(), path.read_bytes(), headers={"Content-Type": content_type}
            )

    return StaticOnlyFetcher(allowed_protocols=("data", "file"))


def _prepared(stylesheets: tuple[str, ...]):
    """The font configuration for ``stylesheets`` (names of static files) and those
    stylesheets parsed, their fonts loaded: only the first time. Call holding the lock."""
    if stylesheets not in _prepared_sets:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        font_config, sheets = FontConfiguration(), []
        for name in stylesheets:
            path = finders.find(name)
            if not path:
                raise FileNotFoundError(f"No static file {name!r} for a document.")
            sheets.append(CSS(filename=path, url_fetcher=_fetcher(), font_config=font_config))
        _prepared_sets[stylesheets] = (font_config, sheets)
    return _prepared_sets[stylesheets]


def render_pdf(html: str, *, stylesheets: tuple[str, ...] = ()) -> bytes:
    """``html`` as PDF bytes, styled by ``stylesheets`` (names of static files) on top of
    its own ``<style>``. Relative URLs in ``html`` are names of static files; the title,
    language and page numbers come from the HTML as they are."""
    from PIL import ImageFile
    from weasyprint import HTML  # slow to import: only when a PDF is made

    # WeasyPrint's import makes Pillow accept truncated images in the whole process, and
    # with it the upload check (cases.uploads). Our documents hold no image that is not
    # whole, so Pillow stays strict.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    with _lock:
        font_config, sheets = _prepared(tuple(stylesheets))
        document = HTML(string=html, base_url=f"file://{_static_prefix()}", url_fetcher=_fetcher())
        return document.write_pdf(stylesheets=sheets, font_config=font_config)
