-- What an account's mail settings were before OAuth replaced them (SMTP server, port, encryption, user name,
-- password), encrypted like the token cache; put back when OAuth is turned off again.
ALTER TABLE m365_account ADD COLUMN previous_settings BYTEA;
