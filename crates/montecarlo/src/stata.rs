//! `runs.do`: a Stata do-file written beside `runs.csv` that reads it with
//! a valid, unique variable name for every column and the full column name
//! as the variable's label.
//!
//! Stata names have at most 32 characters (letters, digits, `_`; not
//! starting with a digit), and about half of a china-2025 batch's columns
//! are longer (`labs.deepseek.efficiency_halving_months`, 39), several of
//! them alike in their first 32 (`training.largest_run_bound_year_2025` …
//! `_2034`). `import delimited …, varnames(1)` cannot give them their
//! names, so the do-file imports the table without names and renames each
//! column itself ([`stata_names`]). `seed` stays text: a 64-bit seed does
//! not fit a double exactly, and a rounded seed would replay another run.

use crate::Result;
use std::fmt::Write as _;
use std::path::Path;

/// Longest Stata variable name (characters).
pub const STATA_NAME_MAX: usize = 32;

/// Longest Stata variable label (characters).
const STATA_LABEL_MAX: usize = 80;

/// A Stata variable name for each column, in order: valid (letters,
/// digits and `_`, not starting with a digit, at most 32 characters),
/// unique, and never of the form `v<digits>` (the names `import delimited`
/// gives columns before the do-file renames them).
///
/// A column whose name, with every other character (`.`, `-`) made `_`,
/// fits keeps it (`labs.lab.mfu` → `labs_lab_mfu`). A longer one has its
/// words but the last shortened, the longest first, until it fits, so
/// each word keeps its start and the last (a year, a unit) stays whole
/// (`training.largest_run_bound_year_2025` →
/// `train_larges_run_bound_year_2025`,
/// `labs.deepseek.efficiency_halving_months` →
/// `labs_deepse_effici_halvin_months`). A name already taken gets `_2`,
/// `_3`, … (cut to fit).
pub fn stata_names(columns: &[String]) -> Vec<String> {
    let mut taken: Vec<String> = Vec::with_capacity(columns.len());
    for c in columns {
        let base = shorten(&valid_chars(c));
        let mut name = base.clone();
        let mut k = 2;
        while taken.contains(&name) {
            let suffix = format!("_{k}");
            let keep = STATA_NAME_MAX - suffix.len();
            name = format!("{}{suffix}", &base[..base.len().min(keep)]);
            k += 1;
        }
        taken.push(name);
    }
    taken
}

/// `s` with every character that is no ASCII letter, digit or `_` made
/// `_`, prefixed with `_` when it would start with a digit, be empty, or
/// look like `v<digits>`.
fn valid_chars(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|ch| {
            if ch.is_ascii_alphanumeric() || ch == '_' {
                ch
            } else {
                '_'
            }
        })
        .collect();
    let v_digits = out.len() > 1 && out.starts_with('v') && out[1..].bytes().all(|b| b.is_ascii_digit());
    if out.is_empty() || out.starts_with(|ch: char| ch.is_ascii_digit()) || v_digits {
        out.insert(0, '_');
    }
    out
}

/// A valid name of at most [`STATA_NAME_MAX`] characters (see [`stata_names`]).
fn shorten(s: &str) -> String {
    if s.len() <= STATA_NAME_MAX {
        return s.to_string();
    }
    let words: Vec<&str> = s.split('_').collect();
    let mut lens: Vec<usize> = words.iter().map(|w| w.len()).collect();
    let mut total = s.len();
    // One character at a time off the longest word but the last (the
    // first of equals), so every word keeps as much as the others.
    while total > STATA_NAME_MAX {
        let Some(j) = (0..words.len() - 1)
            .filter(|&j| lens[j] > 1)
            .max_by(|&a, &b| lens[a].cmp(&lens[b]).then(b.cmp(&a)))
        else {
            break;
        };
        lens[j] -= 1;
        total -= 1;
    }
    let joined = words
        .iter()
        .zip(&lens)
        .map(|(w, &l)| &w[..l])
        .collect::<Vec<_>>()
        .join("_");
    // Too many words, or a last word too long to keep whole: the first 32
    // characters (ASCII, so any byte index is a boundary).
    joined[..joined.len().min(STATA_NAME_MAX)].to_string()
}

/// A label Stata reads literally: no backquote, `$` or `"` (macro
/// expansion and quoting), at most 80 characters.
fn label(s: &str) -> String {
    let clean: String = s
        .chars()
        .map(|ch| if matches!(ch, '`' | '$' | '"') { '_' } else { ch })
        .collect();
    clean.chars().take(STATA_LABEL_MAX).collect()
}

/// The text of `runs.do` for a `runs.csv` with these columns (`run`,
/// `seed`, then parameters and outcomes).
pub fn runs_do(columns: &[String]) -> String {
    let names = stata_names(columns);
    let mut s = String::from(
        "* runs.do: reads runs.csv, the table beside this file, into Stata. Written by\n\
         * aistack with runs.csv. From this directory:  do runs.do\n\
         * Stata names have at most 32 characters, so longer column names are shortened\n\
         * below; every variable's label is its full runs.csv column name (describe,\n\
         * lookfor). seed stays text: a 64-bit integer does not fit a double exactly.\n\
         import delimited using \"runs.csv\", delimiters(\",\") varnames(nonames) stringcols(_all) clear\n\
         drop in 1\n",
    );
    for (i, (column, name)) in columns.iter().zip(&names).enumerate() {
        let _ = writeln!(s, "rename v{} {name}", i + 1);
        let _ = writeln!(s, "label variable {name} \"{}\"", label(column));
    }
    s.push_str("ds seed, not\ndestring `r(varlist)', replace\n");
    s
}

/// Writes `runs.do` for `columns` to `path` (atomically).
pub fn write_runs_do(path: &Path, columns: &[String]) -> Result<()> {
    crate::store::write_atomic(path, runs_do(columns).as_bytes(), true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid(n: &str) -> bool {
        (1..=STATA_NAME_MAX).contains(&n.len())
            && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && !n.starts_with(|c: char| c.is_ascii_digit())
    }

    /// Audit s17 #3: the columns of a china-2025 batch, 49 of them longer
    /// than 32 characters and the year-indexed ones alike in their first 32,
    /// get valid, unique, recognisable names.
    #[test]
    fn every_column_gets_a_valid_unique_name() {
        let mut cols: Vec<String> = [
            "run",
            "seed",
            "labs.lab.mfu",
            "plants.home-gas.installed_mw",
            "ecosystem.chip_service_life_years",
            "labs.alibaba.compute_growth_per_year",
            "labs.bytedance.compute_growth_per_year",
            "labs.deepseek.compute_growth_per_year",
            "labs.moonshot.compute_growth_per_year",
            "labs.deepseek.efficiency_halving_months",
            "labs.moonshot.spillover_catch_up_share",
            "fabs.smic-ascend.capacity_wafers_per_month",
            "plants.southwest-hydro.capacity_factor",
        ]
        .map(String::from)
        .to_vec();
        for stem in [
            "largest_run_bound",
            "largest_run_flop",
            "share_lost_power",
            "frontier_gap_months",
        ] {
            cols.extend((2025..=2034).map(|y| format!("training.{stem}_year_{y}")));
        }
        let names = stata_names(&cols);
        assert!(names.iter().all(|n| valid(n)), "{names:?}");
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len(), "{names:?}");
        let at = |c: &str| names[cols.iter().position(|x| x == c).unwrap()].as_str();
        assert_eq!(at("run"), "run");
        assert_eq!(at("labs.lab.mfu"), "labs_lab_mfu");
        assert_eq!(at("plants.home-gas.installed_mw"), "plants_home_gas_installed_mw");
        assert_eq!(
            at("training.largest_run_bound_year_2025"),
            "train_larges_run_bound_year_2025"
        );
        assert_eq!(
            at("training.largest_run_bound_year_2034"),
            "train_larges_run_bound_year_2034"
        );
        assert_eq!(
            at("training.frontier_gap_months_year_2031"),
            "train_front_gap_months_year_2031"
        );
        assert_eq!(
            at("labs.deepseek.efficiency_halving_months"),
            "labs_deepse_effici_halvin_months"
        );
        assert_eq!(
            at("labs.bytedance.compute_growth_per_year"),
            "labs_byted_compu_growth_per_year"
        );
        assert_eq!(
            at("fabs.smic-ascend.capacity_wafers_per_month"),
            "fab_smi_asce_capa_wafe_per_month"
        );
    }

    /// Names that would clash (the same after shortening, `v<digits>`, a
    /// leading digit) are made unique and valid.
    #[test]
    fn clashes_are_numbered_and_odd_names_made_valid() {
        let long = "x".repeat(40);
        let cols: Vec<String> = [
            long.clone(),
            format!("{long}y"),
            "v7".into(),
            "2x".into(),
            "a.b".into(),
            "a-b".into(),
            String::new(),
        ]
        .to_vec();
        let names = stata_names(&cols);
        assert_eq!(names[0], "x".repeat(32));
        assert_eq!(names[1], format!("{}_2", "x".repeat(30)));
        assert_eq!(&names[2..], ["_v7", "_2x", "a_b", "a_b_2", "_"]);
        assert!(names.iter().all(|n| valid(n)), "{names:?}");
    }

    /// The do-file imports without names, drops the header row, renames and
    /// labels each column by position, and destrings all but `seed`.
    #[test]
    fn the_do_file_renames_and_labels_by_position() {
        let cols: Vec<String> = [
            "run",
            "seed",
            "labs.lab.mfu",
            "training.largest_run_bound_year_2025",
        ]
        .map(String::from)
        .to_vec();
        let text = runs_do(&cols);
        let body: Vec<&str> = text.lines().filter(|l| !l.starts_with('*')).collect();
        assert_eq!(
            body,
            [
                "import delimited using \"runs.csv\", delimiters(\",\") varnames(nonames) stringcols(_all) clear",
                "drop in 1",
                "rename v1 run",
                "label variable run \"run\"",
                "rename v2 seed",
                "label variable seed \"seed\"",
                "rename v3 labs_lab_mfu",
                "label variable labs_lab_mfu \"labs.lab.mfu\"",
                "rename v4 train_larges_run_bound_year_2025",
                "label variable train_larges_run_bound_year_2025 \"training.largest_run_bound_year_2025\"",
                "ds seed, not",
                "destring `r(varlist)', replace",
            ]
        );
        assert_eq!(label(&format!("a`b$c\"d{}", "e".repeat(100))).len(), 80);
        assert!(!label("a`b$c\"d").contains(['`', '$', '"']));
    }
}
