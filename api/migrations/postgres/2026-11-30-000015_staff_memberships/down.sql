DROP INDEX hcp_staff_login;
ALTER TABLE hcp_staff DROP COLUMN login_staff_id;
