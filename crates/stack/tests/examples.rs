//! Every file under `examples/scenarios/` (recursively) is a complete,
//! runnable scenario: each loads, runs for its whole horizon, and produces
//! sane outputs — finite samples, releases, and energy that balances.

use stack::{RunOptions, RunOutput, Scenario, run};
use std::path::{Path, PathBuf};

fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/scenarios")
}

fn ron_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            ron_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "ron") {
            out.push(p);
        }
    }
}

fn scalar(out: &RunOutput, key: &str) -> Result<f64, String> {
    out.scalar(key).ok_or_else(|| format!("no scalar `{key}`"))
}

/// The sanity checks every example must pass; an error says which.
/// Every scalar outcome `out` reports is in docs/model.md's "Scalar
/// outcomes" table (per-year names as `…_year_Y`, per compute threshold
/// as `training.year_reached_<T>_flop`).
fn outcomes_documented(out: &RunOutput) -> Result<(), String> {
    let doc =
        std::fs::read_to_string(examples_dir().join("../../docs/model.md")).map_err(|e| e.to_string())?;
    let table = doc
        .split("### Scalar outcomes")
        .nth(1)
        .ok_or("docs/model.md has no Scalar outcomes section")?;
    let table = table.split("\n## ").next().unwrap_or(table);
    let missing: Vec<String> = out
        .scalars
        .iter()
        .map(|(k, _)| documented_name(k))
        .filter(|k| !table.contains(&format!("| `{k}` |")))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "outcomes missing from docs/model.md's Scalar outcomes table: {missing:?}"
        ))
    }
}

/// The name of outcome `k` as docs/model.md's table writes it: a year as
/// `_year_Y`, a threshold as `<T>`, a lab's own outcome as
/// `training.lab.<lab>.…`.
fn documented_name(k: &str) -> String {
    if let Some((_, national)) = stack::run::lab_of_outcome(k) {
        return documented_name(&national).replacen("training.", "training.lab.<lab>.", 1);
    }
    match k.rsplit_once("_year_") {
        Some((head, year)) if year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()) => {
            format!("{head}_year_Y")
        }
        _ if k.starts_with("training.year_reached_") && k.ends_with("_flop") => {
            "training.year_reached_<T>_flop".to_string()
        }
        _ => k.to_string(),
    }
}

/// Every metric and scalar outcome `out` reports has a unit in docs/model.md
/// ("Units of the time series", "Scalar outcomes"), where `aistack plot`
/// takes its axis labels from (audit s16-thesis F2).
fn units_documented(out: &RunOutput) -> Result<(), String> {
    let mut missing: Vec<&str> = out
        .series
        .keys()
        .iter()
        .map(|(metric, _)| metric.as_str())
        .chain(out.scalars.iter().map(|(k, _)| k.as_str()))
        .filter(|name| stack::output_units::unit_of(name).is_none())
        .collect();
    missing.sort_unstable();
    missing.dedup();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("no unit in docs/model.md's unit tables for {missing:?}"))
    }
}

/// The labs' accelerators are conserved, for each lab and the nation:
/// at start + delivered = awaiting install + installed + retired, exactly,
/// with installed the series' last sample;
/// the nation's counts are the labs' sums, and its deliveries the wiring's
/// (`fab.accelerators_delivered_to_labs_total`).
fn lab_chips_conserved(s: &Scenario, out: &RunOutput) -> Result<(), String> {
    const COUNTS: [&str; 5] = [
        "training.accelerators_at_start",
        "training.accelerators_delivered_total",
        "training.accelerators_awaiting_install_end",
        "training.accelerators_installed_end",
        "training.accelerators_retired_total",
    ];
    let counts = |lab: Option<&str>| -> Result<[f64; 5], String> {
        let mut c = [0.0; 5];
        for (x, n) in c.iter_mut().zip(COUNTS) {
            *x = match lab {
                Some(l) => scalar(out, &stack::run::lab_outcome(l, n))?,
                None => scalar(out, n)?,
            };
        }
        if c[0] + c[1] != c[2] + c[3] + c[4] {
            return Err(format!("{lab:?}: accelerators not conserved: {c:?}"));
        }
        // Installed at the end is what the last sample (at the end) counts.
        let entity = lab.unwrap_or("national");
        let last = out
            .series
            .iter()
            .filter(|r| r.metric == "training.accelerators_installed" && r.entity == entity)
            .max_by(|a, b| a.time_year.total_cmp(&b.time_year))
            .map(|r| r.value);
        if last != Some(c[3]) {
            return Err(format!(
                "{entity}: {} accelerators installed at the end, the last sample says {last:?}",
                c[3]
            ));
        }
        Ok(c)
    };
    let nation = counts(None)?;
    let mut sum = [0.0; 5];
    for l in &s.data.labs {
        for (x, c) in sum.iter_mut().zip(counts(Some(&l.name))?) {
            *x += c;
        }
    }
    if sum != nation {
        return Err(format!(
            "the labs' counts {sum:?} do not add up to the nation's {nation:?}"
        ));
    }
    let wired = scalar(out, "fab.accelerators_delivered_to_labs_total")?;
    if nation[1] != wired {
        return Err(format!(
            "labs received {} accelerators, the wiring delivered {wired}",
            nation[1]
        ));
    }
    Ok(())
}

fn check(s: &Scenario, out: &RunOutput) -> Result<(), String> {
    outcomes_documented(out)?;
    units_documented(out)?;
    lab_chips_conserved(s, out)?;
    // Every sample and scalar is a finite number.
    if let Some(r) = out.series.iter().find(|r| !r.value.is_finite()) {
        return Err(format!(
            "{} of {} on {} is {}",
            r.metric, r.entity, r.date, r.value
        ));
    }
    if let Some((k, v)) = out.scalars.iter().find(|(_, v)| !v.is_finite()) {
        return Err(format!("scalar {k} is {v}"));
    }
    // Samples cover the horizon: the last one is within a sampling interval
    // of the end.
    let last = out
        .series
        .iter()
        .map(|r| r.time_year)
        .fold(f64::NEG_INFINITY, f64::max);
    let start = out
        .series
        .iter()
        .map(|r| r.time_year)
        .fold(f64::INFINITY, f64::min);
    let horizon = s.data.horizon_years.get();
    let interval = f64::from(s.data.settings.sample_every_months) / 12.0;
    if last - start < horizon - interval - 0.01 {
        return Err(format!(
            "samples span {start:.3}..{last:.3}, horizon {horizon} years"
        ));
    }
    // Labs release models, in date order, within the horizon, each of a
    // positive size; the largest release is the largest run.
    if out.releases.is_empty() {
        return Err("no release in the whole horizon".into());
    }
    let end_days = horizon * 365.25 + 1.0;
    let mut prev = 0.0;
    let mut largest_release: f64 = 0.0;
    for r in &out.releases {
        let d = r.at.as_days();
        if d < prev || d > end_days {
            return Err(format!("release at day {d:.1} out of order or after the horizon"));
        }
        prev = d;
        if !(r.physical_flop > 0.0 && r.physical_flop.is_finite()) {
            return Err(format!("release of {} FLOP", r.physical_flop));
        }
        largest_release = largest_release.max(r.physical_flop);
    }
    let largest = scalar(out, "training.largest_run_flop")?;
    if largest != largest_release {
        return Err(format!(
            "training.largest_run_flop {largest:e} differs from the largest release {largest_release:e}"
        ));
    }
    if scalar(out, "training.releases_total")? != out.releases.len() as f64 {
        return Err("training.releases_total differs from the release list".into());
    }
    // Energy balances: generation covers the served demand (demand − unserved)
    // plus what links and batteries lose (3 % per link crossing and a 15 %
    // round trip by default, bounded here by 5 % of the total); nothing is
    // served that was not generated.
    let demand = scalar(out, "energy.demand_mwh_total")?;
    let unserved = scalar(out, "energy.unserved_mwh_total")?;
    let generation = scalar(out, "energy.generation_mwh_total")?;
    let served = demand - unserved;
    if !(demand > 0.0 && (0.0..=demand).contains(&unserved)) {
        return Err(format!("demand {demand:e} MWh, unserved {unserved:e} MWh"));
    }
    if generation < served * (1.0 - 1e-6) || generation > served * 1.05 {
        return Err(format!(
            "generation {generation:e} MWh does not balance served demand {served:e} MWh"
        ));
    }
    let fraction = scalar(out, "energy.unserved_fraction")?;
    if (fraction - unserved / demand).abs() > 1e-9 + 1e-6 * fraction {
        return Err(format!("unserved fraction {fraction} ≠ {unserved} / {demand}"));
    }
    // Datacenters are part of the grid's demand: the labs cannot use more
    // energy than the grid was asked for.
    let training = scalar(out, "training.energy_mwh_total")?;
    if !(training > 0.0 && training <= demand) {
        return Err(format!(
            "training energy {training:e} MWh vs demand {demand:e} MWh"
        ));
    }
    // The monthly national flows add up to the run's totals.
    let monthly: f64 = out
        .series
        .iter()
        .filter(|r| r.metric == "energy.demand_mwh" && r.entity == "national")
        .map(|r| r.value)
        .sum();
    if (monthly / demand - 1.0).abs() > 1e-6 {
        return Err(format!(
            "monthly demand sums to {monthly:e} MWh, total {demand:e} MWh"
        ));
    }
    Ok(())
}

#[test]
fn every_example_runs_its_whole_horizon_with_sane_outputs() {
    let mut files = Vec::new();
    ron_files(&examples_dir(), &mut files);
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for expected in [
        "minimal.ron",
        "china-2025.ron",
        "us-2025.ron",
        "drought-2027.ron",
        "cold-snap-2027.ron",
        "us-2025-adequacy.ron",
        "us-2025-weather.ron",
        "export-controls-tighten.ron",
        "export-controls-tighten-hbm.ron",
        "export-controls-loosen.ron",
        "grey-imports.ron",
        "no-spillovers.ron",
        "grid-crunch.ron",
        "china-2025-reservoirs.ron",
        "us-2025-reservoirs.ron",
        "llama-3.1-405b.ron",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing from {names:?}"
        );
    }
    let mut failures = Vec::new();
    for path in &files {
        let t0 = std::time::Instant::now();
        let result = Scenario::load(path)
            .map_err(|e| format!("does not load: {e}"))
            .and_then(|s| {
                let out = run(&s, &RunOptions::default()).map_err(|e| format!("run fails: {e}"))?;
                check(&s, &out)?;
                check_policy_variant(&out)
            });
        eprintln!("{}: {:.1} s", path.display(), t0.elapsed().as_secs_f64());
        if let Err(e) = result {
            failures.push(format!("{}: {e}", path.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The sum of `metric` for `entity` over the samples dated before `before`
/// (ISO dates compare as strings) and over all samples.
fn series_sums(out: &RunOutput, metric: &str, entity: &str, before: &str) -> (f64, f64) {
    out.series
        .iter()
        .filter(|r| r.metric == metric && r.entity == entity)
        .fold((0.0, 0.0), |(b, all), r| {
            (b + if r.date < before { r.value } else { 0.0 }, all + r.value)
        })
}

/// What the export-control variants say their channels do, in the run's
/// own draw: export-controls-loosen imports no H200 before its licences
/// (13 Jan 2026; monthly samples are dated at the period's end, so the
/// sample of 2026-02-01 is the first that can hold any) and some after
/// when it drew a volume above 0; grey-imports brings in its H100s by the
/// grey flow alone (the licensed flow is banned from the start), and
/// every grey chip is counted in the H100 imports.
fn check_policy_variant(out: &RunOutput) -> Result<(), String> {
    let param = |p: &str| out.params.iter().find(|(k, _)| k == p).map(|(_, v)| *v);
    if let Some(volume) = param("imports.h200-imports.units_per_month") {
        let (before, all) = series_sums(out, "fab.imports", "h200", "2026-02-01");
        if before != 0.0 || (volume > 0.0) != (all > 0.0) {
            return Err(format!(
                "H200 at {volume}/month: {before} imported before the licences, {all} in all"
            ));
        }
    }
    if let Some(volume) = param("imports.h100-grey.units_per_month") {
        let grey = scalar(out, "fab.accelerators_imported_grey_total")?;
        let (_, h100) = series_sums(out, "fab.imports", "h100", "0000");
        // On order: at most the path over the run's months (a sample at
        // the start, then one at each month's end), more than nothing when
        // the draw is above a chip a month.
        let samples = out
            .series
            .iter()
            .filter(|r| r.metric == "fab.imports" && r.entity == "h100")
            .count();
        let months = samples.saturating_sub(1) as f64;
        if h100 != grey || grey > volume * months + 1.0 || (volume > 1.0 && grey <= 0.0) {
            return Err(format!(
                "grey H100 at {volume:.0}/month: {grey} grey, {h100} H100 imported"
            ));
        }
    }
    Ok(())
}

/// The embedded default is the file on disk.
#[test]
fn embedded_default_is_china_2025() {
    let embedded = Scenario::embedded_default().expect("embedded default loads");
    let file = Scenario::load(&examples_dir().join("china-2025.ron")).expect("china-2025.ron loads");
    assert_eq!(embedded.data, file.data);
}

/// The variants differ from the baseline where they say they do.
#[test]
fn variants_change_what_they_say() {
    let load = |f: &str| Scenario::load(&examples_dir().join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
    let base = load("china-2025.ron");
    let drought = load("drought-2027.ron");
    assert_eq!(drought.data.droughts.len(), base.data.droughts.len() + 1);
    let us = load("us-2025.ron");
    let cold = load("cold-snap-2027.ron");
    assert_eq!(cold.data.derates.len(), us.data.derates.len() + 1);
    for p in us.data.uncertain.keys() {
        assert!(cold.data.uncertain.contains_key(p), "cold-snap-2027: {p}");
    }
    let adequacy = load("us-2025-adequacy.ron");
    assert_eq!(adequacy.data.adequacy.len(), us.data.adequacy.len() + 1);
    let weather = load("us-2025-weather.ron");
    assert!(us.data.regions.iter().all(|r| r.demand_noise_sd.get() == 0.0));
    assert!(weather.data.regions.iter().all(|r| r.demand_noise_sd.get() > 0.0));
    let tight = load("export-controls-tighten.ron");
    // A control after Dec 2024 leaves the stock shipped before it as the
    // base draws it, and 2025's packaging as the base's (fab audit s34, A1).
    let stock = "chips.hbm.stockpile_stacks";
    let tight_hbm = load("export-controls-tighten-hbm.ron");
    for v in [&tight, &tight_hbm] {
        assert_eq!(
            v.data.chips.hbm.stockpile_stacks.get(),
            base.data.chips.hbm.stockpile_stacks.get()
        );
        assert_eq!(
            format!("{:?}", v.data.uncertain.get(stock)),
            format!("{:?}", base.data.uncertain.get(stock))
        );
    }
    let first = |s: &stack::series::Series| match s {
        stack::series::Series::Path { points, .. } => points[0],
        other => panic!("not a path: {other:?}"),
    };
    let (tight_first, base_first) = (
        first(&tight.data.chips.packaging_units_per_month),
        first(&base.data.chips.packaging_units_per_month),
    );
    assert_eq!(tight_first.1, base_first.1);
    assert!(tight_first.0 < chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap());
    // Its HBM part alone: the same HBM rows, the base's packaging.
    assert_eq!(
        format!("{:?}", tight_hbm.data.chips.hbm.domestic_stacks_per_month),
        format!("{:?}", tight.data.chips.hbm.domestic_stacks_per_month)
    );
    assert_eq!(
        format!("{:?}", tight_hbm.data.chips.packaging_units_per_month),
        format!("{:?}", base.data.chips.packaging_units_per_month)
    );
    let nospill = load("no-spillovers.ron");
    assert!(base.data.ecosystem.spillovers && !nospill.data.ecosystem.spillovers);
    // The policy variants add a channel each and keep the base's draws.
    let loosen = load("export-controls-loosen.ron");
    assert_eq!(loosen.data.imports.len(), base.data.imports.len() + 1);
    assert_eq!(loosen.data.policies.len(), base.data.policies.len() + 2);
    assert!(
        loosen
            .data
            .uncertain
            .contains_key("imports.h200-imports.units_per_month")
    );
    let grey = load("grey-imports.ron");
    assert_eq!(grey.data.imports.iter().filter(|i| i.grey).count(), 1);
    assert!(
        grey.data
            .uncertain
            .contains_key("imports.h100-grey.units_per_month")
    );
    let crunch = load("grid-crunch.ron");
    assert!(
        crunch
            .data
            .regions
            .iter()
            .all(|r| r.demand_growth_per_year.max() > 0.065)
    );
    // Variants keep the baseline's uncertain parameters (the stockpile too:
    // the tighten variants drew it at 11.4 M in every run until s34).
    for v in [&drought, &tight, &tight_hbm, &nospill, &crunch, &loosen, &grey] {
        for p in base.data.uncertain.keys() {
            assert!(v.data.uncertain.contains_key(p), "{}: {p}", v.name());
        }
    }
    let (drawn, base_drawn) = (
        tight.with_values(&tight.draw_values(3)).unwrap(),
        base.with_values(&base.draw_values(3)).unwrap(),
    );
    assert_eq!(
        drawn.chips.hbm.stockpile_stacks.get(),
        base_drawn.chips.hbm.stockpile_stacks.get()
    );
}
