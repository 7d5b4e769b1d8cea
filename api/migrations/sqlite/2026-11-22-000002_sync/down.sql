DROP TABLE server_meta;
DROP TABLE glucose_readings;
DROP TABLE bp_readings;
DROP TABLE outbox;
DROP TABLE sync_conflicts;
DROP TABLE sync_results;
DROP TABLE sync_devices;
DROP TABLE sync_scopes;
