-- The registration office's stated reason when it ends a link (free text). It is shown to the
-- people concerned with the link in the app, never sent through push services.
ALTER TABLE sdm_links ADD COLUMN ended_detail TEXT;
