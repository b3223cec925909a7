"""Extension point "instance started" (host API 1.9): the per-instance options checked once at start."""

from cmx_hostapi import Message, hookimpl

from cmx_plugin_m365.config import Options


@hookimpl
def cmx_instance_started(host):
    options = Options.of(host)
    return [Message("warning", text) for text in options.ignored] + [
        Message("error", text) for text in options.problems
    ]
