//! A local stand-in for Google's two push endpoints, speaking their real protocol:
//!
//! - the OAuth 2.0 token endpoint (`POST /token`, form `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=JWT`),
//!   which checks the assertion's RS256 signature with the public half of the service-account
//!   key it issued, and its claims (issuer, audience, scope, lifetime), and answers
//!   `{"access_token","expires_in","token_type":"Bearer"}`;
//! - FCM HTTP v1 (`POST /v1/projects/{project}/messages:send`), which checks the bearer token
//!   and answers 200 `{"name": "projects/{project}/messages/{id}"}`, or, as a test scripts it
//!   per device token, 404 `UNREGISTERED`, 429 with `Retry-After`, or 503.
//!
//! [`FakeFcm::key_file`] is a service-account key file pointing at this server
//! (`FCM_SERVICE_ACCOUNT`), and [`FakeFcm::base_url`] is `FCM_BASE_URL`.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::{EncodePrivateKey, LineEnding};
use rsa::signature::Verifier;
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::TempDir;

pub const PROJECT: &str = "ehealth-test";
pub const CLIENT_EMAIL: &str = "push@ehealth-test.iam.gserviceaccount.com";
const SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";

/// A scripted answer to one send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    Ok,
    /// 404 `UNREGISTERED`.
    Unregistered,
    /// 429 `QUOTA_EXCEEDED` with `Retry-After: secs`.
    TooMany(u64),
    /// 503 `UNAVAILABLE`.
    Unavailable,
}

/// One message FCM accepted.
#[derive(Debug, Clone)]
pub struct Delivered {
    pub token: String,
    pub message: Value,
}

#[derive(Default)]
struct Inner {
    token_requests: usize,
    bad_assertions: usize,
    access_tokens: HashSet<String>,
    send_attempts: usize,
    unauthorised_sends: usize,
    delivered: Vec<Delivered>,
    /// Per device token: answers to give before the default.
    script: HashMap<String, VecDeque<Reply>>,
    /// Tokens FCM no longer knows (always `UNREGISTERED`).
    dead: HashSet<String>,
}

struct Shared {
    inner: Mutex<Inner>,
    public_key: RsaPublicKey,
    token_uri: String,
    expires_in: u64,
}

pub struct FakeFcm {
    pub base_url: String,
    pub key_file: PathBuf,
    shared: Arc<Shared>,
    _dir: TempDir,
}

/// The RSA key of every fake service account in this process (generating one takes a while).
fn key() -> &'static RsaPrivateKey {
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| {
        RsaPrivateKey::new(&mut rand::thread_rng(), 2048)
            .unwrap_or_else(|e| panic!("test RSA key: {e}"))
    })
}

fn b64url() -> GeneralPurpose {
    GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    )
}

impl FakeFcm {
    /// Starts the server; access tokens it issues last `expires_in` seconds.
    pub async fn start_with_expiry(expires_in: u64) -> FakeFcm {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap_or_else(|e| panic!("fake FCM listener: {e}"));
        let port = listener
            .local_addr()
            .map(|a| a.port())
            .unwrap_or_else(|e| panic!("fake FCM address: {e}"));
        let base_url = format!("http://127.0.0.1:{port}");
        let shared = Arc::new(Shared {
            inner: Mutex::default(),
            public_key: RsaPublicKey::from(key()),
            token_uri: format!("{base_url}/token"),
            expires_in,
        });
        let data = web::Data::from(shared.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/token", web::post().to(token))
                .route("/v1/projects/{project}/messages:send", web::post().to(send))
        })
        .workers(1)
        .listen(listener)
        .unwrap_or_else(|e| panic!("fake FCM listen: {e}"))
        .run();
        tokio::spawn(server);

        let dir = TempDir::new("fcm").unwrap_or_else(|e| panic!("temp dir: {e}"));
        let key_file = dir.0.join("service-account.json");
        let pem = key()
            .to_pkcs8_pem(LineEnding::LF)
            .unwrap_or_else(|e| panic!("test key PEM: {e}"));
        let account = json!({
            "type": "service_account",
            "project_id": PROJECT,
            "private_key_id": "test-key",
            "private_key": pem.as_str(),
            "client_email": CLIENT_EMAIL,
            "client_id": "1",
            "auth_uri": format!("{base_url}/auth"),
            "token_uri": shared.token_uri,
        });
        std::fs::write(&key_file, account.to_string())
            .unwrap_or_else(|e| panic!("writing the key file: {e}"));
        FakeFcm {
            base_url,
            key_file,
            shared,
            _dir: dir,
        }
    }

    pub async fn start() -> FakeFcm {
        Self::start_with_expiry(3600).await
    }

    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        let mut g = self
            .shared
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut g)
    }

    /// The next answers for `token`, in order; after them, 200.
    pub fn script(&self, token: &str, replies: &[Reply]) {
        self.with(|i| {
            i.script
                .entry(token.to_owned())
                .or_default()
                .extend(replies.iter().copied())
        });
    }

    /// FCM forgets `token`: every send to it is 404 `UNREGISTERED`.
    pub fn unregister(&self, token: &str) {
        self.with(|i| i.dead.insert(token.to_owned()));
    }

    pub fn delivered(&self) -> Vec<Delivered> {
        self.with(|i| i.delivered.clone())
    }

    pub fn delivered_to(&self, token: &str) -> Vec<Value> {
        self.with(|i| {
            i.delivered
                .iter()
                .filter(|d| d.token == token)
                .map(|d| d.message.clone())
                .collect()
        })
    }

    /// The `reminder_id` of each `reminder_due` message accepted after the first `skip`.
    pub fn reminder_ids_since(&self, skip: usize) -> Vec<String> {
        self.with(|i| {
            i.delivered
                .iter()
                .skip(skip)
                .filter(|d| d.message["data"]["type"] == "reminder_due")
                .map(|d| {
                    d.message["data"]["reminder_id"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned()
                })
                .collect()
        })
    }

    pub fn delivered_count(&self) -> usize {
        self.with(|i| i.delivered.len())
    }

    /// Token requests (OAuth grants) so far, and how many had a bad assertion.
    pub fn token_requests(&self) -> (usize, usize) {
        self.with(|i| (i.token_requests, i.bad_assertions))
    }

    /// Sends so far (any answer), and how many came without a valid access token.
    pub fn send_attempts(&self) -> (usize, usize) {
        self.with(|i| (i.send_attempts, i.unauthorised_sends))
    }
}

fn oauth_error(description: &str) -> HttpResponse {
    HttpResponse::BadRequest()
        .json(json!({"error": "invalid_grant", "error_description": description}))
}

/// Checks a JWT-bearer assertion: RS256 over `header.payload` with the key's public half, and
/// the claims Google checks.
fn check_assertion(shared: &Shared, jwt: &str) -> Result<(), &'static str> {
    let mut parts = jwt.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("not a JWT");
    };
    let decode = |x: &str| b64url().decode(x).map_err(|_| "bad base64url");
    let header: Value = serde_json::from_slice(&decode(h)?).map_err(|_| "bad header")?;
    if header["alg"] != "RS256" {
        return Err("alg must be RS256");
    }
    let signature = Signature::try_from(decode(s)?.as_slice()).map_err(|_| "bad signature")?;
    VerifyingKey::<Sha256>::new(shared.public_key.clone())
        .verify(format!("{h}.{p}").as_bytes(), &signature)
        .map_err(|_| "invalid signature")?;
    let claims: Value = serde_json::from_slice(&decode(p)?).map_err(|_| "bad claims")?;
    let now = chrono::Utc::now().timestamp();
    let (iat, exp) = (
        claims["iat"].as_i64().unwrap_or(0),
        claims["exp"].as_i64().unwrap_or(0),
    );
    if claims["iss"] != CLIENT_EMAIL {
        return Err("wrong issuer");
    }
    if claims["aud"] != shared.token_uri.as_str() {
        return Err("wrong audience");
    }
    if !claims["scope"]
        .as_str()
        .is_some_and(|s| s.split(' ').any(|x| x == SCOPE))
    {
        return Err("scope lacks firebase.messaging");
    }
    if exp <= now || exp - iat > 3600 || iat > now + 60 {
        return Err("expired or too long-lived");
    }
    Ok(())
}

async fn token(
    shared: web::Data<Shared>,
    form: web::Form<HashMap<String, String>>,
) -> HttpResponse {
    let checked = if form.get("grant_type").map(String::as_str)
        != Some("urn:ietf:params:oauth:grant-type:jwt-bearer")
    {
        Err("unsupported grant_type")
    } else {
        check_assertion(&shared, form.get("assertion").map_or("", String::as_str))
    };
    let mut inner = shared
        .inner
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    inner.token_requests += 1;
    if let Err(why) = checked {
        inner.bad_assertions += 1;
        return oauth_error(why);
    }
    let access = format!("ya29.test-{}", uuid::Uuid::new_v4().simple());
    inner.access_tokens.insert(access.clone());
    HttpResponse::Ok().json(json!({
        "access_token": access,
        "expires_in": shared.expires_in,
        "token_type": "Bearer",
    }))
}

fn fcm_error(status: actix_web::http::StatusCode, code: &str, fcm_status: &str) -> HttpResponse {
    HttpResponse::build(status).json(json!({"error": {
        "code": status.as_u16(),
        "message": match code {
            "UNREGISTERED" => "Requested entity was not found.",
            "QUOTA_EXCEEDED" => "Quota exceeded for quota metric 'Send requests per device'.",
            _ => "The service is currently unavailable.",
        },
        "status": fcm_status,
        "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": code}],
    }}))
}

async fn send(
    shared: web::Data<Shared>,
    req: HttpRequest,
    project: web::Path<String>,
    body: web::Json<Value>,
) -> HttpResponse {
    use actix_web::http::StatusCode;
    let bearer = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_owned();
    let mut inner = shared
        .inner
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    inner.send_attempts += 1;
    if !inner.access_tokens.contains(&bearer) || project.as_str() != PROJECT {
        inner.unauthorised_sends += 1;
        return HttpResponse::Unauthorized().json(json!({"error": {
            "code": 401, "status": "UNAUTHENTICATED",
            "message": "Request had invalid authentication credentials."}}));
    }
    let message = body.into_inner()["message"].clone();
    let Some(device_token) = message["token"].as_str().map(str::to_owned) else {
        return fcm_error(
            StatusCode::BAD_REQUEST,
            "INVALID_ARGUMENT",
            "INVALID_ARGUMENT",
        );
    };
    if inner.dead.contains(&device_token) {
        return fcm_error(StatusCode::NOT_FOUND, "UNREGISTERED", "NOT_FOUND");
    }
    let reply = inner
        .script
        .get_mut(&device_token)
        .and_then(VecDeque::pop_front)
        .unwrap_or(Reply::Ok);
    match reply {
        Reply::Ok => {
            let id = inner.delivered.len();
            inner.delivered.push(Delivered {
                token: device_token,
                message,
            });
            HttpResponse::Ok().json(json!({"name": format!("projects/{PROJECT}/messages/{id}")}))
        }
        Reply::Unregistered => fcm_error(StatusCode::NOT_FOUND, "UNREGISTERED", "NOT_FOUND"),
        Reply::TooMany(secs) => {
            let mut r = fcm_error(
                StatusCode::TOO_MANY_REQUESTS,
                "QUOTA_EXCEEDED",
                "RESOURCE_EXHAUSTED",
            );
            if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&secs.to_string()) {
                r.headers_mut()
                    .insert(actix_web::http::header::RETRY_AFTER, v);
            }
            r
        }
        Reply::Unavailable => fcm_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "UNAVAILABLE",
            "UNAVAILABLE",
        ),
    }
}
