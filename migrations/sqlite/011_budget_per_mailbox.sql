-- Budgets per Microsoft mailbox (issue 20): Exchange counts what the signed-in user submits, Graph what one app sends
-- through one mailbox, so two accounts of cmxOrganize that sign in as the same Microsoft user share one budget. The
-- budget's key is "<tenant id>:<user object id>" of the signed-in user ("account:<id>" before anyone signed in);
-- "instance" is the row of the tenant-wide external recipient rate limit (TERRL), shared by every mailbox.

CREATE TABLE m365_budget (
    mailbox       TEXT PRIMARY KEY,               -- whose budget; updating the row serializes the workers' decisions
    touched       TIMESTAMP NOT NULL,
    paused_until  TIMESTAMP,                      -- after the server refused for a limit: nothing goes before
    paused_at     TIMESTAMP,                      -- when the pause began (a pause never outlasts its length from now)
    reason        TEXT,                           -- the refusal's catalogue code
    told_on       TEXT,                           -- ISO date the admins were told of a pause (once a day)
    next_at       TIMESTAMP,                      -- a decision found the budget full until then ...
    next_until    TIMESTAMP,                      -- ... which holds until then (for all of them: at the first opening) ...
    next_from     TIMESTAMP,                      -- ... at this time ...
    next_reason   TEXT,                           -- ... for this reason ...
    next_for      INTEGER,                        -- ... for mails of at least this many recipients (0: any mail)
    line_n        INTEGER NOT NULL DEFAULT 0      -- mails told to come back at the next openings of the full window
);

-- The pauses kept so far per account move to their mailbox (two accounts of one mailbox: the longer pause).
INSERT INTO m365_budget (mailbox, touched, paused_until, paused_at, reason, told_on)
    SELECT mailbox, max(touched), max(paused_until), max(touched), max(reason), max(told_on)
    FROM (
        SELECT coalesce(
                   (SELECT lower(a.tenant_id) || ':' || lower(a.user_oid) FROM m365_account a
                    WHERE a.account_id = p.account_id AND a.tenant_id IS NOT NULL AND a.user_oid IS NOT NULL),
                   'account:' || CAST(p.account_id AS TEXT)
               ) AS mailbox,
               p.touched, p.paused_until, p.reason, p.told_on
        FROM m365_pace p
    ) AS old
    GROUP BY mailbox;

DROP TABLE m365_pace;

ALTER TABLE m365_send ADD COLUMN mailbox TEXT;          -- whose budget the send counts against (as m365_budget)
ALTER TABLE m365_send ADD COLUMN external INTEGER;      -- recipients outside the internal domains (NULL: not known)
ALTER TABLE m365_send ADD COLUMN bytes INTEGER;         -- uploaded through Graph (NULL: not recorded)

UPDATE m365_send SET mailbox = coalesce(
    (SELECT lower(a.tenant_id) || ':' || lower(a.user_oid) FROM m365_account a
     WHERE a.account_id = m365_send.account_id AND a.tenant_id IS NOT NULL AND a.user_oid IS NOT NULL),
    'account:' || CAST(account_id AS TEXT)
);

CREATE INDEX m365_send_mailbox_at ON m365_send (mailbox, at);
CREATE INDEX m365_send_at ON m365_send (at);
DROP INDEX m365_send_account_at;
