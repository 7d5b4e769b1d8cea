//! The guided demo: `cargo run -p ehealth-tests --bin demo` against a running server (see the
//! README). It tells and performs the whole story with a software passkey: a parent registers
//! and is verified, registers a child, logs readings offline on two devices and syncs them,
//! pre-grants consent to a clinic, the clinic's doctor reads, the parent revokes and the next
//! read is refused, and the parent reads the access log.
//!
//! Environment: `DEMO_URL`, `DEMO_OFFICER_TOKEN`, `DEMO_ORIGIN` (see `Demo::from_env`).

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    ehealth_tests::demo::Demo::from_env()
        .run(&mut |line| println!("{line}"))
        .await
}
