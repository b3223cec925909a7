"""The client secret over the years: when it expires, warnings before, and a rotation that proves the new one.

A secret lives at most 24 months. The plugin records each secret it sees (by fingerprint, never the value) with
its expiry (the admin can enter the exact date; otherwise entered + 24 months), warns the admins 30, 14, 7 and
1 days before and daily after expiry, and on rotation (admin guide, section 4) proves the new secret by a token
refresh and a test mail before telling the admin that the old one may be deleted in Entra.
"""

from __future__ import annotations

import datetime as dt

from cmx_hostapi import Host, Interface, MailError, Message

from .. import certificates, status, store, tokens
from ..config import fingerprint
from ..names import INTERFACE_TYPE, SETTINGS_APP, TENANT_SETTING
from ..store import certificates as store_settings
from ..store import secrets
from ..store.secrets import SecretInfo
from ..wording import BERLIN, count

LIFETIME = dt.timedelta(days=730)
"""Entra's longest secret lifetime (24 months), assumed until the admin enters the real date."""
THRESHOLDS = (30, 14, 7, 1)


def _interface(host: Host) -> Interface | None:
    interfaces = host.interfaces(INTERFACE_TYPE)
    return interfaces[0] if interfaces else None


def current(host: Host) -> SecretInfo | None:
    """The secret the Azure interface holds now (recorded on first sight), or None without an interface."""
    interface = _interface(host)
    if interface is None or not interface.password:
        return None
    print_ = fingerprint(interface.password)
    info = secrets.get(host, print_)
    if info is None:
        _record(host, print_, interface.username, interface.updated_at or store.utcnow(), interface.password)
        info = secrets.get(host, print_)
    return info


HINT = "secret_hint:"
"""``m365_setting`` per secret fingerprint: the value's first three characters — what Entra shows of it (Graph's
``passwordCredential.hint``), so that "the old secret" can be named as the admin sees it there."""
ROTATION_FOR = "rotation_for"
"""``m365_setting``: the secret whose rotation the "delete the old secret" hint is about; the hint ends with it."""


def _record(host: Host, print_: str, client_id: str, entered_at: dt.datetime, value: str = "") -> None:
    secrets.add(host, print_, client_id, entered_at, entered_at + LIFETIME)
    if len(value) > 8:  # never more of a value than Entra itself shows
        store_settings.add_setting(host, HINT + print_, value[:3])


def as_entra_shows(host: Host, info: SecretInfo) -> str:
    """A secret named in the terms of Entra's list (Zertifikate & Geheimnisse): the value's first characters and the
    expiry where known — two secrets entered the same day are told apart by them."""
    hint = store_settings.setting(host, HINT + info.fingerprint)
    parts = [f"Wert beginnt mit „{hint}“"] if hint else []
    if info.expiry_confirmed:
        parts.append(f"läuft ab am {info.expires_at.astimezone(BERLIN):%d.%m.%Y}")
    parts.append(f"in cmxOrganize eingetragen am {info.entered_at.astimezone(BERLIN):%d.%m.%Y}")
    return "(" + ", ".join(parts) + ")"


def rotation_open(host: Host) -> bool:
    """Whether the hint about the old secret still holds: the secret it was about is the one in use, no certificate
    took over, and nobody marked it done."""
    about = store_settings.setting(host, ROTATION_FOR)
    info = current(host)
    return (
        about is not None
        and info is not None
        and info.fingerprint == about
        and certificates.of_registration(host, certificates.ACTIVE) is None
    )


def rotation_done(host: Host) -> list[Message]:
    """ "Erledigt": the admin deleted the old secret in Entra; the hint ends."""
    store_settings.set_setting(host, ROTATION_FOR, None)
    return [Message("success", "Vermerkt: Der alte geheime Schlüssel ist im Entra Admin Center gelöscht.")]


def set_expiry(host: Host, day: dt.date) -> SecretInfo | None:
    """The admin enters the expiry date Entra shows for the secret ("Läuft ab")."""
    info = current(host)
    if info is None:
        return None
    expires = dt.datetime.combine(day, dt.time(23, 59), tzinfo=BERLIN).astimezone(dt.UTC)
    secrets.set_expiry(host, info.fingerprint, expires)
    return secrets.get(host, info.fingerprint)


def mark_validated(host: Host) -> None:
    """Microsoft accepted the current secret (a client-credentials request or a refresh with it succeeded)."""
    info = current(host)
    if info is not None:
        secrets.mark_validated(host, info.fingerprint)


# -- rotation ------------------------------------------------------------------------------------------------------


def on_interface_saved(host: Host) -> list[Message]:
    """After the Azure interface was stored: a new secret is recorded and proven on a connected account."""
    interface = _interface(host)
    if interface is None:
        return []
    if not interface.password:
        if certificates.of_registration(host, certificates.ACTIVE) is not None:
            return []
        return [
            Message(
                "info",
                "Ohne geheimen Schlüssel gespeichert. Nächster Schritt: im grünen Feld „Zertifikat erstellen“, die "
                "Datei in Entra hochladen und „Zertifikat prüfen“ – oder den Wert eines geheimen Schlüssels "
                "eintragen.",
            )
        ]
    print_ = fingerprint(interface.password)
    previous = secrets.latest(host)
    if previous is not None and previous.fingerprint == print_:
        return []
    _record(host, print_, interface.username, store.utcnow(), interface.password)
    if (host.setting(SETTINGS_APP, TENANT_SETTING) or "").strip():
        mark_validated(host)  # the host stored it, so the interface's online check (client credentials) passed
    if previous is None:
        return []  # the first secret: the sign-in of the first account will prove it for mail
    return _prove_rotation(host, print_, previous)


def _prove_rotation(host: Host, print_: str, previous: SecretInfo) -> list[Message]:
    connected = [s for s in store.all_account_states(host) if s.state == store.CONNECTED]
    old = as_entra_shows(host, previous)
    store_settings.set_setting(host, ROTATION_FOR, print_)  # the hint below holds while this secret is in use
    if not connected:
        text = (
            "Neuer geheimer Schlüssel gespeichert und bei Microsoft geprüft. Es ist noch kein E-Mailkonto "
            f"verbunden, an dem er sich beweisen könnte; den alten Schlüssel {old} können Sie im Entra Admin "
            "Center löschen, sobald „E-Mailkonto testen“ an einem Konto erfolgreich war."
        )
        store.record_check(host, "rotation", ok=True, text=text)
        return [Message("info", text)]
    account = host.mail_account(connected[0].account_id)
    cleared = status.blaming_the_app(host)  # the proof's own account may recover on the way
    try:
        tokens.access_token(host, account.id, force_refresh=True)  # a refresh sends the client secret
        host.send_mail(
            account.id,
            account.address,
            "cmxOrganize: Testmail nach Schlüsselwechsel",
            "Der neue geheime Schlüssel der App-Registrierung funktioniert.",
        )
    except MailError as error:
        text = (
            f"Der neue geheime Schlüssel ist gespeichert, aber „E-Mailkonto testen“ an {account.address} ist "
            f"gescheitert: {error} Löschen Sie den alten Schlüssel {old} im Entra Admin Center noch nicht."
        )
        store.record_check(host, "rotation", ok=False, text=text, code=error.code)
        return [Message("error", text)]
    mark_validated(host)
    host.release_held_mail(account.id)  # its problem, if any, went with the test mail that just worked
    status.app_problems_disproved(host)  # e.g. "secret expired" on every other account: their mail goes now
    fixed = count(cleared, "E-Mailkonto", "E-Mailkonten")
    fixed = f" Behoben bei {fixed}; wartende Mails gehen jetzt hinaus." if cleared else ""
    text = (
        f"Neuer geheimer Schlüssel geprüft: Erneuerung der Anmeldung und Testmail über {account.address} "
        f"erfolgreich. Sie können den alten geheimen Schlüssel {old} jetzt im Entra Admin Center löschen "
        f"(App-Registrierungen → cmxOrganize → Zertifikate & Geheimnisse).{fixed}"
    )
    store.record_check(host, "rotation", ok=True, text=text)
    store.add_event(host, "secret_rotated", text)
    return [Message("success", text)]


# -- warnings ------------------------------------------------------------------------------------------------------


def due_warnings(days: int, expired: bool, warned: str, last_warned_on: str | None, today: str) -> list[int] | None:
    """The thresholds to warn about now (``warned``: those already sent, ",30,14,"), an empty list for the daily
    warning after the expiry, or None when nothing is due. Shared by the secret and the certificate."""
    due = [t for t in THRESHOLDS if days <= t and f",{t}," not in warned]
    if (expired and last_warned_on == today) or (not expired and not due):
        return None
    return due


def warn(host: Host, now: dt.datetime) -> str | None:
    """The periodic job: tell the admins once per threshold before expiry, daily after. Returns what was sent."""
    info = current(host)
    if info is None or certificates.of_registration(host, certificates.ACTIVE) is not None:
        return None  # with a certificate in use, the secret's expiry stops nothing
    days, today, expired = info.days_left(now), now.astimezone(BERLIN).date().isoformat(), now >= info.expires_at
    due = due_warnings(days, expired, info.warned, info.last_warned_on, today)
    if due is None:
        return None
    if not secrets.claim_warning(
        host, info.fingerprint, info.warned, (info.warned or ",") + "".join(f"{t}," for t in due), today
    ):
        return None  # another worker tells
    accounts = sum(1 for s in store.all_account_states(host) if s.state != store.NEW)
    expiry = info.expires_at.astimezone(BERLIN).strftime("%d.%m.%Y")
    if not expired:
        when = {0: "heute", 1: "morgen"}.get(days, f"in {days} Tagen")
        subject = f"Geheimer Schlüssel der Azure-Schnittstelle läuft {when} ab"
        intro = f"Der geheime Schlüssel der Azure-Schnittstelle läuft am {expiry} ab."
    else:
        subject = "Geheimer Schlüssel der Azure-Schnittstelle ist abgelaufen"
        intro = f"Der geheime Schlüssel der Azure-Schnittstelle ist seit {expiry} abgelaufen."
    text = (
        f"{intro} Danach kann cmxOrganize über keines der {accounts} E-Mailkonten mit OAuth mehr senden.\n\n"
        "So erneuern Sie ihn (Anleitung, Abschnitt 4):\n"
        "1. Im Entra Admin Center unter App-Registrierungen → cmxOrganize → Zertifikate & Geheimnisse einen neuen "
        "geheimen Schlüssel anlegen (Laufzeit 24 Monate) und seinen Wert kopieren.\n"
        "2. In cmxOrganize die Azure-Schnittstelle öffnen und den Wert ins Passwortfeld eintragen, speichern.\n"
        "3. cmxOrganize prüft den neuen Schlüssel sofort an einem E-Mailkonto und sagt Ihnen, wann Sie den alten "
        "löschen können."
    )
    host.notify("admins", subject, text)
    return subject
