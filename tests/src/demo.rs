//! The guided demo (`cargo run -p ehealth-tests --bin demo`): against a running server it tells
//! and performs the whole story with a software passkey, one step at a time. A test runs the
//! same story against a test server, so the demo cannot rot.
//!
//! `setup` puts people, a clinic, its doctor and its system on the server (the token bins use it
//! too), `phone` is a signed-in device with its offline store and its sync, and `story` tells the
//! story.

mod phone;
mod setup;
mod story;

use anyhow::{Context, bail};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::TestPasskey;

/// Where the demo runs, and as whom the registration office acts.
pub struct Demo {
    pub base_url: String,
    pub officer_token: String,
    /// The web origin the server's passkeys belong to (`EHEALTH_RP_ORIGIN`).
    pub origin: String,
    http: reqwest::Client,
}

impl Demo {
    /// From `DEMO_URL` (default `http://localhost:8080`), `DEMO_OFFICER_TOKEN` (the server's
    /// `EHEALTH_OFFICER_TOKEN`; default `demo-officer-token`) and `DEMO_ORIGIN` (the server's
    /// `EHEALTH_RP_ORIGIN`; default `http://localhost:8080`): the server's own defaults.
    pub fn from_env() -> Self {
        let var = |name: &str, default: &str| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.trim().is_empty())
                .unwrap_or_else(|| default.to_owned())
        };
        Self::new(
            &var("DEMO_URL", "http://localhost:8080"),
            &var("DEMO_OFFICER_TOKEN", "demo-officer-token"),
            &var("DEMO_ORIGIN", "http://localhost:8080"),
        )
    }

    pub fn new(base_url: &str, officer_token: &str, origin: &str) -> Self {
        Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            officer_token: officer_token.to_owned(),
            origin: origin.to_owned(),
            http: reqwest::Client::new(),
        }
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> anyhow::Result<(u16, Value)> {
        let mut req = self
            .http
            .request(method.clone(), format!("{}{path}", self.base_url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.with_context(|| {
            format!(
                "{method} {path}: is the server running at {}?",
                self.base_url
            )
        })?;
        let status = res.status().as_u16();
        Ok((status, res.json().await.unwrap_or(Value::Null)))
    }

    /// A call that must answer `expected`; its body read as the contract type `T`.
    async fn expect<T: DeserializeOwned>(
        &self,
        expected: u16,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> anyhow::Result<T> {
        let (status, body) = self.call(method.clone(), path, token, body).await?;
        if status != expected {
            bail!("{method} {path} answered {status}, expected {expected}: {body}");
        }
        serde_json::from_value(body.clone())
            .with_context(|| format!("{method} {path} answered an unexpected body: {body}"))
    }

    /// A registration office call (`POST`) that must succeed; its body read as `T`.
    async fn officer<T: DeserializeOwned>(&self, path: &str, body: Value) -> anyhow::Result<T> {
        let token = self.officer_token.clone();
        let (status, answer) = self
            .call(Method::POST, path, Some(&token), Some(body))
            .await?;
        if !(200..300).contains(&status) {
            bail!(
                "the registration office call {path} answered {status}: {answer}\n\
                 (start the server with EHEALTH_OFFICER_TOKEN set, and pass the same value as DEMO_OFFICER_TOKEN)"
            );
        }
        serde_json::from_value(answer.clone())
            .with_context(|| format!("the registration office call {path} answered {answer}"))
    }

    fn passkey(&self) -> TestPasskey {
        TestPasskey::new().with_origin(&self.origin)
    }
}
