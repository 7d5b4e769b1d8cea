//! Coming of age: an SDM's authority for a child ends at 00:00 Hong Kong time on the 16th
//! birthday (decided from the clock on every request), the daily job notices and tidies once
//! across instances, and the young person claims the account with everything in it.

mod authority;
mod claim;
mod daily_job;

use serde_json::Value;

fn kinds(notices: &[(String, Value)], kind: &str) -> Vec<Value> {
    notices
        .iter()
        .filter(|(k, _)| k == kind)
        .map(|(_, p)| p.clone())
        .collect()
}
