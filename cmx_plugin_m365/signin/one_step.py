# ruff: noqa: E501 - the Bash template below keeps its German messages on one line each, as the admin reads them
"""Setup in one step: a script for Azure Cloud Shell registers the app, one pasted line (the Einrichtungscode)
finishes it.

cmxOrganize makes the certificate (the private key stays here), then writes a Bash script that holds only public
values — display name, redirect URI, the certificate's public part, the permissions — and calls Microsoft Graph with
``az rest`` (the Azure CLI, signed in already in Azure Cloud Shell). The script checks the admin's roles before it
writes anything, finds the registration it made before by a tag (so a second run updates instead of making a second
app), adds the certificate, creates the service principal, grants the tenant-wide consent and prints one line:

    CMX1-<base64url of {"v":1,"t":tenant,"c":client id,"o":object id,"k":cloud,"m":instance marker}>-<6 hex>

The six hex characters are the start of SHA-256 over the middle part, so a code that lost or changed a character is
refused as such; white space, line breaks and quotes around it (a terminal's wrapping, a mail program) are ignored.
The marker is derived from this instance's redirect URI: a code another instance's script printed is refused.
Nothing in the code is secret. Pasting it proves the certificate with a client-credentials request before anything is
stored; refused, nothing changes.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import re
import shlex
from dataclasses import dataclass
from urllib.parse import urlsplit

from cmx_hostapi import Host, Message

from .. import certificates, identity, store
from ..config import AzureApp, Options
from ..names import INTERFACE_TYPE, SETTINGS_APP, TENANT_SETTING
from .redirect_uri import redirect_uri

PREFIX = "CMX1-"
ORIGIN = "one_step"
"""``origin`` of the certificate made for the script (m365_certificate); its client ID is empty until the code comes."""
NAME_SETTING = "one_step_name"
DAYS = round(24 * 365.25 / 12)  # two years, like "Zertifikat erstellen"'s recommendation
EXCHANGE_APP_ID = "00000002-0000-0ff1-ce00-000000000000"
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

# Entra's built-in role template IDs ("Microsoft Entra built-in roles", permissions-reference) and who may do what:
# "Cloud Application Administrator or Application Administrator to grant consent for apps requesting any permission
# for any API, except Microsoft Graph app roles (application permissions)", "Privileged Role Administrator … for any
# API" (learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent, Prerequisites). Global Administrator
# holds every permission.
GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"
PRIVILEGED_ROLE_ADMIN = "e8611ab8-c189-46e8-94e1-60213ab1f814"
APPLICATION_ADMIN = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"
CLOUD_APPLICATION_ADMIN = "158c047a-c907-4556-b7ef-446551a6b5f7"

DELEGATED_EXCHANGE = ("SMTP.Send",)
DELEGATED_GRAPH = ("openid", "profile", "offline_access", "User.Read", "Mail.Send", "Mail.Send.Shared")
"""What a sign-in asks for (signin.flow: SMTP.Send; Mail.Send, Mail.Send.Shared for the Graph route; User.Read for the
addresses; the OIDC scopes msal adds)."""
APP_ROLES = ((EXCHANGE_APP_ID, "SMTP.SendAsApp"), (GRAPH_APP_ID, "Mail.Send"))
"""The application permissions of ``--app-berechtigungen`` (functional mailboxes without a sign-in, issue 24)."""


class CodeError(ValueError):
    """A pasted Einrichtungscode that cannot be used; the message is German and says what to do."""


@dataclass(frozen=True)
class SetupCode:
    tenant_id: str
    client_id: str
    object_id: str
    cloud: str
    marker: str


def marker(host: Host) -> str:
    """This instance's mark: derived from its redirect URI (public), the same on every worker and restart."""
    return hashlib.sha256(redirect_uri(host.public_base_url).encode()).hexdigest()[:16]


def tag(host: Host) -> str:
    """The tag the script puts on the app registration to find it again (Graph ``tags``)."""
    return f"cmxOrganize:{marker(host)}"


# -- the code --------------------------------------------------------------------------------------------------------


def encode(code: SetupCode) -> str:
    """The code as the script prints it (for tests and tools; the script builds the same with jq and base64)."""
    data = {"v": 1, "t": code.tenant_id, "c": code.client_id, "o": code.object_id, "k": code.cloud, "m": code.marker}
    payload = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")
    return f"{PREFIX}{payload}-{_checksum(payload)}"


def _checksum(payload: str) -> str:
    return hashlib.sha256(payload.encode()).hexdigest()[:6]


MANGLED = (
    "Der Einrichtungscode ist unvollständig oder verändert. Bitte die letzte Zeile, die das Skript ausgegeben hat, "
    "vollständig kopieren (sie beginnt mit „CMX1-“) und hier einfügen."
)


def decode(text: str) -> SetupCode:
    """The code in ``text``; raises :class:`CodeError` for anything else (never repeating the input)."""
    squeezed = re.sub(r"[\s\"'„“”‚‘’<>]", "", text or "")
    if not squeezed:
        raise CodeError("Bitte den Einrichtungscode einfügen (die letzte Zeile, die das Skript ausgegeben hat).")
    if not squeezed.startswith(PREFIX):
        raise CodeError(MANGLED)
    body = squeezed.removeprefix(PREFIX)
    payload, _, checksum = body.rpartition("-")
    if not payload or checksum.lower() != _checksum(payload):
        raise CodeError(MANGLED)
    try:
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, binascii.Error):
        raise CodeError(MANGLED) from None
    if not isinstance(data, dict) or data.get("v") != 1:
        raise CodeError(
            "Dieser Einrichtungscode stammt aus einer anderen Version des Skripts. Bitte den Befehl aus dieser "
            "cmxOrganize-Instanz erneut in Azure Cloud Shell ausführen."
        )
    values = [str(data.get(k, "")).lower() for k in ("t", "c", "o")]
    if not all(GUID.match(v) for v in values) or not data.get("m"):
        raise CodeError(MANGLED)
    return SetupCode(*values, cloud=str(data.get("k", "")), marker=str(data["m"]))


# -- the script -------------------------------------------------------------------------------------------------------


def certificate(host: Host) -> certificates.Certificate | None:
    """The certificate made for the script and not yet taken over by a pasted code."""
    return next(
        (c for c in certificates.all_of(host, "") if c.origin == ORIGIN and c.state == certificates.PENDING), None
    )


def default_name(host: Host) -> str:
    return certificates.setting(host, NAME_SETTING) or (urlsplit(host.public_base_url).hostname or "")


def prepare(host: Host, organisation: str) -> certificates.Certificate:
    """The certificate for the script (made once; made again only when it is close to its end) and the name."""
    certificates.set_setting(host, NAME_SETTING, organisation)
    made = certificate(host)
    if made is not None and made.expires_at - store.utcnow() > dt.timedelta(days=60):
        return made
    made = certificates.make(host, "", DAYS, origin=ORIGIN)
    store.add_event(
        host, "one_step_prepared", f"Zertifikat für die Einrichtung in einem Schritt erstellt ({made.thumbprint})."
    )
    return made


def script(host: Host, made: certificates.Certificate) -> str:
    """The Bash script: public values only, German progress lines, the Einrichtungscode as its last line."""
    options = Options.of(host)
    values = {
        "ANZEIGENAME": f"cmxOrganize {default_name(host)}".strip(),
        "UMLEITUNGS_URI": redirect_uri(host.public_base_url),
        "MARKE": tag(host),
        "MARKE_KURZ": marker(host),
        "GRAPH": options.graph_base_url.rstrip("/"),
        "CLOUD": options.cloud.name,
        "ZERTIFIKAT": certificates.public_key_base64(made),
        "ZERTIFIKAT_NAME": f"cmxOrganize {made.created_at:%Y-%m-%d} {made.thumbprint[:8]}",
        "EXO": EXCHANGE_APP_ID,
        "MSGRAPH": GRAPH_APP_ID,
        "GA": GLOBAL_ADMIN,
        "PRA": PRIVILEGED_ROLE_ADMIN,
        "AA": APPLICATION_ADMIN,
        "CAA": CLOUD_APPLICATION_ADMIN,
        "SCOPES_EXO": " ".join(DELEGATED_EXCHANGE),
        "SCOPES_GRAPH": " ".join(DELEGATED_GRAPH),
    }
    assignments = "\n".join(f"{name}={shlex.quote(value)}" for name, value in values.items())
    return _TEMPLATE.replace("@@VALUES@@", assignments)


def command(text: str) -> str:
    """The one command to paste into Cloud Shell: writes the script to a file (to read, or run again) and runs it."""
    return f"cat > cmxorganize-einrichtung.sh <<'CMX_SKRIPT'\n{text}CMX_SKRIPT\nbash cmxorganize-einrichtung.sh\n"


_TEMPLATE = r"""#!/usr/bin/env bash
# cmxOrganize – App-Registrierung für Microsoft 365 in einem Schritt.
# Für Azure Cloud Shell (Bash); läuft überall, wo die Azure CLI angemeldet ist (az login) und jq vorhanden ist.
# Enthält nur öffentliche Angaben: Name, Umleitungs-URI, den öffentlichen Teil des Zertifikats, die Berechtigungen.
# Der private Schlüssel bleibt in cmxOrganize. Erneut ausführen ist unschädlich: es bleibt bei einer App.
# Option --app-berechtigungen: zusätzlich die Anwendungsberechtigungen SMTP.SendAsApp (Exchange Online) und
# Mail.Send (Microsoft Graph) für Funktionspostfächer ohne Anmeldung (braucht „Administrator für privilegierte Rollen“).
set -euo pipefail
@@VALUES@@
APP_BERECHTIGUNGEN=0
for arg in "$@"; do
  case "$arg" in
    --app-berechtigungen) APP_BERECHTIGUNGEN=1 ;;
    *) echo "Unbekannte Option: $arg (möglich: --app-berechtigungen)" >&2; exit 2 ;;
  esac
done

graph() {  # METHODE PFAD [JSON] – Microsoft Graph über die Azure CLI
  if [ $# -ge 3 ]; then
    az rest --method "$1" --url "$GRAPH/v1.0$2" --headers "Content-Type=application/json" --body "$3"
  else
    az rest --method "$1" --url "$GRAPH/v1.0$2"
  fi
}
stop() { echo "Abgebrochen: $*" >&2; exit 1; }
command -v az >/dev/null || stop "Die Azure CLI (az) fehlt. Am einfachsten in Azure Cloud Shell (Bash) ausführen."
command -v jq >/dev/null || stop "jq fehlt (in Azure Cloud Shell vorhanden)."

echo "cmxOrganize wird in Microsoft Entra ID eingerichtet: $ANZEIGENAME"
echo "1/7 Rollen der angemeldeten Person prüfen …"
ROLLEN=$(graph GET '/me/transitiveMemberOf?$select=id,displayName,roleTemplateId' \
  | jq -r '.value[] | select(."@odata.type" == "#microsoft.graph.directoryRole") | .roleTemplateId')
hat() { grep -qx "$1" <<<"$ROLLEN"; }
if ! { hat "$GA" || hat "$PRA" || hat "$AA" || hat "$CAA"; }; then
  stop "Es wurde nichts angelegt. Ihnen fehlt die Rolle „Cloudanwendungsadministrator“ (oder „Anwendungsadministrator“, „Administrator für privilegierte Rollen“, „Globaler Administrator“). Bitte jemanden mit dieser Rolle den Befehl ausführen lassen oder die Rolle aktivieren (Privileged Identity Management) und erneut starten."
fi
if [ "$APP_BERECHTIGUNGEN" = 1 ] && ! { hat "$GA" || hat "$PRA"; }; then
  stop "Es wurde nichts angelegt. Für --app-berechtigungen (Microsoft Graph Mail.Send als Anwendungsberechtigung) ist die Rolle „Administrator für privilegierte Rollen“ (oder „Globaler Administrator“) nötig. Ohne diese Option genügt Ihre Rolle."
fi

echo "2/7 Mandant und Berechtigungen nachschlagen …"
MANDANT=$(graph GET '/organization?$select=id' | jq -r '.value[0].id')
EXO_SP=$(graph GET "/servicePrincipals?\$filter=appId eq '$EXO'&\$select=id,appId,oauth2PermissionScopes,appRoles")
GRAPH_SP=$(graph GET "/servicePrincipals?\$filter=appId eq '$MSGRAPH'&\$select=id,appId,oauth2PermissionScopes,appRoles")
EXO_SP_ID=$(jq -r '.value[0].id // empty' <<<"$EXO_SP")
GRAPH_SP_ID=$(jq -r '.value[0].id // empty' <<<"$GRAPH_SP")
[ -n "$EXO_SP_ID" ] || stop "Es wurde nichts angelegt. Exchange Online ist in diesem Mandanten nicht vorhanden (keine Lizenz?)."
[ -n "$GRAPH_SP_ID" ] || stop "Es wurde nichts angelegt. Microsoft Graph wurde in diesem Mandanten nicht gefunden."
zugriff() {  # SP-JSON ART(Scope|Role) WERTE… → resourceAccess-Liste; bricht ab, wenn es eine Berechtigung nicht gibt
  local sp=$1 art=$2; shift 2
  local feld=oauth2PermissionScopes; [ "$art" = Role ] && feld=appRoles
  for wert in "$@"; do
    local id; id=$(jq -r --arg f "$feld" --arg w "$wert" '.value[0][$f][] | select(.value == $w) | .id' <<<"$sp")
    [ -n "$id" ] || stop "Es wurde nichts angelegt. Die Berechtigung $wert wurde nicht gefunden."
    jq -cn --arg id "$id" --arg t "$art" '{id: $id, type: $t}'
  done | jq -cs .
}
EXO_ZUGRIFF=$(zugriff "$EXO_SP" Scope $SCOPES_EXO)
GRAPH_ZUGRIFF=$(zugriff "$GRAPH_SP" Scope $SCOPES_GRAPH)
if [ "$APP_BERECHTIGUNGEN" = 1 ]; then
  EXO_ZUGRIFF=$(jq -cs 'add' <<<"$EXO_ZUGRIFF $(zugriff "$EXO_SP" Role SMTP.SendAsApp)")
  GRAPH_ZUGRIFF=$(jq -cs 'add' <<<"$GRAPH_ZUGRIFF $(zugriff "$GRAPH_SP" Role Mail.Send)")
fi
BERECHTIGUNGEN=$(jq -cn --arg exo "$EXO" --arg g "$MSGRAPH" --argjson e "$EXO_ZUGRIFF" --argjson m "$GRAPH_ZUGRIFF" \
  '[{resourceAppId: $exo, resourceAccess: $e}, {resourceAppId: $g, resourceAccess: $m}]')
SCHLUESSEL=$(jq -cn --arg k "$ZERTIFIKAT" --arg n "$ZERTIFIKAT_NAME" \
  '{type: "AsymmetricX509Cert", usage: "Verify", key: $k, displayName: $n}')

echo "3/7 App-Registrierung suchen …"
GEFUNDEN=$(graph GET "/applications?\$filter=tags/any(t:t eq '$MARKE')&\$select=id,appId")
OBJEKT_ID=$(jq -r '.value[0].id // empty' <<<"$GEFUNDEN")
if [ -z "$OBJEKT_ID" ]; then
  echo "4/7 App-Registrierung „$ANZEIGENAME“ anlegen (nur dieses Verzeichnis, Plattform Web, Umleitungs-URI, Zertifikat) …"
  NEU=$(jq -cn --arg n "$ANZEIGENAME" --arg u "$UMLEITUNGS_URI" --arg t "$MARKE" --argjson r "$BERECHTIGUNGEN" \
    --argjson k "$SCHLUESSEL" '{displayName: $n, signInAudience: "AzureADMyOrg", tags: [$t],
      web: {redirectUris: [$u]}, requiredResourceAccess: $r, keyCredentials: [$k]}')
  APP=$(graph POST /applications "$NEU")
  OBJEKT_ID=$(jq -r .id <<<"$APP")
  APP_ID=$(jq -r .appId <<<"$APP")
else
  APP_ID=$(jq -r '.value[0].appId' <<<"$GEFUNDEN")
  echo "4/7 App-Registrierung gibt es schon ($APP_ID): Umleitungs-URI, Berechtigungen und Zertifikat abgleichen …"
  VORHANDEN=$(graph GET "/applications/$OBJEKT_ID?\$select=keyCredentials" \
    | jq -c '[.keyCredentials[] | {type, usage, key, displayName}]')
  SCHLUESSEL_LISTE=$(jq -c --argjson k "$SCHLUESSEL" 'if any(.[]; .key == $k.key) then . else . + [$k] end' <<<"$VORHANDEN")
  AENDERUNG=$(jq -cn --arg n "$ANZEIGENAME" --arg u "$UMLEITUNGS_URI" --argjson r "$BERECHTIGUNGEN" \
    --argjson k "$SCHLUESSEL_LISTE" '{displayName: $n, web: {redirectUris: [$u]}, requiredResourceAccess: $r,
      keyCredentials: $k}')
  graph PATCH "/applications/$OBJEKT_ID" "$AENDERUNG" >/dev/null
fi

echo "5/7 Unternehmensanwendung (Dienstprinzipal) …"
SP_ID=$(graph GET "/servicePrincipals?\$filter=appId eq '$APP_ID'&\$select=id" | jq -r '.value[0].id // empty')
for versuch in 1 2 3 4 5; do
  [ -n "$SP_ID" ] && break
  # Direkt nach dem Anlegen kennt Entra die neue App manchmal noch nicht überall: kurz warten, erneut versuchen.
  SP_ID=$(graph POST /servicePrincipals "$(jq -cn --arg a "$APP_ID" '{appId: $a}')" | jq -r '.id // empty') \
    || sleep $((versuch * 3))
done
[ -n "$SP_ID" ] || stop "Die Unternehmensanwendung ließ sich nicht anlegen. Bitte den Befehl in einigen Minuten erneut ausführen."

echo "6/7 Zustimmung für die ganze Organisation erteilen (Exchange Online, Microsoft Graph) …"
ZUSTIMMUNGEN=$(graph GET "/oauth2PermissionGrants?\$filter=clientId eq '$SP_ID'")
zustimmen() {  # RESSOURCE-SP BERECHTIGUNGEN
  local id
  id=$(jq -r --arg r "$1" '[.value[] | select(.resourceId == $r and .consentType == "AllPrincipals")][0].id // empty' \
    <<<"$ZUSTIMMUNGEN")
  if [ -n "$id" ]; then
    graph PATCH "/oauth2PermissionGrants/$id" "$(jq -cn --arg s "$2" '{scope: $s}')" >/dev/null
  else
    graph POST /oauth2PermissionGrants "$(jq -cn --arg c "$SP_ID" --arg r "$1" --arg s "$2" \
      '{clientId: $c, consentType: "AllPrincipals", resourceId: $r, scope: $s}')" >/dev/null
  fi
}
zustimmen "$EXO_SP_ID" "$SCOPES_EXO"
zustimmen "$GRAPH_SP_ID" "$SCOPES_GRAPH"
if [ "$APP_BERECHTIGUNGEN" = 1 ]; then
  echo "   Anwendungsberechtigungen SMTP.SendAsApp und Mail.Send erteilen …"
  ZUWEISUNGEN=$(graph GET "/servicePrincipals/$SP_ID/appRoleAssignments")
  rolle() {  # RESSOURCE-SP SP-JSON WERT
    local id; id=$(jq -r --arg w "$3" '.value[0].appRoles[] | select(.value == $w) | .id' <<<"$2")
    if ! jq -e --arg i "$id" 'any(.value[]; .appRoleId == $i)' <<<"$ZUWEISUNGEN" >/dev/null; then
      graph POST "/servicePrincipals/$1/appRoleAssignedTo" "$(jq -cn --arg p "$SP_ID" --arg r "$1" --arg i "$id" \
        '{principalId: $p, resourceId: $r, appRoleId: $i}')" >/dev/null
    fi
  }
  rolle "$EXO_SP_ID" "$EXO_SP" SMTP.SendAsApp
  rolle "$GRAPH_SP_ID" "$GRAPH_SP" Mail.Send
  echo "   Für jedes Funktionspostfach bleibt ein Schritt in Exchange Online PowerShell (Exchange-Administrator):"
  echo "   New-ServicePrincipal -AppId $APP_ID -ObjectId $SP_ID -DisplayName \"$ANZEIGENAME\""
  echo "   Add-MailboxPermission -Identity <Funktionspostfach> -User $SP_ID -AccessRights FullAccess"
fi

echo "7/7 Fertig. Anwendungs-ID $APP_ID, Verzeichnis-ID $MANDANT."
echo "Jetzt in cmxOrganize bei „Einrichtungscode“ die folgende Zeile einfügen:"
DATEN=$(jq -cn --arg t "$MANDANT" --arg c "$APP_ID" --arg o "$OBJEKT_ID" --arg k "$CLOUD" --arg m "$MARKE_KURZ" \
  '{v: 1, t: $t, c: $c, o: $o, k: $k, m: $m}')
NUTZLAST=$(printf '%s' "$DATEN" | base64 | tr -d '\n=' | tr '+/' '-_')
PRUEFZIFFERN=$(printf '%s' "$NUTZLAST" | { sha256sum 2>/dev/null || shasum -a 256; } | cut -c1-6)
echo "CMX1-$NUTZLAST-$PRUEFZIFFERN"
"""


# -- the pasted code -----------------------------------------------------------------------------------------------------


def finish(host: Host, code: SetupCode) -> list[Message]:
    """Take over what the script made: only once the certificate is proven at Microsoft; refused, nothing changes."""
    options = Options.of(host)
    if code.marker != marker(host):
        return [
            Message(
                "error",
                "Dieser Einrichtungscode gehört zu einer anderen cmxOrganize-Instanz (einer anderen Adresse). Bitte "
                "den Befehl aus dieser Instanz („Befehl für Azure Cloud Shell erstellen“) ausführen und dessen Code "
                "hier einfügen. Es wurde nichts geändert.",
            )
        ]
    if code.cloud != options.cloud.name:
        return [
            Message(
                "error",
                f"Dieser Einrichtungscode wurde für die Microsoft-Cloud „{code.cloud}“ erstellt, diese Instanz "
                f"verwendet „{options.cloud.name}“. Bitte den Befehl aus dieser Instanz erneut ausführen. Es wurde "
                "nichts geändert.",
            )
        ]
    made = certificate(host)
    if made is None:
        return [Message("error", "Zuerst „Befehl für Azure Cloud Shell erstellen“. Es wurde nichts geändert.")]
    azure = AzureApp(
        code.client_id,
        "",
        code.tenant_id,
        certificate=certificates.credential(host, made),
        thumbprint=made.thumbprint,
    )
    try:
        identity.check_credentials(options, azure)
    except identity.MicrosoftError as error:
        finding = error.finding
        if finding.code in ("AADSTS700027", "AADSTS700016", "AADSTS90002", "AADSTS900023"):
            text = (
                f"Microsoft bestätigt nicht, dass die App-Registrierung {code.client_id} das Zertifikat dieser "
                f"Instanz hat (Fingerabdruck {made.thumbprint}). Bitte den Befehl aus dieser Instanz noch einmal in "
                "Azure Cloud Shell ausführen und die letzte Zeile hier einfügen; direkt nach dem Skript kann es "
                f"einige Minuten dauern. Es wurde nichts geändert. (Code {finding.code})"
            )
        else:
            text = f"Nicht übernommen, es wurde nichts geändert. {finding.message()}"
        store.record_check(host, "one_step", ok=False, code=finding.code, text=text)
        return [Message("error", text)]
    return _take_over(host, code, made)


def _take_over(host: Host, code: SetupCode, made: certificates.Certificate) -> list[Message]:
    save_interface = getattr(host, "save_interface", None)
    save_setting = getattr(host, "save_setting", None)
    if save_interface is None or save_setting is None:
        # A host before API 1.8: the person enters the two values; the certificate waits for "Zertifikat prüfen".
        certificates.update(host, made.thumbprint, client_id=code.client_id)
        certificates.set_setting(host, certificates.OBJECT_ID, code.object_id)
        return [
            Message(
                "warning",
                f"Zertifikat bestätigt. Bitte noch in der Azure-Schnittstelle als Benutzername {code.client_id} und in "
                f"den Einstellungen TenantID = {code.tenant_id} eintragen, dann „Zertifikat prüfen“.",
            )
        ]
    certificates.update(host, made.thumbprint, client_id=code.client_id, proven_at=store.utcnow())
    certificates.set_setting(host, certificates.OBJECT_ID, code.object_id)
    save_interface(INTERFACE_TYPE, name="Microsoft 365", username=code.client_id)
    save_setting(SETTINGS_APP, TENANT_SETTING, code.tenant_id)
    certificates.activate(host, made.thumbprint)
    text = (
        f"Eingerichtet: Anwendungs-ID {code.client_id}, Verzeichnis-ID {code.tenant_id}, Objekt-ID {code.object_id}. "
        f"Microsoft nimmt das Zertifikat an (Fingerabdruck {made.thumbprint}, gültig bis "
        f"{made.expires_at:%d.%m.%Y}; cmxOrganize erneuert es selbst)."
    )
    store.record_check(host, "credentials", ok=True, text="Anwendungs-ID, Verzeichnis und Zertifikat stimmen.")
    store.record_check(host, "one_step", ok=True, text=text)
    store.record_check(
        host,
        "admin_consent",  # signin.consent.CHECK: the green field's "Zustimmung" line
        ok=True,
        text="Zustimmung für die ganze Organisation durch das Einrichtungsskript erteilt.",
    )
    store.add_event(host, "one_step_done", text)
    return [
        Message(
            "success",
            text + " Bereit: E-Mailkonten können jetzt auf OAuth umgestellt werden; die Anmeldung fragt nicht mehr "
            "nach Zustimmung.",
        )
    ]
