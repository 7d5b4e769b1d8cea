//! The guided demo: `cargo run -p ehealth-tests --bin demo` against a running server (see the
//! README). It says who is who, then tells and performs the whole story with a software passkey,
//! each step followed by its result: Mum registers and is verified, registers her daughter, logs
//! readings offline on Mum's phone and Mum's tablet and syncs them, pre-grants consent to a
//! clinic, the clinic's doctor reads, Mum revokes and the next read is refused, and Mum reads
//! the access log.
//!
//! Environment: `DEMO_URL`, `DEMO_OFFICER_TOKEN`, `DEMO_ORIGIN` (see `Demo::from_env`).

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    ehealth_tests::demo::Demo::from_env()
        .run(&mut |line| println!("{line}"))
        .await
}
