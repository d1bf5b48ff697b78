//! The app's backend's keys (`SERVER_API_KEYS`), sent in the `X-Api-Key`
//! header: only their SHA-256 is held, and a presented key is compared
//! against every one in constant time (no early exit, no per-key timing),
//! so neither the keys nor which one matched leak through timing. A key is
//! never logged; its id is (see the audit line in [`crate::http::graphql`]).

use sha2::{Digest, Sha256};

use crate::config::ServerApiKey;

/// The header the app's backend sends its key in.
pub const API_KEY_HEADER: &str = "x-api-key";
/// The header naming the user the backend acts as (ordinary operations).
pub const ACT_AS_HEADER: &str = "x-act-as-user";

/// The request was made by the app's backend with the key of this id.
#[derive(Clone, Debug)]
pub struct ServerCaller {
    pub key_id: String,
}

#[derive(Clone, Default)]
pub struct ApiKeys(Vec<ServerApiKey>);

impl ApiKeys {
    pub fn new(keys: Vec<ServerApiKey>) -> Self {
        Self(keys)
    }

    /// True when the server-side API is on (some key is configured).
    pub fn enabled(&self) -> bool {
        !self.0.is_empty()
    }

    /// The id of the key `presented` is, if any.
    pub fn check(&self, presented: &str) -> Option<ServerCaller> {
        let hash: [u8; 32] = Sha256::digest(presented.trim().as_bytes()).into();
        let mut found = None;
        for key in &self.0 {
            let difference = key
                .hash
                .iter()
                .zip(hash.iter())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b));
            if difference == 0 {
                found = Some(ServerCaller {
                    key_id: key.id.clone(),
                });
            }
        }
        found
    }
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    #[test]
    fn check__names_the_matching_key_only() {
        let key = |id: &str, secret: &str| ServerApiKey {
            id: id.into(),
            hash: Sha256::digest(secret.as_bytes()).into(),
        };
        let keys = ApiKeys::new(vec![key("new", "secret-one"), key("old", "secret-two")]);
        assert_eq!(keys.check("secret-two").unwrap().key_id, "old");
        assert!(keys.check("secret-three").is_none());
        assert!(keys.check("").is_none());
    }
}
