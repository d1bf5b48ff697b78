//! Jumping to a message: one page of a chat's history centred on a target
//! (a search result, a pinned message, a reply), with cursors that go on
//! paging both ways like any other page.
//!
//! The target is read first, then up to `limit - 1` messages on each side
//! (two index range reads on `(chatId, seq)`, in parallel). About half the
//! page goes to each side; at an end of the chat the side that runs short
//! gives its share to the other, so a jump near the start or the end still
//! returns a full page when the chat has one.

use crate::domain::{Message, MessageId};
use crate::error::{AppError, AppResult};

/// What a page is centred on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AroundTarget {
    /// A message cursor (its sequence number).
    Cursor(i64),
    /// A message id.
    Message(MessageId),
}

impl AroundTarget {
    /// A message cursor (digits) or a message id (24 hex digits).
    pub fn parse(field: &'static str, raw: &str) -> AppResult<Self> {
        // Cursors are short numbers; an id is 24 characters, too long for
        // an i64, so the two never collide.
        if raw.len() < 20
            && let Ok(seq) = raw.parse::<i64>()
        {
            return Ok(AroundTarget::Cursor(seq));
        }
        MessageId::parse(field, raw)
            .map(AroundTarget::Message)
            .map_err(|_| AppError::bad_input(field, "is neither a message cursor nor a message id"))
    }
}

/// A page of history around a target, oldest first.
#[derive(Debug)]
pub struct AroundPage {
    pub messages: Vec<Message>,
    /// Older messages exist before the page.
    pub has_previous: bool,
    /// Newer messages exist after the page.
    pub has_next: bool,
}

/// Builds a page of `limit` (at least 1) messages from the target and what
/// was read on each side: `older` (oldest first, up to `limit - 1`, and
/// whether more exist) and `newer` (likewise).
pub fn split(
    limit: usize,
    older: (Vec<Message>, bool),
    target: Message,
    newer: (Vec<Message>, bool),
) -> AroundPage {
    let room = limit.saturating_sub(1);
    let (mut older, older_more) = older;
    let (mut newer, newer_more) = newer;
    // The older side gets the smaller half of an odd remainder, so the
    // target sits at or just before the middle.
    let mut take_older = room / 2;
    let mut take_newer = room - take_older;
    if older.len() < take_older {
        take_newer += take_older - older.len();
        take_older = older.len();
    }
    if newer.len() < take_newer {
        take_older = (take_older + take_newer - newer.len()).min(older.len());
        take_newer = newer.len();
    }
    let has_previous = older_more || older.len() > take_older;
    let has_next = newer_more || newer.len() > take_newer;
    let older = older.split_off(older.len() - take_older);
    newer.truncate(take_newer);
    let mut messages = older;
    messages.push(target);
    messages.extend(newer);
    AroundPage {
        messages,
        has_previous,
        has_next,
    }
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;
    use crate::domain::{ChatId, MessageKind, UserId};

    fn message(seq: i64) -> Message {
        Message {
            id: MessageId::new(),
            chat: ChatId(bson::oid::ObjectId::new()),
            seq,
            sender: UserId(bson::oid::ObjectId::new()),
            kind: MessageKind::Text,
            text: Some(seq.to_string()),
            media: Vec::new(),
            reply_to: None,
            thread_root: None,
            mentions: Vec::new(),
            mentions_all: false,
            reactions: Vec::new(),
            deleted_for: Vec::new(),
            is_deleted: false,
            edited_at: None,
            created_at: chrono::Utc::now(),
            client_message_id: None,
            system: None,
        }
    }

    fn seqs(range: std::ops::RangeInclusive<i64>) -> Vec<Message> {
        range.map(message).collect()
    }

    fn page_seqs(page: &AroundPage) -> Vec<i64> {
        page.messages.iter().map(|m| m.seq).collect()
    }

    #[test]
    fn split__in_the_middle_takes_half_each_side() {
        let page = split(5, (seqs(6..=9), true), message(10), (seqs(11..=14), true));
        assert_eq!(page_seqs(&page), vec![8, 9, 10, 11, 12]);
        assert!(page.has_previous && page.has_next);
    }

    #[test]
    fn split__near_the_start_gives_the_rest_to_newer() {
        let page = split(5, (seqs(1..=1), false), message(2), (seqs(3..=6), true));
        assert_eq!(page_seqs(&page), vec![1, 2, 3, 4, 5]);
        assert!(!page.has_previous);
        assert!(page.has_next);
    }

    #[test]
    fn split__at_the_end_gives_the_rest_to_older() {
        let page = split(5, (seqs(6..=9), true), message(10), (vec![], false));
        assert_eq!(page_seqs(&page), vec![6, 7, 8, 9, 10]);
        assert!(page.has_previous);
        assert!(!page.has_next);
    }

    #[test]
    fn split__a_short_chat_returns_all_of_it() {
        let page = split(10, (seqs(1..=2), false), message(3), (seqs(4..=4), false));
        assert_eq!(page_seqs(&page), vec![1, 2, 3, 4]);
        assert!(!page.has_previous && !page.has_next);
    }

    #[test]
    fn split__a_page_of_one_is_the_target() {
        let page = split(1, (vec![], true), message(3), (vec![], true));
        assert_eq!(page_seqs(&page), vec![3]);
        assert!(page.has_previous && page.has_next);
    }

    #[test]
    fn target__parses_cursors_and_ids() {
        assert_eq!(
            AroundTarget::parse("around", "42").unwrap(),
            AroundTarget::Cursor(42)
        );
        let id = MessageId::new();
        assert_eq!(
            AroundTarget::parse("around", &id.to_string()).unwrap(),
            AroundTarget::Message(id)
        );
        assert!(AroundTarget::parse("around", "x{").is_err());
    }
}
