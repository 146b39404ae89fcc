//! Rates and seasonality shared by every kind of traffic: how many events fall in an
//! hour, and when within it.

use chrono::{Datelike, Timelike};

use crate::clock::{self, HOUR_MS};
use crate::rng::DemoRng;

/// The daily and weekly shape of a site's human traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Diurnal {
    /// Office hours in Japan: a morning and afternoon plateau with a lunch dip, quiet
    /// nights, very quiet weekends and holidays.
    Office,
    /// A Japanese online shop: busy during the working day, a second peak in the
    /// evening, a little busier at weekends.
    Shop,
    /// A customer portal used from work: office hours, some evening use.
    Portal,
}

/// Relative traffic per local hour of day (peak = 1.0).
const OFFICE: [f64; 24] = [
    0.05, 0.03, 0.02, 0.02, 0.02, 0.04, 0.10, 0.30, 0.70, 1.00, 1.00, 0.95, 0.65, 0.95, 1.00, 1.00,
    0.90, 0.70, 0.45, 0.30, 0.20, 0.15, 0.10, 0.07,
];
const SHOP: [f64; 24] = [
    0.30, 0.18, 0.10, 0.07, 0.06, 0.07, 0.12, 0.25, 0.50, 0.75, 0.85, 0.90, 1.00, 0.90, 0.85, 0.85,
    0.80, 0.75, 0.80, 0.85, 0.90, 0.85, 0.70, 0.50,
];
const PORTAL: [f64; 24] = [
    0.08, 0.05, 0.03, 0.03, 0.03, 0.05, 0.12, 0.35, 0.75, 1.00, 1.00, 0.95, 0.75, 0.95, 1.00, 0.95,
    0.90, 0.75, 0.55, 0.45, 0.40, 0.35, 0.25, 0.15,
];

impl Diurnal {
    /// Relative intensity at the local time of `ts_ms` (1.0 = a weekday's peak hour).
    pub(crate) fn weight(self, ts_ms: i64) -> f64 {
        let t = clock::local(ts_ms);
        let hour = t.hour() as usize;
        let off = clock::is_day_off(t.date());
        match self {
            Diurnal::Office => OFFICE[hour] * if off { 0.25 } else { 1.0 },
            Diurnal::Shop => SHOP[hour] * if off { 1.15 } else { 1.0 },
            Diurnal::Portal => {
                PORTAL[hour] * if off { 0.35 } else { 1.0 }
                    // Month-end invoicing brings customers to the portal.
                    * if t.day() >= 25 { 1.2 } else { 1.0 }
            }
        }
    }

    /// The mean of `weight` over a typical week, to turn a daily volume into hourly rates.
    pub(crate) fn mean_weight(self) -> f64 {
        let (table, off) = match self {
            Diurnal::Office => (&OFFICE, 0.25),
            Diurnal::Shop => (&SHOP, 1.15),
            Diurnal::Portal => (&PORTAL, 0.35),
        };
        let day: f64 = table.iter().sum::<f64>() / 24.0;
        day * (5.0 + 2.0 * off) / 7.0
    }
}

/// A Poisson-distributed count with mean `lambda`.
pub(crate) fn poisson(rng: &mut DemoRng, lambda: f64) -> u32 {
    if lambda <= 0.0 {
        return 0;
    }
    if lambda > 30.0 {
        // Normal approximation; exact enough at this size and O(1).
        let z = normal(rng);
        return (lambda + z * lambda.sqrt()).round().max(0.0) as u32;
    }
    let limit = (-lambda).exp();
    let mut k = 0;
    let mut p = rng.unit();
    while p > limit {
        k += 1;
        p *= rng.unit();
    }
    k
}

/// A Poisson count with its tail cut at two standard deviations above the mean, so
/// background noise never produces an accidental burst that a spike detector would
/// rightly flag: the demo's only spikes are the planted ones.
pub(crate) fn smooth_count(rng: &mut DemoRng, lambda: f64) -> u32 {
    let cap = (lambda + 2.0 * lambda.sqrt()).ceil().max(1.0) as u32;
    poisson(rng, lambda).min(cap)
}

/// A standard normal variate (Box–Muller).
pub(crate) fn normal(rng: &mut DemoRng) -> f64 {
    let u1 = rng.unit().max(f64::MIN_POSITIVE);
    let u2 = rng.unit();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A uniformly random instant within the hour starting at `hour_ms`.
pub(crate) fn within_hour(rng: &mut DemoRng, hour_ms: i64) -> i64 {
    hour_ms + rng.between(0, HOUR_MS as u64 - 1) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_has_the_requested_mean() {
        let mut rng = DemoRng::stream(3, "poisson");
        for lambda in [0.5, 4.0, 80.0] {
            let n = 20_000;
            let sum: u64 = (0..n).map(|_| u64::from(poisson(&mut rng, lambda))).sum();
            let mean = sum as f64 / f64::from(n);
            assert!(
                (mean - lambda).abs() < lambda * 0.05 + 0.05,
                "{lambda}: {mean}"
            );
        }
    }

    #[test]
    fn smooth_counts_never_burst() {
        let mut rng = DemoRng::stream(3, "smooth");
        assert!((0..100_000).all(|_| smooth_count(&mut rng, 4.0) <= 8));
    }

    #[test]
    fn office_nights_are_quieter_than_office_hours() {
        // 2026-09-16 is a Wednesday; 01:00 UTC is 10:00 JST.
        let ten_am = chrono::DateTime::parse_from_rfc3339("2026-09-16T01:00:00Z")
            .expect("time")
            .timestamp_millis();
        let three_am = ten_am - 7 * HOUR_MS;
        assert!(Diurnal::Office.weight(ten_am) > 10.0 * Diurnal::Office.weight(three_am));
        let saturday = ten_am + 3 * clock::DAY_MS;
        assert!(Diurnal::Office.weight(saturday) < Diurnal::Office.weight(ten_am));
        assert!(Diurnal::Shop.weight(saturday) > Diurnal::Shop.weight(ten_am));
    }
}
