ALTER TABLE sdm_links DROP COLUMN ended_detail;
