-- Certificate credentials: certificates cmxOrganize made for its app registration (the private key never leaves the
-- instance and is stored encrypted), their state, and the app registration's object ID for Graph's addKey.

CREATE TABLE m365_certificate (
    thumbprint      TEXT PRIMARY KEY,              -- SHA-1, upper-case hex: what Entra shows as "Fingerabdruck"
    client_id       TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    not_before      TIMESTAMP NOT NULL,
    expires_at      TIMESTAMP NOT NULL,
    certificate     TEXT NOT NULL,                 -- the public part (PEM): safe to show and download
    private_key     BLOB NOT NULL,                   -- PKCS#8 PEM, encrypted with the host's keys
    state           TEXT NOT NULL,                 -- pending | active | standby | retired
    origin          TEXT NOT NULL,                 -- admin (made on request, uploaded by a person) | renewal (addKey)
    proven_at       TIMESTAMP,                           -- Microsoft accepted a client assertion signed with it
    activated_at    TIMESTAMP,
    retired_at      TIMESTAMP,
    key_id          TEXT,                          -- Entra's keyId, when cmxOrganize added it itself (addKey)
    removed_at      TIMESTAMP,                           -- cmxOrganize removed it from the app registration (removeKey)
    last_code       TEXT,                          -- Microsoft's last refusal of it (catalogue code)
    warned          TEXT NOT NULL DEFAULT '',      -- expiry thresholds (days) already warned about
    last_warned_on  TEXT
);

CREATE TABLE m365_setting (
    name   TEXT PRIMARY KEY,                       -- e.g. app_object_id
    value  TEXT NOT NULL
);
