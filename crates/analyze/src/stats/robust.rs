//! Robust location and scale: the median and the median absolute deviation.

/// Median of the finite values of `values`; `None` when there are none.
///
/// With an even count the two middle values are averaged. Non-finite values (`NaN`,
/// infinities) are ignored, as a missing hour is not a zero hour.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    median_in_place(&mut v)
}

/// Median absolute deviation around `center`: `median(|xᵢ − center|)` over the finite
/// values; `None` when there are none.
///
/// Multiply by 1.4826 to estimate a normal standard deviation.
pub fn mad(values: &[f64], center: f64) -> Option<f64> {
    let mut dev: Vec<f64> = values
        .iter()
        .filter(|x| x.is_finite())
        .map(|x| (x - center).abs())
        .collect();
    median_in_place(&mut dev)
}

/// Median of already-finite values, reordering `v`.
pub(crate) fn median_in_place(v: &mut [f64]) -> Option<f64> {
    let n = v.len();
    if n == 0 {
        return None;
    }
    let mid = n / 2;
    let (lower, upper, _) = v.select_nth_unstable_by(mid, f64::total_cmp);
    let upper = *upper;
    if n % 2 == 1 {
        return Some(upper);
    }
    let below = lower.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some((below + upper) / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_odd_even_and_empty() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[f64::NAN]), None);
        assert_eq!(median(&[f64::NAN, 5.0, 1.0]), Some(3.0));
    }

    #[test]
    fn mad_by_hand() {
        // |1-3|,|2-3|,|3-3|,|4-3|,|100-3| = 2,1,0,1,97 → median 1.
        assert_eq!(mad(&[1.0, 2.0, 3.0, 4.0, 100.0], 3.0), Some(1.0));
        assert_eq!(mad(&[], 0.0), None);
    }
}
