//! Automatic persisted queries, Apollo's protocol: a client sends only the
//! SHA-256 of its query (`extensions.persistedQuery { version: 1,
//! sha256Hash }`); a server that does not know it answers
//! `PERSISTED_QUERY_NOT_FOUND` (message `PersistedQueryNotFound`), and the
//! client sends the query once more with its hash, which is checked and
//! remembered. Requests get small, and a hash-only query fits in a GET URL.
//!
//! Both transports resolve a request here before anything else looks at
//! it, so a remembered query goes through the same limits, validation and
//! GET-may-not-mutate check as one sent in full. The cache is per instance,
//! least recently used first out, bounded in entries and in bytes
//! (`APQ_CACHE_ENTRIES`, `APQ_CACHE_BYTES`); a miss costs the client one
//! round trip, never an error it has to handle.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use async_graphql::{Request, ServerError, Value};
use lru::LruCache;
use sha2::{Digest, Sha256};

use crate::error::ErrorCode;
use crate::metrics;

/// The message Apollo Client's persisted-query link looks for.
const NOT_FOUND_MESSAGE: &str = "PersistedQueryNotFound";

/// The queries clients sent with their hashes.
pub struct PersistedQueries {
    cache: Mutex<Cache>,
}

struct Cache {
    queries: LruCache<String, Arc<str>>,
    bytes: usize,
    max_bytes: usize,
}

impl PersistedQueries {
    pub fn new(max_entries: usize, max_bytes: usize) -> Self {
        let entries = NonZeroUsize::new(max_entries).unwrap_or(NonZeroUsize::MIN);
        Self {
            cache: Mutex::new(Cache {
                queries: LruCache::new(entries),
                bytes: 0,
                max_bytes,
            }),
        }
    }

    /// Resolves `request`'s persisted-query extension, if it has one: fills
    /// in the query of a known hash, or remembers a query sent with its
    /// hash. Errors: `PERSISTED_QUERY_NOT_FOUND` for an unknown hash,
    /// `BAD_USER_INPUT` for a malformed extension or a hash that is not the
    /// query's.
    pub fn resolve(&self, request: &mut Request) -> Result<(), ServerError> {
        let Some(extension) = request.extensions.remove("persistedQuery") else {
            return Ok(());
        };
        let outcome = self.lookup(request, &extension);
        metrics::persisted_query(match &outcome {
            Ok(Found::Hit) => "hit",
            Ok(Found::Registered) => "registered",
            Err(e) if e.message == NOT_FOUND_MESSAGE => "miss",
            Err(_) => "refused",
        });
        outcome.map(|_| ())
    }

    fn lookup(&self, request: &mut Request, extension: &Value) -> Result<Found, ServerError> {
        let hash = parse_extension(extension)?;
        if request.query.is_empty() {
            let known = self.lock().get(&hash);
            return match known {
                Some(query) => {
                    request.query = query.to_string();
                    Ok(Found::Hit)
                }
                None => Err(error(NOT_FOUND_MESSAGE, ErrorCode::PersistedQueryNotFound)),
            };
        }
        if sha256_hex(&request.query) != hash {
            return Err(error(
                "extensions.persistedQuery.sha256Hash is not the SHA-256 of the query",
                ErrorCode::BadUserInput,
            ));
        }
        self.lock().put(hash, &request.query);
        Ok(Found::Registered)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// What a request naming a persisted query found.
enum Found {
    /// The hash alone, known: its query filled in.
    Hit,
    /// The query with its hash, remembered.
    Registered,
}

impl Cache {
    fn get(&mut self, hash: &str) -> Option<Arc<str>> {
        self.queries.get(hash).cloned()
    }

    /// Remembers `query`, dropping the least recently used ones while the
    /// total is over the byte budget (a query larger than all of it is not
    /// kept: the client simply sends it in full each time).
    fn put(&mut self, hash: String, query: &str) {
        if query.len() > self.max_bytes || self.queries.contains(&hash) {
            return;
        }
        if let Some((_, dropped)) = self.queries.push(hash, Arc::from(query)) {
            self.bytes -= dropped.len();
        }
        self.bytes += query.len();
        while self.bytes > self.max_bytes {
            let Some((_, dropped)) = self.queries.pop_lru() else {
                break;
            };
            self.bytes -= dropped.len();
        }
    }
}

/// The hash named by `{ version: 1, sha256Hash: "<64 hex digits>" }`.
fn parse_extension(extension: &Value) -> Result<String, ServerError> {
    let malformed = || {
        error(
            "extensions.persistedQuery must be { version: 1, sha256Hash: <64 hex digits> }",
            ErrorCode::BadUserInput,
        )
    };
    let Value::Object(fields) = extension else {
        return Err(malformed());
    };
    let version_1 =
        matches!(fields.get("version"), Some(Value::Number(n)) if n.as_i64() == Some(1));
    let Some(Value::String(hash)) = fields.get("sha256Hash") else {
        return Err(malformed());
    };
    if !version_1 || hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(malformed());
    }
    Ok(hash.to_ascii_lowercase())
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn error(message: &str, code: ErrorCode) -> ServerError {
    let mut error = ServerError::new(message, None);
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code.as_str());
    error
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use async_graphql::Name;

    use super::*;

    fn with_extension(query: &str, hash: &str) -> Request {
        let mut request = Request::new(query);
        let mut fields = async_graphql::indexmap::IndexMap::new();
        fields.insert(Name::new("version"), Value::from(1));
        fields.insert(Name::new("sha256Hash"), Value::from(hash));
        request
            .extensions
            .insert("persistedQuery".into(), Value::Object(fields));
        request
    }

    fn code(error: &ServerError) -> String {
        error
            .extensions
            .as_ref()
            .unwrap()
            .get("code")
            .unwrap()
            .to_string()
    }

    #[test]
    fn a_hash__is_unknown_until_its_query_was_sent_with_it() {
        let cache = PersistedQueries::new(10, 1_000);
        let query = "{ me { id } }";
        let hash = sha256_hex(query);
        let error = cache.resolve(&mut with_extension("", &hash)).unwrap_err();
        assert_eq!(error.message, "PersistedQueryNotFound");
        assert_eq!(code(&error), "\"PERSISTED_QUERY_NOT_FOUND\"");
        cache.resolve(&mut with_extension(query, &hash)).unwrap();
        let mut hash_only = with_extension("", &hash);
        cache.resolve(&mut hash_only).unwrap();
        assert_eq!(hash_only.query, query);
    }

    #[test]
    fn a_hash_that_is_not_the_querys__is_refused_and_not_kept() {
        let cache = PersistedQueries::new(10, 1_000);
        let other = sha256_hex("{ other }");
        let error = cache
            .resolve(&mut with_extension("{ me { id } }", &other))
            .unwrap_err();
        assert_eq!(code(&error), "\"BAD_USER_INPUT\"");
        assert!(cache.resolve(&mut with_extension("", &other)).is_err());
    }

    #[test]
    fn the_cache__is_bounded_in_bytes() {
        let cache = PersistedQueries::new(10, 30);
        let (a, b) = ("{ a: me { id } }", "{ b: me { id } }");
        cache
            .resolve(&mut with_extension(a, &sha256_hex(a)))
            .unwrap();
        cache
            .resolve(&mut with_extension(b, &sha256_hex(b)))
            .unwrap();
        // 16 + 16 bytes > 30: the older one went.
        assert!(
            cache
                .resolve(&mut with_extension("", &sha256_hex(a)))
                .is_err()
        );
        assert!(
            cache
                .resolve(&mut with_extension("", &sha256_hex(b)))
                .is_ok()
        );
        assert!(cache.lock().bytes <= 30);
    }

    #[test]
    fn a_malformed_extension__is_bad_user_input() {
        let cache = PersistedQueries::new(10, 1_000);
        let error = cache.resolve(&mut with_extension("", "abc")).unwrap_err();
        assert_eq!(code(&error), "\"BAD_USER_INPUT\"");
    }
}
