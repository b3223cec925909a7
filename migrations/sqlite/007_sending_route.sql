-- How an account's mail leaves: the route chosen ("auto": SMTP while it works, Microsoft Graph once SMTP AUTH is
-- switched off for the mailbox; "smtp"; "graph"), the route in use now, since when and why (a catalogue code).
ALTER TABLE m365_account ADD COLUMN route TEXT NOT NULL DEFAULT 'auto';
ALTER TABLE m365_account ADD COLUMN route_in_use TEXT NOT NULL DEFAULT 'smtp';
ALTER TABLE m365_account ADD COLUMN route_since TIMESTAMP;
ALTER TABLE m365_account ADD COLUMN route_reason TEXT;
