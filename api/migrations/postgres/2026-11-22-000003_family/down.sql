DROP INDEX outbox_dedupe_key;
ALTER TABLE outbox DROP COLUMN dedupe_key;
DROP TABLE job_runs;
DROP TABLE claim_codes;
DROP TABLE sdm_actions;
DROP TABLE sdm_documents;
DROP TABLE sdm_links;
