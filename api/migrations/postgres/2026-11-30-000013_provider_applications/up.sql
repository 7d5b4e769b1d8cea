-- Outgoing email, sent by the mail worker with retries (like push). Never holds identity
-- numbers or health data: the payload is the template's values.
CREATE TABLE emails (
    id TEXT PRIMARY KEY NOT NULL,
    recipient TEXT NOT NULL,
    template TEXT NOT NULL,
    locale TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    claimed_until BIGINT,
    next_attempt_at BIGINT,
    sent_at BIGINT,
    failed_at BIGINT
);
CREATE INDEX emails_pending ON emails (sent_at, failed_at, created_at);

-- A healthcare provider's application to join (the five steps), as its applicant saved it.
CREATE TABLE provider_applications (
    id TEXT PRIMARY KEY NOT NULL,
    applicant_id TEXT NOT NULL REFERENCES accounts(id),
    -- HCPA-<year>-<6 digits>, given on the first submission.
    reference TEXT UNIQUE,
    -- draft, submitted, supplement_requested, accepted, rejected, withdrawn
    status TEXT NOT NULL,
    -- The sections as JSON (steps 1-3), each saved on its own.
    provider TEXT,
    users TEXT,
    locations TEXT,
    -- What the office asked to supplement, as JSON [{section, message}], while it is open.
    supplement TEXT,
    hcp_id TEXT REFERENCES hcps(id),
    submitted_at BIGINT,
    accepted_at BIGINT,
    -- The Hong Kong date the registration becomes successful (acceptance + 14 days).
    registered_on TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX provider_applications_applicant ON provider_applications (applicant_id);
CREATE INDEX provider_applications_status ON provider_applications (status, submitted_at);

CREATE TABLE application_documents (
    application_id TEXT NOT NULL REFERENCES provider_applications(id),
    kind TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content BYTEA NOT NULL,
    uploaded_at BIGINT NOT NULL,
    PRIMARY KEY (application_id, kind)
);

-- Everything that happened to an application, in order: who, when, what.
CREATE TABLE application_events (
    id TEXT PRIMARY KEY NOT NULL,
    application_id TEXT NOT NULL REFERENCES provider_applications(id),
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT
);
CREATE INDEX application_events_application ON application_events (application_id, at);

-- Technical assistance asked for within 14 days of the acceptance email.
CREATE TABLE assistance_requests (
    id TEXT PRIMARY KEY NOT NULL,
    application_id TEXT NOT NULL REFERENCES provider_applications(id),
    message TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    answer TEXT,
    answered_at BIGINT,
    answered_by TEXT
);
CREATE INDEX assistance_requests_open ON assistance_requests (answered_at, created_at);

-- A provider is `accepted` from the office's acceptance and `registered` from 00:00 Hong Kong
-- time 14 days later; only registered providers are on the register and take consents.
-- Providers that existed before applications were registered already.
ALTER TABLE hcps ADD COLUMN status TEXT NOT NULL DEFAULT 'registered';
ALTER TABLE hcps ADD COLUMN registered_on TEXT;
ALTER TABLE hcps ADD COLUMN hcp_type TEXT;
ALTER TABLE hcps ADD COLUMN email TEXT;
ALTER TABLE hcps ADD COLUMN phone TEXT;
ALTER TABLE hcps ADD COLUMN address_en TEXT;
ALTER TABLE hcps ADD COLUMN address_zh TEXT;
ALTER TABLE hcp_locations ADD COLUMN name_zh TEXT;
ALTER TABLE hcp_locations ADD COLUMN address_zh TEXT;
-- The language of an applicant's emails (`en` or `zh-HK`).
ALTER TABLE accounts ADD COLUMN locale TEXT;
