//! Integer apportionment by largest remainder (Hamilton's method): splits a
//! whole number of units among claimants in proportion to weights, so that
//! shares are whole, sum exactly to the total, and ties go to the earlier
//! claimant. Used for product mixes and pro-rata allocation.

/// Splits `total` units in proportion to `weights` (non-negative, finite).
/// Each share is `floor(total × w / Σw)` plus at most one of the units left
/// over, which go to the largest fractional remainders (earlier index first
/// on ties). If every weight is zero, nothing is handed out.
pub(crate) fn largest_remainder(total: u64, weights: &[f64]) -> Vec<u64> {
    let sum: f64 = weights.iter().sum();
    let mut shares = vec![0u64; weights.len()];
    if total == 0 || sum <= 0.0 || !sum.is_finite() {
        return shares;
    }
    let mut rema: Vec<(usize, f64)> = Vec::with_capacity(weights.len());
    let mut given = 0u64;
    for (i, &w) in weights.iter().enumerate() {
        let exact = total as f64 * (w / sum);
        let whole = exact.floor();
        shares[i] = whole as u64;
        given += shares[i];
        if w > 0.0 {
            rema.push((i, exact - whole));
        }
    }
    // Floating rounding can leave `given` a unit above `total` in extreme
    // cases; take it back from the smallest remainders.
    while given > total {
        if let Some(&(i, _)) = rema
            .iter()
            .filter(|(i, _)| shares[*i] > 0)
            .min_by(|a, b| a.1.total_cmp(&b.1))
        {
            shares[i] -= 1;
            given -= 1;
        } else {
            break;
        }
    }
    // The units left over go to the largest remainders, one each, earlier
    // index first on ties: a total order, so when there are no more units
    // than remainders, which ones get a unit is decided by selecting the
    // `need` largest, in any order, without sorting every claimant (the
    // order book apportions among all its open orders, a hundred or so).
    let need = total.saturating_sub(given);
    if need == 0 {
        return shares;
    }
    let by_remainder = |a: &(usize, f64), b: &(usize, f64)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
    match usize::try_from(need) {
        Ok(n) if n <= rema.len() => {
            if n < rema.len() {
                rema.select_nth_unstable_by(n - 1, by_remainder);
            }
            for &(i, _) in &rema[..n] {
                shares[i] += 1;
            }
        }
        // More units than remainders (only through float rounding): round
        // after round in remainder order.
        _ => {
            rema.sort_by(by_remainder);
            let mut k = 0;
            while given < total && !rema.is_empty() {
                shares[rema[k % rema.len()].0] += 1;
                given += 1;
                k += 1;
            }
        }
    }
    shares
}

#[cfg(test)]
mod tests {
    use super::largest_remainder;

    /// The rule written plainly: floors, then one unit each to the largest
    /// remainders in a full sort (earlier index first on ties).
    fn reference(total: u64, weights: &[f64]) -> Vec<u64> {
        let sum: f64 = weights.iter().sum();
        let mut shares = vec![0u64; weights.len()];
        if total == 0 || sum <= 0.0 || !sum.is_finite() {
            return shares;
        }
        let mut rema = Vec::new();
        let mut given = 0u64;
        for (i, &w) in weights.iter().enumerate() {
            let exact = total as f64 * (w / sum);
            shares[i] = exact.floor() as u64;
            given += shares[i];
            if w > 0.0 {
                rema.push((i, exact - exact.floor()));
            }
        }
        rema.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut k = 0;
        while given < total && !rema.is_empty() {
            shares[rema[k % rema.len()].0] += 1;
            given += 1;
            k += 1;
        }
        shares
    }

    #[test]
    fn picking_the_largest_remainders_matches_a_full_sort() {
        let mut x = 0.61f64;
        let mut next = || {
            x = (x * 7.3 + 0.17).fract();
            x
        };
        for n in 1..60 {
            for _ in 0..20 {
                // Ties on purpose: weights from a few values, some zero.
                let w: Vec<f64> = (0..n).map(|_| (next() * 4.0).floor() * next().max(0.5)).collect();
                let total = (next() * 500.0) as u64;
                assert_eq!(
                    largest_remainder(total, &w),
                    reference(total, &w),
                    "{total} {w:?}"
                );
            }
        }
    }

    #[test]
    fn sums_exactly_and_rounds_by_largest_remainder() {
        assert_eq!(largest_remainder(10, &[1.0, 1.0, 1.0]), vec![4, 3, 3]);
        // 3.5, 1.75, 1.75 → floors 3, 1, 1; the two units left go to the 0.75s.
        assert_eq!(largest_remainder(7, &[0.5, 0.25, 0.25]), vec![3, 2, 2]);
        assert_eq!(largest_remainder(5, &[0.0, 2.0]), vec![0, 5]);
        assert_eq!(largest_remainder(5, &[0.0, 0.0]), vec![0, 0]);
        assert_eq!(largest_remainder(0, &[1.0]), vec![0]);
        let big = largest_remainder(1_000_003, &[0.1, 0.7, 0.2]);
        assert_eq!(big.iter().sum::<u64>(), 1_000_003);
    }
}
