-- Who an account is at Microsoft (the user object, not a name), refusals seen in a row, and admin consent requests.

-- The object ID (oid) of the user who signed in; with tenant_id it identifies the account for good: names change
-- and differ from mail addresses. signed_in_as now holds the UPN of the token (what Exchange checks in XOAUTH2).
ALTER TABLE m365_account ADD COLUMN user_oid TEXT;
-- "535 5.7.3" refusals of an account whose setup had been proven, in a row: the first is retried before anyone is
-- told, the second is reported.
ALTER TABLE m365_account ADD COLUMN auth_refusals INTEGER NOT NULL DEFAULT 0;

CREATE TABLE m365_consent (
    state_hash   TEXT PRIMARY KEY,                    -- sha256 of the OAuth state parameter
    session_hash TEXT NOT NULL,                       -- sha256 of the host session id that started it
    user_id      INTEGER NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    used_at      TIMESTAMP
);
