//! Attacks on SDM joins and the office's verification: nobody but an SDM with authority
//! decides a join, a pending join grants nothing, and verification settles only the person's
//! own open links.

use chrono::Duration;
use ehealth_contracts::{CreateDependantResponse, SdmLinkStatus};
use ehealth_tests::devices::Device;
use ehealth_tests::family::{child, verified_adult};
use ehealth_tests::{JsonAs, TestApp, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::{decide, post_as};

on_both_backends!(attack_trust_pending_join_grants_nothing);
async fn attack_trust_pending_join_grants_nothing(app: TestApp) {
    let (mother, _) = verified_adult(&app).await;
    let (stranger, _) = verified_adult(&app).await;
    let (stranger2, _) = verified_adult(&app).await;
    let (other_parent, _) = verified_adult(&app).await;
    let kid = child("2018-02-02");
    let (child_id, mother_link) = app.add_child(&mother.access_token, &kid).await;
    app.verify(&child_id).await;
    // Another family's verified child: its parent has authority, but not over `kid`.
    let (other_child, _) = app
        .add_child(&other_parent.access_token, &child("2017-03-03"))
        .await;
    app.verify(&other_child).await;
    // The mother writes a reminder in the child's scope (data the stranger must not see).
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/v1/patients/{child_id}/reminders"),
            Some(&mother.access_token),
            Some(
                json!({"kind": "custom", "text": "SECRET-REMINDER", "times": ["08:00"], "days": ["mon"],
                "time_zone": "Asia/Hong_Kong", "enabled": true}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let (_, body) = app
        .add_dependant(&stranger.access_token, &kid, "parent", false)
        .await;
    let asked: CreateDependantResponse = body.json_as();
    assert_eq!(asked.link_status, SdmLinkStatus::PendingApproval);
    let (_, body) = app
        .add_dependant(&stranger2.access_token, &kid, "family_member", false)
        .await;
    let asked2: CreateDependantResponse = body.json_as();
    assert_eq!(asked2.link_status, SdmLinkStatus::PendingApproval);

    // Nobody but the mother may decide: requester, another requester, another family's SDM.
    for (who, token, link) in [
        ("requester", &stranger.access_token, &asked.link_id),
        ("other requester", &stranger2.access_token, &asked.link_id),
        (
            "requester on the other",
            &stranger.access_token,
            &asked2.link_id,
        ),
        (
            "sdm of another child",
            &other_parent.access_token,
            &asked.link_id,
        ),
    ] {
        for verb in ["approve", "decline"] {
            let (status, body) = post_as(&app, &decide(link, verb), token).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{who} {verb}: {body}");
        }
    }
    // The mother's own active link is not a join to approve; odd link ids are plain 404s.
    let (status, body) =
        post_as(&app, &decide(&mother_link, "approve"), &mother.access_token).await;
    assert!(
        status == StatusCode::CONFLICT || status == StatusCode::NOT_FOUND,
        "approving an active link: {status} {body}"
    );
    let long = "a".repeat(5000);
    for odd in [
        "..%2F..%2Fv1%2Fme",
        "%20",
        "x'%20OR%20'1'='1",
        long.as_str(),
        child_id.as_str(),
        "00000000-0000-0000-0000-000000000000",
    ] {
        let (status, body) = post_as(&app, &decide(odd, "approve"), &mother.access_token).await;
        assert!(
            status.is_client_error(),
            "odd id {}: {status} {body}",
            &odd[..odd.len().min(40)]
        );
    }

    // While pending, the stranger reads and writes nothing of the child's.
    for path in [
        format!("/v1/patients/{child_id}"),
        format!("/v1/patients/{child_id}/consents"),
        format!("/v1/patients/{child_id}/records"),
        format!("/v1/patients/{child_id}/reminders"),
        format!("/v1/patients/{child_id}/sdm-actions"),
        format!("/v1/patients/{child_id}/access-log"),
        format!("/v1/patients/{child_id}/consent-requests"),
    ] {
        let (status, body) = app.get_auth(&path, &stranger.access_token).await;
        assert!(
            status == StatusCode::NOT_FOUND || status == StatusCode::FORBIDDEN,
            "{path}: {status} {body}"
        );
    }
    let (status, body) = app
        .call(
            Method::PATCH,
            &format!("/v1/patients/{child_id}/preferences"),
            Some(&stranger.access_token),
            Some(json!({"notify_on_access": false})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "preferences: {body}");
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/v1/patients/{child_id}/reminders"),
            Some(&stranger.access_token),
            Some(
                json!({"kind": "custom", "text": "x", "times": ["08:00"], "days": ["mon"],
                "time_zone": "Asia/Hong_Kong", "enabled": true}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "reminder: {body}");
    let mut device = Device::signed_in(&stranger);
    let pages = device.pull_all(&app, 100).await;
    let pulled = serde_json::to_string(&pages).unwrap_or_default();
    assert!(
        !pulled.contains(&child_id) && !pulled.contains("SECRET-REMINDER"),
        "the pending requester's pull shows the child: {pulled}"
    );

    // Approve once: the second approval and a decline after it are 409.
    let (status, body) = post_as(
        &app,
        &decide(&asked.link_id, "approve"),
        &mother.access_token,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for verb in ["approve", "decline"] {
        let (status, body) =
            post_as(&app, &decide(&asked.link_id, verb), &mother.access_token).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::CONFLICT, Some("sdm_link_not_pending")),
            "{verb} after approval"
        );
    }
    // A freshly approved SDM (stranger) still cannot approve their own... but may now decide
    // the other pending join; the requester of that one may not decide it.
    let (status, _) = post_as(
        &app,
        &decide(&asked2.link_id, "approve"),
        &stranger2.access_token,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

// An SDM whose authority ended at the child's 16th birthday decides nothing.
on_both_backends!(attack_trust_came_of_age_sdm_cannot_approve);
async fn attack_trust_came_of_age_sdm_cannot_approve(app: TestApp) {
    app.clock.set_rfc3339("2026-11-01T04:00:00Z");
    let (_, mut mother_key) = verified_adult(&app).await;
    let mother = app.sign_in_patient(&mut mother_key).await;
    let (_, mut stranger_key) = verified_adult(&app).await;
    let stranger = app.sign_in_patient(&mut stranger_key).await;
    let kid = child("2010-11-05");
    let (child_id, _) = app.add_child(&mother.access_token, &kid).await;
    app.verify(&child_id).await;
    let (_, body) = app
        .add_dependant(&stranger.access_token, &kid, "parent", false)
        .await;
    let asked: CreateDependantResponse = body.json_as();
    assert_eq!(asked.link_status, SdmLinkStatus::PendingApproval, "{body}");
    app.clock.advance(Duration::days(5));
    let mother = app.sign_in_patient(&mut mother_key).await;
    let (status, body) = post_as(
        &app,
        &decide(&asked.link_id, "approve"),
        &mother.access_token,
    )
    .await;
    assert_ne!(
        status,
        StatusCode::OK,
        "approved after coming of age: {body}"
    );
    assert!(status.is_client_error(), "{status} {body}");
    let stranger = app.sign_in_patient(&mut stranger_key).await;
    let (status, _) = app
        .get_auth(&format!("/v1/patients/{child_id}"), &stranger.access_token)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

// The office may confirm only the patient's own open links.
on_both_backends!(attack_trust_office_confirms_only_own_open_links);
async fn attack_trust_office_confirms_only_own_open_links(app: TestApp) {
    let (mother, _) = verified_adult(&app).await;
    let (stranger, _) = verified_adult(&app).await;
    let (other, _) = verified_adult(&app).await;
    let kid = child("2016-01-01");
    let (child_id, mother_link) = app.add_child(&mother.access_token, &kid).await;
    let (_, body) = app
        .add_dependant(&stranger.access_token, &kid, "parent", false)
        .await;
    let stranger_link = body.json_as::<CreateDependantResponse>().link_id;
    let (other_child, other_link) = app
        .add_child(&other.access_token, &child("2015-01-01"))
        .await;

    // Another patient's link: refused, and the child stays unverified.
    let (status, body) = app
        .verify_confirming(&child_id, &[mother_link.clone(), other_link.clone()])
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "foreign link: {body}"
    );
    // The stranger steps down: their ended link can no longer be confirmed.
    let (status, body) = app
        .call(
            Method::DELETE,
            &format!("/v1/sdm-links/{stranger_link}"),
            Some(&stranger.access_token),
            None,
        )
        .await;
    assert!(status.is_success(), "step down: {status} {body}");
    let (status, body) = app
        .verify_confirming(&child_id, &[mother_link.clone(), stranger_link.clone()])
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "ended link: {body}"
    );
    let (status, _) = app
        .get_auth(&format!("/v1/patients/{child_id}"), &stranger.access_token)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Odd ids and NUL in the list.
    let (status, body) = app
        .verify_confirming(&child_id, &[format!("{mother_link}\u{0}")])
        .await;
    assert!(status.is_client_error(), "nul id: {status} {body}");
    // Duplicates: one confirmation, nothing doubled.
    let (status, body) = app
        .verify_confirming(&child_id, &[mother_link.clone(), mother_link.clone()])
        .await;
    assert!(
        status == StatusCode::OK || status == StatusCode::UNPROCESSABLE_ENTITY,
        "dupes: {status} {body}"
    );
    if status == StatusCode::OK {
        assert_eq!(body["confirmed_link_ids"], json!([mother_link]), "{body}");
    }
    // The other family's link is untouched.
    assert_eq!(app.open_links_of(&other_child).await, vec![other_link]);
}

// Register the victim's number as an incapable dependant, then end the link yourself: the
// victim must still be able to register.
