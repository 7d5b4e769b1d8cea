-- The devices a row has already reached (comma-separated ids) while others are retried, so a
-- retry goes only to the devices that did not get it.
ALTER TABLE outbox ADD COLUMN sent_to TEXT;
