-- The same event again (same account, kind and text, within an hour) is folded into one row: a flood of clicks or
-- retries shows as one line "(… ×)", not as the whole history.
ALTER TABLE m365_event ADD COLUMN repeats INTEGER NOT NULL DEFAULT 1;
