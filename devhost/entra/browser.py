"""A headless "person with a browser" for the emulated sign-in pages: used by tests and the walkthrough.

It keeps cookies like a browser (so the emulator remembers who signed in), follows the pages the emulator
shows (account picker, sign-in form, consent) and stops at the first redirect that leaves Microsoft.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests


@dataclass
class Outcome:
    """Where the sign-in ended: ``redirect`` (back to the app) or ``page`` (stuck at Microsoft, e.g. an error)."""

    kind: str
    url: str
    text: str
    pages: list[str]
    """The names of the pages passed on the way: login, picker, consent, error."""


class SignInBrowser:
    def __init__(self, ca_file: str, session: requests.Session | None = None):
        self.http = session or requests.Session()
        self.http.verify = ca_file
        self.http.trust_env = False

    def sign_in(
        self,
        auth_uri: str,
        *,
        login: str | None = None,
        password: str | None = None,
        pick: str | None = None,
        consent: bool = True,
        for_organisation: bool = False,
        ask_admin: bool = False,
        max_steps: int = 10,
    ) -> Outcome:
        """Open ``auth_uri`` and answer the pages: pick account ``pick`` (or "other"), sign in with ``login`` and
        ``password``, accept (or decline) consent (``for_organisation``: tick "on behalf of your organisation").
        On "Need admin approval" go back to the app; with the admin consent workflow request approval
        (``ask_admin``) and then go back."""
        origin = _origin(auth_uri)
        response = self.http.get(auth_uri, allow_redirects=False, timeout=10)
        pages: list[str] = []
        for _ in range(max_steps):
            if response.is_redirect:
                location = urljoin(response.url, response.headers["Location"])
                if _origin(location) != origin:
                    return Outcome("redirect", location, "", pages)
                response = self.http.get(location, allow_redirects=False, timeout=10)
                continue
            text = response.text
            page = _page_name(text)
            pages.append(page)
            ctx = _input(text, "ctx")
            if page == "picker":
                choice = pick or _picker_choice(text, login) or "other"
                response = self._post(response.url, {"ctx": ctx, "step": "pick", "account": choice})
            elif page == "login":
                if login is None or (pages.count("login") > 1 and 'role="alert"' in text):
                    return Outcome("page", response.url, text, pages)
                response = self._post(
                    response.url, {"ctx": ctx, "step": "login", "login": login, "password": password or ""}
                )
            elif page == "consent":
                answer = {"ctx": ctx, "step": "consent", "answer": "accept" if consent else "decline"}
                if for_organisation:
                    answer["for_organisation"] = "1"
                response = self._post(response.url, answer)
            elif page == "approval":
                response = self._post(response.url, {"ctx": ctx, "step": "approval", "answer": "return"})
            elif page == "request":
                if not ask_admin:
                    return Outcome("page", response.url, text, pages)
                answer = {"ctx": ctx, "step": "request", "justification": "Für den Mailversand von cmxOrganize."}
                response = self._post(response.url, answer)
            elif page == "requested":
                response = self._post(response.url, {"ctx": ctx, "step": "requested"})
            elif page == "form_post":
                action = html.unescape(re.search(r'action="([^"]+)"', text).group(1))
                return Outcome("form_post", action, text, pages)
            else:
                return Outcome("page", response.url, text, pages)
        raise RuntimeError(f"sign-in did not finish after {max_steps} pages: {pages}")

    def sign_out(self, logout_url: str) -> None:
        self.http.get(logout_url, timeout=10)

    def _post(self, url: str, data: dict) -> requests.Response:
        return self.http.post(url, data=data, allow_redirects=False, timeout=10)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _input(text: str, name: str) -> str | None:
    match = re.search(rf'name="{name}" value="([^"]*)"', text)
    return html.unescape(match.group(1)) if match else None


def _page_name(text: str) -> str:
    if 'value="pick"' in text:
        return "picker"
    if 'value="login"' in text:
        return "login"
    if 'value="consent"' in text:
        return "consent"
    if 'value="approval"' in text:
        return "approval"
    if 'value="requested"' in text:
        return "requested"
    if 'value="request"' in text:
        return "request"
    if "document.forms[0].submit()" in text:
        return "form_post"
    if "having trouble signing you in" in text:
        return "error"
    return "other"


def _picker_choice(text: str, login: str | None) -> str | None:
    """The picker entry for ``login``, as a person clicks the account they mean."""
    if not login:
        return None
    for oid, upn in re.findall(r'name="account" value="([^"]+)">[^<]*<br><span class="small">([^ ]+) ', text):
        if upn.lower() == login.lower():
            return oid
    return None


def error_message(text: str) -> str:
    """The ``Message: AADSTS...`` line of Microsoft's error page."""
    match = re.search(r'<p class="small" id="message">Message: (.*?)</p>', text, re.S)
    return html.unescape(match.group(1)) if match else ""
