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
