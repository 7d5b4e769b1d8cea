-- Instants are UTC epoch milliseconds (BIGINT); civil dates are ISO text; ids are UUID text.
CREATE TABLE patients (
    id TEXT PRIMARY KEY NOT NULL,
    id_doc_type TEXT NOT NULL,
    id_issuing_country TEXT,
    id_hash TEXT NOT NULL UNIQUE,
    id_cipher BYTEA NOT NULL,
    id_masked TEXT NOT NULL,
    english_surname TEXT NOT NULL,
    english_given_names TEXT NOT NULL,
    chinese_name TEXT,
    date_of_birth TEXT NOT NULL,
    sex TEXT NOT NULL,
    phone TEXT NOT NULL,
    email TEXT,
    preferred_language TEXT NOT NULL,
    notify_on_access BOOLEAN NOT NULL,
    status TEXT NOT NULL,
    verification_method TEXT,
    verification_reference TEXT,
    verified_by TEXT,
    verified_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE registrations (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    patient_id TEXT REFERENCES patients(id),
    user_handle TEXT NOT NULL,
    id_hash TEXT,
    profile TEXT,
    ceremony TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    completed_at BIGINT
);
CREATE INDEX registrations_expires_at ON registrations(expires_at);

CREATE TABLE devices (
    id TEXT PRIMARY KEY NOT NULL,
    patient_id TEXT NOT NULL REFERENCES patients(id),
    name TEXT NOT NULL,
    platform TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX devices_patient_id ON devices(patient_id);

CREATE TABLE passkeys (
    id TEXT PRIMARY KEY NOT NULL,
    credential_id TEXT NOT NULL UNIQUE,
    patient_id TEXT NOT NULL REFERENCES patients(id),
    passkey TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX passkeys_patient_id ON passkeys(patient_id);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    patient_id TEXT NOT NULL REFERENCES patients(id),
    device_id TEXT NOT NULL REFERENCES devices(id),
    created_at BIGINT NOT NULL,
    revoked_at BIGINT,
    revoked_reason TEXT
);
CREATE INDEX sessions_patient_id ON sessions(patient_id);
CREATE INDEX sessions_device_id ON sessions(device_id);

CREATE TABLE session_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    session_id TEXT NOT NULL REFERENCES sessions(id),
    kind TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    superseded_at BIGINT
);
CREATE INDEX session_tokens_session_id ON session_tokens(session_id);

CREATE TABLE auth_challenges (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX auth_challenges_expires_at ON auth_challenges(expires_at);
