"""An office at work: cmxOrganize (devhost) wired to the Microsoft emulators, and a person clicking through it.

``Office`` does what the admin guide tells people to do, by the same screens and buttons, so that tests read
like the guide: ``office.configure()`` is section 2, ``office.connect("anna")`` is section 3.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from devhost.emulators import Control, Org
from devhost.entra.browser import SignInBrowser
from devhost.instance import Instance

from .conftest import Browser, field_error, flashes

ACCOUNTS = "/" + quote("App E-Mailkonto") + "/"
INTERFACES = "/" + quote("App Schnittstellen") + "/"
SETTINGS = "/" + quote("App Einstellungen") + "/"


def plugin_config(ms: Control) -> dict:
    return {
        "m365": {
            "login_base_url": ms.addresses.login_base_url,
            "ca_file": ms.addresses.ca_file,
            "smtp_host": ms.addresses.smtp_host,
            "smtp_port": ms.addresses.smtp_port,
        }
    }


@dataclass
class Office:
    instance: Instance
    browser: Browser
    ms: Control
    org: Org
    microsoft: SignInBrowser
    """The same person's browser at Microsoft: it remembers who signed in there."""

    # -- section 2 of the admin guide -------------------------------------------------------------------------------

    def configure(self, *, secret: str | None = None, tenant: str | None = None) -> None:
        response = self.browser.post(
            INTERFACES + "neu",
            {
                "name": "Microsoft 365",
                "type": "Azure",
                "username": self.org.client_id,
                "password": secret or self.org.secret_value,
            },
        )
        assert response.status_code == 302, field_error(response.text, "password") or response.text
        response = self.browser.post(SETTINGS + "neu", {"name": "TenantID", "value": tenant or self.org.tenant_id})
        assert response.status_code == 302, field_error(response.text, "value")

    # -- section 3 --------------------------------------------------------------------------------------------------

    def create_account(self, person: str, **fields) -> int:
        data = {
            "contact": "Geschäftsstelle Nord",
            "address": self.org.people[person].upn,
            "username": "",
            "smtp_host": "",
            "smtp_port": "587",
            "encryption": "STARTTLS",
            **fields,
        }
        response = self.browser.post(ACCOUNTS + "neu", data)
        assert response.status_code == 302, response.text
        return int(response.headers["Location"].rsplit("/", 1)[1])

    def page(self, account_id: int) -> str:
        return self.browser.get(f"{ACCOUNTS}{account_id}").text

    def click(self, account_id: int, label: str) -> str:
        """Click a button of the account page's green field; returns the page the browser ends on."""
        html = self.page(account_id)
        forms = re.findall(r'<form class="action" action="([^"]+)" method="post"[^>]*>(.*?)</form>', html, re.S)
        for action, body in forms:
            if f">{label}</button>" in body:
                fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', body))
                fields.pop("csrf_token", None)
                response = self.browser.post(urlsplit(action).path, fields)
                return self.follow(response)
        raise AssertionError(f"no button {label!r} on the page; green field: {green_field_text(html)}")

    def follow(self, response, browser: Browser | None = None) -> str:
        browser = browser or self.browser
        while response.status_code in (301, 302, 303):
            location = response.headers["Location"]
            if location.startswith(self.ms.addresses.login_base_url):
                return location
            parts = urlsplit(location)
            response = browser.get(parts.path + ("?" + parts.query if parts.query else ""))
        return response.text

    def enable_oauth(self, account_id: int) -> str:
        return self.click(account_id, "OAuth (Microsoft 365) verwenden")

    def start_sign_in(self, account_id: int) -> str:
        """Click "Bei Microsoft anmelden"; returns Microsoft's sign-in URL."""
        location = self.click(account_id, "Bei Microsoft anmelden")
        assert location.startswith(self.ms.addresses.login_base_url), location
        return location

    def at_microsoft(self, auth_uri: str, person: str | None, *, pick: str | None = None, consent: bool = True):
        who = self.org.people[person] if person else None
        return self.microsoft.sign_in(
            auth_uri, login=who.upn if who else None, password=who.password if who else None, pick=pick, consent=consent
        )

    def come_back(self, url: str) -> str:
        """The browser arrives at continue_oauth with Microsoft's answer; returns the page it ends on."""
        parts = urlsplit(url)
        return self.follow(self.browser.get(parts.path + "?" + parts.query))

    def connect(self, person: str, account_id: int | None = None, **microsoft) -> tuple[int, str]:
        """Section 3 from start to end: account, OAuth, sign-in as ``person``. Returns (account id, final page)."""
        if account_id is None:
            account_id = self.create_account(person)
            self.enable_oauth(account_id)
        outcome = self.at_microsoft(self.start_sign_in(account_id), person, **microsoft)
        assert outcome.kind == "redirect", outcome
        return account_id, self.come_back(outcome.url)

    # -- what there is to see ---------------------------------------------------------------------------------------

    def row(self, account_id: int) -> dict | None:
        with self.instance.db.transaction() as tx:
            return tx.execute("SELECT * FROM m365_account WHERE account_id = :a", {"a": account_id}).fetchone()

    def queue(self, account_id: int) -> list[dict]:
        with self.instance.db.transaction() as tx:
            return tx.execute(
                "SELECT * FROM mail_queue WHERE account_id = :a ORDER BY id", {"a": account_id}
            ).fetchall()

    def notifications(self) -> list[dict]:
        with self.instance.db.transaction() as tx:
            return tx.execute("SELECT * FROM notifications ORDER BY id").fetchall()

    def mails_to(self, person: str) -> list[dict]:
        return self.ms.messages(to=self.org.people[person].upn)


def green_field_text(html: str) -> str:
    match = re.search(r'<section class="green-field".*?</section>', html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0))).strip() if match else ""


__all__ = ["Office", "flashes", "green_field_text", "plugin_config"]
