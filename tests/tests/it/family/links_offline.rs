//! The family's links reach the phones: an SDM's app holds the dependant's `sdm_links` rows, so
//! it shows a join waiting for its approval, and a co-parent who stepped down, offline.

use ehealth_contracts::CreateDependantResponse;
use ehealth_tests::devices::Device;
use ehealth_tests::family::{child, verified_adult};
use ehealth_tests::{JsonAs, TestApp, on_both_backends};
use reqwest::Method;

on_both_backends!(an_sdms_phone_shows_a_join_request_and_a_stepped_down_co_parent);
async fn an_sdms_phone_shows_a_join_request_and_a_stepped_down_co_parent(app: TestApp) {
    let (mother, _) = verified_adult(&app).await;
    let (father, _) = verified_adult(&app).await;
    let (stranger, _) = verified_adult(&app).await;
    let kid = child("2017-07-07");
    let (child_id, mother_link) = app.add_child(&mother.access_token, &kid).await;
    app.verify(&child_id).await;
    let father_link = app
        .join_approved(&father.access_token, &kid, "parent", &mother.access_token)
        .await;
    let mut phone = Device::signed_in(&mother);
    phone.pull_all(&app, 500).await;
    let status = |phone: &Device, link: &str| {
        phone
            .engine
            .row("sdm_links", link)
            .and_then(|r| r.state.fields.get("status").cloned())
            .unwrap_or_default()
    };
    assert_eq!(status(&phone, &mother_link), "active");
    assert_eq!(status(&phone, &father_link), "active");

    // Someone asks to join: the mother's phone has the request, with who asks.
    let (_, body) = app
        .add_dependant(&stranger.access_token, &kid, "parent", false)
        .await;
    let asked = body.json_as::<CreateDependantResponse>().link_id;
    phone.pull_all(&app, 500).await;
    assert_eq!(status(&phone, &asked), "pending_approval");
    let row = phone
        .engine
        .row("sdm_links", &asked)
        .unwrap_or_else(|| panic!("the join request is on the phone"));
    assert_eq!(
        row.state.fields["sdm_patient_id"],
        stranger.patient_id.as_str()
    );
    assert_eq!(row.scope, child_id);

    // The father steps down: the mother's phone sees it without asking.
    app.call(
        Method::DELETE,
        &format!("/v1/sdm-links/{father_link}"),
        Some(&father.access_token),
        None,
    )
    .await;
    phone.pull_all(&app, 500).await;
    assert_eq!(status(&phone, &father_link), "ended");
    let ended = phone
        .engine
        .row("sdm_links", &father_link)
        .and_then(|r| r.state.fields.get("ended_reason").cloned())
        .unwrap_or_default();
    assert_eq!(ended, "stepped_down");
    // The stranger, whose join grants nothing, has none of the child's rows.
    let mut theirs = Device::signed_in(&stranger);
    theirs.pull_all(&app, 500).await;
    assert!(theirs.engine.row("sdm_links", &asked).is_none());
}
