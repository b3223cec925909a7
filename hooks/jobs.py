"""Extension point "periodic jobs": secret-expiry warnings, keeping idle sign-ins alive, housekeeping."""

import datetime as dt

from cmx_hostapi import PeriodicJob, hookimpl
from cmx_plugin_m365.care import checks, client_secret, maintenance


@hookimpl
def cmx_periodic_jobs():
    return [
        PeriodicJob("m365: Ablauf des geheimen Schlüssels", dt.timedelta(hours=6), client_secret.warn),
        PeriodicJob("m365: ruhende Anmeldungen erneuern", dt.timedelta(hours=12), maintenance.keep_alive),
        PeriodicJob("m365: angehaltene Mails erneut versuchen", dt.timedelta(hours=1), maintenance.retry_held),
        PeriodicJob("m365: Einrichtung täglich prüfen", dt.timedelta(days=1), checks.daily_recheck),
        PeriodicJob("m365: Verschlüsselung auf aktuellen Schlüssel", dt.timedelta(hours=1), maintenance.reencrypt),
        PeriodicJob("m365: alte Anmeldevorgänge und Ereignisse löschen", dt.timedelta(hours=6), maintenance.purge),
    ]
