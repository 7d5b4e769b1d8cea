-- Measurement reminders ("buddies"): a synced table (both ways) like the diaries; `next_due_at`
-- is the next occurrence the server computed in the reminder's zone (null when disabled or
-- deleted), which the due-queue is rebuilt from.
CREATE TABLE reminders (
    id TEXT PRIMARY KEY NOT NULL,
    scope TEXT NOT NULL REFERENCES sync_scopes(scope),
    version BIGINT NOT NULL,
    cl BIGINT NOT NULL,
    kind TEXT,
    text TEXT,
    times TEXT,
    days TEXT,
    time_zone TEXT,
    enabled BOOLEAN,
    next_due_at BIGINT,
    hlc TEXT,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE INDEX reminders_scope_version ON reminders(scope, version);
CREATE INDEX reminders_next_due ON reminders(next_due_at);
