-- Push tokens of staff apps: one per staff session (a signed-in installation). Consent events
-- of an HCP reach the tokens of its active staff's live sessions.
CREATE TABLE staff_push_tokens (
    session_id TEXT PRIMARY KEY NOT NULL REFERENCES staff_sessions(id),
    -- A token names one app installation: registering it again moves it to that session.
    token TEXT NOT NULL UNIQUE,
    platform TEXT NOT NULL,
    locale TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
