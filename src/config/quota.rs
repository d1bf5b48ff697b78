//! [`RateQuota`]: a rate limit written the way people say it, `10/15m`
//! ("ten per fifteen minutes"), as read from a `RATE_LIMIT_*` variable.

use std::fmt;
use std::num::NonZeroU32;
use std::str::FromStr;
use std::time::Duration;

use serde::Deserialize;

/// `count` calls per `period`: a bucket that holds `count` calls (the burst)
/// and refills one call every `period / count`, so a steady client gets
/// exactly `count` calls in any `period`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct RateQuota {
    pub count: NonZeroU32,
    pub period: Duration,
}

impl RateQuota {
    /// `count` per `period`; panics on zero, so only for constants.
    pub const fn new(count: u32, period: Duration) -> Self {
        match NonZeroU32::new(count) {
            Some(count) => Self { count, period },
            None => panic!("a quota allows at least one call"),
        }
    }

    /// The time one call takes to come back.
    pub fn refill_interval(&self) -> Duration {
        self.period / self.count.get()
    }
}

impl FromStr for RateQuota {
    type Err = String;

    /// `<count>/<number><unit>` with unit `s`, `m`, `h` or `d`; a bare unit
    /// means one of it (`60/m` is `60/1m`).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{text}` is not a rate such as `10/15m` (units s, m, h, d)");
        let (count, period) = text.trim().split_once('/').ok_or_else(bad)?;
        let count: NonZeroU32 = count.trim().parse().map_err(|_| bad())?;
        let period = period.trim();
        let unit_at = period.len().checked_sub(1).ok_or_else(bad)?;
        let (amount, unit) = period.split_at(unit_at);
        let amount: u64 = if amount.is_empty() {
            1
        } else {
            amount.parse().map_err(|_| bad())?
        };
        let seconds = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 60 * 60,
            "d" => 24 * 60 * 60,
            _ => return Err(bad()),
        };
        let period = Duration::from_secs(amount.checked_mul(seconds).ok_or_else(bad)?);
        if period.is_zero() {
            return Err(bad());
        }
        Ok(Self { count, period })
    }
}

impl TryFrom<String> for RateQuota {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl fmt::Display for RateQuota {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}s", self.count, self.period.as_secs())
    }
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    #[test]
    fn parse__accepts_counts_per_unit_and_rejects_the_rest() {
        let q: RateQuota = "10/15m".parse().unwrap();
        assert_eq!((q.count.get(), q.period), (10, Duration::from_secs(900)));
        let q: RateQuota = " 60 / m ".parse().unwrap();
        assert_eq!((q.count.get(), q.period), (60, Duration::from_secs(60)));
        assert_eq!(q.refill_interval(), Duration::from_secs(1));
        for bad in [
            "", "10", "0/1m", "10/0m", "10/1w", "x/1m", "10/m1", "-1/1s", "10/",
        ] {
            assert!(bad.parse::<RateQuota>().is_err(), "{bad:?}");
        }
    }
}
