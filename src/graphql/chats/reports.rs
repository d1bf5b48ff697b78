//! Reports: `reportMessage`, `resolveReport` and the `reports` query. The
//! rules are the report service's (`services::reports`).

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, ID, InputObject, Object};
use chrono::{DateTime, Utc};

use super::super::context::{Authenticated, ContextExt};
use super::super::messages::MessageObject;
use super::super::pagination;
use super::super::users::{UserObject, load_user};
use crate::domain::{ChatId, MessageId, Report, ReportId};
use crate::services::reports::ReportAction as Action;

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::domain::ReportReason")]
pub enum ReportReason {
    Spam,
    Harassment,
    Inappropriate,
    Other,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::domain::ReportResolution")]
pub enum ReportResolution {
    /// The message was deleted for everyone.
    MessageDeleted,
    /// Its sender was banned from the group.
    SenderBanned,
    Dismissed,
}

/// What an admin does about a report.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ReportAction {
    /// Delete the message for everyone.
    DeleteMessage,
    /// Ban its sender from the group (until unbanned).
    BanSender,
    /// Nothing to do.
    Dismiss,
}

/// A member's report of a group message.
pub struct ReportObject(pub Report);

#[Object(name = "Report")]
impl ReportObject {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn chat_id(&self) -> ID {
        ID(self.0.chat.to_string())
    }

    /// The reported message (a tombstone once deleted).
    async fn message(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<MessageObject>> {
        let message = ctx.loaders()?.messages.load_one(self.0.message).await?;
        Ok(message.map(MessageObject::new))
    }

    /// Who sent the reported message.
    async fn sender(&self, ctx: &Context<'_>) -> async_graphql::Result<UserObject> {
        load_user(ctx, self.0.sender).await
    }

    async fn reporter(&self, ctx: &Context<'_>) -> async_graphql::Result<UserObject> {
        load_user(ctx, self.0.reporter).await
    }

    async fn reason(&self) -> ReportReason {
        self.0.reason.into()
    }

    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// `null` while open.
    async fn resolution(&self) -> Option<ReportResolution> {
        self.0.resolution.map(Into::into)
    }

    async fn resolved_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<UserObject>> {
        match self.0.resolved_by {
            Some(id) => Ok(Some(load_user(ctx, id).await?)),
            None => Ok(None),
        }
    }
}

#[derive(InputObject)]
pub struct ReportMessageInput {
    message_id: ID,
    reason: ReportReason,
    /// What the admins should know (at most 1,000 characters).
    note: Option<String>,
}

#[derive(InputObject)]
pub struct ResolveReportInput {
    report_id: ID,
    action: ReportAction,
}

#[derive(Default)]
pub struct ReportQuery;

#[Object]
impl ReportQuery {
    /// A group's reports, newest first (admins only; `FORBIDDEN` for other
    /// members): the first `first` (default 20, at most 100) after the
    /// cursor `after`; only open ones with `openOnly: true` (default false).
    #[graphql(
        guard = "Authenticated",
        complexity = "crate::graphql::connection_complexity(first, None::<i32>, pagination::DEFAULT_PAGE, child_complexity)"
    )]
    async fn reports(
        &self,
        ctx: &Context<'_>,
        chat_id: ID,
        open_only: Option<bool>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, ReportObject>> {
        let me = ctx.current_user()?;
        let chat = ChatId::parse("chatId", &chat_id)?;
        let limit = pagination::page_size("first", first)?;
        let cursor = after
            .as_deref()
            .map(|raw| ReportId::parse("after", raw))
            .transpose()?;
        let (reports, more) = ctx
            .services()?
            .reports
            .page(me.id, chat, open_only.unwrap_or(false), cursor, limit)
            .await?;
        let mut connection = Connection::new(cursor.is_some(), more);
        connection.edges = reports
            .into_iter()
            .map(|r| Edge::new(r.id.to_string(), ReportObject(r)))
            .collect();
        Ok(connection)
    }
}

#[derive(Default)]
pub struct ReportMutation;

#[Object]
impl ReportMutation {
    /// Reports a message of a group you are in to its admins (a
    /// `MESSAGE_REPORTED` notification; `reports`) and to the operator's
    /// webhook if one is configured. Once per message (`CONFLICT` after);
    /// not your own, a system message, or one of a direct chat
    /// (`BAD_USER_INPUT`).
    #[graphql(guard = "Authenticated")]
    async fn report_message(
        &self,
        ctx: &Context<'_>,
        input: ReportMessageInput,
    ) -> async_graphql::Result<ReportObject> {
        let me = ctx.current_user()?;
        let message = MessageId::parse("messageId", &input.message_id)?;
        let report = ctx
            .services()?
            .reports
            .report(me.id, message, input.reason.into(), input.note)
            .await?;
        Ok(ReportObject(report))
    }

    /// Resolves an open report (admins of its group): deletes the message,
    /// bans its sender (an admin's only by the owner) or dismisses it.
    /// `CONFLICT` when resolved already.
    #[graphql(guard = "Authenticated")]
    async fn resolve_report(
        &self,
        ctx: &Context<'_>,
        input: ResolveReportInput,
    ) -> async_graphql::Result<ReportObject> {
        let me = ctx.current_user()?;
        let id = ReportId::parse("reportId", &input.report_id)?;
        let action = match input.action {
            ReportAction::DeleteMessage => Action::DeleteMessage,
            ReportAction::BanSender => Action::BanSender,
            ReportAction::Dismiss => Action::Dismiss,
        };
        let report = ctx.services()?.reports.resolve(me.id, id, action).await?;
        Ok(ReportObject(report))
    }
}
