//! HMAC-SHA256 signing shared by every webhook the server sends: the
//! Standard Webhooks scheme of the event webhooks ([`standard_signature`])
//! and the report webhook's older `sha256=<hex>` of the body.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// HMAC-SHA256 of the concatenated `parts` under `key`.
pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts keys of any length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// The `webhook-signature` header of Standard Webhooks: `v1,` and the
/// base64 HMAC-SHA256 of `<id>.<timestamp>.<body>`.
pub fn standard_signature(key: &[u8], id: &str, timestamp: i64, body: &str) -> String {
    let timestamp = timestamp.to_string();
    let mac = hmac_sha256(
        key,
        &[
            id.as_bytes(),
            b".",
            timestamp.as_bytes(),
            b".",
            body.as_bytes(),
        ],
    );
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac)
    )
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    #[test]
    fn standard_signature__matches_the_spec_example() {
        // The example of the Standard Webhooks specification.
        let key = base64::engine::general_purpose::STANDARD
            .decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
            .unwrap();
        let signature = standard_signature(
            &key,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }
}
