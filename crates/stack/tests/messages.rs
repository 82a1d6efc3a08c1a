//! The messages of the weakest scenario errors a usability audit found:
//! each names the field as written and says what would be right, in a
//! scenario author's words (no chrono, serde or domain-internal texts, no
//! `field `?``).

mod common;
use common::Scratch;
use stack::Scenario;
use std::path::{Path, PathBuf};

/// A file name in this crate's `tests/` folder (a `base:` resolves from it).
fn name() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/audit.ron")
}

/// The error of loading `text`, displayed.
fn error(text: &str) -> String {
    match Scenario::from_text(&name(), text) {
        Ok(_) => panic!("loaded, but should have been refused:\n{text}"),
        Err(e) => e.to_string(),
    }
}

const REGION_LAB: &str = r#"regions: [(name: "home", demand_avg_mw: 1000)],
    labs: [(name: "lab", sites: [(region: "home")])],"#;

fn scenario(start: &str, rest: &str) -> String {
    format!("Scenario(name: \"x\", start: \"{start}\", horizon_years: 1,\n    {REGION_LAB}\n    {rest}\n)")
}

#[test]
fn a_date_in_the_wrong_form_says_the_form() {
    let e = error(&scenario("01/01/2025", ""));
    assert!(e.contains("audit.ron:1:"), "{e}");
    assert!(e.contains("field `start`"), "{e}");
    assert!(
        e.contains("`01/01/2025` is not a date: expected a date written YYYY-MM-DD (e.g. \"2025-01-01\")"),
        "{e}"
    );
    assert!(!e.contains("invalid characters"), "{e}");
}

#[test]
fn a_date_out_of_range_says_which_part() {
    let e = error(&scenario("2025-13-01", ""));
    assert!(
        e.contains("field `start`") && e.contains("month 13 is out of range"),
        "{e}"
    );
    assert!(!e.contains("input is out of range"), "{e}");
    let e = error(&scenario("2025-02-30", ""));
    assert!(
        e.contains("day 30 is out of range (2025-02 has days 01–28)"),
        "{e}"
    );
}

#[test]
fn every_date_field_gives_the_same_message() {
    let cases = [
        // A dated path.
        (
            r#"labs: [(name: "lab", sites: [(region: "home")], budget_usd_per_year: [("2025-13-01", 1e9)])],"#,
            "labs[0].budget_usd_per_year",
        ),
        (
            r#"grid_projects: [(name: "p", region: "home", technology: Gas, mw: 100, start: "2025/06/01", lead_time_years: Const(value: 1))],"#,
            "grid_projects[0].start",
        ),
        (
            r#"droughts: [(name: "dry", region: "home", start: "2025-13-01", days: 10, depth: 0.1)],"#,
            "droughts[0].start",
        ),
        (
            r#"policies: [(name: "ban", date: "2025-13-01", action: Subsidy(projects: []))],"#,
            "policies[0].date",
        ),
    ];
    for (rest, field) in cases {
        // `labs` twice would be refused for another reason: replace it.
        let text = if rest.starts_with("labs:") {
            format!(
                "Scenario(name: \"x\", start: \"2025-01-01\", horizon_years: 1,\n    regions: [(name: \"home\", demand_avg_mw: 1000)],\n    {rest}\n)"
            )
        } else {
            scenario("2025-01-01", rest)
        };
        let e = error(&text);
        assert!(e.contains(&format!("field `{field}`")), "{field}: {e}");
        assert!(
            e.contains("is not a date") && e.contains("YYYY-MM-DD"),
            "{field}: {e}"
        );
    }
}

#[test]
fn scale_of_a_plain_number_says_to_name_the_number() {
    let e = error(&scenario(
        "2025-01-01",
        r#"uncertain: { "labs.lab.budget_usd_per_year.scale": Uniform(low: 0.8, high: 1.2) },"#,
    ));
    assert!(
        e.contains("`labs.lab.budget_usd_per_year` is written as a number")
            && e.contains("applies only to a path over dates")
            && e.contains("name `labs.lab.budget_usd_per_year`"),
        "{e}"
    );
    assert!(!e.contains("has no fields"), "{e}");
}

const FAB: &str = r#"plants: [(name: "home-gas", region: "home", technology: Gas, installed_mw: 1600)],
    designs: [(name: "h100", die_area_mm2: 814, peak_flop_s: 989e12, power_w: 700, hbm_stacks: 5, node: "4nm", unit_price_usd: 25000)],"#;

#[test]
fn a_fab_error_names_the_fields_as_written() {
    let text = scenario(
        "2025-01-01",
        &format!(
            "{FAB}\n    fabs: [(name: \"fab-1\", region: \"home\", node: \"4nm\", capacity_wafers_per_month: 1000,\n        yield_initial: 0.9,\n        yield_ceiling: 0.5, yield_learning_wafers: 1000, power_mw: 10, products: [(design: \"h100\", share: 1.0)])],"
        ),
    );
    let e = error(&text);
    assert!(e.contains("field `fabs.fab-1.yield_ceiling`"), "{e}");
    assert!(e.contains("`yield_ceiling` must be ≥ yield_initial"), "{e}");
    assert!(!e.contains("yield_curve"), "{e}");
    // At the field, line 8, not at the fab's name (line 6).
    assert!(e.contains("audit.ron:8:9:"), "{e}");

    let text = scenario(
        "2025-01-01",
        &format!(
            "{FAB}\n    fabs: [(name: \"fab-1\", region: \"home\", node: \"7nm\", capacity_wafers_per_month: 1000,\n        yield_initial: 0.5, yield_ceiling: 0.9, yield_learning_wafers: 1000, power_mw: 10,\n        products: [(design: \"h100\", share: 1.0)])],"
        ),
    );
    let e = error(&text);
    assert!(e.contains("field `fabs.fab-1.products[0].design`"), "{e}");
    assert!(
        e.contains("`products[0].design` design \"h100\" needs node 4nm"),
        "{e}"
    );
    assert!(!e.contains("product_mix"), "{e}");
    // At the product's `design:`, not at `products:` (line 8, column 9).
    assert!(e.contains("audit.ron:8:21:"), "{e}");
}

#[test]
fn rust_type_names_are_said_in_words() {
    let text = r#"Variant(base: "../../../examples/scenarios/minimal.ron",
    set: { "labs.lab.mfu": "high" })"#;
    let e = error(text);
    assert!(e.contains("expected a number") && !e.contains("f64"), "{e}");
    let e = error(&scenario(
        "2025-01-01",
        r#"uncertain: { "labs.lab.mfu": Gaussian(mean: 0.4, sd: 0.1) },"#,
    ));
    assert!(!e.contains("DistData"), "{e}");
    assert!(
        e.contains("Unexpected variant named `Gaussian` in a distribution, expected one of `Const`"),
        "{e}"
    );
}

#[test]
fn a_syntax_error_does_not_name_an_unknown_field() {
    let e = error("Scenario(name: \"x\", start: \"2025-01-01\", horizon_years: 1,\n    seed: 4.2,\n)");
    assert!(!e.contains("field `?`"), "{e}");
    assert!(e.contains("audit.ron:2:"), "{e}");
    let e = error(&format!(
        "Scenario(name: \"x\", start: \"2025-01-01\", horizon_years: 1\n    {REGION_LAB}\n)"
    ));
    assert!(!e.contains("field `?`"), "{e}");
    assert!(e.contains("audit.ron:2:"), "{e}");
}

#[test]
fn an_empty_file_says_what_it_should_hold() {
    for text in ["", "  \n", "// only a comment\n/* and another */\n"] {
        let e = error(text);
        assert!(
            e.contains("expected `Scenario(…)` or `Variant(…)`"),
            "{text:?}: {e}"
        );
    }
}

#[test]
fn a_byte_order_mark_is_accepted_and_positions_stay_right() {
    let text = scenario("2025-01-01", "");
    Scenario::from_text(&name(), &format!("\u{feff}{text}")).expect("a BOM is accepted");
    let dir = Scratch::new("aistack-bom");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bom.ron");
    std::fs::write(&file, format!("\u{feff}{text}")).unwrap();
    Scenario::load(&file).expect("a file with a BOM is accepted");
    // An error on line 1 keeps the column an editor shows.
    std::fs::write(&file, "\u{feff}Scenario(nmae: \"x\")").unwrap();
    let e = Scenario::load(&file).unwrap_err().to_string();
    assert!(e.contains("bom.ron:1:10:"), "{e}");
}

#[test]
fn a_scenario_with_a_base_says_to_write_variant() {
    let e =
        error(r#"Scenario(base: "../../../examples/scenarios/minimal.ron", set: { "labs.lab.mfu": 0.5 })"#);
    assert!(e.contains("must be written `Variant(base:"), "{e}");
    assert!(
        !e.contains("Expected struct `Variant` but found `Scenario`"),
        "{e}"
    );
}

/// The kinds of distribution, each with its parameters, as the messages list them.
const KINDS: &str =
    "`Const(value: …)`, `Normal(mean: …, sd: …)`, `LogNormal(mu: …, sigma: …)`, `Uniform(low: …, high: …)`";

#[test]
fn a_number_or_a_map_where_a_distribution_belongs_says_how_to_write_one() {
    // ron said: Found invalid std identifier "0.4", try the raw identifier `r#0.4` instead
    let e = error(&scenario("2025-01-01", r#"uncertain: {"p": 0.4},"#));
    assert!(
        e.contains("audit.ron:4:22:") && e.contains("field `uncertain.p`"),
        "{e}"
    );
    assert!(
        e.contains("expected a distribution, found the number `0.4`")
            && e.contains("`Const(value: 0.4)` for a fixed value")
            && e.contains(KINDS),
        "{e}"
    );
    assert!(!e.contains("identifier"), "{e}");
    // ron said: Expected identifier
    let e = error(&scenario(
        "2025-01-01",
        r#"uncertain: {"labs.lab.mfu": {"low": 0.3, "high": 0.5}},"#,
    ));
    assert!(
        e.contains("audit.ron:4:33:") && e.contains("found a map `{…}`") && e.contains(KINDS),
        "{e}"
    );
    let e = error(&scenario(
        "2025-01-01",
        r#"uncertain: {"labs.lab.mfu": "Uniform"},"#,
    ));
    assert!(
        e.contains("found the string `\"Uniform\"` (without quotes: `Uniform(low: …, high: …)`)"),
        "{e}"
    );
    // Positional parameters.
    let e = error(&scenario(
        "2025-01-01",
        r#"uncertain: {"labs.lab.mfu": Uniform(0.3, 0.5)},"#,
    ));
    assert!(
        e.contains("field `uncertain.labs.lab.mfu.Uniform`")
            && e.contains(
                "found the number `0.3`: parameters are written by name, `Uniform(low: …, high: …)`"
            ),
        "{e}"
    );
    // Any distribution field, not only `uncertain`.
    let e = error(&scenario(
        "2025-01-01",
        r#"grid_projects: [(name: "p", region: "home", technology: Gas, mw: 100, start: "2025-06-01", lead_time_years: 2)],"#,
    ));
    assert!(
        e.contains("field `grid_projects[0].lead_time_years`: expected a distribution, found the number `2`")
            && e.contains("`Const(value: 2)`"),
        "{e}"
    );
    // Another enum: its names.
    let e = error(&scenario(
        "2025-01-01",
        r#"plants: [(name: "g", region: "home", technology: 3, installed_mw: 100)],"#,
    ));
    assert!(
        e.contains("expected one of `") && e.contains("`Gas`") && e.contains("found the number `3`"),
        "{e}"
    );
}

#[test]
fn uncertain_written_as_a_list_or_with_bare_keys_shows_the_map_form() {
    // ron said: Expected opening `{`
    let e = error(&scenario(
        "2025-01-01",
        r#"uncertain: [("labs.lab.mfu", Uniform(low: 0.3, high: 0.5))],"#,
    ));
    assert!(
        e.contains("audit.ron:4:15:")
            && e.contains("`uncertain` is a map, written in braces: `uncertain: { \"labs.lab.mfu\": Uniform(low: 0.3, high: 0.5) }`; found `[`"),
        "{e}"
    );
    // ron said: Expected colon
    let e = error(&scenario(
        "2025-01-01",
        r#"uncertain: {labs.lab.mfu: Uniform(low: 0.3, high: 0.5)},"#,
    ));
    assert!(
        e.contains("audit.ron:4:") && e.contains("keys are parameter paths in double quotes"),
        "{e}"
    );
}

const VARIANT: &str = r#"Variant(base: "../../../examples/scenarios/minimal.ron","#;

#[test]
fn a_set_path_that_cannot_be_set_says_what_can() {
    // It said: `scale` is below a value that has no fields
    let e = error(&format!("{VARIANT}\n    set: {{ \"labs.lab.mfu.scale\": 1.2 }})"));
    assert!(e.contains("audit.ron:2:12:"), "{e}");
    assert!(
        e.contains("`.scale` is for `uncertain` only")
            && e.contains(
                "`labs.lab.mfu` is a number, and `set` gives it its value: write `\"labs.lab.mfu\": …`"
            ),
        "{e}"
    );
    assert!(!e.contains("has no fields"), "{e}");
    // It said: no field `x` (nothing near it, nothing listed)
    let e = error(&format!("{VARIANT}\n    set: {{ \"x.scale\": 1.2 }})"));
    assert!(
        e.contains("no field `x` at the top level of a scenario; its fields: ")
            && e.contains("labs")
            && e.contains("regions"),
        "{e}"
    );
    // A misspelt entity lists the entities when nothing is near.
    let e = error(&format!("{VARIANT}\n    set: {{ \"labs.zzz.mfu\": 0.5 }})"));
    assert!(
        e.contains("no entity named `zzz` in `labs`; its entities: lab"),
        "{e}"
    );
}

const TWO_REGIONS: &str = r#"regions: [(name: "home", demand_avg_mw: 1000), (name: "away", demand_avg_mw: 500)],
    labs: [(name: "lab", sites: [(region: "home")])],"#;

fn two_regions(rest: &str) -> String {
    format!(
        "Scenario(name: \"x\", start: \"2025-01-01\", horizon_years: 1,\n    {TWO_REGIONS}\n    {rest}\n)"
    )
}

#[test]
fn drought_messages_use_the_fields_as_written() {
    // It said: `depth_fraction` values must lie in [0, 1] (at the first
    // `depth:` of the file, a dated drought's).
    let e = error(&two_regions(
        r#"droughts: [(name: "dry", region: "home", start: "2025-06-01", days: 30, depth: 0.4)],
    grid: (drought_processes: [
        (region: "home", rate_per_year: 0.5, days: Const(value: 30), depth: Const(value: 0.3)),
        (region: "away", rate_per_year: 0.5, days: Const(value: 30), depth: Uniform(low: 0.5, high: 1.5)),
    ]),"#,
    ));
    assert!(
        e.contains("audit.ron:7:70:") && e.contains("field `grid.drought_processes[1].depth`"),
        "{e}"
    );
    assert!(
        e.contains("`depth` values must lie in [0, 1], but the distribution ranges over [0.5, 1.5]")
            && e.contains("`Truncated(dist: …, low: 0, high: 1)`"),
        "{e}"
    );
    assert!(!e.contains("depth_fraction"), "{e}");
    // It said: `duration_days` values must lie in [0, inf], but the
    // distribution ranges over [-inf, inf]
    let e = error(&two_regions(
        r#"grid: (drought_processes: [(region: "home", rate_per_year: 0.5, days: Normal(mean: 10, sd: 5), depth: Const(value: 0.3))]),"#,
    ));
    assert!(
        e.contains("field `grid.drought_processes[0].days`")
            && e.contains("`days` values must be ≥ 0, but the distribution ranges over (−∞, ∞)")
            && e.contains("`LogNormal`"),
        "{e}"
    );
    assert!(!e.contains("duration_days") && !e.contains("inf"), "{e}");
    // It said: the scenario cannot be built: energy grid: two drought
    // processs are named `home` (no position).
    let e = error(&two_regions(
        r#"grid: (drought_processes: [
        (region: "home", rate_per_year: 0.5, days: Const(value: 30), depth: Const(value: 0.3)),
        (region: "home", rate_per_year: 1, days: Const(value: 9), depth: Const(value: 0.2)),
    ]),"#,
    ));
    assert!(
        e.contains("audit.ron:6:10:")
            && e.contains("field `grid.drought_processes[1].region`")
            && e.contains("region `home` already has a drought process (`grid.drought_processes[0]`)"),
        "{e}"
    );
    // An unknown region is found at its own entry (it was found at the
    // first `region:` of the file).
    let e = error(&two_regions(
        r#"grid: (drought_processes: [(region: "nowhere", rate_per_year: 0.5, days: Const(value: 30), depth: Const(value: 0.3))]),"#,
    ));
    assert!(e.contains("audit.ron:4:33:"), "{e}");
}

#[test]
fn a_value_of_the_wrong_type_says_what_the_field_holds() {
    let cases = [
        // (scenario text, ron's old message, what it says now)
        (
            r#"ecosystem: (spillovers: "yes"),"#,
            "Expected boolean",
            "field `ecosystem.spillovers`: expected `true` or `false`, found the string `\"yes\"`",
        ),
        (
            "seed: -1,",
            "Integer is out of bounds",
            "field `seed`: expected a whole number (0 – 2⁶⁴−1), found the number `-1`",
        ),
        (
            r#"settings: (install_delay_days: "30"),"#,
            "Expected float",
            "expected a number in [0, 36525], found the string `\"30\"` (without quotes: `30`)",
        ),
        (
            r#"correlations: [("a", "b", 0.5)],"#,
            "Expected identifier",
            "field `correlations[0]`: expected its fields by name, `(a: …, b: …, rho: …)`, found the string `\"a\"`",
        ),
        (
            r#"policies: [(name: "p", date: "2026-01-01", action: Subsidy)],"#,
            "Expected opening `(`",
            "`Subsidy` takes parameters, named in parentheses: `Subsidy(projects: …)`",
        ),
        (
            r#"grid: (curtailment_order: ["Datacenter", "Fab"]),"#,
            "Expected identifier",
            "expected one of `Household`, `Industry`, `Fab`, `Datacenter`, found the string `\"Datacenter\"` (without quotes: `Datacenter`)",
        ),
    ];
    for (rest, old, new) in cases {
        let e = error(&scenario("2025-01-01", rest));
        assert!(e.contains("audit.ron:4:") && e.contains(new), "{rest}: {e}");
        assert!(!e.contains(old), "{rest}: {e}");
    }
}

/// A fraction written for a whole-number field: ron stops at the `.` and
/// wants a comma; the message names the field and the number instead.
#[test]
fn a_fraction_in_a_whole_number_field_names_the_field() {
    let e = error(&scenario("2025-01-01", "seed: 1.5,"));
    assert!(e.contains("audit.ron:4:11: field `seed`"), "{e}");
    assert!(e.contains("expected a whole number"), "{e}");
    assert!(e.contains("found the number `1.5`"), "{e}");
    assert!(!e.contains("Expected comma"), "{e}");
    let e = error(
        "Scenario(name: \"x\", start: \"2025-01-01\", horizon_years: 1,\n    \
         regions: [(name: \"home\", demand_avg_mw: 1000)],\n    \
         labs: [(name: \"lab\", chip_priority: 2.5)],\n)",
    );
    assert!(e.contains("audit.ron:3:41: field `labs[0].chip_priority`"), "{e}");
    assert!(e.contains("found the number `2.5`"), "{e}");
    assert!(e.contains("`2` or `3`"), "{e}");
    let e = error(&scenario(
        "2025-01-01",
        "designs: [(name: \"d\", die_area_mm2: 600, peak_flop_s: 1e15, power_w: 700,\n      hbm_stacks: 6.5, node: \"7nm\", unit_price_usd: 2e4)],",
    ));
    assert!(e.contains("audit.ron:5:19: field `designs[0].hbm_stacks`"), "{e}");
    assert!(e.contains("expected a whole number"), "{e}");
    assert!(e.contains("found the number `6.5`"), "{e}");
    // An exponent, too (`1e3` is a number RON reads as a float).
    let e = error(
        "Scenario(name: \"x\", start: \"2025-01-01\", horizon_years: 1,\n    \
         regions: [(name: \"home\", demand_avg_mw: 1000)],\n    \
         labs: [(name: \"lab\", chip_priority: 1e3)],\n)",
    );
    assert!(
        e.contains("field `labs[0].chip_priority`") && e.contains("`1e3`"),
        "{e}"
    );
    // The hint names what to write: no exponent for `2e8`, no fraction for
    // `200000000.0` (it said "without an exponent"), and for a number past
    // the field's range, the range (it suggested writing 10³⁰ out, which is
    // refused again: s17 audit #7).
    let max_events = |v: &str| error(&scenario("2025-01-01", &format!("settings: (max_events: {v}),")));
    let e = max_events("2e8");
    assert!(
        e.contains("field `settings.max_events`") && e.contains("without an exponent, `200000000`"),
        "{e}"
    );
    let e = max_events("200000000.0");
    assert!(e.contains("without a fraction, `200000000`"), "{e}");
    assert!(!e.contains("exponent"), "{e}");
    let e = max_events("1e30");
    assert!(
        e.contains(
            "`1e30` is outside the field's range; it takes whole numbers from 0 to 18446744073709551615"
        ),
        "{e}"
    );
    assert!(!e.contains("1000000000000000000000000000000"), "{e}");
    let e = error(&scenario("2025-01-01", "settings: (sample_every_months: 1e10),"));
    assert!(e.contains("from 1 to 12"), "{e}");
}

/// Errors a domain finds name the field as written, in its unit, where it
/// is written (an audit found `peak_flop_s_bf16`, `cycle_time` in seconds,
/// `production_step` without a line, `curtailment_order` without a path).
#[test]
fn a_domain_refusal_names_the_written_field_in_its_unit() {
    let design = |f: &str| {
        scenario(
            "2025-01-01",
            &format!(
                "designs: [(name: \"d\", die_area_mm2: 600, peak_flop_s: 1e15, power_w: 700, hbm_stacks: 6,\n      node: \"7nm\", unit_price_usd: 2e4, {f})],"
            ),
        )
    };
    let e = error(&design("fp8_flop_s: 2e18"));
    assert!(e.contains("audit.ron:5:41: field `designs.d.fp8_flop_s`"), "{e}");
    assert!(e.contains("`fp8_flop_s` must be"), "{e}");
    let e = error(&scenario(
        "2025-01-01",
        "designs: [(name: \"d\", die_area_mm2: 600, peak_flop_s: 2e18, power_w: 700, hbm_stacks: 65, node: \"7nm\", unit_price_usd: 2e4)],",
    ));
    assert!(
        e.contains("field `designs.d.peak_flop_s`") && !e.contains("bf16"),
        "{e}"
    );
    let fab = |f: &str| {
        scenario(
            "2025-01-01",
            &format!(
                "designs: [(name: \"d\", die_area_mm2: 600, peak_flop_s: 1e15, power_w: 700, hbm_stacks: 6, node: \"7nm\", unit_price_usd: 2e4)],\n    \
                 fabs: [(name: \"f\", region: \"home\", node: \"7nm\", capacity_wafers_per_month: 100, yield_initial: 0.3,\n      yield_ceiling: 0.6, yield_learning_wafers: 1e5, power_mw: 10,\n      products: [(design: \"d\", share: 1)], {f})],"
            ),
        )
    };
    let e = error(&fab("cycle_time_weeks: 0.1"));
    assert!(
        e.contains("audit.ron:7:44: field `fabs.f.cycle_time_weeks`"),
        "{e}"
    );
    assert!(e.contains("got 0.1 weeks"), "{e}");
    let e = error(&fab("ramp_months: 241"));
    assert!(
        e.contains("field `fabs.f.ramp_months`") && e.contains("got 241 months"),
        "{e}"
    );
    let e = error(&scenario("2025-01-01", "chips: (production_step_days: 0.01),"));
    assert!(
        e.contains("audit.ron:4:13: field `chips.production_step_days`"),
        "{e}"
    );
    assert!(e.contains("got 0.01 days"), "{e}");
    let e = error(&scenario(
        "2025-01-01",
        "policies: [(name: \"p\", date: \"2025-02-01\", action: ExportControl(item: Hbm, control: LicenceDelayDays(5000)))],",
    ));
    assert!(e.contains("field `policies.p.action.control`"), "{e}");
    assert!(e.contains("at most 10 years, got 5000 days"), "{e}");
    let e = error(&scenario(
        "2025-01-01",
        "ecosystem: (inference_max_share_of_chips: 1),",
    ));
    assert!(
        e.contains("audit.ron:4:17: field `ecosystem.inference_max_share_of_chips`"),
        "{e}"
    );
    assert!(!e.contains("`max_share_of_chips`"), "{e}");
    let e = error(&scenario("2025-01-01", "grid: (curtailment_order: [Household]),"));
    assert!(
        e.contains("audit.ron:4:12: field `grid.curtailment_order`"),
        "{e}"
    );
    let e = error(&scenario("2025-01-01", "settings: (max_events: 0),"));
    assert!(e.contains("audit.ron:4:16: field `settings.max_events`"), "{e}");
}

/// What a batch refuses about correlations, `validate` refuses at load,
/// at the entry at fault: a self-pair, a pair declared twice (once the
/// second silently replaced the first), an inconsistent set.
#[test]
fn a_correlation_a_batch_cannot_draw_is_refused_at_its_entry() {
    let with = |correlations: &str| {
        scenario(
            "2025-01-01",
            &format!(
                "uncertain: {{\n      \"labs.lab.mfu\": Uniform(low: 0.3, high: 0.4),\n      \
                 \"labs.lab.open_share\": Uniform(low: 0.2, high: 0.8),\n      \
                 \"regions.home.demand_avg_mw\": Uniform(low: 900, high: 1100),\n    }},\n    \
                 correlations: [\n{correlations}\n    ],"
            ),
        )
    };
    let e = error(&with(
        "      (a: \"labs.lab.mfu\", b: \"labs.lab.open_share\", rho: 0.5),\n      \
         (a: \"labs.lab.mfu\", b: \"labs.lab.mfu\", rho: 0.5),",
    ));
    assert!(e.contains("audit.ron:11:8: field `correlations[1].a`"), "{e}");
    assert!(e.contains("correlated with itself"), "{e}");
    // The same pair again, reversed, even with the same value.
    let e = error(&with(
        "      (a: \"labs.lab.mfu\", b: \"labs.lab.open_share\", rho: 0.5),\n      \
         (a: \"labs.lab.open_share\", b: \"labs.lab.mfu\", rho: 0.5),",
    ));
    assert!(e.contains("audit.ron:11:8: field `correlations[1].a`"), "{e}");
    assert!(e.contains("declared twice"), "{e}");
    let e = error(&with(
        "      (a: \"labs.lab.mfu\", b: \"labs.lab.open_share\", rho: 0.5),\n      \
         (a: \"labs.lab.mfu\", b: \"regions.home.demand_avg_mw\", rho: 0.5),\n      \
         (a: \"labs.lab.open_share\", b: \"regions.home.demand_avg_mw\", rho: -0.9),",
    ));
    assert!(e.contains("audit.ron:12:8: field `correlations[2].a`"), "{e}");
    assert!(
        e.contains("labs.lab.mfu, labs.lab.open_share, regions.home.demand_avg_mw")
            && e.contains("positive definite"),
        "{e}"
    );
    // A consistent set loads.
    Scenario::from_text(
        &name(),
        &with(
            "      (a: \"labs.lab.mfu\", b: \"labs.lab.open_share\", rho: 0.9),\n      \
             (a: \"labs.lab.mfu\", b: \"regions.home.demand_avg_mw\", rho: 0.9),\n      \
             (a: \"labs.lab.open_share\", b: \"regions.home.demand_avg_mw\", rho: 0.7),",
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
}

/// A variant whose `remove` leaves an entry of its base naming the removed
/// entity: the error is in the base, and says which variant removed it.
#[test]
fn a_variant_that_breaks_its_base_is_named() {
    let dir = Scratch::new("stack-variant-breaks");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("base.ron"),
        "Scenario(name: \"b\", start: \"2025-01-01\", horizon_years: 1,\n    \
         regions: [(name: \"home\", demand_avg_mw: 1000)],\n    \
         designs: [(name: \"acc\", die_area_mm2: 600, peak_flop_s: 1e15, power_w: 700, hbm_stacks: 6, node: \"7nm\", unit_price_usd: 2e4)],\n    \
         labs: [(name: \"lab\", fleet: [(design: \"acc\", count: 10)])],\n)",
    )
    .unwrap();
    let variant = dir.join("v.ron");
    std::fs::write(
        &variant,
        "Variant(base: \"base.ron\", name: \"v\",\n  remove: [\"designs.acc\"],\n)",
    )
    .unwrap();
    let e = Scenario::load(&variant).unwrap_err().to_string();
    assert!(e.contains("base.ron:4:"), "{e}");
    assert!(
        e.contains("was removed by the variant") && e.contains("v.ron:2:12") && e.contains("designs.acc"),
        "{e}"
    );
}

/// A run too large for the default `settings.max_events` (not written, so
/// it has no place in the file) is refused at the written field that makes
/// it large, with its line and column, and says the limit is the default;
/// a written limit is still named where it is written.
#[test]
fn too_many_events_points_at_the_field_that_makes_the_run_large() {
    let e = error(&scenario(
        "2025-01-01",
        "grid: (dispatch_interval_hours: 0.00001),",
    ));
    assert!(
        e.contains("audit.ron:4:12: field `grid.dispatch_interval_hours`"),
        "{e}"
    );
    assert!(
        e.contains("more than settings.max_events = 200000000 (the default)"),
        "{e}"
    );
    assert!(
        e.contains("grid dispatch steps of 0.00001 hours over 1 years"),
        "{e}"
    );
    let e = error(&scenario(
        "2025-01-01",
        "chips: (production_step_days: 0.000001),",
    ));
    assert!(
        e.contains("audit.ron:4:13: field `chips.production_step_days`"),
        "{e}"
    );
    let e = error(&scenario(
        "2025-01-01",
        "grid: (dispatch_interval_hours: 0.00001), settings: (max_events: 5),",
    ));
    assert!(e.contains("field `settings.max_events`"), "{e}");
    assert!(
        e.contains("more than settings.max_events = 5") && !e.contains("(the default)"),
        "{e}"
    );
}

/// A limit a variant sets (`"settings.max_events"` in its `set`) is written
/// too: the refusal names it there, not the base file's `horizon_years`,
/// and does not call it the default (s21 D4).
#[test]
fn too_many_events_names_a_limit_a_variant_sets() {
    let text = format!("{VARIANT}\n  name: \"v\",\n  set: {{ \"settings.max_events\": 17000 }},\n)");
    let e = error(&text);
    assert!(e.contains("audit.ron:3:10: field `settings.max_events`"), "{e}");
    assert!(
        e.contains("more than settings.max_events = 17000") && !e.contains("(the default)"),
        "{e}"
    );
    // The same for the step a variant sets.
    let text =
        format!("{VARIANT}\n  name: \"v\",\n  set: {{ \"grid.dispatch_interval_hours\": 0.00001 }},\n)");
    let e = error(&text);
    assert!(
        e.contains("audit.ron:3:10: field `grid.dispatch_interval_hours`"),
        "{e}"
    );
}

/// A run that passes the load-time estimate and then runs away (a thousand
/// tools failing a thousand times a year, drawn from the national inventory:
/// the estimate counts only the tools a fab opens with) stops
/// at `settings.max_events` with the date and each domain's events, so the
/// runaway process can be found (audit s15-fab: the message named neither
/// the field nor the domain, and gave the time in seconds).
#[test]
fn a_runaway_run_names_the_budget_the_date_and_each_domains_events() {
    let text = r#"Scenario(name: "runaway", start: "2025-01-01", horizon_years: 1,
    regions: [ (name: "home", demand_avg_mw: 1000) ],
    plants: [ (name: "home-gas", region: "home", technology: Gas, installed_mw: 1600) ],
    chips: (tools: (inventory_at_start: 1000, failures_per_tool_year: 1000)),
    designs: [ (name: "a", die_area_mm2: 670, peak_flop_s: 780e12, power_w: 1000, hbm_stacks: 8, node: "7nm", unit_price_usd: 20000) ],
    fabs: [ (name: "f", region: "home", node: "7nm", capacity_wafers_per_month: 10000, ramp_months: 0,
             yield_initial: 0.3, yield_ceiling: 0.6, yield_learning_wafers: 300000, power_mw: 25,
             products: [(design: "a", share: 1)], tools_per_kwpm: 100, tools_at_opening: 0) ],
    labs: [ (name: "lab", sites: [(region: "home", connected_mw: 10)]) ],
    settings: (max_events: 100000),
)"#;
    let s = stack::Scenario::from_text(std::path::Path::new("runaway.ron"), text)
        .unwrap_or_else(|e| panic!("{e}"));
    let e = stack::run(&s, &stack::RunOptions::default())
        .expect_err("the budget runs out")
        .to_string();
    assert!(
        e.contains("`settings.max_events` = 100000, on 2025-")
            && e.contains("events so far: grid ")
            && e.contains("settings: (max_events: N)"),
        "{e}"
    );
    // The supply chain made most of them.
    let count = |domain: &str| -> u64 {
        let at = e.find(&format!("{domain} ")).unwrap() + domain.len() + 1;
        e[at..]
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    assert!(count("supply chain") > count("grid"), "{e}");
}

/// A field named earlier in a block comment or inside a string is not the
/// field: an error located by the field's key (here a run too large for
/// its event limit) points at where the field is written.
#[test]
fn a_field_named_in_a_comment_or_a_string_is_not_the_field() {
    let rest = "/* draft: settings: (max_events: 5), */ description: \"max_events: 6\",\n    settings: (max_events: 10),";
    let e = error(&scenario("2025-01-01", rest));
    assert!(e.contains("audit.ron:5:16: field `settings.max_events`"), "{e}");
}

/// Small texts a modeler review found awkward (review s26-modeler, F11):
/// ron's "Unexpected duplicate field named `horizon_years` in `Scenario`"
/// and "Unexpected missing field …" without the `field `…`:` prefix of
/// every other error; no hint for `Some(5)`; "`to` a link must join two
/// different regions"; a design control "refers to unknown accelerator
/// import" where an `imports` entry is what is missing.
#[test]
fn small_texts_name_the_field_and_say_what_to_write() {
    let e = error(
        "Scenario(name: \"x\", start: \"2025-01-01\", horizon_years: 1, horizon_years: 2,\n    regions: [(name: \"home\", demand_avg_mw: 1000)], labs: [(name: \"lab\", sites: [(region: \"home\")])],\n)",
    );
    assert!(
        e.contains("audit.ron:1:") && e.contains("field `horizon_years`: written twice; keep one of the two"),
        "{e}"
    );
    assert!(!e.contains("Unexpected"), "{e}");
    let e = error(
        "Scenario(name: \"x\", start: \"2025-01-01\",\n    regions: [(name: \"home\", demand_avg_mw: 1000)], labs: [(name: \"lab\", sites: [(region: \"home\")])],\n)",
    );
    assert!(
        e.contains("audit.ron:3:1: field `horizon_years`: missing; it has no default, so it must be written")
            && e.contains("hint: write `horizon_years: …`, which holds a number in (0, 100]"),
        "{e}"
    );
    // A missing field of an entity is named with its path.
    let e = error(&scenario(
        "2025-01-01",
        "plants: [(region: \"home\", technology: Gas, installed_mw: 100)],",
    ));
    assert!(e.contains("field `plants[0].name`: missing;"), "{e}");
    let e = error(&scenario("2025-01-01", "").replace(
        "demand_avg_mw: 1000)",
        "demand_avg_mw: 1000, storage_mw: Some(5), storage_mwh: 10)",
    ));
    assert!(
        e.contains("field `regions[0].storage_mw`: expected a number in [0, 10000000], found `Some`")
            && e.contains("hint: an optional field takes the value itself: write `5`, not `Some(5)`"),
        "{e}"
    );
    let e = error(&two_regions(
        r#"links: [(name: "h-h", from: "home", to: "home", capacity_mw: 100)],"#,
    ));
    assert!(
        e.contains("field `links.h-h.to`")
            && e.contains("`to` is the same region as `from`, `home`: a link joins two different regions"),
        "{e}"
    );
    let e = error(&scenario(
        "2025-01-01",
        r#"designs: [(name: "npu", die_area_mm2: 600, peak_flop_s: 3e14, power_w: 400, hbm_stacks: 4, node: "7nm", unit_price_usd: 10000)],
    policies: [(name: "ban", date: "2025-06-01", action: ExportControl(item: Design("npu"), control: Ban))],"#,
    ));
    assert!(
        e.contains("field `policies.ban.action.item`")
            && e.contains(
                "controls design \"npu\", which no accelerator import brings in: an export control on a \
                 design acts on its imports, so it needs an `imports` entry for \"npu\""
            ),
        "{e}"
    );
    assert!(!e.contains("unknown accelerator import"), "{e}");
}

/// `validate` and the run summary say "1 year", not "1 years" (review
/// s26-modeler, F11).
#[test]
fn one_year_is_singular() {
    let one = Scenario::from_text(&name(), &scenario("2025-01-01", "")).unwrap();
    assert_eq!(stack::report::horizon_text(&one.data), "1 year from 2025-01-01");
    let two = scenario("2025-01-01", "").replace("horizon_years: 1,", "horizon_years: 2.5,");
    let two = Scenario::from_text(&name(), &two).unwrap();
    assert_eq!(
        stack::report::horizon_text(&two.data),
        "2.5 years from 2025-01-01"
    );
}

/// Regions `home` and `away`, and lab `lab` with the sites `sites`.
fn with_sites(sites: &str, rest: &str) -> String {
    format!(
        "Scenario(name: \"x\", start: \"2025-01-01\", horizon_years: 1,\n    regions: [(name: \"home\", demand_avg_mw: 1000), (name: \"away\", demand_avg_mw: 1000)],\n    labs: [(name: \"lab\", sites: [{sites}])],\n    {rest}\n)"
    )
}

/// An optional field takes the value itself: `Some(0.2)`, which ron read
/// as well, is refused at its line and column, naming the field, as
/// docs/scenarios.md says (audit s30: `capacity_factor: Some(0.2)` was
/// accepted while `storage_mw: Some(5)` was refused).
#[test]
fn an_optional_value_written_in_some_is_refused_where_written() {
    let t = with_sites(
        r#"(region: "home")"#,
        r#"plants: [(name: "p", region: "home", technology: Solar, installed_mw: 100, capacity_factor: Some(0.2))],"#,
    );
    let e = error(&t);
    let col = t.lines().nth(3).unwrap().find("Some(").unwrap() + 1;
    assert!(
        e.contains(&format!(
            "audit.ron:4:{col}: field `plants[0].capacity_factor`: an optional field takes the value \
             itself: write `0.2`, not `Some(0.2)`"
        )),
        "{e}"
    );
    // The plain value loads; `Some` in a string or a comment is no `Some(…)`.
    let plain = t.replace("Some(0.2)", "0.2 /* not Some(0.2) */");
    if let Err(e) = Scenario::from_text(&name(), &plain) {
        panic!("{e}");
    }
}

/// A path point's value written as a string gets the loader's words, at
/// the string (audit s30: it gave ron's "Expected float").
#[test]
fn a_path_points_value_in_quotes_says_write_it_without() {
    for (growth, path) in [
        (
            r#"[("2025-01-01", "0.05")]"#,
            "regions[0].demand_growth_per_year[0]",
        ),
        (
            r#"(step: [("2025-01-01", 0.01), ("2026-01-01", "0.05")])"#,
            "regions[0].demand_growth_per_year.step[1]",
        ),
    ] {
        let t = with_sites(r#"(region: "home")"#, "").replace(
            "(name: \"home\", demand_avg_mw: 1000)",
            &format!("(name: \"home\", demand_avg_mw: 1000, demand_growth_per_year: {growth})"),
        );
        let e = error(&t);
        let col = t.lines().nth(1).unwrap().find("\"0.05\"").unwrap() + 1;
        assert!(
            e.contains(&format!(
                "audit.ron:2:{col}: field `{path}`: expected a number as the value of a path point \
                 `(\"YYYY-MM-DD\", value)`, found the string `\"0.05\"` (without quotes: `0.05`)"
            )),
            "{growth}: {e}"
        );
        assert!(!e.contains("Expected float"), "{e}");
    }
}

/// A lab that lists one region in two of its sites is refused at the
/// second, the duplicate (audit s30: it was named and located at the first).
#[test]
fn a_labs_region_listed_twice_is_refused_at_the_second_site() {
    let t = with_sites(
        "(region: \"home\"), (region: \"away\"),\n        (region: \"home\")",
        "",
    );
    let e = error(&t);
    let col = t.lines().nth(3).unwrap().find("region").unwrap() + 1;
    assert!(
        e.contains(&format!("audit.ron:4:{col}: field `labs.lab.sites[2].region`:"))
            && e.contains("appears twice in the lab's sites"),
        "{e}"
    );
}

/// Tools that fail often count in the load-time estimate of a run's events
/// (two a failure, with its repair): a million tools failing 150 times a
/// year each are refused at the written rate, with the count, at
/// once, instead of running for a minute into the event budget (found by
/// `limits.rs`'s random combinations); ten times fewer tools load.
#[test]
fn tool_failures_count_in_the_event_estimate() {
    let with_tools = |tools: u32| {
        scenario(
            "2025-01-01",
            &format!(
                "chips: (tools: (failures_per_tool_year: 150)),\n    designs: [(name: \"d\", die_area_mm2: 600, \
                 peak_flop_s: 1e15, power_w: 700, hbm_stacks: 6, node: \"7nm\", unit_price_usd: 2e4)],\n    \
                 fabs: [(name: \"f\", region: \"home\", node: \"7nm\", capacity_wafers_per_month: 1000, \
                 tools_at_opening: {tools}, yield_initial: 0.5, yield_ceiling: 0.9, yield_learning_wafers: 1e5, power_mw: 10, cycle_time_weeks: 12, products: [(design: \"d\", share: 1)])],"
            ),
        )
    };
    let e = error(&with_tools(1_000_000));
    assert!(
        e.contains("audit.ron:4:21: field `chips.tools.failures_per_tool_year`"),
        "{e}"
    );
    // 10⁶ tools × 150 a year × 2 events over the 365 days of 2025.
    assert!(e.contains("and 299794661 tool failures and repairs"), "{e}");
    assert!(e.contains("fewer tool failures a year"), "{e}");
    assert!(Scenario::from_text(&name(), &with_tools(100_000)).is_ok());
}

/// A domain that fails during a run says on which simulated date, before
/// what failed (the domains count time in seconds from the start, which
/// told a modeler nothing: "the check at t=252460800s"). Here an adequacy
/// check on 1 January 2027 would start more projects than a run may hold.
#[test]
fn a_failure_during_a_run_names_its_date() {
    let text = scenario(
        "2025-01-01",
        "plants: [(name: \"home-gas\", region: \"home\", technology: Gas, installed_mw: 1000)],\n    \
         adequacy: [(name: \"plan\", technology: Solar, unit_mw: 0.001, first_check: \"2027-01-01\",\n      \
         lead_time_years: Const(value: 1))],",
    )
    .replace("horizon_years: 1", "horizon_years: 3");
    let s = Scenario::from_text(&name(), &text).unwrap_or_else(|e| panic!("{e}"));
    let e = stack::run(&s, &stack::RunOptions::default())
        .expect_err("the check stops the run")
        .to_string();
    assert!(
        e.starts_with("on 2027-01-01 00:00:00, energy grid: adequacy `plan` in `home`"),
        "{e}"
    );
}

/// A name that does not exist, written in an entry of a lab's sites or
/// fleet or a fab's products, is located at that entry's field, not at the
/// list (audit s30: `labs.lab.sites` at `sites:`, 30 columns before the
/// name; a long fleet left the reader to find the entry).
#[test]
fn an_unknown_name_in_a_list_entry_is_located_at_the_entry() {
    let designs = r#"designs: [(name: "h100", die_area_mm2: 814, peak_flop_s: 989e12, power_w: 700, hbm_stacks: 5, node: "4nm", unit_price_usd: 25000)],"#;
    let at = |t: &str, line: usize, needle: &str| {
        let col = t.lines().nth(line - 1).unwrap().find(needle).unwrap() + 1;
        format!("audit.ron:{line}:{col}:")
    };
    // The second site names a region that does not exist.
    let t = with_sites(r#"(region: "home"), (region: "hom")"#, designs);
    let e = error(&t);
    let want = at(&t, 3, r#"region: "hom""#);
    assert!(
        e.contains(&format!(
            "{want} field `labs.lab.sites[1].region`: region `hom` does not exist"
        )),
        "want {want}: {e}"
    );
    // The second fleet entry names a design that does not exist.
    let t = with_sites(r#"(region: "home")"#, designs).replace(
        r#"sites: [(region: "home")]"#,
        r#"sites: [(region: "home")], fleet: [(design: "h100", count: 10), (design: "h10", count: 5)]"#,
    );
    let e = error(&t);
    let want = at(&t, 3, r#"design: "h10""#);
    assert!(
        e.contains(&format!(
            "{want} field `labs.lab.fleet[1].design`: design `h10` does not exist"
        )),
        "want {want}: {e}"
    );
    // A fab's second product.
    let t = scenario(
        "2025-01-01",
        &format!(
            "{designs}\n    fabs: [(name: \"fab-1\", region: \"home\", node: \"4nm\", capacity_wafers_per_month: 1000,\n        yield_initial: 0.5, yield_ceiling: 0.9, yield_learning_wafers: 1000, power_mw: 10,\n        products: [(design: \"h100\", share: 0.5), (design: \"h1000\", share: 0.5)])],"
        ),
    );
    let e = error(&t);
    let want = at(&t, 7, r#"design: "h1000""#);
    assert!(
        e.contains(&format!(
            "{want} field `fabs.fab-1.products[1].design`: design `h1000` does not exist"
        )),
        "want {want}: {e}"
    );
}
