ALTER TABLE sdm_links DROP COLUMN granted_at;
DROP INDEX sdm_links_open;
CREATE UNIQUE INDEX sdm_links_open ON sdm_links(patient_id, sdm_patient_id, basis)
    WHERE status IN ('pending_review', 'active');
DROP INDEX sdm_links_sync;
ALTER TABLE sdm_links DROP COLUMN sync_version;
