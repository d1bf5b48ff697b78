//! Typed access to what the transport put in the request, and the guard for
//! the first permission layer (signed in).
//!
//! Resolvers read the caller through [`ContextExt::viewer`] (or
//! [`ContextExt::current_user`], which uses it). A response rendered once
//! for many subscribers does not depend on this: it is built from types
//! without viewer-dependent fields, in a request that carries no viewer
//! (see [`super::shared_events`]).

use std::sync::OnceLock;

use async_graphql::{Context, Guard};

use crate::auth::{CurrentUser, Viewer};
use crate::domain::UserId;
use crate::error::AppError;
use crate::services::Services;

use super::loaders::Loaders;

pub trait ContextExt {
    fn services(&self) -> Result<&Services, AppError>;
    fn loaders(&self) -> Result<&Loaders, AppError>;
    /// The signed-in user, or `UNAUTHENTICATED` saying why not.
    fn current_user(&self) -> Result<CurrentUser, AppError>;
    /// The viewer: signed in or not (for fields whose answer depends on it).
    fn viewer(&self) -> &Viewer;
}

fn missing(what: &str) -> AppError {
    AppError::internal(anyhow::anyhow!("{what} missing from the request context"))
}

impl ContextExt for Context<'_> {
    fn services(&self) -> Result<&Services, AppError> {
        self.data::<Services>().map_err(|_| missing("Services"))
    }

    fn loaders(&self) -> Result<&Loaders, AppError> {
        let slot = self
            .data::<LoaderSlot>()
            .map_err(|_| missing("LoaderSlot"))?;
        if let Some(loaders) = slot.loaders.get() {
            return Ok(loaders);
        }
        let services = self.services()?;
        Ok(slot
            .loaders
            .get_or_init(|| Loaders::new(services, slot.viewer)))
    }

    fn current_user(&self) -> Result<CurrentUser, AppError> {
        self.viewer().require()
    }

    fn viewer(&self) -> &Viewer {
        self.data_opt::<Viewer>().unwrap_or(&Viewer::Anonymous)
    }
}

/// The request's DataLoaders, made on first use: most subscriptions never
/// load anything per event, and an idle socket should not pay for five
/// loaders it does not use.
pub struct LoaderSlot {
    /// Whose answers the viewer-dependent loaders give.
    viewer: Option<UserId>,
    loaders: OnceLock<Loaders>,
}

impl LoaderSlot {
    pub fn new(viewer: Option<UserId>) -> Self {
        Self {
            viewer,
            loaders: OnceLock::new(),
        }
    }
}

/// Refuses the field unless the request carries a valid token.
pub struct Authenticated;

impl Guard for Authenticated {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        ctx.current_user()?;
        Ok(())
    }
}
