-- Sending limits per mailbox (Exchange Online: messages per minute, recipients per 24 hours, concurrent connections),
-- shared by every worker: what was sent when, which sends are under way, and a pause after a refusal.

CREATE TABLE m365_pace (
    account_id    INTEGER PRIMARY KEY,            -- one row per mailbox; updating it serializes the workers' decisions
    touched       TIMESTAMP NOT NULL,
    paused_until  TIMESTAMP,                            -- after the server refused for a limit: nothing goes before
    reason        TEXT,                           -- the refusal's catalogue code
    told_on       TEXT                            -- ISO date the admins were told of a pause (once a day)
);

CREATE TABLE m365_send (
    id          TEXT PRIMARY KEY,                 -- one submission (a mail), for the rolling windows
    account_id  INTEGER NOT NULL,
    at          TIMESTAMP NOT NULL,
    recipients  INTEGER NOT NULL,
    finished    BOOLEAN NOT NULL DEFAULT 0,       -- the attempt is over (sent or not)
    until       TIMESTAMP NOT NULL                      -- while not finished: the slot is held at most until then
);

CREATE INDEX m365_send_account_at ON m365_send (account_id, at);
