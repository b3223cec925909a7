"""What the plugin shows in the host's green fields: built from the database, never from the network."""

from __future__ import annotations

from cmx_hostapi import CopyValue, GreenFieldItem, Host, Note

from .names import INTERFACE_TYPE
from .redirect_uri import redirect_uri, registration_problem


def interface_green_field(record_id: int | None, host: Host) -> list[GreenFieldItem]:
    """The Azure interface's green field: the exact redirect URI to register in Entra."""
    if record_id is not None and not any(i.id == record_id for i in host.interfaces(INTERFACE_TYPE)):
        return []
    items: list[GreenFieldItem] = []
    if record_id is None:
        items.append(Note("Für den Typ „Azure“ (Microsoft 365):"))
    items.append(
        CopyValue(
            label="Umleitungs-URI für die App-Registrierung",
            value=redirect_uri(host.public_base_url),
            hint=(
                "Im Microsoft Entra Admin Center unter App-Registrierungen → (Ihre Registrierung) → Authentifizierung "
                "→ Plattform hinzufügen → „Web“ genau so eintragen, Zeichen für Zeichen (mit https://, „%20“ und "
                "gegebenenfalls „www.“)."
            ),
        )
    )
    problem = registration_problem(host.public_base_url)
    if problem:
        items.append(Note(problem, level="error"))
    return items
