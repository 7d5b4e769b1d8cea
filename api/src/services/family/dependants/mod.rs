//! Registering a dependant (or joining as a further SDM), listing one's dependants, viewing a
//! patient one may act for, and ending a link (stepping down, or removing a lower-priority SDM).

mod create;
mod end_link;
mod join;
mod list;
mod patient;

pub use create::create;
pub use end_link::end_link;
pub use list::list;
pub use patient::get_patient;

use crate::error::ApiResult;
use crate::store::family::{self, ACTIVE};
use crate::store::{self, DbConn};

/// Who hears about a change to a patient's SDMs: every active SDM but `except`, and the patient
/// if they hold their own account.
pub(crate) fn concerned(c: &mut DbConn, patient_id: &str, except: &str) -> ApiResult<Vec<String>> {
    let mut to: Vec<String> = family::of_patient(c, patient_id)?
        .into_iter()
        .filter(|l| l.status == ACTIVE && l.sdm_patient_id != except)
        .map(|l| l.sdm_patient_id)
        .collect();
    if store::passkeys::has_any(c, patient_id)? {
        to.push(patient_id.to_owned());
    }
    to.sort();
    to.dedup();
    Ok(to)
}
