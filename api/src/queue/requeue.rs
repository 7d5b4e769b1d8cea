//! Keeping the due-queue in step with writes: after a write commits, the written reminders'
//! due times are read back from the database (the source of truth) and put in the queue.

use super::DueQueue;
use crate::error::ApiError;
use crate::store::{self, Db};

impl DueQueue {
    /// Tells the due-queue the current due times of `ids` after they were written. A queue
    /// that cannot be told (Redis down) marks itself for a rebuild, so nothing is lost.
    pub async fn requeue(&self, db: &Db, ids: Vec<String>) {
        if ids.is_empty() {
            return;
        }
        let times = db
            .run(move |c| Ok(store::reminders::due_times_of(c, &ids)?))
            .await;
        let result = match times {
            Ok(t) => self.put(&t).await.map_err(unavailable),
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, "could not queue reminder times; the queue is rebuilt");
        }
    }
}

/// The answer when the due-queue cannot be reached (logged here).
pub fn unavailable(e: anyhow::Error) -> ApiError {
    tracing::warn!(error = %e, "due-queue unavailable");
    ApiError::unavailable()
}
