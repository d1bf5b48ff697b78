//! Query limits (depth, complexity, aliases, root fields, directives, tokens,
//! bytes) over HTTP and WebSocket alike: refused before execution with
//! `BAD_USER_INPUT` and a message naming the limit.

use chat_server::config::Settings;
use chat_server::domain::Handle;
use reqwest::header::ACCEPT;
use serde_json::{Value, json};

use crate::helpers::TestApp;

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

fn tight(settings: &mut Settings) {
    settings.queries.max_query_depth = 3;
    settings.queries.max_query_complexity = 10;
    settings.queries.max_query_aliases = 2;
    settings.queries.max_query_root_fields = 3;
    settings.queries.max_query_directives = 2;
    settings.queries.max_query_tokens = 40;
    settings.queries.max_query_bytes = 300;
}

/// One query over each limit, with the limit's name and the message.
fn over_the_limits() -> Vec<(String, &'static str, String)> {
    let padded = format!("{{ me {{ id }} }} #{}", "x".repeat(300));
    let padded_len = padded.len();
    vec![
        (
            "{ a: me { id } b: me { id } c: me { id } }".into(),
            "aliases",
            "query has 3 aliases; the limit is 2".into(),
        ),
        (
            "{ me { id } __typename x: __typename y: __typename }".into(),
            "root fields",
            "query has 4 root fields; the limit is 3".into(),
        ),
        (
            "{ me { id @skip(if: false) handle @skip(if: false) name @skip(if: false) } }".into(),
            "directives",
            "query has 3 directives; the limit is 2".into(),
        ),
        (
            // Depth is measured before validation: unknown fields count too.
            "{ me { a { b { c } } } }".into(),
            "depth",
            "query has depth 4; the limit is 3".into(),
        ),
        (
            r#"{ me { id handle name email bio image createdAt } user(id: "x") { id handle name } }"#
                .into(),
            "complexity",
            "query has complexity 12; the limit is 10".into(),
        ),
        (
            format!("{{ me {{ {}}} }}", "id ".repeat(40)),
            "tokens",
            "query has 45 tokens; the limit is 40".into(),
        ),
        (
            padded,
            "bytes",
            format!("query is {padded_len} bytes; the limit is 300"),
        ),
    ]
}

#[tokio::test]
async fn each_limit_over_http__is_400_bad_user_input_naming_the_limit() {
    let app = TestApp::spawn_with(tight).await;
    let ada = app.sign_up("ada").await;
    for (query, limit, message) in over_the_limits() {
        let response = app
            .http
            .post(format!("{}/graphql", app.address))
            .header(ACCEPT, GRAPHQL_RESPONSE)
            .bearer_auth(&ada.token)
            .json(&json!({ "query": query }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{limit}");
        let body: Value = response.json().await.unwrap();
        assert!(body["data"].is_null(), "{limit}: nothing ran: {body}");
        let error = &body["errors"][0];
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{body}");
        assert_eq!(error["extensions"]["limit"], limit);
        assert_eq!(error["message"], message.as_str());
    }
}

#[tokio::test]
async fn each_limit_over_websocket__is_one_error_message_and_the_socket_stays_open() {
    let app = TestApp::spawn_with(tight).await;
    let ada = app.sign_up("ada").await;
    let mut socket = app.ws(&ada.token).await;
    for (i, (query, limit, message)) in over_the_limits().into_iter().enumerate() {
        let id = format!("op{i}");
        socket.subscribe(&id, &query, json!({})).await;
        let reply = socket.recv().await;
        assert_eq!(reply["type"], "error", "{limit}: {reply}");
        assert_eq!(reply["id"], id.as_str());
        let error = &reply["payload"][0];
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT");
        assert_eq!(error["extensions"]["limit"], limit);
        assert_eq!(error["message"], message.as_str());
        socket.expect_quiet().await;
    }
    socket.subscribe("ok", "{ me { handle } }", json!({})).await;
    assert_eq!(socket.next_data("ok").await["data"]["me"]["handle"], "ada");
}

#[tokio::test]
async fn a_mutation_over_a_limit__runs_no_part_of_it() {
    let app = TestApp::spawn_with(|s| s.queries.max_query_aliases = 1).await;
    let sign_up = |alias: &str| {
        format!(
            r#"{alias}: signUp(input: {{email: "{alias}@example.com", handle: "{alias}", name: "N", password: "long enough pw"}}) {{ token }}"#
        )
    };
    let mutation = format!("mutation {{ {} {} }}", sign_up("first"), sign_up("second"));
    let body = app.gql(None, &mutation, json!({})).await;
    assert_eq!(
        body["errors"][0]["extensions"]["limit"], "aliases",
        "{body}"
    );
    for handle in ["first", "second"] {
        let stored = app
            .db
            .users()
            .find_by_handle(&Handle::parse(handle).unwrap())
            .await
            .unwrap();
        assert!(stored.is_none(), "{handle} must not be stored");
    }
}

#[tokio::test]
async fn operations_at_the_limits__run() {
    let app = TestApp::spawn_with(tight).await;
    let ada = app.sign_up("ada").await;
    let data = app
        .gql_ok(
            Some(&ada.token),
            "{ a: me { id handle } b: me { name @skip(if: false) } __typename }",
            json!({}),
        )
        .await;
    assert_eq!(data["a"]["handle"], "ada");
}

#[tokio::test]
async fn get__an_oversized_document__is_refused_by_the_limits() {
    let app = TestApp::spawn_with(tight).await;
    let query = format!("mutation {{ {} }}", "x ".repeat(50));
    let response = app
        .http
        .get(format!("{}/graphql", app.address))
        .query(&[("query", query.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["limit"], "tokens", "{body}");
}

/// The query GraphiQL sends to load the schema (graphql-js 16's
/// `getIntrospectionQuery` with its default type depth of 9), which nests
/// type references fourteen fields deep.
fn graphiql_introspection_query() -> String {
    let mut type_ref = String::from("kind name");
    for _ in 0..9 {
        type_ref = format!("kind name ofType {{ {type_ref} }}");
    }
    format!(
        "query IntrospectionQuery {{ __schema {{ queryType {{ name }} mutationType {{ name }} \
         subscriptionType {{ name }} types {{ ...FullType }} directives {{ name description \
         locations args(includeDeprecated: true) {{ ...InputValue }} }} }} }} \
         fragment FullType on __Type {{ kind name description \
         fields(includeDeprecated: true) {{ name description args(includeDeprecated: true) \
         {{ ...InputValue }} type {{ ...TypeRef }} isDeprecated deprecationReason }} \
         inputFields(includeDeprecated: true) {{ ...InputValue }} interfaces {{ ...TypeRef }} \
         enumValues(includeDeprecated: true) {{ name description isDeprecated deprecationReason }} \
         possibleTypes {{ ...TypeRef }} }} \
         fragment InputValue on __InputValue {{ name description type {{ ...TypeRef }} \
         defaultValue isDeprecated deprecationReason }} \
         fragment TypeRef on __Type {{ {type_ref} }}"
    )
}

#[tokio::test]
async fn graphiql_introspection__passes_the_default_limits() {
    let app = TestApp::spawn().await;
    let data = app
        .gql_ok(None, &graphiql_introspection_query(), json!({}))
        .await;
    assert_eq!(data["__schema"]["queryType"]["name"], "Query");
}

#[tokio::test]
async fn complexity__counts_the_page_sizes_of_connections() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    // Ten aliased pages: 10 x (1 + n x 68) against the default limit of 50000.
    let page = |n: usize| {
        let one = format!(
            "chats(first: {n}) {{ edges {{ node {{ members(first: 10) {{ id handle name bio image }} lastMessage {{ text sender {{ handle }} }} }} }} }}"
        );
        format!(
            "{{ a: {one} b: {one} c: {one} d: {one} e: {one} f: {one} g: {one} h: {one} i: {one} j: {one} }}"
        )
    };
    let small = app
        .gql(Some(&ada.token), &page(20), serde_json::json!({}))
        .await;
    assert!(small.get("errors").is_none(), "{small}");
    let large = app
        .gql(Some(&ada.token), &page(100), serde_json::json!({}))
        .await;
    assert_eq!(
        large["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{large}"
    );
    assert!(
        large["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("complexity"),
        "{large}"
    );
}

#[tokio::test]
async fn complexity__counts_every_list_of_users_at_its_page_size() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    // Each of these is cheap for a small group, but would be huge for
    // groups of a thousand: the limit counts what they may return.
    // 100 x 100 x 6 = 60,000 values at most, over the default 50,000.
    let user = "id handle name bio image";
    let lists = [
        format!("chats(first: 100) {{ nodes {{ members(first: 100) {{ {user} }} }} }}"),
        format!("chats(first: 100) {{ nodes {{ admins(first: 100) {{ {user} }} }} }}"),
        format!(
            "chats(first: 100) {{ nodes {{ lastMessage {{ readBy(first: 100) {{ {user} }} }} }} }}"
        ),
        format!(
            "chats(first: 100) {{ nodes {{ lastMessage {{ deliveredTo(first: 100) {{ {user} }} }} }} }}"
        ),
        // 50 reactions of 20 users each, on each of 100 messages.
        "messages(chatId: \"5f0000000000000000000000\", first: 100) { nodes { reactions { users { id handle } } } }".to_owned(),
    ];
    for list in lists {
        let body = app
            .gql(
                Some(&ada.token),
                &format!("{{ {list} }}"),
                serde_json::json!({}),
            )
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["limit"], "complexity",
            "{list}: {body}"
        );
    }
}

#[tokio::test]
async fn user_lists__are_paged_with_first_and_after__and_counted() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner").await;
    let mut members = Vec::new();
    for i in 0..24 {
        members.push(app.sign_up(&format!("member{i}")).await);
    }
    let refs: Vec<&crate::helpers::TestUser> = members.iter().collect();
    let chat = app.group(&owner, &refs, "Crowd").await;
    let query = "query($id: ID!, $first: Int, $after: ID) { chat(id: $id) { memberCount adminCount members(first: $first, after: $after) { id } admins { id } } }";
    let ids = |data: &serde_json::Value| -> Vec<String> {
        data["chat"]["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let default = app
        .gql_ok(Some(&owner.token), query, serde_json::json!({ "id": chat }))
        .await;
    assert_eq!(default["chat"]["memberCount"], 25);
    assert_eq!(default["chat"]["adminCount"], 1);
    let first_page = ids(&default);
    assert_eq!(first_page.len(), 20, "the default page");
    assert_eq!(first_page[0], owner.id, "longest-standing first");
    let rest = app
        .gql_ok(
            Some(&owner.token),
            query,
            serde_json::json!({ "id": chat, "first": 100, "after": first_page[19] }),
        )
        .await;
    let rest = ids(&rest);
    assert_eq!(rest.len(), 5);
    assert!(rest.iter().all(|id| !first_page.contains(id)));
    for bad in [
        serde_json::json!({ "id": chat, "first": 101 }),
        serde_json::json!({ "id": chat, "after": "not an id" }),
        serde_json::json!({ "id": chat, "after": "5f0000000000000000000000" }),
    ] {
        assert_eq!(
            app.gql_err(Some(&owner.token), query, bad.clone()).await,
            "BAD_USER_INPUT",
            "{bad}"
        );
    }
}

#[tokio::test]
async fn response_size__over_the_limit__is_refused_with_a_clear_error() {
    let app = TestApp::spawn_with(|s| s.queries.max_response_bytes = 2_000).await;
    let ada = app.sign_up("ada").await;
    let bob = app.sign_up("bob").await;
    let chat = app.group(&ada, &[&bob], "Club").await;
    for _ in 0..4 {
        app.say(&ada, &chat, &"x".repeat(600)).await;
    }
    let small = app
        .gql(Some(&ada.token), "{ me { handle } }", serde_json::json!({}))
        .await;
    assert!(small.get("errors").is_none(), "{small}");
    let large = app
        .gql(
            Some(&ada.token),
            "query($chat: ID!) { messages(chatId: $chat, first: 10) { nodes { text } } }",
            serde_json::json!({ "chat": chat }),
        )
        .await;
    let error = &large["errors"][0];
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{large}");
    assert_eq!(error["extensions"]["limit"], "responseBytes", "{large}");
    assert_eq!(error["extensions"]["max"], 2_000, "{large}");
    assert!(large["data"].is_null(), "{large}");
}
