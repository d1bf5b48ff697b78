//! Typed access to what the transport put in the request, and the guard for
//! the first permission layer (signed in).
//!
//! Every read of the caller goes through [`ContextExt::viewer`] (or
//! [`ContextExt::current_user`], which uses it): that is how a response
//! rendered once for many subscribers is known not to depend on who they
//! are (see [`ViewerProbe`]). Never read `Viewer` from the context directly
//! in a resolver.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

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
        ViewerProbe::mark(self);
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

/// Put in a request executed once on behalf of many viewers: set when any
/// resolver asks who the viewer is (or uses an answer that depends on it),
/// so the result is known to be one viewer's own and is not shared. Clones
/// share the flag: the executor keeps one to read after execution.
#[derive(Clone, Default)]
pub struct ViewerProbe(Arc<AtomicBool>);

impl ViewerProbe {
    /// Records that the answer being built depends on the viewer.
    pub fn mark(ctx: &Context<'_>) {
        if let Some(probe) = ctx.data_opt::<ViewerProbe>() {
            probe.0.store(true, Ordering::Relaxed);
        }
    }

    pub fn viewer_was_read(&self) -> bool {
        self.0.load(Ordering::Relaxed)
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
