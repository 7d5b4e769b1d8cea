-- Substitute decision makers (DOMAIN.md): links between a dependant and an SDM, their
-- supporting documents, the record of what SDMs did, claim codes, and scheduled-job runs.
CREATE TABLE sdm_links (
    id TEXT PRIMARY KEY NOT NULL,
    patient_id TEXT NOT NULL REFERENCES patients(id),
    sdm_patient_id TEXT NOT NULL REFERENCES patients(id),
    -- 'child' (ends at the 16th birthday) or 'incapable' (a person who cannot consent).
    basis TEXT NOT NULL,
    relationship TEXT NOT NULL,
    priority INTEGER NOT NULL,
    -- pending_review | active | rejected | ended
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    reviewed_at BIGINT,
    reviewed_by TEXT,
    review_reason TEXT,
    ended_at BIGINT,
    ended_reason TEXT,
    ended_by TEXT
);
CREATE INDEX sdm_links_patient ON sdm_links(patient_id);
CREATE INDEX sdm_links_sdm ON sdm_links(sdm_patient_id);
-- One open link per SDM, dependant and basis.
CREATE UNIQUE INDEX sdm_links_open ON sdm_links(patient_id, sdm_patient_id, basis)
    WHERE status IN ('pending_review', 'active');

CREATE TABLE sdm_documents (
    link_id TEXT PRIMARY KEY NOT NULL REFERENCES sdm_links(id),
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content BYTEA NOT NULL,
    uploaded_at BIGINT NOT NULL
);

CREATE TABLE sdm_actions (
    id TEXT PRIMARY KEY NOT NULL,
    patient_id TEXT NOT NULL,
    sdm_patient_id TEXT NOT NULL,
    link_id TEXT NOT NULL,
    action TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX sdm_actions_patient ON sdm_actions(patient_id, at);

CREATE TABLE claim_codes (
    id TEXT PRIMARY KEY NOT NULL,
    patient_id TEXT NOT NULL REFERENCES patients(id),
    code_hash TEXT NOT NULL UNIQUE,
    issued_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX claim_codes_patient ON claim_codes(patient_id);

-- One row per scheduled-job occurrence: the instance that inserts it does the work.
CREATE TABLE job_runs (
    job TEXT NOT NULL,
    run_key TEXT NOT NULL,
    instance TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    PRIMARY KEY (job, run_key)
);

-- Notices a job may write again on a re-run carry a key, so they are queued once.
ALTER TABLE outbox ADD COLUMN dedupe_key TEXT;
CREATE UNIQUE INDEX outbox_dedupe_key ON outbox(dedupe_key);
