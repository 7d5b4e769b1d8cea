//! Reading JSON bodies as the contract types of `ehealth_contracts`, so that tests assert on
//! fields rather than dig through `serde_json::Value` (which stays for the tests that look at
//! the raw wire shape on purpose).

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::TestApp;

/// A JSON body read as the contract type it must be.
pub trait JsonAs {
    /// The body as `T`; panics, showing the body, when it is not a `T`.
    fn json_as<T: DeserializeOwned>(&self) -> T;
}

impl JsonAs for Value {
    fn json_as<T: DeserializeOwned>(&self) -> T {
        T::deserialize(self)
            .unwrap_or_else(|e| panic!("not a {}: {e}: {self}", std::any::type_name::<T>()))
    }
}

impl TestApp {
    /// `GET path` as `token`; panics unless it answers 200 with a `T`.
    pub async fn get_as<T: DeserializeOwned>(&self, path: &str, token: &str) -> T {
        let (status, body) = self.get_auth(path, token).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body.json_as()
    }

    /// A call that must answer `expected` with a `T`.
    pub async fn call_as<T: DeserializeOwned>(
        &self,
        expected: StatusCode,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> T {
        let (status, answer) = self.call(method.clone(), path, token, body).await;
        assert_eq!(status, expected, "{method} {path}: {answer}");
        answer.json_as()
    }
}
