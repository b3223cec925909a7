-- Client-secret lifecycle (expiry, warnings, rotation) and the results of online checks.

CREATE TABLE m365_secret (
    fingerprint      TEXT PRIMARY KEY,             -- sha256 prefix of the secret value; never the value
    client_id        TEXT NOT NULL,
    entered_at       TIMESTAMPTZ NOT NULL,
    expires_at       TIMESTAMPTZ NOT NULL,           -- entered by the admin, or entered_at + 24 months
    expiry_confirmed BOOLEAN NOT NULL DEFAULT FALSE, -- true when the admin entered the date
    validated_at     TIMESTAMPTZ,                    -- a client-credentials request with it succeeded
    replaced_at      TIMESTAMPTZ,                    -- a newer secret was entered
    warned           TEXT NOT NULL DEFAULT '',     -- thresholds (days) already warned about, e.g. ",30,14,"
    last_warned_on   TEXT                          -- ISO date of the last daily warning after expiry
);

CREATE TABLE m365_check (
    name  TEXT PRIMARY KEY,                        -- credentials | redirect_uri | rotation
    ok    BOOLEAN NOT NULL,
    code  TEXT,
    text  TEXT NOT NULL,
    at    TIMESTAMPTZ NOT NULL
);
