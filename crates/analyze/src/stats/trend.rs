//! Monotonic trends: the Mann–Kendall test and the Theil–Sen slope.
//!
//! Mann–Kendall asks "do later values tend to exceed earlier ones?" without assuming a
//! distribution or a straight line; Theil–Sen says by how much per step, ignoring
//! outliers. Together they flag a steadily rising service and say how fast it rises.
//! Both are O(n²) in the series length, fine for the daily series of a report (a few
//! hundred points).

use serde::{Deserialize, Serialize};

use super::normal::normal_cdf;
use super::robust::median_in_place;

/// Direction of a trend at the chosen significance level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    /// Significantly increasing.
    Increasing,
    /// Significantly decreasing.
    Decreasing,
    /// No significant monotonic trend.
    None,
}

/// Result of [`mann_kendall`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MannKendall {
    /// Number of finite values tested.
    pub n: usize,
    /// Kendall's S: Σ sign(xⱼ − xᵢ) over all pairs i < j.
    pub s: i64,
    /// Variance of S under "no trend", corrected for ties.
    pub var_s: f64,
    /// Normal score with continuity correction: (S − 1)/√var for S > 0, (S + 1)/√var
    /// for S < 0, 0 otherwise.
    pub z: f64,
    /// Two-sided p-value, 2·(1 − Φ(|z|)).
    pub p_value: f64,
    /// Direction at α = 0.05 (use [`MannKendall::trend_at`] for another level).
    pub trend: Trend,
}

impl MannKendall {
    /// Direction of the trend at significance level `alpha` (two-sided).
    pub fn trend_at(&self, alpha: f64) -> Trend {
        if self.p_value >= alpha || self.z == 0.0 {
            Trend::None
        } else if self.z > 0.0 {
            Trend::Increasing
        } else {
            Trend::Decreasing
        }
    }
}

/// Mann–Kendall trend test on `series` (oldest first), with the tie correction
/// `var(S) = [n(n−1)(2n+5) − Σ t(t−1)(2t+5)] / 18`, t the size of each group of equal
/// values. Non-finite values are dropped. With fewer than 3 values, or no variance (all
/// equal), the result is S = 0, z = 0, p = 1, no trend.
pub fn mann_kendall(series: &[f64]) -> MannKendall {
    let x: Vec<f64> = series.iter().copied().filter(|v| v.is_finite()).collect();
    let n = x.len();
    let mut s: i64 = 0;
    for i in 0..n {
        for j in i + 1..n {
            s += match x[j].total_cmp(&x[i]) {
                std::cmp::Ordering::Greater => 1,
                std::cmp::Ordering::Less => -1,
                std::cmp::Ordering::Equal => 0,
            };
        }
    }
    let nf = n as f64;
    let mut sorted = x.clone();
    sorted.sort_by(f64::total_cmp);
    let ties: f64 = sorted
        .chunk_by(|a, b| a == b)
        .map(|g| {
            let t = g.len() as f64;
            t * (t - 1.0) * (2.0 * t + 5.0)
        })
        .sum();
    let var_s = (nf * (nf - 1.0) * (2.0 * nf + 5.0) - ties) / 18.0;
    let z = if n < 3 || var_s <= 0.0 {
        0.0
    } else if s > 0 {
        (s - 1) as f64 / var_s.sqrt()
    } else if s < 0 {
        (s + 1) as f64 / var_s.sqrt()
    } else {
        0.0
    };
    // Φ(0) = ½ exactly; the erfc fit is 3e-8 off there, and "p = 1" reads better.
    let p_value = if z == 0.0 {
        1.0
    } else {
        (2.0 * (1.0 - normal_cdf(z.abs()))).clamp(0.0, 1.0)
    };
    let mut mk = MannKendall {
        n,
        s: if n < 3 { 0 } else { s },
        var_s: var_s.max(0.0),
        z,
        p_value,
        trend: Trend::None,
    };
    mk.trend = mk.trend_at(0.05);
    mk
}

/// A robust straight line through a series: `value ≈ intercept + slope · index`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TheilSen {
    /// Median of the pairwise slopes (xⱼ − xᵢ)/(j − i), in units per step.
    pub slope: f64,
    /// Median of xᵢ − slope·i (Conover's estimator), the line's value at index 0.
    pub intercept: f64,
}

/// Theil–Sen slope and intercept of `series` (index = position, oldest first); pairs
/// involving a non-finite value are skipped. `None` with fewer than two finite values.
pub fn theil_sen(series: &[f64]) -> Option<TheilSen> {
    let pts: Vec<(f64, f64)> = series
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .map(|(i, v)| (i as f64, *v))
        .collect();
    let mut slopes = Vec::with_capacity(pts.len() * pts.len().saturating_sub(1) / 2);
    for (k, &(i, xi)) in pts.iter().enumerate() {
        for &(j, xj) in &pts[k + 1..] {
            slopes.push((xj - xi) / (j - i));
        }
    }
    let slope = median_in_place(&mut slopes)?;
    let mut residuals: Vec<f64> = pts.iter().map(|(i, x)| x - slope * i).collect();
    let intercept = median_in_place(&mut residuals)?;
    Some(TheilSen { slope, intercept })
}

/// Whether `series` rises: Mann–Kendall increasing at level `alpha` **and** a positive
/// Theil–Sen slope (the two can disagree on plateaus; both must hold).
pub fn rising(series: &[f64], alpha: f64) -> bool {
    let mk = mann_kendall(series);
    mk.trend_at(alpha) == Trend::Increasing && theil_sen(series).is_some_and(|t| t.slope > 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strictly_increasing_five_points_by_hand() {
        // S = 10 (all 10 pairs rise); var = 5·4·15/18 = 16.667; z = 9/4.0825 = 2.2045;
        // p = 2·(1 − Φ(2.2045)) = 0.0275.
        let mk = mann_kendall(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(mk.s, 10);
        assert!((mk.var_s - 16.666_667).abs() < 1e-5);
        assert!((mk.z - 2.204_541).abs() < 1e-5);
        assert!((mk.p_value - 0.027_486).abs() < 1e-5);
        assert_eq!(mk.trend, Trend::Increasing);
        assert_eq!(mk.trend_at(0.01), Trend::None);
    }

    #[test]
    fn tie_correction_by_hand() {
        // [1,1,2]: pairs (1,1)=0, (1,2)=+1, (1,2)=+1 → S = 2. One tie group t = 2:
        // 2·1·9 = 18. var = (3·2·11 − 18)/18 = 48/18 = 2.6667; z = 1/1.63299 = 0.61237.
        let mk = mann_kendall(&[1.0, 1.0, 2.0]);
        assert_eq!(mk.s, 2);
        assert!((mk.var_s - 2.666_667).abs() < 1e-5);
        assert!((mk.z - 0.612_372).abs() < 1e-5);
        assert_eq!(mk.trend, Trend::None);
    }

    #[test]
    fn decreasing_and_flat() {
        let down: Vec<f64> = (0..20).map(|i| 100.0 - i as f64).collect();
        assert_eq!(mann_kendall(&down).trend, Trend::Decreasing);
        let flat = mann_kendall(&[7.0; 10]);
        assert_eq!((flat.s, flat.z, flat.p_value), (0, 0.0, 1.0));
        assert_eq!(flat.trend, Trend::None);
        assert_eq!(mann_kendall(&[1.0, 2.0]).trend, Trend::None);
    }

    #[test]
    fn theil_sen_by_hand_and_robust_to_an_outlier() {
        let t = theil_sen(&[1.0, 3.0, 5.0, 7.0]).expect("4 points");
        assert_eq!((t.slope, t.intercept), (2.0, 1.0));
        // [0,1,2,3,100]: pairwise slopes 1 (six times), 25, 33.3, 49, 97 → median 1;
        // residuals xᵢ − i = 0,0,0,0,96 → intercept 0. The outlier moves neither.
        let t = theil_sen(&[0.0, 1.0, 2.0, 3.0, 100.0]).expect("5 points");
        assert_eq!((t.slope, t.intercept), (1.0, 0.0));
        assert!(theil_sen(&[5.0]).is_none());
        assert!(theil_sen(&[]).is_none());
    }

    #[test]
    fn rising_needs_significance_and_a_positive_slope() {
        let up: Vec<f64> = (0..30)
            .map(|i| 10.0 + i as f64 * 0.5 + (i % 3) as f64)
            .collect();
        assert!(rising(&up, 0.05));
        let noise: Vec<f64> = (0..30).map(|i| ((i * 7) % 5) as f64).collect();
        assert!(!rising(&noise, 0.05));
        assert!(!rising(&[], 0.05));
    }
}
