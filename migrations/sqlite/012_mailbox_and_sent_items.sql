-- What the account's address is to the signed-in user's mailbox, as Graph's GET /me said at the last sign-in
-- (mail, proxyAddresses): 'primary' (its primary address), 'alias' (another of its addresses: Exchange rewrites it to
-- the primary one unless the organisation has SendFromAliasEnabled), 'other' (another mailbox, sent as with Send As);
-- NULL when unknown. primary_address: that mailbox's primary address. graph_sender, for 'other': which Graph call
-- sends for it — 'mailbox' (/users/{address}/sendMail, the copy stays in that mailbox's Sent Items) or 'me'
-- (/me/sendMail, the copy lands in the signed-in user's), NULL until the first mail over Graph shows it.
ALTER TABLE m365_account ADD COLUMN mailbox_kind TEXT;
ALTER TABLE m365_account ADD COLUMN primary_address TEXT;
ALTER TABLE m365_account ADD COLUMN graph_sender TEXT;
