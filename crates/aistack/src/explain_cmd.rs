//! `aistack explain OUTDIR` and the single-run charts of `aistack plot`:
//! both read what `aistack run` wrote (`timeseries.csv`, `summary.json`).

use anyhow::{Context, Result, bail};
use montecarlo::charts::{
    LineSeries, Marker, TimelineEvent, line_chart, line_chart_with_dots, timeline_chart,
};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// One run's national series: metric → (time_year, value) in time order.
pub struct RunSeries {
    by_metric: BTreeMap<String, Vec<(f64, f64)>>,
}

/// One sampling instant of a `timeseries.csv`: `aistack run` writes its
/// rows as one block.
struct Instant {
    time: f64,
    date: String,
    /// Lines of its first and last rows (the header is line 1).
    lines: (u64, u64),
}

/// Ends every message about a damaged `timeseries.csv`.
const WRITE_AGAIN: &str = "write the run again with `aistack run`";

impl RunSeries {
    /// Reads the `national` rows of `DIR/timeseries.csv` (run 0) and the
    /// file's sampling instants, refusing what `aistack run` never writes
    /// (each with FILE:LINE): rows out of time order (an instant's rows are
    /// one block, instants in time order), an instant repeated, a time
    /// given two dates, and a metric of an entity written twice at one
    /// instant.
    fn read(dir: &Path) -> Result<(RunSeries, Layout)> {
        let path = dir.join("timeseries.csv");
        let file = path.display();
        let mut rdr =
            csv::Reader::from_path(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let headers = rdr
            .headers()
            .with_context(|| format!("{file}:1: cannot read the header; {WRITE_AGAIN}"))?
            .clone();
        const HEADER: [&str; 6] = ["run", "time_year", "date", "metric", "entity", "value"];
        if headers.iter().collect::<Vec<_>>() != HEADER {
            // The header as it reads in the file, not as a Rust value.
            let found = if headers.is_empty() {
                "the file is empty".to_string()
            } else {
                format!("its header is `{}`", headers.iter().collect::<Vec<_>>().join(","))
            };
            bail!(
                "{file}:1: not an aistack timeseries: {found}, where `aistack run` writes `{}`; {WRITE_AGAIN}",
                HEADER.join(",")
            );
        }
        let mut by_metric: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
        let mut instants: Vec<Instant> = Vec::new();
        // (metric, entity) → line, at the current instant.
        let mut seen: HashMap<(String, String), u64> = HashMap::new();
        let mut present: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
        for row in rdr.records() {
            // A row the CSV reader cannot take (a file cut mid-line, a
            // field too many) is named by file and line like the rest.
            let row = row.map_err(|e| {
                let line = e.position().map_or(0, |p| p.line());
                anyhow::anyhow!("{file}:{line}: {e}: the file is damaged; {WRITE_AGAIN}")
            })?;
            let line = row.position().map_or(0, |p| p.line());
            let t: f64 = row[1]
                .parse()
                .ok()
                .filter(|t: &f64| t.is_finite())
                .with_context(|| format!("{file}:{line}: bad time_year `{}`", &row[1]))?;
            let date = &row[2];
            if let Some(last) = instants.last_mut()
                && last.time.to_bits() == t.to_bits()
            {
                if last.date != date {
                    bail!(
                        "{file}:{line}: time_year {t} is dated {date}, but line {} dates it {}: \
                         the rows were altered; {WRITE_AGAIN}",
                        last.lines.0,
                        last.date
                    );
                }
                last.lines.1 = line;
            } else if let Some(last) = instants.last()
                && t < last.time
            {
                if let Some(earlier) = instants.iter().find(|i| i.time.to_bits() == t.to_bits()) {
                    bail!(
                        "{file}:{line}: rows of the sampling instant {date} (time_year {t}) appear \
                         again: its rows are lines {}–{}, and `aistack run` writes each instant's \
                         rows once, as one block; {WRITE_AGAIN}",
                        earlier.lines.0,
                        earlier.lines.1
                    );
                }
                bail!(
                    "{file}:{line}: rows out of order: this row is at time_year {t} ({date}), after \
                     rows at {} ({}, line {}); `aistack run` writes the sampling instants in time \
                     order; {WRITE_AGAIN}",
                    last.time,
                    last.date,
                    last.lines.1
                );
            } else {
                instants.push(Instant {
                    time: t,
                    date: date.to_string(),
                    lines: (line, line),
                });
                seen.clear();
            }
            let key = (row[3].to_string(), row[4].to_string());
            if !stack::output::METRICS_WHEN_DEFINED.contains(&key.0.as_str()) {
                present.entry(key.clone()).or_default().push(instants.len() - 1);
            }
            if let Some(first) = seen.insert(key, line) {
                bail!(
                    "{file}:{line}: `{}` of `{}` at {date} is written twice (also line {first}); \
                     `aistack run` writes one row per metric and entity at each sampling instant; \
                     {WRITE_AGAIN}",
                    &row[3],
                    &row[4]
                );
            }
            if &row[4] != "national" {
                continue;
            }
            // `NaN` and `inf` parse as numbers, but a run never writes
            // them (it stops instead): such a value was edited in.
            let v: f64 = row[5]
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite())
                .with_context(|| {
                    format!(
                        "{file}:{line}: bad value `{}` of `{}` at {date}: not a finite number, which \
                     `aistack run` never writes; {WRITE_AGAIN}",
                        &row[5], &row[3]
                    )
                })?;
            by_metric.entry(row[3].to_string()).or_default().push((t, v));
        }
        Ok((RunSeries { by_metric }, Layout { instants, present }))
    }

    /// Reads `DIR/timeseries.csv` as `RunSeries::read` does, and refuses a
    /// file with rows missing, each time with FILE:LINE and what was
    /// expected there:
    /// - cut short (a copy or a disk that stopped at a line break, which
    ///   parses as a shorter run): every national metric must reach the end
    ///   of the run that `summary` (its `summary.json`) states, its first
    ///   sample plus `horizon_years`;
    /// - a sampling instant missing: the first instant is the run's `start`
    ///   (summary.json), then the run samples the first of a month every
    ///   `k` months (`settings.sample_every_months`, read from the file as
    ///   the smallest step between its instants) up to its end;
    /// - rows missing inside an instant: every metric of every entity has a
    ///   row at every instant, but for the few a domain writes only where
    ///   they are defined ([`stack::output::METRICS_WHEN_DEFINED`]).
    pub fn read_complete(dir: &Path, summary: &serde_json::Value) -> Result<RunSeries> {
        let (series, layout) = RunSeries::read(dir)?;
        let instants = &layout.instants;
        let path = dir.join("timeseries.csv");
        let file = path.display();
        let Some(first) = instants.first() else {
            bail!("{file} holds no rows");
        };
        if series.by_metric.is_empty() {
            bail!("{file} holds no national rows");
        }
        // `aistack run` has written both into every summary.json: without
        // them the file's end and start could not be checked, and a file cut
        // short would pass as complete.
        let Some(horizon) = summary
            .get("horizon_years")
            .and_then(serde_json::Value::as_f64)
            .filter(|h| h.is_finite() && *h > 0.0)
        else {
            bail!(
                "{}: `horizon_years` is missing or not a number of years above 0, which `aistack run` \
                 always writes, so whether {file} holds the whole run cannot be checked; {WRITE_AGAIN}",
                dir.join("summary.json").display()
            );
        };
        series.check_end(&path, first.time, horizon)?;
        let Some(start) = summary.get("start").and_then(serde_json::Value::as_str) else {
            bail!(
                "{}: `start` is missing or not a date, which `aistack run` always writes, so whether \
                 {file} starts where the run starts cannot be checked; {WRITE_AGAIN}",
                dir.join("summary.json").display()
            );
        };
        if first.date != start {
            bail!(
                "{file}:{}: the first row is dated {}, but summary.json says the run starts {start}: \
                 rows are missing at the start (or the file is another run's); {WRITE_AGAIN}",
                first.lines.0,
                first.date
            );
        }
        check_cadence(&path, instants)?;
        layout.check_rows(&path)?;
        Ok(series)
    }

    /// Every national metric reaches `first + horizon` (years).
    fn check_end(&self, path: &Path, first: f64, horizon: f64) -> Result<()> {
        // The run samples its end; calendar fractions differ by days.
        let end = first + horizon;
        let short: Vec<(&str, f64)> = self
            .by_metric
            .iter()
            .filter_map(|(m, v)| {
                let last = v.last().map_or(first, |p| p.0);
                (last < end - 0.01).then_some((m.as_str(), last))
            })
            .collect();
        // Rows past the end are another run's (or the summary is).
        if let Some((m, last)) = self
            .by_metric
            .iter()
            .filter_map(|(m, v)| v.last().map(|p| (m.as_str(), p.0)))
            .find(|&(_, last)| last > end + 0.01)
        {
            bail!(
                "{} goes past the end of the run: summary.json says the run covers {horizon} years \
                 from time {first} (to {end:.3}), but `{m}` has a row at {last:.3}: the file and \
                 summary.json are of different runs; {WRITE_AGAIN}",
                path.display()
            );
        }
        if let Some(&(_, last)) = short.iter().max_by(|a, b| a.1.total_cmp(&b.1)) {
            let names: Vec<&str> = short.iter().take(5).map(|(m, _)| *m).collect();
            bail!(
                "{} is cut short: summary.json says the run covers {horizon} years from time {first} \
                 (to {end:.3}), but {} of its national metrics stop earlier, the latest at {last:.3} \
                 ({}{}); {WRITE_AGAIN}",
                path.display(),
                short.len(),
                names.join(", "),
                if short.len() > names.len() { ", …" } else { "" }
            );
        }
        Ok(())
    }

    /// The national series of `metric` (empty if absent).
    pub fn get(&self, metric: &str) -> &[(f64, f64)] {
        self.by_metric.get(metric).map_or(&[], Vec::as_slice)
    }
}

/// Where a `timeseries.csv`'s rows are: its sampling instants, and for
/// each (metric, entity) that a run writes at every instant, the instants
/// (indices) where it has a row.
struct Layout {
    instants: Vec<Instant>,
    present: BTreeMap<(String, String), Vec<usize>>,
}

impl Layout {
    /// Every metric of every entity, but those written only where defined,
    /// has a row at every instant; names the first instant that lacks some.
    fn check_rows(&self, path: &Path) -> Result<()> {
        let n = self.instants.len();
        // (first instant without a row, metric, entity)
        let mut missing: Vec<(usize, &str, &str)> = Vec::new();
        for ((metric, entity), at) in &self.present {
            if at.len() < n {
                let gap = (0..n).find(|&i| at.get(i) != Some(&i)).unwrap_or(n);
                missing.push((gap, metric, entity));
            }
        }
        let Some(&(at, _, _)) = missing.iter().min_by_key(|m| m.0) else {
            return Ok(());
        };
        let names: Vec<String> = missing
            .iter()
            .filter(|m| m.0 == at)
            .map(|m| format!("`{}` of `{}`", m.1, m.2))
            .collect();
        let inst = &self.instants[at];
        bail!(
            "{}:{}: the sampling instant {} (lines {}–{}) has no row for {}{}, which a run writes \
             at every instant: rows are missing; {WRITE_AGAIN}",
            path.display(),
            inst.lines.0,
            inst.date,
            inst.lines.0,
            inst.lines.1,
            names.iter().take(5).cloned().collect::<Vec<_>>().join(", "),
            if names.len() > 5 {
                format!(" and {} more", names.len() - 5)
            } else {
                String::new()
            }
        )
    }
}

/// Calendar month number (year × 12 + month − 1) and day of an ISO date.
fn month_and_day(date: &str) -> Option<(i64, u32)> {
    let mut it = date.splitn(3, '-');
    let y: i64 = it.next()?.parse().ok()?;
    let m: i64 = it.next()?.parse().ok()?;
    let d: u32 = it.next()?.parse().ok()?;
    (1..=12).contains(&m).then_some((y * 12 + m - 1, d))
}

/// The first of month `m` (as [`month_and_day`] numbers it), ISO.
fn month_start(m: i64) -> String {
    format!("{:04}-{:02}-01", m.div_euclid(12), m.rem_euclid(12) + 1)
}

/// The instants follow the run's sampling: its start, then the first of a
/// month every `k` months while before the end, then the end. `k` is the
/// smallest step between the instants before the end (a missing instant
/// only widens a step); needs three instants.
fn check_cadence(path: &Path, instants: &[Instant]) -> Result<()> {
    let file = path.display();
    let mut months = Vec::with_capacity(instants.len());
    for inst in instants {
        let Some(md) = month_and_day(&inst.date) else {
            bail!(
                "{file}:{}: `{}` is not a date (YYYY-MM-DD)",
                inst.lines.0,
                inst.date
            );
        };
        months.push(md);
    }
    let n = instants.len();
    if n < 3 {
        return Ok(());
    }
    // The start and the end may fall on any day; the instants between are
    // month starts.
    for (inst, &(_, day)) in instants.iter().zip(&months).take(n - 1).skip(1) {
        if day != 1 {
            bail!(
                "{file}:{}: the sampling instant {} is not the first of a month; `aistack run` samples \
                 its start, the first of a month every `settings.sample_every_months` months, and its \
                 end; {WRITE_AGAIN}",
                inst.lines.0,
                inst.date
            );
        }
    }
    let k = months[..n - 1]
        .windows(2)
        .map(|w| w[1].0 - w[0].0)
        .min()
        .unwrap_or(1);
    if k < 1 {
        let i = (1..n - 1)
            .find(|&i| months[i].0 - months[i - 1].0 < 1)
            .unwrap_or(1);
        bail!(
            "{file}:{}: the sampling instant {} follows {} (line {}) in the same month: the rows were \
             altered; {WRITE_AGAIN}",
            instants[i].lines.0,
            instants[i].date,
            instants[i - 1].date,
            instants[i - 1].lines.1
        );
    }
    let every = if k == 1 {
        "month".to_string()
    } else {
        format!("{k} months")
    };
    for i in 1..n {
        let expected = months[i - 1].0 + k;
        let (m, day) = months[i];
        // The end comes at most k months after the instant before it.
        let ok = if i == n - 1 {
            (m, day) <= (expected, 1)
        } else {
            m == expected
        };
        if !ok {
            bail!(
                "{file}:{}: the sampling instant {} follows {} (line {}), but the run samples every {every} \
                 (as between its other instants), so {} was expected here: rows are missing; {WRITE_AGAIN}",
                instants[i].lines.0,
                instants[i].date,
                instants[i - 1].date,
                instants[i - 1].lines.1,
                month_start(expected)
            );
        }
    }
    Ok(())
}

fn read_summary(dir: &Path) -> Result<serde_json::Value> {
    let path = dir.join("summary.json");
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", path.display()))
}

/// The chip input that bound most sampling periods of `year` (from
/// `fab.binding_input`). A sample holds the mode of the period it closes, so
/// each is counted in the year its period *starts*: the 1 January sample
/// holds December's mode and counts for the year before. Ties go to the
/// lower code, as in the period mode (docs/model/fab-supply-chain.md).
fn chip_input_in_year(series: &RunSeries, year: i32) -> Option<&'static str> {
    // One count per code, power at the fabs (5) included.
    let mut counts = [0usize; stack::report::BINDING_INPUT_CODES.len()];
    for w in series.get("fab.binding_input").windows(2) {
        let (start, code) = (w[0].0, w[1].1);
        if start.floor() as i32 == year && (0.0..counts.len() as f64).contains(&code) {
            counts[code as usize] += 1;
        }
    }
    // `max_by_key` keeps the last of equal maxima: compare the counts, then
    // prefer the lower code (before the seventeenth session a tie went to
    // the higher code; audit s17-chips, finding 7).
    let (best, n) = counts
        .iter()
        .enumerate()
        .skip(1)
        .max_by(|(i, a), (j, b)| a.cmp(b).then(j.cmp(i)))?;
    (*n > 0).then(|| stack::report::binding_input_name(best as f64))
}

/// The labs' goodput (`training.goodput_share`, national) averaged over the
/// sampling periods of `year` that had a run in progress (a value above
/// 0); a period ends at its instant, so one sampled on 1 January closes
/// the year before.
fn goodput_in_year(series: &RunSeries, year: i32) -> Option<f64> {
    stack::report::mean_active_in_year(series.get("training.goodput_share").iter().copied(), Some(year))
}

/// `aistack explain OUTDIR`: which constraint bound the largest training run
/// of each year. A run's bound is decided when the lab plans it (see
/// docs/model.md, "What bound a run"): *power* if the lab's chips could have
/// run it had they all been powered; *chips* if the lab's earlier orders were
/// still unfilled or written off (the supplier had not the units: then the
/// supply chain's binding input that year says which input held chips back);
/// *budget* if the lab's orders were being filled (the supplier had the
/// units) and what it had paid for or ordered would not buy the missing
/// chips; *failures* if the lab's powered
/// chips would have reached the target but for the work expected to be lost
/// to hardware failures and restarts (with the labs' goodput that year, so
/// that a label decided at a margin of a few per cent reads as such);
/// *cluster* (`the largest cluster`) if the lab had more chips than one run
/// can use (`max_chips_per_run`); *none* if the run reached the lab's own
/// target. The bound is one label per run, decided first-match, so a run
/// short of chips that also lost compute to power reads *chips*: the
/// column *lost to power* (`training.share_lost_power_year_Y`) gives the
/// share of the labs' training compute that lacked power each year whatever
/// the label, and the last lines the whole run's (and, where the labs'
/// electricity budgets capped their draw, the compute that withheld,
/// `training.flop_lost_budget_total`).
pub fn explain(dir: &Path) -> Result<()> {
    if !dir.is_dir() {
        return Err(crate::run_cmd::not_an_output_dir(
            dir,
            "explain",
            "`aistack run`",
            &["run"],
        ));
    }
    if crate::run_cmd::is_compare_dir(dir) {
        let d = dir.display();
        anyhow::bail!(
            "{d} is a compare directory (the output of `aistack compare`: compare.csv and the two \
             batches {d}/a and {d}/b); explain reads one run's directory: run one of their runs \
             again with `aistack run --from-batch {d}/a --run I --out DIR` (or {d}/b), then \
             `aistack explain DIR`"
        );
    }
    if dir.join("manifest.json").exists() && !dir.join("timeseries.csv").exists() {
        anyhow::bail!(
            "{} is a batch directory; explain reads one run's directory: run one of its runs \
             again with `aistack run --from-batch {} --run I --out DIR`, then `aistack explain DIR`",
            dir.display(),
            dir.display()
        );
    }
    let summary = read_summary(dir)?;
    let series = RunSeries::read_complete(dir, &summary)?;
    let outcomes = summary
        .get("outcomes")
        .and_then(|o| o.as_object())
        .context("summary.json has no outcomes")?;
    let bounds = summary
        .get("largest_run_bound_by_year")
        .and_then(|b| b.as_object());
    println!(
        "What bound the largest training run of each year — {} (seed {})",
        summary.get("scenario").and_then(|s| s.as_str()).unwrap_or("?"),
        summary.get("seed").and_then(|s| s.as_u64()).unwrap_or(0)
    );
    println!("{:<6} {:>12}  {:>13}  bound", "year", "FLOP", "lost to power");
    let mut years: Vec<i32> = outcomes
        .keys()
        .filter_map(|k| {
            k.strip_prefix("training.largest_run_flop_year_")
                .and_then(|y| y.parse().ok())
        })
        .collect();
    years.sort();
    if years.is_empty() {
        println!("  (no training run finished)");
    }
    for y in years {
        let flop = outcomes
            .get(&format!("training.largest_run_flop_year_{y}"))
            .and_then(|v| v.as_f64())
            .unwrap_or(0.0);
        let bound = bounds
            .and_then(|b| b.get(&y.to_string()))
            .and_then(|v| v.as_str())
            .unwrap_or("unknown");
        let detail = if bound == "chips" {
            chip_input_in_year(&series, y)
                .map(|i| format!(" (the supply chain's binding input that year: {i})"))
                .unwrap_or_default()
        } else if bound == "failures" {
            // The label is first-match: say by how much failures bound
            // (review s28, C5).
            goodput_in_year(&series, y)
                .map(|g| {
                    format!(
                        " (the labs' goodput that year {:.1} %: failures and restarts cost {:.1} % of their run compute)",
                        100.0 * g,
                        100.0 * (1.0 - g)
                    )
                })
                .unwrap_or_default()
        } else {
            String::new()
        };
        // Outputs written before this outcome existed have none: "-".
        let lost = outcomes
            .get(&format!("training.share_lost_power_year_{y}"))
            .and_then(|v| v.as_f64())
            .map_or_else(|| "-".to_string(), |v| format!("{:.1} %", 100.0 * v));
        println!("{y:<6} {flop:>12.3e}  {lost:>13}  {bound}{detail}");
    }
    // When the largest finished run first reached each compute threshold
    // (`summary.json` `compute_thresholds`; absent from outputs written
    // before it existed).
    if let Some(list) = summary.get("compute_thresholds").and_then(|c| c.as_array())
        && !list.is_empty()
    {
        let parts: Vec<String> = list
            .iter()
            .map(|t| {
                // serde_json's default parser may read the written number
                // one unit off (2.5e24 as 2.4999999999999997e24): 15
                // significant digits give back the threshold as written.
                let flop = t
                    .get("flop")
                    .and_then(|v| v.as_f64())
                    .map_or(f64::NAN, |v| format!("{v:.14e}").parse().unwrap_or(v));
                let year = t.get("year").and_then(|v| v.as_f64());
                let date = t.get("date").and_then(|v| v.as_str());
                let lab = t.get("lab").and_then(|v| v.as_str());
                match (year, date, lab) {
                    (Some(y), Some(d), Some(l)) => format!("{flop:e} FLOP in {y:.2} ({d}, lab {l})"),
                    (Some(y), ..) => format!("{flop:e} FLOP in {y:.2}"),
                    _ => format!("{flop:e} FLOP not reached"),
                }
            })
            .collect();
        println!(
            "\nCompute thresholds ({}): {}.",
            stack::report::THRESHOLD_SCOPE,
            parts.join("; ")
        );
    }
    let power_days = series
        .get("training.limited_power_days")
        .iter()
        .map(|p| p.1)
        .sum::<f64>();
    let chip_days = series
        .get("training.limited_chips_days")
        .iter()
        .map(|p| p.1)
        .sum::<f64>();
    let budget_days = series
        .get("training.limited_budget_days")
        .iter()
        .map(|p| p.1)
        .sum::<f64>();
    // Outputs written before this metric existed have none: 0 (not −0).
    let failure_days = series
        .get("training.limited_failures_days")
        .iter()
        .map(|p| p.1)
        .sum::<f64>()
        + 0.0;
    // Who the grid shed, where it left energy unserved (audit s33, finding
    // 8): absent from outputs of before the thirty-third session.
    let by_class: Option<Vec<f64>> = stack::report::UNSERVED_BY_CLASS
        .iter()
        .map(|(_, k)| outcomes.get(*k).and_then(|v| v.as_f64()))
        .collect();
    if let (Some(unserved), Some(by_class)) = (
        outcomes.get("energy.unserved_mwh_total").and_then(|v| v.as_f64()),
        by_class,
    ) && unserved > 0.0
    {
        println!(
            "\nEnergy unserved, whole run: {unserved:.3e} MWh, of it households {:.3e}, industry {:.3e}, \
             fabs {:.3e} and datacenters {:.3e} MWh (shed in the scenario's `grid.curtailment_order`, \
             by default households first and datacenters last).",
            by_class[0], by_class[1], by_class[2], by_class[3]
        );
    }
    let share = outcomes
        .get("training.share_lost_power_total")
        .and_then(|v| v.as_f64());
    let flop = outcomes
        .get("training.flop_lost_power_total")
        .and_then(|v| v.as_f64());
    if let (Some(share), Some(flop)) = (share, flop) {
        // By cause, where the run reports them (audit s33-headline,
        // finding 3): absent from outputs of before the thirty-third session.
        let causes = stack::report::lost_power_causes(
            share,
            outcomes
                .get("training.share_lost_power_curtailed_total")
                .and_then(|v| v.as_f64()),
            outcomes
                .get("training.share_lost_power_connection_total")
                .and_then(|v| v.as_f64()),
        )
        .map_or_else(String::new, |(cut, waiting)| {
            format!(
                ": {:.1} % cut by the grid, {:.1} % waiting for grid connections (chips beyond their site's \
                 connection, in the interconnection queue: `energy.interconnection_queue_mw`)",
                100.0 * cut,
                100.0 * waiting
            )
        });
        println!(
            "\nTraining compute lost to power, whole run: {:.1} % ({flop:.3e} FLOP), whatever bound the runs{causes}.",
            100.0 * share
        );
    }
    // What the labs' electricity budgets withheld (not counted as lost to
    // power), only where they withheld something: absent from outputs of
    // before the eighteenth session.
    let budget_share = outcomes
        .get("training.share_lost_budget_total")
        .and_then(|v| v.as_f64());
    let budget_flop = outcomes
        .get("training.flop_lost_budget_total")
        .and_then(|v| v.as_f64());
    if let (Some(share), Some(flop)) = (budget_share, budget_flop)
        && flop > 0.0
    {
        let hours_short = outcomes
            .get("energy.hours_with_shortfall")
            .and_then(|v| v.as_f64());
        println!(
            "Training compute withheld by the labs' electricity budgets, whole run: {:.1} % ({flop:.3e} FLOP), \
             not counted as lost to power: {}.",
            100.0 * share,
            stack::report::budget_note(hours_short, None)
        );
    }
    // Where buyers outside the labs (`chips.other_buyers`) took some of the
    // supply, how much: "chips" above is the labs' share of it binding.
    let to = |k: &str| outcomes.get(k).and_then(|v| v.as_f64());
    if let (Some(labs), Some(others)) = (
        to("fab.accelerators_delivered_to_labs_total"),
        to("fab.accelerators_delivered_to_others_total"),
    ) && others > 0.0
    {
        println!(
            "\nAccelerators delivered, whole run: {labs:.0} to the labs, {others:.0} to buyers outside them \
             (`chips.other_buyers`): the labs got {:.1} % of the supply, and where chips bound a run, \
             it was their share that bound it.",
            100.0 * labs / (labs + others)
        );
    }
    // What import quotas held back, where the scenario has one and it bound
    // (audit s33-headline, finding 4): the binding input above counts the
    // fabs' inputs only.
    if let (Some(share), Some(withheld)) = (
        to("fab.import_quota_binding_share"),
        to("fab.imports_withheld_by_quota_total"),
    ) && share > 0.0
    {
        println!(
            "\nAccelerator imports held below their paths by import quotas at {:.1} % of production ticks \
             ({withheld:.3e} chips withheld, `fab.imports_withheld_by_quota_total`): where chips bound a run, \
             the quota is part of why, which the supply chain's binding input (the fabs' inputs) does not show.",
            100.0 * share
        );
    }
    // Their sites, where the scenario gives them any: what those
    // accelerators drew from the grid and lacked (`buyers.*`, absent
    // without sites: their chips then draw no power at all).
    if let (Some(drawn), Some(lost), Some(cut)) = (
        to("buyers.energy_mwh_total"),
        to("buyers.energy_lost_power_mwh_total"),
        to("buyers.energy_curtailed_mwh_total"),
    ) {
        println!(
            "Other buyers' sites drew {drawn:.3e} MWh from the grid and lacked {lost:.3e} MWh for power \
             ({cut:.3e} MWh of it cut by the grid, the rest waiting for a connection); their \
             accelerators train nothing, so no line above counts them."
        );
    }
    print_labs(outcomes);
    // Only where some lab caps the chips of a run (`max_chips_per_run`).
    let cluster = series.get("training.limited_cluster_days");
    let cluster_days = if cluster.is_empty() {
        String::new()
    } else {
        format!(
            ", the largest cluster {:.0}",
            cluster.iter().map(|p| p.1).sum::<f64>()
        )
    };
    println!(
        "\nLab-days spent limited, whole run: power {power_days:.0}, chips {chip_days:.0}, budget {budget_days:.0}, failures {failure_days:.0}{cluster_days}."
    );
    println!(
        "(A limited day counts under its run's one label, so days short of chips that also lacked power count as chips.)"
    );
    Ok(())
}

/// One row a lab from its own outcomes (`training.lab.<lab>.<outcome>`,
/// `summary.json`), in a run of two labs or more: where the nation's
/// figures come from, so a follower's gap shows beside the leader's.
/// Absent from outputs of before the twenty-second session, which have no
/// such outcomes.
fn print_labs(outcomes: &serde_json::Map<String, serde_json::Value>) {
    let mut labs: BTreeMap<&str, HashMap<String, f64>> = BTreeMap::new();
    for (k, v) in outcomes {
        if let (Some((lab, national)), Some(v)) = (stack::run::lab_of_outcome(k), v.as_f64()) {
            labs.entry(lab).or_default().insert(national, v);
        }
    }
    if labs.len() < 2 {
        return;
    }
    println!("\nEach lab, whole run (its own releases and runs):");
    println!(
        "{:<20} {:>12}  {:>17}  {:>17}  {:>13}",
        "lab", "largest run", "releases (open)", "gap at end", "lost to power"
    );
    for (lab, o) in &labs {
        let get = |k: &str| o.get(k).copied();
        let flop = get("training.largest_run_flop").map_or("-".to_string(), |v| format!("{v:.3e}"));
        let releases = match (
            get("training.releases_total"),
            get("training.open_releases_total"),
        ) {
            (Some(r), Some(open)) => format!("{r:.0} ({open:.0})"),
            _ => "-".to_string(),
        };
        // Absent without a release by the end or a frontier path.
        let gap = get("training.frontier_gap_months_end").map_or("-".to_string(), |g| {
            if g < 0.0 {
                format!("{:.1} mo ahead", -g)
            } else {
                format!("{g:.1} mo behind")
            }
        });
        let lost =
            get("training.share_lost_power_total").map_or("-".to_string(), |v| format!("{:.1} %", 100.0 * v));
        println!("{lab:<20} {flop:>12}  {releases:>17}  {gap:>17}  {lost:>13}");
    }
}

/// Hours in calendar year `year` (8,784 in a leap year, else 8,760).
fn hours_in_year(year: i32) -> f64 {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if leap { 8784.0 } else { 8760.0 }
}

/// Hours between two instants given as fractional calendar years (each
/// year's fraction is of that year's own length, as `time_year` is written).
fn hours_between(from: f64, to: f64) -> f64 {
    let mut hours = 0.0;
    let mut t = from;
    while t < to {
        let year = t.floor();
        let end = (year + 1.0).min(to);
        hours += (end - t) * hours_in_year(year as i32);
        t = end;
    }
    hours
}

/// A flow sampled as MWh over the period before each sample → average MW
/// over that period: divided by the hours since the previous sample (a
/// February, a quarter with `sample_every_months: 3`, the partial last
/// period), plotted at the period's end. The first sample closes no period.
fn average_mw(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    points
        .windows(2)
        .filter_map(|w| {
            let hours = hours_between(w[0].0, w[1].0);
            (hours > 0.0).then(|| (w[1].0, w[1].1 / hours))
        })
        .collect()
}

/// The lines of one power chart, given as (label, average MW), in the unit
/// their largest value reads best in: GW from 1,000 MW up, MW below (a
/// 3 MW datacenter read 0.003 GW; review s26-modeler, F4). Each label gets
/// the unit in brackets; returns the lines and the unit.
fn power_lines(lines: Vec<(&str, Vec<(f64, f64)>)>) -> (Vec<LineSeries>, &'static str) {
    let largest = lines
        .iter()
        .flat_map(|(_, p)| p.iter().map(|v| v.1.abs()))
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let (unit, mw_per_unit) = if largest >= 1000.0 {
        ("GW", 1000.0)
    } else {
        ("MW", 1.0)
    };
    let lines = lines
        .into_iter()
        .map(|(label, points)| LineSeries {
            label: format!("{label} [{unit}]"),
            points: points.into_iter().map(|(t, mw)| (t, mw / mw_per_unit)).collect(),
        })
        .collect();
    (lines, unit)
}

/// The charts [`plot_run`] writes into a run's directory.
/// The names are the library's ([`montecarlo::charts::RUN_CHART_NAMES`]), so a
/// batch's plot refuses an `--out` holding them.
pub const RUN_CHARTS: [&str; 4] = montecarlo::charts::RUN_CHART_NAMES;

/// Single-run charts of the run in `dir`, written in `charts_dir` (`dir` itself
/// unless `plot --out` chose another, created if need be): power supply vs
/// demand with shortfalls marked, accelerator output by binding input, and
/// training-run sizes and release dates on a timeline. Returns the files
/// written.
pub fn plot_run(dir: &Path, charts_dir: &Path) -> Result<Vec<PathBuf>> {
    let summary = read_summary(dir)?;
    let series = RunSeries::read_complete(dir, &summary)?;
    std::fs::create_dir_all(charts_dir).with_context(|| format!("cannot create {}", charts_dir.display()))?;
    let mut written = Vec::new();

    // 1. Power: demand and served, averaged per sampling period (GW, or
    // MW for a small grid); periods with unserved energy marked.
    let (lines, unit) = power_lines(vec![
        ("demand", average_mw(series.get("energy.demand_mwh"))),
        ("served", average_mw(series.get("energy.served_mwh"))),
    ]);
    let markers: Vec<Marker> = series
        .get("energy.unserved_mwh")
        .windows(2)
        .filter(|w| w[1].1 > 0.0)
        .map(|w| Marker {
            from: w[0].0,
            to: w[1].0,
            label: String::new(),
        })
        .collect();
    let path = charts_dir.join(RUN_CHARTS[0]);
    line_chart(
        &path,
        "Power: demand vs served (shaded: periods with unserved energy)",
        "year",
        &format!("average power [{unit}]"),
        &lines,
        &markers,
    )?;
    written.push(path);

    // 1b. AI loads: what the datacenters drew, and what the grid cut from
    // AI loads. The cut counts every datacenter, so the other buyers' sites
    // are drawn too where a scenario gives them any (review s23, F5: the
    // cut line held their cuts while no line held their draw).
    let path = charts_dir.join(RUN_CHARTS[1]);
    let mut lines = vec![(
        "labs' training + inference drawn",
        average_mw(series.get("training.energy_mwh")),
    )];
    let buyers = series.get("buyers.energy_mwh");
    if !buyers.is_empty() {
        lines.push(("other buyers' sites drawn", average_mw(buyers)));
    }
    lines.push((
        "cut from AI loads (all datacenters)",
        average_mw(series.get("energy.ai_curtailed_mwh")),
    ));
    let (lines, unit) = power_lines(lines);
    line_chart(
        &path,
        "AI datacenter power (shaded: periods with unserved energy anywhere)",
        "year",
        &format!("average power [{unit}]"),
        &lines,
        &markers,
    )?;
    written.push(path);

    // 2. Accelerators: monthly output as a line, each month's binding input
    // as a dot on it (a line per input would join its months across gaps).
    let out = series.get("fab.accelerators_out");
    let binding = series.get("fab.binding_input");
    let mut bound: BTreeMap<&str, Vec<(f64, f64)>> = BTreeMap::new();
    for (i, &(t, n)) in out.iter().enumerate() {
        let code = binding.get(i).map_or(0.0, |b| b.1);
        bound
            .entry(stack::report::binding_input_name(code))
            .or_default()
            .push((t, n));
    }
    let chart_lines = vec![
        LineSeries {
            label: "built [chips/month]".into(),
            points: out.to_vec(),
        },
        LineSeries {
            label: "imported [chips/month]".into(),
            points: series.get("fab.imports").to_vec(),
        },
    ];
    let dots: Vec<LineSeries> = bound
        .into_iter()
        .map(|(k, points)| LineSeries {
            label: format!("month's output bound by {k}"),
            points,
        })
        .collect();
    let path = charts_dir.join(RUN_CHARTS[2]);
    line_chart_with_dots(
        &path,
        "Accelerators finished per month, by binding input",
        "year",
        "accelerators per month",
        &chart_lines,
        &dots,
        &[],
    )?;
    written.push(path);

    // 3. Releases: physical training compute of each release, by lab.
    let releases = summary
        .get("releases")
        .and_then(|r| r.as_array())
        .cloned()
        .unwrap_or_default();
    let events: Vec<TimelineEvent> = releases
        .iter()
        .filter_map(|r| {
            let date = r.get("date")?.as_str()?;
            let d = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
            use chrono::Datelike;
            let t = d.year() as f64 + (d.ordinal0() as f64) / 365.25;
            let flop = r.get("physical_flop")?.as_f64()?;
            let open = r.get("open")?.as_bool()?;
            let lab = r.get("lab")?.as_str()?.to_string();
            (flop > 0.0).then(|| TimelineEvent {
                time: t,
                lane: lab,
                size: flop,
                label: String::new(),
                hollow: !open,
            })
        })
        .collect();
    let path = charts_dir.join(RUN_CHARTS[3]);
    timeline_chart(
        &path,
        "Model releases: training compute by lab",
        "year",
        "training compute [FLOP]",
        &events,
        true,
        Some(["open weights", "closed weights"]),
    )?;
    written.push(path);
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(metric: &str, points: &[(f64, f64)]) -> RunSeries {
        RunSeries {
            by_metric: [(metric.to_string(), points.to_vec())].into(),
        }
    }

    /// The 1 January sample holds December's binding input: it counts for
    /// the year before (audit s7 #17; before, 2026 read `tools` here).
    #[test]
    fn binding_input_counts_in_the_year_its_period_starts() {
        // 2025-10-01, 2025-11-01, 2025-12-01, 2026-01-01, 2026-02-01; codes
        // 1 wafers, 2 tools. Counted by the sample's own date, each year
        // would tie and read wafers (ties go to the lower code).
        let s = series(
            "fab.binding_input",
            &[
                (2025.7479, 0.0),
                (2025.8329, 1.0),
                (2025.9151, 2.0),
                (2026.0, 2.0),
                (2026.0849, 1.0),
            ],
        );
        assert_eq!(chip_input_in_year(&s, 2025), Some("tools"));
        assert_eq!(chip_input_in_year(&s, 2026), Some("wafers"));
    }

    /// Six months of wafers and six of tools: the tie goes to the lower
    /// code, wafers, as in the period mode (audit s17-chips, finding 7:
    /// `tools` before).
    #[test]
    fn a_tie_between_inputs_goes_to_the_lower_code() {
        for (first, second) in [(1.0, 2.0), (2.0, 1.0)] {
            let mut points = vec![(2025.0, 0.0)];
            for m in 1..=12 {
                points.push((2025.0 + m as f64 / 12.0, if m <= 6 { first } else { second }));
            }
            let s = series("fab.binding_input", &points);
            assert_eq!(
                chip_input_in_year(&s, 2025),
                Some("wafers"),
                "{first} then {second}"
            );
        }
    }

    /// A year the grid cut the fabs reads "power at the fabs", code 5
    /// (before: codes above 4 were not counted, so such a year read
    /// "wafers" from its other months).
    #[test]
    fn a_year_of_power_cuts_at_the_fabs_reads_power() {
        let s = series(
            "fab.binding_input",
            &[
                (2028.0, 0.0),
                (2028.0849, 5.0),
                (2028.1616, 5.0),
                (2028.2466, 1.0),
            ],
        );
        assert_eq!(chip_input_in_year(&s, 2028), Some("power at the fabs"));
    }

    /// Average power divides by the hours of each period: a 28-day February,
    /// a quarter, the 12 hours of a last partial period (before: 730.5 h each).
    #[test]
    fn average_power_uses_the_hours_of_each_period() {
        let jan1 = 2025.0;
        let feb1 = 2025.0 + 31.0 / 365.0;
        let mar1 = 2025.0 + 59.0 / 365.0;
        let apr1 = 2025.0 + 90.0 / 365.0;
        let end = 2025.0 + (90.0 + 0.5) / 365.0;
        // 1 GW all along: MWh = 1000 × hours.
        let mw = average_mw(&[
            (jan1, 0.0),
            (feb1, 1000.0 * 744.0),
            (mar1, 1000.0 * 672.0),
            (apr1, 1000.0 * 744.0),
            (end, 1000.0 * 12.0),
        ]);
        assert_eq!(mw.len(), 4);
        for (t, v) in mw {
            assert!((v - 1000.0).abs() < 1e-6, "{t}: {v} MW");
        }
        // A quarter across a new year (sample_every_months: 3), leap 2028 after.
        let q = average_mw(&[(2027.75, 0.0), (2028.25, 1000.0 * (2190.0 + 2196.0))]);
        assert!((q[0].1 - 1000.0).abs() < 1e-6, "{q:?}");
        assert!((hours_between(2027.75, 2028.25) - (2190.0 + 2196.0)).abs() < 1e-9);
    }

    /// A `timeseries.csv` with another header is refused by its file and
    /// line, showing the header as written (review s30-modeler: it showed
    /// `StringRecord(["a", "b", "c"])`, a Rust value, and `StringRecord([])`
    /// for an empty file, without the line).
    #[test]
    fn a_foreign_header_is_shown_as_written() {
        let dir = std::env::temp_dir().join(format!("aistack-explain-header-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("timeseries.csv");
        std::fs::write(&file, "a,b,c\n1,2,3\n").unwrap();
        let e = RunSeries::read(&dir).err().expect("refused").to_string();
        assert!(
            e.contains("timeseries.csv:1: not an aistack timeseries: its header is `a,b,c`"),
            "{e}"
        );
        assert!(!e.contains("StringRecord"), "{e}");
        std::fs::write(&file, "").unwrap();
        let e = RunSeries::read(&dir).err().expect("refused").to_string();
        assert!(
            e.contains("timeseries.csv:1: not an aistack timeseries: the file is empty"),
            "{e}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A national value that is not a finite number (`NaN`, `inf`, which
    /// parse as numbers) is refused by its line (review s30-modeler: it was
    /// read, and charted, as if `aistack run` had written it).
    #[test]
    fn a_value_that_is_not_finite_is_refused() {
        let dir = std::env::temp_dir().join(format!("aistack-explain-nan-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for bad in ["NaN", "inf", "-inf", "abc"] {
            std::fs::write(
                dir.join("timeseries.csv"),
                format!(
                    "run,time_year,date,metric,entity,value\n\
                     0,2025.0,2025-01-01,energy.generation_gas_mwh,national,0\n\
                     0,2025.0,2025-01-01,energy.demand_mwh,national,{bad}\n"
                ),
            )
            .unwrap();
            let e = RunSeries::read(&dir).err().expect("refused").to_string();
            assert!(
                e.contains(&format!(
                    "timeseries.csv:3: bad value `{bad}` of `energy.demand_mwh`"
                )),
                "{bad}: {e}"
            );
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A summary.json without a positive `horizon_years` or a `start`
    /// (which every `aistack run` writes) is refused, and so is a file
    /// whose rows go past the end it states (review s30-modeler: the
    /// checks that the file is whole were skipped without a word, so that
    /// a file cut short, or another run's, passed as complete).
    #[test]
    fn the_summarys_horizon_and_start_are_required_and_bound_the_rows() {
        let dir = std::env::temp_dir().join(format!("aistack-explain-horizon-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("timeseries.csv"),
            "run,time_year,date,metric,entity,value\n\
             0,2025.0,2025-01-01,energy.demand_mwh,national,0\n\
             0,2026.0,2026-01-01,energy.demand_mwh,national,1\n",
        )
        .unwrap();
        let refused = |summary: serde_json::Value| {
            RunSeries::read_complete(&dir, &summary)
                .err()
                .unwrap_or_else(|| panic!("{summary} accepted"))
                .to_string()
        };
        for summary in [
            serde_json::json!({"start": "2025-01-01"}),
            serde_json::json!({"start": "2025-01-01", "horizon_years": -2.0}),
            serde_json::json!({"start": "2025-01-01", "horizon_years": "2"}),
        ] {
            let e = refused(summary);
            assert!(e.contains("summary.json: `horizon_years` is missing"), "{e}");
        }
        let e = refused(serde_json::json!({"horizon_years": 1.0}));
        assert!(e.contains("summary.json: `start` is missing"), "{e}");
        let e = refused(serde_json::json!({"start": "2025-01-01", "horizon_years": 0.5}));
        assert!(
            e.contains("goes past the end of the run")
                && e.contains("`energy.demand_mwh` has a row at 2026.000"),
            "{e}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A datacenter of a few MW is charted in MW, a national grid in GW:
    /// the unit follows the largest value of the chart's lines, and every
    /// label says it (review s26-modeler, F4: 3 MW read 0.003 GW).
    #[test]
    fn power_charts_choose_mw_or_gw_by_magnitude() {
        let (small, unit) = power_lines(vec![("drawn", vec![(2025.5, 3.0)]), ("cut", vec![(2025.5, 0.0)])]);
        assert_eq!(unit, "MW");
        assert_eq!(small[0].label, "drawn [MW]");
        assert_eq!(small[1].label, "cut [MW]");
        assert_eq!(small[0].points, [(2025.5, 3.0)]);
        let (large, unit) = power_lines(vec![("demand", vec![(2025.5, 999.0), (2026.0, 2500.0)])]);
        assert_eq!(unit, "GW");
        assert_eq!(large[0].label, "demand [GW]");
        assert_eq!(large[0].points, [(2025.5, 0.999), (2026.0, 2.5)]);
    }
}
