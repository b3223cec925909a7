"""A time-lapse of years without a hand on it: an instance runs through simulated years of daily mail and every
lifecycle event it meets, and what a person would notice is counted.

Two instances share the emulated Microsoft: one on a certificate that renews itself (three accounts — a member, one
whose sign-in name is not its address, a shared mailbox via Send As — served by two workers), and one on a client
secret that expires. The clocks run together: the plugin's (freezegun) and Microsoft's (the emulator's own clock).
Twice a simulated day the workers run the queue and the periodic jobs; events start and end on their days:

- the host's key rollout once a year (the old key dropped as soon as the plugin says it may go);
- the certificate's self-renewal (a one-year certificate), the secret's expiry (a person enters a new one when told);
- a full mailbox freed again, SMTP AUTH switched off and on, an admin revoking a user's sessions (a person signs in
  again when told), a user renamed at Microsoft, an account idle for 100 days;
- 5xx and 429 storms, a worker killed in the middle of a refresh (its lease left behind), the database restarted.

Counted, per year: mails queued, delivered, lost, duplicated; notices per problem and audience; the actions the
product asked people for against the minimum Microsoft requires (a revoked session needs one new sign-in, an expired
secret a new one, a full mailbox someone who frees it; nothing else needs a person); status mismatches (what the
green field says against the truth, checked after every step); server errors (pages answering 5xx, mail failing as
a bug, jobs failing). ``bench/years.py`` prints it; ``tests/test_years.py`` runs a shorter one.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import html
import logging
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from freezegun import freeze_time

from .emulators import Control
from .instance import Instance
from .mailer import BERLIN
from .office import ACCOUNTS, Office

log = logging.getLogger(__name__)
DAY = dt.timedelta(days=1)
RECIPIENT = "teilnehmer@example.de"
SUBJECT = re.compile(r"^TL (\d+) ")


@dataclasses.dataclass
class Episode:
    """Something that happened to the instance, from its start to its end, and what people heard of it."""

    name: str
    start: dt.datetime
    account_id: int | None = None
    secret_instance: bool = False
    """It happened to the instance on the client secret (else: the one on the certificate)."""
    end: dt.datetime | None = None
    minimum: int = 0
    """Actions of a person Microsoft requires for it (a new sign-in, a new secret, freeing a mailbox)."""
    notices: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    """Notices of the problem per audience (not the one that says it is solved)."""
    subjects: list[str] = dataclasses.field(default_factory=list)
    solved: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    asked: int = 0
    """Actions the product asked a person for."""


@dataclasses.dataclass
class Year:
    queued: int = 0
    delivered: int = 0
    lost: int = 0
    duplicated: int = 0
    mismatches: int = 0
    server_errors: int = 0
    asked: int = 0
    minimum: int = 0
    notices: int = 0


@dataclasses.dataclass
class Report:
    years: list[Year]
    episodes: list[Episode]
    mismatch_samples: list[str]
    stray_notices: list[str]
    errors: list[str]
    lost_samples: list[str] = dataclasses.field(default_factory=list)

    @property
    def total(self) -> Year:
        total = Year()
        for year in self.years:
            for name in Year.__dataclass_fields__:
                setattr(total, name, getattr(total, name) + getattr(year, name))
        return total

    @property
    def told(self) -> list[int]:
        """How many notices each problem got per audience that heard of it."""
        return [n for e in self.episodes for n in e.notices.values()]

    def lines(self) -> list[str]:
        out = []
        for number, y in enumerate(self.years, 1):
            out.append(
                f"year {number}: queued {y.queued}, delivered {y.delivered}, lost {y.lost}, duplicated {y.duplicated}, "
                f"mismatches {y.mismatches}, server errors {y.server_errors}, notices {y.notices}, "
                f"actions asked {y.asked} (minimum {y.minimum})"
            )
        t = self.total
        out.append(
            f"total:  queued {t.queued}, delivered {t.delivered}, notices {t.notices}, actions asked {t.asked} "
            f"(minimum {t.minimum})"
        )
        for e in self.episodes:
            heard = ", ".join(f"{a} {n}×" for a, n in sorted(e.notices.items())) or "nobody"
            solved = ", ".join(f"{a} {n}×" for a, n in sorted(e.solved.items())) or "–"
            until = f"until {e.end:%Y-%m-%d}" if e.end else "still open"
            out.append(
                f"  {e.start:%Y-%m-%d} {e.name} ({until}): told {heard}; solved told {solved}; asked {e.asked} "
                f"(min {e.minimum})"
            )
        told = self.told
        out += [
            f"lost {t.lost}",
            f"duplicated {t.duplicated}",
            f"mismatches {t.mismatches}",
            f"server errors {t.server_errors}",
            f"extra actions {max(0, t.asked - t.minimum)}",
            f"notices per problem {_span(told)}",
            f"stray notices {len(self.stray_notices)}",
        ]
        out += [f"  told in {e.name}: {s}" for e in self.episodes for s in e.subjects]
        out += [f"  lost: {m}" for m in self.lost_samples[:10]]
        out += [f"  mismatch: {m}" for m in self.mismatch_samples[:10]]
        out += [f"  stray: {s}" for s in self.stray_notices[:10]]
        out += [f"  error: {e}" for e in self.errors[:10]]
        return out


def _span(values: list[int]) -> str:
    """ "1", or "1–2" when they differ (1 when there is nothing)."""
    low, high = min(values, default=1), max(values, default=1)
    return str(low) if low == high else f"{low}–{high}"


class _Errors(logging.Handler):
    """Counts what the host logs as a failure (a job that crashed, a mail that failed as a bug)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        cause = f" ({record.exc_info[0].__name__}: {str(record.exc_info[1])[:200]})" if record.exc_info else ""
        self.seen.append(f"{record.name}: {record.getMessage()[:200]}{cause}")


class Clocks:
    """The plugin's clock (freezegun) and Microsoft's (the emulator's offset), moved together."""

    def __init__(self, control: Control, start: dt.datetime):
        self.control, self.now = control, start

    def to(self, when: dt.datetime) -> None:
        theirs = dt.datetime.fromisoformat(self.control.call("clock")["now"])
        self.control.call("clock/advance", seconds=(when - theirs).total_seconds())
        self.now = when

    @contextmanager
    def running(self) -> Iterator[None]:
        with freeze_time(self.now, tick=True):
            yield


@dataclasses.dataclass
class Account:
    account_id: int
    person: str
    """Who signs in for it (the org's person key)."""
    address: str


class TimeLapse:
    def __init__(
        self,
        office: Office,
        secret_office: Office,
        *,
        days: int,
        mails_per_day: int = 2,
        admin: tuple[str, str],
        restart_database=None,
        secret_days: int = 730,
        certificate_months: str = "12",
    ):
        self.office, self.secret_office = office, secret_office
        self.days, self.mails_per_day = days, mails_per_day
        self.restart_database = restart_database or (lambda instance: instance.db.close())
        self.secret_days, self.certificate_months = secret_days, certificate_months
        self.ms = office.ms
        self.admin = admin
        self.start = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)  # never before the browsers' sessions began
        self.clocks = Clocks(self.ms, self.start)
        self.episodes: list[Episode] = []
        self.years = [Year() for _ in range((days + 364) // 365)]
        self.mismatch_samples: list[str] = []
        self.errors = _Errors()
        self.error_samples: list[str] = []
        self.stray: list[str] = []
        self.seen_notices = {id(office): 0, id(secret_office): 0}
        self.pending: list[tuple[dt.datetime, str, object]] = []
        """Actions people will take (when, what, of what): a new sign-in the day after they were asked, …"""
        self.workers: list[Instance] = []
        self.queued: dict[str, int] = {}
        """Subject → the year it was queued in."""

    # -- setting up ------------------------------------------------------------------------------------------------

    def set_up(self) -> None:
        with self.clocks.running():
            o = self.office
            o.configure()
            anna, _ = o.connect("anna")
            clara = o.create_account("u4711", address=o.org.people["u4711"].mail)
            o.enable_oauth(clara)
            o.connect("u4711", clara)
            shared = f"kurse@{o.org.domain}"
            o.ms.call("shared_mailbox", tenant_id=o.org.tenant_id, address=shared, send_as=[o.org.people["ben"].oid])
            kurse = o.create_account("ben", address=shared, username=o.org.people["ben"].upn)
            o.enable_oauth(kurse)
            o.connect("ben", kurse)
            self.accounts = [
                Account(anna, "anna", o.org.people["anna"].upn),
                Account(clara, "u4711", o.org.people["u4711"].mail),
                Account(kurse, "ben", shared),
            ]
            o.create_certificate(self.certificate_months)
            o.upload_certificate(o.download_certificate())
            o.prove_certificate()
            o.ms.call("secret/delete", client_id=o.org.client_id, secret_id=o.org.secret_id)  # as the product advises
            s = self.secret_office
            self.secret_value = s.ms.call("secret", client_id=s.org.client_id, days=self.secret_days)
            s.configure(secret=self.secret_value["value"])
            self._enter_expiry(s)
            dora, _ = s.connect("anna")
            self.secret_accounts = [Account(dora, "anna", s.org.people["anna"].upn)]
        self.workers = [self.office.instance, Instance.start(self.office.instance.config)]
        logging.getLogger().addHandler(self.errors)

    def close(self) -> None:
        logging.getLogger().removeHandler(self.errors)
        for worker in self.workers[1:]:
            worker.close()

    # -- the years ---------------------------------------------------------------------------------------------------

    def run(self) -> Report:
        self.set_up()
        try:
            for day in range(self.days):
                self._day(day)
            self._drain()
            return self._report()
        finally:
            self.close()

    def _year(self, day: int) -> Year:
        return self.years[min(day // 365, len(self.years) - 1)]

    def _day(self, day: int) -> None:
        morning = self.start + day * DAY
        self.clocks.to(morning)
        with self.clocks.running():
            self._events(day)
            self._people(morning)
            self._queue_mail(day)
        self._run(day)
        self.clocks.to(morning + dt.timedelta(hours=12))
        self._run(day)

    def _run(self, day: int) -> None:
        with self.clocks.running():
            now = dt.datetime.now(dt.UTC)
            first, second = self.workers
            first.run_due_jobs(now)
            second.run_due_jobs(now)
            for _ in range(3):  # mail released on the way goes in the same step
                counts = [first.mailer.run_queue(), second.mailer.run_queue()]
                if not any(c["sent"] for c in counts):
                    break
            self.secret_office.instance.run_due_jobs(now)
            self.secret_office.instance.mailer.run_queue()
            self._check(day)

    # -- daily mail ------------------------------------------------------------------------------------------------

    def _queue_mail(self, day: int) -> None:
        idle = self._active("idle account")
        for account in [*self.accounts, *self.secret_accounts]:
            if idle is not None and account.account_id == idle.account_id:
                continue
            office = self.secret_office if account in self.secret_accounts else self.office
            for i in range(self.mails_per_day):
                subject = f"TL {len(self.queued):06d} {account.address} Tag {day}.{i}"
                office.instance.mailer.enqueue(account.account_id, RECIPIENT, subject, "Ihre Anmeldung ist bestätigt.")
                self.queued[subject] = day
                self._year(day).queued += 1

    # -- events ------------------------------------------------------------------------------------------------------

    def _active(self, name: str) -> Episode | None:
        return next((e for e in self.episodes if e.name == name and e.end is None), None)

    def _begin(self, name: str, account: Account | None = None, *, minimum: int = 0) -> Episode:
        episode = Episode(name, self.clocks.now, account.account_id if account else None, minimum=minimum)
        self.episodes.append(episode)
        return episode

    def _finish(self, name: str) -> None:
        episode = self._active(name)
        if episode is not None:
            episode.end = self.clocks.now

    def _events(self, day: int) -> None:
        """The year's calendar (each year the same days; a short run meets them in a compressed calendar)."""
        o, ms = self.office, self.ms
        anna, clara, kurse = self.accounts
        d = day % 365 if self.days >= 365 else day * 365 // self.days
        previous = ((day - 1) % 365 if self.days >= 365 else (day - 1) * 365 // self.days) if day else -1
        on = [x for x in range(previous + 1, d + 1)]  # calendar days reached today

        def today(n: int) -> bool:
            return n in on

        if today(30):
            self._begin("mailbox full", clara, minimum=1)
            ms.call("mailbox/update", address=clara.address, full=True)
        if today(34):
            ms.call("mailbox/update", address=clara.address, full=False)  # its owner freed it
            self._active("mailbox full").asked += 0
            self._finish("mailbox full")
        if today(60):
            self._begin("SMTP AUTH off", anna)
            ms.call("mailbox/update", address=anna.address, smtp_auth_enabled=False)
        if today(70):
            ms.call("mailbox/update", address=anna.address, smtp_auth_enabled=True)
            self._finish("SMTP AUTH off")
        if today(100):
            self._begin("sessions revoked", anna, minimum=1)
            ms.call("user/revoke", oid=o.org.people["anna"].oid)
        if today(150):
            self._begin("user renamed", anna)
            new = f"anna.{day}@{o.org.domain}"
            ms.call("user/rename", oid=o.org.people["anna"].oid, upn=new)
            o.org.people["anna"] = dataclasses.replace(o.org.people["anna"], upn=new)
        if today(152):
            self._finish("user renamed")
        if today(180) and day < 365:
            self._begin("idle account", kurse)
        if today(280) and self._active("idle account"):
            self._finish("idle account")
        if today(200):
            self._begin("5xx and 429 storms")
            ms.call("fault", kind="500", remaining=25)
            ms.call("graph_fault", status="429", retry_after=30, remaining=25)
        if today(202):
            ms.call("fault", kind="none")
            ms.call("graph_fault", status="none")
            self._finish("5xx and 429 storms")
        if today(220):
            self._begin("worker killed during a refresh", clara)
            with self.office.instance.db.transaction() as tx:  # what a worker that died mid-refresh leaves behind
                tx.execute(
                    "UPDATE m365_account SET refresh_lease_until = :until, refresh_lease_owner = 'died' "
                    "WHERE account_id = :a",
                    # Its lease runs out two seconds from now (the plugin's own lease lasts about a minute; the other
                    # workers wait for it, then take over): the step's first mail waits, then goes.
                    {"until": dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2), "a": clara.account_id},
                )
        if today(221):
            self._finish("worker killed during a refresh")
        if today(240):
            self._begin("database restarted")
            for worker in self.workers:
                self.restart_database(worker)
        if today(241):
            self._finish("database restarted")
        if today(300):
            self._begin("key rollout")
            new = secrets.token_bytes(32)
            for worker in self.workers:
                worker.host.secret_keys = (new, *worker.host.secret_keys)
                worker.host.old_keys_unused_by.clear()
                worker.config.encryption_keys = list(worker.host.secret_keys)
        rollout = self._active("key rollout")
        if rollout and any("m365" in w.host.old_keys_unused_by for w in self.workers):
            for worker in self.workers:  # the plugin said the old keys may go: the host drops them
                worker.host.secret_keys = worker.host.secret_keys[:1]
                worker.config.encryption_keys = list(worker.host.secret_keys)
            self._finish("key rollout")

    # -- people ----------------------------------------------------------------------------------------------------

    def _people(self, now: dt.datetime) -> None:
        """Read what cmxOrganize told people since the last step, and do what it asked (a day later)."""
        for office in (self.office, self.secret_office):
            for notice in self._new_notices(office):
                self._attribute(office, notice)
        due = [p for p in self.pending if p[0] <= now]
        self.pending = [p for p in self.pending if p[0] > now]
        if due:
            self._signed_in(self.office)
            self._signed_in(self.secret_office)
        for _, what, subject in due:
            if what == "sign in":
                account: Account = subject
                self.office.connect(account.person, account.account_id)
                self._finish("sessions revoked")
            elif what == "new secret":
                self._new_secret(subject)

    def _new_secret(self, fresh: dict | None) -> None:
        """Section 4 of the guide: a new secret in Entra, its value into the Azure interface, the old one deleted once
        cmxOrganize says so. Refused for now (Microsoft has an outage): the admin tries again the next day."""
        s = self.secret_office
        fresh = fresh or s.ms.call("secret", client_id=s.org.client_id, days=self.secret_days)
        if s.save_interface(password=fresh["value"]).status_code != 302:
            self.pending.append((self.clocks.now + DAY, "new secret", fresh))
            return
        s.ms.call("secret/delete", client_id=s.org.client_id, secret_id=self.secret_value["id"])
        self.secret_value = fresh
        self._enter_expiry(s)
        self._finish("secret expiry")

    def _enter_expiry(self, office: Office) -> None:
        """What the guide asks after saving a secret: its expiry date as Entra shows it ("Läuft ab")."""
        day = dt.datetime.fromisoformat(self.secret_value["expires_at"]).astimezone(BERLIN)
        office.click_on(office.interface_path(), "Ablaufdatum speichern", expires_on=f"{day:%d.%m.%Y}")

    def _new_notices(self, office: Office) -> list[dict]:
        with office.instance.db.transaction() as tx:
            rows = tx.execute(
                "SELECT * FROM notifications WHERE id > :n ORDER BY id", {"n": self.seen_notices[id(office)]}
            ).fetchall()
        if rows:
            self.seen_notices[id(office)] = rows[-1]["id"]
        return rows

    def _attribute(self, office: Office, notice: dict) -> None:
        subject, audience = notice["subject"], notice["audience"]
        year = self._year((self.clocks.now - self.start).days)
        year.notices += 1
        if office is self.secret_office:  # all it meets is its secret's expiry: one new secret is the minimum
            episode = self._active("secret expiry") or self._begin("secret expiry", minimum=1)
            episode.secret_instance = True
            if "funktioniert wieder" in subject:
                episode.solved[audience] += 1
                return
            episode.notices[audience] += 1
            episode.subjects.append(f"{audience}: {subject}")
            if episode.asked == 0:
                episode.asked = 1
                year.asked += 1
                self.pending.append((self.clocks.now + DAY, "new secret", None))
            return
        if "Zertifikat" in subject and "erneuert" in subject:
            # "cmxOrganize hat sein Zertifikat … erneuert": the self-renewal, whenever the certificate's year is up
            # (a renewed certificate keeps its lifetime, so the day moves); read, nothing to do.
            episode = self._begin("certificate renewed by itself")
            episode.end = self.clocks.now
            return
        account = next((a for a in self.accounts if a.account_id == notice["account_id"]), None)
        candidates = [
            e
            for e in self.episodes
            if not e.secret_instance
            and (e.account_id is None or account is None or e.account_id == account.account_id)
            and e.start <= self.clocks.now
            and (e.end is None or self.clocks.now - e.end <= 3 * DAY)
        ]
        episode = candidates[-1] if candidates else None
        if episode is None:
            self.stray.append(f"{notice['created_at']:%Y-%m-%d} {audience}: {subject}")
            return
        if "funktioniert wieder" in subject:
            episode.solved[audience] += 1
            return
        episode.notices[audience] += 1
        episode.subjects.append(f"{audience}: {subject}")
        if "Anmeldung bei Microsoft erforderlich" in subject and account is not None and audience == "account_contact":
            episode.asked += 1
            year.asked += 1
            self.pending.append((self.clocks.now + DAY, "sign in", account))
        elif "Versand gestoppt" in subject and audience == "account_contact":
            episode.asked += 1  # e.g. a full mailbox: its owner frees it
            year.asked += 1
        elif "von Hand" in subject or "nicht mehr lesbar" in subject or "läuft" in subject:
            episode.asked += 1  # a manual renewal, a lost key: never needed in these years
            year.asked += 1

    # -- the truth -----------------------------------------------------------------------------------------------

    def _signed_in(self, office: Office) -> None:
        """The admin's browser, signed in again when the host's session has ended (it lasts 31 days)."""
        if office.browser.get("/").status_code in (301, 302, 303):
            office.browser.login(*self.admin)

    def _check(self, day: int) -> None:
        year = self._year(day)
        for office, accounts in ((self.office, self.accounts), (self.secret_office, self.secret_accounts)):
            self._signed_in(office)
            for path in ("/App%20Warteschlange/", office.interface_path(), "/App%20E-Mailkonto/"):
                if office.browser.get(path).status_code >= 500:
                    year.server_errors += 1
            for account in accounts:
                page = office.browser.get(f"{ACCOUNTS}{account.account_id}")
                if page.status_code >= 500:
                    year.server_errors += 1
                    continue
                self._compare(office, account, page.text, year)
        with self.office.instance.db.transaction() as tx:
            bugs = tx.execute("SELECT count(*) AS n FROM mail_queue WHERE last_error_code = 'BUG'").fetchone()["n"]
        year.server_errors += bugs
        if bugs:
            with self.office.instance.db.transaction() as tx:
                tx.execute("UPDATE mail_queue SET last_error_code = 'BUG-counted' WHERE last_error_code = 'BUG'")
        year.server_errors += len(self.errors.seen)
        self.error_samples += [f"{self.clocks.now:%Y-%m-%d %H:%M} {e}" for e in self.errors.seen]
        self.errors.seen.clear()

    def _compare(self, office: Office, account: Account, page: str, year: Year) -> None:
        """What the green field says against the truth: held mail, a revoked sign-in, the last mail accepted."""
        field = re.search(r'<section class="green-field".*?</section>', page, re.S)
        notes = re.findall(r'<p class="note (\w+)">(.*?)</p>', field.group(0) if field else "", re.S)
        says_ok = any(level == "success" for level, _ in notes)
        says_problem = any(level in ("warning", "error") for level, text in notes if "Benutzername" not in text)
        says_signin = any("Anmeldung bei Microsoft erforderlich" in html.unescape(t) for _, t in notes)
        with office.instance.db.transaction() as tx:
            held = tx.execute(
                "SELECT count(*) AS n FROM mail_queue WHERE account_id = :a AND status = 'held'",
                {"a": account.account_id},
            ).fetchone()["n"]
            last = tx.execute(
                "SELECT max(sent_at) AS at FROM mail_queue WHERE account_id = :a AND status = 'sent'",
                {"a": account.account_id},
            ).fetchone()["at"]
            shown = tx.execute(
                "SELECT last_sent_at FROM m365_account WHERE account_id = :a", {"a": account.account_id}
            ).fetchone()["last_sent_at"]
        last = dt.datetime.fromisoformat(last) if isinstance(last, str) else last
        tests = [dt.datetime.fromisoformat(m["received_at"]) for m in self.ms.messages(to=account.address)]
        last = max([t for t in (last, *tests) if t is not None], default=None)  # the queue's and the test mails
        revoked = self._active("sessions revoked")
        truly_revoked = revoked is not None and revoked.account_id == account.account_id
        wrong = []
        if held and says_ok and not says_problem:
            wrong.append(f"{held} held, the field says all is well")
        if says_signin and not truly_revoked:
            wrong.append("says a sign-in is needed, none is")
        if truly_revoked and held and not says_signin:
            wrong.append("mail held for a revoked sign-in, the field does not ask for one")
        if shown is not None and last is not None and shown > last + dt.timedelta(seconds=5):
            wrong.append(f"'zuletzt erfolgreich gesendet' {shown:%Y-%m-%d %H:%M} after the last accepted {last:%H:%M}")
        if shown is not None and last is not None and last - shown > dt.timedelta(minutes=2):
            wrong.append(f"'zuletzt erfolgreich gesendet' {shown:%Y-%m-%d %H:%M}, the last accepted {last:%H:%M}")
        if says_problem and not held and not truly_revoked and not self._any_active_for(account):
            wrong.append("shows a problem, no mail is held and no cause is active")
        for what in wrong:
            year.mismatches += 1
            if len(self.mismatch_samples) < 50:
                self.mismatch_samples.append(f"{self.clocks.now:%Y-%m-%d %H:%M} {account.address}: {what}")

    def _any_active_for(self, account: Account) -> bool:
        return any(
            e.end is None or self.clocks.now - e.end <= DAY
            for e in self.episodes
            if e.account_id in (None, account.account_id) and e.secret_instance == (account in self.secret_accounts)
        )

    # -- the end -----------------------------------------------------------------------------------------------

    def _drain(self) -> None:
        """Every cause gone: two more days for what still waits, then count."""
        for name in ("sessions revoked",):
            if self._active(name):
                with self.clocks.running():
                    self._people(self.clocks.now + 2 * DAY)
        for extra in range(2):
            self.clocks.to(self.clocks.now + DAY)
            self._run(self.days + extra)

    def _report(self) -> Report:
        delivered = collections.Counter(
            m["subject"] for m in self.ms.messages() if m.get("subject", "").startswith("TL ")
        )
        lost = []
        for subject, day in self.queued.items():
            year = self._year(day)
            if delivered[subject]:
                year.delivered += 1
            else:
                year.lost += 1
                lost.append(subject)
            if delivered[subject] > 1:
                year.duplicated += 1
        for episode in self.episodes:
            self._year(max(0, (episode.start - self.start).days)).minimum += episode.minimum
        return Report(self.years, self.episodes, self.mismatch_samples, self.stray, self.error_samples, self._why(lost))

    def _why(self, subjects: list[str]) -> list[str]:
        """Where the lost mails are: their queue row's status and last error."""
        found = []
        for office in (self.office, self.secret_office):
            with office.instance.db.transaction() as tx:
                for subject in subjects[:20]:
                    row = tx.execute(
                        "SELECT status, attempts, last_error_code, last_error FROM mail_queue WHERE subject = :s",
                        {"s": subject},
                    ).fetchone()
                    if row:
                        found.append(
                            f"{subject}: {row['status']} after {row['attempts']} attempts, {row['last_error_code']}: "
                            f"{(row['last_error'] or '')[:160]}"
                        )
        return found
