//! The access log's signing key: an Ed25519 key, apart from `EHEALTH_SECRET_KEY`, that signs
//! checkpoints of each patient's log (its newest entry's `seq` and `hash`). A device keeps the
//! newest checkpoint it pulled and can check it with the public half
//! (`GET /.well-known/ehealth-log-key`) without asking us; someone holding only the database
//! can neither cut the log's end nor rewrite it without the checkpoint failing.
//!
//! `EHEALTH_LOG_SIGNING_KEY` holds the 32-byte seed, base64url; without it the seed is read from
//! `EHEALTH_LOG_SIGNING_KEY_FILE` (default `./data/log-signing.key`), created (mode 0600) on
//! first run, as the secret key is.

use std::path::Path;

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use sha2::{Digest, Sha256};

use crate::crypto::{hex, write_private};

pub struct LogKey {
    pair: Ed25519KeyPair,
}

impl std::fmt::Debug for LogKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LogKey({})", self.key_id())
    }
}

/// What a checkpoint's signature covers: the patient, the entry's position and its chain hash.
fn message(patient_id: &str, seq: i64, hash: &str) -> Vec<u8> {
    format!("ehealth-access-log-checkpoint/v1\n{patient_id}\n{seq}\n{hash}").into_bytes()
}

impl LogKey {
    pub fn from_seed(encoded: &str) -> anyhow::Result<Self> {
        let seed = URL_SAFE_NO_PAD
            .decode(encoded.trim())
            .context("EHEALTH_LOG_SIGNING_KEY must be base64url")?;
        if seed.len() != 32 {
            bail!("EHEALTH_LOG_SIGNING_KEY must hold a 32-byte Ed25519 seed");
        }
        let pair = Ed25519KeyPair::from_seed_unchecked(&seed)
            .map_err(|_| anyhow::anyhow!("EHEALTH_LOG_SIGNING_KEY is not an Ed25519 seed"))?;
        Ok(Self { pair })
    }

    /// The configured seed, or the one in `file`, creating it on first run.
    pub fn load_or_create(configured: Option<&str>, file: &Path) -> anyhow::Result<Self> {
        if let Some(raw) = configured {
            return Self::from_seed(raw);
        }
        if file.exists() {
            let raw = std::fs::read_to_string(file)
                .with_context(|| format!("reading {}", file.display()))?;
            return Self::from_seed(&raw);
        }
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let mut seed = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut seed);
        let encoded = URL_SAFE_NO_PAD.encode(seed);
        write_private(file, encoded.as_bytes())?;
        tracing::warn!(
            path = %file.display(),
            "EHEALTH_LOG_SIGNING_KEY is not set: generated a new access-log signing key file. \
             Keep it apart from the database and back it up."
        );
        Self::from_seed(&encoded)
    }

    /// The public key, base64url (32 bytes).
    pub fn public_key(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.pair.public_key().as_ref())
    }

    /// The first 8 bytes of the public key's SHA-256, hex: names the key in each checkpoint.
    pub fn key_id(&self) -> String {
        hex(&Sha256::digest(self.pair.public_key().as_ref())[..8])
    }

    /// The signature (base64url) of a checkpoint of `patient_id`'s log.
    pub fn sign(&self, patient_id: &str, seq: i64, hash: &str) -> String {
        URL_SAFE_NO_PAD.encode(self.pair.sign(&message(patient_id, seq, hash)).as_ref())
    }

    /// Whether `signature` is this key's, over that checkpoint.
    pub fn verifies(&self, patient_id: &str, seq: i64, hash: &str, signature: &str) -> bool {
        let Ok(sig) = URL_SAFE_NO_PAD.decode(signature) else {
            return false;
        };
        UnparsedPublicKey::new(&ED25519, self.pair.public_key().as_ref())
            .verify(&message(patient_id, seq, hash), &sig)
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_verifies_only_as_signed() -> anyhow::Result<()> {
        let key = LogKey::from_seed(&URL_SAFE_NO_PAD.encode([7u8; 32]))?;
        let sig = key.sign("p1", 3, "abc");
        assert!(key.verifies("p1", 3, "abc", &sig));
        assert!(!key.verifies("p1", 2, "abc", &sig));
        assert!(!key.verifies("p2", 3, "abc", &sig));
        assert!(!key.verifies("p1", 3, "abd", &sig));
        assert!(!key.verifies("p1", 3, "abc", "not base64!"));
        let other = LogKey::from_seed(&URL_SAFE_NO_PAD.encode([8u8; 32]))?;
        assert!(!other.verifies("p1", 3, "abc", &sig));
        assert_eq!(key.key_id().len(), 16);
        Ok(())
    }

    #[test]
    fn a_generated_key_file_is_private_and_reused() -> anyhow::Result<()> {
        let dir = std::env::temp_dir().join(format!("ehealth-logkey-{}", uuid::Uuid::new_v4()));
        let file = dir.join("log-signing.key");
        let first = LogKey::load_or_create(None, &file)?;
        let second = LogKey::load_or_create(None, &file)?;
        assert_eq!(first.public_key(), second.public_key());
        assert!(second.verifies("p", 1, "h", &first.sign("p", 1, "h")));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&file)?.permissions().mode() & 0o777,
                0o600
            );
        }
        std::fs::remove_dir_all(dir)?;
        Ok(())
    }
}
