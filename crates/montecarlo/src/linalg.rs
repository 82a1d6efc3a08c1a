//! Small dense linear algebra for correlation matrices: Cholesky factor,
//! triangular solve and inverse (Gauss–Jordan with partial pivoting).
//! Matrices are row-major `Vec<Vec<f64>>`, sizes in the tens.

// Index loops read like the textbook formulas here.
#![allow(clippy::needless_range_loop)]

/// Lower-triangular Cholesky factor L with L·Lᵀ = `a`, or `None` when `a`
/// is not (numerically) positive definite (one factorisation with the
/// check of declared correlations, `stack::correlation`).
pub use stack::correlation::cholesky;

/// Solves L·x = b for lower-triangular L (forward substitution).
pub fn solve_lower(l: &[Vec<f64>], b: &[f64]) -> Vec<f64> {
    let mut x = vec![0.0; b.len()];
    for i in 0..b.len() {
        let mut s = b[i];
        for k in 0..i {
            s -= l[i][k] * x[k];
        }
        x[i] = s / l[i][i];
    }
    x
}

/// y = L·x for lower-triangular L.
pub fn mul_lower(l: &[Vec<f64>], x: &[f64]) -> Vec<f64> {
    (0..x.len())
        .map(|i| (0..=i).map(|k| l[i][k] * x[k]).sum())
        .collect()
}

/// Inverse of a square matrix, or `None` when it is singular.
pub fn inverse(a: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = a.len();
    let mut m: Vec<Vec<f64>> = a
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let mut r = row.clone();
            r.extend((0..n).map(|j| if i == j { 1.0 } else { 0.0 }));
            r
        })
        .collect();
    for c in 0..n {
        let p = (c..n).max_by(|&x, &y| m[x][c].abs().total_cmp(&m[y][c].abs()))?;
        if m[p][c].abs() < 1e-12 {
            return None;
        }
        m.swap(c, p);
        let piv = m[c][c];
        m[c].iter_mut().for_each(|v| *v /= piv);
        for r in 0..n {
            if r != c {
                let f = m[r][c];
                if f != 0.0 {
                    let pivot_row = m[c].clone();
                    m[r].iter_mut().zip(pivot_row).for_each(|(v, pv)| *v -= f * pv);
                }
            }
        }
    }
    Some(m.into_iter().map(|r| r[n..].to_vec()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_reproduces_matrix_and_rejects_indefinite() {
        let a = vec![vec![4.0, 2.0, 0.4], vec![2.0, 3.0, 0.5], vec![0.4, 0.5, 1.0]];
        let l = cholesky(&a).expect("positive definite");
        for i in 0..3 {
            for j in 0..3 {
                let v: f64 = (0..3).map(|k| l[i][k] * l[j][k]).sum();
                assert!((v - a[i][j]).abs() < 1e-12);
            }
        }
        let x = solve_lower(&l, &mul_lower(&l, &[1.0, -2.0, 3.0]));
        assert!((x[0] - 1.0).abs() < 1e-12 && (x[1] + 2.0).abs() < 1e-12 && (x[2] - 3.0).abs() < 1e-12);
        assert!(
            cholesky(&[
                vec![1.0, 0.99, -0.99],
                vec![0.99, 1.0, 0.99],
                vec![-0.99, 0.99, 1.0]
            ])
            .is_none()
        );
    }

    #[test]
    fn inverse_times_matrix_is_identity() {
        let a = vec![vec![0.0, 2.0, 1.0], vec![1.0, 1.0, 0.0], vec![3.0, 0.0, 1.0]];
        let inv = inverse(&a).expect("invertible");
        for i in 0..3 {
            for j in 0..3 {
                let v: f64 = (0..3).map(|k| a[i][k] * inv[k][j]).sum();
                assert!((v - if i == j { 1.0 } else { 0.0 }).abs() < 1e-12);
            }
        }
        assert!(inverse(&[vec![1.0, 2.0], vec![2.0, 4.0]]).is_none());
    }
}
