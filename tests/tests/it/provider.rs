//! Provider onboarding: the applicant's five steps, the office's review, acceptance, the
//! 14-day rule and technical assistance, over HTTP on both backends.

mod forms;
mod gates;
mod journey;
mod memberships;
mod refusals;
