//! Keys derived from `EHEALTH_SECRET_KEY`: keyed hashes for lookups, authenticated encryption
//! for identity numbers, and hashing of bearer tokens.
//!
//! One master secret is configured; purpose keys are derived from it with HMAC-SHA-256 so a key
//! used for one purpose is never reused for another.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::{Rng, RngCore};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// Version byte in front of every ciphertext, so the scheme can change later.
const CIPHER_V1: u8 = 1;

#[derive(Clone)]
pub struct Secrets {
    lookup_key: [u8; 32],
    cursor_key: [u8; 32],
    access_log_key: [u8; 32],
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets(<redacted>)")
    }
}

impl Secrets {
    pub fn from_master(master: &[u8]) -> anyhow::Result<Self> {
        if master.len() < 32 {
            bail!("EHEALTH_SECRET_KEY must hold at least 32 bytes of key material");
        }
        let derive = |purpose: &str| -> anyhow::Result<[u8; 32]> {
            let mut mac = <HmacSha256 as Mac>::new_from_slice(master).context("secret key")?;
            mac.update(b"ehealth/v1/");
            mac.update(purpose.as_bytes());
            Ok(mac.finalize().into_bytes().into())
        };
        let enc = derive("identity-encryption")?;
        Ok(Self {
            lookup_key: derive("identity-lookup")?,
            cursor_key: derive("sync-cursor")?,
            access_log_key: derive("access-log-chain")?,
            cipher: XChaCha20Poly1305::new((&enc).into()),
        })
    }

    /// Loads the configured secret, or the one in `file`, creating it (mode 0600) on first run.
    pub fn load_or_create(configured: Option<&str>, file: &Path) -> anyhow::Result<Self> {
        if let Some(raw) = configured {
            return Self::from_master(raw.trim().as_bytes());
        }
        if file.exists() {
            let raw = std::fs::read_to_string(file)
                .with_context(|| format!("reading {}", file.display()))?;
            return Self::from_master(raw.trim().as_bytes());
        }
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let mut bytes = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        let encoded = URL_SAFE_NO_PAD.encode(bytes);
        write_private(file, encoded.as_bytes())?;
        tracing::warn!(
            path = %file.display(),
            "EHEALTH_SECRET_KEY is not set: generated a new secret key file. Back it up; \
             without it stored identity numbers cannot be read. Set EHEALTH_SECRET_KEY in production."
        );
        Self::from_master(encoded.as_bytes())
    }

    /// Keyed hash used to find a record by a secret value without storing the value.
    pub fn lookup_hash(&self, value: &str) -> String {
        // HMAC accepts keys of any length, so this cannot fail; an empty hash would match nothing.
        let Ok(mut mac) = <HmacSha256 as Mac>::new_from_slice(&self.lookup_key) else {
            return String::new();
        };
        mac.update(value.as_bytes());
        hex(&mac.finalize().into_bytes())
    }

    /// Key of the MAC that makes sync cursors tamper-evident.
    /// HMAC of the access-log chain (its own key: one key per purpose).
    pub fn access_log_mac(&self, value: &str) -> String {
        let Ok(mut mac) = <HmacSha256 as Mac>::new_from_slice(&self.access_log_key) else {
            return String::new();
        };
        mac.update(value.as_bytes());
        hex(&mac.finalize().into_bytes())
    }

    pub fn cursor_key(&self) -> &[u8] {
        &self.cursor_key
    }

    pub fn encrypt(&self, plaintext: &str) -> anyhow::Result<Vec<u8>> {
        let mut nonce = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut nonce);
        let ct = self
            .cipher
            .encrypt(XNonce::from_slice(&nonce), plaintext.as_bytes())
            .map_err(|_| anyhow::anyhow!("encryption failed"))?;
        let mut out = Vec::with_capacity(1 + nonce.len() + ct.len());
        out.push(CIPHER_V1);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    pub fn decrypt(&self, data: &[u8]) -> anyhow::Result<String> {
        let (Some(&CIPHER_V1), Some(nonce), Some(ct)) =
            (data.first(), data.get(1..25), data.get(25..))
        else {
            bail!("unknown ciphertext format");
        };
        let pt = self
            .cipher
            .decrypt(XNonce::from_slice(nonce), ct)
            .map_err(|_| anyhow::anyhow!("decryption failed: wrong key or corrupted data"))?;
        String::from_utf8(pt).context("decrypted value is not UTF-8")
    }
}

/// A new random bearer token with a readable prefix (`at_`, `rt_`).
pub fn new_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// Tokens have 256 bits of entropy, so a plain SHA-256 is enough to store them safely.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Constant-time comparison of two secrets of any length.
pub fn secrets_equal(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    Sha256::digest(a.as_bytes())
        .ct_eq(&Sha256::digest(b.as_bytes()))
        .into()
}

/// Crockford base32: no I, L, O or U, so a code read aloud or retyped survives.
pub const CODE_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A one-time code for people to type: `groups` groups of four Crockford base32 characters
/// (5 bits each) joined by dashes, e.g. `7KQ4-M2ZD-H9XA`.
pub fn random_code(groups: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..groups)
        .map(|_| {
            (0..4)
                .map(|_| char::from(CODE_ALPHABET[rng.gen_range(0..CODE_ALPHABET.len())]))
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// `n` random decimal digits (an email confirmation code).
pub fn random_digits(n: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..n)
        .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
        .collect()
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn write_private(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    f.write_all(contents)
        .with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets() -> Secrets {
        Secrets::from_master(&[7u8; 32]).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn encryption_round_trips_and_is_randomised() {
        let s = secrets();
        let a = s.encrypt("A1234563").unwrap_or_default();
        let b = s.encrypt("A1234563").unwrap_or_default();
        assert_ne!(a, b);
        assert_eq!(s.decrypt(&a).ok().as_deref(), Some("A1234563"));
    }

    #[test]
    fn tampered_ciphertext_is_refused() {
        let s = secrets();
        let mut a = s.encrypt("A1234563").unwrap_or_default();
        if let Some(last) = a.last_mut() {
            *last ^= 1;
        }
        assert!(s.decrypt(&a).is_err());
    }

    #[test]
    fn lookup_hashes_depend_on_the_key() {
        let other = Secrets::from_master(&[8u8; 32]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(secrets().lookup_hash("x"), secrets().lookup_hash("x"));
        assert_ne!(secrets().lookup_hash("x"), other.lookup_hash("x"));
        assert!(Secrets::from_master(b"short").is_err());
    }

    #[test]
    fn a_generated_key_file_is_private_and_reused() -> anyhow::Result<()> {
        let dir = std::env::temp_dir().join(format!("ehealth-key-{}", uuid::Uuid::new_v4()));
        let file = dir.join("secret.key");
        let first = Secrets::load_or_create(None, &file)?;
        let second = Secrets::load_or_create(None, &file)?;
        assert_eq!(first.lookup_hash("x"), second.lookup_hash("x"));
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
