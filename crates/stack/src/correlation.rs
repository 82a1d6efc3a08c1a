//! The rule declared rank correlations must satisfy, in one place: a
//! scenario's `validate` checks it at load (naming the entry), and the
//! Monte Carlo sampler checks the same before a batch draws, so a file
//! `validate` passes is never refused by `batch` for its correlations.

use scheduler::math;

/// Why a list of declared correlations cannot be drawn: the entry at
/// fault (0-based, in declaration order) and what is wrong with it.
#[derive(Clone, Debug, PartialEq)]
pub struct CorrelationProblem {
    /// The entry at fault: the first whose declaration breaks the rule.
    pub entry: usize,
    /// What is wrong, naming the parameters.
    pub message: String,
    /// How to fix it.
    pub hint: String,
}

/// Checks declared rank correlations `(a, b, rho)`: two different
/// parameters, `-1 < rho < 1`, each pair declared once (in either order,
/// even with the same value: a second declaration would silently replace
/// the first), and a correlation matrix that some joint distribution has,
/// i.e. positive definite both as declared (the rank scale a Latin
/// hypercube design uses) and on the normal scale a Monte Carlo design
/// draws from (`2·sin(π·rho/6)`).
pub fn check(pairs: &[(&str, &str, f64)]) -> Result<(), CorrelationProblem> {
    for (i, &(a, b, rho)) in pairs.iter().enumerate() {
        if a == b {
            return Err(CorrelationProblem {
                entry: i,
                message: format!(
                    "`{a}` is correlated with itself: a correlation needs two different parameters"
                ),
                hint: "name two different uncertain parameters in `a` and `b`".into(),
            });
        }
        if !(rho > -1.0 && rho < 1.0) {
            return Err(CorrelationProblem {
                entry: i,
                message: format!("rho must be in (-1, 1), got {}", scheduler::Num(rho)),
                hint: "a rank correlation lies strictly between -1 and 1".into(),
            });
        }
        if let Some(j) = pairs[..i]
            .iter()
            .position(|&(x, y, _)| (x == a && y == b) || (x == b && y == a))
        {
            return Err(CorrelationProblem {
                entry: i,
                message: format!(
                    "the pair `{a}` ~ `{b}` is declared twice (also entry {j} of `correlations`, rho {}); \
                     a second declaration would replace the first",
                    pairs[j].2
                ),
                hint: "declare each pair once".into(),
            });
        }
    }
    if consistent(pairs).is_none() {
        return Ok(());
    }
    // The first entry that makes the declarations so far inconsistent.
    for k in 0..pairs.len() {
        if let Some(members) = consistent(&pairs[..=k]) {
            let (a, b, rho) = pairs[k];
            return Err(CorrelationProblem {
                entry: k,
                message: format!(
                    "`{a}` ~ `{b}` with rho {rho} makes the correlations declared up to here inconsistent: \
                     no joint distribution of {} has them all (their correlation matrix, with 0 for a pair \
                     not declared, is not positive definite)",
                    members.join(", ")
                ),
                hint: "weaken one of them, or declare the missing pair: two parameters both strongly \
                       correlated with a third are correlated with each other too (rho 0.9 and 0.9 \
                       force at least 0.62)"
                    .into(),
            });
        }
    }
    Ok(())
}

/// `None` when the matrix of `pairs` (0 for a pair not declared) is
/// positive definite on both scales; else the parameters it spans, in
/// order of declaration.
fn consistent<'a>(pairs: &[(&'a str, &'a str, f64)]) -> Option<Vec<&'a str>> {
    let mut members: Vec<&str> = Vec::new();
    for &(a, b, _) in pairs {
        for p in [a, b] {
            if !members.contains(&p) {
                members.push(p);
            }
        }
    }
    let at = |p: &str| members.iter().position(|m| *m == p).unwrap_or(0);
    let n = members.len();
    let ok = [false, true].iter().all(|&normal| {
        let mut m = vec![vec![0.0; n]; n];
        for (i, row) in m.iter_mut().enumerate() {
            row[i] = 1.0;
        }
        for &(a, b, rho) in pairs {
            let r = if normal {
                2.0 * math::sin(std::f64::consts::PI * rho / 6.0)
            } else {
                rho
            };
            let (i, j) = (at(a), at(b));
            m[i][j] = r;
            m[j][i] = r;
        }
        cholesky(&m).is_some()
    });
    (!ok).then_some(members)
}

/// Lower-triangular Cholesky factor `L` with `L·Lᵀ = a` (row-major), or
/// `None` when `a` is not (numerically) positive definite: the test of a
/// correlation matrix, and the factor a Monte Carlo design draws through.
#[allow(clippy::needless_range_loop)]
pub fn cholesky(a: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = a.len();
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let mut s = a[i][j];
            for k in 0..j {
                s -= l[i][k] * l[j][k];
            }
            if i == j {
                if s <= 1e-12 {
                    return None;
                }
                l[i][i] = s.sqrt();
            } else {
                l[i][j] = s / l[j][j];
            }
        }
    }
    Some(l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_broken_declaration_names_its_entry() {
        assert_eq!(check(&[("a", "b", 0.5), ("c", "c", 0.1)]).unwrap_err().entry, 1);
        assert_eq!(check(&[("a", "b", 1.0)]).unwrap_err().entry, 0);
        // The same pair again, reversed and with the same value.
        let e = check(&[("a", "b", 0.5), ("c", "a", 0.2), ("b", "a", 0.5)]).unwrap_err();
        assert_eq!(e.entry, 2);
        assert!(e.message.contains("declared twice"), "{}", e.message);
        let e = check(&[("a", "b", 0.5), ("a", "c", 0.5), ("b", "c", -0.9)]).unwrap_err();
        assert_eq!(e.entry, 2);
        assert!(e.message.contains("a, b, c"), "{}", e.message);
        // Consistent only with its third pair: judged whole, not by prefix.
        assert!(check(&[("a", "b", 0.9), ("a", "c", 0.9), ("b", "c", 0.7)]).is_ok());
        // Without it, the undeclared pair counts as 0: inconsistent.
        assert_eq!(check(&[("a", "b", 0.9), ("a", "c", 0.9)]).unwrap_err().entry, 1);
    }
}
