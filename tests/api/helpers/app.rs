use std::sync::{Arc, Once};

use chat_server::config::Settings;
use chat_server::events::{EventBus, Topic};
use chat_server::services::Services;
use chat_server::startup::Application;
use chat_server::storage::Database;
use serde_json::{Value, json};
use tokio::sync::oneshot;

use super::WsClient;

static TELEMETRY: Once = Once::new();

/// Logs go nowhere unless `TEST_LOG` is set (then to stdout).
fn init_telemetry() {
    TELEMETRY.call_once(|| {
        let level = std::env::var("TEST_LOG").unwrap_or_default();
        if level.is_empty() {
            chat_server::telemetry::init(Default::default(), "off", std::io::sink);
        } else {
            chat_server::telemetry::init(Default::default(), &level, std::io::stdout);
        }
    });
}

/// Settings for a test: a random database, a free port, cheap hashing.
pub fn test_settings() -> Settings {
    let mut settings = Settings::from_env().expect("settings from the environment");
    settings.server.app_host = "127.0.0.1".into();
    settings.server.app_port = 0;
    settings.database.mongodb_database = format!("test_{}", uuid::Uuid::new_v4().simple());
    // The minimum argon2 cost: tests exercise hashing, not its strength.
    settings.auth.password_hash_memory_kib = 64;
    settings.auth.password_hash_iterations = 1;
    settings.server.shutdown_drain_ms = 2_000;
    // Rate limits out of the way: a test that signs many people up is not
    // a flood. Tests of the limits set tight ones with `spawn_with`.
    let generous: chat_server::config::RateQuota = "100000/1m".parse().unwrap();
    settings.rate_limits.rate_limit_mutations = generous;
    settings.rate_limits.rate_limit_sign_in = generous;
    settings.rate_limits.rate_limit_sign_in_per_login = generous;
    settings.rate_limits.rate_limit_sign_in_failures_per_account = generous;
    settings.rate_limits.rate_limit_sign_up = generous;
    settings.rate_limits.rate_limit_friend_requests = generous;
    settings.rate_limits.rate_limit_messages = generous;
    settings.rate_limits.rate_limit_typing = generous;
    settings.rate_limits.rate_limit_create_chat = generous;
    settings.moderation.rate_limit_member_adds = generous;
    settings.moderation.rate_limit_new_account_groups = generous;
    settings.moderation.rate_limit_new_account_member_adds = generous;
    settings.storage.rate_limit_uploads = generous;
    // Uploads in a temporary directory per database (shared by a test's
    // instances, as is the signing key, so either serves the other's URLs).
    settings.storage.storage_dir = std::env::temp_dir()
        .join(format!(
            "chat-{}-uploads",
            settings.database.mongodb_database
        ))
        .to_string_lossy()
        .into_owned();
    settings.storage.storage_signing_secret = Some("test uploads key".to_owned().into());
    settings
}

/// A running application and a client for it.
pub struct TestApp {
    pub address: String,
    pub ws_url: String,
    pub settings: Settings,
    pub services: Services,
    /// The database and bus underneath `services`, to stage or inspect
    /// state the API does not expose.
    pub db: Database,
    pub bus: Arc<dyn EventBus>,
    pub http: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    stopped: Option<tokio::task::JoinHandle<()>>,
}

/// A signed-up user.
#[derive(Clone, Debug)]
pub struct TestUser {
    pub id: String,
    pub handle: String,
    pub email: String,
    pub password: String,
    /// The access token of the session signing up started.
    pub token: String,
    pub refresh_token: String,
    pub session: String,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(configure: impl FnOnce(&mut Settings)) -> Self {
        init_telemetry();
        let mut settings = test_settings();
        configure(&mut settings);
        let application = Application::build(settings.clone())
            .await
            .expect("the application builds");
        let port = application.port();
        let services = application.services().clone();
        let db = application.database().clone();
        let bus = application.event_bus().clone();
        let (stop, stop_rx) = oneshot::channel::<()>();
        let stopped = tokio::spawn(async move {
            let signal = async move {
                let _ = stop_rx.await;
            };
            application
                .run_until_stopped(signal)
                .await
                .expect("the server runs");
        });
        Self {
            address: format!("http://127.0.0.1:{port}"),
            ws_url: format!("ws://127.0.0.1:{port}/graphql"),
            settings,
            services,
            db,
            bus,
            http: reqwest::Client::new(),
            stop: Some(stop),
            stopped: Some(stopped),
        }
    }

    /// Another instance of the application on the same database and the
    /// same Redis (a second server behind the balancer), with `configure`
    /// applied on top.
    pub async fn spawn_peer(&self, configure: impl FnOnce(&mut Settings)) -> Self {
        let database = self.settings.database.mongodb_database.clone();
        let redis_url = self.settings.cluster.redis_url.clone();
        let uploads = self.settings.storage.storage_dir.clone();
        Self::spawn_with(|settings| {
            settings.database.mongodb_database = database;
            settings.cluster.redis_url = redis_url;
            settings.storage.storage_dir = uploads;
            configure(settings);
        })
        .await
    }

    /// Sends the shutdown signal (SIGTERM in production) without waiting.
    pub fn begin_shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Triggers a graceful shutdown and waits for the server to finish.
    pub async fn shutdown(&mut self) {
        self.begin_shutdown();
        if let Some(stopped) = self.stopped.take() {
            tokio::time::timeout(super::EVENT_TIMEOUT, stopped)
                .await
                .expect("the server stops within the timeout")
                .expect("the server task does not panic");
        }
    }

    /// POSTs a GraphQL operation; returns the whole response body.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = self
            .http
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("the request is sent");
        assert!(
            response.status().is_success(),
            "status {}",
            response.status()
        );
        response.json().await.expect("a JSON body")
    }

    /// Runs an operation that must succeed; returns its `data`.
    pub async fn gql_ok(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let body = self.gql(token, query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// Runs an operation that must fail; returns its first error's code.
    pub async fn gql_err(&self, token: Option<&str>, query: &str, variables: Value) -> String {
        let body = self.gql(token, query, variables).await;
        error_code(&body)
    }

    /// Signs up a user who lets anyone add them to groups, so that tests
    /// can make groups of strangers (the default, FRIENDS, is tested with
    /// [`Self::sign_up_with_policy`]).
    pub async fn sign_up(&self, handle: &str) -> TestUser {
        self.sign_up_with_policy(handle, Some("EVERYONE")).await
    }

    /// Signs up a user with `policy` as their `groupAddPolicy` (`None`:
    /// the server's default).
    pub async fn sign_up_with_policy(&self, handle: &str, policy: Option<&str>) -> TestUser {
        let email = format!("{}@example.com", handle.to_lowercase());
        let password = "correct horse battery".to_owned();
        let data = self
            .gql_ok(
                None,
                "mutation($input: SignUpInput!) { signUp(input: $input) { token refreshToken session { id } user { id handle } } }",
                json!({ "input": { "email": email, "handle": handle, "name": handle, "password": password, "groupAddPolicy": policy } }),
            )
            .await;
        TestUser {
            id: data["signUp"]["user"]["id"].as_str().unwrap().to_owned(),
            handle: handle.to_owned(),
            email,
            password,
            token: data["signUp"]["token"].as_str().unwrap().to_owned(),
            refresh_token: data["signUp"]["refreshToken"].as_str().unwrap().to_owned(),
            session: data["signUp"]["session"]["id"].as_str().unwrap().to_owned(),
        }
    }

    /// Makes `a` and `b` friends (a asks, b accepts).
    pub async fn befriend(&self, a: &TestUser, b: &TestUser) {
        let request = self
            .gql_ok(
                Some(&a.token),
                "mutation($input: SendFriendRequestInput!) { sendFriendRequest(input: $input) { id } }",
                json!({ "input": { "userId": b.id } }),
            )
            .await;
        self.gql_ok(
            Some(&b.token),
            "mutation($input: RespondToFriendRequestInput!) { respondToFriendRequest(input: $input) { status } }",
            json!({ "input": { "requestId": request["sendFriendRequest"]["id"], "action": "ACCEPT" } }),
        )
        .await;
    }

    /// `blocker` blocks `blocked`.
    pub async fn block(&self, blocker: &TestUser, blocked: &TestUser) {
        self.gql_ok(
            Some(&blocker.token),
            "mutation($input: UserIdInput!) { blockUser(input: $input) { id } }",
            json!({ "input": { "userId": blocked.id } }),
        )
        .await;
    }

    /// Changes `user`'s bio (a cheap way to cause a `userEvents` event).
    pub async fn set_bio(&self, user: &TestUser, bio: &str) {
        self.gql_ok(
            Some(&user.token),
            "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { id } }",
            json!({ "input": { "bio": bio } }),
        )
        .await;
    }

    /// A group owned by `owner` with `members`; returns its id.
    pub async fn group(&self, owner: &TestUser, members: &[&TestUser], name: &str) -> String {
        let ids: Vec<&str> = members.iter().map(|m| m.id.as_str()).collect();
        let data = self
            .gql_ok(
                Some(&owner.token),
                "mutation($input: CreateChatInput!) { createChat(input: $input) { id } }",
                json!({ "input": { "participantIds": ids, "isGroup": true, "name": name } }),
            )
            .await;
        data["createChat"]["id"].as_str().unwrap().to_owned()
    }

    /// The direct chat of `a` and `b`; returns its id.
    pub async fn direct(&self, a: &TestUser, b: &TestUser) -> String {
        let data = self
            .gql_ok(
                Some(&a.token),
                "mutation($input: CreateChatInput!) { createChat(input: $input) { id } }",
                json!({ "input": { "participantIds": [b.id], "isGroup": false } }),
            )
            .await;
        data["createChat"]["id"].as_str().unwrap().to_owned()
    }

    /// Sends a text message; returns `{ id cursor text }`.
    pub async fn say(&self, user: &TestUser, chat: &str, text: &str) -> Value {
        let data = self
            .gql_ok(
                Some(&user.token),
                "mutation($input: SendMessageInput!) { sendMessage(input: $input) { id cursor text } }",
                json!({ "input": { "chatId": chat, "text": text } }),
            )
            .await;
        data["sendMessage"].clone()
    }

    /// `/ready`: its status code and body.
    pub async fn ready(&self) -> (u16, Value) {
        let response = self
            .http
            .get(format!("{}/ready", self.address))
            .send()
            .await
            .expect("the request is sent");
        let status = response.status().as_u16();
        (status, response.json().await.expect("a JSON body"))
    }

    /// MongoDB commands this app has sent so far (each is a round trip).
    pub fn db_commands(&self) -> u64 {
        self.db.commands_started()
    }

    /// Waits until `topic` has exactly `count` subscribers on the app's bus.
    /// A subscription starts in a task of its own, so an event published as
    /// soon as `subscribe` is sent could otherwise reach nobody. The server
    /// runs on the test's runtime, so yielding lets it make progress.
    pub async fn subscribers(&self, topic: Topic, count: usize) {
        let bus = &self.bus;
        tokio::time::timeout(super::EVENT_TIMEOUT, async {
            while bus.subscriber_count(topic) != count {
                tokio::task::yield_now().await;
            }
        })
        .await
        .unwrap_or_else(|_| {
            panic!(
                "{topic:?} has {} subscribers, expected {count}",
                bus.subscriber_count(topic)
            )
        });
    }

    /// A socket that has completed `connection_init` for `token`.
    pub async fn ws(&self, token: &str) -> WsClient {
        let mut client = WsClient::connect(&self.ws_url).await;
        client
            .send(json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } }))
            .await;
        let ack = client.recv().await;
        assert_eq!(ack["type"], "connection_ack", "got {ack}");
        client
    }
}

/// The `extensions.code` of a response's first error.
pub fn error_code(body: &Value) -> String {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an error with a code, got {body:#}"))
        .to_owned()
}
