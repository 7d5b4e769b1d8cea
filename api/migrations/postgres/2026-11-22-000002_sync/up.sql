CREATE TABLE sync_scopes (
    scope TEXT PRIMARY KEY NOT NULL,
    patient_id TEXT NOT NULL REFERENCES patients(id),
    version BIGINT NOT NULL,
    purged_version BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
INSERT INTO sync_scopes (scope, patient_id, version, purged_version, created_at)
    SELECT id, id, 0, 0, created_at FROM patients;

CREATE TABLE sync_devices (
    device_id TEXT PRIMARY KEY NOT NULL REFERENCES devices(id),
    last_seq BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE sync_results (
    device_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    result TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (device_id, seq)
);

CREATE TABLE sync_conflicts (
    id TEXT PRIMARY KEY NOT NULL,
    scope TEXT NOT NULL,
    table_name TEXT NOT NULL,
    row_id TEXT NOT NULL,
    field TEXT NOT NULL,
    losing_value TEXT NOT NULL,
    losing_hlc TEXT NOT NULL,
    winning_value TEXT NOT NULL,
    winning_hlc TEXT NOT NULL,
    device_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    resolved_at BIGINT
);
CREATE INDEX sync_conflicts_scope ON sync_conflicts(scope, created_at);

CREATE TABLE outbox (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    scope TEXT,
    patient_id TEXT,
    exclude_device_id TEXT,
    payload TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    delivered_at BIGINT
);
CREATE INDEX outbox_pending ON outbox(delivered_at, created_at);

CREATE TABLE bp_readings (
    id TEXT PRIMARY KEY NOT NULL,
    scope TEXT NOT NULL REFERENCES sync_scopes(scope),
    version BIGINT NOT NULL,
    cl BIGINT NOT NULL,
    systolic INTEGER,
    diastolic INTEGER,
    pulse INTEGER,
    measured_at TEXT,
    measured_at_ms BIGINT,
    arm TEXT,
    note TEXT,
    hlc TEXT,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE INDEX bp_readings_scope_version ON bp_readings(scope, version);
CREATE INDEX bp_readings_scope_measured ON bp_readings(scope, measured_at_ms);

CREATE TABLE glucose_readings (
    id TEXT PRIMARY KEY NOT NULL,
    scope TEXT NOT NULL REFERENCES sync_scopes(scope),
    version BIGINT NOT NULL,
    cl BIGINT NOT NULL,
    mmol_tenths INTEGER,
    meal_context TEXT,
    measured_at TEXT,
    measured_at_ms BIGINT,
    note TEXT,
    hlc TEXT,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE INDEX glucose_readings_scope_version ON glucose_readings(scope, version);
CREATE INDEX glucose_readings_scope_measured ON glucose_readings(scope, measured_at_ms);

CREATE TABLE server_meta (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
-- The sync epoch changes when the database is restored (ehealth reset-sync-epoch).
INSERT INTO server_meta (key, value) VALUES ('sync_epoch', md5(random()::text || clock_timestamp()::text));
