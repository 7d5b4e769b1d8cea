//! The story, step by step: each step says what happens, does it, and says what came of it.

use anyhow::{Context, bail};
use ehealth_contracts::{
    AccessLogResponse, ConsentResponse, CreateDependantResponse, Problem, RecordReadResponse,
    RecordResponse, VerifyAccessLogResponse,
};
use reqwest::Method;
use serde::Serialize;
use serde_json::{Value, json};

use super::Demo;
use super::phone::{Phone, Synced};
use crate::{Person, TestPasskey};

/// Said first, so every later line is clear.
const WHO_IS_WHO: &str = "Who is who: Mum, a patient, decides for her daughter Siu Ming (born \
    2019-05-05) and uses two devices, Mum's phone and Mum's tablet; Dr Wong works at Harbour \
    Family Clinic; the registration office checks identities.";

const MUMS_PHONE: &str = "Mum's phone";
const MUMS_TABLET: &str = "Mum's tablet";

type Say<'a> = &'a mut dyn FnMut(String);

/// Mum, her daughter and her two devices.
struct Family {
    mum_id: String,
    girl_id: String,
    phone: Phone,
    tablet: Phone,
}

/// The clinic and its doctor's session.
struct Clinic {
    hcp_id: String,
    doctor_token: String,
}

/// A wire value (an enum of the contract) as the API spells it.
fn wire(value: impl Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => "?".to_owned(),
    }
}

fn hong_kong_now() -> anyhow::Result<String> {
    let hong_kong = chrono::FixedOffset::east_opt(8 * 3600).context("UTC+8")?;
    Ok(chrono::Utc::now()
        .with_timezone(&hong_kong)
        .format("%Y-%m-%dT%H:%M:%S+08:00")
        .to_string())
}

impl Demo {
    /// Runs the story, telling each step and its result through `say`.
    pub async fn run(&self, say: &mut dyn FnMut(String)) -> anyhow::Result<()> {
        say(WHO_IS_WHO.into());
        let (mum_id, phone, mut passkey) = self.mum_registers_and_is_verified(say).await?;
        let girl_id = self.mum_registers_her_daughter(&phone, say).await?;
        let tablet = self.mum_signs_in_on_her_tablet(&mut passkey, say).await?;
        let mut family = Family {
            mum_id,
            girl_id,
            phone,
            tablet,
        };
        readings_are_logged_offline(&mut family, say)?;
        self.both_devices_sync(&mut family, say).await?;
        let clinic = self.the_clinic_joins(say).await?;
        let consent_id = self.mum_grants_consent(&family, &clinic, say).await?;
        self.the_doctor_reads(&family, &clinic, say).await?;
        self.mum_revokes(&family, &clinic, &consent_id, say).await?;
        self.mum_reads_the_access_log(&family, say).await?;
        say("Done.".into());
        Ok(())
    }

    /// Steps 1 and 2.
    async fn mum_registers_and_is_verified(
        &self,
        say: Say<'_>,
    ) -> anyhow::Result<(String, Phone, TestPasskey)> {
        say(format!(
            "1. Mum registers in the app on {MUMS_PHONE}, with a passkey (no password)."
        ));
        let (tokens, passkey) = self.register(MUMS_PHONE).await?;
        say(format!(
            "   Registered: patient {}; {MUMS_PHONE} is device {}.",
            tokens.patient_id, tokens.device_id
        ));

        say("2. The registration office checks her identity card and verifies her.".into());
        let verified = self.verify(&tokens.patient_id, "DEMO-1", &[]).await?;
        say(format!(
            "   Mum is now {} (office reference {}).",
            verified.status.as_str(),
            verified.reference
        ));
        Ok((
            tokens.patient_id.clone(),
            Phone::new(MUMS_PHONE, &tokens),
            passkey,
        ))
    }

    /// Step 3.
    async fn mum_registers_her_daughter(
        &self,
        phone: &Phone,
        say: Say<'_>,
    ) -> anyhow::Result<String> {
        say("3. Mum registers Siu Ming (born 2019-05-05) as her dependant: as her parent, she decides for her.".into());
        let girl = Person {
            doc_type: "hk_birth_cert",
            ..Person::born("2019-05-05")
        };
        let child: CreateDependantResponse = self
            .expect(
                201,
                Method::POST,
                "/v1/dependants",
                Some(&phone.token),
                Some(json!({"identity_document": {"type": girl.doc_type, "number": girl.hkid},
                    "english_name": {"surname": "CHAN", "given_names": "SIU MING"}, "chinese_name": "陳小明",
                    "date_of_birth": girl.date_of_birth, "sex": "F", "relationship": "parent",
                    "incapable_of_consent": false})),
            )
            .await?;
        say(format!(
            "   Siu Ming is patient {}; Mum's link to her is {}.",
            child.patient_id,
            wire(child.link_status)
        ));
        let verified = self
            .verify(&child.patient_id, "DEMO-2", &[&child.link_id])
            .await?;
        say(format!(
            "   The office checks her birth certificate too, which shows Mum as her parent: \
             Siu Ming is {}, and Mum's link is confirmed.",
            verified.status.as_str()
        ));
        Ok(child.patient_id)
    }

    /// Step 4.
    async fn mum_signs_in_on_her_tablet(
        &self,
        passkey: &mut TestPasskey,
        say: Say<'_>,
    ) -> anyhow::Result<Phone> {
        say(format!(
            "4. Mum signs in on {MUMS_TABLET} with the same passkey."
        ));
        let tokens = self.sign_in(passkey, MUMS_TABLET).await?;
        say(format!(
            "   Signed in: {MUMS_TABLET} is device {}.",
            tokens.device_id
        ));
        Ok(Phone::new(MUMS_TABLET, &tokens))
    }

    /// Step 6.
    async fn both_devices_sync(&self, family: &mut Family, say: Say<'_>) -> anyhow::Result<()> {
        say("6. Back online, each device syncs: it pushes what waits on it, then pulls what the server holds for it.".into());
        for phone in [&mut family.phone, &mut family.tablet] {
            let Synced { pushed, pulled } = self.sync(phone).await?;
            say(format!(
                "   {}: pushed {pushed}, pulled {pulled} changes.",
                phone.name
            ));
        }
        say("   (Pushed: the readings logged on that device, sent up to the server. Pulled: the changes the server had that the device had not downloaded yet, its own readings included, as the server stored them.)".into());
        let Synced { pulled, .. } = self.sync(&mut family.phone).await?;
        say(format!(
            "   {} syncs again and picks up {pulled} more; {} holds {} readings, {} holds {}.",
            family.phone.name,
            family.phone.name,
            family.phone.readings(),
            family.tablet.name,
            family.tablet.readings()
        ));
        Ok(())
    }

    /// Step 7.
    async fn the_clinic_joins(&self, say: Say<'_>) -> anyhow::Result<Clinic> {
        say(
            "7. Harbour Family Clinic joins the register; Dr Wong, its doctor, enrols a passkey."
                .into(),
        );
        let hcp_id = self.clinic().await?;
        let doctor = self.enrol_doctor(&hcp_id, &[]).await?;
        say(format!(
            "   The clinic is provider {hcp_id}; Dr Wong is signed in as staff {}.",
            doctor.staff_id
        ));
        Ok(Clinic {
            hcp_id,
            doctor_token: doctor.access_token,
        })
    }

    /// Step 8.
    async fn mum_grants_consent(
        &self,
        family: &Family,
        clinic: &Clinic,
        say: Say<'_>,
    ) -> anyhow::Result<String> {
        say("8. Mum pre-grants sharing consent for Siu Ming to the clinic.".into());
        let consent: ConsentResponse = self
            .expect(
                201,
                Method::POST,
                &format!("/v1/patients/{}/consents", family.girl_id),
                Some(&family.phone.token),
                Some(json!({"hcp_id": clinic.hcp_id, "type": "indefinite"})),
            )
            .await?;
        say(format!(
            "   Consent {}: {} ({}, given in the {}).",
            consent.consent_id,
            consent.status.as_str(),
            consent.consent_type.as_str(),
            consent.method.as_str()
        ));
        Ok(consent.consent_id)
    }

    /// Step 9.
    async fn the_doctor_reads(
        &self,
        family: &Family,
        clinic: &Clinic,
        say: Say<'_>,
    ) -> anyhow::Result<()> {
        say("9. At the visit Dr Wong records a lab result, then reads Siu Ming's record.".into());
        let girl_id = &family.girl_id;
        let record: RecordResponse = self
            .expect(
                201,
                Method::POST,
                &format!("/v1/hcp/patients/{girl_id}/records"),
                Some(&clinic.doctor_token),
                Some(
                    json!({"category": "lab_result", "code": "GLU", "display": "Fasting glucose",
                    "value": "5.4 mmol/L", "recorded_at": hong_kong_now()?}),
                ),
            )
            .await?;
        say(format!(
            "   Recorded: {} ({}).",
            record.display,
            record.category.as_str()
        ));
        let (status, body) = self.read_record(girl_id, &clinic.doctor_token).await?;
        if status != 200 {
            bail!("the consented read answered {status}: {body}");
        }
        let read: RecordReadResponse = serde_json::from_value(body)?;
        say(format!("   Allowed: {} record(s).", read.records.len()));
        Ok(())
    }

    /// Step 10.
    async fn mum_revokes(
        &self,
        family: &Family,
        clinic: &Clinic,
        consent_id: &str,
        say: Say<'_>,
    ) -> anyhow::Result<()> {
        say("10. Mum revokes the consent in the app; Dr Wong's next read is refused.".into());
        let girl_id = &family.girl_id;
        let revoked: ConsentResponse = self
            .expect(
                200,
                Method::DELETE,
                &format!("/v1/patients/{girl_id}/consents/{consent_id}"),
                Some(&family.phone.token),
                None,
            )
            .await?;
        say(format!(
            "   The consent is now {}.",
            revoked.status.as_str()
        ));
        let (status, body) = self.read_record(girl_id, &clinic.doctor_token).await?;
        if status != 403 {
            bail!("a read after revocation answered {status}: {body}");
        }
        let refused: Problem = serde_json::from_value(body)?;
        say(format!("   Refused: {status} `{}`.", refused.code));
        Ok(())
    }

    /// Dr Wong's read of Siu Ming's record, for a follow-up.
    async fn read_record(&self, patient_id: &str, token: &str) -> anyhow::Result<(u16, Value)> {
        self.call(
            Method::POST,
            &format!("/v1/hcp/patients/{patient_id}/record-reads"),
            Some(token),
            Some(json!({"purpose": "Follow-up consultation", "under_care": true})),
        )
        .await
    }

    /// Step 11.
    async fn mum_reads_the_access_log(&self, family: &Family, say: Say<'_>) -> anyhow::Result<()> {
        say("11. Mum opens Siu Ming's access log: every attempt is there, and the chain checks out.".into());
        let log = format!("/v1/patients/{}/access-log", family.girl_id);
        let token = Some(family.phone.token.as_str());
        let entries: AccessLogResponse = self.expect(200, Method::GET, &log, token, None).await?;
        for e in &entries.entries {
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
        let verified: VerifyAccessLogResponse = self
            .expect(200, Method::GET, &format!("{log}/verify"), token, None)
            .await?;
        say(format!(
            "   Hash chain intact: {} ({} entries checked).",
            verified.intact, verified.entries
        ));
        Ok(())
    }
}

/// Step 5: nothing leaves the devices yet.
fn readings_are_logged_offline(family: &mut Family, say: Say<'_>) -> anyhow::Result<()> {
    say(format!(
        "5. Offline, both devices log readings: Mum's blood pressure on {MUMS_PHONE}, Siu Ming's blood sugar on both."
    ));
    let today = hong_kong_now()?;
    let reading = crate::devices::fields;
    family.phone.log(
        "bp_readings",
        &family.mum_id,
        reading(json!({"systolic": 128, "diastolic": 82, "measured_at": today})),
    );
    family.phone.log(
        "glucose_readings",
        &family.girl_id,
        reading(json!({"mmol_l": 5.4, "meal_context": "fasting", "measured_at": today})),
    );
    family.tablet.log(
        "glucose_readings",
        &family.girl_id,
        reading(json!({"mmol_l": 6.8, "meal_context": "after_meal", "measured_at": today})),
    );
    say(format!(
        "   Waiting to sync: {} on {}, {} on {}; neither device has the other's yet.",
        family.phone.engine.pending().len(),
        family.phone.name,
        family.tablet.engine.pending().len(),
        family.tablet.name
    ));
    Ok(())
}
