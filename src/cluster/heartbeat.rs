//! Every instance beats every `PRESENCE_HEARTBEAT_MS`. In the same script
//! (`lua/beat.lua`, one at a time, so one sweeper per dead instance) it
//! removes instances silent for their `PRESENCE_INSTANCE_TIMEOUT_MS`
//! together with their presence counts and socket slots, and starts the
//! offline transition of users left with no socket; the sweeping instance
//! confirms them after the grace period.
//!
//! An instance that finds itself swept (it was cut off, not dead, or Redis
//! lost its data) writes its counts back from memory and announces users
//! that came back; so does one whose last beat failed, since a timed-out
//! command may still have run.

use std::sync::Weak;
use std::time::Duration;

use super::presence::RedisPresence;
use super::sockets::Claims;

/// Beats until the presence counts are dropped.
pub(super) async fn run(presence: Weak<RedisPresence>, claims: Weak<Claims>, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Whether Redis may lack this instance's counts: at the start, and
    // after any failed beat (a timed-out command may still run later, so
    // even "was this instance listed?" cannot be trusted then).
    let mut unsure = true;
    loop {
        ticks.tick().await;
        let Some(presence) = presence.upgrade() else {
            return;
        };
        match presence.beat().await {
            // Listed anew (this instance was swept: cut off, not dead; or
            // Redis lost its data), or unsure: put this instance's sockets
            // back. Idempotent, so writing counts Redis has costs nothing.
            Ok(listed_anew) if listed_anew || unsure => {
                match reassert(&presence, claims.upgrade()).await {
                    Ok(()) => unsure = false,
                    Err(error) => {
                        tracing::warn!(%error, "could not restore presence counts in redis");
                    }
                }
            }
            Ok(_) => {}
            Err(error) => {
                unsure = true;
                tracing::warn!(%error, "presence heartbeat failed");
            }
        }
    }
}

async fn reassert(
    presence: &RedisPresence,
    claims: Option<std::sync::Arc<Claims>>,
) -> redis::RedisResult<()> {
    if let Some(claims) = claims {
        claims.reassert().await?;
    }
    presence.reassert().await
}
