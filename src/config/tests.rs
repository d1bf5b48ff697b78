use std::time::Duration;

use super::*;

fn read(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
    Settings::from_vars(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())))
}

#[test]
fn from_vars__gives_each_group_its_own_variables_with_their_types() {
    let settings = read(&[
        ("APP_PORT", "9123"),
        ("PLAYGROUND_ENABLED", "false"),
        ("LOG_FORMAT", "json"),
        ("MONGODB_POOL_SIZE", "7"),
        ("JWT_TTL_SECONDS", "77"),
        ("MAX_QUERY_DEPTH", "13"),
        ("MAX_CONNECTIONS", "30"),
        ("RATE_LIMIT_MESSAGES", "8/8s"),
        ("MESSAGE_REPLAY_MAX", "69"),
        ("REDIS_PUBLISH_QUEUE", "31"),
        ("UNRELATED", "ignored"),
    ])
    .unwrap();
    assert_eq!(settings.server.app_port, 9123);
    assert!(!settings.server.playground_enabled());
    assert_eq!(settings.logging.log_format, LogFormat::Json);
    assert_eq!(settings.database.mongodb_pool_size, 7);
    assert_eq!(settings.auth.access_token_ttl(), Duration::from_secs(77));
    assert_eq!(settings.queries.max_query_depth, 13);
    assert_eq!(settings.connections.max_connections, Some(30));
    assert_eq!(
        settings.rate_limits.rate_limit_messages,
        RateQuota::new(8, Duration::from_secs(8))
    );
    assert_eq!(settings.messaging.message_replay_max, 69);
    assert_eq!(settings.cluster.redis_publish_queue, 31);
}

#[test]
fn from_vars__with_nothing_gives_the_defaults() {
    let settings = read(&[]).unwrap();
    settings.validate().unwrap();
    assert_eq!(settings.server.app_env, AppEnv::Development);
    assert_eq!(settings.server.app_port, 8080);
    assert_eq!(settings.database.mongodb_database, "chat");
    assert!(settings.auth.uses_development_jwt_secret());
    assert_eq!(settings.queries.request_timeout_ms, 10_000);
    assert_eq!(settings.connections.max_connections, None);
    assert_eq!(settings.messaging.sequence_hole_timeout_ms, 15_000);
    assert_eq!(settings.cluster.redis_url(), None);
}

#[test]
fn from_vars__names_the_variable_it_cannot_read() {
    let error = read(&[("WS_MAX_OPERATIONS", "many")]).unwrap_err();
    assert!(error.to_string().contains("WS_MAX_OPERATIONS"), "{error}");
}

#[test]
fn debug__never_shows_a_secret() {
    let settings = read(&[
        ("MONGODB_URI", "mongodb://user:hunter2@db:27017"),
        ("JWT_SECRET", "a-signing-key-nobody-may-read-0123456789"),
        ("REDIS_URL", "redis://:sesame@redis:6379"),
    ])
    .unwrap();
    let printed = format!("{settings:?}");
    for secret in ["hunter2", "a-signing-key", "sesame"] {
        assert!(!printed.contains(secret), "{secret} in {printed}");
    }
    assert_eq!(
        settings.cluster.redis_url(),
        Some("redis://:sesame@redis:6379")
    );
}

#[test]
fn validate__refuses_what_must_not_run() {
    let refused = [
        (vec![("APP_ENV", "production")], "JWT_SECRET must be set"),
        (
            vec![("APP_ENV", "production"), ("JWT_SECRET", "short")],
            "at least 32 bytes",
        ),
        (
            vec![("SEQUENCE_HOLE_TIMEOUT_MS", "10000")],
            "SEQUENCE_HOLE_TIMEOUT_MS must be longer",
        ),
        (vec![("MONGODB_POOL_SIZE", "0")], "MONGODB_POOL_SIZE"),
        (vec![("MAX_CONNECTIONS", "0")], "MAX_CONNECTIONS must be"),
        (
            vec![("PRESENCE_HEARTBEAT_MS", "0")],
            "PRESENCE_HEARTBEAT_MS",
        ),
    ];
    for (vars, expected) in refused {
        let error = read(&vars).unwrap().validate().unwrap_err();
        assert!(error.to_string().contains(expected), "{error}");
    }
}
