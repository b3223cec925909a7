"""Emulator of the Microsoft identity platform (login.microsoftonline.com)."""
