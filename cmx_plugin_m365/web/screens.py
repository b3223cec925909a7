"""What the plugin shows in the host's green fields: built from the database, never from the network."""

from __future__ import annotations

import datetime as dt

from cmx_hostapi import Action, CopyValue, Facts, GreenFieldItem, Host, Input, MailAccount, Note, User

from .. import certificates, diagnosis, names, permissions, store
from ..care import client_secret, credentials
from ..config import Options
from ..names import INTERFACE_TYPE
from ..sending import route
from ..signin import address_change, consent, flow, mail_settings
from ..signin.redirect_uri import path_of, redirect_uri, registration_problem
from ..wording import BERLIN, count, headline, when
from . import app_permission, one_step

# What the person reads between the click and the answer (host API 1.3, ``busy``).
TO_MICROSOFT = "Verbindung zu Microsoft wird hergestellt …"
CHECKING = "Wird bei Microsoft geprüft …"


TWO_WAYS = (
    "Zwei Wege, wie sich cmxOrganize bei Microsoft ausweist: empfohlen ein Zertifikat – das Passwortfeld leer lassen, "
    "speichern, dann im grünen Feld „Zertifikat erstellen“ (cmxOrganize erneuert es später selbst); oder den Wert "
    "eines geheimen Schlüssels aus Entra ins Passwortfeld eintragen (läuft nach höchstens 24 Monaten ab)."
)


INTERFACE_ADMINS_ONLY = "Ändern dürfen die Azure-Schnittstelle die Admins von cmxOrganize."


def interface_green_field(record_id: int | None, host: Host, user: User | None = None) -> list[GreenFieldItem]:
    """The Azure interface's green field: the redirect URI to register, the secret's expiry, the last checks. Its
    buttons are the admins' (their routes are admin-only): others (``user``) see the state, not the buttons."""
    items = _interface_items(record_id, host)
    if user is None or user.is_admin:
        return items
    return [*(item for item in items if not isinstance(item, Action)), Note(INTERFACE_ADMINS_ONLY)]


def _interface_items(record_id: int | None, host: Host) -> list[GreenFieldItem]:
    if record_id is not None and not any(i.id == record_id for i in host.interfaces(INTERFACE_TYPE)):
        return []
    items: list[GreenFieldItem] = []
    if record_id is None:
        items.append(Note("Für den Typ „Azure“ (Microsoft 365):"))
        items.append(Note(TWO_WAYS))
    uri = redirect_uri(host.public_base_url)
    scheme = uri.split("://", 1)[0] + "://"  # the demo runs on http://; say what is really there
    items.append(
        CopyValue(
            label="Umleitungs-URI für die App-Registrierung",
            value=uri,
            hint=(
                "Im Microsoft Entra Admin Center unter App-Registrierungen → (Ihre Registrierung) → Authentifizierung "
                f"→ Plattform hinzufügen → „Web“ genau so eintragen, Zeichen für Zeichen (mit {scheme}, „%20“ und "
                "gegebenenfalls „www.“)."
            ),
        )
    )
    problem = registration_problem(host.public_base_url)
    if problem:
        items.append(Note(problem, level="error"))
    options = Options.of(host)
    items += [Note(text, level="error") for text in options.problems]
    items += [Note(text, level="warning") for text in options.ignored]
    items += one_step.green_field(host)  # the second way: Azure Cloud Shell (web.one_step)
    if record_id is None:
        return items
    items += _credential_items(host)
    items += _consent_items(host)
    for name, title in (
        ("credentials", "Zugangsdaten"),
        ("redirect_uri", "Umleitungs-URI"),
        ("rotation", "Schlüsselwechsel"),
        ("renewal", "Zertifikat erneuern"),
    ):
        check = store.checks(host).get(name)
        if name == "rotation" and not client_secret.rotation_open(host):
            continue  # the hint about the old secret ends: certificate in use, done, or another secret since
        if check and name == "credentials" and check.ok and _secret_expired_since(host, check.at):
            items.append(
                Note(
                    f"? {title}: zuletzt am {_when(check.at)} geprüft, vor dem Ablauf des geheimen Schlüssels – "
                    "„Jetzt prüfen“ zeigt, ob es noch stimmt.",
                    level="warning",
                )
            )
        elif check:
            mark = "✓" if check.ok else "✗"
            items.append(
                Note(
                    f"{mark} {title} (geprüft {_when(check.at)}): {check.text}",
                    level="success" if check.ok else "error",
                )
            )
    rotation = store.checks(host).get("rotation")
    if rotation is not None and rotation.ok and client_secret.rotation_open(host):
        items.append(
            Action("Erledigt: alten Schlüssel in Entra gelöscht", path_of(host.route_url(names.ROTATION_DONE_PATH)))
        )
    items.append(Action("Jetzt prüfen", path_of(host.route_url(names.RECHECK_PATH)), busy=CHECKING))
    items.append(
        Action("Übersicht aller E-Mailkonten mit OAuth", path_of(host.route_url(names.OVERVIEW_PATH)), method="GET")
    )
    return items


def _secret_expired_since(host: Host, checked_at: dt.datetime) -> bool:
    """The secret's known expiry lies between that check and now: the check's ✓ is no longer the truth."""
    info = client_secret.current(host)
    return info is not None and checked_at < info.expires_at <= store.utcnow()


def _expired_at_microsoft(host: Host, info: client_secret.SecretInfo) -> dt.datetime | None:
    """When Microsoft said this secret has expired (the latest credentials check, made after it was entered)."""
    check = store.checks(host).get("credentials")
    if check and not check.ok and check.code == "AADSTS7000222" and check.at >= info.entered_at:
        return check.at
    return None


def _secret_items(host: Host) -> list[GreenFieldItem]:
    info = client_secret.current(host)
    if info is None:
        return []
    now = store.utcnow()
    days = info.days_left(now)
    expiry = info.expires_at.astimezone(BERLIN).strftime("%d.%m.%Y")
    source = (
        "" if info.expiry_confirmed else " (angenommen: 24 Monate nach dem Eintragen – bitte das echte Datum eintragen)"
    )
    said_expired = _expired_at_microsoft(host, info)  # Microsoft's word beats the date we were told or assumed
    items: list[GreenFieldItem] = [
        Facts(
            (
                ("Geheimer Schlüssel eingetragen", _when(info.entered_at)),
                (
                    "Läuft ab",
                    f"abgelaufen (laut Microsoft, festgestellt {_when(said_expired)})"
                    if said_expired
                    else f"{expiry}{source}",
                ),
                ("Zuletzt von Microsoft akzeptiert", _when(info.validated_at)),
            )
        )
    ]
    if said_expired or now >= info.expires_at:
        since = "laut Microsoft abgelaufen" if said_expired else f"seit {expiry} abgelaufen"
        items.append(
            Note(
                f"Der geheime Schlüssel ist {since}: Über E-Mailkonten mit OAuth wird nichts "
                "mehr gesendet. Legen Sie im Entra Admin Center einen neuen an und tragen Sie seinen Wert "
                "hier ins Passwortfeld ein.",
                level="error",
            )
        )
    elif days <= client_secret.THRESHOLDS[0]:
        items.append(
            Note(
                f"Der geheime Schlüssel läuft in {count(days, 'Tag', 'Tagen')} ab. Legen Sie im Entra Admin Center "
                "einen neuen an und tragen Sie seinen Wert hier ins Passwortfeld ein; cmxOrganize prüft ihn "
                "sofort und sagt Ihnen, wann Sie den alten löschen können.",
                level="warning",
            )
        )
    items.append(
        Action(
            "Ablaufdatum speichern",
            path_of(host.route_url(names.EXPIRY_PATH)),
            inputs=(
                Input(
                    "expires_on",
                    "Ablaufdatum laut Entra („Läuft ab“, TT.MM.JJJJ)",
                    "text",
                    info.expires_at.astimezone(BERLIN).strftime("%d.%m.%Y"),
                ),
            ),
        )
    )
    return items


def _credential_items(host: Host) -> list[GreenFieldItem]:
    """How the app proves itself: a certificate (recommended) or the client secret, and the buttons to change it."""
    current, waiting = credentials.in_use(host), credentials.waiting(host)
    secret = client_secret.current(host)
    kind = "Zertifikat" if current else "Geheimer Schlüssel" if secret else "noch keine"
    items: list[GreenFieldItem] = [Facts((("Anmeldeart", kind),))]
    if current is not None:
        items += _certificate_facts(host, current)
        if secret is not None:
            items.append(
                Note(
                    "Der geheime Schlüssel im Passwortfeld wird nicht verwendet, solange das Zertifikat in Gebrauch "
                    "ist, und beim Speichern nicht geprüft. Sie können ihn im Entra Admin Center löschen und hier "
                    "mit „Geheimen Schlüssel entfernen“ aus cmxOrganize entfernen."
                )
            )
    else:
        items += _secret_items(host)
        if secret is None and waiting is None:
            items.append(
                Note(
                    "Es gibt noch keinen Zugang für die App-Registrierung. Empfohlen: ein Zertifikat – „Zertifikat "
                    "erstellen“, die Datei in Entra hochladen, „Zertifikat prüfen“. Nichts muss kopiert werden, und "
                    "cmxOrganize erneuert es später selbst. Alternativ den Wert eines geheimen Schlüssels ins "
                    "Passwortfeld eintragen (Anleitung, Abschnitt 2).",
                    level="warning",
                )
            )
    if waiting is not None:
        items += _waiting_items(host, waiting)
    items += _certificate_actions(host, current, waiting, secret is not None)
    return items


def _certificate_facts(host: Host, current: certificates.Certificate) -> list[GreenFieldItem]:
    now = store.utcnow()
    object_id = certificates.setting(host, certificates.OBJECT_ID)
    renews = current.expires_at - credentials.RENEW_BEFORE
    self_renewal = (
        f"ja, ab {credentials.when(renews)} (ohne Zutun)"
        if object_id
        else "nein – dafür die Objekt-ID der App-Registrierung eintragen (unten bei „Zertifikat erstellen“)"
    )
    items: list[GreenFieldItem] = [
        Facts(
            (
                ("Zertifikat (Fingerabdruck)", current.thumbprint),
                ("Gültig bis", credentials.when(current.expires_at)),
                ("Zuletzt von Microsoft akzeptiert", _when(current.proven_at)),
                ("Erneuert sich selbst", self_renewal),
            )
        )
    ]
    days = current.days_left(now)
    if now >= current.expires_at:
        items.append(
            Note(
                f"Das Zertifikat ist seit {credentials.when(current.expires_at)} abgelaufen: Über E-Mailkonten mit "
                "OAuth wird nichts mehr gesendet. Laden Sie das neue Zertifikat herunter, in Entra hoch und wählen "
                "Sie „Zertifikat prüfen“.",
                level="error",
            )
        )
    elif days <= credentials.THRESHOLDS[0]:
        items.append(
            Note(
                f"Das Zertifikat läuft in {count(days, 'Tag', 'Tagen')} ab und wurde nicht von selbst erneuert. "
                "Laden Sie das neue Zertifikat herunter, in Entra hoch und wählen Sie „Zertifikat prüfen“.",
                level="warning",
            )
        )
    return items


def _waiting_items(host: Host, waiting: certificates.Certificate) -> list[GreenFieldItem]:
    check = store.checks(host).get("certificate")
    items: list[GreenFieldItem] = [
        Note(
            f"Neues Zertifikat bereit (Fingerabdruck {waiting.thumbprint}, gültig bis "
            f"{credentials.when(waiting.expires_at)}). So wird es verwendet: 1. „Zertifikat herunterladen“. 2. Im "
            f"Entra Admin Center unter {credentials.WHERE_CERTIFICATES} → „Zertifikat hochladen“ die Datei "
            "hochladen und den Fingerabdruck vergleichen. 3. „Zertifikat prüfen“. Bis Microsoft es annimmt, bleibt die "
            "bisherige Anmeldeart in Gebrauch.",
            level="info",
        )
    ]
    if check and not check.ok and waiting.last_code and check.at >= waiting.created_at:
        items.append(Note(f"✗ Zuletzt geprüft {_when(check.at)}: {check.text}", level="error"))
    return items


def _certificate_actions(
    host: Host, current: certificates.Certificate | None, waiting: certificates.Certificate | None, has_secret: bool
) -> list[GreenFieldItem]:
    items: list[GreenFieldItem] = []
    if waiting is not None or current is not None:
        items.append(
            Action("Zertifikat herunterladen", path_of(host.route_url(names.CERTIFICATE_FILE_PATH)), method="GET")
        )
    if waiting is not None or (current is None and credentials.standby(host) is not None):
        items.append(Action("Zertifikat prüfen", path_of(host.route_url(names.CERTIFICATE_PROVE_PATH)), busy=CHECKING))
    items.append(
        Action(
            "Neues Zertifikat erstellen" if current or waiting else "Zertifikat erstellen",
            path_of(host.route_url(names.CERTIFICATE_PATH)),
            inputs=(
                Input(
                    "months",
                    "Gültigkeit",
                    "select",
                    str(credentials.DEFAULT_MONTHS),
                    options=credentials.MONTHS,
                ),
                Input(
                    "object_id",
                    "Objekt-ID der App-Registrierung (für die Selbsterneuerung; Entra → Übersicht)",
                    "text",
                    certificates.setting(host, certificates.OBJECT_ID) or "",
                ),
            ),
            busy="Zertifikat wird erstellt …",
        )
    )
    if current is not None and has_secret:
        items.append(
            Action(
                "Geheimen Schlüssel verwenden",
                path_of(host.route_url(names.USE_SECRET_PATH)),
                busy=CHECKING,
                confirm="Wieder mit dem geheimen Schlüssel anmelden? Das Zertifikat bleibt bereit.",
            )
        )
        if hasattr(host, "save_interface"):  # host API 1.8
            items.append(
                Action(
                    "Geheimen Schlüssel entfernen",
                    path_of(host.route_url(names.REMOVE_SECRET_PATH)),
                    confirm="Den gespeicherten geheimen Schlüssel entfernen? cmxOrganize meldet sich weiter mit dem "
                    "Zertifikat an; ohne Schlüssel gibt es dann keinen Rückweg zum geheimen Schlüssel, bis Sie einen "
                    "neuen eintragen.",
                )
            )
    return items


def _consent_items(host: Host) -> list[GreenFieldItem]:
    """Admin consent: whether it was given from here, and the button to give it (again)."""
    check = consent.granted(host)
    items: list[GreenFieldItem] = []
    if check is None:
        items.append(
            Note(
                "Dürfen Benutzer Ihrer Organisation Apps nicht selbst zustimmen (Microsoft zeigt dann „Genehmigung des "
                "Administrators erforderlich“), muss ein Microsoft-365-Admin cmxOrganize einmalig für alle zustimmen: "
                "Schaltfläche unten, Anmeldung mit dem Administratorkonto, „Akzeptieren“."
            )
        )
    else:
        mark = "✓" if check.ok else "✗"
        items.append(
            Note(
                f"{mark} Administratorzustimmung (zuletzt {_when(check.at)}): {check.text}",
                level="success" if check.ok else "error",
            )
        )
    items.append(
        Action(
            "Administratorzustimmung erteilen" if check is None or not check.ok else "Administratorzustimmung erneuern",
            path_of(host.route_url(names.ADMIN_CONSENT_PATH)),
            busy=TO_MICROSOFT,
        )
    )
    return items


def overview(host: Host) -> list[GreenFieldItem]:
    """Every mail account — with OAuth and its state, or without — for the admins' overview page."""
    labels = {
        store.NEW: "OAuth, nicht angemeldet",
        store.CONNECTED: "OAuth, verbunden",
        store.SIGNIN_REQUIRED: "OAuth, Anmeldung erforderlich",
    }
    states = {state.account_id: state for state in store.all_account_states(host)}
    rows, links, attention = [], [], 0
    for account in host.mail_accounts():
        state = states.pop(account.id, None)
        links.append(path_of(host.record_url(names.MAIL_ACCOUNT_FORM, account.id)))  # each row opens its account
        if state is None:
            rows.append((account.address, "ohne OAuth (Passwort oder anderer Anbieter)"))
            continue
        status = labels.get(state.state, state.state)
        if state.route_in_use == route.GRAPH:
            status += ", über Microsoft Graph"
        if state.problem_code or state.state != store.CONNECTED:
            attention += 1
        if state.problem_code:
            # The stored text begins with the entry's title (several entries share a code, e.g. 535 5.7.139).
            title = (state.problem_text or "").split(": ", 1)[0] or "Problem"
            status += f" – {title} ({state.problem_code})"
        rows.append(
            (
                account.address,
                f"{status}; angemeldet als {state.signed_in_as or '–'}; zuletzt gesendet {_when(state.last_sent_at)}",
            )
        )
    for state in states.values():  # OAuth data of accounts the host no longer has
        rows.append((f"Nr. {state.account_id} (gelöscht)", "OAuth-Daten noch vorhanden"))
    if not rows:
        return [Note("Es gibt noch kein E-Mailkonto.")]
    with_oauth = sum(1 for _, status in rows if status.startswith("OAuth"))
    summary = Note(
        f"{count(len(rows), 'E-Mailkonto', 'E-Mailkonten')}, davon {with_oauth} mit OAuth; "
        f"{count(attention, 'braucht', 'brauchen')} Aufmerksamkeit.",
        level="warning" if attention else "success",
    )
    return [summary, _facts(tuple(rows), tuple(links))]


def _facts(rows: tuple[tuple[str, str], ...], links: tuple[str, ...]) -> Facts:
    """Rows whose labels link (host API 1.9); an older host's Facts has no links."""
    if "links" in Facts.__dataclass_fields__:
        return Facts(rows, links=links)
    return Facts(rows)


_when = when


def _history(host: Host, account_id: int, count: int = 3) -> Facts:
    """The account's latest events (sign-ins, refreshes, problems), newest first: what happened, for support."""
    rows = []
    for event in store.events(host, account_id, count):
        text = headline(event["text"])  # the whole text stood in the message when it happened
        text = text if len(text) <= 160 else text[:159] + "…"
        if event["repeats"] > 1:
            text = f"{text} ({event['repeats']}×)"
        rows.append((_when(event["at"]), text))
    return Facts(tuple(rows))


def _route(state: store.AccountState) -> str:
    """How the account's mail leaves, and why when "automatisch" chose Graph."""
    in_use = route.LABELS[state.route_in_use]
    if state.route != route.AUTO:
        return in_use
    if state.route_in_use == route.GRAPH:
        since = f" seit {_when(state.route_since)}" if state.route_since else ""
        why = " (SMTP AUTH ist für das Postfach ausgeschaltet)" if state.route_reason else ""
        return f"automatisch – zurzeit {in_use}{why}{since}"
    return f"automatisch – zurzeit {in_use}"


def _sends_as(state: store.AccountState, address: str) -> str:
    """The account's address, and what the recipients see instead when it is an alias."""
    if state.mailbox_kind == store.accounts.ALIAS and state.primary_address:
        return (
            f"{address} – Alias des Postfachs {state.primary_address}; Empfänger sehen {state.primary_address}, "
            "solange das Senden von Aliasen ausgeschaltet ist"
        )
    return address


def _sent_items(state: store.AccountState, address: str) -> tuple[str, str] | None:
    """For an account of another mailbox (a shared one, sent as with Send As): where the copies of its mail land on
    the route in use, and what changes it — or None for the signed-in user's own mailbox.

    SMTP: "stored in the Sent Item folder of the mailbox that is used" (smtp-submission-improvements.md): the
    signed-in user's; in the shared mailbox as well with Set-Mailbox -MessageCopyForSentAsEnabled $true (Set-Mailbox.md;
    sent-mail-is-not-saved.md). Graph: ``/users/{address}/sendMail`` keeps it in the shared mailbox, ``/me/sendMail``
    in the signed-in user's (GRAPH-OTHERUSER; :mod:`..sending.graph`)."""
    if state.mailbox_kind != store.accounts.OTHER:
        return None
    me = state.signed_in_as or "des angemeldeten Kontos"
    copy_too = (
        f"Sollen Kopien auch im Postfach {address} liegen, führt ein Microsoft-365-Admin in Exchange Online "
        f"PowerShell Set-Mailbox -Identity {address} -MessageCopyForSentAsEnabled $true aus; ist das schon "
        f"eingeschaltet, liegt dort zusätzlich je eine Kopie."
    )
    if state.route_in_use != route.GRAPH:
        return f"im Postfach {me} (Gesendete Elemente), nicht in {address}", f"Über SMTP: {copy_too}"
    if state.graph_sender == store.accounts.VIA_MAILBOX:
        return f"im Postfach {address} (Gesendete Elemente)", ""
    if state.graph_sender == store.accounts.VIA_ME:
        full_access = (
            f"Ein Microsoft-365-Admin erteilt {me} Vollzugriff auf {address} (Exchange Admin Center → Empfänger → "
            f"Postfächer → {address} → Delegierung → „Lesen und verwalten“); danach „E-Mailkonto testen“ wählen: "
            f"cmxOrganize sendet dann über das Postfach {address} selbst, und die Kopie liegt dort."
        )
        return f"im Postfach {me} (Gesendete Elemente), nicht in {address}: {me} hat keinen Vollzugriff darauf", (
            f"Über Microsoft Graph: {full_access} Oder: {copy_too}"
        )
    return (
        f"im Postfach {address}, wenn {me} Vollzugriff darauf hat, sonst im Postfach {me} – das zeigt die nächste "
        "Mail über Microsoft Graph",
        "",
    )


def _route_action(host: Host, state: store.AccountState, account_field) -> Action:
    return Action(
        "Versandweg speichern",
        path_of(host.route_url(names.ROUTE_PATH)),
        fields=account_field,
        inputs=(
            Input(
                "route",
                "Versandweg",
                "select",
                state.route,
                options=tuple(route.LABELS.items()),
            ),
        ),
    )


def _admin_consent_needed(host: Host, account_id: int) -> list[Note]:
    """While the account is not connected and its last sign-in ended at "admin approval needed" (or another answer
    whose fix is the admin's consent): say so until someone signs in — and once the consent is given, that now the
    sign-in will work."""
    event = store.last_sign_in(host, account_id)
    if event is None or event["kind"] != "signin_failed" or not diagnosis.known(event["code"] or ""):
        return []
    entry = diagnosis.entry(event["code"])
    if not entry.admin_consent:
        return []
    check = consent.granted(host)
    if check is not None and check.ok and check.at > event["at"]:
        return [
            Note(
                f"Die Administratorzustimmung wurde am {_when(check.at)} erteilt. Jetzt „Bei Microsoft anmelden“ "
                "wählen: Microsoft fragt nicht mehr nach einer Zustimmung.",
                level="success",
            )
        ]
    return [
        Note(
            f"Letzter Anmeldeversuch ({_when(event['at'])}): {entry.title}. Verlangt Ihre Organisation die "
            "Zustimmung eines Administrators, erteilt sie ein Microsoft-365-Admin einmalig für alle: in der "
            "Azure-Schnittstelle mit „Administratorzustimmung erteilen“.",
            level="warning",
        )
    ]


def mail_account_green_field(record_id: int | None, host: Host, user: User | None = None) -> list[GreenFieldItem]:
    """The E-Mailkonto's green field, by the account's state (see the admin guide, section 3). People who may not
    change the account (``user``; see :mod:`permissions`) see the state, not the buttons."""
    items = _mail_account_items(record_id, host)
    if user is None or record_id is None or permissions.may_change_account(host, user, record_id):
        return items
    shown: list[GreenFieldItem] = [item for item in items if not isinstance(item, Action)]
    return [*shown, Note(permissions.WHO_MAY_CHANGE)]


def _connected_note(host: Host, record_id: int, address: str) -> Note:
    """Green only for what a mail proved: a new address saved since the last sign-in is not proven until one went."""
    before = address_change.pending(host, record_id)
    if before is None:
        return Note("Mit Microsoft 365 verbunden (OAuth).", level="success")
    return Note(
        f"Mit Microsoft 365 verbunden (OAuth), die neue E-Mailadresse {address} ist aber noch nicht bestätigt (vorher "
        f"{before['address']}): Ob das angemeldete Microsoft-Konto als {address} senden darf, zeigt erst eine Mail. "
        "„E-Mailkonto testen“ prüft es jetzt.",
        level="warning",
    )


def _sign_in_name_note(host: Host, account: MailAccount) -> list[Note]:
    """Before a first sign-in without a known sign-in name, nothing is pre-filled at Microsoft: say what it asks."""
    if flow.sign_in_name(host, account) is not None:
        return []
    return [
        Note(
            "Microsoft fragt nach dem Anmeldenamen des Kontos. Er kann von der E-Mailadresse abweichen (z. B. "
            "vorname.nachname@…onmicrosoft.com); kennen Sie ihn nicht, nennt ihn der Microsoft-365-Admin (Microsoft "
            "365 Admin Center → Benutzer → Benutzername)."
        )
    ]


def _mail_account_items(record_id: int | None, host: Host) -> list[GreenFieldItem]:
    if record_id is None:
        return [Note("Nach dem Speichern können Sie hier OAuth (Microsoft 365) für dieses E-Mailkonto einschalten.")]
    state = store.account_state(host, record_id)
    account_field = (("account_id", str(record_id)),)
    if state is None:
        account = host.mail_account(record_id)
        options = Options.of(host)
        replaced = bool(account) and bool(mail_settings.replaces(account, options))
        return [
            Note(
                "Postfach bei Microsoft 365 (Office 365, Exchange Online)? Dann meldet sich cmxOrganize mit OAuth "
                "an statt mit einem Passwort."
            ),
            Action(
                "OAuth (Microsoft 365) verwenden",
                path_of(host.route_url(names.ENABLE_PATH)),
                fields=(*account_field, ("replace", "1")) if replaced else account_field,
                primary=True,
                confirm=mail_settings.replace_question(account, options) if replaced else None,
            ),
        ]
    switch_off = Action(
        "OAuth nicht mehr verwenden",
        path_of(host.route_url(names.DISABLE_PATH)),
        fields=account_field,
        confirm="OAuth für dieses E-Mailkonto ausschalten und die Anmeldung löschen?",
    )
    sign_in = Action(
        "Bei Microsoft anmelden",
        path_of(host.route_url(names.START_PATH)),
        fields=account_field,
        primary=True,
        busy=TO_MICROSOFT,
    )
    missing = flow.prerequisites(host, record_id)
    if missing:
        return [
            Note(
                "OAuth (Microsoft 365) ist eingeschaltet. Bevor Sie sich bei Microsoft anmelden können, fehlt noch:",
                level="warning",
            ),
            *(Note("• " + m, level="warning") for m in missing),
            switch_off,
        ]
    account = host.mail_account(record_id)
    if state.by_app:  # the app permission (issue 24): its own green field
        tail = [_route_action(host, state, account_field), _history(host, record_id), switch_off]
        return app_permission.green_field(host, state, account, account_field, tail)
    consent_note = _admin_consent_needed(host, record_id)
    if state.state == store.NEW:
        return [
            Note(
                f"OAuth (Microsoft 365) ist eingeschaltet. Melden Sie sich jetzt bei Microsoft an – mit dem Konto, "
                f"dem das Postfach {account.address} gehört. Microsoft fragt, mit welchem Konto; wählen Sie dieses. "
                "Den Benutzernamen trägt cmxOrganize danach selbst ein: den Anmeldenamen, den Microsoft nennt."
            ),
            *_sign_in_name_note(host, account),
            *consent_note,
            sign_in,
            app_permission.kind_action(host, state, account_field),
            _history(host, record_id),
            switch_off,
        ]
    sent_items = _sent_items(state, account.address)
    facts = Facts(
        (
            ("Angemeldet als", state.signed_in_as or "–"),
            ("Sendet als", _sends_as(state, account.address)),
            ("Verbunden seit", _when(state.connected_at)),
            ("Zuletzt erfolgreich gesendet", _when(state.last_sent_at)),
            ("Versandweg", _route(state)),
            *((("Kopien gesendeter Mails", sent_items[0]),) if sent_items else ()),
        )
    )
    choose_route = _route_action(host, state, account_field)
    if state.state == store.SIGNIN_REQUIRED:
        return [
            Note(
                "Anmeldung bei Microsoft erforderlich – bis dahin werden Mails dieses Kontos angehalten, nicht "
                "verworfen.",
                level="error",
            ),
            Note(state.problem_text or "", level="error"),
            *consent_note,
            sign_in,
            facts,
            _history(host, record_id),
            choose_route,
            app_permission.kind_action(host, state, account_field),
            switch_off,
        ]
    items: list[GreenFieldItem] = [
        _connected_note(host, record_id, account.address),
        facts,
        _history(host, record_id),
        Note("Das Feld Passwort wird für dieses E-Mailkonto nicht verwendet: es meldet sich mit OAuth an."),
    ]
    if state.problem_text:
        items.insert(1, Note(state.problem_text, level="warning"))
    if state.mailbox_kind == store.accounts.ALIAS and state.primary_address:
        items.insert(1, Note(flow.alias_note(account.address.strip().lower(), state.primary_address), level="warning"))
    if sent_items and sent_items[1]:
        items.insert(2, Note(sent_items[1]))
    if state.signed_in_as and account.username.strip().lower() != state.signed_in_as:
        items.insert(
            1,
            Note(
                f"Im Feld Benutzername steht {account.username}; cmxOrganize meldet sich beim Mailserver aber mit dem "
                f"Anmeldenamen an, den Microsoft für dieses Konto nennt: {state.signed_in_as}. Der Benutzername wird "
                "bei der nächsten Anmeldung wieder eingetragen.",
            ),
        )
    items += [
        choose_route,
        app_permission.kind_action(host, state, account_field),
        Action("Erneut anmelden", path_of(host.route_url(names.START_PATH)), fields=account_field, busy=TO_MICROSOFT),
        Action(
            "Verbindung trennen",
            path_of(host.route_url(names.DISCONNECT_PATH)),
            fields=account_field,
            confirm="Verbindung trennen? Danach sendet dieses E-Mailkonto erst nach einer neuen Anmeldung.",
        ),
        switch_off,
    ]
    return items
