//! One integration-test binary (one link instead of one per file: less disk, faster builds).
//! Each module is a story area; the real server runs on port 0 against real storage.

mod attack;
mod bad_text;
mod coming_of_age;
mod consent;
mod counter;
mod demo;
mod diary;
mod due_queue;
mod family;
mod http_errors;
mod mail;
mod multi_instance;
mod officer;
mod officers;
mod provider;
mod push;
mod registration;
mod reminders;
mod row_shapes;
mod sessions;
mod storage;
mod sync;
mod sync_ordering;
mod sync_properties;
mod sync_regressions;
mod text_properties;
