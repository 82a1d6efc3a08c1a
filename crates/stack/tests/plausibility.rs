//! Plausibility warnings (`Scenario::warnings`, module `stack::lint`): a
//! likely unit slip is named at its file, line, column and field with the
//! value in the likely unit; no example scenario trips one.

use stack::{Scenario, ScenarioError};
use std::path::{Path, PathBuf};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/scenarios")
}

/// The warnings of `example` with each `(from, to)` replaced in its text.
fn warnings_of(example: &str, edits: &[(&str, &str)]) -> Vec<ScenarioError> {
    let path = examples().join(example);
    let mut text = std::fs::read_to_string(&path).unwrap();
    for (from, to) in edits {
        assert!(text.contains(from), "{example} has no `{from}`");
        text = text.replacen(from, to, 1);
    }
    Scenario::from_text(&path, &text).unwrap().warnings()
}

/// The warnings of a variant of minimal.ron written as `body`.
fn variant_warnings(body: &str) -> Vec<ScenarioError> {
    let path = examples().join("variant-under-test.ron");
    let text = format!("Variant(base: \"minimal.ron\", {body})");
    Scenario::from_text(&path, &text).unwrap().warnings()
}

/// Every `.ron` file under `dir`, in its folders too.
fn ron_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files.extend(ron_files(&p));
        } else if p.extension().is_some_and(|x| x == "ron") {
            files.push(p);
        }
    }
    files
}

#[test]
fn no_example_scenario_trips_a_floor() {
    // Every example, in validation/ and open-base/ too.
    let mut files = ron_files(&examples());
    files.sort();
    assert!(files.len() >= 20, "{files:?}");
    for f in files {
        let w = Scenario::load(&f).unwrap().warnings();
        assert!(w.is_empty(), "{}: {w:#?}", f.display());
    }
    assert!(Scenario::embedded_default().unwrap().warnings().is_empty());
}

#[test]
fn tflops_written_as_flops_is_named_where_it_is_written() {
    let w = warnings_of("minimal.ron", &[("peak_flop_s: 989e12", "peak_flop_s: 989")]);
    assert_eq!(w.len(), 1, "{w:#?}");
    assert_eq!(w[0].path, "designs.h100.peak_flop_s");
    assert!(w[0].file.ends_with("minimal.ron"));
    assert_eq!((w[0].line, w[0].column), (Some(25), Some(13)));
    assert!(w[0].message.starts_with("989 FLOP/s is below 1e12"), "{}", w[0]);
    assert_eq!(
        w[0].hint.as_deref(),
        Some("the field is in FLOP/s; if 989 is in TFLOP/s, write 9.89e14")
    );
}

#[test]
fn a_value_at_a_floor_is_no_slip() {
    let w = warnings_of(
        "minimal.ron",
        &[
            ("peak_flop_s: 989e12", "peak_flop_s: 1e12"),
            ("power_w: 700", "power_w: 10"),
            ("unit_price_usd: 25000", "unit_price_usd: 100"),
        ],
    );
    assert!(w.is_empty(), "{w:#?}");
}

#[test]
fn kw_and_thousands_of_usd_are_caught_each_at_its_field() {
    let w = warnings_of(
        "minimal.ron",
        &[
            ("power_w: 700", "power_w: 0.7"),
            ("unit_price_usd: 25000", "unit_price_usd: 25"),
        ],
    );
    let paths: Vec<&str> = w.iter().map(|w| w.path.as_str()).collect();
    assert_eq!(paths, ["designs.h100.power_w", "designs.h100.unit_price_usd"]);
    assert_eq!(w[0].line, Some(26));
    assert_eq!(
        w[0].hint.as_deref(),
        Some("the field is in W; if 0.7 is in kW, write 700")
    );
    assert_eq!(w[1].line, Some(29));
    assert_eq!(
        w[1].hint.as_deref(),
        Some("the field is in USD; if 25 is in thousands of USD, write 25000")
    );
}

#[test]
fn a_variants_set_is_named_in_the_variant() {
    let w = variant_warnings("set: {\"designs.h100.power_w\": 0.7}");
    assert_eq!(w.len(), 1, "{w:#?}");
    assert!(w[0].file.ends_with("variant-under-test.ron"), "{}", w[0]);
    assert_eq!(w[0].line, Some(1));
}

#[test]
fn a_drawn_value_is_judged_by_its_median_at_its_uncertain_entry() {
    let w = variant_warnings("uncertain: {\"designs.h100.peak_flop_s\": Uniform(low: 800, high: 1000)}");
    assert_eq!(w.len(), 1, "{w:#?}");
    assert_eq!(w[0].path, "uncertain.designs.h100.peak_flop_s");
    assert!(w[0].file.ends_with("variant-under-test.ron"));
    assert!(
        w[0].message.starts_with("its median, 900 FLOP/s, is below"),
        "{}",
        w[0]
    );
    // A distribution in the right unit, even one reaching low, is no slip.
    let ok = variant_warnings("uncertain: {\"designs.h100.peak_flop_s\": Uniform(low: 1e11, high: 1e15)}");
    assert!(ok.is_empty(), "{ok:#?}");
}

#[test]
fn a_fab_in_gw_is_caught_by_its_power_per_wafer_start() {
    let w = warnings_of("china-2025.ron", &[("power_mw: 25,", "power_mw: 0.025,")]);
    assert_eq!(w.len(), 1, "{w:#?}");
    assert_eq!(w[0].path, "fabs.smic-ascend.power_mw");
    // Its capacity is drawn (Triangular 5,000 / 7,000 / 20,000), but a
    // run's power scales with it: judged at the written 7,000 (review
    // s18-rev-dom, finding 3: the median gave false warnings and missed
    // slips).
    assert!(
        w[0].message
            .contains("for 7000 wafers a month at full starts is 0.00357 kW"),
        "{}",
        w[0]
    );
    // 1 MW for 300 wafers a month (3.3 kW each) is plausible whatever
    // capacity is drawn.
    let small = warnings_of(
        "china-2025.ron",
        &[
            (
                "capacity_wafers_per_month: 7000",
                "capacity_wafers_per_month: 300",
            ),
            ("power_mw: 25,", "power_mw: 1,"),
        ],
    );
    assert!(small.is_empty(), "{small:#?}");
    assert_eq!(
        w[0].hint.as_deref(),
        Some("the field is in MW; if 0.025 is in GW, write 25")
    );
    // A fab drawing nothing is a modeling choice, not a slip.
    assert!(warnings_of("china-2025.ron", &[("power_mw: 25,", "power_mw: 0,")]).is_empty());
}

#[test]
fn an_exponent_written_as_a_target_run_gets_the_power_of_ten() {
    let w = variant_warnings("set: {\"labs.lab.initial_target_run_flop\": 25}");
    assert_eq!(w.len(), 1, "{w:#?}");
    assert_eq!(w[0].path, "labs.lab.initial_target_run_flop");
    assert_eq!(
        w[0].hint.as_deref(),
        Some("the field is in FLOP; if 25 is a power of ten, write 1e25")
    );
    let small = variant_warnings("set: {\"labs.lab.initial_target_run_flop\": 3.3e6}");
    assert_eq!(small.len(), 1, "{small:#?}");
    assert!(small[0].hint.as_deref().unwrap().contains("3.3e24"));
}

#[test]
fn fabs_without_packaging_are_named() {
    let w = warnings_of(
        "china-2025.ron",
        &[(
            r#"packaging_units_per_month: [("2026-01-01", 55000), ("2030-01-01", 110000)],"#,
            r#"packaging_units_per_month: [("2026-01-01", 0)],"#,
        )],
    );
    assert_eq!(w.len(), 1, "{w:#?}");
    assert_eq!(w[0].path, "chips.packaging_units_per_month");
    assert!(w[0].line.is_some(), "{}", w[0]);
    assert!(
        w[0].message.contains("the scenario has 1 fab and 1 die bank:"),
        "{}",
        w[0]
    );
    // Left out (its default, 0): still named, at the file.
    let w = warnings_of(
        "china-2025.ron",
        &[
            (
                r#"packaging_units_per_month: [("2026-01-01", 55000), ("2030-01-01", 110000)],"#,
                "",
            ),
            // The scale drawn of a path no longer written.
            (r#""chips.packaging_units_per_month.scale":"#, "// "),
        ],
    );
    assert_eq!(w.len(), 1, "{w:#?}");
    // Without fabs there is nothing to package.
    assert!(warnings_of("minimal.ron", &[]).is_empty());
}

/// A small scenario: one lab, one design of `stacks` HBM stacks a chip, the
/// `chips` block `chips`, and `rest` (fabs, die banks).
fn chip_warnings(stacks: u32, chips: &str, rest: &str) -> Vec<ScenarioError> {
    let text = format!(
        r#"Scenario(
    name: "hbm-lint", start: "2025-01-01", horizon_years: 1,
    regions: [(name: "home", demand_avg_mw: 100)],
    plants: [(name: "gas", region: "home", technology: Gas, installed_mw: 5000)],
    chips: ({chips}),
    designs: [(name: "d", die_area_mm2: 600, peak_flop_s: 1e15, power_w: 700, hbm_stacks: {stacks},
               node: "7nm", unit_price_usd: 10000)],
    {rest}
    labs: [(name: "lab", budget_usd_per_year: 1.2e9, sites: [(region: "home", connected_mw: 10)], fleet: [])],
)"#
    );
    Scenario::from_text(&examples().join("hbm-lint.ron"), &text)
        .unwrap()
        .warnings()
}

const FAB: &str = r#"fabs: [(name: "f", region: "home", node: "7nm", capacity_wafers_per_month: 1000,
    yield_initial: 0.2, yield_ceiling: 0.8, yield_learning_wafers: 5000, power_mw: 10,
    products: [(design: "d", share: 1)])],"#;
const BANK: &str = r#"die_banks: [(name: "bank", design: "d", dies: 100000)],"#;

/// Fabs or die banks of a design that needs HBM, with no HBM at any date
/// (no stockpile, no domestic stacks, no imports: the defaults), are named
/// at `chips.hbm`, as fabs without packaging are; die banks without
/// packaging are named too (audit s19-chips, finding 5: neither warned, and
/// the whole budget was written off in silence).
#[test]
fn fabs_or_die_banks_without_hbm_are_named() {
    let packaged = "packaging_units_per_month: 1e8";
    let w = chip_warnings(4, packaged, FAB);
    assert_eq!(w.len(), 1, "{w:#?}");
    assert_eq!(w[0].path, "chips.hbm");
    assert!(
        w[0].message.contains("the scenario has 1 fab of designs"),
        "{}",
        w[0]
    );
    let w = chip_warnings(4, packaged, &format!("{FAB} {BANK}"));
    assert_eq!(w.len(), 1, "{w:#?}");
    assert!(w[0].message.contains("1 fab and 1 die bank"), "{}", w[0]);
    // Domestic stacks at a yield of 0 are no HBM either.
    let w = chip_warnings(
        4,
        &format!("{packaged}, hbm: (domestic_stacks_per_month: 1000, domestic_yield: 0)"),
        FAB,
    );
    assert_eq!(w.len(), 1, "{w:#?}");
    // Any source of HBM, or a design that needs none: no warning.
    for hbm in [
        "hbm: (stockpile_stacks: 1000)",
        "hbm: (domestic_stacks_per_month: [(\"2026-01-01\", 0), (\"2027-01-01\", 100)])",
        "hbm: (imports_stacks_per_month: 10)",
    ] {
        let w = chip_warnings(4, &format!("{packaged}, {hbm}"), FAB);
        assert!(w.is_empty(), "{hbm}: {w:#?}");
    }
    assert!(chip_warnings(0, packaged, FAB).is_empty());
    // Die banks alone, with neither HBM nor packaging: both named.
    let w = chip_warnings(4, "", BANK);
    let paths: Vec<&str> = w.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["chips.packaging_units_per_month", "chips.hbm"], "{w:#?}");
    assert!(w[0].message.contains("the scenario has 1 die bank:"), "{}", w[0]);
    // With HBM, banked dies without packaging are still named.
    let w = chip_warnings(4, "hbm: (stockpile_stacks: 1000000)", BANK);
    assert_eq!(w.len(), 1, "{w:#?}");
    assert_eq!(w[0].path, "chips.packaging_units_per_month");
}

/// An export control on imports that are 0 at every date changes nothing
/// and is named at the policy's action (fab audit B2: an HBM and a tool
/// ban added to china-2025, whose HBM and tool imports are 0, gave
/// byte-identical headlines in silence); with imports, or imports drawn,
/// it is not.
#[test]
fn an_export_control_on_imports_that_are_always_0_is_named() {
    const H20: &str = r#"(name: "h20-licence", date: "2025-04-14", action: ExportControl(item: Design("h20"), control: Ban)),"#;
    let bans = format!(
        "{H20}\n        (name: \"hbm-ban\", date: \"2025-06-01\", action: ExportControl(item: Hbm, control: Ban)),\n        \
         (name: \"tool-ban\", date: \"2025-06-01\", action: ExportControl(item: Tools, control: QuotaPerMonth(1))),"
    );
    let w = warnings_of("china-2025.ron", &[(H20, &bans)]);
    let paths: Vec<&str> = w.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        ["policies.hbm-ban.action", "policies.tool-ban.action"],
        "{w:#?}"
    );
    let source = std::fs::read_to_string(examples().join("china-2025.ron")).unwrap();
    let line = source
        .lines()
        .position(|l| l.contains("\"h20-licence\""))
        .unwrap()
        + 1;
    let at = |k: usize| w[k].line.map(|l| l as usize);
    assert_eq!((at(0), at(1)), (Some(line + 1), Some(line + 2)), "{w:#?}");
    let text = w[0].to_string();
    assert!(
        text.contains(
            "policy hbm-ban controls HBM imports, which are 0 at every date and not drawn \
             (`chips.hbm.imports_stacks_per_month`): the control changes nothing in the run"
        ) && text.contains("hint: here HBM comes from the stockpile"),
        "{text}"
    );
    assert!(w[1].message.contains("lithography tool imports"), "{}", w[1]);
    assert!(
        w[1].hint
            .as_deref()
            .is_some_and(|h| h.contains("`chips.tools.domestic_per_year`")),
        "{}",
        w[1]
    );
    // Imports at some date, or drawn: the control acts, no warning.
    let with_imports = [
        (
            "imports_per_year: 0,",
            "imports_per_year: [(\"2025-01-01\", 50), (\"2025-06-01\", 0)],",
        ),
        ("imports_stacks_per_month: 0,", "imports_stacks_per_month: 1000,"),
    ];
    assert!(
        warnings_of(
            "china-2025.ron",
            &[(H20, &bans), with_imports[0], with_imports[1]]
        )
        .is_empty()
    );
    let drawn = [
        (H20, bans.as_str()),
        (
            "uncertain: {",
            "uncertain: {\n        \"chips.tools.imports_per_year\": Uniform(low: 0, high: 50),",
        ),
        (
            "uncertain: {",
            "uncertain: {\n        \"chips.hbm.imports_stacks_per_month\": Uniform(low: 0, high: 9),",
        ),
    ];
    assert!(warnings_of("china-2025.ron", &drawn).is_empty());
    // A design's licensed flow at 0: the control on it is named too, as is
    // a control on every design when no licensed flow imports anything.
    let w = warnings_of(
        "china-2025.ron",
        &[("units_per_month: 111000", "units_per_month: 0")],
    );
    assert_eq!(w.len(), 1, "{w:#?}");
    assert_eq!(w[0].path, "policies.h20-licence.action");
    assert!(
        w[0].message.contains(
            "controls imports of design h20, which are 0 at every date and not \
                               drawn (`imports.h20-imports.units_per_month`)"
        ),
        "{}",
        w[0]
    );
    let all = r#"(name: "h20-licence", date: "2025-04-14", action: ExportControl(item: Accelerators, control: Ban)),"#;
    let w = warnings_of(
        "china-2025.ron",
        &[("units_per_month: 111000", "units_per_month: 0"), (H20, all)],
    );
    assert_eq!(w.len(), 1, "{w:#?}");
    assert!(
        w[0].message.contains("imports of every accelerator design"),
        "{}",
        w[0]
    );
}

/// A horizon past the world frontier path's last point: every gap after it
/// rests on the path extended by its average slope, the one path the model
/// extrapolates (audit s22-long: china-2025 run to 30 years measured gaps
/// against a frontier extended 20 years). The calibrated examples end their
/// frontier on their horizon's last day and warn of nothing (above).
#[test]
fn a_horizon_past_the_frontier_path_is_named_at_the_path() {
    let w = warnings_of("china-2025.ron", &[("horizon_years: 10", "horizon_years: 30")]);
    assert_eq!(w.len(), 1, "{w:#?}");
    assert_eq!(w[0].path, "ecosystem.frontier_log10_physical_flop");
    assert!(w[0].line.is_some());
    assert!(
        w[0].message.starts_with(
            "the world frontier path ends on 2035-01-01, 20 years before the horizon's end (2055-01-01)"
        ),
        "{}",
        w[0]
    );
    assert!(
        w[0].message.contains("0.653 orders of magnitude a year"),
        "{}",
        w[0]
    );
    // A path that reaches the horizon, a flat one, and a number: nothing to say.
    for frontier in [
        r#"[("2025-01-01", 25), ("2027-01-01", 27)]"#,
        r#"[("2025-01-01", 25), ("2026-01-01", 25)]"#,
        "26",
    ] {
        let w = variant_warnings(&format!(
            r#"set: {{ "ecosystem.frontier_log10_effective_flop": {frontier} }}"#
        ));
        assert!(w.is_empty(), "{frontier}: {w:#?}");
    }
    // Written to within a month of the end: too little extension to matter.
    let w = variant_warnings(
        r#"set: { "ecosystem.frontier_log10_effective_flop": [("2025-01-01", 25), ("2026-12-31", 27)] }"#,
    );
    assert!(w.is_empty(), "{w:#?}");
    // Written only before the start: held flat at the start's value, so a
    // release above it has no gap (review s22, F3).
    let w = variant_warnings(
        r#"set: { "ecosystem.frontier_log10_effective_flop": [("2020-01-01", 23), ("2024-01-01", 26)] }"#,
    );
    assert_eq!(w.len(), 1, "{w:#?}");
    assert!(
        w[0].message
            .contains("ends on 2024-01-01, at or before the start (2025-01-01)")
            && w[0].message.contains("held at 10^26 effective FLOP"),
        "{}",
        w[0]
    );
    let w = variant_warnings(
        r#"set: { "ecosystem.frontier_log10_effective_flop": [("2025-01-01", 25), ("2026-01-01", 26)] }"#,
    );
    assert_eq!(w.len(), 1, "{w:#?}");
    assert!(
        w[0].message.contains("2026-01-01, 1 year before")
            && w[0].message.contains("1 order of magnitude a year"),
        "{}",
        w[0]
    );
}

/// An other buyer's later site with no connection at the start never gets
/// an accelerator (deliveries go to the first site, the only one that asks
/// for more): named at the buyer's `sites` (review s23, F2). A connected
/// later site, or a single site, is no warning.
#[test]
fn an_other_buyers_later_unconnected_site_is_named() {
    // The region "away" is linked to "home" (a region with no supply is
    // a warning of its own).
    let buyer = |sites: &str| {
        variant_warnings(&format!(
            "name: \"buyers\", add: [Region((name: \"away\", demand_avg_mw: 500)), \
             Link((name: \"home-away\", from: \"home\", to: \"away\", capacity_mw: 500))], \
             set: {{ \"chips.other_buyers\": [(name: \"cloud\", budget_usd_per_year: 1e9, \
             sites: {sites})] }}"
        ))
    };
    let w = buyer("[(region: \"home\"), (region: \"away\")]");
    assert_eq!(w.len(), 1, "{w:#?}");
    assert_eq!(w[0].path, "chips.other_buyers.cloud.sites");
    assert!(w[0].line.is_some(), "{}", w[0]);
    assert!(
        w[0].message
            .contains("site in away has no connection at the start")
            && w[0].message.contains("first site (home)"),
        "{}",
        w[0]
    );
    assert!(buyer("[(region: \"home\"), (region: \"away\", connected_mw: 10)]").is_empty());
    assert!(buyer("[(region: \"away\")]").is_empty());
}

#[test]
fn a_fleet_entry_a_service_life_old_at_the_start_is_named_at_its_installed_date() {
    // minimal.ron: a 5-year life (the default), start 2025-01-01. Installed
    // 2002-07-01 (a typo for 2022-07-01) the lab starts with no accelerator.
    let fleet = r#"fleet: [(design: "h100", count: 2000)]"#;
    let dated = |d: &str| format!(r#"fleet: [(design: "h100", count: 2000, installed: "{d}")]"#);
    let w = warnings_of("minimal.ron", &[(fleet, &dated("2002-07-01"))]);
    assert_eq!(w.len(), 1, "{w:#?}");
    let text = std::fs::read_to_string(examples().join("minimal.ron")).unwrap();
    let line = text.lines().position(|l| l.contains(fleet)).unwrap() + 1;
    let col =
        text.lines().nth(line - 1).unwrap().find(fleet).unwrap() + dated("").find("installed").unwrap() + 1;
    assert!(w[0].path.ends_with(".fleet[0].installed"), "{}", w[0].path);
    assert!(w[0].file.ends_with("minimal.ron"));
    assert_eq!(
        (w[0].line, w[0].column),
        (Some(line as u32), Some(col as u32)),
        "{}",
        w[0]
    );
    assert!(
        w[0].message
            .contains("installed on 2002-07-01 are 22.5 years old at the start")
            && w[0]
                .message
                .contains("the service life (`ecosystem.chip_service_life_years`), 5 years")
            && w[0]
                .message
                .contains("retired at the start and never be in service"),
        "{}",
        w[0]
    );
    // 2020-01-01 is 1,827 days before the start, more than 5 years of
    // 365.25 days (retired at the start); 2020-01-02, 1,826 days, is not.
    assert_eq!(
        warnings_of("minimal.ron", &[(fleet, &dated("2020-01-01"))]).len(),
        1
    );
    assert!(warnings_of("minimal.ron", &[(fleet, &dated("2020-01-02"))]).is_empty());
}

#[test]
fn with_a_drawn_service_life_only_an_entry_older_than_its_longest_draw_is_named() {
    // china-2025 draws the life from Triangular(4, 5, 7) and dates its
    // fleets 2023-07-01 and 2024-08-01: no warning.
    assert!(
        Scenario::load(&examples().join("china-2025.ron"))
            .unwrap()
            .warnings()
            .is_empty()
    );
    let h800 = r#"(design: "h800", count: 20000, installed: "2023-07-01")"#;
    // 6 years old: retired at the start only in runs drawing less than 6.
    let six = warnings_of(
        "china-2025.ron",
        &[(h800, r#"(design: "h800", count: 20000, installed: "2019-01-01")"#)],
    );
    assert!(six.is_empty(), "{six:#?}");
    // Older than 7 years: retired at the start in every run.
    let w = warnings_of(
        "china-2025.ron",
        &[(h800, r#"(design: "h800", count: 20000, installed: "2017-12-31")"#)],
    );
    assert_eq!(w.len(), 1, "{w:#?}");
    assert_eq!(w[0].path, "labs.bytedance.fleet[1].installed");
    assert!(
        w[0].message
            .contains("lab bytedance's 20000 h800 accelerators installed on 2017-12-31")
            && w[0].message.contains("(Triangular, 7 years at most)")
            && w[0].message.contains("retired at the start in every run"),
        "{}",
        w[0]
    );
    let text = std::fs::read_to_string(examples().join("china-2025.ron")).unwrap();
    let line = text.lines().position(|l| l.contains(h800)).unwrap() + 1;
    let col = text.lines().nth(line - 1).unwrap().find("installed").unwrap() + 1;
    assert_eq!(
        (w[0].line, w[0].column),
        (Some(line as u32), Some(col as u32)),
        "{}",
        w[0]
    );
}

/// Dated items the run never reaches, at or after the horizon's end, are
/// named at their date (review s26-modeler, F7: a policy dated 2099 in a
/// 6-year scenario validated "ok"). china-2025 cut to 2 years leaves two
/// nuclear projects starting in 2027 and 2028 out of the run.
#[test]
fn items_dated_after_the_end_are_named_at_their_date() {
    let w = warnings_of("china-2025.ron", &[("horizon_years: 10", "horizon_years: 2")]);
    let paths: Vec<&str> = w.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "grid_projects.nuclear-approved-2027.start",
            "grid_projects.nuclear-approved-2028.start"
        ],
        "{w:#?}"
    );
    let text = w[0].to_string();
    // The project's line in the file, wherever edits above it put it.
    let source = std::fs::read_to_string(examples().join("china-2025.ron")).unwrap();
    let line = source
        .lines()
        .position(|l| l.contains("\"nuclear-approved-2027\""))
        .unwrap()
        + 1;
    assert!(
        text.contains(&format!("china-2025.ron:{line}:"))
            && text.contains(
                "grid project nuclear-approved-2027 starts construction on 2027-04-01, at or after the \
                 run's end (2027-01-01, 2 years from 2025-01-01): the run never reaches it"
            )
            && text.contains("hint: check the year; lengthen `horizon_years`"),
        "{text}"
    );
}

/// An item dated at the end instant is never reached; one a day before is.
/// Each kind of dated item is checked: a plant group's retirement, a
/// policy, a design's first day, a drought, a capacity derate, an
/// adequacy response's first check.
#[test]
fn an_item_at_the_end_is_named_and_one_before_it_is_not() {
    let at = |date: &str| {
        warnings_of(
            "minimal.ron",
            &[(
                "installed_mw: 1600)",
                &format!("installed_mw: 1600, retire_date: \"{date}\")"),
            )],
        )
    };
    let w = at("2027-01-01");
    assert_eq!(w.len(), 1, "{w:#?}");
    assert_eq!(w[0].path, "plants.home-gas.retire_date");
    assert!(
        w[0].to_string()
            .contains("plant group home-gas retires on 2027-01-01"),
        "{}",
        w[0]
    );
    assert!(at("2026-12-31").is_empty());
    // Dated before the start (review s26 F1: these were named as past the
    // end, since a date before the start has no instant): never warned.
    assert!(at("2024-07-01").is_empty());
    let before = warnings_of(
        "minimal.ron",
        &[
            (
                "unit_price_usd: 25000,",
                "unit_price_usd: 25000, available_from: \"2023-03-01\",",
            ),
            (
                "    labs: [",
                "    policies: [(name: \"early\", date: \"2020-01-01\", action: ExportControl(item: Design(\"h100\"), control: Ban))],\n    imports: [(name: \"imp\", design: \"h100\", units_per_month: 10)],\n    labs: [",
            ),
        ],
    );
    assert!(before.is_empty(), "{before:#?}");
    let w = warnings_of(
        "minimal.ron",
        &[
            (
                "unit_price_usd: 25000,",
                "unit_price_usd: 25000, available_from: \"2030-01-01\",",
            ),
            (
                "    labs: [",
                "    policies: [(name: \"late\", date: \"2099-01-01\", action: ExportControl(item: Design(\"h100\"), control: Ban))],\n    imports: [(name: \"imp\", design: \"h100\", units_per_month: 10)],\n    droughts: [(name: \"dry\", region: \"home\", start: \"2040-01-01\", days: 30, depth: 0.5)],\n    derates: [(name: \"cold\", technologies: [Gas], start: \"2041-01-01\", days: 5, fraction: 0.3)],\n    adequacy: [(name: \"plan\", first_check: \"2042-01-01\", technology: Gas, unit_mw: 400, lead_time_years: Const(value: 3))],\n    labs: [",
            ),
            (
                "technology: Gas, installed_mw: 1600)",
                "technology: Gas, installed_mw: 1600), (name: \"home-hydro\", region: \"home\", technology: Hydro, installed_mw: 100, capacity_factor: 0.4)",
            ),
        ],
    );
    let paths: Vec<&str> = w.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "policies.late.date",
            "droughts.dry.start",
            "derates.cold.start",
            "adequacy.plan.first_check",
            "designs.h100.available_from"
        ],
        "{w:#?}"
    );
}

/// A lab without `max_chips_per_run` whose fleet at the start is larger
/// than any synchronous run on record: one run takes every chip, and its
/// goodput at the lab's failure rate collapses, so a looser import cap can
/// give a smaller largest run (audit s33, finding 1). Named at the lab,
/// with the goodput of the model's own formula.
#[test]
fn a_lab_whose_one_run_takes_more_chips_than_any_cluster_is_named() {
    let fleet = r#"fleet: [(design: "h100", count: 2000)]"#;
    let count = |n: &str| format!(r#"fleet: [(design: "h100", count: {n})]"#);
    let w = warnings_of("minimal.ron", &[(fleet, &count("500000"))]);
    assert_eq!(w.len(), 1, "{w:#?}");
    assert_eq!(w[0].path, "labs.lab.max_chips_per_run");
    // Not written: named where the lab is declared.
    let text = std::fs::read_to_string(examples().join("minimal.ron")).unwrap();
    let line = text.lines().position(|l| l.contains("name: \"lab\"")).unwrap() + 1;
    assert_eq!(w[0].line, Some(line as u32), "{}", w[0]);
    // 500,000 chips at 2e-5 an hour, 20-minute checkpoints and 10-minute
    // restarts (the defaults): 0.046 (docs/model/model-training.md: 0.05).
    let g = model_training::expected_goodput(500_000.0 * 2e-5, 1.0 / 3.0, 1.0 / 6.0);
    assert!((g - 0.046).abs() < 5e-4, "{g}");
    assert_eq!(
        w[0].message,
        "lab lab sets no `max_chips_per_run`, so one training run takes every training chip: \
         500000 at the start (its fleet), more than the largest synchronous runs on record (about \
         100000 accelerators); at its failure rate (2e-5 per chip-hour, checkpoints every 0.333 h, \
         restarts of 0.167 h) a run of 500000 chips keeps 0.046 of its time as work (the expected \
         goodput), so more chips (a larger fleet, a looser import cap) can give it smaller runs, \
         not larger"
    );
    assert!(
        w[0].hint
            .as_deref()
            .unwrap()
            .starts_with("set `max_chips_per_run` to the largest cluster"),
        "{}",
        w[0]
    );
    // At a million chips the run keeps 0.002 of its time.
    let w = warnings_of("minimal.ron", &[(fleet, &count("1000000"))]);
    assert!(w[0].message.contains("keeps 0.002 of its time"), "{}", w[0]);
    // At the ceiling, or with a cap of any size, no warning.
    assert!(warnings_of("minimal.ron", &[(fleet, &count("100000"))]).is_empty());
    assert_eq!(warnings_of("minimal.ron", &[(fleet, &count("100001"))]).len(), 1);
    let capped = warnings_of(
        "minimal.ron",
        &[(fleet, &format!("{}, max_chips_per_run: 300000", count("500000")))],
    );
    assert!(capped.is_empty(), "{capped:#?}");
    // A drawn fleet is judged at its median (200,000).
    let w =
        variant_warnings("uncertain: {\"labs.lab.fleet.h100.count\": Uniform(low: 100000, high: 300000)}");
    assert_eq!(w.len(), 1, "{w:#?}");
    assert!(
        w[0].message.contains("200000 at the start (its fleet)"),
        "{}",
        w[0]
    );
}

/// A connection at the start that powers more chips than the fleet counts
/// those (at the scenario's most power-hungry design): a 1,000 MW site
/// powers 1e9 / ((700 + 700) × 1.2) = 595,238 H100s.
#[test]
fn a_lab_connected_for_more_chips_than_any_cluster_is_named() {
    let w = warnings_of("minimal.ron", &[("connected_mw: 10", "connected_mw: 1000")]);
    assert_eq!(w.len(), 1, "{w:#?}");
    assert!(
        w[0].message.contains(
            "595238 at the start (what its sites' connections at the start, 1000 MW, power of the \
             scenario's most power-hungry design (h100, 700 W a chip))"
        ),
        "{}",
        w[0]
    );
    // 160 MW powers 95,238: below the ceiling.
    assert!(warnings_of("minimal.ron", &[("connected_mw: 10", "connected_mw: 160")]).is_empty());
}

/// The calibrated examples hold more than the ceiling and cap their runs
/// (no warning: above); without the cap, us-2025's OpenAI (500,000 chips at
/// 3-minute checkpoints and 1.2-minute restarts) is named, at 0.64.
#[test]
fn the_calibrated_examples_would_be_named_without_their_cap() {
    let cap = r#"max_chips_per_run: [("2025-01-01", 200000), ("2026-01-01", 294000), ("2027-01-01", 522000), ("2028-01-01", 1040000), ("2030-01-01", 1090000)],"#;
    let w = warnings_of("us-2025.ron", &[(cap, "")]);
    assert_eq!(w.len(), 1, "{w:#?}");
    assert_eq!(w[0].path, "labs.openai.max_chips_per_run");
    assert!(
        w[0].message.contains("500000 at the start (its fleet)")
            && w[0].message.contains(
                "(2e-5 per chip-hour, checkpoints every 0.05 h, restarts of 0.02 h) a run of 500000 \
                 chips keeps 0.64 of its time"
            ),
        "{}",
        w[0]
    );
}

/// A region's demand growth written in per cent (3 for 0.03) is named at
/// the field, with the fraction to write; so is a fall, a path's value and
/// a drawn growth's median (audit s33, finding 5).
#[test]
fn demand_growth_in_per_cent_is_named() {
    let growth =
        |g: &str| variant_warnings(&format!("set: {{\"regions.home.demand_growth_per_year\": {g}}}"));
    let w = growth("3");
    assert_eq!(w.len(), 1, "{w:#?}");
    assert_eq!(w[0].path, "regions.home.demand_growth_per_year");
    assert!(w[0].file.ends_with("variant-under-test.ron"), "{}", w[0]);
    assert_eq!(
        w[0].message,
        "3 a year is a growth of 300 % a year, beyond 30 % either way: no national demand grows or \
         falls that fast (China's fastest growth was 15.4 %, in 2003; china-2025 has 6 %, us-2025 \
         2 %)"
    );
    assert_eq!(
        w[0].hint.as_deref(),
        Some("the field is a fraction a year (0.06 = 6 %); if 3 is in %, write 0.03")
    );
    // A fall of 0.5 % written as -0.5.
    let w = growth("-0.5");
    assert_eq!(w.len(), 1, "{w:#?}");
    assert!(
        w[0].message.starts_with("-0.5 a year is a fall of 50 % a year"),
        "{}",
        w[0]
    );
    assert!(
        w[0].hint.as_deref().unwrap().ends_with("write -0.005"),
        "{}",
        w[0]
    );
    // A path: its value farthest from 0, with its date.
    let w = growth(r#"[("2025-01-01", 0.03), ("2026-01-01", 5)]"#);
    assert_eq!(w.len(), 1, "{w:#?}");
    assert!(
        w[0].message
            .starts_with("the path's value on 2026-01-01, 5 a year, is a growth of 500 %"),
        "{}",
        w[0]
    );
    // At the ceiling, either way, and below it: no warning.
    for g in [
        "0.3",
        "-0.3",
        "0.15",
        r#"[("2025-01-01", 0.06), ("2030-01-01", -0.02)]"#,
    ] {
        assert!(growth(g).is_empty(), "{g}");
    }
    // Drawn: judged by its median, at its `uncertain` entry.
    let w =
        variant_warnings("uncertain: {\"regions.home.demand_growth_per_year\": Uniform(low: 2, high: 4)}");
    assert_eq!(w.len(), 1, "{w:#?}");
    assert_eq!(w[0].path, "uncertain.regions.home.demand_growth_per_year");
    assert!(
        w[0].message.starts_with("its median, 3 a year, is a growth"),
        "{}",
        w[0]
    );
    // A path's drawn scale multiplies it: 0.03 × a median of 15.
    let w = variant_warnings(
        "set: {\"regions.home.demand_growth_per_year\": [(\"2025-01-01\", 0.02), (\"2026-01-01\", 0.03)]}, \
         uncertain: {\"regions.home.demand_growth_per_year.scale\": Uniform(low: 10, high: 20)}",
    );
    assert_eq!(w.len(), 1, "{w:#?}");
    assert!(w[0].message.contains("2026-01-01, 0.45 a year"), "{}", w[0]);
}

/// A region with demand and nothing that could serve it (no plant group
/// with capacity, no link, nothing built there) goes wholly unserved:
/// named at its demand. A link, a plant, or a build there is enough.
#[test]
fn a_region_with_nothing_to_serve_it_is_named() {
    let away = "Region((name: \"away\", demand_avg_mw: 500))";
    let w = variant_warnings(&format!("add: [{away}]"));
    assert_eq!(w.len(), 1, "{w:#?}");
    assert_eq!(w[0].path, "regions.away.demand_avg_mw");
    assert!(
        w[0].file.ends_with("variant-under-test.ron") && w[0].line.is_some(),
        "{}",
        w[0]
    );
    assert_eq!(
        w[0].message,
        "region away has 500 MW of average non-AI demand and nothing to serve it: no plant group \
         with installed MW in it, no link to it, and no grid project, programme or adequacy \
         response that builds there, so all of it goes unserved for the whole run"
    );
    assert_eq!(
        w[0].hint.as_deref(),
        Some(
            "add a plant group in away (`plants`, with `region: \"away\"`), or a link to it from a \
             region with spare capacity (`links`)"
        )
    );
    // A plant group of 0 MW serves nothing either.
    let zero = "Plant((name: \"away-gas\", region: \"away\", technology: Gas, installed_mw: 0))";
    assert_eq!(variant_warnings(&format!("add: [{away}, {zero}]")).len(), 1);
    for supply in [
        "Plant((name: \"away-gas\", region: \"away\", technology: Gas, installed_mw: 800))",
        "Link((name: \"home-away\", from: \"home\", to: \"away\", capacity_mw: 300))",
        "Programme((name: \"away-solar\", region: \"away\", technology: Solar, mw_per_year: 100))",
    ] {
        let w = variant_warnings(&format!("add: [{away}, {supply}]"));
        assert!(w.is_empty(), "{supply}: {w:#?}");
    }
    // A region without demand needs no supply.
    assert!(variant_warnings("add: [Region((name: \"away\", demand_avg_mw: 0))]").is_empty());
}

/// Demand written in GW where the field is in MW: the plants, in MW, hold
/// more than a hundred times the demand and the datacenters' connections
/// (minimal's 1,000 MW written 1: 1,600 MW for 1 + 10 MW), named at the
/// one region's demand; china-2025's seven regions, each in GW, at
/// `regions`. A region of datacenters with little other demand does not
/// warn: its connections count.
#[test]
fn demand_in_gw_is_named() {
    let w = warnings_of("minimal.ron", &[("demand_avg_mw: 1000", "demand_avg_mw: 1")]);
    assert_eq!(w.len(), 1, "{w:#?}");
    assert_eq!(w[0].path, "regions.home.demand_avg_mw");
    assert_eq!(w[0].line, Some(13), "{}", w[0]);
    assert_eq!(
        w[0].message,
        "the plant groups' installed capacity at the start, 1600 MW in all, is 145 times the \
         regions' average non-AI demand, 1 MW and 10 MW of datacenter connections (grids install \
         2 to 3 times their average demand: China 2.9, the US 2.3), so almost all of it stands idle"
    );
    assert_eq!(
        w[0].hint.as_deref(),
        Some(
            "the field is in MW; if the regions' `demand_avg_mw` are in GW, write each ×1000 (1 GW is 1000 MW)"
        )
    );
    // Connections of 6 MW more bring the ratio to 100: no warning.
    assert!(
        warnings_of(
            "minimal.ron",
            &[
                ("demand_avg_mw: 1000", "demand_avg_mw: 1"),
                ("connected_mw: 10", "connected_mw: 15")
            ]
        )
        .is_empty()
    );
    // Every region of china-2025 in GW.
    let path = examples().join("china-2025.ron");
    let text = std::fs::read_to_string(&path).unwrap();
    let re_demand = |t: &str| {
        let mut out = String::new();
        for line in t.split_inclusive('\n') {
            match line.split_once("demand_avg_mw: ") {
                Some((head, rest)) => {
                    let end = rest.find(|c: char| !c.is_ascii_digit() && c != '_').unwrap();
                    let mw: f64 = rest[..end].replace('_', "").parse().unwrap();
                    out.push_str(&format!("{head}demand_avg_mw: {}{}", mw / 1e3, &rest[end..]));
                }
                None => out.push_str(line),
            }
        }
        out
    };
    let in_gw = re_demand(&text);
    assert_ne!(in_gw, text);
    let w = Scenario::from_text(&path, &in_gw).unwrap().warnings();
    let paths: Vec<&str> = w.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["regions"], "{w:#?}");
    assert!(
        w[0].message.contains("times the regions' average non-AI demand"),
        "{}",
        w[0]
    );
}

/// Installed capacity written in GW where the field is in MW: a plant
/// group below a thousandth of its region's demand is named at its field
/// (china-2025's north nuclear, 3,048 MW, written 3.048), and a scenario
/// whose plants hold less than a tenth of its demand is named too (minimal's
/// 1,600 MW of gas written 1.6, above a thousandth of its 1,000 MW).
#[test]
fn installed_capacity_in_gw_is_named() {
    let w = warnings_of(
        "china-2025.ron",
        &[("installed_mw: 3048,", "installed_mw: 3.048,")],
    );
    assert_eq!(w.len(), 1, "{w:#?}");
    assert_eq!(w[0].path, "plants.north-nuclear.installed_mw");
    let text = std::fs::read_to_string(examples().join("china-2025.ron")).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("installed_mw: 3048,"))
        .unwrap()
        + 1;
    assert_eq!(w[0].line, Some(line as u32), "{}", w[0]);
    assert_eq!(
        w[0].message,
        "3.048 MW is below a thousandth of region north's average non-AI demand (218912 MW): a \
         group that small changes nothing in the dispatch (the smallest in the examples is 1/72 \
         of its region's)"
    );
    assert_eq!(
        w[0].hint.as_deref(),
        Some("the field is in MW; if 3.048 is in GW, write 3048")
    );
    // "14 written for 14000" in a region of 16 GW.
    let gulf = |mw: &str| {
        variant_warnings(&format!(
            "add: [Region((name: \"gulf\", demand_avg_mw: 16000)), \
             Plant((name: \"gulf-gas\", region: \"gulf\", technology: Gas, installed_mw: 20000)), \
             Plant((name: \"gulf-solar\", region: \"gulf\", technology: Solar, installed_mw: {mw}, capacity_factor: 0.2))]"
        ))
    };
    let w = gulf("14");
    assert_eq!(w.len(), 1, "{w:#?}");
    assert_eq!(w[0].path, "plants.gulf-solar.installed_mw");
    assert!(gulf("14000").is_empty());
    // 16 MW is a thousandth of 16,000: no warning.
    assert!(gulf("16").is_empty());
    // The one group of minimal.ron at 1.6 MW: the whole fleet is below a
    // tenth of the demand, named at that group.
    let w = warnings_of("minimal.ron", &[("installed_mw: 1600", "installed_mw: 1.6")]);
    assert_eq!(w.len(), 1, "{w:#?}");
    assert_eq!(w[0].path, "plants.home-gas.installed_mw");
    assert_eq!(w[0].line, Some(18), "{}", w[0]);
    assert_eq!(
        w[0].message,
        "the plant groups' installed capacity at the start, 1.6 MW in all, is below a tenth of the \
         regions' average non-AI demand, 1000 MW (grids install 2 to 3 times their average demand: \
         China 2.9, the US 2.3), so most of the demand goes unserved"
    );
    assert_eq!(
        w[0].hint.as_deref(),
        Some(
            "the fields are in MW; if the plants' `installed_mw` are in GW, write each ×1000 (1.6 GW \
             is 1600 MW)"
        )
    );
    // At a tenth, no warning.
    assert!(warnings_of("minimal.ron", &[("installed_mw: 1600", "installed_mw: 100")]).is_empty());
    // Two of us-2025's groups in GW: each is named, the whole is not.
    let w = warnings_of(
        "us-2025.ron",
        &[
            ("installed_mw: 122300,", "installed_mw: 122.3,"),
            ("installed_mw: 92300,", "installed_mw: 92.3,"),
        ],
    );
    let paths: Vec<&str> = w.iter().map(|e| e.path.as_str()).collect();
    // The east's other groups hold more than a tenth of the demand.
    assert_eq!(
        paths,
        [
            "plants.east-gas.installed_mw",
            "plants.east-gas-peakers.installed_mw"
        ],
        "{w:#?}"
    );
    // Every group in GW: those below a thousandth of their region's
    // demand (0.5 MW of 1,000), and the whole, named at `plants`.
    let mut all_in_gw = std::fs::read_to_string(examples().join("minimal.ron")).unwrap();
    all_in_gw = all_in_gw.replace("installed_mw: 1600", "installed_mw: 1.6");
    all_in_gw = all_in_gw.replace(
        "technology: Gas, installed_mw: 1.6)",
        "technology: Gas, installed_mw: 1.6), (name: \"home-solar\", region: \"home\", technology: Solar, installed_mw: 0.5, capacity_factor: 0.2)",
    );
    let w = Scenario::from_text(&examples().join("minimal.ron"), &all_in_gw)
        .unwrap()
        .warnings();
    let paths: Vec<&str> = w.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["plants.home-solar.installed_mw", "plants"], "{w:#?}");
    assert_eq!(w[1].line, Some(17), "{}", w[1]);
    assert!(w[1].message.contains("2.1 MW in all"), "{}", w[1]);
}
