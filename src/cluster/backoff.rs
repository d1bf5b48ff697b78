//! Pauses between reconnection attempts: exponential, capped, jittered.
//!
//! Jitter keeps a fleet of instances that lost Redis together from all
//! knocking at the same instant when it comes back.

use std::time::Duration;

use rand::Rng;

/// The first pause; it doubles after every failed attempt.
const FIRST: Duration = Duration::from_millis(100);

pub struct Backoff {
    next: Duration,
    max: Duration,
}

impl Backoff {
    pub fn new(max: Duration) -> Self {
        Self {
            next: FIRST.min(max),
            max,
        }
    }

    /// The pause before the next attempt: the current step, give or take a
    /// quarter, then the step doubles up to the cap.
    pub fn pause(&mut self) -> Duration {
        let step = self.next;
        self.next = (self.next * 2).min(self.max);
        let quarter = step.as_millis() as u64 / 4;
        let jitter = rand::thread_rng().gen_range(0..=quarter * 2);
        Duration::from_millis(step.as_millis() as u64 - quarter + jitter)
    }

    /// After a success: the next failure starts from the first step again.
    pub fn reset(&mut self) {
        self.next = FIRST.min(self.max);
    }
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    #[test]
    fn pauses__double_up_to_the_cap_and_restart_after_a_reset() {
        let mut backoff = Backoff::new(Duration::from_millis(400));
        let within = |d: Duration, ms: u64| {
            let ms = ms as f64;
            let got = d.as_millis() as f64;
            assert!(got >= ms * 0.75 && got <= ms * 1.25, "{got} not near {ms}");
        };
        within(backoff.pause(), 100);
        within(backoff.pause(), 200);
        within(backoff.pause(), 400);
        within(backoff.pause(), 400);
        backoff.reset();
        within(backoff.pause(), 100);
    }
}
