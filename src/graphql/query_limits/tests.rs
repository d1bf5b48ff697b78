//! The extension on a small schema of its own, so the mechanism for list
//! costs is tested before any real connection field uses it.

use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema, SimpleObject};

use super::*;

const DEFAULT_PAGE: usize = 10;

#[derive(SimpleObject)]
struct Item {
    a: i32,
    b: i32,
}

struct Query;

#[Object]
impl Query {
    #[graphql(complexity = "connection_complexity(first, last, DEFAULT_PAGE, child_complexity)")]
    async fn items(&self, first: Option<i32>, last: Option<i32>) -> Vec<Item> {
        let n = first.or(last).unwrap_or(DEFAULT_PAGE as i32).max(0);
        (0..n).map(|i| Item { a: i, b: i }).collect()
    }

    async fn item(&self) -> Item {
        Item { a: 1, b: 2 }
    }
}

fn limits() -> QueryLimits {
    QueryLimits {
        depth: 3,
        complexity: 100,
        aliases: 2,
        root_fields: 3,
        directives: 2,
        tokens: 60,
        bytes: 400,
    }
}

async fn run(query: &str) -> async_graphql::Response {
    let limits = limits();
    Schema::build(Query, EmptyMutation, EmptySubscription)
        .extension(limits)
        .limit_recursive_depth(limits.recursive_depth())
        .finish()
        .execute(query)
        .await
}

async fn refusal(query: &str) -> (String, String) {
    let response = run(query).await;
    assert!(
        response.data == async_graphql::Value::Null,
        "ran: {response:?}"
    );
    let error = &response.errors[0];
    let extensions = error.extensions.as_ref().unwrap();
    assert_eq!(
        extensions.get("code"),
        Some(&async_graphql::Value::from("BAD_USER_INPUT"))
    );
    let limit = match extensions.get("limit") {
        Some(async_graphql::Value::String(limit)) => limit.clone(),
        other => panic!("no limit in {other:?}"),
    };
    (limit, error.message.clone())
}

#[tokio::test]
async fn list_fields__cost_the_page_size_asked_for() {
    // 1 + 50 items × (a + b)
    let (limit, message) = refusal("{ items(first: 50) { a b } }").await;
    assert_eq!(limit, "complexity");
    assert_eq!(message, "query has complexity 101; the limit is 100");
    assert!(run("{ items(last: 49) { a b } }").await.errors.is_empty());
    assert!(run("{ items { a b } }").await.errors.is_empty());
}

#[test]
fn connection_complexity__takes_the_larger_size_and_ignores_negative_ones() {
    assert_eq!(connection_complexity(Some(5), Some(7), 10, 2), 15);
    assert_eq!(connection_complexity(None::<i32>, None, 10, 2), 21);
    assert_eq!(connection_complexity(Some(-5), None, 10, 2), 1);
    assert_eq!(
        connection_complexity(Some(i32::MAX), None, 10, usize::MAX),
        usize::MAX
    );
}

#[tokio::test]
async fn each_limit__is_refused_with_a_message_naming_it() {
    let cases = [
        (
            "{ a: item { a } b: item { a } c: item { a } }",
            "aliases",
            "query has 3 aliases; the limit is 2",
        ),
        (
            "{ item { a } i2: item { b } i3: __typename __typename }",
            "root fields",
            "query has 4 root fields; the limit is 3",
        ),
        (
            "{ item { a @skip(if: false) b @include(if: true) } item { a @skip(if: false) } }",
            "directives",
            "query has 3 directives; the limit is 2",
        ),
        // Checked before validation, so unknown fields still count.
        (
            "{ ...F } fragment F on Query { item { ...G } } fragment G on Item { a { b { c } } }",
            "depth",
            "query has depth 4; the limit is 3",
        ),
    ];
    for (query, expected_limit, expected_message) in cases {
        let (limit, message) = refusal(query).await;
        assert_eq!(limit, expected_limit, "{query}");
        assert_eq!(message, expected_message);
    }
}

#[tokio::test]
async fn depth__counts_fields_through_fragments() {
    // item → a is depth 2; the limit is 3, so this passes…
    assert!(
        run("{ ...F } fragment F on Query { item { ...G } } fragment G on Item { a }")
            .await
            .errors
            .is_empty()
    );
}

#[tokio::test]
async fn tokens_and_bytes__are_refused_before_parsing() {
    let many_tokens = format!("{{ {} }}", "a ".repeat(60));
    let (limit, message) = refusal(&many_tokens).await;
    assert_eq!(
        (limit.as_str(), message.as_str()),
        ("tokens", "query has 62 tokens; the limit is 60")
    );
    let long = format!("{{ item {{ a }} }} # {}", "x".repeat(400));
    let (limit, message) = refusal(&long).await;
    assert_eq!(limit, "bytes");
    assert_eq!(
        message,
        format!("query is {} bytes; the limit is 400", long.len())
    );
}

#[tokio::test]
async fn introspection__is_not_held_to_the_depth_limit() {
    let response =
        run("{ __schema { types { fields { type { ofType { ofType { name } } } } } } }").await;
    assert!(response.errors.is_empty(), "{:?}", response.errors);
}

#[tokio::test]
async fn nesting_as_deep_as_the_default_token_limit_allows__is_refused_without_crashing() {
    let settings = Settings::from_vars(Vec::new()).unwrap();
    let limits = QueryLimits::from_settings(&settings);
    // `{`, `a` and `}` per level.
    let levels = limits.tokens / 3;
    let query = format!("{}{}", "{a".repeat(levels), "}".repeat(levels));
    assert!(
        limits.check_source(&query).is_ok(),
        "the parser must see it"
    );
    let response = Schema::build(Query, EmptyMutation, EmptySubscription)
        .extension(limits)
        .limit_recursive_depth(limits.recursive_depth())
        .finish()
        .execute(query)
        .await;
    assert!(response.data == async_graphql::Value::Null);
    assert!(!response.errors.is_empty());
}
