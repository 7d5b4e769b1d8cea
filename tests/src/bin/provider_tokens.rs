//! Puts a clinic on the register of a running server, enrols a doctor who administers its
//! users (software passkey) and registers a system of the clinic, then prints
//! `{"hcp_id", "staff_token", "system_token"}` as JSON (for schemathesis in scripts/test.sh).
//! Environment as the demo: `DEMO_URL`, `DEMO_OFFICER_TOKEN`, `DEMO_ORIGIN`.

use serde_json::json;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let demo = ehealth_tests::demo::Demo::from_env();
    let hcp_id = demo.clinic().await?;
    let staff = demo.enrol_doctor(&hcp_id, &["user_admin"]).await?;
    let system = demo.system_token(&hcp_id).await?;
    println!(
        "{}",
        json!({"hcp_id": hcp_id, "staff_token": staff.access_token,
            "system_token": system.access_token})
    );
    Ok(())
}
