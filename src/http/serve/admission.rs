//! Which connections are served: a per-address cap, a process-wide budget
//! derived from the open-file limit, and a small reserve for health probes.
//!
//! Every open connection holds a file descriptor, and so does everything
//! else the process opens (the MongoDB pool, Redis, the listener). When they
//! run out, `accept` itself fails and the server can no longer even refuse
//! anyone, `/health` included. So connections are counted, and one over the
//! budget is accepted and closed at once: the budget leaves enough
//! descriptors free for the rest of the process and for that brief accept.
//! Refusals are counted in `chat_connections_refused_total{reason}`.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::limits::{LocalSlots, Slot};
use crate::metrics::{self, GaugeGuard};

/// Connections past the budget that may still ask for `/health` or `/ready`
/// (and get nothing else), so that probes answer while a flood lasts.
pub const HEALTH_RESERVE: usize = 8;
/// Descriptors kept for everything but client connections, on top of two per
/// MongoDB pool connection (the pool, and the driver's monitoring): Redis
/// links, the listener, the runtime's own, log files, and spare.
const FD_RESERVE: u64 = 64;

/// How many connections the process may hold, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Connections served in full.
    pub connections: usize,
    /// The soft open-file limit it was derived from.
    pub open_files: u64,
}

impl Budget {
    /// Raises the soft open-file limit to the hard one (the default soft
    /// limit, often 1024, is a historical guard for `select`, which nothing
    /// here uses) and derives the budget from it: the limit minus what the
    /// rest of the process needs, and minus [`HEALTH_RESERVE`]. A configured
    /// `max_connections` may lower it, never raise it past what the limit
    /// allows.
    pub fn from_open_file_limit(mongodb_pool_size: u32, max_connections: Option<usize>) -> Self {
        let open_files = match rlimit::increase_nofile_limit(u64::MAX) {
            Ok(limit) => limit,
            Err(error) => {
                tracing::warn!(%error, "could not raise the open-file limit");
                rlimit::getrlimit(rlimit::Resource::NOFILE)
                    .map(|(soft, _)| soft)
                    .unwrap_or(1024)
            }
        };
        let reserve = FD_RESERVE + 2 * u64::from(mongodb_pool_size) + HEALTH_RESERVE as u64;
        let derived = usize::try_from(open_files.saturating_sub(reserve))
            .unwrap_or(usize::MAX)
            .max(1);
        let connections = match max_connections {
            Some(configured) if configured > derived => {
                tracing::warn!(
                    configured,
                    derived,
                    open_files,
                    "MAX_CONNECTIONS is more than the open-file limit allows; using the lower figure"
                );
                derived
            }
            Some(configured) => configured,
            None => derived,
        };
        Self {
            connections,
            open_files,
        }
    }
}

/// Counts open connections and admits or refuses new ones.
#[derive(Clone)]
pub struct Admission {
    per_ip: Arc<LocalSlots<IpAddr>>,
    open: Arc<AtomicUsize>,
    budget: usize,
}

/// What an admitted connection may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    /// Everything.
    Full,
    /// Past the budget, in the reserve: `/health` and `/ready` only.
    HealthOnly,
}

/// An admitted connection's place; dropping it frees the place. It lives as
/// long as the connection's socket, upgraded WebSockets included.
pub struct Ticket {
    pub service: Service,
    _per_ip: Slot,
    _open: Open,
    _gauge: GaugeGuard,
}

struct Open(Arc<AtomicUsize>);

impl Drop for Open {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Admission {
    pub fn new(max_per_ip: usize, budget: usize) -> Self {
        Self {
            per_ip: Arc::new(LocalSlots::new(max_per_ip)),
            open: Arc::default(),
            budget,
        }
    }

    /// A ticket for a connection from `ip`, or `None` (counted) when it must
    /// be closed at once.
    pub fn admit(&self, ip: IpAddr) -> Option<Ticket> {
        let Some(per_ip) = self.per_ip.try_acquire(ip) else {
            metrics::connection_refused("per_ip");
            return None;
        };
        let before = self.open.fetch_add(1, Ordering::AcqRel);
        let open = Open(self.open.clone());
        let service = if before < self.budget {
            Service::Full
        } else if before < self.budget + HEALTH_RESERVE {
            Service::HealthOnly
        } else {
            metrics::connection_refused("capacity");
            return None;
        };
        Some(Ticket {
            service,
            _per_ip: per_ip,
            _open: open,
            _gauge: GaugeGuard::new(metrics::HTTP_CONNECTIONS),
        })
    }
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2));

    #[test]
    fn admit__caps_each_address_and_frees_a_place_when_a_ticket_drops() {
        let admission = Admission::new(2, 100);
        let first = admission.admit(A).unwrap();
        let _second = admission.admit(A).unwrap();
        assert!(admission.admit(A).is_none());
        assert!(
            admission.admit(B).is_some(),
            "another address is not affected"
        );
        drop(first);
        assert!(admission.admit(A).is_some());
    }

    #[test]
    fn admit__past_the_budget_gives_health_only_tickets_then_refuses() {
        let admission = Admission::new(usize::MAX, 2);
        let tickets: Vec<Ticket> = (0..2 + HEALTH_RESERVE)
            .map(|_| admission.admit(A).unwrap())
            .collect();
        let services: Vec<Service> = tickets.iter().map(|t| t.service).collect();
        assert_eq!(&services[..2], &[Service::Full, Service::Full]);
        assert!(services[2..].iter().all(|s| *s == Service::HealthOnly));
        assert!(admission.admit(B).is_none());
    }
}
