-- A smart-card read starts when the card is inserted: the HCP system asks for a read id, then
-- reports the card with it, once, within two minutes. A used id is kept until it expires so
-- a replay answers `card_read_used`, not a new consent.
CREATE TABLE card_reads (
    id TEXT PRIMARY KEY NOT NULL,
    system_id TEXT NOT NULL,
    hcp_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX card_reads_expiry ON card_reads (expires_at);
