"""What a new password does to a mail account's sign-in (issue 20, item 7).

cmxOrganize is a confidential client. Entra's "Token revocation" table (learn.microsoft.com/entra/identity-platform/
refresh-tokens, "Confidential client token" column): a password the user changes themselves, self-service reset and an
admin's reset in the Azure portal leave its refresh tokens alive; an admin's reset in the Entra or Microsoft 365 admin
center and a revocation of the sessions end them (AADSTS50173)."""

import datetime as dt

import pytest
from freezegun import freeze_time

from devhost.pages import green_field_text


def send_two_hours_later(office, account_id) -> dict:
    """A mail after the access token has expired: it needs a refresh (emulator clock and the plugin's alike)."""
    office.ms.call("clock/advance", seconds=7200)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    with freeze_time(later, tick=True):
        office.instance.mailer.enqueue(account_id, "kurs@example.de", "Nach dem Kennwortwechsel", "x", now=later)
        office.instance.mailer.run_queue(now=later)
    return office.queue(account_id)[-1]


@pytest.mark.parametrize("how", ["user", "sspr", "azure_portal"])
def test_a_password_the_user_changes_leaves_the_account_sending(office, how):
    office.configure()
    account_id, _ = office.connect("anna")
    office.ms.call("user/password", oid=office.org.people["anna"].oid, password="Neu-Kennwort-2026!", how=how)
    mail = send_two_hours_later(office, account_id)
    assert mail["status"] == "sent"
    assert office.row(account_id)["state"] != "signin_required"
    assert [m["subject"] for m in office.ms.messages(to="kurs@example.de")] == ["Nach dem Kennwortwechsel"]


@pytest.mark.parametrize("how", ["entra_admin_center", "m365_admin_center"])
def test_an_admins_reset_in_the_admin_center_needs_a_new_sign_in_and_says_why(office, how):
    office.configure()
    account_id, _ = office.connect("anna")
    office.ms.call("user/password", oid=office.org.people["anna"].oid, password="Neu-Kennwort-2026!", how=how)
    mail = send_two_hours_later(office, account_id)
    assert mail["status"] == "held"
    assert mail["last_error"].startswith(
        "Anmeldung widerrufen: Microsoft hat die Anmeldung widerrufen – bei AADSTS50173, weil ein Admin die "
        "Sitzungen des Kontos widerrufen oder sein Kennwort im Microsoft Entra Admin Center bzw. im Microsoft 365 "
        "Admin Center zurückgesetzt hat"
    )
    assert (
        "Ein Kennwort, das die Person nur selbst ändert, beendet die Anmeldung von cmxOrganize nicht."
        in (mail["last_error"])
    )
    assert (office.row(account_id)["state"], office.row(account_id)["problem_code"]) == (
        "signin_required",
        "AADSTS50173",
    )
    assert "meist, weil das Kennwort" not in green_field_text(office.page(account_id))
