-- The way back from an account's problem without a person: when the plugin next lets one held mail try again by
-- itself (a probe; backoff doubles up to a day), and how often it tried since the problem began.
ALTER TABLE m365_account ADD COLUMN retry_at TIMESTAMP;
ALTER TABLE m365_account ADD COLUMN retries INTEGER NOT NULL DEFAULT 0;
