//! A parameter path picks an entry of a list of unnamed entries by the
//! region or design it names: a lab's `sites` by region, its `fleet` (and
//! an other buyer's, and a fab's `products`) by design. So a lab's
//! datacenter connection, PUE or initial accelerators can be uncertain in a
//! batch or set by a variant, as any named entity's field can (they could
//! not: "a list whose entries have no names").

use stack::Scenario;
use stack::run::{RunOptions, run};
use std::path::Path;

fn scenario(fleet: &str, rest: &str) -> String {
    format!(
        r#"Scenario(name: "keyed", start: "2025-01-01", horizon_years: 1,
    regions: [(name: "home", demand_avg_mw: 1000), (name: "away", demand_avg_mw: 500)],
    plants: [(name: "home-gas", region: "home", technology: Gas, installed_mw: 1600),
             (name: "away-gas", region: "away", technology: Gas, installed_mw: 900)],
    designs: [(name: "h100", die_area_mm2: 814, peak_flop_s: 989e12, power_w: 700, hbm_stacks: 5,
               node: "4nm", unit_price_usd: 25000)],
    labs: [(name: "lab", sites: [(region: "home", connected_mw: 10), (region: "away", connected_mw: 5)],
            fleet: [{fleet}])],
    {rest}
)"#
    )
}

fn load(text: &str) -> Result<Scenario, String> {
    let name = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/keyed.ron");
    Scenario::from_text(&name, text).map_err(|e| e.to_string())
}

const FLEET: &str = r#"(design: "h100", count: 2000)"#;

#[test]
fn a_site_and_a_fleet_entry_are_drawn_by_region_and_design() {
    let s = load(&scenario(
        FLEET,
        r#"uncertain: {
        "labs.lab.sites.away.connected_mw": Uniform(low: 5, high: 50),
        "labs.lab.sites.home.pue": Uniform(low: 1.1, high: 1.5),
        "labs.lab.fleet.h100.count": Discrete(values: [1000, 3000], weights: [1, 1]),
    },"#,
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let paths: Vec<String> = s.parameters().into_iter().map(|p| p.path).collect();
    let at = |p: &str| paths.iter().position(|x| x == p).expect(p);
    let mut values = vec![0.0; paths.len()];
    values[at("labs.lab.sites.away.connected_mw")] = 42.0;
    values[at("labs.lab.sites.home.pue")] = 1.3;
    values[at("labs.lab.fleet.h100.count")] = 3000.0;
    // The values land in the entries the paths name, and nowhere else.
    let d = s.with_values(&values).expect("values apply");
    let lab = &d.labs[0];
    let sites = lab.sites.as_ref().expect("sites");
    assert_eq!(sites[1].connected_mw.get(), 42.0);
    assert_eq!(sites[0].connected_mw.get(), 10.0);
    assert_eq!(sites[0].pue.get(), 1.3);
    assert_eq!(lab.fleet[0].count.get(), 3000.0);
    // And a run uses them: the lab starts with the drawn accelerators.
    let out = run(
        &s,
        &RunOptions {
            param_values: Some(values),
            ..RunOptions::default()
        },
    )
    .expect("runs");
    assert_eq!(
        out.sample("2025-01-01", "training.accelerators_installed", "lab"),
        Some(3000.0)
    );
}

/// Loads the variant `set` of a base of `scenario(FLEET, base_rest)`.
fn variant(base_rest: &str, set: &str) -> Result<Scenario, String> {
    let dir = std::env::temp_dir().join(format!("aistack-keyed-{}-{}", std::process::id(), set.len()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("base.ron"), scenario(FLEET, base_rest)).unwrap();
    let text = format!(r#"Variant(base: "base.ron", name: "v", set: {{ {set} }})"#);
    std::fs::write(dir.join("v.ron"), text).unwrap();
    let s = Scenario::load(&dir.join("v.ron")).map_err(|e| e.to_string());
    std::fs::remove_dir_all(&dir).unwrap();
    s
}

#[test]
fn a_variant_sets_a_site_field_by_its_region() {
    let s = variant("", r#""labs.lab.sites.away.connected_mw": 30"#).unwrap_or_else(|e| panic!("{e}"));
    let sites = s.data.labs[0].sites.as_ref().expect("sites");
    assert_eq!(
        (sites[0].connected_mw.get(), sites[1].connected_mw.get()),
        (10.0, 30.0)
    );
}

#[test]
fn an_entry_a_path_cannot_pick_is_refused_with_what_it_could_pick() {
    let with = |fleet: &str, path: &str| {
        load(&scenario(
            fleet,
            &format!("uncertain: {{ \"{path}\": Discrete(values: [1, 2], weights: [1, 1]) }},"),
        ))
        .expect_err("refused")
    };
    // Two batches of one design (different install dates): no one entry.
    let two = r#"(design: "h100", count: 2000), (design: "h100", count: 500, installed: "2024-06-01")"#;
    let e = with(two, "labs.lab.fleet.h100.count");
    assert!(
        e.contains("`labs.lab.fleet` has 2 entries for design `h100`, so a path cannot pick one of them"),
        "{e}"
    );
    // A design it does not hold lists those it does.
    let e = with(FLEET, "labs.lab.fleet.b200.count");
    assert!(
        e.contains("no entry for design `b200` in `labs.lab.fleet`; its entries: h100"),
        "{e}"
    );
    // A misspelt region is named, with the nearest.
    let e = with(FLEET, "labs.lab.sites.hme.connected_mw");
    assert!(
        e.contains("no entry for region `hme` in `labs.lab.sites` (did you mean `home`?)"),
        "{e}"
    );
    // A list whose entries name neither a region nor a design stays
    // unpicked; a variant may set it whole. (The sites said so too.)
    let e = variant("", r#""plants.home-gas.maintenance.months.4": 5"#).expect_err("refused");
    assert!(e.contains("is not written in the scenario"), "{e}");
    let e = variant(
        "",
        r#""plants.home-gas.maintenance": (days: 10, every_months: 12, months: [4]), "plants.home-gas.maintenance.months.4": 5"#,
    )
    .expect_err("refused");
    assert!(
        e.contains("`plants.home-gas.maintenance.months` is a list whose entries have no names")
            && e.contains("set the whole list instead"),
        "{e}"
    );
}
