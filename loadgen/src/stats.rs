//! Clocks, latency histograms (HDR, microseconds) and how figures print.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

/// Latencies are recorded in microseconds, up to this (larger ones are
/// clamped, and a delivery that late fails any target anyway).
const MAX_MICROS: u64 = 120_000_000;

static BASE: OnceLock<Instant> = OnceLock::new();

/// Nanoseconds since the process's first call: a clock every task shares,
/// small enough for an atomic.
pub fn now_ns() -> u64 {
    ns_at(Instant::now())
}

pub fn ns_at(instant: Instant) -> u64 {
    let base = *BASE.get_or_init(Instant::now);
    instant.saturating_duration_since(base).as_nanos() as u64
}

/// An empty histogram of microseconds, 3 significant digits.
pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_MICROS, 3).expect("valid histogram bounds")
}

pub fn record(histogram: &mut Histogram<u64>, latency: Duration) {
    let micros = (latency.as_micros() as u64).clamp(1, MAX_MICROS);
    histogram.saturating_record(micros);
}

/// The figures of a latency histogram.
#[derive(Clone, Copy, Debug, Default)]
pub struct Percentiles {
    pub count: u64,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl Percentiles {
    pub fn of(histogram: &Histogram<u64>) -> Self {
        if histogram.is_empty() {
            return Self::default();
        }
        Self {
            count: histogram.len(),
            p50: Duration::from_micros(histogram.value_at_quantile(0.50)),
            p99: Duration::from_micros(histogram.value_at_quantile(0.99)),
            max: Duration::from_micros(histogram.max()),
        }
    }

    /// `p50 1.2 ms, p99 3.4 ms, max 5.6 ms`.
    pub fn summary(&self) -> String {
        format!(
            "p50 {}, p99 {}, max {}",
            millis(self.p50),
            millis(self.p99),
            millis(self.max)
        )
    }
}

/// A duration in milliseconds with sensible precision.
pub fn millis(duration: Duration) -> String {
    let ms = duration.as_secs_f64() * 1_000.0;
    if ms < 10.0 {
        format!("{ms:.2} ms")
    } else if ms < 100.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.0} ms")
    }
}

/// `12,345` (figures are easier to read with separators).
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    #[test]
    fn percentiles__come_from_the_histogram() {
        let mut h = histogram();
        for ms in 1..=100 {
            record(&mut h, Duration::from_millis(ms));
        }
        let p = Percentiles::of(&h);
        assert_eq!(p.count, 100);
        assert!((49..=51).contains(&p.p50.as_millis()), "{p:?}");
        assert!((98..=100).contains(&p.p99.as_millis()), "{p:?}");
        assert_eq!(p.max.as_millis(), 100);
        assert_eq!(Percentiles::of(&histogram()).count, 0);
    }

    #[test]
    fn numbers__print_readably() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(millis(Duration::from_micros(1_234)), "1.23 ms");
        assert_eq!(millis(Duration::from_micros(12_345)), "12.3 ms");
        assert_eq!(millis(Duration::from_millis(250)), "250 ms");
    }
}
