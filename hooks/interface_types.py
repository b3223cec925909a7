"""Extension point "interface types": adds the "Azure" Schnittstelle that holds the app registration."""

from cmx_hostapi import InterfaceType, hookimpl

from cmx_plugin_m365.care.checks import check_interface
from cmx_plugin_m365.diagnosis import waited_for
from cmx_plugin_m365.names import INTERFACE_TYPE
from cmx_plugin_m365.web.schemas import AzureInterfaceSchema, looks_like_secret


@hookimpl
def cmx_interface_types():
    return [
        InterfaceType(
            name=INTERFACE_TYPE,
            username_label="Anwendungs-ID (Client)",
            password_label="Wert des geheimen Schlüssels",  # noqa: S106 - a label, not a password
            schema=AzureInterfaceSchema,
            help=(
                "Die App-Registrierung von cmxOrganize im Microsoft Entra Admin Center. Es gibt genau eine "
                "Azure-Schnittstelle pro Instanz; alle E-Mailkonten mit OAuth verwenden sie. Das Passwortfeld darf "
                "leer bleiben: Empfohlen ist ein Zertifikat, das Sie nach dem Speichern im grünen Feld erstellen; "
                "alternativ tragen Sie den Wert eines geheimen Schlüssels ein."
            ),
            unique=True,
            check=waited_for(check_interface),
            secret_shaped=looks_like_secret,
        )
    ]
