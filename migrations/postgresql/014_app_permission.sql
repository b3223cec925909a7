-- Issue 24: a mail account may send with the app's own permission instead of a person's sign-in (functional
-- mailboxes). signin_kind: 'person' (a person signs in; today's) or 'app' (client credentials with the app's certificate
-- or secret: no refresh token, nothing that expires with a person). graph_scope_confirmed: the admin confirmed that
-- Graph's application permission Mail.Send is narrowed to the mailboxes it may use (the plugin cannot see it);
-- graph_scope_outside: an address outside that scope the admin named, whose refused send proves the narrowing.
ALTER TABLE m365_account ADD COLUMN signin_kind TEXT NOT NULL DEFAULT 'person';
ALTER TABLE m365_account ADD COLUMN graph_scope_confirmed BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE m365_account ADD COLUMN graph_scope_outside TEXT;
-- The app's own access tokens (client credentials), one per app and resource, shared by every account that sends with
-- the app permission: encrypted, refreshed by one worker under a lease (lease_until, lease_owner), compare-and-swap on
-- version.
CREATE TABLE m365_app_token (
    app_scope TEXT PRIMARY KEY,   -- the app's client ID, a space, the scope (https://outlook.office365.com/.default)
    token BYTEA,
    expires_at TIMESTAMPTZ,
    version INTEGER NOT NULL DEFAULT 0,
    lease_until TIMESTAMPTZ,
    lease_owner TEXT
);
