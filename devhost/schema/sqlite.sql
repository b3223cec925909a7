-- The devhost's own tables: the parts of cmxOrganize that the plugin touches.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    login         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    email         TEXT NOT NULL DEFAULT '',
    is_admin      BOOLEAN NOT NULL DEFAULT 0
);
CREATE TABLE interfaces (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    type       TEXT NOT NULL,
    name       TEXT NOT NULL,
    username   TEXT NOT NULL DEFAULT '',
    password   TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMP NOT NULL
);
CREATE TABLE settings (
    id    INTEGER PRIMARY KEY AUTOINCREMENT,
    app   TEXT NOT NULL,
    name  TEXT NOT NULL,
    value TEXT NOT NULL DEFAULT '',
    UNIQUE (app, name)
);
CREATE TABLE mail_accounts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    contact    TEXT NOT NULL DEFAULT '',
    address    TEXT NOT NULL DEFAULT '',
    username   TEXT NOT NULL DEFAULT '',
    smtp_host  TEXT NOT NULL DEFAULT '',
    smtp_port  INTEGER NOT NULL DEFAULT 587,
    encryption TEXT NOT NULL DEFAULT 'STARTTLS',
    password   TEXT NOT NULL DEFAULT ''
);
CREATE TABLE mail_queue (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id      INTEGER NOT NULL,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'queued',  -- queued | sending | sent | held
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    last_error_code TEXT,
    created_at      TIMESTAMP NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_until   TIMESTAMP,
    sent_at         TIMESTAMP
);
CREATE INDEX mail_queue_due ON mail_queue (status, next_attempt_at);
CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    audience   TEXT NOT NULL,
    account_id INTEGER,
    recipient  TEXT NOT NULL DEFAULT '',
    subject    TEXT NOT NULL,
    text       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE job_runs (
    name     TEXT PRIMARY KEY,
    last_run TIMESTAMP NOT NULL
);
CREATE TABLE plugin_migrations (
    plugin_id  TEXT NOT NULL,
    name       TEXT NOT NULL,
    checksum   TEXT NOT NULL,
    applied_at TIMESTAMP NOT NULL,
    PRIMARY KEY (plugin_id, name)
);
