"""Extension point "methods": "E-Mailkonto testen" on the form E-Mailkonto."""

from cmx_hostapi import Method, hookimpl

from cmx_plugin_m365.care import selftest
from cmx_plugin_m365.diagnosis import waited_for
from cmx_plugin_m365.names import MAIL_ACCOUNT_FORM, TEST_METHOD


@hookimpl
def cmx_methods():
    return [
        Method(
            MAIL_ACCOUNT_FORM,
            TEST_METHOD,
            waited_for(selftest.run),
            description="Prüft Einrichtung und Anmeldung bei Microsoft und sendet eine Testmail an das Konto selbst.",
            busy="E-Mailkonto wird getestet: Microsoft, Anmeldung, Mailserver … (dauert einige Sekunden)",
        ),
    ]
