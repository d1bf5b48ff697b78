//! Limits on the shape of one GraphQL operation, checked before it runs,
//! whatever the transport: both HTTP and WebSocket execute through the
//! schema, and the schema carries this [`QueryLimits`] extension.
//!
//! | limit | checked | setting |
//! |---|---|---|
//! | document size (bytes) | before parsing | `MAX_QUERY_BYTES` |
//! | tokens | before parsing ([`tokens`]) | `MAX_QUERY_TOKENS` |
//! | depth, aliases, root fields, directives | after parsing ([`shape`]) | `MAX_QUERY_DEPTH`, `MAX_QUERY_ALIASES`, `MAX_QUERY_ROOT_FIELDS`, `MAX_QUERY_DIRECTIVES` |
//! | complexity | after validation | `MAX_QUERY_COMPLEXITY` |
//!
//! A document that does not parse is `GRAPHQL_PARSE_FAILED`, one that
//! fails validation `GRAPHQL_VALIDATION_FAILED` (Apollo Server's codes).
//! A refused operation is a `BAD_USER_INPUT` error (no `data`; over HTTP a
//! 400 for `application/graphql-response+json` clients, over WebSocket one
//! `error` message) whose message names the limit, such as "query has 31
//! aliases; the limit is 30", with `extensions.limit` and `extensions.max`.
//!
//! Complexity is async-graphql's: one per field plus its children, unless the
//! field declares its own cost. Every list field declares the most items it
//! may return, so the total is the most values a response may hold: a page
//! (a connection, or a list of users such as `Chat.members`, see
//! [`user_list_complexity`]) costs the page size it was asked for times its
//! items, and a list with a fixed bound (a message's 10 media, 50 reactions)
//! that bound times its items. `first: 100` costs a hundred times its items:
//!
//! ```text
//! #[graphql(complexity = "connection_complexity(first, last, DEFAULT_PAGE_SIZE, child_complexity)")]
//! async fn friends(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>,
//!                  last: Option<i32>, before: Option<String>) -> Result<FriendConnection> { … }
//! ```

pub mod shape;
pub mod tokens;

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{ServerError, ServerResult, ValidationResult, Variables};

use crate::config::Settings;
use crate::error::ErrorCode;

/// The cost of a field returning a page of items: the page size asked for
/// (`first` or `last`, the larger if both; `default_page` if neither) times
/// the cost of one item (`child_complexity`), plus one for the field itself.
/// Sizes a client cannot ask for (negative) cost nothing here; the resolver
/// refuses them.
pub fn connection_complexity<N: TryInto<usize>>(
    first: Option<N>,
    last: Option<N>,
    default_page: usize,
    child_complexity: usize,
) -> usize {
    let size = |n: Option<N>| n.map(|n| n.try_into().unwrap_or(0));
    let page = match (size(first), size(last)) {
        (None, None) => default_page,
        (first, last) => first.unwrap_or(0).max(last.unwrap_or(0)),
    };
    page.saturating_mul(child_complexity).saturating_add(1)
}

/// The cost of a list of users paged by `first` ([`super::pagination::user_page`]).
pub fn user_list_complexity(first: Option<i32>, child_complexity: usize) -> usize {
    connection_complexity(
        first,
        None,
        super::pagination::DEFAULT_PAGE,
        child_complexity,
    )
}

/// The configured limits; also the schema extension that enforces them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueryLimits {
    pub depth: usize,
    pub complexity: usize,
    pub aliases: usize,
    pub root_fields: usize,
    pub directives: usize,
    pub tokens: usize,
    pub bytes: usize,
}

impl QueryLimits {
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            depth: settings.queries.max_query_depth,
            complexity: settings.queries.max_query_complexity,
            aliases: settings.queries.max_query_aliases,
            root_fields: settings.queries.max_query_root_fields,
            directives: settings.queries.max_query_directives,
            tokens: settings.queries.max_query_tokens,
            bytes: settings.queries.max_query_bytes,
        }
    }

    /// The checks on the text alone, cheap enough to run before parsing.
    pub fn check_source(&self, query: &str) -> Result<(), LimitExceeded> {
        LimitExceeded::check("bytes", query.len(), self.bytes)?;
        LimitExceeded::check("tokens", tokens::count_tokens(query), self.tokens)
    }

    /// The checks on a parsed document; every operation in it must pass.
    pub fn check_document(&self, document: &ExecutableDocument) -> Result<(), LimitExceeded> {
        for shape in shape::operation_shapes(document) {
            LimitExceeded::check("root fields", shape.root_fields, self.root_fields)?;
            LimitExceeded::check("aliases", shape.aliases, self.aliases)?;
            LimitExceeded::check("directives", shape.directives, self.directives)?;
            LimitExceeded::check("depth", shape.depth, self.depth)?;
        }
        Ok(())
    }

    /// Deeper selection-set nesting than this (through fragments, and
    /// introspection included) is refused by async-graphql itself: a guard
    /// for its recursive passes, set well above anything [`Self::depth`]
    /// lets through, GraphiQL's introspection query included.
    pub fn recursive_depth(&self) -> usize {
        self.depth.saturating_mul(2).max(32)
    }
}

/// An operation over one of the limits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LimitExceeded {
    /// What was measured, as the message says it ("aliases", "depth" …).
    pub limit: &'static str,
    pub actual: usize,
    pub max: usize,
}

impl LimitExceeded {
    fn check(limit: &'static str, actual: usize, max: usize) -> Result<(), Self> {
        if actual > max {
            Err(Self { limit, actual, max })
        } else {
            Ok(())
        }
    }

    pub fn message(&self) -> String {
        let Self { limit, actual, max } = self;
        match *limit {
            "bytes" => format!("query is {actual} bytes; the limit is {max}"),
            "depth" | "complexity" => format!("query has {limit} {actual}; the limit is {max}"),
            _ => format!("query has {actual} {limit}; the limit is {max}"),
        }
    }

    pub fn into_server_error(self) -> ServerError {
        let mut error = ServerError::new(self.message(), None);
        let extensions = error.extensions.get_or_insert_with(Default::default);
        extensions.set("code", ErrorCode::BadUserInput.as_str());
        extensions.set("limit", self.limit);
        extensions.set("max", self.max as u64);
        error
    }
}

/// `error` with `code`, unless it carries one already (a limit's).
fn with_code(mut error: ServerError, code: ErrorCode) -> ServerError {
    let extensions = error.extensions.get_or_insert_with(Default::default);
    if extensions.get("code").is_none() {
        extensions.set("code", code.as_str());
    }
    error
}

impl ExtensionFactory for QueryLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(*self)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for QueryLimits {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        self.check_source(query)
            .map_err(LimitExceeded::into_server_error)?;
        let document = next
            .run(ctx, query, variables)
            .await
            .map_err(|e| with_code(e, ErrorCode::GraphqlParseFailed))?;
        self.check_document(&document)
            .map_err(LimitExceeded::into_server_error)?;
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|e| {
                    // A variable's value is the caller's input, as in
                    // Apollo Server; the document itself failed otherwise.
                    let code = if e.message.starts_with("Invalid value for") {
                        ErrorCode::BadUserInput
                    } else {
                        ErrorCode::GraphqlValidationFailed
                    };
                    with_code(e, code)
                })
                .collect::<Vec<_>>()
        })?;
        LimitExceeded::check("complexity", result.complexity, self.complexity)
            .map_err(|e| vec![e.into_server_error()])?;
        Ok(result)
    }
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests;
