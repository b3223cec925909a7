"""An office at work: cmxOrganize (devhost) wired to the Microsoft emulators, and a person clicking through it.

``Office`` does what the admin guide tells people to do, by the same screens and buttons, so that tests and the
walkthrough read like the guide: ``office.configure()`` is section 2, ``office.connect("anna")`` is section 3.
Its browser is anything with ``get(path)`` and ``post(path, form)`` that answers like an HTTP response without
following redirects: Flask's test client in the tests (``tests/conftest.Browser``), real HTTP in the walkthrough
(:class:`HttpBrowser`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import requests

from .emulators import Control, Org
from .entra.browser import SignInBrowser
from .instance import Instance
from .pages import csrf_token, field_error, green_field_text

ACCOUNTS = "/" + quote("App E-Mailkonto") + "/"
INTERFACES = "/" + quote("App Schnittstellen") + "/"
SETTINGS = "/" + quote("App Einstellungen") + "/"


def plugin_config(ms: Control) -> dict:
    return {
        "m365": {
            "login_base_url": ms.addresses.login_base_url,
            "graph_base_url": ms.addresses.graph_base_url or ms.addresses.login_base_url,
            "ca_file": ms.addresses.ca_file,
            "smtp_host": ms.addresses.smtp_host,
            "smtp_port": ms.addresses.smtp_port,
        }
    }


class HttpBrowser:
    """A person's browser on the devhost over real HTTP, sharing its cookie jar with the sign-in at Microsoft."""

    def __init__(self, base_url: str, session: requests.Session):
        self.base_url = base_url.rstrip("/")
        self.http = session
        self.csrf: str | None = None

    def login(self, login: str, password: str) -> HttpBrowser:
        token = csrf_token(self.get("/anmelden").text)
        response = self.post("/anmelden", {"login": login, "password": password, "csrf_token": token}, csrf=False)
        if response.status_code != 302:
            raise RuntimeError("sign-in at the devhost failed")
        self.csrf = csrf_token(self.get("/").text)
        return self

    def get(self, path: str):
        return self.http.get(self.base_url + path, allow_redirects=False, timeout=30)

    def post_elsewhere(self, url: str, data: dict | None = None):
        """A form posted to an absolute URL (possibly another site than this browser's pages)."""
        data = {**(data or {}), "csrf_token": self.csrf}
        return self.http.post(
            url, data=data, allow_redirects=False, timeout=60, headers={"Referer": self.base_url + "/"}
        )

    def post(self, path: str, data: dict | None = None, *, csrf: bool = True):
        data = dict(data or {})
        if csrf:
            data["csrf_token"] = self.csrf
        return self.http.post(
            self.base_url + path, data=data, allow_redirects=False, timeout=60, headers={"Referer": self.base_url + "/"}
        )


@dataclass
class Office:
    instance: Instance
    browser: HttpBrowser
    ms: Control
    org: Org
    microsoft: SignInBrowser
    """The same person's browser at Microsoft: it remembers who signed in there."""

    # -- section 2 of the admin guide -------------------------------------------------------------------------------

    def configure(self, *, secret: str | None = None, tenant: str | None = None) -> None:
        response = self.save_interface(password=secret or self.org.secret_value)
        assert response.status_code == 302, field_error(response.text, "password") or response.text
        self.follow(response)  # read the page it leads to, as a person would (and with it, its messages)
        response = self.save_tenant(tenant or self.org.tenant_id)
        assert response.status_code == 302, field_error(response.text, "value")
        self.follow(response)

    def save_interface(self, **values: str):
        """Save the Azure interface's form (a new one, or the existing one) with these values; the response."""
        data = {
            "name": "Microsoft 365",
            "type": "Azure",
            "username": self.org.client_id,
            "password": self.org.secret_value,
            **values,
        }
        existing = self.instance.host.interfaces("Azure")
        return self.browser.post(f"{INTERFACES}{existing[0].id}" if existing else INTERFACES + "neu", data)

    def save_tenant(self, value: str):
        """Save the setting TenantID (a new one, or the existing one); the response."""
        with self.instance.db.transaction() as tx:
            row = tx.execute("SELECT id FROM settings WHERE name = 'TenantID'").fetchone()
        return self.browser.post(
            f"{SETTINGS}{row['id']}" if row else SETTINGS + "neu", {"name": "TenantID", "value": value}
        )

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
        self.follow(response)
        return int(response.headers["Location"].rsplit("/", 1)[1])

    def save_account(self, account_id: int, **changes: str):
        """Save the mail account's form as it is, with ``changes`` typed in (password left empty); the response."""
        return self.browser.post(f"{ACCOUNTS}{account_id}", self.account_form(account_id, **changes))

    def account_form(self, account_id: int, **changes: str) -> dict:
        """The mail account's form as it is, with ``changes`` typed in (password left empty)."""
        account = self.instance.host.mail_account(account_id)
        return {
            "contact": account.contact,
            "address": account.address,
            "username": account.username,
            "smtp_host": account.smtp_host,
            "smtp_port": str(account.smtp_port),
            "encryption": account.encryption,
            "password": "",
            **changes,
        }

    def page(self, account_id: int) -> str:
        return self.browser.get(f"{ACCOUNTS}{account_id}").text

    def click(self, account_id: int, label: str) -> str:
        """Click a button of the account page's green field; returns the page the browser ends on."""
        return self.click_on(f"{ACCOUNTS}{account_id}", label)

    def click_on(self, path: str, label: str, **chosen: str) -> str:
        """Click a button of the green field of the page at ``path`` (after choosing ``chosen`` in its fields);
        returns the page the browser ends on (or Microsoft's URL, where the button leads there)."""
        html = self.browser.get(path).text
        forms = re.findall(r'<form class="action" action="([^"]+)" method="post"[^>]*>(.*?)</form>', html, re.S)
        for action, body in forms:
            if f">{label}</button>" in body:
                fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', body))
                fields.pop("csrf_token", None)
                for name, value in chosen.items():
                    assert f'name="{name}"' in body, f"no field {name!r} at the button {label!r}"
                    fields[name] = value
                # Post where the button points, as a browser does: an absolute URL on another host than the page's
                # is another site (no session cookie there).
                target = urlsplit(action)
                if target.netloc and f"{target.scheme}://{target.netloc}" != self.browser.base_url:
                    response = self.browser.post_elsewhere(action, fields)
                else:
                    response = self.browser.post(target.path, fields)
                return self.follow(response)
        raise AssertionError(f"no button {label!r} on the page; green field: {green_field_text(html)}")

    def follow(self, response, browser: HttpBrowser | None = None) -> str:
        browser = browser or self.browser
        while response.status_code in (301, 302, 303):
            location = response.headers["Location"]
            if location.startswith(self.ms.addresses.login_base_url):
                return location
            parts = urlsplit(location)
            response = browser.get(parts.path + ("?" + parts.query if parts.query else ""))
        return response.text

    def choose_route(self, account_id: int, route: str) -> str:
        """The account's "Versandweg": ``auto``, ``smtp`` or ``graph``; returns the page the browser ends on."""
        return self.click_on(f"{ACCOUNTS}{account_id}", "Versandweg speichern", route=route)

    def enable_oauth(self, account_id: int) -> str:
        return self.click(account_id, "OAuth (Microsoft 365) verwenden")

    def start_sign_in(self, account_id: int) -> str:
        """Click "Bei Microsoft anmelden" (or "Erneut anmelden"); returns Microsoft's sign-in URL."""
        label = "Erneut anmelden" if ">Erneut anmelden</button>" in self.page(account_id) else "Bei Microsoft anmelden"
        location = self.click(account_id, label)
        assert location.startswith(self.ms.addresses.login_base_url), location
        return location

    def at_microsoft(self, auth_uri: str, person: str | None, **answers):
        """The person answers Microsoft's pages (see :meth:`SignInBrowser.sign_in` for ``answers``)."""
        who = self.org.people[person] if person else None
        return self.microsoft.sign_in(
            auth_uri, login=who.upn if who else None, password=who.password if who else None, **answers
        )

    def come_back(self, url: str) -> str:
        """The browser arrives at continue_oauth with Microsoft's answer; returns the page it ends on."""
        parts = urlsplit(url)
        return self.follow(self.browser.get(parts.path + "?" + parts.query))

    def interface_path(self) -> str:
        (interface,) = self.instance.host.interfaces("Azure")
        return f"{INTERFACES}{interface.id}"

    def grant_admin_consent(self, admin: str, **microsoft) -> str:
        """The Microsoft 365 admin grants consent for the whole organisation from the Azure interface (button
        "Administratorzustimmung erteilen", sign-in as ``admin``, "Akzeptieren"); returns the page it ends on."""
        location = self.click_on(self.interface_path(), "Administratorzustimmung erteilen")
        assert location.startswith(self.ms.addresses.login_base_url), location
        outcome = self.at_microsoft(location, admin, **microsoft)
        assert outcome.kind == "redirect", outcome
        return self.come_back(outcome.url)

    def connect(self, person: str, account_id: int | None = None, **microsoft) -> tuple[int, str]:
        """Section 3 from start to end: account, OAuth, sign-in as ``person``. Returns (account id, final page)."""
        if account_id is None:
            account_id = self.create_account(person)
            self.enable_oauth(account_id)
        outcome = self.at_microsoft(self.start_sign_in(account_id), person, **microsoft)
        assert outcome.kind == "redirect", outcome
        return account_id, self.come_back(outcome.url)

    # -- the certificate variant of sections 2 and 4 ---------------------------------------------------------------

    def create_certificate(self, months: str = "24", object_id: str | None = None) -> str:
        """Click "(Neues) Zertifikat erstellen" in the Azure interface's green field; the page it ends on."""
        html = self.browser.get(self.interface_path()).text
        label = (
            "Neues Zertifikat erstellen" if ">Neues Zertifikat erstellen</button>" in html else "Zertifikat erstellen"
        )
        return self.click_on(
            self.interface_path(),
            label,
            months=months,
            object_id=self.org.object_id if object_id is None else object_id,
        )

    def download_certificate(self) -> str:
        """Click "Zertifikat herunterladen": the file's text (the public part, PEM)."""
        html = self.browser.get(self.interface_path()).text
        href = re.search(r'<a class="button [^"]*" href="([^"]+)">Zertifikat herunterladen</a>', html)
        assert href, "no button Zertifikat herunterladen"
        response = self.browser.get(urlsplit(href.group(1)).path)
        assert response.status_code == 200, response.status_code
        assert "attachment" in response.headers.get("Content-Disposition", "")
        return response.text

    def upload_certificate(self, pem: str) -> dict:
        """What the admin does in Entra: Zertifikate & Geheimnisse → Zertifikate → Zertifikat hochladen."""
        return self.ms.call("certificate", client_id=self.org.client_id, certificate=pem)

    def prove_certificate(self) -> str:
        return self.click_on(self.interface_path(), "Zertifikat prüfen")

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
