"""Who may change what: the host decides (host API 1.2, ``Host.may_change``), with the rules of its own forms.

The plugin's routes and methods are the plugin's, not the form's: the host does not apply its record rules to
them, so every route and method that changes a mail account asks first. A 1.1 host cannot be asked; then only its
admins may (the safe reading, documented in the host API).
"""

from __future__ import annotations

from cmx_hostapi import Host, Message, Page, User

from .names import MAIL_ACCOUNT_FORM

WHO_MAY_CHANGE = "Ändern dürfen dieses E-Mailkonto die Admins von cmxOrganize und seine Kontaktperson."
"""What the green field says to those it shows no buttons — and what every refusal repeats."""
REFUSAL = f"Sie dürfen dieses E-Mailkonto nicht ändern. {WHO_MAY_CHANGE} Bitte wenden Sie sich an sie."

TEST_REFUSAL = (
    "Testen dürfen dieses E-Mailkonto die Admins von cmxOrganize und die Kontaktperson des E-Mailkontos; bitte wenden "
    "Sie sich an sie."
)


def may_change_account(host: Host, user: User, account_id: int) -> bool:
    ask = getattr(host, "may_change", None)
    if ask is None:
        return user.is_admin
    return bool(ask(user, MAIL_ACCOUNT_FORM, account_id))


def forbidden() -> Page:
    """The German 403 page for a refused change."""
    return Page("Keine Berechtigung", messages=(Message("error", REFUSAL),), status=403)
