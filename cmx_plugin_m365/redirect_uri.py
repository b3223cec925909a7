"""The redirect URI to register in Entra, and the ways it can differ from what the browser uses."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from .names import CALLBACK_PATH


def path_of(url: str) -> str:
    """The host's absolute URL without scheme and host: where buttons post and pages redirect to.

    The browser then stays on the address it used. With the configured address in a button, a person who opened
    cmxOrganize under another one (127.0.0.1, with or without "www.") would post to a host whose session cookie it
    does not send, and read "Sitzung abgelaufen" instead of the plugin's explanation of which address to use.
    """
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def redirect_uri(base_url: str) -> str:
    """``https://kurse.example.de`` → ``https://kurse.example.de/App%20E-Mailkonto/continue_oauth``."""
    return base_url.rstrip("/") + "/" + quote(CALLBACK_PATH)


def registration_problem(base_url: str) -> str | None:
    """Why Microsoft would not accept the redirect URI of this base URL, in German, or None."""
    parts = urlsplit(base_url)
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and parts.hostname in ("localhost", "127.0.0.1", "::1"):
        return None
    return (
        "Microsoft akzeptiert als Umleitungs-URI nur Adressen mit https:// (Ausnahme: localhost). Die öffentliche "
        f"Adresse dieser Instanz ist „{base_url}“; bitte die Instanz über https:// erreichbar machen und ihre "
        "öffentliche Adresse in der Instanzkonfiguration anpassen."
    )


def browser_mismatch(public_base_url: str, browser_base_url: str) -> str | None:
    """Why the browser's address would make the sign-in fail, in German, or None when it matches.

    Microsoft compares the redirect URI byte for byte with the registered one; the plugin always sends the one
    computed from the public base URL. When the user reached cmxOrganize under another name (``www.`` or not,
    ``http`` instead of ``https``), the browser comes back to a host whose session cookie it does not send.
    """
    public, browser = urlsplit(public_base_url), urlsplit(browser_base_url)
    if (public.scheme, public.netloc.lower()) == (browser.scheme, browser.netloc.lower()):
        return None
    return (
        f"Sie haben cmxOrganize über „{browser.scheme}://{browser.netloc}“ aufgerufen, die Anmeldung bei Microsoft "
        f"ist aber für „{public.scheme}://{public.netloc}“ eingerichtet (Umleitungs-URI). Bitte rufen Sie "
        f"cmxOrganize über {public.scheme}://{public.netloc} auf und starten Sie die Anmeldung dort erneut."
    )
