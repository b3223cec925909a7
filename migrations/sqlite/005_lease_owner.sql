-- Who holds an account's refresh lease: only that worker releases it or clears it when it stores the new cache, and
-- other writers (re-encryption) leave a leased row alone.
ALTER TABLE m365_account ADD COLUMN refresh_lease_owner TEXT;
