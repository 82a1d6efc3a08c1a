//! PRCC where the rank correlation matrix is singular: each parameter keeps
//! its PRCC where it is defined (it used to be blank for all of them).

use montecarlo::outputs::RunsTable;
use montecarlo::sensitivity::rank_sensitivity;
use scheduler::math;

/// A table of `n` runs whose parameters are the given columns and whose
/// one outcome is `y`.
fn table(cols: &[Vec<f64>], y: &[f64]) -> RunsTable {
    let n = y.len();
    RunsTable {
        runs: (0..n as u64).collect(),
        seeds: (0..n as u64).collect(),
        param_names: (0..cols.len()).map(|j| format!("p{j}")).collect(),
        params: (0..n).map(|r| cols.iter().map(|c| c[r]).collect()).collect(),
        outcome_names: vec!["y".into()],
        outcomes: y.iter().map(|&v| vec![Some(v)]).collect(),
    }
}

/// Deterministic pseudo-random values in (0, 1).
fn noise(seed: u64, n: usize) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            let v = scheduler::rng::splitmix64(&mut s);
            ((v >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        })
        .collect()
}

fn prcc_of(cols: &[Vec<f64>], y: &[f64]) -> Vec<f64> {
    rank_sensitivity(&table(cols, y)).iter().map(|r| r.prcc).collect()
}

#[test]
fn an_outcome_equal_in_rank_to_a_parameter_gives_it_prcc_one() {
    let n = 200;
    let (a, b, c) = (noise(1, n), noise(2, n), noise(3, n));
    // y is a monotone function of b alone: rank-identical to b.
    let y: Vec<f64> = b.iter().map(|v| 3.0 * v.powi(3) + 1.0).collect();
    let p = prcc_of(&[a, b, c], &y);
    assert!((p[1] - 1.0).abs() < 1e-9, "{p:?}");
    // Nothing of y is left once b is regressed out: a's and c's are 0/0.
    assert!(p[0].is_nan() && p[2].is_nan(), "{p:?}");
}

#[test]
fn two_rank_identical_parameters_leave_the_others_their_prcc() {
    let n = 300;
    let (a, c, e) = (noise(4, n), noise(5, n), noise(6, n));
    let b: Vec<f64> = a.iter().map(|&v| math::exp(v)).collect(); // rank-identical to a
    let y: Vec<f64> = (0..n).map(|r| a[r] + 2.0 * c[r] + 0.3 * e[r]).collect();
    let p = prcc_of(&[a.clone(), b, c.clone(), e.clone()], &y);
    // a and b are 0/0 given each other.
    assert!(p[0].is_nan() && p[1].is_nan(), "{p:?}");
    // c and e get what they get without the duplicate column.
    let q = prcc_of(&[a, c, e], &y);
    assert!(
        (p[2] - q[1]).abs() < 1e-9 && (p[3] - q[2]).abs() < 1e-9,
        "{p:?} {q:?}"
    );
    assert!(p[2] > 0.5 && p[3] > 0.0, "{p:?}");
}

#[test]
fn an_invertible_matrix_keeps_the_inverse_formula() {
    let n = 100;
    let (a, b) = (noise(7, n), noise(8, n));
    let y: Vec<f64> = (0..n).map(|r| a[r] - b[r]).collect();
    let p = prcc_of(&[a, b], &y);
    assert!(p[0] > 0.9 && p[1] < -0.9, "{p:?}");
}
