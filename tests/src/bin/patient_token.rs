//! Registers a new patient with a software passkey against a running server and prints the
//! token response as JSON (for tools that need a signed-in patient, such as schemathesis in
//! scripts/test.sh). Environment as the demo: `DEMO_URL`, `DEMO_ORIGIN`.

fn var(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| default.to_owned())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let demo = ehealth_tests::demo::Demo::new(
        &var("DEMO_URL", "http://localhost:8080"),
        &var("DEMO_OFFICER_TOKEN", "demo-officer-token"),
        &var("DEMO_ORIGIN", "http://localhost:8080"),
    );
    let (tokens, _) = demo.register("schemathesis").await?;
    println!("{tokens}");
    Ok(())
}
