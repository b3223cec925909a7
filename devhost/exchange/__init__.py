"""Emulator of Exchange Online SMTP client submission (smtp.office365.com)."""
