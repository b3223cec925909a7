"""The devhost's mailer: sends a mail through its account's SMTP server and keeps a queue, as cmxOrganize does.

Every connection: TCP with a timeout, STARTTLS (or implicit TLS) with certificate verification, EHLO, then the
plugins are asked to authenticate it (``cmx_smtp_authenticate``); if none does, the account's password is used.
Failures are classified with the host API's error types: a TemporaryMailError keeps a queued mail for a retry, a
PermanentMailError (and SignInRequired) holds it until a person acts, any other exception is a bug and is
treated like a temporary failure (logged with its traceback).
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import socket
import ssl
import time
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import make_msgid
from zoneinfo import ZoneInfo

import pluggy
from cmx_hostapi import MailAccount, MailError, PermanentMailError, TemporaryMailError

from .db import Database

log = logging.getLogger(__name__)


def recipients_of(to: str) -> list[str]:
    """A queued mail's recipients: one address, or several separated by commas (a mail to a whole course)."""
    return [address.strip() for address in to.split(",") if address.strip()]


RETRY_DELAYS = (60, 300, 900, 3600)
"""Seconds to wait before the 1st, 2nd, 3rd and every later retry of a temporarily failed mail."""
CLAIM_SECONDS = 300
DIRECT_WAIT = 5.0
"""Seconds ``Host.send_mail`` waits for an account's sending limit before it reports it instead."""
BERLIN = ZoneInfo("Europe/Berlin")


class Mailer:
    def __init__(self, db: Database, pm: pluggy.PluginManager, host, *, ca_file: str | None, timeout: float):
        self.db = db
        self.pm = pm
        self.host = host
        self.ca_file = ca_file
        self.timeout = timeout

    # -- sending one mail -------------------------------------------------------------------------------------------

    def send_direct(self, account_id: int, to: str, subject: str, body: str) -> None:
        """``Host.send_mail``: one mail now, within the account's limits like the queue's (host API 1.6). Someone
        waits for it, so the host waits at most :data:`DIRECT_WAIT` seconds for the limit; longer, it says until
        when instead of sending into a refusal."""
        pace = self._pace(account_id, len(recipients_of(to)))
        if pace is not None and pace.wait_until is not None:
            seconds = (pace.wait_until - dt.datetime.now(dt.UTC)).total_seconds()
            if seconds <= DIRECT_WAIT:
                time.sleep(max(seconds, 0))
                pace = self._pace(account_id, len(recipients_of(to)))
        if pace is not None and pace.wait_until is not None:
            local = pace.wait_until.astimezone(BERLIN).strftime("%H:%M:%S")
            raise TemporaryMailError(
                f"Das Postfach hat sein Sendelimit erreicht ({pace.reason}); die Mail wurde nicht gesendet. "
                f"Ab {local} Uhr wieder möglich – dann bitte erneut versuchen.",
                code="LIMIT",
                retry_after=(pace.wait_until - dt.datetime.now(dt.UTC)).total_seconds(),
            )
        sent = False
        try:
            self.send_now(account_id, to, subject, body)
            sent = True
        finally:
            if pace is not None:
                pace.done(sent)

    def send_now(self, account_id: int, to: str, subject: str, body: str) -> None:
        """Send one mail through the account, without asking about limits (the queue asked already); raise a
        MailError subclass when it was not sent."""
        account = self.host.mail_account(account_id)
        if account is None:
            raise PermanentMailError(f"Das E-Mailkonto {account_id} gibt es nicht (mehr).")
        message = EmailMessage()
        message["From"] = account.address
        message["To"] = ", ".join(recipients_of(to))
        message["Subject"] = subject
        message["Message-ID"] = make_msgid(domain=account.address.rpartition("@")[2] or "localhost")
        message.set_content(body)
        if self._delivered_by_plugin(account, message, to):
            return
        try:
            with self._connect(account) as smtp:
                self._authenticate(account, smtp)
                self._transmit(account, smtp, message, recipients_of(to))
        except MailError:
            raise
        except smtplib.SMTPResponseException as error:  # a refusal before MAIL FROM (EHLO, STARTTLS, a password AUTH)
            raise self._explain(account, None, "", error.smtp_code, error.smtp_error) from None
        except ssl.SSLCertVerificationError as error:
            raise PermanentMailError(
                f"Das Zertifikat des Mailservers {account.smtp_host} ist nicht vertrauenswürdig "
                f"({error.verify_message}). Bitte SMTP-Server im E-Mailkonto prüfen.",
                code="TLS",
            ) from None
        except ssl.SSLError as error:
            raise TemporaryMailError(
                f"Die verschlüsselte Verbindung zu {account.smtp_host} ist gescheitert ({error.reason}).", code="TLS"
            ) from None
        except (TimeoutError, smtplib.SMTPServerDisconnected) as error:
            # smtplib reports a read timeout as SMTPServerDisconnected("Connection unexpectedly closed: timed out").
            if not isinstance(error, TimeoutError) and "timed out" not in str(error):
                raise TemporaryMailError(
                    f"Der Mailserver {account.smtp_host}:{account.smtp_port} hat die Verbindung getrennt.",
                    code="DISCONNECTED",
                ) from None
            raise TemporaryMailError(
                f"Der Mailserver {account.smtp_host}:{account.smtp_port} hat nicht innerhalb von {self.timeout:g} s "
                "geantwortet.",
                code="TIMEOUT",
            ) from None
        except socket.gaierror:
            raise PermanentMailError(
                f"Den Mailserver „{account.smtp_host}“ gibt es nicht (DNS). Bitte SMTP-Server im E-Mailkonto prüfen.",
                code="DNS",
            ) from None
        except (OSError, smtplib.SMTPException) as error:
            raise TemporaryMailError(
                f"Keine Verbindung zum Mailserver {account.smtp_host}:{account.smtp_port} "
                f"({error.__class__.__name__}).",
                code="NETWORK",
            ) from None

    def _delivered_by_plugin(self, account: MailAccount, message: EmailMessage, to: str) -> bool:
        """Host API 1.4: a plugin may deliver the finished mail itself (Microsoft Graph); True when one did."""
        data = message.as_bytes(policy=SMTP_POLICY)
        return bool(
            self.pm.hook.cmx_deliver(
                account=account, message=data, sender=account.address, recipients=recipients_of(to), host=self.host
            )
        )

    def _connect(self, account: MailAccount) -> smtplib.SMTP:
        context = ssl.create_default_context(cafile=self.ca_file)
        if account.encryption == "SSL/TLS":
            smtp = smtplib.SMTP_SSL(account.smtp_host, account.smtp_port, timeout=self.timeout, context=context)
            smtp.ehlo()
            return smtp
        smtp = smtplib.SMTP(account.smtp_host, account.smtp_port, timeout=self.timeout)
        try:
            smtp.ehlo()
            if account.encryption == "STARTTLS":
                if not smtp.has_extn("starttls"):
                    raise PermanentMailError(
                        f"Der Mailserver {account.smtp_host} bietet kein STARTTLS an; ohne Verschlüsselung wird nicht "
                        "gesendet.",
                        code="NO-STARTTLS",
                    )
                smtp.starttls(context=context)
                smtp.ehlo()
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _transmit(self, account: MailAccount, smtp: smtplib.SMTP, message: EmailMessage, recipients: list[str]) -> None:
        """MAIL FROM, RCPT TO, DATA, each reply checked; a refusal is explained with the step it came at (host API
        1.7), and the server's 250 to the end of DATA is what "sent" means (``cmx_smtp_sent``)."""
        data = message.as_bytes(policy=SMTP_POLICY)
        options = [f"size={len(data)}"] if smtp.has_extn("size") else []  # as smtplib's sendmail does (RFC 1870)
        code, reply = smtp.mail(account.address, options)
        if code != 250:
            raise self._explain(account, smtp, "MAIL FROM", code, reply)
        refused = []
        for recipient in recipients:
            code, reply = smtp.rcpt(recipient)
            if code not in (250, 251):
                refused.append((code, reply))
        if len(refused) == len(recipients):
            raise self._explain(account, smtp, "RCPT TO", *refused[0])
        try:
            code, reply = smtp.data(data)  # raises for a refused DATA command, returns the reply to the message
        except smtplib.SMTPDataError as error:
            code, reply = error.smtp_code, error.smtp_error
        if code != 250:
            raise self._explain(account, smtp, "DATA", code, reply)
        self.pm.hook.cmx_smtp_sent(account=account, smtp=smtp, host=self.host)

    def _authenticate(self, account: MailAccount, smtp: smtplib.SMTP) -> None:
        handled = self.pm.hook.cmx_smtp_authenticate(account=account, smtp=smtp, host=self.host)
        if handled is None and account.password:
            smtp.login(account.username or account.address, account.password)

    def _explain(self, account: MailAccount, smtp, step: str, code: int, text: bytes | str) -> MailError:
        """A refusal after authentication, explained by a plugin (with its step, host API 1.7; else as in 1.1)."""
        text = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
        explained = None
        if smtp is not None:
            explained = self.pm.hook.cmx_smtp_refused(
                account=account, smtp=smtp, step=step, code=code, text=text, host=self.host
            )
        if explained is None:
            explained = self.pm.hook.cmx_mail_error(account=account, code=code, text=text, host=self.host)
        if explained is not None:
            return explained
        kind = TemporaryMailError if 400 <= code < 500 else PermanentMailError
        return kind(f"Der Mailserver hat abgelehnt: {code} {text}", code=str(code))

    # -- the queue --------------------------------------------------------------------------------------------------

    def enqueue(self, account_id: int, to: str, subject: str, body: str, *, now: dt.datetime | None = None) -> int:
        now = now or dt.datetime.now(dt.UTC)
        with self.db.transaction() as tx:
            row = tx.execute(
                "INSERT INTO mail_queue (account_id, recipient, subject, body, created_at, next_attempt_at) "
                "VALUES (:a, :r, :s, :b, :now, :now) RETURNING id",
                {"a": account_id, "r": to, "s": subject, "b": body, "now": now},
            ).fetchone()
        return row["id"]

    def run_queue(self, *, now: dt.datetime | None = None, limit: int = 500) -> dict[str, int]:
        """Send the mails that are due. Safe to run on several workers at once: each mail is claimed first.

        Before each mail the plugins are asked whether its account may send now (host API 1.6, ``cmx_pace``); a mail
        that must wait goes back to the queue untouched ("waited")."""
        now = now or dt.datetime.now(dt.UTC)
        counts = {"sent": 0, "retry": 0, "held": 0, "waited": 0}
        paused: dict[int, dt.datetime] = {}  # accounts told to wait in this run: their other mails wait too
        for mail in self._claim_due(now, limit):
            account_id = mail["account_id"]
            if account_id in paused:
                self._later(mail["id"], paused[account_id])
                counts["waited"] += 1
                continue
            pace = self._pace(account_id, len(recipients_of(mail["recipient"])))
            if pace is not None and pace.wait_until is not None:
                paused[account_id] = pace.wait_until
                self._later(mail["id"], pace.wait_until)
                counts["waited"] += 1
                continue
            sent = False
            try:
                self.send_now(account_id, mail["recipient"], mail["subject"], mail["body"])
                sent = True
            except PermanentMailError as error:
                self._finish(mail["id"], "held", now, error)
                counts["held"] += 1
            except TemporaryMailError as error:
                self._retry(mail, now, error, error.retry_after)
                counts["retry"] += 1
            except Exception as error:
                log.exception("bug while sending queued mail %s", mail["id"])
                self._retry(
                    mail, now, TemporaryMailError(f"Interner Fehler ({error.__class__.__name__})", code="BUG"), None
                )
                counts["retry"] += 1
            else:
                self._finish(mail["id"], "sent", max(now, dt.datetime.now(dt.UTC)), None)  # when it was accepted
                counts["sent"] += 1
            finally:
                if pace is not None:
                    pace.done(sent)
        return counts

    def _pace(self, account_id: int, recipients: int):
        account = self.host.mail_account(account_id)
        if account is None:
            return None
        return self.pm.hook.cmx_pace(account=account, recipients=recipients, host=self.host)

    def _later(self, mail_id: int, when: dt.datetime) -> None:
        """Back to the queue as it was (no attempt, no error), due again at ``when``."""
        with self.db.transaction() as tx:
            tx.execute(
                "UPDATE mail_queue SET claimed_until = NULL, next_attempt_at = :next WHERE id = :id",
                {"next": when, "id": mail_id},
            )

    def _claim_due(self, now: dt.datetime, limit: int) -> list[dict]:
        claimed_until = now + dt.timedelta(seconds=CLAIM_SECONDS)
        with self.db.transaction(lock=True) as tx:
            skip_locked = " FOR UPDATE SKIP LOCKED" if self.db.dialect == "postgresql" else ""
            sql = (
                "SELECT id, account_id, recipient, subject, body, attempts FROM mail_queue "
                "WHERE status = 'queued' AND next_attempt_at <= :now "
                "AND (claimed_until IS NULL OR claimed_until < :now) ORDER BY id LIMIT :limit"
            )
            rows = tx.execute(
                sql + skip_locked,
                {"now": now, "limit": limit},
            ).fetchall()
            for row in rows:
                tx.execute(
                    "UPDATE mail_queue SET claimed_until = :until WHERE id = :id",
                    {"until": claimed_until, "id": row["id"]},
                )
        return rows

    def _finish(self, mail_id: int, status: str, now: dt.datetime, error: MailError | None) -> None:
        with self.db.transaction() as tx:
            tx.execute(
                "UPDATE mail_queue SET status = :status, claimed_until = NULL, attempts = attempts + 1, "
                "sent_at = :sent_at, last_error = :err, last_error_code = :code WHERE id = :id",
                {
                    "status": status,
                    "sent_at": now if status == "sent" else None,
                    "id": mail_id,
                    "err": str(error) if error else None,
                    "code": error.code if error else None,
                },
            )

    def _retry(self, mail: dict, now: dt.datetime, error: MailError, retry_after: float | None) -> None:
        delay = retry_after or RETRY_DELAYS[min(mail["attempts"], len(RETRY_DELAYS) - 1)]
        with self.db.transaction() as tx:
            tx.execute(
                "UPDATE mail_queue SET claimed_until = NULL, attempts = attempts + 1, next_attempt_at = :next, "
                "last_error = :err, last_error_code = :code WHERE id = :id",
                {"next": now + dt.timedelta(seconds=delay), "err": str(error), "code": error.code, "id": mail["id"]},
            )

    def open_mail(self) -> list[dict]:
        """Per account with mail not sent yet: how many wait (and when the next is due), how many are held and
        why (their last error codes)."""
        with self.db.transaction() as tx:
            rows = tx.execute(
                "SELECT account_id, status, count(*) AS n, min(next_attempt_at) AS next FROM mail_queue "
                "WHERE status IN ('queued', 'held') GROUP BY account_id, status ORDER BY account_id"
            ).fetchall()
            reasons = tx.execute(
                "SELECT DISTINCT account_id, last_error_code FROM mail_queue WHERE status = 'held'"
            ).fetchall()
        boxes: dict[int, dict] = {}
        for row in rows:
            box = boxes.setdefault(
                row["account_id"],
                {"account_id": row["account_id"], "waiting": 0, "held": 0, "next": None, "reasons": []},
            )
            if row["status"] == "queued":
                nxt = row["next"]
                box["waiting"], box["next"] = row["n"], dt.datetime.fromisoformat(nxt) if isinstance(nxt, str) else nxt
            else:
                box["held"] = row["n"]
        for row in reasons:
            boxes[row["account_id"]]["reasons"].append(row["last_error_code"] or "?")
        return list(boxes.values())

    def queued(self) -> int:
        """How many mails wait in the queue (due now or later)."""
        with self.db.transaction() as tx:
            return tx.execute("SELECT count(*) AS n FROM mail_queue WHERE status = 'queued'").fetchone()["n"]

    def release_held(
        self, account_id: int, *, limit: int | None = None, code: str | None = None, now: dt.datetime | None = None
    ) -> int:
        """Held mails of the account due now — those held with ``code``, the oldest ``limit`` of them (a plugin's
        probe); how many of the account's mails wait now."""
        now = now or dt.datetime.now(dt.UTC)
        with self.db.transaction() as tx:
            which = "" if code is None else " AND last_error_code = :code"
            oldest = "" if limit is None else " ORDER BY id LIMIT :limit"
            held = f"SELECT id FROM mail_queue WHERE account_id = :a AND status = 'held'{which}{oldest}"  # noqa: S608
            tx.execute(
                f"UPDATE mail_queue SET status = 'queued', next_attempt_at = :now WHERE id IN ({held})",  # noqa: S608
                {"a": account_id, "now": now, "limit": limit, "code": code},
            )
            row = tx.execute(
                "SELECT count(*) AS n FROM mail_queue WHERE account_id = :a AND status = 'queued'", {"a": account_id}
            ).fetchone()
        return row["n"]
