-- People who sign in with a passkey but are neither patients nor an HCP's staff: the
-- registration office's officers and providers' applicants. One table for both so they share
-- passkeys, sessions and rotating tokens; `kind` says which, and each kind has its own token
-- prefixes so one is never accepted as the other.
CREATE TABLE accounts (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    -- Applicants: the address the office writes to, and when its code was confirmed.
    email TEXT,
    email_confirmed_at BIGINT,
    email_code_hash TEXT,
    email_code_expires_at BIGINT,
    -- Officers: comma-separated roles (`registration`, `provider_review`, `supervisor`).
    roles TEXT NOT NULL,
    -- `pending_enrolment`, `active` or `deactivated`.
    status TEXT NOT NULL,
    enrolment_code_hash TEXT UNIQUE,
    enrolment_expires_at BIGINT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    deactivated_at BIGINT,
    deactivated_by TEXT
);
CREATE INDEX accounts_kind ON accounts (kind, created_at);

CREATE TABLE account_passkeys (
    id TEXT PRIMARY KEY NOT NULL,
    credential_id TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    passkey TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX account_passkeys_account ON account_passkeys (account_id);

CREATE TABLE account_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX account_sessions_account ON account_sessions (account_id);

CREATE TABLE account_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    session_id TEXT NOT NULL REFERENCES account_sessions(id),
    kind TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    superseded_at BIGINT
);
CREATE INDEX account_tokens_session ON account_tokens (session_id);
