//! [`Prefetched`]: what a page of messages is about to ask for, loaded up
//! front in two waves: the replied-to messages (and the chat's receipts,
//! for `readBy`), then every user the page names (senders, the replies'
//! senders, reactors, readers, system actors and targets) in one batch.
//!
//! Resolved field by field, the same page loads users in two waves (the
//! replies' senders are known only once the replies are loaded), and a
//! DataLoader batch that outlasts its collection window splits in two on a
//! large page. Loaded up front, a page costs the same round trips whatever
//! its size. Only what the query selects is loaded; whatever is not found
//! here (a deleted user, a page of a list past its first hundred) falls
//! back to the loaders, so answers are the same either way.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_graphql::Context;
use async_graphql::Lookahead;

use crate::domain::{Message, MessageId, User, UserId};
use crate::graphql::context::ContextExt;
use crate::graphql::pagination::MAX_PAGE;
use crate::graphql::users::{UserObject, load_user, users_in_order};
use crate::storage::receipts::Receipt;

#[derive(Default)]
pub struct Prefetched {
    pub users: HashMap<UserId, User>,
    pub messages: HashMap<MessageId, Message>,
    /// The chat's receipt pointers, when `readBy` or `deliveredTo` is asked.
    pub receipts: Option<Vec<Receipt>>,
}

/// What the query asks of each message of the page (`ctx` is the
/// connection field's).
struct Wants {
    sender: bool,
    reply: bool,
    reply_sender: bool,
    reactors: bool,
    receipts: bool,
    system_users: bool,
}

impl Wants {
    fn of(ctx: &Context<'_>) -> Self {
        let look = ctx.look_ahead();
        // A message is reached through `edges { node }` or `nodes`.
        let nodes = [look.field("edges").field("node"), look.field("nodes")];
        let any = |path: &[&str]| {
            nodes.iter().any(|node| {
                let mut at: Lookahead<'_> = node.field(path[0]);
                for name in &path[1..] {
                    at = at.field(name);
                }
                at.exists()
            })
        };
        Self {
            sender: any(&["sender"]),
            reply: any(&["replyTo"]),
            reply_sender: any(&["replyTo", "sender"]),
            reactors: any(&["reactions", "users"]),
            receipts: any(&["readBy"]) || any(&["deliveredTo"]),
            system_users: any(&["system", "actor"]) || any(&["system", "targets"]),
        }
    }
}

/// `id` as a user, from `known` when it is there.
pub async fn user(
    ctx: &Context<'_>,
    known: Option<&Prefetched>,
    id: UserId,
) -> async_graphql::Result<UserObject> {
    match known.and_then(|k| k.users.get(&id)) {
        Some(user) => Ok(UserObject::new(user.clone())),
        None => load_user(ctx, id).await,
    }
}

/// `ids` as users in that order, from `known` when all are there.
pub async fn users(
    ctx: &Context<'_>,
    known: Option<&Prefetched>,
    ids: &[UserId],
) -> async_graphql::Result<Vec<UserObject>> {
    if let Some(known) = known
        && let Some(users) = ids
            .iter()
            .map(|id| known.users.get(id))
            .collect::<Option<Vec<_>>>()
    {
        return Ok(users.into_iter().cloned().map(UserObject::new).collect());
    }
    users_in_order(ctx, ids).await
}

/// Loads what the query selects of `page`; `None` when it selects nothing
/// that needs loading.
pub async fn prefetch(
    ctx: &Context<'_>,
    page: &[Message],
) -> async_graphql::Result<Option<Arc<Prefetched>>> {
    let wants = Wants::of(ctx);
    let loaders = ctx.loaders()?;
    let mut users: HashSet<UserId> = HashSet::new();
    let mut prefetched = Prefetched::default();
    let replies: HashSet<MessageId> = match wants.reply {
        true => page.iter().filter_map(|m| m.reply_to).collect(),
        false => HashSet::new(),
    };
    let chat = page.first().map(|m| m.chat).filter(|_| wants.receipts);
    let (messages, receipts) = tokio::try_join!(
        async {
            match replies.is_empty() {
                true => Ok(HashMap::new()),
                false => loaders.messages.load_many(replies).await,
            }
        },
        async {
            match chat {
                Some(chat) => loaders.receipts.load_one(chat).await,
                None => Ok(None),
            }
        },
    )?;
    prefetched.messages = messages;
    if chat.is_some() {
        let receipts = receipts.unwrap_or_default();
        // Each message's readers and receivers, as far as one page of them
        // goes: a group's lists are paged, never loaded whole.
        for message in page {
            let holders = |position: fn(&Receipt) -> i64| {
                receipts
                    .iter()
                    .filter(move |r| r.user != message.sender && position(r) >= message.seq)
                    .map(|r| r.user)
                    .take(MAX_PAGE)
            };
            users.extend(holders(|r| r.read));
            users.extend(holders(|r| r.delivered));
        }
        prefetched.receipts = Some(receipts);
    }
    for message in page {
        if wants.sender {
            users.insert(message.sender);
        }
        if wants.reactors {
            users.extend(
                message
                    .reactions
                    .iter()
                    .flat_map(|r| r.users.iter().take(MAX_PAGE).copied()),
            );
        }
        if wants.system_users
            && let Some(system) = &message.system
        {
            users.insert(system.actor);
            users.extend(system.targets.iter().take(MAX_PAGE).copied());
        }
    }
    if wants.reply_sender {
        users.extend(prefetched.messages.values().map(|m| m.sender));
    }
    if !users.is_empty() {
        prefetched.users = loaders.users.load_many(users).await?;
    }
    let loaded = !prefetched.users.is_empty()
        || !prefetched.messages.is_empty()
        || prefetched.receipts.is_some();
    Ok(loaded.then(|| Arc::new(prefetched)))
}
