"""Microsoft Graph, emulated (mail sending)."""
