//! "Who can add me to groups", group invites, and the limits on putting
//! people into groups.

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, error_code};

const CREATE: &str =
    "mutation($input: CreateChatInput!) { createChat(input: $input) { id members { id } } }";
const ADD: &str =
    "mutation($input: AddChatMembersInput!) { addChatMembers(input: $input) { members { id } } }";
const PENDING: &str = "query($id: ID!) { chat(id: $id) { pendingInvites { edges { node { user { id } invitedBy { id } } } } } }";
const MY_INVITES: &str = "{ groupInvites { edges { node { chatId chatName invitedBy { id } } } } }";
const ACCEPT: &str =
    "mutation($input: ChatIdInput!) { acceptGroupInvite(input: $input) { members { id } myRole } }";
const DECLINE: &str = "mutation($input: ChatIdInput!) { declineGroupInvite(input: $input) }";
const NOTIFICATIONS: &str = "{ notifications { edges { node { kind chatId actor { id } } } } }";
const POLICY: &str = "{ me { groupAddPolicy } }";

fn ids(list: &Value) -> Vec<String> {
    let mut ids: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

fn sorted(users: &[&TestUser]) -> Vec<String> {
    let mut ids: Vec<String> = users.iter().map(|u| u.id.clone()).collect();
    ids.sort();
    ids
}

async fn create_group(app: &TestApp, owner: &TestUser, members: &[&TestUser]) -> Value {
    let ids: Vec<&str> = members.iter().map(|m| m.id.as_str()).collect();
    app.gql(
        Some(&owner.token),
        CREATE,
        json!({ "input": { "participantIds": ids, "isGroup": true, "name": "Club" } }),
    )
    .await
}

async fn pending(app: &TestApp, admin: &TestUser, chat: &str) -> Vec<String> {
    let data = app
        .gql_ok(Some(&admin.token), PENDING, json!({ "id": chat }))
        .await;
    let mut ids: Vec<String> = data["chat"]["pendingInvites"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["user"]["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn create_chat__adds_who_allows_it_and_invites_the_others() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    let stranger = app.sign_up_with_policy("stranger", None).await;
    let hermit = app.sign_up_with_policy("hermit", Some("NOBODY")).await;
    let friend = app.sign_up_with_policy("friend", Some("FRIENDS")).await;
    let open = app.sign_up_with_policy("open", Some("EVERYONE")).await;
    app.befriend(&ada, &friend).await;
    let body = create_group(&app, &ada, &[&stranger, &hermit, &friend, &open]).await;
    let chat = body["data"]["createChat"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        ids(&body["data"]["createChat"]["members"]),
        sorted(&[&ada, &friend, &open])
    );
    assert_eq!(
        pending(&app, &ada, &chat).await,
        sorted(&[&stranger, &hermit])
    );
    // A member who is not an admin does not see the invites.
    let body = app
        .gql(Some(&open.token), PENDING, json!({ "id": chat }))
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");

    // The invitee is told, sees the invite, and may accept it.
    let notes = app
        .gql_ok(Some(&stranger.token), NOTIFICATIONS, json!({}))
        .await;
    let note = &notes["notifications"]["edges"][0]["node"];
    assert_eq!(note["kind"], "GROUP_INVITE");
    assert_eq!(note["chatId"], chat);
    assert_eq!(note["actor"]["id"], ada.id);
    let invites = app
        .gql_ok(Some(&stranger.token), MY_INVITES, json!({}))
        .await;
    assert_eq!(
        invites["groupInvites"]["edges"][0]["node"]["chatName"],
        "Club"
    );
    let accepted = app
        .gql_ok(
            Some(&stranger.token),
            ACCEPT,
            json!({ "input": { "chatId": chat } }),
        )
        .await;
    assert_eq!(accepted["acceptGroupInvite"]["myRole"], "MEMBER");
    assert!(ids(&accepted["acceptGroupInvite"]["members"]).contains(&stranger.id));

    // Declining leaves them out; an invite is used once.
    app.gql_ok(
        Some(&hermit.token),
        DECLINE,
        json!({ "input": { "chatId": chat } }),
    )
    .await;
    let again = app
        .gql_err(
            Some(&hermit.token),
            ACCEPT,
            json!({ "input": { "chatId": chat } }),
        )
        .await;
    assert_eq!(again, "NOT_FOUND");
    assert!(pending(&app, &ada, &chat).await.is_empty());
}

#[tokio::test]
async fn add_chat_members__invites_strangers_and_nobody_joins_without_consent() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    let bob = app.sign_up_with_policy("bob", None).await;
    let chat = app.group(&ada, &[], "Club").await;
    let data = app
        .gql_ok(
            Some(&ada.token),
            ADD,
            json!({ "input": { "chatId": chat, "userIds": [bob.id] } }),
        )
        .await;
    assert_eq!(ids(&data["addChatMembers"]["members"]), sorted(&[&ada]));
    assert_eq!(pending(&app, &ada, &chat).await, sorted(&[&bob]));
    let code = app
        .gql_err(
            Some(&bob.token),
            "query($id: ID!) { chat(id: $id) { id } }",
            json!({ "id": chat }),
        )
        .await;
    assert_eq!(code, "NOT_FOUND");
}

#[tokio::test]
async fn a_mass_add_by_a_new_account__is_limited_and_puts_no_stranger_in_the_group() {
    // The defaults for a new account: 3 groups and 20 people per hour.
    let app = TestApp::spawn_with(|s| {
        let defaults = chat_server::config::Settings::from_vars([]).unwrap();
        s.moderation = defaults.moderation;
    })
    .await;
    let spammer = app.sign_up("spammer").await;
    let mut strangers = Vec::new();
    for i in 0..25 {
        let policy = if i % 2 == 0 { None } else { Some("NOBODY") };
        strangers.push(app.sign_up_with_policy(&format!("person{i}"), policy).await);
    }
    let all: Vec<&TestUser> = strangers.iter().collect();
    // More at once than a new account may ever put in: refused outright.
    let body = create_group(&app, &spammer, &all).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    // Within the allowance: everyone is only invited.
    let body = create_group(&app, &spammer, &all[..15]).await;
    let chat = body["data"]["createChat"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        ids(&body["data"]["createChat"]["members"]),
        sorted(&[&spammer])
    );
    // The allowance is spent: more additions are rate limited.
    let ids_left: Vec<&str> = all[15..].iter().map(|u| u.id.as_str()).collect();
    let body = app
        .gql(
            Some(&spammer.token),
            ADD,
            json!({ "input": { "chatId": chat, "userIds": ids_left } }),
        )
        .await;
    assert_eq!(error_code(&body), "RATE_LIMITED");
    assert!(
        body["errors"][0]["extensions"]["retryAfterMs"]
            .as_u64()
            .unwrap()
            > 0
    );
    // And group creation itself is limited for a new account.
    create_group(&app, &spammer, &[]).await;
    create_group(&app, &spammer, &[]).await;
    assert_eq!(
        error_code(&create_group(&app, &spammer, &[]).await),
        "RATE_LIMITED"
    );
    // Nobody who chose FRIENDS or NOBODY is in any of the spammer's groups.
    for stranger in &strangers {
        let data = app
            .gql_ok(
                Some(&stranger.token),
                "{ chats { edges { node { id } } } }",
                json!({}),
            )
            .await;
        assert_eq!(data["chats"]["edges"], json!([]), "{}", stranger.handle);
    }
}

#[tokio::test]
async fn group_add_policy__defaults_to_friends_and_only_its_owner_sees_it() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up_with_policy("ada", None).await;
    let bob = app.sign_up("bob").await;
    let data = app.gql_ok(Some(&ada.token), POLICY, json!({})).await;
    assert_eq!(data["me"]["groupAddPolicy"], "FRIENDS");
    app.gql_ok(
        Some(&ada.token),
        "mutation { updateProfile(input: { groupAddPolicy: NOBODY }) { groupAddPolicy } }",
        json!({}),
    )
    .await;
    let data = app.gql_ok(Some(&ada.token), POLICY, json!({})).await;
    assert_eq!(data["me"]["groupAddPolicy"], "NOBODY");
    let seen = app
        .gql_ok(
            Some(&bob.token),
            "query($id: ID!) { user(id: $id) { groupAddPolicy } }",
            json!({ "id": ada.id }),
        )
        .await;
    assert_eq!(seen["user"]["groupAddPolicy"], Value::Null);
    // An invalid profile field changes nothing, the policy included.
    let code = app
        .gql_err(
            Some(&ada.token),
            "mutation { updateProfile(input: { groupAddPolicy: EVERYONE, name: \"\" }) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    let data = app.gql_ok(Some(&ada.token), POLICY, json!({})).await;
    assert_eq!(data["me"]["groupAddPolicy"], "NOBODY");
}
