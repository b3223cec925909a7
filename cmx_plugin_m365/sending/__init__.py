"""Sending a mail account's mail with its sign-in.

``xoauth2`` authenticates the host's SMTP connection (SMTP AUTH XOAUTH2 at Exchange Online); ``mailing`` explains the
mail server's answers to the host.
"""
