//! Authentication: the WebAuthn relying party. Bearer tokens live in `store::sessions`, and the
//! principals they establish in `extract::principal`.

pub mod webauthn;
