-- The plugin's state per mail account, pending sign-ins, and the event trail. Timestamps are UTC.

CREATE TABLE m365_account (
    account_id          INTEGER PRIMARY KEY,          -- the host's E-Mailkonto id
    state               TEXT NOT NULL DEFAULT 'new',  -- new | connected | signin_required
    signed_in_as        TEXT,                         -- preferred_username of the token's user
    tenant_id           TEXT,                         -- tid of the token
    connected_at        TIMESTAMPTZ,
    last_sent_at        TIMESTAMPTZ,
    last_refresh_at     TIMESTAMPTZ,
    problem_code        TEXT,                         -- e.g. AADSTS50173, 535 5.7.139
    problem_text        TEXT,                         -- German, for people
    problem_at          TIMESTAMPTZ,
    notified_at         TIMESTAMPTZ,                  -- when people were told of the current problem
    token_cache         BYTEA,                        -- msal SerializableTokenCache, encrypted
    cache_version       INTEGER NOT NULL DEFAULT 0,   -- compare-and-swap counter for token_cache
    refresh_lease_until TIMESTAMPTZ                   -- a worker is refreshing the token until then
);

CREATE TABLE m365_signin (
    state_hash   TEXT PRIMARY KEY,                    -- sha256 of the OAuth state parameter
    account_id   INTEGER NOT NULL,
    session_hash TEXT NOT NULL,                       -- sha256 of the host session id that started it
    user_id      INTEGER NOT NULL,
    flow         BYTEA NOT NULL,                      -- msal auth code flow (PKCE verifier, nonce), encrypted
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    used_at      TIMESTAMPTZ
);
CREATE INDEX m365_signin_expires ON m365_signin (expires_at);

CREATE TABLE m365_event (
    id         BIGSERIAL PRIMARY KEY,
    at         TIMESTAMPTZ NOT NULL,
    account_id INTEGER,
    kind       TEXT NOT NULL,
    code       TEXT,
    text       TEXT NOT NULL
);
CREATE INDEX m365_event_account ON m365_event (account_id, at);
