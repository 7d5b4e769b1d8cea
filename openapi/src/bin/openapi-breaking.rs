//! `cargo run -p ehealth-openapi --bin openapi-breaking -- OLD.json NEW.json`: lists the
//! changes from OLD to NEW that break an app built against OLD; exits 1 if there are any.

use anyhow::Context;

fn read(path: &str) -> anyhow::Result<serde_json::Value> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
    serde_json::from_str(&text).with_context(|| format!("{path} is not JSON"))
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [old, new] = args.as_slice() else {
        anyhow::bail!("usage: openapi-breaking OLD.json NEW.json");
    };
    let found = ehealth_openapi::breaking::breaking_changes(&read(old)?, &read(new)?);
    for f in &found {
        println!("{f}");
    }
    if found.is_empty() {
        println!("no breaking changes");
        Ok(())
    } else {
        std::process::exit(1)
    }
}
