"""Every answer of Microsoft we know, explained: one catalogue from code to German cause, fix and who must act.

Where the entries come from is said at the top of each table: ``identity_codes`` (the identity platform's AADSTS
codes, from Microsoft's list of Entra error codes and real captured answers), ``exchange_replies`` (Exchange Online's
SMTP replies, from Microsoft's NDR and SMTP submission pages and real captured replies), ``graph_errors``
(Microsoft Graph's answers to sending, from its docs and real captured answers) and ``general`` (OAuth
``error`` values without a known code, and the network). ``readers`` turns each form Microsoft answers in — token
endpoint body, redirect query, sign-in page, SMTP reply, exception — into a :class:`Finding`.

Each entry says what kind of failure it is, which decides what happens to mail: TEMPORARY (retry, keep the mail),
SIGN_IN (the account must sign in again; mail is held), CONFIGURATION (a person must change a setting; mail is
held), MESSAGE (this one mail cannot go), BUG (our fault; mail is kept, the support is needed). An answer the
catalogue does not know keeps Microsoft's first sentence and is marked ``known=False`` so that the doctor can list
it for adding.
"""

from .catalogue import CATALOGUE, aadsts_codes, entry, known, unknown_entry
from .model import (
    CMX_ADMIN,
    M365_ADMIN,
    SENDER,
    SUPPORT,
    USER,
    Entry,
    Finding,
    Kind,
    finding_of,
    is_person_waiting,
    person_waiting,
    waited_for,
)
from .readers import (
    PageReading,
    explain,
    from_body,
    from_exception,
    from_graph,
    from_oauth,
    from_page,
    from_redirect,
    from_smtp,
    pick_code,
    read_page,
)

__all__ = [
    "CATALOGUE",
    "CMX_ADMIN",
    "M365_ADMIN",
    "SENDER",
    "SUPPORT",
    "USER",
    "Entry",
    "Finding",
    "Kind",
    "PageReading",
    "aadsts_codes",
    "entry",
    "explain",
    "finding_of",
    "from_body",
    "from_exception",
    "from_graph",
    "from_oauth",
    "from_page",
    "from_redirect",
    "from_smtp",
    "is_person_waiting",
    "known",
    "person_waiting",
    "pick_code",
    "read_page",
    "unknown_entry",
    "waited_for",
]
