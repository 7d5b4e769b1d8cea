//! Writes `openapi/openapi.json` from the server's code: `cargo run -p ehealth-openapi`.

use anyhow::Context;

fn main() -> anyhow::Result<()> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    std::fs::write(&path, ehealth_api::openapi::openapi_json())
        .with_context(|| format!("writing {}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}
