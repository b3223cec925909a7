"""The plugin's routes: a thin web layer that validates input and turns outcomes into the host's responses."""

from __future__ import annotations

import datetime as dt

import cmx_hostapi
from cmx_hostapi import Action, CopyValue, Host, Message, Note, Page, Redirect, Request
from marshmallow import ValidationError

from .. import keys, permissions, store, tokens
from ..care import checks, client_secret, credentials
from ..config import Options
from ..crypto import DecryptionError
from ..diagnosis import Kind
from ..names import ENABLE_PATH, INTERFACE_FORM, INTERFACE_TYPE, MAIL_ACCOUNT_FORM
from ..sending import route as sending_route
from ..signin import consent, flow, mail_settings
from ..signin.redirect_uri import path_of
from ..wording import count
from . import screens
from .schemas import (
    AccountFormSchema,
    CallbackQuerySchema,
    CertificateSchema,
    RouteSchema,
    SecretExpirySchema,
    first_error,
)


def _account_id(request: Request) -> int | None:
    try:
        return AccountFormSchema().load(dict(request.form))["account_id"]
    except ValidationError:
        return None


def _back(host: Host, account_id: int | None, level: str, text: str) -> Redirect | Page:
    """Back to the account's page with a message (or a page with the message when no account is known)."""
    if account_id is None or host.mail_account(account_id) is None:
        return Page("Anmeldung bei Microsoft", messages=(Message(level, text),), status=400)
    return Redirect(path_of(host.record_url(MAIL_ACCOUNT_FORM, account_id)), (Message(level, text),))


def _unknown_account(host: Host) -> Page:
    return Page("E-Mailkonto", messages=(Message("error", "Dieses E-Mailkonto gibt es nicht."),), status=404)


def _account_to_change(request: Request, host: Host) -> tuple[int | None, Page | None]:
    """The account a button names, if it exists and this user may change it: (id, None) or (None, the refusal)."""
    account_id = _account_id(request)
    if account_id is None or host.mail_account(account_id) is None:
        return None, _unknown_account(host)
    if not permissions.may_change_account(host, request.user, account_id):
        return None, permissions.forbidden()
    return account_id, None


def enable(request: Request, host: Host) -> Redirect | Page:
    """ "OAuth (Microsoft 365) verwenden": switch the account to OAuth and fill Exchange Online's SMTP settings.

    What OAuth replaces (a password, another mail server) is kept, encrypted, and put back by "OAuth nicht mehr
    verwenden"; when there is such a value, the person confirms first.
    """
    account_id, refusal = _account_to_change(request, host)
    if refusal:
        return refusal
    account = host.mail_account(account_id)
    options = Options.of(host)
    replaced = mail_settings.replaces(account, options)
    if replaced and AccountFormSchema().load(dict(request.form))["replace"] != "1":
        return Page(
            "OAuth (Microsoft 365) verwenden?",
            items=(
                Note(mail_settings.replace_question(account, options), level="warning"),
                Action(
                    "Ja, OAuth (Microsoft 365) verwenden",
                    path_of(host.route_url(ENABLE_PATH)),
                    fields=(("account_id", str(account_id)), ("replace", "1")),
                    primary=True,
                ),
                Action("Abbrechen", path_of(host.record_url(MAIL_ACCOUNT_FORM, account_id)), method="GET"),
            ),
        )
    previous = keys.vault(host).encrypt(mail_settings.encoded(account)) if replaced else None
    if store.enable(host, account.id, previous_settings=previous):
        changes = {
            "smtp_host": options.smtp_host,
            "smtp_port": options.smtp_port,
            "encryption": "STARTTLS",
            "password": "",
        }
        if not account.username and account.address:
            changes["username"] = account.address
        host.update_mail_account(account.id, **changes)
        store.add_event(host, "enabled", f"OAuth eingeschaltet von {request.user.display_name}.", account_id=account.id)
    return _back(
        host,
        account.id,
        "success",
        f"Dieses E-Mailkonto verwendet jetzt OAuth (Microsoft 365); "
        f"SMTP-Server {options.smtp_host}:{options.smtp_port} mit STARTTLS ist eingetragen, ein Passwort wird "
        "nicht mehr gebraucht." + (" Die bisherigen Einstellungen sind aufbewahrt." if replaced else ""),
    )


def disable(request: Request, host: Host) -> Redirect | Page:
    account_id, refusal = _account_to_change(request, host)
    if refusal:
        return refusal
    text = (
        "OAuth ist für dieses E-Mailkonto ausgeschaltet; die gespeicherte Anmeldung "
        "wurde gelöscht. Für den Versand braucht das E-Mailkonto jetzt wieder ein Passwort."
    )
    level, settings = "info", None
    previous = store.previous_settings(host, account_id)
    if previous is not None:
        try:
            settings = keys.vault(host).decrypt(previous)
        except DecryptionError:
            if keys.unreadable(host, "settings", account_id).kind is Kind.TEMPORARY:
                return _back(  # another server can read them: change nothing here
                    host,
                    account_id,
                    "error",
                    "Nicht ausgeschaltet: Dieser Server kann die aufbewahrten Einstellungen von vorher nicht "
                    "entschlüsseln (seine Schlüsselliste ist älter als die der anderen Server). Bitte in einigen "
                    "Minuten erneut versuchen; es wurde nichts geändert.",
                )
            level = "warning"
            text += (
                " Die Einstellungen von vorher konnten nicht wiederhergestellt werden: Sie sind mit einem Schlüssel "
                "verschlüsselt, den die Instanz nicht mehr hat. Bitte SMTP-Server, Port, Verschlüsselung und Passwort "
                "im E-Mailkonto von Hand eintragen."
            )
    store.disable(host, account_id)
    tokens.forget(account_id)
    if settings is not None:
        restored = mail_settings.restore(host, account_id, settings)
        text = (
            "OAuth ist für dieses E-Mailkonto ausgeschaltet; die gespeicherte Anmeldung wurde gelöscht. Die "
            f"Einstellungen von vorher sind wiederhergestellt ({restored})."
        )
    return _back(host, account_id, level, text)


def disconnect(request: Request, host: Host) -> Redirect:
    account_id, refusal = _account_to_change(request, host)
    if refusal:
        return refusal
    if store.account_state(host, account_id) is None:
        return _unknown_account(host)
    store.disconnect(host, account_id)
    tokens.forget(account_id)
    store.add_event(
        host, "disconnected", f"Verbindung getrennt von {request.user.display_name}.", account_id=account_id
    )
    return _back(
        host,
        account_id,
        "info",
        "Verbindung getrennt: cmxOrganize hat die Anmeldung gelöscht und sendet "
        "über dieses E-Mailkonto erst nach einer neuen Anmeldung. Bei Microsoft selbst entziehen Sie den "
        "Zugriff unter myapps.microsoft.com.",
    )


def route(request: Request, host: Host) -> Redirect | Page:
    """ "Versandweg speichern": automatisch, SMTP or Microsoft Graph for this account's mail."""
    account_id, refusal = _account_to_change(request, host)
    if refusal:
        return refusal
    state = store.account_state(host, account_id)
    if state is None:
        return _unknown_account(host)
    try:
        chosen = RouteSchema().load(dict(request.form))["route"]
    except ValidationError as error:
        return _back(host, account_id, "error", "Nicht gespeichert: " + first_error(error))
    store.choose_route(host, account_id, chosen)
    label = sending_route.LABELS[chosen]
    store.add_event(
        host, "route", f"Versandweg „{label}“ gewählt von {request.user.display_name}.", account_id=account_id
    )
    waiting = host.release_held_mail(account_id)  # held mail gets its chance on the route now in use
    text = {
        sending_route.AUTO: "Versandweg „automatisch“: SMTP, solange es geht; ist SMTP AUTH für das Postfach "
        "ausgeschaltet, sendet cmxOrganize über Microsoft Graph.",
        sending_route.SMTP: "Versandweg „SMTP“: Mails dieses E-Mailkontos gehen über den Mailserver (SMTP AUTH).",
        sending_route.GRAPH: "Versandweg „Microsoft Graph“: Mails dieses E-Mailkontos gehen über Microsoft Graph "
        "(ohne SMTP AUTH; höchstens etwa 3 MB je Mail).",
    }[chosen]
    more = f" {count(waiting, 'wartende Mail wird', 'wartende Mails werden')} jetzt gesendet." if waiting else ""
    return _back(host, account_id, "success", f"{text}{more} „E-Mailkonto testen“ prüft den Weg.")


def start(request: Request, host: Host) -> Redirect:
    """ "Bei Microsoft anmelden": send the browser to Microsoft's sign-in page."""
    account_id, refusal = _account_to_change(request, host)
    if refusal:
        return refusal
    url, problem = flow.start(host, request, account_id)
    if problem:
        return _back(host, account_id, problem.level, problem.text)
    return Redirect(url)


def callback(request: Request, host: Host) -> Redirect | Page:
    """``App%20E-Mailkonto/continue_oauth``: Microsoft sends the browser back here."""
    try:
        answer = CallbackQuerySchema().load(dict(request.args))
    except ValidationError as error:
        return Page(
            "Anmeldung bei Microsoft",
            messages=(
                Message(
                    "error",
                    "Die Rückmeldung von Microsoft ist unvollständig oder beschädigt und wurde nicht verarbeitet ("
                    f"{first_error(error)}). Bitte starten Sie die Anmeldung im E-Mailkonto neu.",
                ),
            ),
            status=400,
        )
    if consent.is_answer(answer):
        result = consent.finish(host, request, answer)
        return _to_interface(host, result.level, result.text)
    outcome = flow.finish(host, request, answer)
    return _back(host, outcome.account_id, outcome.level, outcome.text)


def admin_consent(request: Request, host: Host) -> Redirect | Page:
    """ "Administratorzustimmung erteilen" on the Azure interface: off to Microsoft's admin consent page."""
    url, problem = consent.start(host, request)
    if problem:
        return _to_interface(host, problem.level, problem.text)
    return Redirect(url)


def recheck(request: Request, host: Host) -> Redirect | Page:
    """ "Jetzt prüfen" on the Azure interface: the setup checked at Microsoft now; results replace the old ones."""
    interfaces = host.interfaces(INTERFACE_TYPE)
    messages = tuple(checks.recheck(host))
    if not interfaces:
        return Page("Einrichtung prüfen", messages=messages, status=400)
    return Redirect(path_of(host.record_url(INTERFACE_FORM, interfaces[0].id)), messages)


def _to_interface(host: Host, level: str, text: str) -> Redirect | Page:
    interfaces = host.interfaces(INTERFACE_TYPE)
    if not interfaces:
        return Page("Administratorzustimmung", messages=(Message(level, text),), status=400)
    return Redirect(path_of(host.record_url(INTERFACE_FORM, interfaces[0].id)), (Message(level, text),))


def secret_expiry(request: Request, host: Host) -> Redirect | Page:
    """The admin enters when the client secret expires (as Entra shows it)."""
    interfaces = host.interfaces(INTERFACE_TYPE)
    if not interfaces:
        return Page(
            "Geheimer Schlüssel", messages=(Message("error", "Es gibt keine Azure-Schnittstelle."),), status=404
        )
    back = path_of(host.record_url(INTERFACE_FORM, interfaces[0].id))
    try:
        day = SecretExpirySchema().load(dict(request.form))["expires_on"]
    except ValidationError as error:
        return Redirect(back, (Message("error", "Nicht gespeichert: " + first_error(error)),))
    today = store.utcnow().date()
    if not today - dt.timedelta(days=3650) <= day <= today + dt.timedelta(days=800):
        return Redirect(
            back,
            (
                Message(
                    "error",
                    "Nicht gespeichert: Entra-Schlüssel laufen höchstens 24 Monate; bitte "
                    "das Datum aus der Spalte „Läuft ab“ prüfen.",
                ),
            ),
        )
    client_secret.set_expiry(host, day)
    return Redirect(back, (Message("success", f"Ablaufdatum des geheimen Schlüssels gespeichert: {day:%d.%m.%Y}."),))


def overview(request: Request, host: Host) -> Page:
    """All mail accounts with OAuth and their state, for admins."""
    return Page("E-Mailkonten mit OAuth (Microsoft 365)", items=tuple(screens.overview(host)))


# -- the app's credential: certificate or secret ---------------------------------------------------------------------


def _interface_back(host: Host) -> str | None:
    interfaces = host.interfaces(INTERFACE_TYPE)
    return path_of(host.record_url(INTERFACE_FORM, interfaces[0].id)) if interfaces else None


def _no_interface() -> Page:
    return Page("Zertifikat", messages=(Message("error", "Es gibt keine Azure-Schnittstelle."),), status=404)


def certificate(request: Request, host: Host) -> Redirect | Page:
    """ "Zertifikat erstellen" on the Azure interface."""
    back = _interface_back(host)
    if back is None:
        return _no_interface()
    client_id = host.interfaces(INTERFACE_TYPE)[0].username
    try:
        values = CertificateSchema().load({**dict(request.form), "client_id": client_id})
    except ValidationError as error:
        return Redirect(back, (Message("error", "Nicht erstellt: " + first_error(error)),))
    return Redirect(back, tuple(credentials.create(host, values["months"], values["object_id"].lower() or None)))


def certificate_file(request: Request, host: Host) -> Redirect | Page | cmx_hostapi.Response:
    """ "Zertifikat herunterladen": the public part of the waiting certificate (else the one in use), as a .cer
    file (PEM; Entra accepts .cer, .pem and .crt). The private key never leaves cmxOrganize."""
    back = _interface_back(host)
    if back is None:
        return _no_interface()
    offered = credentials.waiting(host) or credentials.in_use(host)
    if offered is None:
        return Redirect(back, (Message("error", "Es gibt noch kein Zertifikat. Zuerst „Zertifikat erstellen“."),))
    name = f"cmxOrganize-{offered.created_at:%Y-%m-%d}-{offered.thumbprint[:8]}.cer"
    download = getattr(cmx_hostapi, "Download", None)
    if download is not None:
        return download(name, "application/x-x509-ca-cert", offered.certificate.encode())
    # A host before API 1.5: the certificate to copy into a file of that name.
    return Page(
        "Zertifikat für Entra",
        items=(
            CopyValue(label=f"Inhalt der Datei {name}", value=offered.certificate),
            Note(f"Fingerabdruck: {offered.thumbprint}"),
        ),
    )


def _on_interface(host: Host, action) -> Redirect | Page:
    """Run a button of the Azure interface and come back to it with the messages."""
    back = _interface_back(host)
    if back is None:
        return _no_interface()
    return Redirect(back, tuple(action(host)))


def certificate_prove(request: Request, host: Host) -> Redirect | Page:
    """ "Zertifikat prüfen": once Microsoft accepts the certificate, it is used."""
    return _on_interface(host, credentials.prove)


def use_secret(request: Request, host: Host) -> Redirect | Page:
    """ "Geheimen Schlüssel verwenden": back to the client secret, once it works."""
    return _on_interface(host, credentials.use_secret)


def remove_secret(request: Request, host: Host) -> Redirect | Page:
    """ "Geheimen Schlüssel entfernen": in certificate mode the stored secret is unused; the admin removes it here
    (an empty password field keeps the stored value, so the form cannot)."""
    return _on_interface(host, credentials.remove_secret)


def rotation_done(request: Request, host: Host) -> Redirect | Page:
    """ "Erledigt: alten Schlüssel in Entra gelöscht": the hint about the old secret ends."""
    return _on_interface(host, client_secret.rotation_done)
