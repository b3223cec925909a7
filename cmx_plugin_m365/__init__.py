"""cmx-plugin-m365: Microsoft 365 (OAuth 2.0, SMTP XOAUTH2) for cmxOrganize's mail accounts.

This package is the domain: it knows OAuth, tokens, XOAUTH2 and Microsoft's error codes, and nothing of hook
names. The adapters in the plugin's ``hooks/`` folder connect it to the host API (``cmx_hostapi``).
"""

__version__ = "0.2.0"
