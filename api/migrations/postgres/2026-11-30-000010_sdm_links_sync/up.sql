-- SDM links sync down to the phones as a read-only table in the dependant's scope: each change
-- to a link takes the next version of that scope. Existing links get versions after the
-- scope's current ones (in id order), and each scope's counter moves past them.
ALTER TABLE sdm_links ADD COLUMN sync_version BIGINT NOT NULL DEFAULT 0;
UPDATE sdm_links SET sync_version =
    COALESCE((SELECT s.version FROM sync_scopes s WHERE s.scope = sdm_links.patient_id), 0)
    + (SELECT COUNT(*) FROM sdm_links l WHERE l.patient_id = sdm_links.patient_id AND l.id <= sdm_links.id);
UPDATE sync_scopes SET version = version
    + (SELECT COUNT(*) FROM sdm_links l WHERE l.patient_id = sync_scopes.scope);
CREATE INDEX sdm_links_sync ON sdm_links (patient_id, sync_version);
-- A join waiting for an SDM's approval is open too: one open link per SDM, dependant and basis.
DROP INDEX sdm_links_open;
CREATE UNIQUE INDEX sdm_links_open ON sdm_links(patient_id, sdm_patient_id, basis)
    WHERE status IN ('pending_review', 'pending_approval', 'active');
-- When a link first granted authority (became active). A record nobody ever had authority over
-- holds no data of anyone's making, so it may be released to the person it names. Links that
-- are or were active before this column existed count as having granted.
ALTER TABLE sdm_links ADD COLUMN granted_at BIGINT;
UPDATE sdm_links SET granted_at = COALESCE(reviewed_at, created_at)
    WHERE status = 'active' OR (status = 'ended' AND ended_reason <> 'expired');
