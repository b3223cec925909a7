"""Extension point "periodic jobs": housekeeping of the plugin's stored data."""

import datetime as dt

from cmx_hostapi import PeriodicJob, hookimpl
from cmx_plugin_m365 import maintenance


@hookimpl
def cmx_periodic_jobs():
    return [
        PeriodicJob("m365: Verschlüsselung auf aktuellen Schlüssel", dt.timedelta(hours=1), maintenance.reencrypt),
        PeriodicJob("m365: alte Anmeldevorgänge löschen", dt.timedelta(hours=6), maintenance.purge_signins),
    ]
