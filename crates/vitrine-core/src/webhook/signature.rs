//! `X-Hub-Signature-256` and `X-Hub-Signature`: HMACs of the exact body bytes, keyed by the app
//! secret, as lowercase hex.

use hmac::{Hmac, Mac};
use sha1::Sha1;

/// `sha256=<hex>`
pub fn sha256_header(app_secret: &str, body: &[u8]) -> String {
    format!(
        "sha256={}",
        crate::auth::hmac_sha256_hex(app_secret.as_bytes(), body)
    )
}

/// `sha1=<hex>` (older integrations check this one).
pub fn sha1_header(app_secret: &str, body: &[u8]) -> String {
    let hex = match Hmac::<Sha1>::new_from_slice(app_secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(body);
            hex::encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    };
    format!("sha1={hex}")
}

/// Whether `header` (`sha256=<hex>`) signs `body` with `app_secret`.
pub fn verify_sha256(app_secret: &str, body: &[u8], header: &str) -> bool {
    let expected = sha256_header(app_secret, body);
    expected.len() == header.len()
        && expected
            .bytes()
            .zip(header.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vectors() {
        // RFC 4231 test case 2.
        assert_eq!(
            sha256_header("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // RFC 2202 test case 2.
        assert_eq!(
            sha1_header("Jefe", b"what do ya want for nothing?"),
            "sha1=effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
        );
        assert!(verify_sha256(
            "Jefe",
            b"what do ya want for nothing?",
            &sha256_header("Jefe", b"what do ya want for nothing?")
        ));
        assert!(!verify_sha256("Jefe", b"x", "sha256=00"));
    }
}
