"""The troubleshooting section of the admin guide, generated from the diagnosis catalogue so that the two never
drift apart: ``python -m cmx_plugin_m365.troubleshooting > docs/Fehlerbehebung.md`` (a test compares them)."""

from __future__ import annotations

from .diagnosis import CATALOGUE, Entry, Kind

SECTIONS = (
    ("Anmeldedienst von Microsoft (Codes AADSTS…)", lambda e: e.key.startswith(("AADSTS", "oauth:", "oidc:"))),
    ("Mailserver von Microsoft (SMTP-Antworten)", lambda e: e.key[:1].isdigit()),
    ("Versand über Microsoft Graph", lambda e: e.key.startswith("graph:")),
    ("Vor dem Senden geprüft (Sendelimits, Absender)", lambda e: e.key.startswith(("limit:", "message:"))),
    ("Funktionspostfach mit App-Berechtigung (ohne Anmeldung)", lambda e: e.key.startswith("app:")),
    ("Netzwerk", lambda e: e.key.startswith("net:")),
    ("Gespeicherte Daten (Schlüssel der Instanz)", lambda e: e.key.startswith("key:")),
)

MAIL = {
    Kind.TEMPORARY: "bleiben in der Warteschlange und werden automatisch erneut gesendet.",
    Kind.SIGN_IN: "werden angehalten (nicht verworfen) und gehen nach der nächsten Anmeldung hinaus.",
    Kind.CONFIGURATION: "werden angehalten (nicht verworfen) und gehen hinaus, sobald die Ursache behoben ist: "
    "cmxOrganize versucht es von selbst immer wieder (erst nach Minuten, dann seltener, höchstens täglich) und sagt "
    "Bescheid, wenn es wieder geht; „E-Mailkonto testen“ prüft es sofort.",
    Kind.MESSAGE: "Diese eine Mail wird angehalten; alle anderen Mails des Kontos gehen weiter hinaus.",
    Kind.BUG: "bleiben in der Warteschlange; bitte den cmxKonzepte-Support verständigen.",
}


def _groups(entries) -> list[list[Entry]]:
    """Entries that share cause and fix (several codes, one row of the catalogue) become one section."""
    groups: list[list[Entry]] = []
    for entry in entries:
        if groups and _same(groups[-1][0], entry):
            groups[-1].append(entry)
        else:
            groups.append([entry])
    return groups


def _same(a: Entry, b: Entry) -> bool:
    return (a.title, a.cause, a.action, a.who, a.kind) == (b.title, b.cause, b.action, b.who, b.kind)


def _codes(group: list[Entry]) -> str:
    if group[0].key.startswith(("oauth:", "oidc:", "net:")):
        return ""
    return " – " + ", ".join(dict.fromkeys(e.key for e in group))


def render() -> str:
    lines = [
        "# Fehlerbehebung",
        "",
        "<!-- Generiert aus cmx_plugin_m365/diagnosis/ mit `python -m cmx_plugin_m365.troubleshooting`; nicht von "
        "Hand ändern. -->",
        "",
        "cmxOrganize zeigt bei jedem Fehler eine Meldung mit Ursache, Abhilfe, Zuständigkeit und dem Code von "
        "Microsoft (für den Support auch Trace-ID und Correlation-ID). Hier stehen alle bekannten Meldungen "
        "zum Nachschlagen. Der Befehl `cmx-m365 doctor` prüft eine ganze Instanz auf einmal.",
    ]
    for title, belongs in SECTIONS:
        lines += ["", f"## {title}"]
        for group in _groups(e for e in CATALOGUE if belongs(e)):
            entry = group[0]
            lines += [
                "",
                f"### {entry.title}{_codes(group)}",
                "",
                f"- **Ursache:** {entry.cause}",
                f"- **Was tun:** {entry.action}",
            ]
            if entry.advice(waiting=True) != entry.action:
                lines.append(f"- **Bei einer Anmeldung oder einem Test:** {entry.advice(waiting=True)}")
            lines += [
                f"- **Zuständig:** {entry.who}",
                f"- **Mails:** {MAIL[entry.kind]}",
            ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")
