//! Reports of messages: a member reports a message of a group
//! (`reportMessage`, once per member and message); the group's admins get a
//! `MESSAGE_REPORTED` notification and see it in `reports(chatId)`; the
//! operator's webhook gets it too when configured ([`ReportWebhook`]). An
//! admin resolves it once: deletes the message for everyone, bans its
//! sender (the ban's own rules apply: an admin's message only by the
//! owner), or dismisses it.
//!
//! Only group messages can be reported (a direct chat has no admins: block
//! the person instead), and not one's own nor system messages.

use std::sync::Arc;

use chrono::Utc;

use super::chats::permissions::{self, Action};
use super::chats::{ChatService, NewBan};
use super::messages::MessageService;
use super::notifications::{NotificationDraft, NotificationService};
use super::report_webhook::ReportWebhook;
use crate::domain::{
    ChatId, MessageId, MessageKind, NotificationKind, REPORT_NOTE_MAX, Report, ReportId,
    ReportReason, ReportResolution, UserId, text,
};
use crate::error::{AppError, AppResult};
use crate::storage::Database;

/// What an admin does about a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportAction {
    DeleteMessage,
    BanSender,
    Dismiss,
}

#[derive(Clone)]
pub struct ReportService {
    db: Database,
    chats: ChatService,
    messages: MessageService,
    notifications: NotificationService,
    webhook: Option<Arc<ReportWebhook>>,
}

impl ReportService {
    pub fn new(
        db: Database,
        chats: ChatService,
        messages: MessageService,
        notifications: NotificationService,
        webhook: Option<Arc<ReportWebhook>>,
    ) -> Self {
        Self {
            db,
            chats,
            messages,
            notifications,
            webhook,
        }
    }

    /// Reports a message (see the module docs).
    #[tracing::instrument(skip(self, note), fields(user_id = %me, message_id = %id))]
    pub async fn report(
        &self,
        me: UserId,
        id: MessageId,
        reason: ReportReason,
        note: Option<String>,
    ) -> AppResult<Report> {
        let note = note
            .filter(|n| !n.trim().is_empty())
            .map(|n| text::multi_line("note", &n, 1, REPORT_NOTE_MAX))
            .transpose()?;
        let not_found = || AppError::NotFound("message not found".into());
        let message = self.db.messages().find(id).await?.ok_or_else(not_found)?;
        let chat = self
            .chats
            .as_member(me, message.chat)
            .await
            .map_err(|_| not_found())?;
        if !chat.is_group {
            return Err(AppError::bad_input(
                "messageId",
                "only group messages can be reported; block the person instead",
            ));
        }
        if message.sender == me || message.kind == MessageKind::System {
            return Err(AppError::bad_input(
                "messageId",
                "you cannot report your own or a system message",
            ));
        }
        let report = Report {
            id: crate::storage::reports::new_id(),
            chat: chat.id,
            message: message.id,
            sender: message.sender,
            reporter: me,
            reason,
            note,
            created_at: Utc::now(),
            resolution: None,
            resolved_by: None,
        };
        self.db.reports().insert(&report).await?;
        let admins: Vec<UserId> = chat.admins.iter().copied().filter(|a| *a != me).collect();
        self.notifications
            .notify(
                &admins,
                NotificationDraft {
                    kind: NotificationKind::MessageReported,
                    actor: me,
                    chat: Some(chat.id),
                    friend_request: None,
                    message: None,
                },
            )
            .await?;
        if let Some(webhook) = &self.webhook {
            webhook.send(&report, &message);
        }
        Ok(report)
    }

    /// A page of group `chat`'s reports, newest first (admins).
    pub async fn page(
        &self,
        me: UserId,
        chat: ChatId,
        open_only: bool,
        after: Option<ReportId>,
        limit: usize,
    ) -> AppResult<(Vec<Report>, bool)> {
        let chat = self.chats.as_member(me, chat).await?;
        permissions::ensure(&chat, me, Action::Moderate)?;
        self.db
            .reports()
            .page(chat.id, open_only, after, limit)
            .await
    }

    /// Resolves an open report (admins of its group).
    #[tracing::instrument(skip(self), fields(user_id = %me, report_id = %id))]
    pub async fn resolve(
        &self,
        me: UserId,
        id: ReportId,
        action: ReportAction,
    ) -> AppResult<Report> {
        let not_found = || AppError::NotFound("report not found".into());
        let report = self.db.reports().find(id).await?.ok_or_else(not_found)?;
        let chat = self
            .chats
            .as_member(me, report.chat)
            .await
            .map_err(|_| not_found())?;
        permissions::ensure(&chat, me, Action::Moderate)?;
        if report.resolution.is_some() {
            return Err(AppError::Conflict("the report was resolved already".into()));
        }
        let resolution = match action {
            ReportAction::DeleteMessage => {
                self.messages.delete(me, report.message, true).await?;
                ReportResolution::MessageDeleted
            }
            ReportAction::BanSender => {
                let ban = NewBan {
                    chat: chat.id,
                    user: report.sender,
                    until: None,
                    reason: Some("reported message".into()),
                };
                self.chats.ban(me, ban).await?;
                ReportResolution::SenderBanned
            }
            ReportAction::Dismiss => ReportResolution::Dismissed,
        };
        self.db
            .reports()
            .resolve(id, resolution, me)
            .await?
            .ok_or_else(|| AppError::Conflict("the report was resolved already".into()))
    }
}
