//! The pull cursor: opaque to clients, composite (a version per scope, the server epoch and the
//! user), and tamper-evident (HMAC-SHA-256 with a server key).
//!
//! Wire form: `c1.<base64url(json)>.<base64url(mac)>`.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

const PREFIX: &str = "c1.";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Cursor {
    /// The user (patient id) the cursor was issued to.
    #[serde(rename = "u")]
    pub user: String,
    /// The server's sync epoch when issued.
    #[serde(rename = "e")]
    pub epoch: String,
    /// Last version delivered, per scope.
    #[serde(rename = "s")]
    pub scopes: BTreeMap<String, i64>,
    /// Per scope, the purged-tombstone watermark when the device began downloading it from
    /// the start: purges up to it cannot concern the device.
    #[serde(rename = "p", default, skip_serializing_if = "BTreeMap::is_empty")]
    pub purged_seen: BTreeMap<String, i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CursorError {
    #[error("the cursor is not one this server issued")]
    Malformed,
    #[error("the cursor has been altered")]
    BadMac,
}

fn mac(key: &[u8], payload: &[u8]) -> Option<Vec<u8>> {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).ok()?;
    m.update(b"ehealth-sync-cursor/v1/");
    m.update(payload);
    Some(m.finalize().into_bytes().to_vec())
}

impl Cursor {
    pub fn encode(&self, key: &[u8]) -> String {
        let payload = serde_json::to_vec(self).unwrap_or_default();
        let tag = mac(key, &payload).unwrap_or_default();
        format!(
            "{PREFIX}{}.{}",
            URL_SAFE_NO_PAD.encode(&payload),
            URL_SAFE_NO_PAD.encode(tag)
        )
    }

    pub fn decode(s: &str, key: &[u8]) -> Result<Self, CursorError> {
        let rest = s.strip_prefix(PREFIX).ok_or(CursorError::Malformed)?;
        let (payload, tag) = rest.split_once('.').ok_or(CursorError::Malformed)?;
        let payload = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| CursorError::Malformed)?;
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| CursorError::Malformed)?;
        let mut m =
            <Hmac<Sha256> as Mac>::new_from_slice(key).map_err(|_| CursorError::Malformed)?;
        m.update(b"ehealth-sync-cursor/v1/");
        m.update(&payload);
        m.verify_slice(&tag).map_err(|_| CursorError::BadMac)?;
        serde_json::from_slice(&payload).map_err(|_| CursorError::Malformed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn cursor() -> Cursor {
        Cursor {
            user: "u1".into(),
            epoch: "e1".into(),
            scopes: [("p1".to_owned(), 42)].into_iter().collect(),
            purged_seen: Default::default(),
        }
    }

    #[test]
    fn a_cursor_round_trips() {
        let c = cursor();
        assert_eq!(Cursor::decode(&c.encode(KEY), KEY), Ok(c));
    }

    #[test]
    fn a_cursor_signed_with_another_key_is_refused() {
        let s = cursor().encode(b"another key of at least 32 bytes!!");
        assert_eq!(Cursor::decode(&s, KEY), Err(CursorError::BadMac));
    }

    #[test]
    fn garbage_is_malformed() {
        for s in ["", "c1.", "c2.e30.AA", "c1.!!!.AA", "c1.e30"] {
            assert_eq!(Cursor::decode(s, KEY), Err(CursorError::Malformed), "{s}");
        }
    }

    proptest! {
        #[test]
        fn any_altered_character_is_detected(pos in 3usize..60, c in "[A-Za-z0-9_-]") {
            let s = cursor().encode(KEY);
            let pos = pos % s.len();
            let mut altered: Vec<char> = s.chars().collect();
            let new = c.chars().next().unwrap_or('A');
            prop_assume!(altered[pos] != new && altered[pos] != '.');
            altered[pos] = new;
            let altered: String = altered.into_iter().collect();
            prop_assert!(Cursor::decode(&altered, KEY).is_err());
        }
    }
}
