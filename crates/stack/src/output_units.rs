//! The unit of every metric and scalar outcome a run emits, read from the
//! tables of `docs/model.md` ("Units of the time series" and "Scalar
//! outcomes"), embedded at build time: the documentation is the one source,
//! and a test (`tests/examples.rs`) checks that every metric and outcome of
//! every example has its row there.

use std::sync::OnceLock;

/// `docs/model.md`, whose two unit tables this module reads.
const MODEL_MD: &str = include_str!("../../../docs/model.md");

/// One row's names (a `<…>` placeholder stands for any name part without a
/// dot) and its unit.
type Rows = Vec<(Vec<&'static str>, &'static str)>;

/// The rows of the table under the `### {heading}` of `doc`: the names in
/// backticks of the first column, and the second column.
fn table_rows(doc: &'static str, heading: &str) -> Rows {
    let Some(section) = doc.split(&format!("\n### {heading}\n")).nth(1) else {
        return Vec::new();
    };
    let section = section.split("\n#").next().unwrap_or(section);
    section
        .lines()
        .filter_map(|line| {
            let mut cols = line.strip_prefix('|')?.split('|');
            let names: Vec<&str> = cols.next()?.split('`').skip(1).step_by(2).collect();
            let unit = cols.next()?.trim();
            (!names.is_empty() && !unit.is_empty()).then_some((names, unit))
        })
        .collect()
}

fn rows() -> &'static Rows {
    static ROWS: OnceLock<Rows> = OnceLock::new();
    ROWS.get_or_init(|| {
        let mut rows = table_rows(MODEL_MD, "Units of the time series");
        rows.extend(table_rows(MODEL_MD, "Scalar outcomes"));
        rows
    })
}

/// Whether `name` is `pattern`, each `<…>` in it standing for a non-empty
/// part without a dot (`training.lab.<lab>.year_reached_<T>_flop` has two).
fn matches(pattern: &str, name: &str) -> bool {
    let Some((a, b)) = pattern.find('<').zip(pattern.find('>')).filter(|(a, b)| a < b) else {
        return pattern == name;
    };
    let (head, tail) = (&pattern[..a], &pattern[b + 1..]);
    let Some(rest) = name.strip_prefix(head) else {
        return false;
    };
    // The placeholder takes 1 … (up to the next dot) characters; the rest
    // of the pattern must match what follows.
    let part = rest.find('.').unwrap_or(rest.len());
    (1..=part).any(|n| rest.is_char_boundary(n) && matches(tail, &rest[n..]))
}

/// `name` with a per-year suffix `_year_YYYY` written as in the tables,
/// `_year_Y`.
fn per_year_as_documented(name: &str) -> std::borrow::Cow<'_, str> {
    match name.rsplit_once("_year_") {
        Some((head, year)) if year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()) => {
            format!("{head}_year_Y").into()
        }
        _ => name.into(),
    }
}

/// The unit `docs/model.md` gives the metric or scalar outcome `name`
/// (`energy.avg_price_usd_per_mwh` → `USD/MWh`,
/// `training.frontier_gap_months_year_2030` → `months`), or `None` for a
/// name it does not list (another model's metric).
pub fn unit_of(name: &str) -> Option<&'static str> {
    let name = per_year_as_documented(name);
    rows()
        .iter()
        .find(|(names, _)| names.iter().any(|p| matches(p, &name)))
        .map(|(_, unit)| *unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_come_from_both_tables_with_placeholders_and_years() {
        assert_eq!(unit_of("energy.avg_price_usd_per_mwh"), Some("USD/MWh"));
        assert_eq!(unit_of("energy.generation_coal_mwh"), Some("MWh"));
        assert_eq!(unit_of("energy.capacity_battery_mw"), Some("MW"));
        assert_eq!(unit_of("training.frontier_gap_months_year_2030"), Some("months"));
        assert_eq!(unit_of("training.frontier_gap_months_end"), Some("months"));
        assert_eq!(unit_of("training.spend_usd_total"), Some("USD"));
        assert_eq!(unit_of("training.largest_run_flop_year_2031"), Some("FLOP"));
        assert_eq!(unit_of("training.year_reached_1e25_flop"), Some("year"));
        assert_eq!(unit_of("training.year_reached_2p5e25_flop"), Some("year"));
        assert_eq!(unit_of("fab.accelerators_built_total"), Some("chips"));
        assert_eq!(unit_of("fab.binding_input_mode"), Some("code"));
        assert_eq!(unit_of("training.best_capability"), Some("log10 FLOP"));
        assert_eq!(unit_of("training.share_lost_power_total"), Some("0–1"));
        assert_eq!(unit_of("energy.generation_a.b_mwh"), None);
        // A lab's own outcomes: two placeholders, neither with a dot.
        assert_eq!(unit_of("training.lab.deepseek.largest_run_flop"), Some("FLOP"));
        assert_eq!(
            unit_of("training.lab.deep_seek-2.frontier_gap_months_end"),
            Some("months")
        );
        assert_eq!(unit_of("training.lab.x.year_reached_2p5e25_flop"), Some("year"));
        assert_eq!(unit_of("training.lab.x.share_lost_power_total"), Some("0–1"));
        assert_eq!(unit_of("training.lab.a.b.largest_run_flop"), None);
        assert_eq!(unit_of("buyers.energy_lost_power_mwh"), Some("MWh"));
        assert_eq!(unit_of("buyers.power_drawn_mw"), Some("MW"));
        assert_eq!(unit_of("buyers.cloud.energy_curtailed_mwh_total"), Some("MWh"));
        assert_eq!(unit_of("buyers.cloud.electricity_usd_total"), Some("USD"));
        assert_eq!(unit_of("buyers.accelerators_retired_total"), Some("chips"));
        assert_eq!(unit_of("training.accelerators_at_start"), Some("chips"));
        assert_eq!(unit_of("training.accelerators_delivered_total"), Some("chips"));
        assert_eq!(
            unit_of("training.accelerators_awaiting_install_end"),
            Some("chips")
        );
        assert_eq!(unit_of("training.accelerators_installed_end"), Some("chips"));
        assert_eq!(unit_of("training.accelerators_retired_total"), Some("chips"));
        assert_eq!(
            unit_of("training.lab.x.accelerators_installed_end"),
            Some("chips")
        );
        assert_eq!(
            unit_of("training.lab.x.accelerators_retired_total"),
            Some("chips")
        );
        assert_eq!(unit_of("training.lab.x.year_reached_2.5e25_flop"), None);
        assert_eq!(unit_of("training.lab..largest_run_flop"), None);
        assert_eq!(unit_of("toy.thing"), None);
    }
}
