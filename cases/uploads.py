"""The one check for every uploaded file: evidence, plan scans, drawn signatures and the
No Blame letter or drawing.

What a file is comes from its content (its first bytes), never from its name or the
content type the browser sent: an .exe renamed .png is refused, and a PDF named .png
is kept and served as the PDF it is. Images are opened and decoded with Pillow, so a
damaged or truncated one is refused too; a PDF must start with ``%PDF-``. Every kind
has a size cap. A file is stored under a random name (``stored_name``) and served later
with the detected type (``CheckedUpload.content_type``, or ``sniff`` on the stored file),
downloaded under a name made of the case reference and a kind (``download_name``), never
under the name it was uploaded with. A service that writes a file together with rows
writes it through ``files_with_rows``, so a failed transaction leaves no file behind.
"""

import hashlib
import struct
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.http import FileResponse
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Kind:
    name: str
    magic: bytes
    content_type: str
    extension: str
    label: str
    pillow_format: str | None = None  # None: not an image


KINDS = {
    kind.name: kind
    for kind in (
        Kind("png", b"\x89PNG\r\n\x1a\n", "image/png", ".png", "PNG", "PNG"),
        Kind("jpeg", b"\xff\xd8\xff", "image/jpeg", ".jpg", "JPEG", "JPEG"),
        Kind("pdf", b"%PDF-", "application/pdf", ".pdf", "PDF"),
    )
}
# What a file name claims, only to word a refusal ("x.png is geen echt PNG-bestand").
CLAIMED = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".pdf": "pdf"}

MAX_BYTES = 10 * 1024 * 1024
# An A4 page scanned at 600 dpi is 35 megapixels; decoding more than this is a bomb.
MAX_PIXELS = 50_000_000
HEAD_BYTES = max(len(kind.magic) for kind in KINDS.values())

# Pillow reports a damaged image in many ways.
_BROKEN_IMAGE = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error)


def _messages() -> dict[str, str]:
    # Built per call: the messages are translated in the language of the request.
    return {
        "empty": _("%(name)s is leeg."),
        "too_big": _("%(name)s is groter dan %(limit)s."),
        "not_allowed": _("%(name)s: dit soort bestand kan hier niet worden bewaard."),
        "not_real": _("%(name)s is geen echt %(kind)s-bestand."),
        "unreadable": _("%(name)s kan niet worden gelezen; het bestand is beschadigd."),
        "too_many_pixels": _("%(name)s is een te grote afbeelding."),
    }


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed ``check_upload``: what it is and how to serve it."""

    kind: str
    content_type: str
    extension: str
    size: int
    sha256: str
    dimensions: tuple[int, int] | None = None  # width and height of an image


def kind_of(head: bytes) -> Kind | None:
    """The kind of file that starts with ``head``, if it is one we know."""
    for kind in KINDS.values():
        if head.startswith(kind.magic):
            return kind
    return None


def sniff(handle) -> Kind | None:
    """The kind of an open stored file, read from its first bytes; the position is kept at 0."""
    handle.seek(0)
    head = handle.read(HEAD_BYTES)
    handle.seek(0)
    return kind_of(head)


def _limit(max_bytes: int) -> str:
    if max_bytes >= 1024 * 1024:
        return f"{max_bytes / (1024 * 1024):g} MB"
    return f"{max_bytes / 1024:g} kB"


def check_upload(
    upload,
    *,
    kinds=("png", "jpeg", "pdf"),
    max_bytes: int = MAX_BYTES,
    max_pixels: int = MAX_PIXELS,
    error_messages: dict | None = None,
) -> CheckedUpload:
    """Check ``upload`` (an uploaded ``File``, or ``bytes``) by its content.

    Raises a Dutch ``ValidationError`` whose ``code`` says why: ``empty``, ``too_big``,
    ``not_allowed`` (none of ``kinds``), ``not_real`` (the name says one of ``kinds``, the
    content says otherwise), ``unreadable`` (a damaged image) or ``too_many_pixels``.
    ``error_messages`` replaces the wording per code; ``%(name)s`` is the upload's name.
    """
    if isinstance(upload, bytes | bytearray):
        upload = ContentFile(bytes(upload), name="")
    name = PurePath(upload.name or "").name
    messages = {**_messages(), **(error_messages or {})}

    def refuse(code, **params):
        # Django fills in the params when the message is shown.
        return ValidationError(messages[code], code=code, params={"name": name, **params})

    if not upload.size:
        raise refuse("empty")
    if upload.size > max_bytes:
        raise refuse("too_big", limit=_limit(max_bytes))
    kind = sniff(upload)
    if kind is None or kind.name not in kinds:
        claimed = CLAIMED.get(PurePath(name).suffix.lower())
        if claimed in kinds:
            raise refuse("not_real", kind=KINDS[claimed].label)
        raise refuse("not_allowed")

    digest, size = hashlib.sha256(), 0
    for chunk in upload.chunks():
        digest.update(chunk)
        size += len(chunk)
    upload.seek(0)
    if size > max_bytes:  # the size the client announced was not the real one
        raise refuse("too_big", limit=_limit(max_bytes))

    dimensions = None
    if kind.pillow_format is not None:
        dimensions = _check_image(upload, kind, max_pixels, refuse)
    return CheckedUpload(
        kind=kind.name,
        content_type=kind.content_type,
        extension=kind.extension,
        size=size,
        sha256=digest.hexdigest(),
        dimensions=dimensions,
    )


def _check_image(upload, kind: Kind, max_pixels: int, refuse) -> tuple[int, int]:
    """Open the image twice: ``verify()`` checks its structure (PNG checksums), loading it
    finds what ``verify()`` does not look at (a JPEG cut short). Its size in pixels is
    checked before anything is decoded."""
    from PIL import Image, ImageFile

    # Importing WeasyPrint tells Pillow, process-wide, to accept truncated images; a check
    # must not (cases.documents undoes it too, so every render sees the same Pillow).
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with Image.open(upload, formats=[kind.pillow_format]) as image:
            dimensions = image.size
            if dimensions[0] * dimensions[1] > max_pixels:
                raise refuse("too_many_pixels")
            image.verify()
        upload.seek(0)
        with Image.open(upload, formats=[kind.pillow_format]) as image:
            # A JPEG decodes at an eighth of its size here: the whole file is still read.
            image.draft(image.mode, (image.width // 8 or 1, image.height // 8 or 1))
            image.load()
    except Image.DecompressionBombError:
        raise refuse("too_many_pixels") from None
    except _BROKEN_IMAGE:
        raise refuse("unreadable") from None
    finally:
        upload.seek(0)
    return dimensions


def stored_name(prefix: str) -> str:
    """A random name under ``prefix`` for a stored file: the upload's own name (which may
    name a pupil) stays in the database, never in a path."""
    return f"{prefix.strip('/')}/{uuid.uuid4().hex}"


def download_name(
    reference: str, label: str, number: int | None = None, extension: str = ""
) -> str:
    """The name a stored file is downloaded under, e.g. ``2026-014-bewijs-3.png``.

    Made of the case reference (or a pupil id), a kind and a number, never of what was
    uploaded: an uploader's file name may name a pupil and it travels on in download
    lists and mail. ``extension`` (with its dot) comes from the stored file's content.
    """
    parts = [reference, label, *([str(number)] if number is not None else [])]
    return "-".join(parts) + extension


def stored_download(field_file, reference: str, label: str, number: int | None = None):
    """A stored file as a private attachment named by ``download_name``, served as what its
    content is (something unknown as ``application/octet-stream``, without an extension)."""
    handle = field_file.open("rb")
    kind = sniff(handle)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=download_name(reference, label, number, kind.extension if kind else ""),
        content_type=kind.content_type if kind else "application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    return response


class FilesWritten:
    """The files one service wrote; see ``files_with_rows``."""

    def __init__(self):
        self.written: list[tuple[object, str]] = []

    def save(self, field_file, content, name: str = "file") -> None:
        """Write ``content`` to ``field_file`` (its ``upload_to`` picks a random name) without
        saving the row, and note it. Call it before the row is saved: a failed insert then
        still removes the file."""
        field_file.save(name, content, save=False)
        self.written.append((field_file.storage, field_file.name))

    def remove(self) -> None:
        for storage, name in self.written:
            storage.delete(name)


@contextmanager
def files_with_rows():
    """Write files together with rows; they are removed when the block does not complete.

    Use it *around* the service's atomic block, so a failing commit counts too::

        with files_with_rows() as files, transaction.atomic():
            files.save(evidence.file, upload)
            evidence.save()

    This covers every failure inside the block, ``SystemExit`` from a worker's graceful
    timeout included. Django has no hook for a rollback that comes later (an outer
    ``atomic()`` around the service that fails after it returned) nor for a process that
    is killed outright: the files left then are referenced by no row, and
    ``manage.py purge_orphan_files`` removes them once they are a day old.
    """
    files = FilesWritten()
    completed = False
    try:
        yield files
        completed = True
    finally:
        if not completed:
            files.remove()
