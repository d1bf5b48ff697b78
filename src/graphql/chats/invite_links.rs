//! Invite links: `createInviteLink`, `revokeInviteLink`, `joinByInvite`,
//! and `Chat.inviteLinks`. The rules are the chat service's
//! (`services::chats::invite_links`).

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};

use super::super::context::{Authenticated, ContextExt};
use super::super::pagination;
use super::super::users::{UserObject, load_user};
use super::ChatObject;
use crate::domain::{Chat, ChatId, InviteLink, InviteLinkId};
use crate::error::AppError;

/// A link that lets whoever holds its code join a group (with
/// `joinByInvite`), private groups included.
pub struct InviteLinkObject {
    link: InviteLink,
    /// Only right after `createInviteLink`: the server keeps a hash only.
    code: Option<String>,
}

#[Object(name = "InviteLink")]
impl InviteLinkObject {
    async fn id(&self) -> ID {
        ID(self.link.id.to_string())
    }

    async fn chat_id(&self) -> ID {
        ID(self.link.chat.to_string())
    }

    /// The code to share (put it in your app's link); only in the answer
    /// to `createInviteLink`, `null` ever after.
    async fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    async fn created_by(&self, ctx: &Context<'_>) -> async_graphql::Result<UserObject> {
        load_user(ctx, self.link.created_by).await
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.link.created_at
    }

    /// When it stops working; `null`: never.
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.link.expires_at
    }

    /// How many may join by it; `null`: any number.
    async fn max_uses(&self) -> Option<u32> {
        self.link.max_uses
    }

    /// How many have joined by it.
    async fn uses(&self) -> u32 {
        self.link.uses
    }

    async fn revoked(&self) -> bool {
        self.link.revoked
    }
}

fn links_connection(
    links: Vec<InviteLink>,
    has_previous: bool,
    has_next: bool,
) -> Connection<String, InviteLinkObject> {
    let mut connection = Connection::new(has_previous, has_next);
    connection.edges = links
        .into_iter()
        .map(|link| {
            let cursor = link.id.to_string();
            Edge::new(cursor, InviteLinkObject { link, code: None })
        })
        .collect();
    connection
}

/// `Chat.inviteLinks`: a page of `chat`'s links (admins).
pub(super) async fn page(
    ctx: &Context<'_>,
    chat: &Chat,
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<Connection<String, InviteLinkObject>> {
    let me = ctx.current_user()?;
    let limit = pagination::page_size("first", first)?;
    let cursor = after
        .as_deref()
        .map(|raw| InviteLinkId::parse("after", raw))
        .transpose()?;
    let (links, more) = ctx
        .services()?
        .chats
        .invite_links(me.id, chat, cursor, limit)
        .await?;
    Ok(links_connection(links, cursor.is_some(), more))
}

#[derive(InputObject)]
pub struct CreateInviteLinkInput {
    chat_id: ID,
    /// When it stops working (in the future); absent: never.
    expires_at: Option<DateTime<Utc>>,
    /// How many may join by it, 1–100,000; absent: any number.
    max_uses: Option<i32>,
}

#[derive(InputObject)]
pub struct InviteLinkIdInput {
    link_id: ID,
}

#[derive(InputObject)]
pub struct JoinByInviteInput {
    /// The code `createInviteLink` returned.
    code: String,
}

#[derive(Default)]
pub struct InviteLinkMutation;

#[Object]
impl InviteLinkMutation {
    /// Makes an invite link of a group (admins). The answer carries the
    /// code; it cannot be shown again.
    #[graphql(guard = "Authenticated")]
    async fn create_invite_link(
        &self,
        ctx: &Context<'_>,
        input: CreateInviteLinkInput,
    ) -> async_graphql::Result<InviteLinkObject> {
        let me = ctx.current_user()?;
        let chat = ChatId::parse("chatId", &input.chat_id)?;
        let max_uses = input
            .max_uses
            .map(|n| {
                u32::try_from(n).map_err(|_| AppError::bad_input("maxUses", "must be 1 or more"))
            })
            .transpose()?;
        let (link, code) = ctx
            .services()?
            .chats
            .create_invite_link(me.id, chat, input.expires_at, max_uses)
            .await?;
        Ok(InviteLinkObject {
            link,
            code: Some(code),
        })
    }

    /// Revokes an invite link (admins of its group): `joinByInvite` with
    /// it is refused from now on (`FORBIDDEN`, reason `INVITE_REVOKED`).
    #[graphql(guard = "Authenticated")]
    async fn revoke_invite_link(
        &self,
        ctx: &Context<'_>,
        input: InviteLinkIdInput,
    ) -> async_graphql::Result<InviteLinkObject> {
        let me = ctx.current_user()?;
        let id = InviteLinkId::parse("linkId", &input.link_id)?;
        let link = ctx.services()?.chats.revoke_invite_link(me.id, id).await?;
        Ok(InviteLinkObject { link, code: None })
    }

    /// Joins the group of an invite link, private or public. Refused with
    /// `FORBIDDEN` and a reason when banned (`BANNED`) or when the link was
    /// revoked (`INVITE_REVOKED`), has expired (`INVITE_EXPIRED`) or is
    /// used up (`INVITE_USED_UP`); an unknown code is `NOT_FOUND`. A member
    /// gets the chat back.
    #[graphql(guard = "Authenticated")]
    async fn join_by_invite(
        &self,
        ctx: &Context<'_>,
        input: JoinByInviteInput,
    ) -> async_graphql::Result<ChatObject> {
        let me = ctx.current_user()?;
        Ok(ChatObject(
            ctx.services()?
                .chats
                .join_by_invite(me.id, &input.code)
                .await?,
        ))
    }
}
