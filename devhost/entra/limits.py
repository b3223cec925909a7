"""Exchange Online's sending limits per mailbox, on the emulator's clock (../shared/reference/next-features.md §5).

- 30 messages a minute per mailbox over SMTP: "Messages that exceed this limit are throttled and successively carried
  over to the following minutes" (EXO-SUBMIT; OfficeDocs-Support PR #1488) — accepted, but delivered later. The
  emulator accepts such a mail and marks it ``deferred`` with the time it is delivered.
- 10,000 recipients in a rolling 24 hours per mailbox: then ``554 5.2.0 STOREDRV.Submission.Exception:
  SubmissionQuotaExceededException`` (EXO-SUBMIT) until the window frees.
- 3 concurrent SMTP connections per mailbox (EXO-SUBMIT): the fourth gets ``432 4.3.2 Concurrent connections limit
  exceeded. Visit https://aka.ms/concurrent_sending …`` at the end of DATA, the wording real servers send since 2021
  (checked by the SMTP emulator, which cites the captures).
- Graph: 10,000 requests per 10 minutes and 4 concurrent per app and mailbox, then 429 with Retry-After
  (GRAPH-THROTTLE); the 30 per minute are "SMTP client submission only" (§5.1).

The tenant's own limits, off unless a test sets them (issue 20), counted per authenticated user for SMTP ("Recipient
accumulation continues against the authenticated user who submits the messages", defender-office-365
outbound-spam-policies-send-as-send-on-behalf.md, 07/27/2026):

- The outbound spam policy's RecipientLimitExternalPerHour / RecipientLimitInternalPerHour ("the maximum number of
  external recipients that a user can send to within an hour", Set-HostedOutboundSpamFilterPolicy) with
  ActionWhenThresholdReached: BlockUser ("Prevent the user from sending email messages" — until an admin releases the
  user from the Restricted entities page), BlockUserForToday ("until the following day"; the emulator takes the next
  midnight UTC — the page names no time zone) or Alert (nothing but an alert). A blocked user's mail is refused with
  ``550 5.1.8 Access denied, bad outbound sender`` (the NDR's words, MicrosoftDocs/OfficeDocs-o365seccomp#643).
  Inferred, not documented: the hour is a rolling window, the refusal comes at the end of DATA, and the message that
  crosses the limit is refused too (the Send As page: "the current message is evaluated against the limit … the
  configured restriction action is triggered"). External: a recipient whose domain is not one of the tenant's
  (accepted) domains.
- The tenant external recipient rate limit (TERRL): external recipients of all mailboxes of a tenant in a rolling 24
  hours (500 × licences^0.7 + 9,500; Exchange Team blog 2025-02-24, MC1023294: "further messages sent to external
  recipients from the tenant will be blocked until the volume for the last 24 hours drops below the quota"). Refused
  with ``550 5.7.233 Your message can't be sent because your tenant has exceeded its daily limit for sending email to
  external recipients (tenant external recipient rate limit)`` — the NDR table's words (SupportArticles-docs
  non-delivery-reports-in-exchange-online.md, 01/07/2026) with "has exceeded" as a real NDR says it
  (learn.microsoft.com/answers/questions/5835651). Whether Exchange refuses at submission or only sends the NDR is not
  documented: the emulator refuses at the end of DATA, so that a test sees it at once. Mail to internal recipients
  only still goes.

Every number is configurable (control API ``limits``), and so are the windows, so that tests and benchmarks can
scale a "minute" to seconds. Refusals and deferrals are counted (``smtp:refused:quota``, ``smtp:deferred``, …).
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from dataclasses import dataclass, field

R_QUOTA = (
    "554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException; Failed to process message due to a "
    "permanent exception with message Cannot submit message."
)
R_BLOCKED = "550 5.1.8 Access denied, bad outbound sender"
R_TERRL = (
    "550 5.7.233 Your message can't be sent because your tenant has exceeded its daily limit for sending email to "
    "external recipients (tenant external recipient rate limit)"
)
POLICY_ACTIONS = ("BlockUser", "BlockUserForToday", "Alert")


@dataclass
class SendingLimits:
    messages: int = 30
    messages_seconds: float = 60.0
    recipients: int = 10_000
    recipients_seconds: float = 86_400.0
    connections: int = 3
    graph_requests: int = 10_000
    graph_seconds: float = 600.0
    graph_concurrent: int = 4
    external_per_hour: int = 0
    """RecipientLimitExternalPerHour of the outbound spam policy; 0: not emulated (the policy's service defaults)."""
    internal_per_hour: int = 0
    hour_seconds: float = 3600.0
    action: str = "BlockUser"
    """ActionWhenThresholdReached (Microsoft's recommended Standard and Strict value)."""
    terrl: int = 0
    """The tenant's external recipients per ``terrl_seconds``; 0: not emulated."""
    terrl_seconds: float = 86_400.0
    _sent: dict[str, deque] = field(default_factory=dict)
    """Mailbox → (time, recipients, delivered at) of accepted submissions, oldest first."""
    _graph: dict[str, deque] = field(default_factory=dict)
    _hourly: dict[str, deque] = field(default_factory=dict)
    """User → (time, external, internal) of accepted submissions, for the outbound spam policy."""
    _tenant: dict[str, deque] = field(default_factory=dict)
    """Tenant → (time, external recipients) of accepted submissions, for TERRL."""
    _blocked: dict[str, dt.datetime | None] = field(default_factory=dict)
    """Users the policy restricted: until when (None: until an admin releases them)."""

    def set(self, values: dict) -> dict:
        for name in (
            "messages",
            "recipients",
            "connections",
            "graph_requests",
            "graph_concurrent",
            "external_per_hour",
            "internal_per_hour",
            "terrl",
        ):
            if name in values:
                setattr(self, name, int(values[name]))
        for name in ("messages_seconds", "recipients_seconds", "graph_seconds", "hour_seconds", "terrl_seconds"):
            if name in values:
                setattr(self, name, float(values[name]))
        if "action" in values:
            if values["action"] not in POLICY_ACTIONS:
                raise ValueError(f"action is one of {', '.join(POLICY_ACTIONS)}")
            self.action = values["action"]
        for user in values.get("release", []):  # the admin releases a user on the Restricted entities page
            self._blocked.pop(user.lower(), None)
        return self.current()

    def current(self) -> dict:
        values = {k: v for k, v in vars(self).items() if not k.startswith("_")}
        return {**values, "blocked": sorted(self._blocked)}

    def forget(self) -> None:
        self._sent.clear()
        self._graph.clear()
        self._hourly.clear()
        self._tenant.clear()
        self._blocked.clear()

    def policy(
        self, user: str, external: int, internal: int, tenant: str | None, now: dt.datetime
    ) -> tuple[str | None, str]:
        """The tenant's own limits for a submission of ``user`` (under the directory's lock): (None, "") to go on, or
        (the refusal, what happened: ``blocked``, ``blocks`` — this submission made the policy block the user —,
        ``terrl``). Accepted submissions are counted by :meth:`counted`."""
        user = user.lower()
        if user in self._blocked:
            until = self._blocked[user]
            if until is None or until > now:
                return R_BLOCKED, "blocked"
            del self._blocked[user]  # BlockUserForToday: the following day has come
        hour = self._window(self._hourly.setdefault(user, deque()), now, self.hour_seconds)
        over = (self.external_per_hour and sum(e for _, e, _ in hour) + external > self.external_per_hour) or (
            self.internal_per_hour and sum(i for _, _, i in hour) + internal > self.internal_per_hour
        )
        if over and self.action != "Alert":
            tomorrow = (now + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
            self._blocked[user] = None if self.action == "BlockUser" else tomorrow
            return R_BLOCKED, "blocks"
        if self.terrl and external and tenant is not None:
            day = self._window(self._tenant.setdefault(tenant, deque()), now, self.terrl_seconds)
            if sum(n for _, n in day) + external > self.terrl:
                return R_TERRL, "terrl"
        return None, ""

    def counted(self, user: str, external: int, internal: int, tenant: str | None, now: dt.datetime) -> None:
        """An accepted submission, for the tenant's own limits."""
        self._hourly.setdefault(user.lower(), deque()).append((now, external, internal))
        if tenant is not None:
            self._tenant.setdefault(tenant, deque()).append((now, external))

    @staticmethod
    def _window(entries: deque, now: dt.datetime, seconds: float) -> deque:
        while entries and entries[0][0] <= now - dt.timedelta(seconds=seconds):
            entries.popleft()
        return entries

    def submit(self, mailbox: str, recipients: int, now: dt.datetime) -> tuple[str | None, dt.datetime]:
        """A submission of ``mailbox`` (under the directory's lock): (None, when it is delivered — now, or later when
        the message rate was exceeded) or (the refusal reply, when the quota frees enough for it)."""
        sent = self._sent.setdefault(mailbox, deque())
        day = dt.timedelta(seconds=self.recipients_seconds)
        while sent and sent[0][0] <= now - day:
            sent.popleft()
        total = sum(r for _, r, _ in sent)
        if total + recipients > self.recipients:
            frees = now + day
            for at, counted, _ in sent:  # the moment enough recipients have left the window
                total -= counted
                if total + recipients <= self.recipients:
                    frees = at + day
                    break
            return R_QUOTA, frees
        minute = dt.timedelta(seconds=self.messages_seconds)
        recent = [delivered for at, _, delivered in sent if delivered > now - minute]
        delivered = now
        if len(recent) >= self.messages:
            # Carried over: delivered once the mails delivered in the last window have left it.
            delivered = max(now, sorted(recent)[len(recent) - self.messages] + minute)
        sent.append((now, recipients, delivered))
        return None, delivered

    def graph_request(self, mailbox: str, now: dt.datetime) -> float | None:
        """A Graph request for ``mailbox``: None when within the limit, else the Retry-After in seconds."""
        done = self._graph.setdefault(mailbox, deque())
        window = dt.timedelta(seconds=self.graph_seconds)
        while done and done[0] <= now - window:
            done.popleft()
        if len(done) >= self.graph_requests:
            return max((done[0] + window - now).total_seconds(), 1.0)
        done.append(now)
        return None
