//! Invite links: made and revoked by admins, joined by whoever holds the
//! code (private groups too), refused when revoked, expired, used up or
//! banned.

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, error_code};

const CREATE_LINK: &str = "mutation($input: CreateInviteLinkInput!) { createInviteLink(input: $input) { id code maxUses uses revoked } }";
const REVOKE: &str =
    "mutation($input: InviteLinkIdInput!) { revokeInviteLink(input: $input) { revoked } }";
const JOIN: &str =
    "mutation($input: JoinByInviteInput!) { joinByInvite(input: $input) { id myRole } }";
const LINKS: &str = "query($id: ID!) { chat(id: $id) { inviteLinks { edges { node { id code uses maxUses revoked } } } } }";
const BAN: &str = "mutation($input: BanMemberInput!) { banMember(input: $input) { id } }";
const LEAVE: &str = "mutation($input: ChatIdInput!) { leaveChat(input: $input) { id } }";
const PROMOTE: &str = "mutation($input: ChatMemberInput!) { promoteAdmin(input: $input) { id } }";

fn reason(body: &Value) -> (String, String) {
    let reason = body["errors"][0]["extensions"]["reason"]
        .as_str()
        .unwrap_or_default();
    (error_code(body), reason.to_owned())
}

async fn link(app: &TestApp, admin: &TestUser, chat: &str, extra: Value) -> Value {
    let mut input = json!({ "chatId": chat });
    input
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    app.gql_ok(Some(&admin.token), CREATE_LINK, json!({ "input": input }))
        .await["createInviteLink"]
        .clone()
}

fn join(code: &Value) -> Value {
    json!({ "input": { "code": code } })
}

#[tokio::test]
async fn join_by_invite__admits_to_a_private_group_until_used_up_or_revoked() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    let bob = app.sign_up("bob").await;
    let (cat, dan, eve) = (
        app.sign_up("cat").await,
        app.sign_up("dan").await,
        app.sign_up("eve").await,
    );
    let chat = app.group(&ada, &[&bob], "Private").await;
    // Only admins make links.
    let body = app
        .gql(
            Some(&bob.token),
            CREATE_LINK,
            json!({ "input": { "chatId": chat } }),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    let two = link(&app, &ada, &chat, json!({ "maxUses": 2 })).await;
    assert_eq!(two["code"].as_str().unwrap().len(), 48);
    let joined = app.gql_ok(Some(&cat.token), JOIN, join(&two["code"])).await;
    assert_eq!(joined["joinByInvite"]["myRole"], "MEMBER");
    // A member joining again uses nothing.
    app.gql_ok(Some(&cat.token), JOIN, join(&two["code"])).await;
    app.gql_ok(Some(&dan.token), JOIN, join(&two["code"])).await;
    let body = app.gql(Some(&eve.token), JOIN, join(&two["code"])).await;
    assert_eq!(reason(&body), ("FORBIDDEN".into(), "INVITE_USED_UP".into()));

    let open = link(&app, &ada, &chat, json!({})).await;
    let body = app
        .gql(
            Some(&bob.token),
            REVOKE,
            json!({ "input": { "linkId": open["id"] } }),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    app.gql_ok(
        Some(&ada.token),
        REVOKE,
        json!({ "input": { "linkId": open["id"] } }),
    )
    .await;
    let body = app.gql(Some(&eve.token), JOIN, join(&open["code"])).await;
    assert_eq!(reason(&body), ("FORBIDDEN".into(), "INVITE_REVOKED".into()));
    assert_eq!(
        app.gql_err(Some(&eve.token), JOIN, join(&json!("0".repeat(48))))
            .await,
        "NOT_FOUND"
    );

    // Admins list the links, without codes; members may not.
    let data = app
        .gql_ok(Some(&ada.token), LINKS, json!({ "id": chat }))
        .await;
    let listed: Vec<(Value, Value, Value)> = data["chat"]["inviteLinks"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["code"].clone(),
                e["node"]["uses"].clone(),
                e["node"]["revoked"].clone(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        vec![
            (Value::Null, json!(2), json!(false)),
            (Value::Null, json!(0), json!(true))
        ]
    );
    assert_eq!(
        app.gql_err(Some(&bob.token), LINKS, json!({ "id": chat }))
            .await,
        "FORBIDDEN"
    );
}

#[tokio::test]
async fn join_by_invite__is_refused_when_expired_and_while_banned_even_after_leaving() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    let (bob, cat) = (app.sign_up("bob").await, app.sign_up("cat").await);
    let chat = app.group(&ada, &[&bob, &cat], "Club").await;
    app.gql_ok(
        Some(&ada.token),
        PROMOTE,
        json!({ "input": { "chatId": chat, "userId": cat.id } }),
    )
    .await;
    let past = json!({ "input": { "chatId": chat, "expiresAt": "2001-01-01T00:00:00Z" } });
    assert_eq!(
        app.gql_err(Some(&ada.token), CREATE_LINK, past).await,
        "BAD_USER_INPUT"
    );
    let zero = json!({ "input": { "chatId": chat, "maxUses": 0 } });
    assert_eq!(
        app.gql_err(Some(&ada.token), CREATE_LINK, zero).await,
        "BAD_USER_INPUT"
    );
    let soon = chrono::Utc::now() + chrono::Duration::milliseconds(500);
    let brief = link(&app, &cat, &chat, json!({ "expiresAt": soon.to_rfc3339() })).await;
    let open = link(&app, &cat, &chat, json!({})).await;

    // Banned (which removed him), bob cannot come back by a link.
    app.gql_ok(
        Some(&ada.token),
        BAN,
        json!({ "input": { "chatId": chat, "userId": bob.id } }),
    )
    .await;
    let body = app.gql(Some(&bob.token), JOIN, join(&open["code"])).await;
    assert_eq!(reason(&body), ("FORBIDDEN".into(), "BANNED".into()));
    // Cat leaves and comes back by the link (a ban is what keeps people out).
    app.gql_ok(
        Some(&cat.token),
        LEAVE,
        json!({ "input": { "chatId": chat } }),
    )
    .await;
    app.gql_ok(Some(&cat.token), JOIN, join(&open["code"]))
        .await;

    let dan = app.sign_up("dan").await;
    // Expiry is a moment, not an event: wait for the clock to pass it.
    crate::helpers::eventually("the brief link expires", || async {
        chrono::Utc::now() > soon
    })
    .await;
    let body = app.gql(Some(&dan.token), JOIN, join(&brief["code"])).await;
    assert_eq!(reason(&body), ("FORBIDDEN".into(), "INVITE_EXPIRED".into()));
}
