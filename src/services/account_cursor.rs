//! [`AccountCursor`]: where a client is in its account, as one opaque
//! string.
//!
//! It holds the last account log number the client saw, and its position
//! in its chats: a time (`chats_at`) before which every chat change has
//! been seen, plus the chats that changed after it as the client last saw
//! them (`seen`: each chat's last sequence number). The time is put
//! [`RESUME_OVERLAP`] before "now", so that a change whose number was taken
//! just before (on another instance, a clock apart, or written late) is
//! looked at again rather than missed; `seen` then keeps what the client
//! already has from being sent twice: a chat whose last number is still
//! the one seen has not changed.

use chrono::{DateTime, Duration, Utc};

use crate::domain::ChatId;
use crate::error::{AppError, AppResult};

/// How far back of "now" a cursor's chat time is put.
pub const RESUME_OVERLAP: Duration = Duration::seconds(30);
/// The most chats a cursor remembers as seen (the most recent ones); any
/// beyond are sent again, never missed.
pub const MAX_SEEN: usize = 200;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountCursor {
    /// The last account log number seen.
    pub seq: i64,
    /// Chats changed before this have been seen.
    pub chats_at: DateTime<Utc>,
    /// In the middle of a paged `sync`: the last chat sent, and the
    /// `chats_at` to move to once the last page is out.
    pub page: Option<(ChatId, DateTime<Utc>)>,
    /// Chats changed after `chats_at` that the client has, at these last
    /// sequence numbers.
    pub seen: Vec<(ChatId, i64)>,
}

impl AccountCursor {
    /// A client that has seen everything up to `seq` and every chat change
    /// until now but `seen`'s.
    pub fn now(seq: i64, mut seen: Vec<(ChatId, i64)>) -> Self {
        seen.truncate(MAX_SEEN);
        Self {
            seq,
            chats_at: Utc::now() - RESUME_OVERLAP,
            page: None,
            seen,
        }
    }

    /// Whether the client has chat `chat` as of its sequence number `seq`.
    pub fn has_seen(&self, chat: ChatId, seq: i64) -> bool {
        self.seen.iter().any(|(c, s)| *c == chat && *s == seq)
    }

    pub fn encode(&self) -> String {
        let page = match self.page {
            Some((chat, next)) => format!("{chat}~{}", next.timestamp_millis()),
            None => "-".into(),
        };
        let seen = if self.seen.is_empty() {
            "-".to_owned()
        } else {
            let pairs: Vec<String> = self.seen.iter().map(|(c, s)| format!("{c}~{s}")).collect();
            pairs.join(",")
        };
        format!(
            "a1.{}.{}.{page}.{seen}",
            self.seq,
            self.chats_at.timestamp_millis()
        )
    }

    /// The cursor an optional `after` argument names, if any (see
    /// [`Self::parse`]).
    pub fn parse_after(raw: Option<&str>) -> AppResult<Option<Self>> {
        raw.map(|raw| Self::parse("after", raw)).transpose()
    }

    /// `BAD_USER_INPUT` on `field` unless `raw` came from [`Self::encode`].
    pub fn parse(field: &'static str, raw: &str) -> AppResult<Self> {
        let invalid = || AppError::bad_input(field, "is not a cursor from this API");
        let time = |raw: &str| {
            raw.parse::<i64>()
                .ok()
                .and_then(DateTime::from_timestamp_millis)
                .ok_or_else(invalid)
        };
        let number = |raw: &str| {
            raw.parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(invalid)
        };
        let ["a1", seq, at, page, seen] = raw.split('.').collect::<Vec<_>>()[..] else {
            return Err(invalid());
        };
        let page = match page {
            "-" => None,
            raw => {
                let (chat, next) = split_pair(raw).ok_or_else(invalid)?;
                Some((ChatId::parse(field, chat)?, time(next)?))
            }
        };
        let seen = match seen {
            "-" => Vec::new(),
            raw => raw
                .split(',')
                .take(MAX_SEEN)
                .map(|item| {
                    let (chat, seq) = split_pair(item).ok_or_else(invalid)?;
                    Ok((ChatId::parse(field, chat)?, number(seq)?))
                })
                .collect::<AppResult<_>>()?,
        };
        Ok(Self {
            seq: number(seq)?,
            chats_at: time(at)?,
            page,
            seen,
        })
    }
}

fn split_pair(raw: &str) -> Option<(&str, &str)> {
    raw.split_once('~')
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor__survives_the_round_trip_and_nothing_else_parses() {
        let chat = ChatId::new();
        let plain = AccountCursor::now(42, vec![(chat, 7)]);
        let parsed = AccountCursor::parse("after", &plain.encode()).unwrap();
        assert_eq!(parsed.seq, 42);
        assert_eq!(
            parsed.chats_at.timestamp_millis(),
            plain.chats_at.timestamp_millis()
        );
        assert!(parsed.has_seen(chat, 7) && !parsed.has_seen(chat, 8));
        let paged = AccountCursor {
            page: Some((ChatId::new(), Utc::now())),
            seen: Vec::new(),
            ..plain
        };
        let again = AccountCursor::parse("after", &paged.encode()).unwrap();
        assert_eq!(again.page.map(|p| p.0), paged.page.map(|p| p.0));
        assert!(again.seen.is_empty());
        for bad in [
            "",
            "a1",
            "a1.x.1.-.-",
            "a2.1.1.-.-",
            "a1.-1.1.-.-",
            "a1.1.1.notanid~1.-",
            "a1.1.1.-.x~1",
            "a1.1.1",
            "7",
        ] {
            assert!(AccountCursor::parse("after", bad).is_err(), "{bad}");
        }
    }
}
