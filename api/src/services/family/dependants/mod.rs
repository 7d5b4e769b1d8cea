//! Registering a dependant (or joining as a further SDM), deciding a join, listing one's
//! dependants, viewing a patient one may act for, and ending a link (stepping down, or removing
//! a lower-priority SDM).

mod actions;
mod approval;
mod create;
mod end_link;
mod join;
mod list;
mod patient;

pub use actions::list_actions;
pub use approval::decide;
pub use create::create;
pub use end_link::end_link;
pub use list::list;
pub use patient::get_patient;
