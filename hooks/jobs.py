"""Extension point "periodic jobs": secret expiry, certificate renewal, idle sign-ins kept alive, housekeeping."""

import datetime as dt

from cmx_hostapi import PeriodicJob, hookimpl

from cmx_plugin_m365.care import checks, client_secret, credentials, maintenance, way_back


@hookimpl
def cmx_periodic_jobs():
    return [
        PeriodicJob("m365: Ablauf des geheimen Schlüssels", dt.timedelta(hours=6), client_secret.warn),
        # Renews the certificate in use by itself when due; warns when that is not possible (care.credentials).
        PeriodicJob("m365: Zertifikat erneuern", dt.timedelta(hours=1), credentials.job),
        PeriodicJob("m365: ruhende Anmeldungen erneuern", dt.timedelta(hours=12), maintenance.keep_alive),
        # Held mail goes out by itself once its cause is gone: one probe per problem, with a backoff (care.way_back).
        PeriodicJob("m365: angehaltene Mails von selbst senden", dt.timedelta(minutes=5), way_back.job),
        PeriodicJob("m365: Einrichtung täglich prüfen", dt.timedelta(days=1), checks.daily_recheck),
        PeriodicJob("m365: Verschlüsselung auf aktuellen Schlüssel", dt.timedelta(hours=1), maintenance.reencrypt),
        PeriodicJob("m365: alte Anmeldevorgänge und Ereignisse löschen", dt.timedelta(hours=6), maintenance.purge),
    ]
