"""How the app proves itself to Microsoft: a certificate cmxOrganize makes (recommended) or the client secret.

With a certificate nobody copies a secret, its exact expiry is known, and renewal needs no person: well before the
expiry cmxOrganize makes the next certificate, adds it to its own app registration through Microsoft Graph (addKey,
with a proof signed by the current certificate; no permission needed: next-features §7), proves it, uses it, and
removes the old one (removeKey). Where the tenant refuses, it falls back to the manual way: the new certificate waits
for download and upload, and the admins are warned 30, 14, 7 and 1 days before the real expiry.

A new credential never replaces a working one before Microsoft accepted it: a certificate stays ``pending`` until a
client-credentials request signed with it succeeds; switching back to the secret happens only once the secret works.
The client secret's own care (expiry, rotation) stays in :mod:`.client_secret`.
"""

from __future__ import annotations

import datetime as dt
import logging
import re

import requests
from cmx_hostapi import Host, Message

from .. import certificates, identity, keys, status, store
from ..certificates import ACTIVE, PENDING, RETIRED, STANDBY, Certificate
from ..config import AzureApp, Options
from ..crypto import DecryptionError
from ..diagnosis import Finding, from_exception, from_graph
from ..names import INTERFACE_TYPE, SETTINGS_APP, TENANT_SETTING
from ..wording import BERLIN, count, headline
from . import checks, client_secret

log = logging.getLogger(__name__)

MONTHS = (("12", "1 Jahr"), ("24", "2 Jahre (empfohlen)"), ("36", "3 Jahre"))
"""Validity the admin may choose. Entra sets no maximum; a tenant's app management policy may (next-features §2.1)."""
DEFAULT_MONTHS = 24
RENEW_BEFORE = dt.timedelta(days=45)
"""Self-renewal starts this long before the expiry: before the first warning (30 days), with two weeks to retry."""
RENEWAL_LOCK = dt.timedelta(minutes=50)
WHERE_CERTIFICATES = "App-Registrierungen → cmxOrganize → Zertifikate & Geheimnisse → Zertifikate"
THRESHOLDS = client_secret.THRESHOLDS
NO_REGISTRATION = "Zuerst die Azure-Schnittstelle (Anwendungs-ID) und die Einstellung TenantID speichern."


def _registration(host: Host) -> tuple[str, str] | None:
    """(client ID, tenant) of the Azure interface and the TenantID setting, or None while one is missing."""
    interfaces = host.interfaces(INTERFACE_TYPE)
    tenant = (host.setting(SETTINGS_APP, TENANT_SETTING) or "").strip()
    if not interfaces or not tenant or not interfaces[0].username:
        return None
    return interfaces[0].username, tenant


def in_use(host: Host) -> Certificate | None:
    """The certificate the app proves itself with now, or None (the client secret, or nothing yet)."""
    return certificates.of_registration(host, ACTIVE)


def waiting(host: Host) -> Certificate | None:
    """The newest certificate made but not yet accepted by Microsoft (to upload, or added and not yet proven)."""
    return certificates.of_registration(host, PENDING)


def _with(host: Host, certificate: Certificate) -> AzureApp:
    """The registration proving itself with ``certificate`` — or, when its key cannot be decrypted here, refused with
    that finding (every request with it then fails like a refusal of Microsoft's, classified)."""
    client_id, tenant = _registration(host)
    try:
        credential = certificates.credential(host, certificate)
    except DecryptionError:
        refused = keys.unreadable(host, "certificate", certificate.thumbprint)
        return AzureApp(client_id, "", tenant, thumbprint=certificate.thumbprint, refused=refused)
    return AzureApp(client_id, "", tenant, certificate=credential, thumbprint=certificate.thumbprint)


def when(moment: dt.datetime | None) -> str:
    return moment.astimezone(BERLIN).strftime("%d.%m.%Y") if moment else "–"


# -- made on request -------------------------------------------------------------------------------------------------


def create(host: Host, months: int, object_id: str | None) -> list[Message]:
    """ "Zertifikat erstellen": a new key and certificate, waiting for upload. An older one still waiting (never
    accepted by Microsoft, never used) is dropped: only the newest is offered."""
    registration = _registration(host)
    if registration is None:
        return [Message("error", "Nicht erstellt: " + NO_REGISTRATION)]
    if object_id:
        certificates.set_setting(host, certificates.OBJECT_ID, object_id)
    for old in certificates.all_of(host, registration[0]):
        if old.state == PENDING and old.key_id is None:
            certificates.update(host, old.thumbprint, state=RETIRED, retired_at=store.utcnow())
    days = round(months * 365.25 / 12)
    made = certificates.make(host, registration[0], days, origin="admin")
    store.add_event(host, "certificate_made", f"Zertifikat erstellt (Fingerabdruck {made.thumbprint}).")
    return [
        Message(
            "success",
            f"Zertifikat erstellt, gültig bis {when(made.expires_at)}, Fingerabdruck {made.thumbprint}. Jetzt: "
            f"„Zertifikat herunterladen“, im Entra Admin Center unter {WHERE_CERTIFICATES} → „Zertifikat hochladen“ "
            "diese Datei hochladen, dann „Zertifikat prüfen“. Bis dahin bleibt alles, wie es ist.",
        )
    ]


def prove(host: Host) -> list[Message]:
    """ "Zertifikat prüfen": ask Microsoft with the waiting (or the switched-off) certificate; once it works, it is
    the app's credential — the one before it stops being used, no mail waits."""
    candidate = waiting(host) or standby(host)
    if candidate is None:
        return [Message("error", "Es gibt kein Zertifikat zu prüfen. Zuerst „Zertifikat erstellen“.")]
    if _registration(host) is None:
        return [Message("error", NO_REGISTRATION)]
    finding = _ask(host, candidate)
    if finding is not None:
        certificates.update(host, candidate.thumbprint, last_code=finding.code)
        text = _refusal_text(candidate, finding)
        store.record_check(host, "certificate", ok=False, code=finding.code, text=text)
        return [Message("error", text)]
    before_secret = in_use(host) is None and client_secret.current(host) is not None
    previous = certificates.activate(host, candidate.thumbprint)
    return [Message("success", _switched(host, candidate, previous, before_secret))]


def standby(host: Host) -> Certificate | None:
    """A valid certificate that was in use and was switched off for the client secret (can be switched on again)."""
    found = certificates.of_registration(host, STANDBY)
    return found if found and found.expires_at > store.utcnow() else None


def _ask(host: Host, certificate: Certificate) -> Finding | None:
    try:
        identity.check_credentials(Options.of(host), _with(host, certificate))
    except identity.MicrosoftError as error:
        return error.finding
    certificates.update(host, certificate.thumbprint, proven_at=store.utcnow(), last_code=None)
    return None


LOOKED_FOR = re.compile(r"Thumbprint of key used by client: '([0-9A-Fa-f]{40,64})'")
"""Where AADSTS700027 (both wordings) names the thumbprint Entra looked for (next-features §2.4)."""


def _refusal_text(certificate: Certificate, finding: Finding) -> str:
    if finding.code == "AADSTS700027":
        named = LOOKED_FOR.search(finding.microsoft_text or "")
        looked = named.group(1).upper() if named else certificate.thumbprint
        # Entra names what the client sent: the SHA-256 thumbprint (x5t#S256) where the portal shows SHA-1.
        also = (
            f" (Microsoft nennt es mit seinem SHA-256-Fingerabdruck {looked})"
            if looked != certificate.thumbprint
            else ""
        )
        return (
            f"Microsoft kennt dieses Zertifikat (noch) nicht: Fingerabdruck {certificate.thumbprint}{also}. Laden "
            f"Sie die Datei aus „Zertifikat herunterladen“ im Entra Admin Center unter {WHERE_CERTIFICATES} hoch und "
            "vergleichen Sie dort den Fingerabdruck; direkt nach dem Hochladen kann es einige Minuten dauern. Bis "
            f"dahin gilt die bisherige Anmeldeart weiter. (Code {finding.code})"
        )
    return f"Zertifikat nicht übernommen – die bisherige Anmeldeart gilt weiter. {finding.message()}"


def _switched(host: Host, new: Certificate, previous: Certificate | None, before_secret: bool) -> str:
    store.record_check(host, "credentials", ok=True, text=checks.CERTIFICATE_OK)
    store.record_check(host, "certificate", ok=True, text=f"Zertifikat {new.thumbprint} von Microsoft angenommen.")
    cleared = status.app_problems_disproved(host)  # e.g. "secret expired" on every account: their mail goes now
    fixed = f" Behoben bei {count(cleared, 'E-Mailkonto', 'E-Mailkonten')}; wartende Mails gehen jetzt hinaus."
    text = "Zertifikat geprüft: Microsoft nimmt es an, cmxOrganize meldet sich ab jetzt damit an (gültig bis " + (
        f"{when(new.expires_at)}, Fingerabdruck {new.thumbprint})."
    )
    if previous is not None and previous.key_id is None:
        text += (
            f" Das vorige Zertifikat (Fingerabdruck {previous.thumbprint}) wird nicht mehr gebraucht: Löschen Sie es "
            f"im Entra Admin Center unter {WHERE_CERTIFICATES}."
        )
    elif before_secret:
        text += (
            " Den geheimen Schlüssel braucht cmxOrganize nicht mehr: Löschen Sie ihn im Entra Admin Center "
            "(Zertifikate & Geheimnisse → Geheime Clientschlüssel); das Passwortfeld der Azure-Schnittstelle darf "
            "leer bleiben."
        )
    store.add_event(host, "certificate_active", text)
    return text + (fixed if cleared else "")


# -- back to the secret ------------------------------------------------------------------------------------------------


def use_secret(host: Host) -> list[Message]:
    """ "Geheimen Schlüssel verwenden": the secret in the Azure interface becomes the credential again — once Microsoft
    accepted it; the certificate is kept (switched off) and can be switched on again while it is valid."""
    current = in_use(host)
    interfaces = host.interfaces(INTERFACE_TYPE)
    if current is None:
        return [Message("info", "cmxOrganize meldet sich bereits mit dem geheimen Schlüssel an.")]
    if not interfaces or not interfaces[0].password:
        return [
            Message(
                "error",
                "Nicht umgestellt: Im Passwortfeld der Azure-Schnittstelle steht kein geheimer Schlüssel. Tragen Sie "
                "zuerst den Wert eines gültigen geheimen Schlüssels ein und speichern Sie.",
            )
        ]
    if _registration(host) is None:
        return [Message("error", "Nicht umgestellt: " + NO_REGISTRATION)]
    client_id, tenant = _registration(host)
    try:
        identity.check_credentials(Options.of(host), AzureApp(client_id, interfaces[0].password, tenant))
    except identity.MicrosoftError as error:
        return [
            Message(
                "error",
                f"Nicht umgestellt – cmxOrganize meldet sich weiter mit dem Zertifikat an. {error.finding.message()}",
            )
        ]
    certificates.update(host, current.thumbprint, state=STANDBY)
    client_secret.mark_validated(host)
    text = (
        "Umgestellt: cmxOrganize meldet sich wieder mit dem geheimen Schlüssel an (von Microsoft soeben angenommen). "
        f"Das Zertifikat {current.thumbprint} bleibt bis {when(current.expires_at)} bereit („Zertifikat prüfen“ "
        "schaltet es wieder ein)."
    )
    store.record_check(host, "credentials", ok=True, text=checks.CREDENTIALS_OK)
    store.add_event(host, "secret_active", text)
    return [Message("success", text)]


def remove_secret(host: Host) -> list[Message]:
    """ "Geheimen Schlüssel entfernen": only while the certificate is in use (then the secret is not used, and after
    the switch the admin was told to delete it in Entra). Needs a host that lets the plugin change the interface (host
    API 1.9); an older one keeps the stored value, which stays unused."""
    current = in_use(host)
    interfaces = host.interfaces(INTERFACE_TYPE)
    if not interfaces or not interfaces[0].password:
        return [Message("info", "In der Azure-Schnittstelle ist kein geheimer Schlüssel gespeichert.")]
    if current is None:
        return [
            Message(
                "error",
                "Nicht entfernt: cmxOrganize meldet sich mit diesem geheimen Schlüssel an. Zuerst ein Zertifikat "
                "erstellen, in Entra hochladen und „Zertifikat prüfen“ wählen.",
            )
        ]
    save_interface = getattr(host, "save_interface", None)  # host API 1.8
    if save_interface is None:
        return [
            Message(
                "info",
                "Diese Version von cmxOrganize kann den gespeicherten Schlüssel nicht entfernen. Er wird nicht "
                "verwendet, solange das Zertifikat in Gebrauch ist.",
            )
        ]
    save_interface(INTERFACE_TYPE, name=interfaces[0].name, password="")
    text = (
        "Geheimen Schlüssel aus der Azure-Schnittstelle entfernt. cmxOrganize meldet sich mit dem Zertifikat "
        f"{current.thumbprint} an."
    )
    store.add_event(host, "secret_removed", text)
    return [Message("success", text)]


# -- renewal by itself -------------------------------------------------------------------------------------------------


def renew(host: Host, now: dt.datetime) -> str | None:
    """The periodic job: renew the certificate in use once it is due (:data:`RENEW_BEFORE`). Returns what happened,
    or None when nothing was due. Only one worker per run does it (a claim in the database)."""
    current = in_use(host)
    if current is None or current.expires_at - now > RENEW_BEFORE or _registration(host) is None:
        return None
    if _with(host, current).refused is not None:
        return None  # its key cannot be read here, so nothing can be signed with it (the admins were told)
    if not store.claim_notice(host, "certificate-renewal", RENEWAL_LOCK):
        return None
    added = waiting(host)
    if added is not None and added.key_id:
        # Added at Microsoft on an earlier run, not yet accepted there (Entra may need a few minutes to know it).
        return _finish_renewal(host, current, added)
    object_id = certificates.setting(host, certificates.OBJECT_ID)
    if not object_id:
        return _renewal_failed(
            host,
            current,
            "Für die Selbsterneuerung fehlt die Objekt-ID der App-Registrierung (Entra Admin Center → "
            "App-Registrierungen → cmxOrganize → Übersicht → „Objekt-ID“; im grünen Feld der Azure-Schnittstelle "
            "eintragen).",
            code="CERT-OBJECT-ID",
        )
    if added is None:
        lifetime = current.expires_at - current.not_before
        added = certificates.make(host, current.client_id, max(lifetime.days, 30), origin="renewal")
    try:
        key_id = _add_key(host, current, added, object_id)
    except identity.MicrosoftError as error:
        return _renewal_failed(host, current, error.finding.message(), code=error.finding.code)
    certificates.update(host, added.thumbprint, key_id=key_id)
    return _finish_renewal(host, current, certificates.get(host, added.thumbprint))


def _finish_renewal(host: Host, current: Certificate, added: Certificate) -> str | None:
    finding = _ask(host, added)
    if finding is not None:
        certificates.update(host, added.thumbprint, last_code=finding.code)
        if finding.code == "AADSTS700027":
            return None  # Microsoft does not know it yet; the next run asks again (the old one works until then)
        return _renewal_failed(host, current, finding.message(), code=finding.code)
    certificates.activate(host, added.thumbprint)
    store.record_check(host, "credentials", ok=True, text=checks.CERTIFICATE_OK)
    removed = _remove_old(host, current, added)
    text = (
        f"cmxOrganize hat sein Zertifikat selbst erneuert: Das neue (Fingerabdruck {added.thumbprint}, gültig bis "
        f"{when(added.expires_at)}) ist bei Microsoft hinterlegt, geprüft und in Gebrauch. "
    )
    text += (
        f"Das alte ({current.thumbprint}) wurde aus der App-Registrierung entfernt."
        if removed
        else f"Das alte ({current.thumbprint}, läuft am {when(current.expires_at)} ab) können Sie im Entra Admin "
        f"Center unter {WHERE_CERTIFICATES} löschen; es wird nicht mehr gebraucht."
    )
    text += " Sie müssen nichts tun."
    store.record_check(host, "renewal", ok=True, text=text)
    store.add_event(host, "certificate_renewed", text)
    host.notify("admins", "cmxOrganize hat sein Zertifikat für Microsoft 365 erneuert", text)
    return text


def _renewal_failed(host: Host, current: Certificate, reason: str, *, code: str | None) -> str:
    """The manual way: the new certificate waits for upload, the admins are told once (and warned on expiry)."""
    if waiting(host) is None:
        lifetime = current.expires_at - current.not_before
        certificates.make(host, current.client_id, max(lifetime.days, 30), origin="renewal")
    text = (
        f"cmxOrganize konnte sein Zertifikat nicht selbst erneuern: {reason} Das Zertifikat in Gebrauch "
        f"({current.thumbprint}) gilt bis {when(current.expires_at)}; bis dahin geht alles weiter. So erneuern Sie es "
        "von Hand: 1. Im grünen Feld der Azure-Schnittstelle „Zertifikat herunterladen“ (das neue liegt bereit). "
        f"2. Im Entra Admin Center unter {WHERE_CERTIFICATES} → „Zertifikat hochladen“. 3. In cmxOrganize "
        f"„Zertifikat prüfen“. 4. Danach das alte Zertifikat ({current.thumbprint}) in Entra löschen."
    )
    store.record_check(host, "renewal", ok=False, code=code, text=text)
    if store.claim_notice(host, "certificate-renewal-failed", dt.timedelta(days=7)):
        host.notify("admins", "Zertifikat für Microsoft 365: bitte von Hand erneuern", text)
        store.add_event(host, "certificate_renewal_failed", text, code=code)
    return text


def _graph(host: Host, current: Certificate, path: str, payload: dict) -> requests.Response:
    """A call of the application's own key actions on Graph, with an app-only token of the current certificate."""
    options = Options.of(host)
    token = identity.app_token(options, _with(host, current), f"{options.cloud.graph}/.default")
    try:
        response = identity.session(options).post(
            f"{options.graph_base_url.rstrip('/')}/v1.0/{path}",
            json=payload,
            headers={"Authorization": f"Bearer {token}"},
        )
    except requests.RequestException as error:
        raise identity.MicrosoftError(from_exception(error)) from None
    if response.status_code >= 300:
        raise identity.MicrosoftError(from_graph(response.status_code, response.content))
    return response


PROOF_AUDIENCE_SETTING = "proof_audience"
"""The plugin's setting (m365_setting) with the proof ``aud`` Graph accepted last; the next renewal tries it first."""
MALFORMED = "graph:Authentication_MissingOrMalformed"
"""Graph's answer to a proof it does not accept (401; microsoft-graph-docs-contrib#1076 with the 2023 audience)."""


def proof_audience(host: Host) -> str | None:
    """The proof audience Graph accepted last time, or None before the first renewal."""
    return certificates.setting(host, PROOF_AUDIENCE_SETTING)


def _with_proof(host: Host, signer: Certificate, object_id: str, path: str, payload: dict) -> requests.Response:
    """addKey or removeKey with a proof signed by ``signer``: first with the audience that worked last time (else the
    one Microsoft documents today, certificates.PROOF_AUDIENCE); when Graph refuses it with 401
    Authentication_MissingOrMalformed, once more with the other documented value. The one that worked is kept for the
    next renewal and said in the event trail."""

    def call(audience: str) -> requests.Response:
        signed = certificates.proof(host, signer, object_id, audience=audience)
        return _graph(host, signer, path, {**payload, "proof": signed})

    remembered = proof_audience(host)
    used = remembered if remembered in certificates.PROOF_AUDIENCES else certificates.PROOF_AUDIENCE
    refused = None
    try:
        response = call(used)
    except identity.MicrosoftError as error:
        if error.finding.code != MALFORMED:
            raise
        refused, used = used, next(a for a in certificates.PROOF_AUDIENCES if a != used)
        response = call(used)  # a second refusal is the answer
    if used != remembered:
        certificates.set_setting(host, PROOF_AUDIENCE_SETTING, used)
        text = f"Microsoft Graph hat den Besitznachweis des Zertifikats mit der Zielgruppe (aud) {used} angenommen"
        if refused:
            text += f", nachdem es {refused} abgelehnt hatte (401 Authentication_MissingOrMalformed)"
        store.add_event(host, "certificate_proof_audience", text + "; die nächste Erneuerung verwendet sie zuerst.")
    return response


def _add_key(host: Host, current: Certificate, added: Certificate, object_id: str) -> str:
    """Graph's addKey: the new certificate (public part) joins the app registration; returns its keyId."""
    response = _with_proof(
        host,
        current,
        object_id,
        f"applications/{object_id}/addKey",
        {
            "keyCredential": {
                "type": "AsymmetricX509Cert",
                "usage": "Verify",
                "key": certificates.public_key_base64(added),
                "displayName": f"cmxOrganize {when(added.created_at)}",
            },
            "passwordCredential": None,
        },
    )
    try:
        body = response.json()
    except ValueError:
        body = None
    key_id = body.get("keyId") if isinstance(body, dict) else None
    if not isinstance(key_id, str) or not re.fullmatch(r"[0-9a-fA-F-]{36}", key_id):
        # Not Graph's keyCredential (a proxy's page, a broken answer): the key may or may not have been added.
        raise identity.MicrosoftError(from_exception(ValueError("addKey answered without a keyId")))
    return key_id


def _remove_old(host: Host, old: Certificate, new: Certificate) -> bool:
    """Graph's removeKey for the old certificate — only when cmxOrganize added it itself and knows its keyId (one a
    person uploaded has a keyId that an app without read permission cannot learn). Returns whether it was removed."""
    object_id = certificates.setting(host, certificates.OBJECT_ID)
    if not old.key_id or not object_id:
        return False
    try:
        _with_proof(host, new, object_id, f"applications/{object_id}/removeKey", {"keyId": old.key_id})
    except identity.MicrosoftError as error:
        log.warning("m365: removing the old certificate failed (%s); it expires by itself", error.finding.code)
        return False
    certificates.update(host, old.thumbprint, removed_at=store.utcnow())
    return True


# -- warnings ------------------------------------------------------------------------------------------------------


LAST_RESORT_DAYS = 7
"""Days before the expiry from which the admins are warned even while self-renewal has not given up (stuck, say)."""


def warn(host: Host, now: dt.datetime) -> str | None:
    """The periodic job: the certificate in use expires soon and will not renew itself — tell the admins once per
    threshold (30, 14, 7, 1 days) and daily after the expiry. Returns the subject sent, or None.

    Only once the manual way was decided (the renewal's last check failed, under its claim) — never while another
    worker is renewing — or when self-renewal has not succeeded a week before the expiry. One worker tells per
    threshold: the warned thresholds are claimed with a compare-and-swap."""
    current = in_use(host)
    if current is None:
        return None
    days, today, expired = current.days_left(now), now.astimezone(BERLIN).date().isoformat(), now >= current.expires_at
    due = client_secret.due_warnings(days, expired, current.warned, current.last_warned_on, today)
    if due is None:
        return None
    check = store.checks(host).get("renewal")
    manual = check is not None and not check.ok and check.at >= current.activated_at if current.activated_at else False
    if not manual and days > LAST_RESORT_DAYS and not expired:
        return None  # self-renewal is due or under way: nothing for a person to do (yet)
    warned = (current.warned or ",") + "".join(f"{t}," for t in due)
    if not certificates.claim_warning(host, current.thumbprint, current.warned, warned, today):
        return None  # another worker tells
    if expired:
        subject = "Zertifikat der Azure-Schnittstelle ist abgelaufen"
        intro = f"Das Zertifikat von cmxOrganize für Microsoft 365 ist seit {when(current.expires_at)} abgelaufen."
    else:
        moment = {0: "heute", 1: "morgen"}.get(days, f"in {days} Tagen")
        subject = f"Zertifikat der Azure-Schnittstelle läuft {moment} ab"
        intro = f"Das Zertifikat von cmxOrganize für Microsoft 365 läuft am {when(current.expires_at)} ab."
    why = f" {headline(check.text)}" if check and not check.ok else ""
    text = (
        f"{intro}{why} Danach kann cmxOrganize über keines der E-Mailkonten mit OAuth mehr senden.\n\n"
        "So erneuern Sie es (Anleitung, Abschnitt 4, Zertifikat):\n"
        "1. In cmxOrganize die Azure-Schnittstelle öffnen; im grünen Feld liegt ein neues Zertifikat bereit – "
        "„Zertifikat herunterladen“.\n"
        f"2. Im Entra Admin Center unter {WHERE_CERTIFICATES} → „Zertifikat hochladen“ diese Datei hochladen.\n"
        "3. In cmxOrganize „Zertifikat prüfen“: cmxOrganize wechselt ohne Lücke und sagt Ihnen, wann Sie das alte "
        "löschen können."
    )
    if waiting(host) is None:
        lifetime = current.expires_at - current.not_before
        certificates.make(host, current.client_id, max(lifetime.days, 30), origin="renewal")
    host.notify("admins", subject, text)
    return subject


def job(host: Host, now: dt.datetime) -> None:
    """The periodic job "m365: Zertifikat erneuern": renew when due, otherwise warn when the expiry nears."""
    renew(host, now)
    warn(host, now)
