//! [`ModerationSettings`]: limits against group spam (member additions,
//! new accounts) and where message reports go besides the group's admins.

use secrecy::SecretString;
use serde::Deserialize;

use super::RateQuota;

#[derive(Clone, Debug, Deserialize)]
pub struct ModerationSettings {
    /// `RATE_LIMIT_MEMBER_ADDS`: people one user may put into groups
    /// (added or invited, by `createChat` and `addChatMembers`; each counts).
    /// Default `200/1h`.
    #[serde(default = "defaults::rate_limit_member_adds")]
    pub rate_limit_member_adds: RateQuota,
    /// `NEW_ACCOUNT_SECONDS`: how long an account counts as new and gets
    /// the stricter limits below. Default `3600` (its first hour).
    #[serde(default = "defaults::new_account_seconds")]
    pub new_account_seconds: u64,
    /// `RATE_LIMIT_NEW_ACCOUNT_GROUPS`: groups a new account may create.
    /// Default `3/1h`.
    #[serde(default = "defaults::rate_limit_new_account_groups")]
    pub rate_limit_new_account_groups: RateQuota,
    /// `RATE_LIMIT_NEW_ACCOUNT_MEMBER_ADDS`: people a new account may put
    /// into groups. Default `20/1h`.
    #[serde(default = "defaults::rate_limit_new_account_member_adds")]
    pub rate_limit_new_account_member_adds: RateQuota,
    /// `REPORT_WEBHOOK_URL`: where each message report is also POSTed (an
    /// http(s) URL of the operator's moderation tool). Unset: reports reach
    /// the group's admins only. Needs `REPORT_WEBHOOK_SECRET`.
    #[serde(default)]
    pub report_webhook_url: Option<String>,
    /// `REPORT_WEBHOOK_SECRET`: the key of the HMAC-SHA256 signature each
    /// webhook request carries (`X-Chat-Signature: sha256=<hex>` of the body).
    #[serde(default)]
    pub report_webhook_secret: Option<SecretString>,
    /// `REPORT_WEBHOOK_TIMEOUT_MS`: the deadline of one webhook request
    /// (connect and answer). Default `5000`.
    #[serde(default = "defaults::report_webhook_timeout_ms")]
    pub report_webhook_timeout_ms: u64,
}

mod defaults {
    use std::time::Duration;

    use super::RateQuota;

    const HOUR: Duration = Duration::from_secs(60 * 60);

    pub fn rate_limit_member_adds() -> RateQuota {
        RateQuota::new(200, HOUR)
    }
    pub fn new_account_seconds() -> u64 {
        3_600
    }
    pub fn rate_limit_new_account_groups() -> RateQuota {
        RateQuota::new(3, HOUR)
    }
    pub fn rate_limit_new_account_member_adds() -> RateQuota {
        RateQuota::new(20, HOUR)
    }
    pub fn report_webhook_timeout_ms() -> u64 {
        5_000
    }
}
