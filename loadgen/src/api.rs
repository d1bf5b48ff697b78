//! GraphQL over HTTP: the few operations the scenarios need, as typed calls.

use std::time::Duration;

use anyhow::{Context as _, bail};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// One HTTP client (a keep-alive pool) for a server's `/graphql`.
#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    endpoint: String,
}

/// A signed-up account.
#[derive(Clone, Debug)]
pub struct Account {
    pub id: String,
    pub token: String,
}

/// What `sendMessage` returns that the scenarios use.
#[derive(Debug, Deserialize)]
pub struct Sent {
    pub id: String,
    pub cursor: String,
}

impl Api {
    pub fn new(endpoint: String) -> Self {
        let http = reqwest::Client::builder()
            // A request that hangs this long is a failure, not a latency.
            .timeout(Duration::from_secs(30))
            .tcp_nodelay(true)
            .build()
            .unwrap_or_default();
        Self { http, endpoint }
    }

    /// Runs an operation; any GraphQL error is an error. Returns `data`.
    pub async fn gql<T: DeserializeOwned>(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> anyhow::Result<T> {
        let mut request = self
            .http
            .post(&self.endpoint)
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await?;
        let status = response.status();
        let body: Response<T> = response
            .json()
            .await
            .with_context(|| format!("reading a response (HTTP {status})"))?;
        if let Some(errors) = body.errors.filter(|e| !e.is_empty()) {
            bail!("GraphQL errors: {}", Value::Array(errors));
        }
        body.data.context("a response without data")
    }

    /// The raw text of `GET path` (for `/metrics`), or `None` if not 200.
    pub async fn get_text(&self, path: &str) -> Option<String> {
        let base = self.endpoint.trim_end_matches("/graphql");
        let response = self.http.get(format!("{base}{path}")).send().await.ok()?;
        if !response.status().is_success() {
            return None;
        }
        response.text().await.ok()
    }

    pub async fn sign_up(&self, handle: &str) -> anyhow::Result<Account> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Data {
            sign_up: Payload,
        }
        #[derive(Deserialize)]
        struct Payload {
            token: String,
            user: Id,
        }
        let data: Data = self
            .gql(
                None,
                "mutation SignUp($input: SignUpInput!) { signUp(input: $input) { token user { id } } }",
                json!({ "input": {
                    "email": format!("{handle}@loadgen.test"),
                    "handle": handle,
                    "name": handle,
                    "password": "loadgen password",
                    // Strangers put each other into the scenarios' groups.
                    "groupAddPolicy": "EVERYONE",
                } }),
            )
            .await?;
        Ok(Account {
            id: data.sign_up.user.id,
            token: data.sign_up.token,
        })
    }

    /// Creates a group of `creator` and `others`; returns its id.
    pub async fn create_group(
        &self,
        creator: &Account,
        name: &str,
        others: &[String],
    ) -> anyhow::Result<String> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Data {
            create_chat: Id,
        }
        let data: Data = self
            .gql(
                Some(&creator.token),
                "mutation Create($input: CreateChatInput!) { createChat(input: $input) { id } }",
                json!({ "input": { "participantIds": others, "isGroup": true, "name": name } }),
            )
            .await?;
        Ok(data.create_chat.id)
    }

    pub async fn add_members(
        &self,
        admin: &Account,
        chat: &str,
        users: &[String],
    ) -> anyhow::Result<()> {
        let _: Value = self
            .gql(
                Some(&admin.token),
                "mutation Add($input: AddChatMembersInput!) { addChatMembers(input: $input) { id } }",
                json!({ "input": { "chatId": chat, "userIds": users } }),
            )
            .await?;
        Ok(())
    }

    /// Sends a TEXT message with an idempotency key.
    pub async fn send_message(
        &self,
        sender: &Account,
        chat: &str,
        text: &str,
        client_message_id: &str,
        reply_to: Option<&str>,
    ) -> anyhow::Result<Sent> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Data {
            send_message: Sent,
        }
        let data: Data = self
            .gql(
                Some(&sender.token),
                "mutation Send($input: SendMessageInput!) { sendMessage(input: $input) { id cursor } }",
                json!({ "input": {
                    "chatId": chat,
                    "text": text,
                    "clientMessageId": client_message_id,
                    "replyTo": reply_to,
                } }),
            )
            .await?;
        Ok(data.send_message)
    }

    pub async fn add_reaction(
        &self,
        user: &Account,
        message: &str,
        emoji: &str,
    ) -> anyhow::Result<()> {
        let _: Value = self
            .gql(
                Some(&user.token),
                "mutation React($input: ReactionInput!) { addReaction(input: $input) { id } }",
                json!({ "input": { "messageId": message, "emoji": emoji } }),
            )
            .await?;
        Ok(())
    }
}

#[derive(Deserialize)]
struct Response<T> {
    data: Option<T>,
    errors: Option<Vec<Value>>,
}

#[derive(Deserialize)]
struct Id {
    id: String,
}
