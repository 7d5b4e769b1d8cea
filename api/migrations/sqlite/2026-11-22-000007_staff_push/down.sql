DROP TABLE staff_push_tokens;
