DROP TABLE auth_challenges;
DROP TABLE session_tokens;
DROP TABLE sessions;
DROP TABLE passkeys;
DROP TABLE devices;
DROP TABLE registrations;
DROP TABLE patients;
