"""Reading the devhost's pages the way a person does: flash messages, field errors, the green field."""

from __future__ import annotations

import html as html_lib
import re


def _text(fragment: str) -> str:
    fragment = re.sub(r"</?a\b[^>]*>", "", fragment)  # a link is inline: its text reads as the text around it
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


def flashes(html: str) -> list[str]:
    """The texts of the flash messages on a page."""
    return [_text(m) for m in re.findall(r'<div class="flash [a-z]+" role="status">(.*?)</div>', html, re.S)]


def field_error(html: str, name: str) -> str | None:
    """The error message shown under the form field ``name``, or None."""
    match = re.search(rf'<div class="error" id="error-{name}">(.*?)</div>', html, re.S)
    return _text(match.group(1)) if match else None


def green_field_text(html: str) -> str:
    """Everything the green field says, as one line of text."""
    match = re.search(r'<section class="green-field".*?</section>', html, re.S)
    return _text(match.group(0)) if match else ""


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
