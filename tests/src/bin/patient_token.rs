//! Registers a new patient with a software passkey against a running server and prints the
//! token response as JSON (for tools that need a signed-in patient, such as schemathesis in
//! scripts/test.sh). Environment as the demo: `DEMO_URL`, `DEMO_ORIGIN`.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (tokens, _) = ehealth_tests::demo::Demo::from_env()
        .register("schemathesis")
        .await?;
    println!("{}", serde_json::to_string(&tokens)?);
    Ok(())
}
