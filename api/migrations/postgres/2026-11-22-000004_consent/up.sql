-- Healthcare providers, their staff (with passkeys and sessions), sharing consent, the HCP
-- consent feed, access keys, deposited records and the append-only, hash-chained access log.
CREATE TABLE hcps (
    id TEXT PRIMARY KEY NOT NULL,
    name_en TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    sector TEXT NOT NULL,
    -- Last sequence number of this HCP's consent feed (the row lock orders the feed).
    feed_seq BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE hcp_locations (
    id TEXT PRIMARY KEY NOT NULL,
    hcp_id TEXT NOT NULL REFERENCES hcps(id),
    name_en TEXT NOT NULL,
    address_en TEXT NOT NULL,
    district TEXT NOT NULL,
    phone TEXT NOT NULL
);
CREATE INDEX hcp_locations_hcp ON hcp_locations(hcp_id);
CREATE INDEX hcp_locations_district ON hcp_locations(district);

CREATE TABLE hcp_staff (
    id TEXT PRIMARY KEY NOT NULL,
    hcp_id TEXT NOT NULL REFERENCES hcps(id),
    english_name TEXT NOT NULL,
    profession TEXT NOT NULL,
    registration_number TEXT NOT NULL,
    -- Comma-separated roles, e.g. `user_admin`.
    roles TEXT NOT NULL,
    status TEXT NOT NULL,
    enrolment_code_hash TEXT UNIQUE,
    enrolment_expires_at BIGINT,
    created_at BIGINT NOT NULL,
    deactivated_at BIGINT
);
CREATE INDEX hcp_staff_hcp ON hcp_staff(hcp_id);

CREATE TABLE staff_passkeys (
    id TEXT PRIMARY KEY NOT NULL,
    credential_id TEXT NOT NULL UNIQUE,
    staff_id TEXT NOT NULL REFERENCES hcp_staff(id),
    passkey TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX staff_passkeys_staff ON staff_passkeys(staff_id);

CREATE TABLE staff_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    staff_id TEXT NOT NULL REFERENCES hcp_staff(id),
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE staff_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    session_id TEXT NOT NULL REFERENCES staff_sessions(id),
    kind TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    superseded_at BIGINT
);
CREATE INDEX staff_tokens_session ON staff_tokens(session_id);

CREATE TABLE consents (
    id TEXT PRIMARY KEY NOT NULL,
    patient_id TEXT NOT NULL REFERENCES patients(id),
    hcp_id TEXT NOT NULL REFERENCES hcps(id),
    consent_type TEXT NOT NULL,
    method TEXT NOT NULL,
    status TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    -- One-year consents: the last Hong Kong day they are valid.
    valid_until TEXT,
    granted_by TEXT NOT NULL,
    ended_at BIGINT,
    ended_by TEXT,
    updated_at BIGINT NOT NULL,
    -- Version in the patient's sync scope (consents sync down to the family's devices).
    sync_version BIGINT NOT NULL
);
CREATE INDEX consents_patient ON consents(patient_id, sync_version);
CREATE UNIQUE INDEX consents_active ON consents(patient_id, hcp_id) WHERE status = 'active';

CREATE TABLE consent_events (
    hcp_id TEXT NOT NULL REFERENCES hcps(id),
    seq BIGINT NOT NULL,
    consent_id TEXT NOT NULL,
    patient_id TEXT NOT NULL,
    event TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (hcp_id, seq)
);

CREATE TABLE consent_requests (
    id TEXT PRIMARY KEY NOT NULL,
    hcp_id TEXT NOT NULL REFERENCES hcps(id),
    patient_id TEXT NOT NULL REFERENCES patients(id),
    requested_by TEXT NOT NULL,
    -- pending | approved | declined
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    decided_at BIGINT,
    decided_by TEXT,
    consent_id TEXT
);
CREATE INDEX consent_requests_patient ON consent_requests(patient_id, created_at);

-- Server-to-server clients of an HCP (smart-card readers, record deposit), secrets as argon2.
CREATE TABLE hcp_systems (
    id TEXT PRIMARY KEY NOT NULL,
    hcp_id TEXT NOT NULL REFERENCES hcps(id),
    name TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE hcp_system_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    system_id TEXT NOT NULL REFERENCES hcp_systems(id),
    expires_at BIGINT NOT NULL
);

CREATE TABLE access_keys (
    patient_id TEXT PRIMARY KEY NOT NULL REFERENCES patients(id),
    key_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    failures INTEGER NOT NULL,
    locked_until BIGINT
);

CREATE TABLE records (
    id TEXT PRIMARY KEY NOT NULL,
    patient_id TEXT NOT NULL REFERENCES patients(id),
    hcp_id TEXT NOT NULL REFERENCES hcps(id),
    category TEXT NOT NULL,
    code TEXT NOT NULL,
    display TEXT NOT NULL,
    value TEXT,
    recorded_at TEXT NOT NULL,
    recorded_at_ms BIGINT NOT NULL,
    location_id TEXT,
    deposited_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    sync_version BIGINT NOT NULL
);
CREATE INDEX records_patient ON records(patient_id, recorded_at_ms);
CREATE INDEX records_sync ON records(patient_id, sync_version);

-- Append-only: each entry's hash covers the previous entry's hash and its own canonical bytes.
CREATE TABLE access_log (
    patient_id TEXT NOT NULL REFERENCES patients(id),
    seq BIGINT NOT NULL,
    -- UUIDv7 made by the server; never looked up, so no index of its own.
    id TEXT NOT NULL,
    staff_id TEXT,
    staff_name TEXT,
    hcp_id TEXT NOT NULL,
    hcp_name TEXT NOT NULL,
    profession TEXT,
    categories TEXT NOT NULL,
    purpose TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT,
    at BIGINT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    sync_version BIGINT NOT NULL,
    PRIMARY KEY (patient_id, seq)
);
CREATE INDEX access_log_sync ON access_log(patient_id, sync_version);
CREATE FUNCTION access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'access_log is append-only';
END;
$$;
CREATE TRIGGER access_log_no_change BEFORE UPDATE OR DELETE ON access_log
    FOR EACH ROW EXECUTE FUNCTION access_log_append_only();
CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log
    FOR EACH STATEMENT EXECUTE FUNCTION access_log_append_only();
