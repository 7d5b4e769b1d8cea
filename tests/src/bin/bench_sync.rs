//! Sync benchmark client, run by `scripts/bench-sync.sh` against a release server on
//! PostgreSQL. Prints one line per figure. Not a test: nothing here asserts.
//!
//! Environment: `BENCH_URL` (server), `BENCH_DATABASE_URL` (its database, for bulk loading and
//! the pgbench baseline), `BENCH_SERVER_PID` (for memory), `BENCH_SECRET_KEY` (the server's
//! `EHEALTH_SECRET_KEY`, to mint a cursor at the end of a million-row scope without pulling it).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use diesel::{Connection, PgConnection, RunQueryDsl};
use ehealth_contracts::{PullResponse, PushResponse, TokenResponse};
use ehealth_sync::{ClientEngine, Cursor};
use ehealth_tests::devices::bp;
use ehealth_tests::{Person, TestPasskey};
use serde_json::json;

struct Bench {
    http: reqwest::Client,
    url: String,
    db_url: String,
}

struct Phone {
    engine: ClientEngine,
    token: String,
    patient_id: String,
}

fn env(name: &str) -> anyhow::Result<String> {
    std::env::var(name).with_context(|| format!("{name} is not set (run scripts/bench-sync.sh)"))
}

fn now_ms() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or(0)
}

impl Bench {
    async fn post<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        token: Option<&str>,
        body: impl serde::Serialize,
    ) -> anyhow::Result<T> {
        let mut req = self.http.post(format!("{}{path}", self.url)).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await?;
        let status = res.status();
        let text = res.text().await?;
        if !status.is_success() {
            bail!("{path}: {status} {text}");
        }
        Ok(serde_json::from_str(&text)?)
    }

    async fn phone(&self) -> anyhow::Result<Phone> {
        let started: serde_json::Value = self
            .post(
                "/v1/registrations",
                None,
                Person::adult().registration_body(),
            )
            .await?;
        let mut passkey = TestPasskey::new();
        let credential =
            passkey.create(serde_json::from_value(started["creation_options"].clone())?);
        let id = started["registration_id"].as_str().unwrap_or_default();
        let tokens: TokenResponse = self
            .post(&format!("/v1/registrations/{id}/complete"), None,
                json!({"credential": credential, "device": {"name": "bench", "platform": "android"}}))
            .await?;
        Ok(Phone {
            engine: ClientEngine::new(tokens.device_id),
            token: tokens.access_token,
            patient_id: tokens.patient_id,
        })
    }

    /// Records `n` readings on the phone, offline (not timed).
    fn record_readings(phone: &mut Phone, n: usize) {
        for i in 0..n {
            let id = uuid::Uuid::now_v7().to_string();
            let v = i64::try_from(i % 80).unwrap_or(0);
            phone.engine.upsert(
                "bp_readings",
                &id,
                &phone.patient_id.clone(),
                bp(100 + v, 60 + v / 2),
                now_ms(),
            );
        }
    }

    /// Pushes everything pending in batches of `batch`.
    async fn push_pending(&self, phone: &mut Phone, batch: usize) -> anyhow::Result<()> {
        while let Some(req) = phone.engine.push_request(batch) {
            let res: PushResponse = self.post("/v1/sync/push", Some(&phone.token), &req).await?;
            phone.engine.on_push_response(&res, now_ms());
        }
        Ok(())
    }

    /// Pulls to the end; returns the number of changes received.
    async fn pull_all(&self, phone: &mut Phone, limit: i64) -> anyhow::Result<usize> {
        let mut n = 0;
        loop {
            let page: PullResponse = self
                .post(
                    "/v1/sync/pull",
                    Some(&phone.token),
                    phone.engine.pull_request(limit),
                )
                .await?;
            n += page.changes.len();
            phone.engine.apply_page(&page, now_ms());
            phone.engine.save_cursor();
            if !page.has_more {
                return Ok(n);
            }
        }
    }

    /// Loads `n` readings straight into the scope with SQL (setup only, not measured).
    fn bulk_load(&self, scope: &str, n: i64) -> anyhow::Result<()> {
        let mut conn = PgConnection::establish(&self.db_url)?;
        conn.transaction::<_, diesel::result::Error, _>(|c| {
            diesel::sql_query(format!(
                "INSERT INTO bp_readings (id, scope, version, cl, systolic, diastolic, pulse, measured_at, \
                 measured_at_ms, arm, note, hlc, updated_at, updated_by) \
                 SELECT gen_random_uuid()::text, '{scope}', s.version + g, 1, 100 + g % 80, 60 + g % 40, NULL, \
                 '2026-11-20T08:00:00+08:00', 1763596800000, NULL, NULL, \
                 '{{\"diastolic\":\"1:0:bench\",\"measured_at\":\"1:0:bench\",\"systolic\":\"1:0:bench\"}}', 0, 'bench' \
                 FROM sync_scopes s, generate_series(1, {n}) g WHERE s.scope = '{scope}'"
            ))
            .execute(c)?;
            diesel::sql_query(format!("UPDATE sync_scopes SET version = version + {n} WHERE scope = '{scope}'")).execute(c)?;
            Ok(())
        })?;
        diesel::sql_query("ANALYZE bp_readings").execute(&mut conn)?;
        Ok(())
    }

    /// A cursor positioned at the scope's current end, minted with the server's key.
    fn cursor_at_end(&self, phone: &Phone, secret: &str) -> anyhow::Result<String> {
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            epoch: String,
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            version: i64,
        }
        let mut conn = PgConnection::establish(&self.db_url)?;
        let row: Row = diesel::sql_query(format!(
            "SELECT (SELECT value FROM server_meta WHERE key = 'sync_epoch') AS epoch, version \
             FROM sync_scopes WHERE scope = '{}'",
            phone.patient_id
        ))
        .get_result(&mut conn)?;
        let secrets = ehealth_api::crypto::Secrets::from_master(secret.as_bytes())?;
        let cursor = Cursor {
            user: phone.patient_id.clone(),
            epoch: row.epoch,
            scopes: [(phone.patient_id.clone(), row.version)]
                .into_iter()
                .collect(),
            purged_seen: Default::default(),
        };
        Ok(cursor.encode(secrets.cursor_key()))
    }
}

/// Resident memory of a process, bytes.
fn rss(pid: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map(|kb| kb * 1024)
        .unwrap_or(0)
}

fn pgbench_rows_per_second(db_url: &str, transactions: usize) -> anyhow::Result<f64> {
    let mut conn = PgConnection::establish(db_url)?;
    diesel::sql_query("DROP TABLE IF EXISTS bench_upsert").execute(&mut conn)?;
    diesel::sql_query("CREATE TABLE bench_upsert (LIKE bp_readings INCLUDING ALL)")
        .execute(&mut conn)?;
    // The statement the server's push issues, with the same 14 columns and the data inline:
    // 100 new readings per transaction, upserted on the primary key.
    let hlc = r#"{"diastolic":"1763596800000:0:d","measured_at":"1763596800000:0:d","systolic":"1763596800000:0:d"}"#;
    let rows: Vec<String> = (0..100)
        .map(|i| {
            format!(
                "(gen_random_uuid()::text, 'bench', {i}, 1, {}, {}, NULL, '2026-11-20T08:00:00+08:00', 1763596800000, NULL, NULL, '{hlc}', 0, 'bench')",
                100 + i % 80,
                60 + i % 40
            )
        })
        .collect();
    let script = std::env::temp_dir().join("ehealth-bench-upsert.sql");
    std::fs::write(
        &script,
        format!(
            "INSERT INTO bench_upsert (id, scope, version, cl, systolic, diastolic, pulse, measured_at, \
             measured_at_ms, arm, note, hlc, updated_at, updated_by) VALUES {} \
             ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, cl = EXCLUDED.cl, \
             systolic = EXCLUDED.systolic, diastolic = EXCLUDED.diastolic, pulse = EXCLUDED.pulse, \
             measured_at = EXCLUDED.measured_at, measured_at_ms = EXCLUDED.measured_at_ms, arm = EXCLUDED.arm, \
             note = EXCLUDED.note, hlc = EXCLUDED.hlc, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by;\n",
            rows.join(", ")
        ),
    )?;
    let out = std::process::Command::new("pgbench")
        .args(["-n", "-c", "1", "-t", &transactions.to_string(), "-f"])
        .arg(&script)
        .arg(db_url)
        .output()
        .context("running pgbench (install postgresql-contrib / postgresql-client)")?;
    let text = String::from_utf8_lossy(&out.stdout);
    let tps = text
        .lines()
        .find(|l| l.starts_with("tps = "))
        .and_then(|l| l.split_whitespace().nth(2))
        .and_then(|v| v.parse::<f64>().ok())
        .with_context(|| {
            format!(
                "pgbench output: {text} {}",
                String::from_utf8_lossy(&out.stderr)
            )
        })?;
    diesel::sql_query("DROP TABLE bench_upsert").execute(&mut conn)?;
    Ok(tps * 100.0)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

fn p50(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

async fn incremental_p50(
    b: &Bench,
    phone: &mut Phone,
    secret: &str,
    rounds: usize,
) -> anyhow::Result<Duration> {
    let mut times = Vec::new();
    for _ in 0..rounds {
        let cursor = b.cursor_at_end(phone, secret)?;
        Bench::record_readings(phone, 100);
        b.push_pending(phone, 100).await?;
        let started = Instant::now();
        let page: PullResponse = b
            .post("/v1/sync/pull", Some(&phone.token),
                json!({"protocol": 1, "device_id": phone.engine.device_id, "schema_version": 1, "cursor": cursor, "limit": 1000}))
            .await?;
        times.push(started.elapsed());
        if page.changes.len() != 100 || page.has_more {
            bail!(
                "expected exactly the 100 new changes, got {}",
                page.changes.len()
            );
        }
    }
    Ok(p50(times))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let b = Bench {
        http: reqwest::Client::new(),
        url: env("BENCH_URL")?,
        db_url: env("BENCH_DATABASE_URL")?,
    };
    let pid = env("BENCH_SERVER_PID")?;
    let secret = env("BENCH_SECRET_KEY")?;

    // 1. Push of 10,000 readings in batches of 100, beside pgbench's 100-row upserts. Three
    //    alternating rounds each, medians compared: the machine's load moves both alike.
    let mut push_rates = Vec::new();
    let mut pg_rates = Vec::new();
    let mut phone = b.phone().await?;
    for round in 0..3 {
        if round > 0 {
            phone = b.phone().await?;
        }
        Bench::record_readings(&mut phone, 10_000);
        let started = Instant::now();
        b.push_pending(&mut phone, 100).await?;
        push_rates.push(10_000.0 / started.elapsed().as_secs_f64());
        pg_rates.push(pgbench_rows_per_second(&b.db_url, 100)?);
    }
    let (push_rate, pg_rate) = (median(push_rates), median(pg_rates));
    println!(
        "push: {push_rate:.0} rows/s over HTTP (100-mutation batches); pgbench 100-row INSERT ... VALUES ... ON CONFLICT (same columns): {pg_rate:.0} rows/s; ratio {:.2} (target >= 0.5; medians of 3 rounds)",
        push_rate / pg_rate
    );

    // 2. First pull of 100,000 rows by a new phone, and the server's memory growth meanwhile.
    b.bulk_load(&phone.patient_id, 90_000)?;
    let mut fresh = Phone {
        engine: ClientEngine::new(phone.engine.device_id.clone()),
        token: phone.token.clone(),
        patient_id: phone.patient_id.clone(),
    };
    let before = rss(&pid);
    let peak = Arc::new(AtomicU64::new(before));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done, pid) = (peak.clone(), done.clone(), pid.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                peak.fetch_max(rss(&pid), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(10));
            }
        })
    };
    let started = Instant::now();
    let received = b.pull_all(&mut fresh, 1000).await?;
    let elapsed = started.elapsed();
    done.store(true, Ordering::Relaxed);
    sampler.join().ok();
    #[allow(clippy::cast_precision_loss)]
    let growth_mb = peak.load(Ordering::Relaxed).saturating_sub(before) as f64 / 1_048_576.0;
    #[allow(clippy::cast_precision_loss)]
    let rate = received as f64 / elapsed.as_secs_f64();
    println!(
        "first pull: {received} rows in {:.2} s = {rate:.0} rows/s (target >= 20000); server memory growth {growth_mb:.1} MB (target <= 64)",
        elapsed.as_secs_f64()
    );

    // 3. Incremental pull of 100 new changes: 10^4 vs 10^6 rows in the scope.
    let rounds = 21;
    let mut small = b.phone().await?;
    b.bulk_load(&small.patient_id, 10_000)?;
    let mut large = b.phone().await?;
    b.bulk_load(&large.patient_id, 1_000_000)?;
    let small_p50 = incremental_p50(&b, &mut small, &secret, rounds).await?;
    let large_p50 = incremental_p50(&b, &mut large, &secret, rounds).await?;
    println!(
        "incremental pull of 100 changes: p50 {:.2} ms with 10^4 rows, {:.2} ms with 10^6 rows; ratio {:.2} (target <= 1.5)",
        small_p50.as_secs_f64() * 1000.0,
        large_p50.as_secs_f64() * 1000.0,
        large_p50.as_secs_f64() / small_p50.as_secs_f64()
    );
    Ok(())
}
