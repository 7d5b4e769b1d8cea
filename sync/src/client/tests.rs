use ehealth_contracts::{
    Change, Fields, MutationResult, MutationStatus, PullResponse, PushResponse,
};
use serde_json::json;

use super::ClientEngine;
use crate::hlc::Hlc;

#[test]
fn mutations_are_numbered_without_gaps_and_applied_locally() {
    let mut c = ClientEngine::new("d1");
    let set: Fields = [("systolic".to_owned(), json!(120))].into_iter().collect();
    let a = c.upsert("bp_readings", "r1", "p1", set, 10);
    let b = c.delete("bp_readings", "r1", 11).map(|m| m.seq);
    assert_eq!((a.seq, a.cl), (1, 1));
    assert_eq!(b, Ok(2));
    assert_eq!(c.row("bp_readings", "r1").map(|r| r.state.cl), Some(2));
    let restore = c.upsert("bp_readings", "r1", "p1", Fields::new(), 12);
    assert_eq!((restore.seq, restore.cl), (3, 3));
}

#[test]
fn acknowledged_mutations_leave_the_queue() {
    let mut c = ClientEngine::new("d1");
    for i in 0..3 {
        c.upsert("bp_readings", &format!("r{i}"), "p1", Fields::new(), 10);
    }
    c.on_push_response(
        &PushResponse {
            results: vec![],
            last_seq: 2,
            server_hlc: "20:0:server".into(),
        },
        11,
    );
    assert_eq!(
        c.pending().iter().map(|m| m.seq).collect::<Vec<_>>(),
        vec![3]
    );
    let next = c.upsert("bp_readings", "r9", "p1", Fields::new(), 5);
    assert!(
        next.hlc.parse::<Hlc>().is_ok_and(|h| h.physical_ms >= 20),
        "HLC advanced past the server's"
    );
}

#[test]
fn a_late_acknowledgement_does_not_move_a_newer_row_back() {
    let mut c = ClientEngine::new("d1");
    let set: Fields = [("systolic".to_owned(), json!(120))].into_iter().collect();
    let m = c.upsert("bp_readings", "r1", "p1", set.clone(), 10);
    // The server has since moved the row to version 2 (pulled), then the old ack arrives.
    let page = PullResponse {
        cursor: "c".into(),
        has_more: false,
        scopes: Default::default(),
        changes: vec![Change {
            table: "bp_readings".into(),
            id: "r1".into(),
            scope: "p1".into(),
            version: 2,
            cl: 1,
            row: Some(set),
            hlc: Some(
                [("systolic".to_owned(), m.hlc.clone())]
                    .into_iter()
                    .collect(),
            ),
        }],
        server_hlc: "11:0:server".into(),
    };
    c.apply_page(&page, 11);
    let ack = MutationResult {
        seq: 1,
        status: MutationStatus::Applied,
        version: Some(1),
        code: None,
        message: None,
        conflicts: vec![],
    };
    c.on_push_response(
        &PushResponse {
            results: vec![ack],
            last_seq: 1,
            server_hlc: "12:0:server".into(),
        },
        12,
    );
    assert_eq!(c.row("bp_readings", "r1").map(|r| r.state.version), Some(2));
}

#[test]
fn a_crash_before_saving_the_cursor_replays_the_page() {
    let mut c = ClientEngine::new("d1");
    let page = PullResponse {
        cursor: "c-next".into(),
        has_more: false,
        scopes: Default::default(),
        changes: vec![],
        server_hlc: "1:0:server".into(),
    };
    c.apply_page(&page, 1);
    c.crash();
    assert_eq!(c.pull_request(10).cursor, None);
    c.apply_page(&page, 1);
    c.save_cursor();
    assert_eq!(c.pull_request(10).cursor.as_deref(), Some("c-next"));
}
