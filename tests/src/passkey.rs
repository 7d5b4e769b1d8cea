//! A software passkey that behaves like a phone's platform authenticator.
//!
//! It wraps webauthn-authenticator-rs's `SoftPasskey`, which signs real WebAuthn responses but
//! keeps no user handle and needs an allow-list. Phones store discoverable credentials with the
//! user handle, so this wrapper remembers (credential id, user handle) at creation and, at
//! sign-in, picks its credential for the relying party and returns the user handle, exactly as a
//! platform authenticator answers an empty `allowCredentials`. The user handle and the
//! allow-list are not covered by the signature; everything the server verifies is genuine.

use url::Url;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_authenticator_rs::{AuthenticatorBackend, WebauthnAuthenticator};
use webauthn_rs_proto::{
    AllowCredentials, CreationChallengeResponse, PublicKeyCredential, RegisterPublicKeyCredential,
    RequestChallengeResponse,
};

use crate::ORIGIN;

pub struct TestPasskey {
    authenticator: SoftPasskey,
    /// The origin the app claims (what the platform puts in clientDataJSON).
    pub origin: Url,
    credentials: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Default for TestPasskey {
    fn default() -> Self {
        Self::new()
    }
}

impl TestPasskey {
    pub fn new() -> Self {
        Self {
            // `true`: report user verification as done (a phone would ask for a fingerprint).
            authenticator: SoftPasskey::new(true),
            origin: Url::parse(ORIGIN).unwrap_or_else(|e| panic!("{e}")),
            credentials: Vec::new(),
        }
    }

    pub fn with_origin(mut self, origin: &str) -> Self {
        self.origin = Url::parse(origin).unwrap_or_else(|e| panic!("{e}"));
        self
    }

    /// An Android app's origin (`android:apk-key-hash:...`): Credential Manager puts it in
    /// clientDataJSON itself, so the browser-style origin checks of the helper do not apply.
    fn is_android(&self) -> bool {
        self.origin.scheme() == "android"
    }

    /// Creates a credential from the server's creation options.
    pub fn create(
        &mut self,
        mut options: CreationChallengeResponse,
    ) -> RegisterPublicKeyCredential {
        let user_handle = options.public_key.user.id.clone();
        // SoftPasskey cannot itself store resident keys; this wrapper does (see module docs).
        if let Some(sel) = options.public_key.authenticator_selection.as_mut() {
            sel.require_resident_key = false;
            sel.resident_key = None;
        }
        let credential = if self.is_android() {
            AuthenticatorBackend::perform_register(
                &mut self.authenticator,
                self.origin.clone(),
                options.public_key,
                60_000,
            )
        } else {
            self.authenticator
                .do_registration(self.origin.clone(), options)
        }
        .unwrap_or_else(|e| panic!("soft passkey registration: {e:?}"));
        self.credentials
            .push((credential.raw_id.clone(), user_handle));
        credential
    }

    /// Signs the server's request options with the most recently created credential.
    pub fn assert(&mut self, options: RequestChallengeResponse) -> PublicKeyCredential {
        self.assert_with_rp(options, None)
    }

    /// As [`assert`](Self::assert), but claiming another relying-party id.
    pub fn assert_with_rp(
        &mut self,
        mut options: RequestChallengeResponse,
        rp_id: Option<&str>,
    ) -> PublicKeyCredential {
        let (credential_id, user_handle) = self
            .credentials
            .last()
            .cloned()
            .unwrap_or_else(|| panic!("this passkey holds no credential"));
        if options.public_key.allow_credentials.is_empty() {
            options.public_key.allow_credentials = vec![AllowCredentials {
                type_: "public-key".to_owned(),
                id: credential_id,
                transports: None,
            }];
        }
        if let Some(rp) = rp_id {
            options.public_key.rp_id = rp.to_owned();
        }
        let mut assertion = if self.is_android() {
            AuthenticatorBackend::perform_auth(
                &mut self.authenticator,
                self.origin.clone(),
                options.public_key,
                60_000,
            )
        } else {
            self.authenticator
                .do_authentication(self.origin.clone(), options)
        }
        .unwrap_or_else(|e| panic!("soft passkey authentication: {e:?}"));
        assertion.response.user_handle = Some(user_handle);
        assertion
    }
}
