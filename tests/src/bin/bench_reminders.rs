//! Reminder benchmark, run by `scripts/bench-reminders.sh` (not a test: nothing here asserts).
//!
//! 1. Drain: 100,000 reminders (500 patients x 200, one phone each) due in the same minute,
//!    fired from the Redis due-queue and delivered by three server instances on one PostgreSQL
//!    and one Redis to the local FCM stand-in. Prints the time to drain, lost occurrences
//!    (target 0) and duplicates (target 0), and the rebuild of the queue from the database.
//! 2. Claim rate: the due-queue's Lua claim script called through our client vs the same script
//!    run by `redis-benchmark` in the same run, same concurrency, same arguments
//!    (ratio target >= 0.5).
//!
//! Environment: `BENCH_PATIENTS` (500), `BENCH_PER_PATIENT` (200), `BENCH_CLIENTS` (8),
//! `EHEALTH_TEST_PG_URL`, `EHEALTH_TEST_REDIS_URL`.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use ehealth_api::jobs::reminders as job;
use ehealth_api::push;
use ehealth_api::queue::{CLAIM_SCRIPT, DueQueue};
use ehealth_sync::ClientEngine;
use ehealth_tests::devices::{Device, fields, now_ms};
use ehealth_tests::fcm::FakeFcm;
use ehealth_tests::{Backend, Env, Person, TestApp};
use reqwest::Method;
use serde_json::json;

fn num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

async fn phone_with_reminders(app: &TestApp, n: usize) -> anyhow::Result<()> {
    let (tokens, _) = app.register(&Person::adult()).await;
    let (status, body) = app
        .call(
            Method::PUT,
            &format!("/v1/me/devices/{}/push-token", tokens.device_id),
            Some(&tokens.access_token),
            Some(json!({"token": format!("fcm-{}", tokens.device_id), "platform": "android", "locale": "en"})),
        )
        .await;
    if !status.is_success() {
        bail!("push token: {status} {body}");
    }
    let mut device = Device {
        engine: ClientEngine::new(tokens.device_id.clone()),
        token: tokens.access_token.clone(),
        patient_id: tokens.patient_id.clone(),
    };
    for i in 0..n {
        let kind = ["bp", "glucose", "custom"][i % 3];
        device.engine.upsert(
            "reminders",
            &uuid::Uuid::now_v7().to_string(),
            &tokens.patient_id,
            fields(json!({"kind": kind, "text": "Check",
                "times": ["08:00"], "days": DAYS, "time_zone": "Asia/Hong_Kong", "enabled": true})),
            now_ms(app),
        );
    }
    while device.push(app, 500).await.is_some() {}
    Ok(())
}

async fn drain(patients: usize, per_patient: usize) -> anyhow::Result<()> {
    let fake = FakeFcm::start().await;
    let env = Env::fresh(Backend::Postgres)?
        .with_redis()
        .set("FCM_SERVICE_ACCOUNT", &fake.key_file.display().to_string())
        .set("FCM_BASE_URL", &fake.base_url)
        .set("EHEALTH_DB_POOL_SIZE", "8")
        .set("EHEALTH_SYNC_MAX_MUTATIONS", "500");
    let app = TestApp::spawn_env(env).await;
    // 07:30 in Hong Kong; the reminders are due at 08:00.
    app.clock.set_rfc3339("2026-11-21T23:30:00Z");
    let setup = Instant::now();
    for chunk in (0..patients).collect::<Vec<_>>().chunks(8) {
        let jobs = chunk
            .iter()
            .map(|_| phone_with_reminders(&app, per_patient));
        for r in futures_util::future::join_all(jobs).await {
            r?;
        }
    }
    let total = patients * per_patient;
    eprintln!(
        "set up {patients} phones with {total} reminders in {:.1}s",
        setup.elapsed().as_secs_f64()
    );
    let instances = [app.sibling().await, app.sibling().await];
    let apps = [&app, &instances[0], &instances[1]];
    // The sync pokes of the set-up pushes (none go back to the pushing phone).
    let sink0 = push::sink_for(&app.state.config)?;
    while push::deliver_due(&app.state, sink0.as_ref())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        > 0
    {}
    let before = fake.delivered_count();

    // A cold queue: rebuild it from the database, as after a flushed Redis.
    let t = Instant::now();
    let rebuilt = job::reconcile(&app.state)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let rebuild = t.elapsed();

    app.clock.set_rfc3339("2026-11-22T00:00:00Z");
    let started = Instant::now();
    let mut workers = Vec::new();
    let fired = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    for a in apps {
        let state = a.state.clone();
        let sink = push::sink_for(&a.state.config)?;
        let fired = fired.clone();
        // Each instance as in production: a reminder worker and a push worker.
        workers.push(tokio::spawn({
            let state = state.clone();
            async move {
                loop {
                    match job::run(&state).await {
                        Ok(r) => fired.fetch_add(r.fired, std::sync::atomic::Ordering::SeqCst),
                        Err(_) => 0,
                    };
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }));
        workers.push(tokio::spawn(async move {
            loop {
                if push::deliver_due(&state, sink.as_ref()).await.unwrap_or(0) == 0 {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }));
    }
    // Until every occurrence has arrived (or nothing has arrived for 30 s).
    let (mut last, mut last_change) = (0, Instant::now());
    let drained = loop {
        let n = fake.delivered_count() - before;
        if n >= total {
            break started.elapsed();
        }
        if n != last {
            (last, last_change) = (n, Instant::now());
        } else if last_change.elapsed() > Duration::from_secs(30) {
            break started.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    // A little longer, so that a duplicate would show.
    tokio::time::sleep(Duration::from_secs(2)).await;
    for w in &workers {
        w.abort();
    }
    let fired = fired.load(std::sync::atomic::Ordering::SeqCst);
    let due = fake.reminder_ids_since(before);
    let elapsed = drained;
    let unique: HashSet<&String> = due.iter().collect();
    println!(
        "drain: {total} reminders due in one minute, 3 instances: fired {fired}, delivered {} in {:.1}s ({:.0} messages/s)",
        due.len(),
        elapsed.as_secs_f64(),
        due.len() as f64 / elapsed.as_secs_f64().max(0.001)
    );
    println!(
        "lost: {} (target 0); duplicates: {} (target 0)",
        total.saturating_sub(unique.len()),
        due.len() - unique.len()
    );
    println!(
        "queue rebuild from PostgreSQL: {rebuilt} reminders in {:.2}s",
        rebuild.as_secs_f64()
    );
    Ok(())
}

/// Claims per second through our client: `clients` tasks calling the claim script (one item
/// each) for `for_how_long`.
async fn our_claim_rate(queue: &DueQueue, clients: usize, for_how_long: Duration) -> f64 {
    let stop = Instant::now() + for_how_long;
    let started = Instant::now();
    let calls = futures_util::future::join_all((0..clients).map(|_| async {
        let mut n = 0u64;
        while Instant::now() < stop {
            if queue.claim(1_000_000, 2_000_000, 1).await.is_ok() {
                n += 1;
            }
        }
        n
    }))
    .await;
    calls.iter().sum::<u64>() as f64 / started.elapsed().as_secs_f64()
}

async fn fill(queue: &DueQueue, n: usize) -> anyhow::Result<()> {
    let items: Vec<(String, Option<i64>)> = (0..n)
        .map(|i| {
            (
                format!("r{i:07}"),
                Some(i64::try_from(i % 1000).unwrap_or(0)),
            )
        })
        .collect();
    queue.put(&items).await?;
    queue.reconcile(&[]).await?;
    Ok(())
}

async fn claim_rate(clients: usize) -> anyhow::Result<()> {
    let url = ehealth_tests::redis_url();
    let prefix = format!("bench-claim-{}:", uuid::Uuid::new_v4().simple());
    let client = redis::Client::open(url.as_str())?;
    let conn = redis::aio::ConnectionManager::new(client.clone()).await?;
    let queue = DueQueue::redis(conn.clone(), &prefix);
    let mut admin = conn.clone();
    let sha: String = redis::cmd("SCRIPT")
        .arg("LOAD")
        .arg(CLAIM_SCRIPT)
        .query_async(&mut admin)
        .await?;
    let (key, marker) = (
        format!("{prefix}due:reminders"),
        format!("{prefix}due:reminders:reconciled"),
    );
    let host_port = url.trim_start_matches("redis://").trim_end_matches('/');
    let (host, port) = host_port.split_once(':').unwrap_or((host_port, "6379"));
    let requests = 100_000usize;

    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for _ in 0..3 {
        fill(&queue, 400_000).await?;
        ours.push(our_claim_rate(&queue, clients, Duration::from_secs(3)).await);
        fill(&queue, 400_000).await?;
        let out = std::process::Command::new("redis-benchmark")
            .args(["-h", host, "-p", port, "-c", &clients.to_string()])
            .args(["-n", &requests.to_string(), "--csv"])
            .args([
                "EVALSHA", &sha, "2", &key, &marker, "1000000", "2000000", "1",
            ])
            .output()
            .context("redis-benchmark (Debian's redis-tools)")?;
        let text = String::from_utf8_lossy(&out.stdout);
        let rate = text
            .lines()
            .filter_map(|l| l.split(',').nth(1))
            .filter_map(|v| v.trim_matches('"').parse::<f64>().ok())
            .next_back()
            .with_context(|| format!("redis-benchmark printed {text}"))?;
        theirs.push(rate);
    }
    let _: () = redis::cmd("DEL")
        .arg(&key)
        .arg(&marker)
        .query_async(&mut admin)
        .await?;
    let med = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (o, t) = (med(ours), med(theirs));
    println!(
        "claim rate ({clients} clients, 1 item per claim, median of 3): ours {o:.0}/s, redis-benchmark {t:.0}/s, ratio {:.2} (target >= 0.5)",
        o / t
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let patients = num("BENCH_PATIENTS", 500);
    let per_patient = num("BENCH_PER_PATIENT", 200);
    let clients = num("BENCH_CLIENTS", 8);
    claim_rate(clients).await?;
    drain(patients, per_patient).await?;
    Ok(())
}
