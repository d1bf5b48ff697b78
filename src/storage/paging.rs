//! Keyset pagination over `_id` (ObjectIds grow with time), newest first.
//!
//! A page asks for one more item than it returns: the extra one only tells
//! whether there is a next page, so no count query is needed.

use bson::oid::ObjectId;
use bson::{Document, doc};

/// Where a page starts and how long it is.
#[derive(Clone, Copy, Debug)]
pub struct PageRequest {
    /// Items strictly older than this id (the previous page's last cursor).
    pub after: Option<ObjectId>,
    pub limit: usize,
}

/// One page of items, newest first.
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_next: bool,
}

impl PageRequest {
    /// Adds the keyset condition on `field` to `filter`.
    pub fn filter(&self, field: &str, mut filter: Document) -> Document {
        if let Some(after) = self.after {
            filter.insert(field, doc! { "$lt": after });
        }
        filter
    }

    /// The number of documents to fetch (one extra, see the module docs).
    pub fn fetch_limit(&self) -> i64 {
        self.limit as i64 + 1
    }

    pub fn finish<T>(&self, mut items: Vec<T>) -> Page<T> {
        let has_next = items.len() > self.limit;
        items.truncate(self.limit);
        Page { items, has_next }
    }
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            has_next: self.has_next,
        }
    }
}
