"""A stand-in for cmxOrganize (host) and for Microsoft (entra, exchange), for running and testing the plugin."""
