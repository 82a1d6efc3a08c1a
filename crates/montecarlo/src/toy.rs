//! Small models for tests, benches, examples and the Slurm test: the Ishigami
//! function (known Sobol indices) and a toy growth model with monthly series
//! and stochastic noise (exercising bands, seeds and common random numbers).

use crate::model::{Model, ModelError, ParamSpec, RunResult};
use crate::series::Series;
use rand::Rng;
use scheduler::math;
use scheduler::{Dist, RngStreams};

/// Ishigami: y = sin x₁ + a·sin² x₂ + b·x₃⁴·sin x₁, xᵢ ~ U(−π, π).
/// With a = 7, b = 0.1: S₁ ≈ 0.3139, S₂ ≈ 0.4424, S₃ = 0; ST₁ ≈ 0.5576, ST₂ ≈ 0.4424, ST₃ ≈ 0.2437.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ishigami {
    /// a (7 in the classic setting).
    pub a: f64,
    /// b (0.1 in the classic setting).
    pub b: f64,
}

impl Ishigami {
    /// Analytic (first-order, total) indices for (a, b).
    pub fn analytic_indices(&self) -> ([f64; 3], [f64; 3]) {
        let pi = std::f64::consts::PI;
        let (a, b) = (self.a, self.b);
        let v1 = 0.5 * (1.0 + b * pi.powi(4) / 5.0).powi(2);
        let v2 = a * a / 8.0;
        let v13 = b * b * pi.powi(8) * (1.0 / 18.0 - 1.0 / 50.0);
        let v = v1 + v2 + v13;
        ([v1 / v, v2 / v, 0.0], [(v1 + v13) / v, v2 / v, v13 / v])
    }
}

impl Model for Ishigami {
    fn parameters(&self) -> Vec<ParamSpec> {
        let pi = std::f64::consts::PI;
        (1..=3)
            .map(|i| ParamSpec {
                path: format!("x{i}"),
                dist: Dist::Uniform { low: -pi, high: pi },
            })
            .collect()
    }
    fn run(&self, _seed: u64, p: &[f64]) -> Result<RunResult, ModelError> {
        let [x1, x2, x3] =
            <[f64; 3]>::try_from(p).map_err(|_| ModelError("Ishigami needs 3 parameters".into()))?;
        let y = math::sin(x1) + self.a * math::sin(x2).powi(2) + self.b * x3.powi(4) * math::sin(x1);
        Ok(RunResult {
            scalars: vec![("y".into(), y)],
            series: Series::default(),
        })
    }
    fn identity(&self) -> Vec<u8> {
        format!("ishigami a={} b={}", self.a, self.b).into_bytes()
    }
}

/// A toy national stack: compute grows each month at an uncertain rate,
/// with monthly noise drawn from the run's seed, capped by uncertain power.
#[derive(Clone, Debug, PartialEq)]
pub struct ToyGrowth {
    /// Simulated years (12 samples per year).
    pub years: u32,
    /// A policy lever: extra monthly growth (compare two values with `compare`).
    pub policy_boost: f64,
    /// Busy-wait per run, in microseconds (for interruption tests and benches).
    pub work_micros: u64,
}

impl Default for ToyGrowth {
    fn default() -> Self {
        ToyGrowth {
            years: 5,
            policy_boost: 0.0,
            work_micros: 0,
        }
    }
}

impl Model for ToyGrowth {
    fn parameters(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec {
                path: "labs.toy.growth_per_month".into(),
                dist: Dist::Normal { mean: 0.04, sd: 0.01 },
            },
            ParamSpec {
                path: "grid.toy.capacity_mw".into(),
                dist: Dist::LogNormal { mu: 7.0, sigma: 0.3 },
            },
            ParamSpec {
                path: "fab.toy.yield".into(),
                dist: Dist::Beta {
                    alpha: 8.0,
                    beta: 2.0,
                },
            },
        ]
    }
    fn correlations(&self) -> Vec<crate::RankCorrelation> {
        vec![crate::RankCorrelation {
            a: "labs.toy.growth_per_month".into(),
            b: "fab.toy.yield".into(),
            rho: 0.5,
        }]
    }
    fn run(&self, seed: u64, p: &[f64]) -> Result<RunResult, ModelError> {
        let start = std::time::Instant::now();
        let mut rng = RngStreams::new(seed, 0).stream("toy/noise");
        let [growth, cap_mw, yld] =
            <[f64; 3]>::try_from(p).map_err(|_| ModelError("ToyGrowth needs 3 parameters".into()))?;
        let growth = growth + self.policy_boost;
        let mut compute = 1e24;
        let mut series = Series::builder();
        let mut threshold_year = None;
        for m in 1..=self.years * 12 {
            let noise: f64 = rng.random_range(-0.02..0.02);
            compute *= 1.0 + (growth + noise) * yld;
            let power = (compute / 1e24 * 50.0).min(cap_mw);
            let t = f64::from(m) / 12.0;
            let date = format!("{}-{:02}-01", 2026 + (m / 12), m % 12 + 1);
            if threshold_year.is_none() && compute >= 1e26 {
                threshold_year = Some(t);
            }
            series.push(t, &date, "training.largest_run_flop", "national", compute);
            series.push(t, &date, "energy.load_mw", "national", power);
        }
        while start.elapsed().as_micros() < u128::from(self.work_micros) {
            std::hint::spin_loop();
        }
        let mut scalars = vec![
            ("training.final_flop".into(), compute),
            ("energy.peak_load_mw".into(), cap_mw.min(compute / 1e24 * 50.0)),
        ];
        if let Some(t) = threshold_year {
            scalars.push(("training.year_1e26_flop".into(), t));
        }
        let series = series.finish().map_err(ModelError)?;
        Ok(RunResult { scalars, series })
    }
    fn identity(&self) -> Vec<u8> {
        format!("toy-growth years={} boost={}", self.years, self.policy_boost).into_bytes()
    }
}
