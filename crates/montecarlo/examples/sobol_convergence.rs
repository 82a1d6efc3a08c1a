//! How fast Sobol indices converge with each Saltelli sampler: the RMSE of
//! the first-order (S1) and total (ST) indices of the Ishigami function
//! (a = 7, b = 0.1) against their analytic values, over R master seeds, for
//! N = 2^6, 2^8, … 2^max base samples (and 1000, not a power of two). Prints a Markdown table (the one in
//! docs/montecarlo.md, "Sobol' or pseudo-random points").
//!
//! ```text
//! cargo run --release -p aistack-montecarlo --example sobol_convergence [-- SEEDS MAX_LOG2_N]
//! ```

use montecarlo::toy::Ishigami;
use montecarlo::{Model, NoProgress, SaltelliSampler, SobolOptions, SobolReport, sobol_sensitivity};

/// The Sobol indices of `outcome` from `n` base samples drawn by `sampler`
/// under `seed`, without bootstrap intervals (only the estimates are compared).
fn estimate(
    model: &dyn Model,
    outcome: &str,
    n: u64,
    sampler: SaltelliSampler,
    seed: u64,
) -> Result<SobolReport, Box<dyn std::error::Error>> {
    let o = SobolOptions {
        invocation: Default::default(),
        outcome: outcome.into(),
        base_samples: n,
        sampler,
        master_seed: seed,
        threads: None,
        bootstrap: 0,
        out: None,
    };
    Ok(sobol_sensitivity(model, &o, &NoProgress)?)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let seeds: u64 = args.get(1).map_or(Ok(20), |s| s.parse())?;
    let max_log2: u32 = args.get(2).map_or(Ok(14), |s| s.parse())?;
    let model = Ishigami { a: 7.0, b: 0.1 };
    let (s1_true, st_true) = model.analytic_indices();
    println!("| N | runs N·(d+2) | S1 RMSE, random | S1 RMSE, Sobol' | ST RMSE, random | ST RMSE, Sobol' |");
    println!("| ---: | ---: | ---: | ---: | ---: | ---: |");
    // Powers of four, and 1000 beside 1024: Sobol' points balance at 2^m only.
    let mut sizes: Vec<u64> = (6..=max_log2).step_by(2).map(|l| 1u64 << l).collect();
    if max_log2 >= 10 {
        sizes.insert(2, 1000);
    }
    for n in sizes {
        // Per sampler: (S1, ST) root mean square error over seeds and the 3 parameters.
        let mut rmse = Vec::new();
        for sampler in [SaltelliSampler::Random, SaltelliSampler::Sobol] {
            let (mut e1, mut et) = (0.0, 0.0);
            for seed in 0..seeds {
                let r = estimate(&model, "y", n, sampler, seed)?;
                for (j, row) in r.rows.iter().enumerate() {
                    e1 += (row.s1 - s1_true[j]).powi(2);
                    et += (row.st - st_true[j]).powi(2);
                }
            }
            let k = (3 * seeds) as f64;
            rmse.push(((e1 / k).sqrt(), (et / k).sqrt()));
        }
        println!(
            "| {n} | {} | {:.4} | {:.4} | {:.4} | {:.4} |",
            n * 5,
            rmse[0].0,
            rmse[1].0,
            rmse[0].1,
            rmse[1].1
        );
    }
    println!("\nRMSE over {seeds} master seeds (0..{seeds}) and the three parameters.");
    toy_spread(seeds, max_log2)
}

/// The toy growth model has monthly noise from the run's seed (which
/// Sobol' points do not stratify) and no analytic indices: the spread (sd
/// across master seeds, root mean square over the parameters) of its
/// estimates of `training.final_flop`'s indices.
fn toy_spread(seeds: u64, max_log2: u32) -> Result<(), Box<dyn std::error::Error>> {
    let model = montecarlo::toy::ToyGrowth::default();
    println!("\nToy growth model, training.final_flop: sd of the estimates across seeds\n");
    println!("| N | S1 sd, random | S1 sd, Sobol' | ST sd, random | ST sd, Sobol' |");
    println!("| ---: | ---: | ---: | ---: | ---: |");
    for log2 in (6..=max_log2.min(12)).step_by(2) {
        let n = 1u64 << log2;
        let mut cells = Vec::new();
        for sampler in [SaltelliSampler::Random, SaltelliSampler::Sobol] {
            let mut est: Vec<Vec<(f64, f64)>> = Vec::new();
            for seed in 0..seeds {
                let r = estimate(&model, "training.final_flop", n, sampler, seed)?;
                est.push(r.rows.iter().map(|row| (row.s1, row.st)).collect());
            }
            let d = est[0].len();
            let k = seeds as f64;
            let sd = |f: &dyn Fn(&(f64, f64)) -> f64| {
                let v: f64 = (0..d)
                    .map(|j| {
                        let m = est.iter().map(|e| f(&e[j])).sum::<f64>() / k;
                        est.iter().map(|e| (f(&e[j]) - m).powi(2)).sum::<f64>() / (k - 1.0)
                    })
                    .sum::<f64>()
                    / d as f64;
                v.sqrt()
            };
            cells.push((sd(&|e| e.0), sd(&|e| e.1)));
        }
        println!(
            "| {n} | {:.4} | {:.4} | {:.4} | {:.4} |",
            cells[0].0, cells[1].0, cells[0].1, cells[1].1
        );
    }
    Ok(())
}
