//! The `reports` collection: members' reports of messages. One per member
//! and message, by a unique index on (`message`, `reporter`) — fields set at
//! insert and never changed. Resolving sets `resolution` and `resolvedBy`
//! once (only while still open, inside the update's filter).

use bson::oid::ObjectId;
use bson::{Bson, Document, doc};
use futures_util::TryStreamExt;
use mongodb::options::{IndexOptions, ReturnDocument};
use mongodb::{Collection, IndexModel};

use super::{duplicate_key_message, to_chrono};
use crate::domain::{ChatId, MessageId, Report, ReportId, ReportResolution, UserId};
use crate::error::{AppError, AppResult};

#[derive(Clone)]
pub struct ReportStore {
    reports: Collection<Document>,
}

fn enum_of<T: serde::de::DeserializeOwned>(value: Option<&Bson>) -> Option<T> {
    value.and_then(|v| bson::from_bson(v.clone()).ok())
}

fn report_of(doc: &Document) -> AppResult<Report> {
    let oid = |f: &str| doc.get_object_id(f).map_err(AppError::internal);
    Ok(Report {
        id: ReportId(oid("_id")?),
        chat: ChatId(oid("chat")?),
        message: MessageId(oid("message")?),
        sender: UserId(oid("sender")?),
        reporter: UserId(oid("reporter")?),
        reason: enum_of(doc.get("reason"))
            .ok_or_else(|| anyhow::anyhow!("report without a reason"))?,
        note: doc.get_str("note").ok().map(str::to_owned),
        created_at: doc
            .get_datetime("createdAt")
            .map(|t| to_chrono(*t))
            .unwrap_or_default(),
        resolution: enum_of(doc.get("resolution")),
        resolved_by: doc.get_object_id("resolvedBy").ok().map(UserId),
    })
}

impl ReportStore {
    pub(super) fn new(db: &mongodb::Database) -> Self {
        Self {
            reports: db.collection("reports"),
        }
    }

    pub(super) async fn ensure_indexes(&self) -> AppResult<()> {
        self.reports
            .create_indexes([
                IndexModel::builder()
                    .keys(doc! { "message": 1, "reporter": 1 })
                    .options(IndexOptions::builder().unique(true).build())
                    .build(),
                IndexModel::builder()
                    .keys(doc! { "chat": 1, "_id": -1 })
                    .build(),
            ])
            .await?;
        Ok(())
    }

    /// Stores a new report; `CONFLICT` when the reporter reported this
    /// message already.
    pub async fn insert(&self, report: &Report) -> AppResult<()> {
        let doc = doc! {
            "_id": report.id.oid(),
            "chat": report.chat.oid(),
            "message": report.message.oid(),
            "sender": report.sender.oid(),
            "reporter": report.reporter.oid(),
            "reason": bson::to_bson(&report.reason)?,
            "note": report.note.clone(),
            "createdAt": bson::DateTime::from_chrono(report.created_at),
        };
        match self.reports.insert_one(doc).await {
            Ok(_) => Ok(()),
            Err(e) if duplicate_key_message(&e).is_some() => Err(AppError::Conflict(
                "you reported this message already".into(),
            )),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn find(&self, id: ReportId) -> AppResult<Option<Report>> {
        let doc = self.reports.find_one(doc! { "_id": id.oid() }).await?;
        doc.as_ref().map(report_of).transpose()
    }

    /// Resolves an open report; `None` when it was resolved already.
    pub async fn resolve(
        &self,
        id: ReportId,
        resolution: ReportResolution,
        by: UserId,
    ) -> AppResult<Option<Report>> {
        let doc = self
            .reports
            .find_one_and_update(
                doc! { "_id": id.oid(), "resolution": Bson::Null },
                doc! { "$set": {
                    "resolution": bson::to_bson(&resolution)?,
                    "resolvedBy": by.oid(),
                    "resolvedAt": bson::DateTime::now(),
                } },
            )
            .return_document(ReturnDocument::After)
            .await?;
        doc.as_ref().map(report_of).transpose()
    }

    /// A page of `chat`'s reports, newest first, after the report `after`;
    /// only open ones when `open_only`.
    pub async fn page(
        &self,
        chat: ChatId,
        open_only: bool,
        after: Option<ReportId>,
        limit: usize,
    ) -> AppResult<(Vec<Report>, bool)> {
        let mut filter = doc! { "chat": chat.oid() };
        if open_only {
            filter.insert("resolution", Bson::Null);
        }
        if let Some(after) = after {
            filter.insert("_id", doc! { "$lt": after.oid() });
        }
        let docs: Vec<Document> = self
            .reports
            .find(filter)
            .sort(doc! { "_id": -1 })
            .limit(limit as i64 + 1)
            .await?
            .try_collect()
            .await?;
        let has_next = docs.len() > limit;
        let reports = docs
            .iter()
            .take(limit)
            .map(report_of)
            .collect::<AppResult<_>>()?;
        Ok((reports, has_next))
    }
}

/// A fresh report id.
pub fn new_id() -> ReportId {
    ReportId(ObjectId::new())
}
