//! Offline sync over HTTP: push, pull, conflicts, resets and every refusal, on both databases.

mod conflicts;
mod pull;
mod push;

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
