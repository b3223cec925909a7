-- The plugin's state per mail account, pending sign-ins, and the event trail.
-- Timestamps are UTC; the host's SQLite adapter stores them as ISO text in columns declared TIMESTAMP.

CREATE TABLE m365_account (
    account_id          INTEGER PRIMARY KEY,          -- the host's E-Mailkonto id
    state               TEXT NOT NULL DEFAULT 'new',  -- new | connected | signin_required
    signed_in_as        TEXT,                         -- preferred_username of the token's user
    tenant_id           TEXT,                         -- tid of the token
    connected_at        TIMESTAMP,
    last_sent_at        TIMESTAMP,
    last_refresh_at     TIMESTAMP,
    problem_code        TEXT,                         -- e.g. AADSTS50173, 535 5.7.139
    problem_text        TEXT,                         -- German, for people
    problem_at          TIMESTAMP,
    notified_at         TIMESTAMP,                    -- when people were told of the current problem
    token_cache         BLOB,                         -- msal SerializableTokenCache, encrypted
    cache_version       INTEGER NOT NULL DEFAULT 0,   -- compare-and-swap counter for token_cache
    refresh_lease_until TIMESTAMP                     -- a worker is refreshing the token until then
);

CREATE TABLE m365_signin (
    state_hash   TEXT PRIMARY KEY,                    -- sha256 of the OAuth state parameter
    account_id   INTEGER NOT NULL,
    session_hash TEXT NOT NULL,                       -- sha256 of the host session id that started it
    user_id      INTEGER NOT NULL,
    flow         BLOB NOT NULL,                       -- msal auth code flow (PKCE verifier, nonce), encrypted
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    used_at      TIMESTAMP
);
CREATE INDEX m365_signin_expires ON m365_signin (expires_at);

CREATE TABLE m365_event (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         TIMESTAMP NOT NULL,
    account_id INTEGER,
    kind       TEXT NOT NULL,
    code       TEXT,
    text       TEXT NOT NULL
);
CREATE INDEX m365_event_account ON m365_event (account_id, at);
