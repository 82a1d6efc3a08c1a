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
    rema.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut k = 0;
    while given < total && !rema.is_empty() {
        shares[rema[k % rema.len()].0] += 1;
        given += 1;
        k += 1;
    }
    shares
}

#[cfg(test)]
mod tests {
    use super::largest_remainder;

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
