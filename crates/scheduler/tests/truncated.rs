//! Truncated distributions and the CDF they rest on: known answers for the
//! truncated mean, inverse-CDF sampling that stays inside the bounds and
//! keeps strata, and the probability clamp of `Dist::quantile`.

use scheduler::rng::{MIN_TRUNCATED_MASS, P_MAX, P_MIN, normal_cdf};
use scheduler::{Dist, RngStreams};

fn normal(mean: f64, sd: f64) -> Box<Dist> {
    Box::new(Dist::Normal { mean, sd })
}

fn truncated(dist: Box<Dist>, low: f64, high: f64) -> Dist {
    let d = Dist::Truncated { dist, low, high };
    d.validate().unwrap();
    d
}

/// The mean of `d` by the midpoint rule over its quantile (stratified, so
/// the error is deterministic and tiny).
fn quantile_mean(d: &Dist, n: usize) -> f64 {
    (0..n)
        .map(|i| d.quantile((i as f64 + 0.5) / n as f64))
        .sum::<f64>()
        / n as f64
}

#[test]
fn truncated_normal_means_match_known_answers() {
    // Half-normal: N(0, 1) on [0, 50] has mean √(2/π).
    let half = truncated(normal(0.0, 1.0), 0.0, 50.0);
    let want = (2.0 / std::f64::consts::PI).sqrt();
    assert!((half.mean() - want).abs() < 1e-12, "{}", half.mean());
    assert!((quantile_mean(&half, 200_000) - want).abs() < 1e-4);
    // Symmetric truncation keeps the mean.
    let sym = truncated(normal(0.5, 0.16), 0.0, 1.0);
    assert!((sym.mean() - 0.5).abs() < 1e-12);
    // One-sided cut well inside the bulk: scipy.stats.truncnorm gives
    // 0.3718559396083942 for N(0.38, 0.05) on [0, 0.45].
    let cut = truncated(normal(0.38, 0.05), 0.0, 0.45);
    assert!(
        (cut.mean() - 0.371_855_939_608_394_2).abs() < 1e-10,
        "{}",
        cut.mean()
    );
    assert!((quantile_mean(&cut, 200_000) - 0.371_855_939_608_394_2).abs() < 1e-6);
    // Sampled through `sample()`: within 4 standard errors.
    let mut rng = RngStreams::new(7, 0).stream("t");
    let n = 200_000;
    let m = (0..n).map(|_| cut.sample(&mut rng)).sum::<f64>() / n as f64;
    assert!(
        (m - 0.371_855_939_608_394_2).abs() < 4.0 * 0.04 / (n as f64).sqrt(),
        "{m}"
    );
}

#[test]
fn truncated_draws_stay_in_bounds_even_at_the_extreme_probabilities() {
    let d = truncated(normal(0.5, 0.16), 0.0, 1.0);
    for u in [0.0, P_MIN, 1e-300, 0.25, 0.5, 0.75, P_MAX, 1.0] {
        let x = d.quantile(u);
        assert!((0.0..=1.0).contains(&x), "u {u}: {x}");
    }
    // The most extreme values reach (almost) the bounds.
    assert!(d.quantile(0.0) < 1e-9 && d.quantile(1.0) > 1.0 - 1e-9);
    assert_eq!(d.support(), (0.0, 1.0));
    let mut rng = RngStreams::new(1, 0).stream("b");
    for _ in 0..100_000 {
        let x = d.sample(&mut rng);
        assert!((0.0..=1.0).contains(&x));
    }
}

#[test]
fn truncated_quantile_is_the_inner_quantile_on_the_kept_interval() {
    // Inverse CDF on [F(low), F(high)]: u's stratum maps to the same slice
    // of the kept interval, so stratified designs stay stratified.
    let u = truncated(Box::new(Dist::Uniform { low: 0.0, high: 10.0 }), 2.0, 4.0);
    for p in [0.1, 0.3, 0.5, 0.9] {
        assert!((u.quantile(p) - (2.0 + 2.0 * p)).abs() < 1e-12);
        assert!((u.cdf(2.0 + 2.0 * p) - p).abs() < 1e-12);
    }
    let d = truncated(normal(0.0, 1.0), -1.0, 2.0);
    let (fl, fh) = (normal_cdf(-1.0), normal_cdf(2.0));
    for p in [0.05, 0.5, 0.95] {
        let x = d.quantile(p);
        assert!((normal_cdf(x) - (fl + p * (fh - fl))).abs() < 1e-8, "{p}: {x}");
        assert!((d.cdf(x) - p).abs() < 1e-8);
    }
    assert_eq!(d.cdf(-5.0), 0.0);
    assert_eq!(d.cdf(5.0), 1.0);
}

#[test]
fn every_continuous_kind_can_be_truncated() {
    let inner = [
        Dist::Normal { mean: 1.0, sd: 2.0 },
        Dist::LogNormal { mu: 0.0, sigma: 0.5 },
        Dist::Uniform { low: 0.0, high: 3.0 },
        Dist::Triangular {
            low: 0.0,
            mode: 1.0,
            high: 3.0,
        },
        Dist::Beta {
            alpha: 2.0,
            beta: 3.0,
        },
        Dist::Pert {
            low: 0.0,
            mode: 1.0,
            high: 3.0,
        },
        Dist::Exp { mean: 1.0 },
        Dist::Weibull {
            scale: 1.0,
            shape: 1.5,
        },
    ];
    for d in inner {
        let (lo, hi) = (0.2, 0.9);
        let t = truncated(Box::new(d.clone()), lo, hi);
        // CDF and quantile agree with the inner distribution's, rescaled.
        let m = d.cdf(hi) - d.cdf(lo);
        for p in [0.1, 0.5, 0.9] {
            let x = t.quantile(p);
            assert!((lo..=hi).contains(&x), "{d:?}: {x}");
            assert!(((d.cdf(x) - d.cdf(lo)) / m - p).abs() < 1e-7, "{d:?} at {p}: {x}");
        }
        // The numerical mean agrees with the stratified one.
        assert!((t.mean() - quantile_mean(&t, 100_000)).abs() < 1e-4, "{d:?}");
    }
}

#[test]
fn cdf_inverts_quantile_for_every_continuous_kind() {
    let kinds = [
        Dist::Normal { mean: 1.0, sd: 2.0 },
        Dist::LogNormal { mu: 0.0, sigma: 0.5 },
        Dist::Uniform { low: -1.0, high: 3.0 },
        Dist::Triangular {
            low: 0.0,
            mode: 1.0,
            high: 3.0,
        },
        Dist::Beta {
            alpha: 2.0,
            beta: 3.0,
        },
        Dist::Pert {
            low: 0.0,
            mode: 1.0,
            high: 3.0,
        },
        Dist::Exp { mean: 4.0 },
        Dist::Weibull {
            scale: 2.0,
            shape: 1.5,
        },
    ];
    for d in kinds {
        for p in [0.001, 0.1, 0.5, 0.9, 0.999] {
            assert!((d.cdf(d.quantile(p)) - p).abs() < 1e-8, "{d:?} at {p}");
        }
    }
    let disc = Dist::Discrete {
        values: vec![1.0, 2.0, 3.0],
        weights: vec![1.0, 0.0, 3.0],
    };
    assert_eq!(disc.cdf(0.5), 0.0);
    assert_eq!(disc.cdf(2.5), 0.25);
    assert_eq!(disc.cdf(3.0), 1.0);
}

#[test]
fn quantile_is_finite_at_zero_and_one() {
    // `quantile` clamps u to [P_MIN, P_MAX], the range the designs draw
    // from, so the extremes are the most extreme reachable values (the
    // scenario load check tests there) and never infinite.
    let n = Dist::Normal { mean: 0.0, sd: 1.0 };
    let (lo, hi) = (n.quantile(0.0), n.quantile(1.0));
    assert!(lo.is_finite() && hi.is_finite());
    assert!(lo < -8.0 && hi > 8.0, "{lo} {hi} {}", P_MAX);
    assert_eq!(lo, n.quantile(P_MIN));
    assert_eq!(hi, n.quantile(P_MAX));
    assert_eq!(1.0 - P_MAX, f64::EPSILON / 2.0);
    assert_eq!(P_MIN, 2f64.powi(-54));
    for d in [Dist::Exp { mean: 1.0 }, Dist::LogNormal { mu: 0.0, sigma: 1.0 }] {
        assert!(d.quantile(1.0).is_finite() && d.quantile(0.0) > 0.0, "{d:?}");
    }
}

#[test]
fn bad_truncations_are_refused_with_the_reason() {
    let cases: [(Dist, &str); 5] = [
        (
            Dist::Truncated {
                dist: normal(0.0, 1.0),
                low: 1.0,
                high: 1.0,
            },
            "need low < high",
        ),
        (
            Dist::Truncated {
                dist: Box::new(Dist::Const { value: 1.0 }),
                low: 0.0,
                high: 2.0,
            },
            "continuous",
        ),
        (
            Dist::Truncated {
                dist: Box::new(truncated(normal(0.0, 1.0), -1.0, 1.0)),
                low: 0.0,
                high: 2.0,
            },
            "continuous",
        ),
        (
            Dist::Truncated {
                dist: normal(0.0, -1.0),
                low: 0.0,
                high: 2.0,
            },
            "in `dist`: `sd` must be ≥ 0",
        ),
        (
            // [10, 20] holds Φ(−10) ≈ 7.6e-24 of N(0, 1).
            Dist::Truncated {
                dist: normal(0.0, 1.0),
                low: 10.0,
                high: 20.0,
            },
            "keep at least",
        ),
    ];
    for (d, want) in cases {
        let e = d.validate().unwrap_err();
        assert!(e.contains(want), "{d:?}: {e}");
    }
    assert_eq!(MIN_TRUNCATED_MASS, 1e-6);
}

/// `still_to_run` (s10: the one conditioning the grid's and the supply
/// chain's projects begun before time zero share): the law of a duration
/// given it outlasts `spent`, checked against closed forms.
#[test]
fn still_to_run_conditions_on_outlasting_the_time_spent() {
    // Uniform on [1, 3] given > 1.5: uniform on [1.5, 3], mean 2.25.
    let u = Dist::Uniform { low: 1.0, high: 3.0 };
    let c = u.still_to_run(1.5).expect("conditions");
    assert!((c.mean() - 2.25).abs() < 1e-3, "{}", c.mean());
    assert_eq!(c.support(), (1.5, 3.0));
    // Exponential: memoryless, the mean beyond `spent` is spent + mean.
    let e = Dist::Exp { mean: 2.0 }.still_to_run(1.0).expect("conditions");
    assert!(
        (quantile_mean(&e, 100_000) - 3.0).abs() < 1e-3,
        "{}",
        quantile_mean(&e, 100_000)
    );
    // Draws all outlast it.
    let mut rng = RngStreams::new(3, 0).stream("t");
    assert!((0..10_000).all(|_| e.sample(&mut rng) > 1.0));
    // A Discrete keeps its longer values; a Truncated raises its low.
    let d = Dist::Discrete {
        values: vec![1.0, 2.0, 4.0],
        weights: vec![1.0, 1.0, 2.0],
    };
    assert_eq!(d.still_to_run(1.5).expect("conditions").mean(), (2.0 + 8.0) / 3.0);
    let t = truncated(normal(5.0, 1.0), 3.0, 8.0)
        .still_to_run(4.0)
        .expect("conditions");
    assert_eq!(t.support(), (4.0, 8.0));
    // Nothing spent, or a fixed duration: unchanged.
    assert_eq!(u.still_to_run(0.0), Ok(u.clone()));
    assert_eq!(Dist::constant(2.0).still_to_run(5.0), Ok(Dist::constant(2.0)));
    // Near-impossible: refused, naming the probability beyond.
    let err = u.still_to_run(3.5).expect_err("refused");
    assert!(err.contains("almost surely completed before the start"), "{err}");
    assert!(err.contains("0.000e0"), "{err}");
}
