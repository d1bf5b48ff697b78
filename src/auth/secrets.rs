//! Bearer secrets the server hands out (refresh tokens, invite codes): made
//! of OS randomness, shown once, and stored only as their SHA-256, so a
//! copy of the database holds nothing that works.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// `bytes` random bytes, hex-encoded (safe in any URL).
pub fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buffer);
    hex(&buffer)
}

/// What is stored of a secret: its SHA-256, hex-encoded.
pub fn stored_hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    #[test]
    fn secrets__are_random_hex_and_hashed_apart() {
        let (a, b) = (random_hex(24), random_hex(24));
        assert_eq!(a.len(), 48);
        assert_ne!(a, b);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(stored_hash(&a), a);
        assert_eq!(stored_hash(&a), stored_hash(&a));
        assert_eq!(stored_hash(&a).len(), 64);
    }
}
