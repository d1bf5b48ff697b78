//! Call rates: one token bucket per [`Bucket`] and caller ([`RateKey`]),
//! using `governor`'s GCRA (a token bucket that stores one timestamp per key,
//! so a million idle callers cost a million small entries, which
//! [`RateLimits::retain_recent`] sweeps away).
//!
//! Buckets are chosen by mutation root field name ([`Bucket::for_mutation`]),
//! so a mutation added later is limited by the default bucket without any
//! change here.

use std::net::IpAddr;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::ClientIp;
use crate::config::{RateQuota, Settings};
use crate::domain::UserId;
use crate::error::{AppError, AppResult};

/// A separately limited kind of call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bucket {
    /// Any mutation without a bucket of its own.
    Mutations,
    SignIn,
    /// Sign-in attempts per account (or unknown login) and network, against
    /// password guessing from one place.
    SignInPerLogin,
    /// Sign-in attempts per account from networks it is not known at, and
    /// failures from known ones: against guessing spread over many places
    /// (see [`crate::services::sign_in_guard`]).
    SignInFailures,
    SignUp,
    FriendRequests,
    Messages,
    Typing,
    CreateChat,
    RefreshSession,
    ChangePassword,
    /// `exportMyData`: each link reads everything the user has.
    DataExport,
    /// People put into groups (added or invited, by `createChat` and
    /// `addChatMembers`): each counts, so one call with a thousand ids uses
    /// a thousand. Also bounds the notifications a mass add causes.
    MemberAdds,
    /// Groups created by an account in its first hours (on top of
    /// [`Bucket::CreateChat`]).
    NewAccountGroups,
    /// People put into groups by an account in its first hours (on top of
    /// [`Bucket::MemberAdds`]).
    NewAccountMemberAdds,
    /// Every mutation of the app's backend, per API key.
    ServerApi,
    /// `createUpload`: each call signs a URL that stores a file.
    Uploads,
}

impl Bucket {
    const ALL: [Bucket; 17] = [
        Bucket::Mutations,
        Bucket::SignIn,
        Bucket::SignInPerLogin,
        Bucket::SignInFailures,
        Bucket::SignUp,
        Bucket::FriendRequests,
        Bucket::Messages,
        Bucket::Typing,
        Bucket::CreateChat,
        Bucket::RefreshSession,
        Bucket::ChangePassword,
        Bucket::DataExport,
        Bucket::MemberAdds,
        Bucket::NewAccountGroups,
        Bucket::NewAccountMemberAdds,
        Bucket::ServerApi,
        Bucket::Uploads,
    ];

    /// The bucket a mutation root field draws from. A field with a bucket of
    /// its own draws from that one only, so generous buckets (typing) do not
    /// use up the default one.
    pub fn for_mutation(field: &str) -> Bucket {
        match field {
            "signIn" => Bucket::SignIn,
            "signUp" => Bucket::SignUp,
            "sendFriendRequest" => Bucket::FriendRequests,
            "sendMessage" => Bucket::Messages,
            "startTyping" | "stopTyping" => Bucket::Typing,
            "createChat" => Bucket::CreateChat,
            "refreshSession" => Bucket::RefreshSession,
            "changePassword" | "deleteAccount" => Bucket::ChangePassword,
            "exportMyData" => Bucket::DataExport,
            "createUpload" => Bucket::Uploads,
            _ => Bucket::Mutations,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Bucket::Mutations => "mutations",
            Bucket::SignIn => "sign_in",
            Bucket::SignInPerLogin => "sign_in_per_login",
            Bucket::SignInFailures => "sign_in_failures_per_account",
            Bucket::SignUp => "sign_up",
            Bucket::FriendRequests => "friend_requests",
            Bucket::Messages => "messages",
            Bucket::Typing => "typing",
            Bucket::CreateChat => "create_chat",
            Bucket::RefreshSession => "refresh_session",
            Bucket::ChangePassword => "change_password",
            Bucket::DataExport => "data_export",
            Bucket::MemberAdds => "member_adds",
            Bucket::NewAccountGroups => "new_account_groups",
            Bucket::NewAccountMemberAdds => "new_account_member_adds",
            Bucket::ServerApi => "server_api",
            Bucket::Uploads => "uploads",
        }
    }

    fn quota(self, settings: &Settings) -> RateQuota {
        match self {
            Bucket::MemberAdds => settings.moderation.rate_limit_member_adds,
            Bucket::NewAccountGroups => settings.moderation.rate_limit_new_account_groups,
            Bucket::NewAccountMemberAdds => settings.moderation.rate_limit_new_account_member_adds,
            Bucket::Mutations => settings.rate_limits.rate_limit_mutations,
            Bucket::SignIn => settings.rate_limits.rate_limit_sign_in,
            Bucket::SignInPerLogin => settings.rate_limits.rate_limit_sign_in_per_login,
            Bucket::SignInFailures => settings.rate_limits.rate_limit_sign_in_failures_per_account,
            Bucket::SignUp => settings.rate_limits.rate_limit_sign_up,
            Bucket::FriendRequests => settings.rate_limits.rate_limit_friend_requests,
            Bucket::Messages => settings.rate_limits.rate_limit_messages,
            Bucket::Typing => settings.rate_limits.rate_limit_typing,
            Bucket::CreateChat => settings.rate_limits.rate_limit_create_chat,
            Bucket::RefreshSession => settings.rate_limits.rate_limit_refresh_session,
            Bucket::ChangePassword => settings.rate_limits.rate_limit_change_password,
            Bucket::DataExport => settings.rate_limits.rate_limit_data_export,
            Bucket::ServerApi => settings.identity.rate_limit_server_api,
            Bucket::Uploads => settings.storage.rate_limit_uploads,
        }
    }
}

/// Whose allowance a call uses.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RateKey {
    User(UserId),
    /// An anonymous caller, by address (`None`: address unknown).
    Ip(Option<IpAddr>),
    /// A sign-in login no account matches (lower-cased), so guessing at
    /// unknown logins is limited like guessing at real ones.
    Login(String),
    /// Sign-in attempts at an account from one network.
    UserFrom(UserId, Option<IpAddr>),
    /// Sign-in attempts at an unknown login from one network.
    LoginFrom(String, Option<IpAddr>),
    /// The app's backend, by the id of its API key.
    ApiKey(String),
}

impl RateKey {
    /// The signed-in user if any, else the client address.
    pub fn caller(user: Option<UserId>, ip: ClientIp) -> Self {
        match user {
            Some(user) => RateKey::User(user),
            None => RateKey::Ip(ip.0),
        }
    }

    /// An account's (or unknown login's) key narrowed to attempts from one
    /// network; other keys are returned as they are.
    pub fn at_network(self, network: Option<IpAddr>) -> Self {
        match self {
            RateKey::User(user) => RateKey::UserFrom(user, network),
            RateKey::Login(login) => RateKey::LoginFrom(login, network),
            other => other,
        }
    }
}

/// Every bucket's limiter, built once from the settings.
pub struct RateLimits {
    limiters: Vec<(Bucket, DefaultKeyedRateLimiter<RateKey>)>,
    clock: DefaultClock,
}

impl RateLimits {
    pub fn new(settings: &Settings) -> Self {
        let limiters = Bucket::ALL
            .into_iter()
            .map(|bucket| {
                let quota = governor_quota(bucket.quota(settings));
                (bucket, RateLimiter::keyed(quota))
            })
            .collect();
        Self {
            limiters,
            clock: DefaultClock::default(),
        }
    }

    /// Uses one call of `key`'s allowance in `bucket`, or says how long to
    /// wait (`RATE_LIMITED` with `retryAfterMs`). A refused call uses nothing.
    pub fn check(&self, bucket: Bucket, key: &RateKey) -> AppResult<()> {
        self.check_n(bucket, key, 1)
    }

    /// Uses `n` calls of `key`'s allowance at once, or none: `RATE_LIMITED`
    /// when they are not all there yet, `BAD_USER_INPUT` when `n` is more
    /// than the bucket ever holds (waiting would not help).
    pub fn check_n(&self, bucket: Bucket, key: &RateKey, n: u32) -> AppResult<()> {
        let Some((_, limiter)) = self.limiters.iter().find(|(b, _)| *b == bucket) else {
            return Ok(());
        };
        let Some(n) = std::num::NonZeroU32::new(n) else {
            return Ok(());
        };
        let refused = match limiter.check_key_n(key, n) {
            Ok(Ok(())) => return Ok(()),
            Ok(Err(not_until)) => not_until.wait_time_from(self.clock.now()),
            Err(_) => {
                crate::metrics::rate_limited(bucket.name());
                return Err(AppError::bad_input(
                    "userIds",
                    format!("more at once than the {} limit allows", bucket.name()),
                ));
            }
        };
        tracing::info!(bucket = bucket.name(), ?key, wait = ?refused, "rate limited");
        crate::metrics::rate_limited(bucket.name());
        Err(AppError::RateLimited {
            retry_after_ms: retry_after_ms(refused),
        })
    }

    /// Forgets callers whose buckets are full again (they are
    /// indistinguishable from new ones), so memory follows recent activity.
    pub fn retain_recent(&self) {
        for (_, limiter) in &self.limiters {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }

    /// Sweeps idle callers every `every` until `stop` is cancelled.
    pub async fn sweep_until(
        self: std::sync::Arc<Self>,
        every: Duration,
        stop: tokio_util::sync::CancellationToken,
    ) {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = ticks.tick() => self.retain_recent(),
            }
        }
    }
}

/// `count` calls at once, then one more every `period / count`.
fn governor_quota(quota: RateQuota) -> Quota {
    // An interval that rounds down to zero (billions of calls per second)
    // is one nanosecond, which `with_period` always accepts.
    let interval = quota.refill_interval().max(Duration::from_nanos(1));
    Quota::with_period(interval).map_or(Quota::per_second(quota.count), |q| {
        q.allow_burst(quota.count)
    })
}

/// Whole milliseconds, rounded up: retrying after the advertised time must
/// succeed, and "retry after 0 ms" would invite a busy loop.
fn retry_after_ms(wait: Duration) -> u64 {
    let ms = wait.as_nanos().div_ceil(1_000_000);
    u64::try_from(ms).unwrap_or(u64::MAX).max(1)
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    fn settings_with(configure: impl FnOnce(&mut Settings)) -> Settings {
        let mut settings = Settings::from_vars(Vec::new()).unwrap();
        configure(&mut settings);
        settings
    }

    #[test]
    fn for_mutation__known_fields_have_their_bucket_and_others_share_the_default() {
        assert_eq!(Bucket::for_mutation("signIn"), Bucket::SignIn);
        assert_eq!(Bucket::for_mutation("sendMessage"), Bucket::Messages);
        assert_eq!(Bucket::for_mutation("stopTyping"), Bucket::Typing);
        assert_eq!(
            Bucket::for_mutation("someFutureMutation"),
            Bucket::Mutations
        );
    }

    #[test]
    fn check__refuses_past_the_quota_with_the_wait_and_keeps_callers_apart() {
        let limits = RateLimits::new(&settings_with(|s| {
            s.rate_limits.rate_limit_sign_in = "2/1m".parse().unwrap();
        }));
        let ada = RateKey::User(UserId::new());
        let bob = RateKey::User(UserId::new());
        assert!(limits.check(Bucket::SignIn, &ada).is_ok());
        assert!(limits.check(Bucket::SignIn, &ada).is_ok());
        match limits.check(Bucket::SignIn, &ada) {
            Err(AppError::RateLimited { retry_after_ms }) => {
                assert!((1..=30_000).contains(&retry_after_ms), "{retry_after_ms}");
            }
            other => panic!("expected RATE_LIMITED, got {other:?}"),
        }
        assert!(limits.check(Bucket::SignIn, &bob).is_ok());
        assert!(limits.check(Bucket::SignUp, &ada).is_ok());
    }

    #[test]
    fn retry_after_ms__rounds_up_and_is_never_zero() {
        assert_eq!(retry_after_ms(Duration::from_micros(1)), 1);
        assert_eq!(retry_after_ms(Duration::from_micros(1_001)), 2);
        assert_eq!(retry_after_ms(Duration::ZERO), 1);
    }
}
