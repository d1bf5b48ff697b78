//! [`RateLimitSettings`]: how often each kind of call may be made, as
//! [`RateQuota`]s read from the `RATE_LIMIT_*` variables.

use serde::Deserialize;

use super::RateQuota;

#[derive(Clone, Debug, Deserialize)]
pub struct RateLimitSettings {
    /// `RATE_LIMIT_MUTATIONS`: calls of any mutation without a bucket of its
    /// own, per user (per client address before sign-in).
    #[serde(default = "defaults::rate_limit_mutations")]
    pub rate_limit_mutations: RateQuota,
    /// `RATE_LIMIT_SIGN_IN`: `signIn` calls per user or client address.
    #[serde(default = "defaults::rate_limit_sign_in")]
    pub rate_limit_sign_in: RateQuota,
    /// `RATE_LIMIT_SIGN_IN_PER_LOGIN`: `signIn` attempts per account (or
    /// unknown login) and network (an IPv4 address or IPv6 /64): against
    /// password guessing from one place, without locking out the others.
    #[serde(default = "defaults::rate_limit_sign_in_per_login")]
    pub rate_limit_sign_in_per_login: RateQuota,
    /// `RATE_LIMIT_SIGN_IN_FAILURES_PER_ACCOUNT`: `signIn` attempts per
    /// account from networks it has not signed in from lately, and wrong
    /// passwords from those it has. Once spent, only networks known for the
    /// account may sign in to it, so guessing from many addresses stays
    /// slow while the owner is not locked out.
    #[serde(default = "defaults::rate_limit_sign_in_failures_per_account")]
    pub rate_limit_sign_in_failures_per_account: RateQuota,
    /// `RATE_LIMIT_REFRESH_SESSION`: `refreshSession` calls per client
    /// address (the caller's access token may have expired).
    #[serde(default = "defaults::rate_limit_refresh_session")]
    pub rate_limit_refresh_session: RateQuota,
    /// `RATE_LIMIT_CHANGE_PASSWORD`: `changePassword` and `deleteAccount`
    /// calls per user (each hashes; wrong passwords also count as failed
    /// sign-ins).
    #[serde(default = "defaults::rate_limit_change_password")]
    pub rate_limit_change_password: RateQuota,
    /// `RATE_LIMIT_DATA_EXPORT`: `exportMyData` calls per user (each link
    /// reads everything the user has).
    #[serde(default = "defaults::rate_limit_data_export")]
    pub rate_limit_data_export: RateQuota,
    /// `RATE_LIMIT_SIGN_UP`: `signUp` calls per user or client address.
    #[serde(default = "defaults::rate_limit_sign_up")]
    pub rate_limit_sign_up: RateQuota,
    /// `RATE_LIMIT_FRIEND_REQUESTS`: `sendFriendRequest` calls per user.
    #[serde(default = "defaults::rate_limit_friend_requests")]
    pub rate_limit_friend_requests: RateQuota,
    /// `RATE_LIMIT_MESSAGES`: `sendMessage` calls per user.
    #[serde(default = "defaults::rate_limit_messages")]
    pub rate_limit_messages: RateQuota,
    /// `RATE_LIMIT_TYPING`: `startTyping` and `stopTyping` calls per user
    /// (generous: the typing feature already throttles them silently).
    #[serde(default = "defaults::rate_limit_typing")]
    pub rate_limit_typing: RateQuota,
    /// `RATE_LIMIT_CREATE_CHAT`: `createChat` calls per user (each group
    /// may hold `MAX_GROUP_MEMBERS` people, so making them is not cheap).
    #[serde(default = "defaults::rate_limit_create_chat")]
    pub rate_limit_create_chat: RateQuota,
}

mod defaults {
    use std::time::Duration;

    use super::RateQuota;

    const MINUTE: Duration = Duration::from_secs(60);
    const HOUR: Duration = Duration::from_secs(60 * 60);

    pub fn rate_limit_mutations() -> RateQuota {
        RateQuota::new(120, MINUTE)
    }
    pub fn rate_limit_sign_in() -> RateQuota {
        RateQuota::new(20, 5 * MINUTE)
    }
    pub fn rate_limit_sign_in_per_login() -> RateQuota {
        RateQuota::new(10, 15 * MINUTE)
    }
    pub fn rate_limit_sign_in_failures_per_account() -> RateQuota {
        RateQuota::new(50, HOUR)
    }
    pub fn rate_limit_refresh_session() -> RateQuota {
        RateQuota::new(30, MINUTE)
    }
    pub fn rate_limit_change_password() -> RateQuota {
        RateQuota::new(5, 15 * MINUTE)
    }
    pub fn rate_limit_data_export() -> RateQuota {
        RateQuota::new(5, HOUR)
    }
    pub fn rate_limit_sign_up() -> RateQuota {
        RateQuota::new(10, HOUR)
    }
    pub fn rate_limit_friend_requests() -> RateQuota {
        RateQuota::new(30, HOUR)
    }
    pub fn rate_limit_messages() -> RateQuota {
        RateQuota::new(60, MINUTE)
    }
    pub fn rate_limit_typing() -> RateQuota {
        RateQuota::new(120, MINUTE)
    }
    pub fn rate_limit_create_chat() -> RateQuota {
        RateQuota::new(20, HOUR)
    }
}
