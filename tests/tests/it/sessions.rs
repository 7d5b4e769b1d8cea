//! Username-less passkey sign-in, token rotation, sign-out, devices and extra passkeys.

mod devices;
mod sign_in;
mod tokens;
