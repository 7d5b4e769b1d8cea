//! The guided demo: `cargo run -p ehealth-tests --bin demo` against a running server (see the
//! README). It tells and performs the whole story with a software passkey: a parent registers
//! and is verified, registers a child, logs readings offline on two devices and syncs them,
//! pre-grants consent to a clinic, the clinic's doctor reads, the parent revokes and the next
//! read is refused, and the parent reads the access log.
//!
//! Environment: `DEMO_URL` (default `http://localhost:8080`), `DEMO_OFFICER_TOKEN` (the
//! server's `EHEALTH_OFFICER_TOKEN`; default `demo-officer-token`), `DEMO_ORIGIN` (the server's
//! `EHEALTH_RP_ORIGIN`; default `http://localhost:8080`).

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
    demo.run(&mut |line| println!("{line}")).await
}
