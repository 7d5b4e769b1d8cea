//! Commands that change data from the command line: `officer add` creates an officer (the
//! first supervisor, typically) and prints the one-time enrolment code to give them;
//! `import-consents` brings over legacy consents.

use std::sync::Arc;

use anyhow::{Context, anyhow, bail};
use ehealth_api::services::officers;
use ehealth_api::store::Db;
use ehealth_api::{Config, SystemClock};
use ehealth_contracts::OfficerRole;

pub const USAGE: &str = "usage: ehealth officer add --name NAME --role ROLE [--role ROLE ...]
  roles: registration, provider_review, supervisor";

/// (name, roles) from the arguments after `officer add`.
fn parse(args: &[String]) -> anyhow::Result<(String, Vec<OfficerRole>)> {
    let mut name = None;
    let mut roles = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let value = it
            .next()
            .with_context(|| format!("{arg} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--name" => name = Some(value?.clone()),
            "--role" => {
                let v = value?;
                roles.push(
                    OfficerRole::parse(v).ok_or_else(|| anyhow!("unknown role `{v}`\n{USAGE}"))?,
                );
            }
            other => bail!("unknown option `{other}`\n{USAGE}"),
        }
    }
    let name = name.with_context(|| format!("--name is required\n{USAGE}"))?;
    if roles.is_empty() {
        bail!("at least one --role is required\n{USAGE}");
    }
    Ok((name, roles))
}

/// Runs `officer SUBCOMMAND ...` (only `add` exists) and returns what to print.
pub async fn officer(args: &[String]) -> anyhow::Result<String> {
    let Some((sub, rest)) = args.split_first() else {
        bail!("{USAGE}");
    };
    if sub != "add" {
        bail!("unknown officer command `{sub}`\n{USAGE}");
    }
    let (name, roles) = parse(rest)?;
    let config = Config::from_env()?;
    let state = ehealth_api::startup::build_state(config, Arc::new(SystemClock)).await?;
    let created = officers::add_from_cli(&state, &name, &roles)
        .await
        .map_err(|e| anyhow!("could not create the officer: {e}"))?;
    Ok(format!(
        "officer {} created\nenrolment code: {} (valid until {}; the officer enrols a passkey with it at POST /v1/officer/enrolments)\n",
        created.officer_id, created.enrolment_code, created.enrolment_expires_at
    ))
}

/// `import-consents FILE`: the import's report, with a line for each refusal, and how many
/// lines were refused.
pub async fn import_consents(file: Option<String>) -> anyhow::Result<(String, usize)> {
    use ehealth_api::clock::Clock;
    use ehealth_api::services::consent::import;
    let path = file.context("usage: ehealth import-consents FILE.csv")?;
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    let config = Config::from_env()?;
    let db = Db::connect(&config.database_url, 2)?;
    let (rows, mut refused) = import::parse(&text);
    let clock = SystemClock;
    let report = import::import(&db, rows, clock.today_hk(), clock.now_ms())
        .await
        .map_err(|e| anyhow!("import failed: {e}"))?;
    refused.extend(report.refused);
    refused.sort();
    let mut out = format!(
        "imported {}, already present {}, refused {}\n",
        report.imported,
        report.already_present,
        refused.len()
    );
    for (line, why) in &refused {
        out.push_str(&format!("line {line}: {why}\n"));
    }
    Ok((out, refused.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn reads_name_and_roles() {
        let (name, roles) = parse(&args(&["--name", "Chan Tai Man", "--role", "supervisor"]))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(name, "Chan Tai Man");
        assert_eq!(roles, vec![OfficerRole::Supervisor]);
    }

    #[test]
    fn refuses_unknown_roles_and_missing_values() {
        assert!(parse(&args(&["--name", "A", "--role", "king"])).is_err());
        assert!(parse(&args(&["--name"])).is_err());
        assert!(parse(&args(&["--name", "A"])).is_err());
        assert!(parse(&args(&["--role", "supervisor"])).is_err());
    }
}
