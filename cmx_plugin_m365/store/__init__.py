"""The plugin's rows in the host's database. The store owns every table the migrations create: one module per table
(or pair of tables that belong together), one row type per table, and nobody else writes SQL against them.

=====================  ==========================================================================================
``accounts``           ``m365_account``: state per OAuth mail account, its encrypted token cache, its problem
``signins``            ``m365_signin``, ``m365_consent``: sign-ins and admin consent requests waiting for Microsoft
``events``             ``m365_event``: the trail
``checks``             ``m365_check``: results of online checks, and claims for telling people once
=====================  ==========================================================================================

Everything lives in the database so that any worker can handle any request. Functions here do one statement (or one
short transaction) each and know nothing of OAuth. The flat names below (``store.add_event``, ``store.account_state``
…) are the modules' functions, so that call sites read as before.
"""

from . import app_tokens
from .accounts import (
    APP,
    CONNECTED,
    NEW,
    PERSON,
    ROUTE_AUTO,
    ROUTE_GRAPH,
    ROUTE_SMTP,
    SIGNIN_REQUIRED,
    AccountState,
    Cleared,
    account_state,
    all_account_states,
    choose_route,
    claim_retry,
    clear_problem,
    connect,
    count_refusal,
    disable,
    disconnect,
    enable,
    previous_settings,
    record_sent,
    release_refresh_lease,
    rename,
    restore,
    save_cache,
    set_app_mailbox,
    set_problem,
    set_signin_kind,
    snapshot,
    take_refresh_lease,
    use_route,
)
from .checks import CheckResult, checks, claim_notice, forget_notice, record_check
from .events import FOLD_WITHIN, add_event, events, last_event_code, last_sign_in, purge_events, unknown_answers
from .signins import (
    PendingConsent,
    PendingSignIn,
    add_consent_request,
    add_signin,
    find_consent_request,
    find_signin,
    open_signins,
    purge_signins,
    signins_started_by,
    use_consent_request,
    use_signin,
)
from .values import digest, utcnow

__all__ = [
    "APP",
    "CONNECTED",
    "FOLD_WITHIN",
    "NEW",
    "PERSON",
    "ROUTE_AUTO",
    "ROUTE_GRAPH",
    "ROUTE_SMTP",
    "SIGNIN_REQUIRED",
    "AccountState",
    "CheckResult",
    "Cleared",
    "PendingConsent",
    "PendingSignIn",
    "account_state",
    "add_consent_request",
    "add_event",
    "add_signin",
    "all_account_states",
    "app_tokens",
    "checks",
    "choose_route",
    "claim_notice",
    "claim_retry",
    "clear_problem",
    "connect",
    "count_refusal",
    "digest",
    "disable",
    "disconnect",
    "enable",
    "events",
    "find_consent_request",
    "find_signin",
    "forget_notice",
    "last_event_code",
    "last_sign_in",
    "open_signins",
    "previous_settings",
    "purge_events",
    "purge_signins",
    "record_check",
    "record_sent",
    "release_refresh_lease",
    "rename",
    "restore",
    "save_cache",
    "set_app_mailbox",
    "set_problem",
    "set_signin_kind",
    "signins_started_by",
    "snapshot",
    "take_refresh_lease",
    "unknown_answers",
    "use_consent_request",
    "use_route",
    "use_signin",
    "utcnow",
]
