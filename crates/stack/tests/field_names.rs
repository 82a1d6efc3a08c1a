//! Every error a scenario can get names the field as its author wrote it:
//! each number of a scenario that writes every entity kind is replaced in
//! turn by values out of most ranges, and every refusal must carry the
//! line and column (the field is in the file), name only fields of the
//! scenario schema (never a domain-internal name such as
//! `peak_flop_s_bf16` or `cycle_time`), and give a duration in the
//! field's own unit (never the domains' seconds).

use serde_json::Value;
use stack::Scenario;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// A scenario with every list and section, each number written.
const FULL: &str = r#"Scenario(
    name: "full",
    start: "2025-01-01",
    horizon_years: 2,
    seed: 7,
    settings: (sample_every_months: 1, max_events: 10000000, install_delay_days: 30),
    grid: (
        dispatch_interval_hours: 6,
        curtailment_order: [Industry, Household, Fab, Datacenter],
        scarcity_price_usd_per_mwh: 3000,
        drought_processes: [(region: "south", rate_per_year: 0.2,
            days: Triangular(low: 14, mode: 21, high: 45), depth: Triangular(low: 0.3, mode: 0.4, high: 0.5))],
    ),
    regions: [
        (name: "north", demand_avg_mw: 2000, demand_growth_per_year: 0.03, household_share: 0.4,
         daily_amplitude: 0.1, peak_hour: 18, seasonal_amplitude: 0.1, peak_day_of_year: 200,
         semiannual_amplitude: 0.05, semiannual_peak_day_of_year: 20, utc_offset_hours: -5,
         storage_mw: 100, storage_mwh: 400, storage_round_trip_efficiency: 0.85,
         storage_arbitrage: true, storage_wear_cost_usd_per_mwh: 5, storage_reserve_share: 0.2,
         storage_build_hours: 2, interconnection_mw_per_year: 500),
        (name: "south", demand_avg_mw: 1000),
    ],
    plants: [
        (name: "north-coal", region: "north", technology: Coal, installed_mw: 3000, unit_size_mw: 500,
         marginal_cost_usd_per_mwh: 40, emissions_t_per_mwh: 0.9, failures_per_unit_year: 2,
         repair_days: Exp(mean: 5), retire_date: "2026-01-01", retire_mw: 500,
         maintenance: (days: 28, every_months: 12, months: [4, 5, 10, 11])),
        (name: "south-hydro", region: "south", technology: Hydro, installed_mw: 2000, capacity_factor: 0.4),
    ],
    links: [(name: "ns", from: "north", to: "south", capacity_mw: 500, loss_fraction: 0.03)],
    grid_projects: [
        (name: "gp", region: "north", technology: Nuclear, mw: 1000, start: "2025-06-01",
         lead_time_years: Triangular(low: 2, mode: 3, high: 5), cancel_probability: 0.1),
    ],
    programmes: [(name: "pv", region: "south", technology: Solar, mw_per_year: 300)],
    droughts: [(name: "dry", region: "south", start: "2025-07-01", days: 30, depth: 0.3)],
    chips: (
        production_step_days: 7,
        wafer_diameter_mm: 300,
        allocation: ProRata,
        tools: (inventory_at_start: 100, imports_per_year: 10, domestic_per_year: 5,
                failures_per_tool_year: 1, repair_days: Exp(mean: 10)),
        hbm: (stockpile_stacks: 100000, domestic_stacks_per_month: 1000, domestic_yield: 0.6,
              imports_stacks_per_month: 500),
        packaging_units_per_month: 5000,
    ),
    designs: [
        (name: "acc", die_area_mm2: 600, dies_per_chip: 2, peak_flop_s: 800e12, fp8_flop_s: 1600e12,
         power_w: 700, hbm_stacks: 6, node: "7nm", unit_price_usd: 20000),
    ],
    fabs: [
        (name: "fab", region: "north", node: "7nm", capacity_wafers_per_month: 5000, ramp_months: 6,
         cycle_time_weeks: 13, yield_initial: 0.3, yield_ceiling: 0.7, yield_learning_wafers: 100000,
         power_mw: 20, base_power_fraction: 0.5, products: [(design: "acc", share: 1)],
         tools_per_kwpm: 2, tools_at_opening: 50, scrap_below_served_fraction: 0.9,
         scrap_share_of_in_process: 0.1),
    ],
    fab_projects: [
        (name: "fx", fab: "fab", kind: Expansion(added_wafers_per_month: 2000), start: "2025-03-01",
         lead_time_years: Triangular(low: 1, mode: 1.5, high: 2.5)),
    ],
    imports: [(name: "imp", design: "acc", units_per_month: 1000)],
    die_banks: [(name: "bank", design: "acc", dies: 10000)],
    policies: [
        (name: "delay", date: "2025-06-01", action: ExportControl(item: Hbm, control: LicenceDelayDays(30))),
        (name: "quota", date: "2025-09-01", action: ExportControl(item: Tools, control: QuotaPerMonth(10))),
    ],
    labs: [
        (name: "lab", open_share: 0.5, initial_target_run_flop: 1e24, compute_growth_per_year: 3,
         release_cadence_months: Triangular(low: 4, mode: 6, high: 9), budget_usd_per_year: 1e9, mfu: 0.35, max_run_duration_days: 120,
         checkpoint_interval_hours: 1, chip_failure_rate_per_hour: 1e-6, restart_overhead_hours: 0.2,
         efficiency_halving_months: 8, initial_efficiency_multiplier: 1, spillover_catch_up_share: 0.5,
         spillover_delay_months: 2, open_base_share: 0.5, min_run_share_of_target: 0.01, chip_priority: 1,
         sites: [(region: "north", pue: 1.2, overhead_w_per_chip: 300, connected_mw: 100,
                  connection_headroom_share: 0.2)],
         fleet: [(design: "acc", count: 1000)]),
    ],
    ecosystem: (
        chip_service_life_years: 5, closed_release_spillover_share: 0.3,
        frontier_log10_effective_flop: [("2025-01-01", 26), ("2027-01-01", 28)],
        inference_max_share_of_chips: 0.3, inference_adoption_months: 6, open_adoption_speedup: 2,
    ),
)
"#;

fn file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/full.ron")
}

/// Every property name of the scenario and variant schemas.
fn schema_names() -> BTreeSet<String> {
    fn walk(v: &Value, out: &mut BTreeSet<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::Object(props)) = m.get("properties") {
                    out.extend(props.keys().cloned());
                }
                m.values().for_each(|c| walk(c, out));
            }
            Value::Array(a) => a.iter().for_each(|c| walk(c, out)),
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    walk(&stack::reference::scenario_schema(), &mut out);
    walk(&stack::reference::variant_schema(), &mut out);
    out
}

/// The names of the entities `FULL` declares (a path names them).
fn entity_names() -> BTreeSet<String> {
    FULL.split("name: \"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(str::to_string)
        .collect()
}

/// Every number written in `text` (outside strings): its byte range and
/// the field it is written for (the key before it, or the enclosing
/// `Kind(` of a value written as `LicenceDelayDays(30)`).
fn numbers(text: &str) -> Vec<(std::ops::Range<usize>, String)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut in_str) = (0, false);
    while i < b.len() {
        let c = b[i];
        if c == b'"' {
            in_str = !in_str;
            i += 1;
            continue;
        }
        let starts = !in_str
            && c.is_ascii_digit()
            && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_' || b[i - 1] == b'.'));
        if !starts {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < b.len() && (b[j].is_ascii_alphanumeric() || matches!(b[j], b'.' | b'-' | b'+')) {
            j += 1;
        }
        let before = text[..i].trim_end();
        let key = if let Some(k) = before.strip_suffix(':') {
            k.rsplit(|c: char| !(c.is_alphanumeric() || c == '_'))
                .next()
                .unwrap_or("")
        } else if let Some(k) = before.strip_suffix('(') {
            k.rsplit(|c: char| !(c.is_alphanumeric() || c == '_'))
                .next()
                .unwrap_or("")
        } else {
            ""
        };
        out.push((i..j, key.to_string()));
        i = j;
    }
    out
}

/// The words in backticks of `message` that look like field paths
/// (lowercase, no spaces): `designs.acc.peak_flop_s`, `cycle_time_weeks`.
fn quoted_fields(message: &str) -> Vec<String> {
    message
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|w| {
            w.starts_with(|c: char| c.is_ascii_lowercase())
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.[]-".contains(c))
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn the_full_scenario_loads() {
    Scenario::from_text(&file(), FULL).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn every_refusal_names_a_written_field_at_its_place_in_its_unit() {
    Scenario::from_text(&file(), FULL).unwrap_or_else(|e| panic!("the base must load: {e}"));
    let names = schema_names();
    let entities = entity_names();
    let mut problems = Vec::new();
    let mut refused = 0;
    for (range, key) in numbers(FULL) {
        for bad in ["-1", "0", "1", "0.5", "1e30", "1e-9"] {
            let text = format!("{}{bad}{}", &FULL[..range.start], &FULL[range.end..]);
            let Err(e) = Scenario::from_text(&file(), &text) else {
                continue;
            };
            refused += 1;
            let shown = e.to_string();
            let case = format!("`{key}: {bad}` (at byte {}):\n  {shown}", range.start);
            if e.line.is_none() {
                problems.push(format!("no line:column for {case}"));
            }
            let mut words = quoted_fields(&e.message);
            words.push(e.path.clone());
            for w in words.iter().filter(|w| !w.is_empty()) {
                let unknown: Vec<&str> = w
                    .split('.')
                    .map(|s| s.split('[').next().unwrap_or(s))
                    .filter(|s| !s.is_empty() && !names.contains(*s) && !entities.contains(*s))
                    .collect();
                if !unknown.is_empty() {
                    problems.push(format!("names {unknown:?}, no scenario field, for {case}"));
                }
            }
            let timed = ["_hours", "_days", "_weeks", "_months", "Days"]
                .iter()
                .any(|u| key.ends_with(u));
            let in_seconds = e.message.split("got ").skip(1).any(|rest| {
                rest.split_once(' ').is_some_and(|(n, u)| {
                    n.parse::<f64>().is_ok()
                        && (u == "s" || u.starts_with("s ") || u.starts_with("s,") || u.starts_with("s)"))
                })
            });
            if timed && in_seconds {
                problems.push(format!("seconds for a field in other units, {case}"));
            }
        }
    }
    assert!(refused > 100, "only {refused} refusals: the probe lost its reach");
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
