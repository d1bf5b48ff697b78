//! DataLoaders: every population of related records goes through one of
//! these, so a page of N items costs one query per relation, not N.
//!
//! They are created per request and do not cache, so a long subscription never
//! serves stale records; batching within one response is what they are for.

use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, Loader};

use crate::domain::{User, UserId};
use crate::services::Services;

pub struct Loaders {
    pub users: DataLoader<UserLoader>,
}

impl Loaders {
    pub fn new(services: &Services) -> Self {
        Self {
            users: DataLoader::new(UserLoader(services.clone()), tokio::spawn),
        }
    }
}

pub struct UserLoader(Services);

impl Loader<UserId> for UserLoader {
    type Value = User;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[UserId]) -> Result<HashMap<UserId, User>, Self::Error> {
        let users = self.0.accounts.users_by_ids(keys).await?;
        Ok(users.into_iter().map(|u| (u.id, u)).collect())
    }
}
