DROP TABLE account_tokens;
DROP TABLE account_sessions;
DROP TABLE account_passkeys;
DROP TABLE accounts;
