//! [`SignInGuard`]: keeps password guessing expensive without letting anyone
//! lock an owner out of their account.
//!
//! Besides the caller's own allowance (`RATE_LIMIT_SIGN_IN`, per client
//! address or signed-in user, checked by the schema like every mutation's
//! bucket), a `signIn` draws from two allowances of the account it names,
//! both checked before the password, so a refusal costs no hashing:
//!
//! 1. **per account and network** (`RATE_LIMIT_SIGN_IN_PER_LOGIN`): guesses
//!    from one network use up that network's attempts at that account only,
//!    never the owner's;
//! 2. **per account, from unknown networks**
//!    (`RATE_LIMIT_SIGN_IN_FAILURES_PER_ACCOUNT`): guesses spread over many
//!    addresses still run dry. Every attempt from a network the account is
//!    not known at draws from it, and so does every wrong password from a
//!    known one; a known network is never refused by it. An attempt from an
//!    unknown network draws before its password is checked, even one that
//!    then succeeds (a new device's first sign-in): drawing afterwards would
//!    let a burst of concurrent guesses through a budget that looks unspent.
//!
//! A network is *known* for an account for [`KNOWN_ADDRESS_DAYS`] after a
//! sign-up or sign-in succeeded there. So while an account is under attack
//! its owner signs in as usual from home or work; only a first sign-in from
//! a new network waits (`retryAfterMs`, one attempt per refill of the
//! budget). Known networks live in MongoDB as keyed hashes of account and
//! network (no address is stored), so every instance knows them and a
//! restart forgets nothing; the allowances are per instance, like every rate
//! limit here.
//!
//! A network is an IPv4 address or an IPv6 /64: one subscriber's
//! allocation, where privacy addresses rotate and from which an attacker
//! could otherwise draw endless fresh addresses.
//!
//! An unknown login goes through the same steps, keyed by the lower-cased
//! login and with the same database lookups, so neither the error nor the
//! time taken tells a stranger whether an account exists.
//!
//! [`KNOWN_ADDRESS_DAYS`]: crate::storage::users::KNOWN_ADDRESS_DAYS

use std::net::IpAddr;
use std::sync::Arc;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::domain::UserId;
use crate::error::AppResult;
use crate::limits::{Bucket, ClientIp, RateKey, RateLimits};
use crate::storage::Database;

type HmacSha256 = Hmac<Sha256>;

/// Separates the fingerprint key from the token key it is derived from.
const KEY_CONTEXT: &[u8] = b"chat-server: known sign-in networks";

/// Who a sign-in attempt is aimed at.
#[derive(Clone, Debug)]
pub enum Target {
    Account(UserId),
    /// A login no account matches, lower-cased: limited like an account so
    /// the two look the same.
    UnknownLogin(String),
}

impl Target {
    fn rate_key(&self) -> RateKey {
        match self {
            Target::Account(user) => RateKey::User(*user),
            Target::UnknownLogin(login) => RateKey::Login(login.clone()),
        }
    }
}

/// What an admitted attempt needs once the password has been checked.
pub struct Attempt {
    target: Target,
    fingerprint: String,
    known: bool,
}

#[derive(Clone)]
pub struct SignInGuard {
    db: Database,
    rate_limits: Arc<RateLimits>,
    /// Keyed with a secret of the server's, so the stored fingerprints of
    /// a leaked database cannot be matched against the 2^32 IPv4 addresses.
    key: HmacSha256,
}

impl SignInGuard {
    /// `secret` is the token secret; changing it forgets every known network
    /// (owners then sign in like strangers until their next success).
    pub fn new(db: Database, rate_limits: Arc<RateLimits>, secret: &[u8]) -> Self {
        let mut derive =
            HmacSha256::new_from_slice(secret).expect("HMAC accepts keys of any length");
        derive.update(KEY_CONTEXT);
        let key = HmacSha256::new_from_slice(&derive.finalize().into_bytes())
            .expect("HMAC accepts keys of any length");
        Self {
            db,
            rate_limits,
            key,
        }
    }

    /// Admits an attempt at `target` from `ip`, or refuses it with
    /// `RATE_LIMITED`.
    pub async fn admit(&self, target: Target, ip: ClientIp) -> AppResult<Attempt> {
        let network = network(ip);
        let fingerprint = self.fingerprint(&target, network);
        let known = self.db.users().is_known_address(&fingerprint).await?;
        let account = target.rate_key();
        self.rate_limits
            .check(Bucket::SignInPerLogin, &account.clone().at_network(network))?;
        if !known {
            self.rate_limits.check(Bucket::SignInFailures, &account)?;
        }
        Ok(Attempt {
            target,
            fingerprint,
            known,
        })
    }

    /// Settles an admitted attempt: a success makes its network known, a
    /// failure from a known network draws from the account's budget (one
    /// from an unknown network already did).
    pub async fn settle(&self, attempt: Attempt, succeeded: bool) {
        if succeeded {
            self.record(&attempt.fingerprint).await;
        } else if attempt.known {
            // Already spent: the failure is the answer either way.
            let _ = self
                .rate_limits
                .check(Bucket::SignInFailures, &attempt.target.rate_key());
        }
    }

    /// Makes `ip`'s network known for a new account.
    pub async fn signed_up(&self, user: UserId, ip: ClientIp) {
        let fingerprint = self.fingerprint(&Target::Account(user), network(ip));
        self.record(&fingerprint).await;
    }

    /// A failed write only costs the owner the known network's privilege,
    /// so it does not fail the sign-in that has already succeeded.
    async fn record(&self, fingerprint: &str) {
        if let Err(error) = self.db.users().remember_address(fingerprint).await {
            tracing::warn!(?error, "could not remember a sign-in network");
        }
    }

    fn fingerprint(&self, target: &Target, network: Option<IpAddr>) -> String {
        let mut mac = self.key.clone();
        match target {
            Target::Account(user) => {
                mac.update(b"u");
                mac.update(&user.oid().bytes());
            }
            Target::UnknownLogin(login) => {
                mac.update(b"l");
                mac.update(login.as_bytes());
            }
        }
        match network {
            Some(IpAddr::V4(v4)) => {
                mac.update(b"4");
                mac.update(&v4.octets());
            }
            Some(IpAddr::V6(v6)) => {
                mac.update(b"6");
                mac.update(&v6.octets());
            }
            None => mac.update(b"-"),
        }
        let digest = mac.finalize().into_bytes();
        digest[..16].iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The network `ip` belongs to: an IPv4 address, or an IPv6 /64.
pub fn network(ip: ClientIp) -> Option<IpAddr> {
    ip.0.map(|ip| match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(bits.into())
        }
    })
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use std::net::{Ipv4Addr, Ipv6Addr};

    use super::*;

    #[test]
    fn network__is_the_ipv4_address_or_the_ipv6_slash_64() {
        let v4 = ClientIp(Some(Ipv4Addr::new(203, 0, 113, 7).into()));
        assert_eq!(network(v4), v4.0);
        let a: Ipv6Addr = "2001:db8:1:2:aaaa:bbbb:cccc:dddd".parse().unwrap();
        let b: Ipv6Addr = "2001:db8:1:2::1".parse().unwrap();
        let other: Ipv6Addr = "2001:db8:1:3::1".parse().unwrap();
        let prefix: Ipv6Addr = "2001:db8:1:2::".parse().unwrap();
        assert_eq!(network(ClientIp(Some(a.into()))), Some(prefix.into()));
        assert_eq!(
            network(ClientIp(Some(a.into()))),
            network(ClientIp(Some(b.into())))
        );
        assert_ne!(
            network(ClientIp(Some(a.into()))),
            network(ClientIp(Some(other.into())))
        );
        assert_eq!(network(ClientIp(None)), None);
    }
}
