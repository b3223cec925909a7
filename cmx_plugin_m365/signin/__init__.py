"""Signing a mail account in at Microsoft, and what it needs around it.

``flow`` is the sign-in itself (start, Microsoft's answer, the test mail that proves it), ``consent`` the Microsoft
365 admin's consent for the whole organisation, ``redirect_uri`` the address Microsoft sends the browser back to, and
``mail_settings`` what switching an account to OAuth (and back) does to its server settings.
"""
