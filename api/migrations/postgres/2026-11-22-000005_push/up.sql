-- Push: each device's FCM registration token, the outbox worker's claim and retry state, and
-- the record of what was sent (the embedded default's push sink, and the duplicate guard).
CREATE TABLE push_tokens (
    device_id TEXT PRIMARY KEY NOT NULL REFERENCES devices(id),
    -- A token names one app installation: registering it again moves it to that device.
    token TEXT NOT NULL UNIQUE,
    platform TEXT NOT NULL,
    locale TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN claimed_until BIGINT;
ALTER TABLE outbox ADD COLUMN next_attempt_at BIGINT;

CREATE TABLE push_log (
    notification_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    data TEXT NOT NULL,
    collapse_key TEXT,
    sent_at BIGINT NOT NULL,
    PRIMARY KEY (notification_id, device_id)
);
