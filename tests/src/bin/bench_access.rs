//! Access benchmark client, run by `scripts/bench-access.sh`: the same consented record read
//! against two release servers built alike, one appending to the access log (as in
//! production) and one with the log switched off (a build-time benchmark switch), in
//! alternating rounds. Prints one line per figure. Not a test: nothing here asserts.
//!
//! Environment: `BENCH_URL_LOGGED`, `BENCH_URL_UNLOGGED`, `BENCH_OFFICER_TOKEN`,
//! `BENCH_READS` (per round, default 2000), `BENCH_CONCURRENCY` (default 4).

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use ehealth_tests::{Person, TestPasskey};
use serde_json::{Value, json};

fn env(name: &str) -> anyhow::Result<String> {
    std::env::var(name).with_context(|| format!("{name} is not set (run scripts/bench-access.sh)"))
}

struct Server {
    http: reqwest::Client,
    url: String,
    officer: String,
    /// (patient id, doctor's token) once set up.
    target: Option<(String, String)>,
}

impl Server {
    async fn call(&self, path: &str, token: Option<&str>, body: Value) -> anyhow::Result<Value> {
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
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// A private clinic, an enrolled doctor, a verified patient with 20 records and a consent.
    async fn set_up(&mut self) -> anyhow::Result<()> {
        let officer = self.officer.clone();
        let hcp = self
            .call(
                "/v1/officer/hcps",
                Some(&officer),
                json!({"name_en": "Bench Clinic", "name_zh": "測試診所",
                "sector": "private", "locations": [{"name_en": "Main", "address_en": "1 Road",
                "district": "wan_chai", "phone": "23456789"}]}),
            )
            .await?["hcp_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let staff = self
            .call(&format!("/v1/officer/hcps/{hcp}/staff"), Some(&officer),
                json!({"english_name": "DR BENCH", "profession": "medical_practitioner", "registration_number": "M1"}))
            .await?;
        let started = self
            .call(
                "/v1/staff/enrolments",
                None,
                json!({"enrolment_code": staff["enrolment_code"]}),
            )
            .await?;
        let mut key = TestPasskey::new();
        let credential = key.create(serde_json::from_value(started["creation_options"].clone())?);
        let doctor = self
            .call(
                &format!(
                    "/v1/staff/enrolments/{}/complete",
                    started["enrolment_id"].as_str().unwrap_or_default()
                ),
                None,
                json!({"credential": credential}),
            )
            .await?["access_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let reg = self
            .call(
                "/v1/registrations",
                None,
                Person::adult().registration_body(),
            )
            .await?;
        let mut pkey = TestPasskey::new();
        let credential = pkey.create(serde_json::from_value(reg["creation_options"].clone())?);
        let patient = self
            .call(&format!("/v1/registrations/{}/complete", reg["registration_id"].as_str().unwrap_or_default()),
                None, json!({"credential": credential, "device": {"name": "bench", "platform": "android"}}))
            .await?;
        let pid = patient["patient_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let ptoken = patient["access_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        self.call(
            &format!("/v1/officer/registrations/{pid}/verify"),
            Some(&officer),
            json!({"method": "in_person", "reference": "BENCH"}),
        )
        .await?;
        self.call(
            &format!("/v1/patients/{pid}/consents"),
            Some(&ptoken),
            json!({"hcp_id": hcp}),
        )
        .await?;
        for i in 0..20 {
            let category = ["lab_result", "medication", "diagnosis", "allergy_adr"][i % 4];
            self.call(&format!("/v1/hcp/patients/{pid}/records"), Some(&doctor),
                json!({"category": category, "code": format!("C{i}"), "display": format!("Entry {i}"),
                    "value": "5.6", "recorded_at": "2026-11-20T10:00:00+08:00"})).await?;
        }
        self.target = Some((pid, doctor));
        Ok(())
    }

    /// `reads` reads over `concurrency` connections; returns (reads per second, p50 latency).
    async fn round(&self, reads: usize, concurrency: usize) -> anyhow::Result<(f64, Duration)> {
        let (pid, doctor) = self.target.clone().context("not set up")?;
        let url = format!("{}/v1/hcp/patients/{pid}/record-reads", self.url);
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..concurrency {
            let (http, url, doctor) = (self.http.clone(), url.clone(), doctor.clone());
            let n = reads / concurrency;
            tasks.push(tokio::spawn(async move {
                let mut lat = Vec::with_capacity(n);
                for _ in 0..n {
                    let t = Instant::now();
                    let res = http
                        .post(&url)
                        .bearer_auth(&doctor)
                        .json(&json!({"purpose": "Benchmark", "under_care": true}))
                        .send()
                        .await?;
                    if !res.status().is_success() {
                        bail!("read: {}", res.status());
                    }
                    res.bytes().await?;
                    lat.push(t.elapsed());
                }
                Ok::<_, anyhow::Error>(lat)
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await??);
        }
        let elapsed = started.elapsed().as_secs_f64();
        all.sort();
        let p50 = all.get(all.len() / 2).copied().unwrap_or_default();
        Ok((all.len() as f64 / elapsed, p50))
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let officer = env("BENCH_OFFICER_TOKEN")?;
    let reads: usize = std::env::var("BENCH_READS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let concurrency: usize = std::env::var("BENCH_CONCURRENCY")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency * 2)
        .build()?;
    let mut logged = Server {
        http: http.clone(),
        url: env("BENCH_URL_LOGGED")?,
        officer: officer.clone(),
        target: None,
    };
    let mut unlogged = Server {
        http,
        url: env("BENCH_URL_UNLOGGED")?,
        officer,
        target: None,
    };
    logged.set_up().await?;
    unlogged.set_up().await?;
    // Warm both (connections, caches, plans).
    logged.round(200, concurrency).await?;
    unlogged.round(200, concurrency).await?;
    let (mut with, mut without, mut p50_with, mut p50_without) = (vec![], vec![], vec![], vec![]);
    for _ in 0..3 {
        let (r, p) = logged.round(reads, concurrency).await?;
        with.push(r);
        p50_with.push(p.as_secs_f64() * 1000.0);
        let (r, p) = unlogged.round(reads, concurrency).await?;
        without.push(r);
        p50_without.push(p.as_secs_f64() * 1000.0);
    }
    let (a, b) = (median(with), median(without));
    println!(
        "consented read: {a:.0} reads/s with the access-log append, {b:.0} without; ratio {:.2} (target >= 0.7); p50 {:.2} ms vs {:.2} ms ({reads} reads x 3 rounds, {concurrency} connections, medians)",
        a / b,
        median(p50_with),
        median(p50_without),
    );
    Ok(())
}
