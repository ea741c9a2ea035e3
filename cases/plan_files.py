"""Checks for the files a plan van aanpak keeps: drawn signatures and scans of paper copies.

A drawn signature is a PNG made by the signature pad on the page; a scan is a
PDF, JPEG or PNG of a paper copy signed with pen. Both are checked by their
content, not only by their name, and have a size cap.
"""

import base64
import binascii
import io
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SIGNATURE_MAX_BYTES = 512 * 1024
SIGNATURE_MAX_SIDE = 4000
SCAN_MAX_BYTES = 10 * 1024 * 1024
UNREADABLE = _("De handtekening kon niet worden gelezen; teken opnieuw.")

# extension -> (first bytes of the file, content type)
SCAN_TYPES = {
    ".pdf": (b"%PDF", "application/pdf"),
    ".png": (PNG_MAGIC, "image/png"),
    ".jpg": (b"\xff\xd8\xff", "image/jpeg"),
    ".jpeg": (b"\xff\xd8\xff", "image/jpeg"),
}


def signature_from_data_url(value: str) -> bytes:
    """The PNG bytes of a ``data:image/png;base64,...`` value sent by the signature pad."""
    prefix = "data:image/png;base64,"
    if not value or not value.startswith(prefix):
        raise ValidationError(_("Zet eerst een handtekening in het vak."))
    try:
        data = base64.b64decode(value[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError(UNREADABLE) from None
    return data


def signature_check(data: bytes) -> None:
    """A drawn signature: a real PNG, not too big, and not empty."""
    from PIL import Image, UnidentifiedImageError

    if not data.startswith(PNG_MAGIC):
        raise ValidationError(_("De handtekening is geen PNG-afbeelding."))
    if len(data) > SIGNATURE_MAX_BYTES:
        raise ValidationError(_("De handtekening is te groot; teken opnieuw."))
    try:
        with Image.open(io.BytesIO(data)) as image:
            if max(image.size) > SIGNATURE_MAX_SIDE:
                raise ValidationError(_("De handtekening is te groot; teken opnieuw."))
            image.load()
            ink = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise ValidationError(UNREADABLE) from None
    # Something must be drawn: some pixel that is neither transparent nor white.
    alpha = ink.getchannel("A").point(lambda a: 255 if a > 32 else 0)
    dark = ink.convert("L").point(lambda v: 255 if v < 200 else 0)
    from PIL import ImageChops

    if ImageChops.multiply(alpha, dark).getbbox() is None:
        raise ValidationError(_("Zet eerst een handtekening in het vak."))


def scan_check(upload) -> str:
    """The content type of an acceptable scan; a Dutch ``ValidationError`` otherwise."""
    name = upload.name or ""
    extension = PurePath(name).suffix.lower()
    if extension not in SCAN_TYPES:
        raise ValidationError(
            _("%(name)s: een scan kan alleen een PDF-, JPEG- of PNG-bestand zijn.") % {"name": name}
        )
    if not upload.size:
        raise ValidationError(_("%(name)s is leeg.") % {"name": name})
    if upload.size > SCAN_MAX_BYTES:
        raise ValidationError(
            _("%(name)s is groter dan 10 MB; scan met een lagere resolutie.") % {"name": name}
        )
    magic, content_type = SCAN_TYPES[extension]
    upload.seek(0)
    head = upload.read(len(magic))
    upload.seek(0)
    if head != magic:
        raise ValidationError(
            _("%(name)s is geen echt %(kind)s-bestand.")
            % {"name": name, "kind": extension.lstrip(".").upper().replace("JPG", "JPEG")}
        )
    return content_type
