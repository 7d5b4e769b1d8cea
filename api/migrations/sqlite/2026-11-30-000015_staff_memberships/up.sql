-- One professional, several providers: an account enrolled by signing in with the passkey of
-- the same professional's account at another provider names that account here, and signs in
-- with its passkey (one passkey, one session per provider at a time).
ALTER TABLE hcp_staff ADD COLUMN login_staff_id TEXT;
CREATE INDEX hcp_staff_login ON hcp_staff (login_staff_id);
