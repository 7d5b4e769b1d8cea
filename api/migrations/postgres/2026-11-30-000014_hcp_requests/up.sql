-- Forms a registered provider's user administrator files after acceptance (the Additional
-- Healthcare Service Location form and the HCP/HSL Amendment Form), reviewed by the office and
-- applied in one transaction on approval.
CREATE TABLE hcp_requests (
    id TEXT PRIMARY KEY NOT NULL,
    hcp_id TEXT NOT NULL REFERENCES hcps(id),
    -- `location` (the additional-location form) or `amendment`.
    form TEXT NOT NULL,
    -- add_location, add_user_admin, replace_user_admin, amend_location, remove_location,
    -- amend_provider
    kind TEXT NOT NULL,
    -- The form's content as JSON.
    payload TEXT NOT NULL,
    -- pending, approved, rejected
    status TEXT NOT NULL,
    filed_by TEXT NOT NULL,
    filed_at BIGINT NOT NULL,
    decided_by TEXT,
    decided_at BIGINT,
    reason TEXT,
    -- What approval created: the location or the staff account.
    result_id TEXT
);
CREATE INDEX hcp_requests_hcp ON hcp_requests (hcp_id, filed_at);
CREATE INDEX hcp_requests_status ON hcp_requests (form, status, filed_at);

-- What changed on a provider, when and by whom (shown to its user administrators).
CREATE TABLE hcp_events (
    id TEXT PRIMARY KEY NOT NULL,
    hcp_id TEXT NOT NULL REFERENCES hcps(id),
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT
);
CREATE INDEX hcp_events_hcp ON hcp_events (hcp_id, at);
