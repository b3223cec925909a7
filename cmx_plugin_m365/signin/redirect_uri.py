"""The redirect URI to register in Entra, the ways it can differ from what the browser uses, and whether Microsoft
accepts it (asked before anyone is stuck on Microsoft's error page)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote, urlsplit

import requests
from cmx_hostapi import Host

from .. import identity, store
from ..config import Missing, Options, azure_app
from ..diagnosis import Finding, from_page
from ..names import CALLBACK_PATH


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


# -- does Microsoft accept it? ---------------------------------------------------------------------------------------


def probe_redirect_uri(host: Host) -> Finding | None:
    """Ask Microsoft's authorize endpoint (without anyone signed in) whether it would accept our redirect URI.

    Microsoft shows AADSTS50011 / 500113 / 700016 on its own page and never sends them back, so a person would be
    stuck there. Returns the diagnosis, or None when Microsoft shows its sign-in page. Network trouble is not a
    finding here (the sign-in itself will tell).
    """
    azure = azure_app(host)
    if isinstance(azure, Missing):
        return None
    options = Options.of(host)
    try:
        app = identity.build(options, azure)
    except identity.MicrosoftError:
        return None
    flow = identity.initiate(app, options.signin_scopes, redirect_uri=redirect_uri(host.public_base_url), login_hint="")
    return probe_auth_uri(options, flow["auth_uri"])


def probe_auth_uri(options: Options, auth_uri: str) -> Finding | None:
    """What Microsoft's page for this authorize URL says: a diagnosis for an error it would not send back, or None.

    A GET without cookies changes nothing at Microsoft, so the very URL a person is about to open can be probed.
    """
    try:
        response = identity.session(options).get(auth_uri, allow_redirects=False)
    except requests.RequestException:
        return None
    if response.is_redirect:
        return None
    # Microsoft shows these errors on its own page (with status 200 or 400) and never sends the person back.
    return from_page(response.text)


PROBE_KEPT = dt.timedelta(minutes=5)
"""How long a good answer of Microsoft to the redirect-URI probe is trusted before a sign-in asks again."""


def probe_once(host: Host, options: Options, auth_uri: str) -> Finding | None:
    """:func:`probe_auth_uri` before a sign-in, but at most once in :data:`PROBE_KEPT` while Microsoft accepts the
    redirect URI: many sign-ins in a row (a course office connecting twenty accounts, or a flood of clicks) do not
    each send a request to Microsoft. A refusal is asked again every time, so that a fix is seen at once."""
    check = store.checks(host).get("redirect_uri")
    if check is not None and check.ok and store.utcnow() - check.at < PROBE_KEPT:
        return None
    finding = probe_auth_uri(options, auth_uri)
    _record_probe(host, finding)
    return finding


def record_redirect_probe(host: Host) -> Finding | None:
    finding = probe_redirect_uri(host)
    _record_probe(host, finding)
    return finding


def _record_probe(host: Host, finding: Finding | None) -> None:
    store.record_check(
        host,
        "redirect_uri",
        ok=finding is None,
        code=finding.code if finding else None,
        text=finding.message()
        if finding
        else f"Microsoft akzeptiert die Umleitungs-URI {redirect_uri(host.public_base_url)}.",
    )
