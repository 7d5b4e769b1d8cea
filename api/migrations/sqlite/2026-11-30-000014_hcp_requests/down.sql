DROP TABLE hcp_events;
DROP TABLE hcp_requests;
