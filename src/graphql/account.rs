//! The end of an account's life, and taking its data along:
//! `deleteAccount` and `exportMyData`.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::context::{Authenticated, ContextExt};
use crate::limits::ClientIp;

/// How long an export link works.
const EXPORT_LINK_MINUTES: i64 = 10;

#[derive(InputObject)]
pub struct DeleteAccountInput {
    /// The account's password, checked like a sign-in.
    password: String,
}

/// What `deleteAccount` did.
#[derive(SimpleObject)]
pub struct DeletedAccount {
    /// The deleted account's id: it still names the sender of its
    /// messages, now shown as "Deleted account" (`User.deleted`).
    user_id: ID,
}

/// Where to download a data export.
#[derive(SimpleObject)]
pub struct DataExportLink {
    /// A path on this server (`/export?token=…`): resolve it against the
    /// API's URL and download it with a plain GET (no header needed).
    /// The response is one JSON document (see the README for its shape),
    /// written as it is read.
    url: String,
    /// The link stops working then, or when this session ends.
    expires_at: DateTime<Utc>,
}

#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Deletes your account for good: profile (handle and email become
    /// free), friends, requests, blocks, notifications and every session
    /// (all sockets close with 4403). You leave every group (ownership
    /// passes as for `leaveChat`); your messages become tombstones from
    /// "Deleted account"; direct chats stay readable for the other person,
    /// who can send nothing more. A wrong `password` is `BAD_USER_INPUT`
    /// and counts as a failed sign-in.
    #[graphql(guard = "Authenticated")]
    async fn delete_account(
        &self,
        ctx: &Context<'_>,
        input: DeleteAccountInput,
    ) -> async_graphql::Result<DeletedAccount> {
        let me = ctx.current_user()?;
        let ip = ctx.data_opt::<ClientIp>().copied().unwrap_or_default();
        let gone = ctx
            .services()?
            .accounts
            .delete_account(me, input.password, ip)
            .await?;
        Ok(DeletedAccount {
            user_id: ID(gone.id.to_string()),
        })
    }

    /// A link to download everything you have here as one JSON document:
    /// profile, sessions, friends, blocked users, chats and every message
    /// you sent. Valid for 10 minutes and while this session lives.
    #[graphql(guard = "Authenticated")]
    async fn export_my_data(&self, ctx: &Context<'_>) -> async_graphql::Result<DataExportLink> {
        let me = ctx.current_user()?;
        let token = ctx
            .services()?
            .sessions
            .download_token(&me, chrono::Duration::minutes(EXPORT_LINK_MINUTES))?;
        Ok(DataExportLink {
            url: format!("/export?token={}", token.token),
            expires_at: token.expires_at,
        })
    }
}
