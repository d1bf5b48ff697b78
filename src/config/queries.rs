//! [`QuerySettings`]: what one GraphQL operation may ask and cost: the
//! size and shape of its document, how long it runs, how large its answer,
//! and the persisted queries remembered for it.
//!
//! Every limit is refused with a clear error naming it; the defaults leave
//! room for real clients (GraphiQL's introspection query, a busy chat) and
//! none for scripted floods.

use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
pub struct QuerySettings {
    /// `MAX_QUERY_DEPTH`: deepest field nesting in an operation
    /// (introspection fields do not count, so GraphiQL loads the schema).
    #[serde(default = "defaults::max_query_depth")]
    pub max_query_depth: usize,
    /// `MAX_QUERY_COMPLEXITY`: total cost of an operation: one per field,
    /// every list counted at the most items it may return (the page size
    /// asked for, or its fixed bound): in effect, the most values a
    /// response may hold.
    #[serde(default = "defaults::max_query_complexity")]
    pub max_query_complexity: usize,
    /// `MAX_QUERY_ALIASES`: aliased fields in an operation (fragments count
    /// each time they are spread).
    #[serde(default = "defaults::max_query_aliases")]
    pub max_query_aliases: usize,
    /// `MAX_QUERY_ROOT_FIELDS`: top-level fields in an operation.
    #[serde(default = "defaults::max_query_root_fields")]
    pub max_query_root_fields: usize,
    /// `MAX_QUERY_DIRECTIVES`: directives in an operation.
    #[serde(default = "defaults::max_query_directives")]
    pub max_query_directives: usize,
    /// `MAX_QUERY_TOKENS`: lexical tokens in a document, counted before it
    /// is parsed.
    #[serde(default = "defaults::max_query_tokens")]
    pub max_query_tokens: usize,
    /// `MAX_QUERY_BYTES`: size of the document text.
    #[serde(default = "defaults::max_query_bytes")]
    pub max_query_bytes: usize,
    /// `APQ_CACHE_ENTRIES`: automatic persisted queries remembered per
    /// instance (least recently used first out).
    #[serde(default = "defaults::apq_cache_entries")]
    pub apq_cache_entries: usize,
    /// `APQ_CACHE_BYTES`: the most bytes of query text they may hold.
    #[serde(default = "defaults::apq_cache_bytes")]
    pub apq_cache_bytes: usize,
    /// `REQUEST_TIMEOUT_MS`: the longest a query or mutation may run; past
    /// it the caller gets `UNAVAILABLE` (a stalled database, say).
    #[serde(default = "defaults::request_timeout_ms")]
    pub request_timeout_ms: u64,
    /// `MAX_RESPONSE_BYTES`: the largest result a query or mutation may
    /// return; a larger one is refused with `BAD_USER_INPUT` (ask for less).
    #[serde(default = "defaults::max_response_bytes")]
    pub max_response_bytes: usize,
}

mod defaults {
    pub fn max_query_depth() -> usize {
        12
    }
    pub fn max_query_complexity() -> usize {
        50_000
    }
    pub fn max_query_aliases() -> usize {
        30
    }
    pub fn max_query_root_fields() -> usize {
        20
    }
    pub fn max_query_directives() -> usize {
        50
    }
    pub fn max_query_tokens() -> usize {
        2_000
    }
    pub fn max_query_bytes() -> usize {
        32 * 1024
    }
    pub fn apq_cache_entries() -> usize {
        10_000
    }
    pub fn apq_cache_bytes() -> usize {
        16 * 1024 * 1024
    }
    pub fn request_timeout_ms() -> u64 {
        10_000
    }
    pub fn max_response_bytes() -> usize {
        4 * 1024 * 1024
    }
}
