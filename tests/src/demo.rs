//! The guided demo (`cargo run -p ehealth-tests --bin demo`): against a running server it tells
//! and performs the whole story with a software passkey, one step at a time. A test runs the
//! same story against a test server, so the demo cannot rot.

use anyhow::{Context, bail};
use ehealth_contracts::{PullResponse, PushResponse};
use ehealth_sync::ClientEngine;
use reqwest::Method;
use serde_json::{Value, json};

use crate::{Person, TestPasskey};

/// Where the demo runs, and as whom the registration office acts.
pub struct Demo {
    pub base_url: String,
    pub officer_token: String,
    /// The web origin the server's passkeys belong to (`EHEALTH_RP_ORIGIN`).
    pub origin: String,
    http: reqwest::Client,
}

/// A phone: a signed-in device with its offline store.
struct Phone {
    name: &'static str,
    token: String,
    engine: ClientEngine,
}

fn now_ms() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or(0)
}

fn id(v: &Value, field: &str) -> anyhow::Result<String> {
    v[field]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("no `{field}` in {v}"))
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

    /// A call that must answer `expected`.
    async fn expect(
        &self,
        expected: u16,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let (status, body) = self.call(method.clone(), path, token, body).await?;
        if status != expected {
            bail!("{method} {path} answered {status}, expected {expected}: {body}");
        }
        Ok(body)
    }

    async fn officer(&self, path: &str, body: Value) -> anyhow::Result<Value> {
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
        Ok(answer)
    }

    fn passkey(&self) -> TestPasskey {
        TestPasskey::new().with_origin(&self.origin)
    }

    async fn sync(&self, phone: &mut Phone) -> anyhow::Result<(usize, usize)> {
        let mut pushed = 0;
        while let Some(req) = phone.engine.push_request(100) {
            let body = self
                .expect(
                    200,
                    Method::POST,
                    "/v1/sync/push",
                    Some(&phone.token),
                    Some(serde_json::to_value(&req)?),
                )
                .await?;
            let res: PushResponse = serde_json::from_value(body)?;
            pushed += res.results.len();
            phone.engine.on_push_response(&res, now_ms());
        }
        let mut pulled = 0;
        loop {
            let req = phone.engine.pull_request(500);
            let body = self
                .expect(
                    200,
                    Method::POST,
                    "/v1/sync/pull",
                    Some(&phone.token),
                    Some(serde_json::to_value(&req)?),
                )
                .await?;
            let page: PullResponse = serde_json::from_value(body)?;
            pulled += page.changes.len();
            phone.engine.apply_page(&page, now_ms());
            phone.engine.save_cursor();
            if !page.has_more {
                return Ok((pushed, pulled));
            }
        }
    }

    /// Registers a new adult with a software passkey on a device called `device`; returns the
    /// token response and the passkey.
    pub async fn register(&self, device: &str) -> anyhow::Result<(Value, TestPasskey)> {
        let person = Person::adult();
        let started = self
            .expect(
                201,
                Method::POST,
                "/v1/registrations",
                None,
                Some(person.registration_body()),
            )
            .await?;
        let mut passkey = self.passkey();
        let credential =
            passkey.create(serde_json::from_value(started["creation_options"].clone())?);
        let tokens = self
            .expect(
                201,
                Method::POST,
                &format!("/v1/registrations/{}/complete", id(&started, "registration_id")?),
                None,
                Some(json!({"credential": credential, "device": {"name": device, "platform": "android"}})),
            )
            .await?;
        Ok((tokens, passkey))
    }

    /// Puts a private clinic on the register (the registration office); returns its `hcp_id`.
    pub async fn clinic(&self) -> anyhow::Result<String> {
        let hcp = self
            .officer(
                "/v1/officer/hcps",
                json!({"name_en": "Harbour Family Clinic", "name_zh": "海港家庭診所", "sector": "private",
                    "locations": [{"name_en": "Main clinic", "address_en": "1 Queen's Road Central",
                        "district": "central_and_western", "phone": "2345 6789"}]}),
            )
            .await?;
        id(&hcp, "hcp_id")
    }

    /// Adds a doctor with `roles` to the clinic and enrols a software passkey for them;
    /// returns the staff token response.
    pub async fn enrol_doctor(&self, hcp_id: &str, roles: &[&str]) -> anyhow::Result<Value> {
        let staff = self
            .officer(
                &format!("/v1/officer/hcps/{hcp_id}/staff"),
                json!({"english_name": "DR WONG KA YAN", "profession": "medical_practitioner",
                    "registration_number": "M12345", "roles": roles}),
            )
            .await?;
        let enrolment = self
            .expect(
                201,
                Method::POST,
                "/v1/staff/enrolments",
                None,
                Some(json!({"enrolment_code": staff["enrolment_code"]})),
            )
            .await?;
        let mut doctor_key = self.passkey();
        let credential = doctor_key.create(serde_json::from_value(
            enrolment["creation_options"].clone(),
        )?);
        self.expect(
            201,
            Method::POST,
            &format!(
                "/v1/staff/enrolments/{}/complete",
                id(&enrolment, "enrolment_id")?
            ),
            None,
            Some(json!({"credential": credential})),
        )
        .await
    }

    /// Registers a system of the clinic (its EMR) and takes a token with the
    /// client-credentials grant; returns the token response.
    pub async fn system_token(&self, hcp_id: &str) -> anyhow::Result<Value> {
        let system = self
            .officer(
                &format!("/v1/officer/hcps/{hcp_id}/systems"),
                json!({"name": "Clinic EMR"}),
            )
            .await?;
        self.expect(
            201,
            Method::POST,
            "/v1/hcp/system-tokens",
            None,
            Some(
                json!({"grant_type": "client_credentials", "client_id": system["client_id"],
                "client_secret": system["client_secret"]}),
            ),
        )
        .await
    }

    /// Runs the story, telling each step through `say`.
    pub async fn run(&self, say: &mut dyn FnMut(String)) -> anyhow::Result<()> {
        say("1. A mother registers in the app with a passkey (no password).".into());
        let (tokens, mut passkey) = self.register("Mum's phone").await?;
        let mum_id = id(&tokens, "patient_id")?;
        let mut phone_a = Phone {
            name: "Mum's phone",
            token: id(&tokens, "access_token")?,
            engine: ClientEngine::new(id(&tokens, "device_id")?),
        };
        say(format!(
            "   Registered: patient {mum_id}, signed in on {}.",
            phone_a.name
        ));

        say("2. The registration office checks her identity card and verifies her.".into());
        self.officer(
            &format!("/v1/officer/registrations/{mum_id}/verify"),
            json!({"method": "in_person", "reference": "DEMO-1"}),
        )
        .await?;

        say("3. She registers her daughter (born 2019-05-05) as her parent and substitute decision maker.".into());
        let girl = Person {
            doc_type: "hk_birth_cert",
            ..Person::born("2019-05-05")
        };
        let child = self
            .expect(
                201,
                Method::POST,
                "/v1/dependants",
                Some(&phone_a.token),
                Some(json!({"identity_document": {"type": girl.doc_type, "number": girl.hkid},
                    "english_name": {"surname": "CHAN", "given_names": "SIU MING"}, "chinese_name": "陳小明",
                    "date_of_birth": girl.date_of_birth, "sex": "F", "relationship": "parent",
                    "incapable_of_consent": false})),
            )
            .await?;
        let girl_id = id(&child, "patient_id")?;
        say(format!(
            "   Link {}: {}.",
            id(&child, "link_id")?,
            id(&child, "link_status")?
        ));
        self.officer(
            &format!("/v1/officer/registrations/{girl_id}/verify"),
            json!({"method": "in_person", "reference": "DEMO-2"}),
        )
        .await?;
        say("   The office verifies the birth certificate too.".into());

        say("4. She signs in on a second phone with the same passkey.".into());
        let challenge = self
            .expect(
                201,
                Method::POST,
                "/v1/sessions/challenge",
                None,
                Some(json!({})),
            )
            .await?;
        let assertion = passkey.assert(serde_json::from_value(
            challenge["request_options"].clone(),
        )?);
        let second = self
            .expect(
                201,
                Method::POST,
                "/v1/sessions",
                None,
                Some(
                    json!({"challenge_id": challenge["challenge_id"], "credential": assertion,
                    "device": {"name": "Tablet", "platform": "ios"}}),
                ),
            )
            .await?;
        let mut phone_b = Phone {
            name: "Tablet",
            token: id(&second, "access_token")?,
            engine: ClientEngine::new(id(&second, "device_id")?),
        };

        say("5. Offline, both devices log readings: her blood pressure on the phone, the girl's blood sugar on both.".into());
        let hong_kong = chrono::FixedOffset::east_opt(8 * 3600).context("UTC+8")?;
        let today = chrono::Utc::now()
            .with_timezone(&hong_kong)
            .format("%Y-%m-%dT%H:%M:%S+08:00")
            .to_string();
        let new_id = || uuid::Uuid::now_v7().to_string();
        phone_a.engine.upsert(
            "bp_readings",
            &new_id(),
            &mum_id,
            crate::devices::fields(json!({"systolic": 128, "diastolic": 82, "measured_at": today})),
            now_ms(),
        );
        phone_a.engine.upsert(
            "glucose_readings",
            &new_id(),
            &girl_id,
            crate::devices::fields(
                json!({"mmol_l": 5.4, "meal_context": "fasting", "measured_at": today}),
            ),
            now_ms(),
        );
        phone_b.engine.upsert(
            "glucose_readings",
            &new_id(),
            &girl_id,
            crate::devices::fields(
                json!({"mmol_l": 6.8, "meal_context": "after_meal", "measured_at": today}),
            ),
            now_ms(),
        );

        say("6. Back online, each syncs; then each has all three readings.".into());
        for phone in [&mut phone_a, &mut phone_b] {
            let (pushed, pulled) = self.sync(phone).await?;
            say(format!(
                "   {}: pushed {pushed}, pulled {pulled} changes.",
                phone.name
            ));
        }
        let (_, pulled) = self.sync(&mut phone_a).await?;
        let readings = |p: &Phone| {
            p.engine
                .rows()
                .keys()
                .filter(|k| k.0.ends_with("_readings"))
                .count()
        };
        say(format!(
            "   {} picks up {pulled} more; {} holds {} readings, {} holds {}.",
            phone_a.name,
            phone_a.name,
            readings(&phone_a),
            phone_b.name,
            readings(&phone_b)
        ));

        say("7. A private clinic joins the register; its doctor enrols a passkey.".into());
        let hcp_id = self.clinic().await?;
        let doctor = self.enrol_doctor(&hcp_id, &[]).await?;
        let doctor_token = id(&doctor, "access_token")?;

        say("8. The mother pre-grants sharing consent for her daughter to the clinic.".into());
        let consent = self
            .expect(
                201,
                Method::POST,
                &format!("/v1/patients/{girl_id}/consents"),
                Some(&phone_a.token),
                Some(json!({"hcp_id": hcp_id, "type": "indefinite"})),
            )
            .await?;
        let consent_id = id(&consent, "consent_id")?;

        say(
            "9. At the visit the doctor records a lab result, then reads the girl's record.".into(),
        );
        self.expect(
            201,
            Method::POST,
            &format!("/v1/hcp/patients/{girl_id}/records"),
            Some(&doctor_token),
            Some(
                json!({"category": "lab_result", "code": "GLU", "display": "Fasting glucose",
                "value": "5.4 mmol/L", "recorded_at": today}),
            ),
        )
        .await?;
        let read = json!({"purpose": "Follow-up consultation", "under_care": true});
        let (status, records) = self
            .call(
                Method::POST,
                &format!("/v1/hcp/patients/{girl_id}/record-reads"),
                Some(&doctor_token),
                Some(read.clone()),
            )
            .await?;
        if status != 200 {
            bail!("the consented read answered {status}: {records}");
        }
        say(format!(
            "   Allowed: {} record(s).",
            records["records"].as_array().map_or(0, Vec::len)
        ));

        say(
            "10. The mother revokes the consent in the app; the doctor's next read is refused."
                .into(),
        );
        self.expect(
            200,
            Method::DELETE,
            &format!("/v1/patients/{girl_id}/consents/{consent_id}"),
            Some(&phone_a.token),
            None,
        )
        .await?;
        let (status, refused) = self
            .call(
                Method::POST,
                &format!("/v1/hcp/patients/{girl_id}/record-reads"),
                Some(&doctor_token),
                Some(read),
            )
            .await?;
        if status != 403 {
            bail!("a read after revocation answered {status}: {refused}");
        }
        say(format!(
            "   Refused: {status} `{}`.",
            refused["code"].as_str().unwrap_or("?")
        ));

        say("11. She opens her daughter's access log: every attempt is there, and the chain checks out.".into());
        let log = self
            .expect(
                200,
                Method::GET,
                &format!("/v1/patients/{girl_id}/access-log"),
                Some(&phone_a.token),
                None,
            )
            .await?;
        let log: ehealth_contracts::AccessLogResponse = serde_json::from_value(log)?;
        for e in &log.entries {
            say(format!(
                "   #{} {}: {} ({}, {}) for \"{}\": {}{}",
                e.seq,
                e.at,
                e.staff_name.as_deref().unwrap_or("staff"),
                e.profession.map_or("-", |p| p.as_str()),
                e.hcp_name,
                e.purpose,
                e.outcome.as_str(),
                e.reason
                    .as_deref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default()
            ));
        }
        let verified = self
            .expect(
                200,
                Method::GET,
                &format!("/v1/patients/{girl_id}/access-log/verify"),
                Some(&phone_a.token),
                None,
            )
            .await?;
        let verified: ehealth_contracts::VerifyAccessLogResponse =
            serde_json::from_value(verified)?;
        say(format!(
            "   Hash chain intact: {} ({} entries checked).",
            verified.intact, verified.entries
        ));
        say("Done.".into());
        Ok(())
    }
}
