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
    _sent: dict[str, deque] = field(default_factory=dict)
    """Mailbox → (time, recipients, delivered at) of accepted submissions, oldest first."""
    _graph: dict[str, deque] = field(default_factory=dict)

    def set(self, values: dict) -> dict:
        for name in (
            "messages",
            "recipients",
            "connections",
            "graph_requests",
            "graph_concurrent",
        ):
            if name in values:
                setattr(self, name, int(values[name]))
        for name in ("messages_seconds", "recipients_seconds", "graph_seconds"):
            if name in values:
                setattr(self, name, float(values[name]))
        return self.current()

    def current(self) -> dict:
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}

    def forget(self) -> None:
        self._sent.clear()
        self._graph.clear()

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
