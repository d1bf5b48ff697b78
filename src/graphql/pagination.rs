//! Relay connections: arguments, limits, and cursors.
//!
//! Cursors are the ids the storage layer pages by (opaque to clients). Page
//! sizes default to [`DEFAULT_PAGE`] and may not exceed [`MAX_PAGE`].

use async_graphql::connection::{Connection, Edge};
use async_graphql::{ID, OutputType};
use bson::oid::ObjectId;

use crate::domain::UserId;
use crate::error::{AppError, AppResult};
use crate::storage::{Page, PageRequest};

pub const DEFAULT_PAGE: usize = 20;
pub const MAX_PAGE: usize = 100;

/// Checks `first` and decodes `after` into a storage page request.
pub fn forward(first: Option<i32>, after: Option<&str>) -> AppResult<PageRequest> {
    let limit = page_size("first", first)?;
    let after = after.map(decode_cursor).transpose()?;
    Ok(PageRequest { after, limit })
}

/// A page size from `first` or `last`: 0 to [`MAX_PAGE`].
pub fn page_size(field: &'static str, value: Option<i32>) -> AppResult<usize> {
    match value {
        None => Ok(DEFAULT_PAGE),
        Some(n) if (0..=MAX_PAGE as i32).contains(&n) => Ok(n as usize),
        Some(_) => Err(AppError::bad_input(
            field,
            format!("must be between 0 and {MAX_PAGE}"),
        )),
    }
}

/// One page of a list of users held in memory (a chat's members, a
/// message's readers): the first `first` (default [`DEFAULT_PAGE`], at most
/// [`MAX_PAGE`]) after the user `after`, in the list's order. Such lists
/// grow with a group (up to `MAX_GROUP_MEMBERS`), so none is ever returned
/// whole, and the complexity limit counts each at its page size.
pub fn user_page<'a>(
    ids: &'a [UserId],
    first: Option<i32>,
    after: Option<&ID>,
) -> AppResult<&'a [UserId]> {
    let limit = page_size("first", first)?;
    let start = match after {
        None => 0,
        Some(after) => {
            let after = UserId::parse("after", after)?;
            ids.iter()
                .position(|id| *id == after)
                .map(|at| at + 1)
                .ok_or_else(|| AppError::bad_input("after", "is not in this list"))?
        }
    };
    let rest = &ids[start..];
    Ok(&rest[..limit.min(rest.len())])
}

pub fn decode_cursor(cursor: &str) -> AppResult<ObjectId> {
    ObjectId::parse_str(cursor).map_err(|_| AppError::bad_input("after", "is not a valid cursor"))
}

/// Builds a forward connection from a storage page; `cursor` gives each
/// item's cursor and `node` turns it into its GraphQL object.
pub fn connection<T, N: OutputType>(
    request: &PageRequest,
    page: Page<T>,
    cursor: impl Fn(&T) -> ObjectId,
    node: impl Fn(T) -> N,
) -> Connection<String, N> {
    let mut connection = Connection::new(request.after.is_some(), page.has_next);
    connection.edges = page
        .items
        .into_iter()
        .map(|item| Edge::new(cursor(&item).to_hex(), node(item)))
        .collect();
    connection
}
