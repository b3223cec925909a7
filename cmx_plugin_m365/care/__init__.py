"""Keeping the setup working for years, and proving it on request.

``checks`` (is the setup right, now and daily), ``setup_checks`` (right after an admin saved it), ``selftest``
("E-Mailkonto testen"), ``client_secret`` (its expiry, warnings and rotation), ``maintenance`` (idle sign-ins kept
alive, old rows purged, re-encryption) and ``keys`` (what happens while the host's keys are rolled out).
"""
