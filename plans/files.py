"""Checks for the files a plan van aanpak keeps: drawn signatures and scans of paper copies.

A drawn signature is a PNG made by the signature pad on the page; a scan is a
PDF, JPEG or PNG of a paper copy signed with pen. Both are checked by their
content through ``cases.uploads`` (the name does not decide) and have a size cap.
"""

import base64
import binascii
import io

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cases.uploads import check_upload

SIGNATURE_MAX_BYTES = 512 * 1024
SIGNATURE_MAX_SIDE = 4000
SCAN_MAX_BYTES = 10 * 1024 * 1024
UNREADABLE = _("De handtekening kon niet worden gelezen; teken opnieuw.")
TOO_BIG = _("De handtekening is te groot; teken opnieuw.")


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
    from PIL import Image, ImageChops

    not_png = _("De handtekening is geen PNG-afbeelding.")
    checked = check_upload(
        data,
        kinds=("png",),
        max_bytes=SIGNATURE_MAX_BYTES,
        max_pixels=SIGNATURE_MAX_SIDE * SIGNATURE_MAX_SIDE,
        error_messages={
            "empty": _("Zet eerst een handtekening in het vak."),
            "too_big": TOO_BIG,
            "too_many_pixels": TOO_BIG,
            "not_allowed": not_png,
            "not_real": not_png,
            "unreadable": UNREADABLE,
        },
    )
    if max(checked.dimensions) > SIGNATURE_MAX_SIDE:
        raise ValidationError(TOO_BIG)
    with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
        ink = image.convert("RGBA")
    # Something must be drawn: some pixel that is neither transparent nor white.
    alpha = ink.getchannel("A").point(lambda a: 255 if a > 32 else 0)
    dark = ink.convert("L").point(lambda v: 255 if v < 200 else 0)
    if ImageChops.multiply(alpha, dark).getbbox() is None:
        raise ValidationError(_("Zet eerst een handtekening in het vak."))


def scan_check(upload) -> str:
    """The content type of an acceptable scan, from its content; a Dutch
    ``ValidationError`` otherwise."""
    return check_upload(
        upload,
        kinds=("pdf", "jpeg", "png"),
        max_bytes=SCAN_MAX_BYTES,
        error_messages={
            "not_allowed": _("%(name)s: een scan kan alleen een PDF-, JPEG- of PNG-bestand zijn."),
            "too_big": _("%(name)s is groter dan %(limit)s; scan met een lagere resolutie."),
        },
    ).content_type
