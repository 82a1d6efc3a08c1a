//! Plausibility warnings: values a scenario may hold, but that look like a
//! unit slip — TFLOP/s written where the field is in FLOP/s, kW where it is
//! in W, GW where it is in MW, per cent where it is a fraction, an exponent
//! where it is a number — or like a horizon lengthened past the world
//! frontier path it measures gaps by, an initial fleet dated a service life
//! before the start (retired there), a region left without any supply, a
//! lab whose one run, uncapped, takes more chips than any cluster has
//! trained one model on, or an export control on imports that are 0 at
//! every date (it changes nothing).
//!
//! The loader refuses what cannot be (a negative capacity, a share above
//! one); it cannot refuse `peak_flop_s: 300`, which is a valid number and
//! runs, only with an accelerator 10¹² times slower than anything made
//! since 2012. A warning names the file, line, column and field as an error
//! does, says what the value would be in the likely unit, and never stops a
//! run: a toy scenario may want such a value on purpose.
//!
//! Each floor sits one or more orders of magnitude below every real value
//! of its field, and each ceiling above the largest on record (sources in
//! docs/calibration/scenarios.md, "Plausibility floors"), so a real
//! scenario never trips one and a slip by 10³ or more nearly always does.

use crate::error::ScenarioError;
use crate::run::Scenario;
use crate::scenario::ScenarioData;
use crate::series::Series;
use scheduler::{Calendar, Dist, SECS_PER_YEAR};

/// Peak throughput below which a design is no datacenter accelerator,
/// FLOP/s: 1 TFLOP/s (NVIDIA's K40 of 2013 already peaked at 4.3 TFLOP/s
/// FP32; an H100 at 989 TFLOP/s dense BF16).
pub const FLOOR_PEAK_FLOP_S: f64 = 1e12;
/// Board power below which a design is no datacenter accelerator, W: 10 W
/// (the lowest-power datacenter inference cards, NVIDIA's T4 and L4, draw
/// 70–72 W; an H100 SXM 700 W).
pub const FLOOR_POWER_W: f64 = 10.0;
/// Unit price below which a design is no datacenter accelerator, USD: 100
/// (an H100 sold for 25,000–40,000 USD; none sells for less than about
/// 1,000, an assumption).
pub const FLOOR_UNIT_PRICE_USD: f64 = 100.0;
/// Power per wafer start a month below which a fab's `power_mw` looks
/// written in GW, kW per (wafer a month): 0.1 (TSMC, all fabs, about
/// 2 kW in 2023).
pub const FLOOR_FAB_KW_PER_WPM: f64 = 0.1;
/// A lab's target run below which the number looks like an exponent or a
/// unit slip, FLOP: 10¹⁸ (GPT-2 took about 1.5·10²¹ in 2019; DeepSeek-V3
/// about 3.3·10²⁴ in 2024).
pub const FLOOR_TARGET_RUN_FLOP: f64 = 1e18;
/// Accelerators above which one synchronous run of a lab without
/// `max_chips_per_run` is larger than any on record: 100,000 (clusters of
/// 100,000 H100 trained one model in 2024; Colossus, the largest cluster
/// of 2025, holds 200,000 GPUs; Llama 3 405B used 16,384). At the model's
/// default failure rate and checkpoints such a run keeps 0.53 of its time
/// as work, 0.05 at 500,000 chips.
pub const CEILING_CHIPS_ONE_RUN: f64 = 100_000.0;
/// Growth of a region's non-AI demand beyond which, either way, it looks
/// written in per cent, a fraction a year: 0.3 (China's fastest national
/// growth, 15.4 % in 2003; china-2025 6 %, us-2025 2 %).
pub const CEILING_DEMAND_GROWTH: f64 = 0.3;
/// The scenario's installed generation at the start, as a share of its
/// regions' average non-AI demand, below which the capacities look written
/// in GW: 0.1 (China installs 2.9 times its average demand, the US 2.3).
pub const FLOOR_INSTALLED_PER_DEMAND: f64 = 0.1;
/// The scenario's installed generation at the start, as a share of its
/// regions' average non-AI demand and its datacenters' connections, above
/// which the demand looks written in GW: 100 (China installs 2.9 times its
/// average demand, the US 2.3; a small system heavy in solar and wind,
/// South Australia, about 5).
pub const CEILING_INSTALLED_PER_DEMAND: f64 = 100.0;
/// A plant group's installed capacity, as a share of its region's average
/// non-AI demand, below which it looks written in GW: 10⁻³ (the smallest
/// group of the examples, us-2025's central biomass, is 1/72 of its
/// region's).
pub const FLOOR_PLANT_PER_REGION_DEMAND: f64 = 1e-3;

/// A design field's floor: the floor in the field's unit, why no real
/// value lies below it, and the likely slip (its unit and the factor from
/// it to the field's).
struct Rule {
    floor: f64,
    unit: &'static str,
    why: &'static str,
    slip: &'static str,
    factor: f64,
}

const FLOP: Rule = Rule {
    floor: FLOOR_PEAK_FLOP_S,
    unit: "FLOP/s",
    why: "slower than any datacenter accelerator since 2012",
    slip: "TFLOP/s",
    factor: 1e12,
};
const POWER: Rule = Rule {
    floor: FLOOR_POWER_W,
    unit: "W",
    why: "less than any datacenter accelerator draws (70 W and up)",
    slip: "kW",
    factor: 1e3,
};
const PRICE: Rule = Rule {
    floor: FLOOR_UNIT_PRICE_USD,
    unit: "USD",
    why: "cheaper than any datacenter accelerator",
    slip: "thousands of USD",
    factor: 1e3,
};

/// One value to check: where it is (a field path, as errors name them)
/// and what it is.
enum Value<'a> {
    /// Written in the scenario, the same in every run.
    Fixed(f64),
    /// Drawn per run from this distribution (an `uncertain` entry).
    Drawn(&'a Dist),
}

impl Value<'_> {
    /// The value a rule judges: a fixed value itself, a drawn value's
    /// median (a slip moves the whole distribution).
    fn typical(&self) -> f64 {
        match self {
            Value::Fixed(v) => *v,
            Value::Drawn(d) => d.quantile(0.5),
        }
    }
    /// "300" or "its median, 300": how the message names the value.
    fn named(&self, unit: &str) -> String {
        match self {
            Value::Fixed(v) => format!("{} {unit}", show(*v)),
            Value::Drawn(_) => format!("its median, {} {unit},", round(self.typical(), 3)),
        }
    }
}

/// `v` rounded to `digits` significant digits, as [`show`] writes it: for
/// numbers the scenario does not hold as written (a median, a product).
fn round(v: f64, digits: usize) -> String {
    let r: f64 = format!("{:.*e}", digits.saturating_sub(1), v)
        .parse()
        .unwrap_or(v);
    show(r)
}

/// A number as a modeler writes it: `300`, `0.15`, `3e14`.
fn show(v: f64) -> String {
    crate::reference::number(v)
}

impl Scenario {
    /// Plausibility warnings for this scenario (module [`crate::lint`]):
    /// each names the file, line, column and field of a value that looks
    /// like a unit slip, and a hint with the value in the likely unit.
    /// Empty for every example scenario.
    pub fn warnings(&self) -> Vec<ScenarioError> {
        let d = &self.data;
        let file = self.file();
        let mut out = Vec::new();
        // A path drawn per run is judged by its distribution, at its
        // `uncertain` entry; the value written under it is only the
        // nominal one.
        let value = |path: &str, written: f64| match d.uncertain.get(path) {
            Some(dist) => Value::Drawn(dist),
            None => Value::Fixed(written),
        };
        // A drawn value is named at its `uncertain` entry.
        let mut warn = |path: String, v: &Value, message: String, hint: String| {
            let at = match v {
                Value::Drawn(_) => format!("uncertain.{path}"),
                Value::Fixed(_) => path,
            };
            out.push(self.locate(ScenarioError::new(&file, at, message).hint(hint)));
        };
        for x in &d.designs {
            let floors = [
                ("peak_flop_s", Some(x.peak_flop_s.get()), &FLOP),
                ("fp8_flop_s", x.fp8_flop_s.map(|f| f.get()), &FLOP),
                ("power_w", Some(x.power_w.get()), &POWER),
                ("unit_price_usd", Some(x.unit_price_usd.get()), &PRICE),
            ];
            for (field, written, rule) in floors {
                let Some(written) = written else { continue };
                let path = format!("designs.{}.{field}", x.name);
                let v = value(&path, written);
                if v.typical() < rule.floor {
                    let message = format!(
                        "{} is below {} {}, {}",
                        v.named(rule.unit),
                        show(rule.floor),
                        rule.unit,
                        rule.why
                    );
                    let hint = format!(
                        "the field is in {}; if {} is in {}, write {}",
                        rule.unit,
                        round(v.typical(), 6),
                        rule.slip,
                        round(v.typical() * rule.factor, 6)
                    );
                    warn(path, &v, message, hint);
                }
            }
        }
        for f in &d.fabs {
            let path = format!("fabs.{}.power_mw", f.name);
            let v = value(&path, f.power_mw.get());
            // The written capacity, drawn or not: a run's power scales with
            // its drawn capacity, so the MW per wafer start are the written
            // power's at the written capacity (docs/scenarios.md, Fab).
            let (mw, wpm) = (v.typical(), f.capacity_wafers_per_month.get());
            let kw_per_wpm = mw * 1e3 / wpm;
            if mw > 0.0 && wpm > 0.0 && kw_per_wpm < FLOOR_FAB_KW_PER_WPM {
                let message = format!(
                    "{} for {} wafers a month at full starts is {} kW a wafer start a month, below \
                     {} kW (TSMC's fabs drew about 2 in 2023)",
                    v.named("MW"),
                    round(wpm, 3),
                    round(kw_per_wpm, 3),
                    show(FLOOR_FAB_KW_PER_WPM)
                );
                let hint = format!(
                    "the field is in MW; if {} is in GW, write {}",
                    round(mw, 6),
                    round(mw * 1e3, 6)
                );
                warn(path, &v, message, hint);
            }
        }
        // Fabs or die banks whose dies can never become chips: packaging
        // is 0 (its default) at every date. The supply chain then writes
        // off the orders only they could fill
        // (docs/model/fab-supply-chain.md).
        let packaging = "chips.packaging_units_per_month";
        let counted = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
        // "2 fabs", "1 die bank", "2 fabs and 1 die bank".
        let has = |fabs: usize, banks: usize| match (fabs, banks) {
            (0, b) => counted(b, "die bank"),
            (f, 0) => counted(f, "fab"),
            (f, b) => format!("{} and {}", counted(f, "fab"), counted(b, "die bank")),
        };
        if (!d.fabs.is_empty() || !d.die_banks.is_empty())
            && d.chips.packaging_units_per_month.max() <= 0.0
            && !d.uncertain.contains_key(packaging)
        {
            let has = has(d.fabs.len(), d.die_banks.len());
            warn(
                packaging.to_string(),
                &Value::Fixed(0.0),
                format!(
                    "0 at every date (the default), yet the scenario has {has}: no die of \
                     theirs can be packaged into a chip, so only imports deliver and orders only \
                     they could fill are written off"
                ),
                format!(
                    "the field is in units a month (china-2025.ron: 55000); leave it 0 only for {} \
                     that are meant to deliver nothing",
                    if d.fabs.is_empty() { "die banks" } else { "fabs" }
                ),
            );
        }
        // Fabs or die banks of designs that need HBM, with no HBM at any
        // date: no stockpile, and domestic stacks and imports 0 (their
        // defaults) at every date. Their dies never become chips, and the
        // orders only they could fill are written off (audit s19-chips,
        // finding 5).
        let needs_hbm = |design: &str| d.designs.iter().any(|x| x.name == design && x.hbm_stacks > 0);
        let fabs = d
            .fabs
            .iter()
            .filter(|f| f.products.iter().any(|p| needs_hbm(&p.design)))
            .count();
        let banks = d.die_banks.iter().filter(|b| needs_hbm(&b.design)).count();
        let hbm = &d.chips.hbm;
        let no_hbm = hbm.stockpile_stacks.get().round() <= 0.0
            && (hbm.domestic_stacks_per_month.max() <= 0.0 || hbm.domestic_yield.max() <= 0.0)
            && hbm.imports_stacks_per_month.max() <= 0.0
            && !d.uncertain.keys().any(|k| k.starts_with("chips.hbm."));
        if fabs + banks > 0 && no_hbm {
            let has = has(fabs, banks);
            warn(
                "chips.hbm".to_string(),
                &Value::Fixed(0.0),
                format!(
                    "no HBM at any date (no stockpile, no domestic stacks, no imports: the \
                     defaults), yet the scenario has {has} of designs with `hbm_stacks` above 0: \
                     none of their dies can become a chip, so only imports deliver and orders only \
                     they could fill are written off"
                ),
                "set `stockpile_stacks`, `domestic_stacks_per_month` or `imports_stacks_per_month` \
                 in `chips.hbm` (china-2025.ron banks a stockpile and makes stacks at home); leave \
                 them 0 only for fabs that are meant to deliver nothing"
                    .to_string(),
            );
        }
        // Export controls on imports the scenario never has: the control
        // changes nothing, byte for byte (fab audit B2: an HBM and a tool
        // ban added to china-2025, whose HBM and tool imports are 0, gave
        // the same headlines in silence).
        for (path, message, hint) in controls_on_no_imports(d) {
            warn(path, &Value::Fixed(0.0), message, hint);
        }
        if let Some((field, message, hint)) = frontier_ends_early(d) {
            warn(format!("ecosystem.{field}"), &Value::Fixed(0.0), message, hint);
        }
        if let Some((message, hint)) = world_rate_beside_effective_frontier(d) {
            let path = "ecosystem.algorithmic_halving_months";
            let v = value(path, d.ecosystem.algorithmic_halving_months.get());
            warn(path.to_string(), &v, message, hint);
        }
        for l in &d.labs {
            let path = format!("labs.{}.initial_target_run_flop", l.name);
            let v = value(&path, l.initial_target_run_flop.get());
            let t = v.typical();
            if t < FLOOR_TARGET_RUN_FLOP {
                let hint = if (10.0..=40.0).contains(&t) && t.fract() == 0.0 {
                    format!(
                        "the field is in FLOP; if {} is a power of ten, write 1e{}",
                        show(t),
                        show(t)
                    )
                } else {
                    "the field is in FLOP (DeepSeek-V3's run was about 3.3e24)".to_string()
                };
                let message = format!(
                    "{} is below {} FLOP, a millionth of a 2024 frontier run",
                    v.named("FLOP"),
                    show(FLOOR_TARGET_RUN_FLOP)
                );
                warn(path, &v, message, hint);
            }
        }
        // A lab whose one run takes more chips than any real cluster has
        // run one job on, its goodput collapsed by failures (audit s33,
        // finding 1: a looser import cap gave a smaller largest run).
        for (path, message, hint) in uncapped_large_runs(d) {
            warn(path, &Value::Fixed(0.0), message, hint);
        }
        for (path, v, message, hint) in grid_slips(d) {
            warn(path, &v, message, hint);
        }
        // Fleet entries already a service life old at the start: retired at
        // the start, never in service, so the lab or buyer silently starts
        // without them ("1900-01-01", or "2002-07-01" for "2022-07-01";
        // review s25, F4).
        for (path, message, hint) in expired_fleet_entries(d) {
            warn(path, &Value::Fixed(0.0), message, hint);
        }
        // Dated items the run never reaches (review s26-modeler, F7: a
        // policy dated 2099 in a 6-year scenario validated "ok").
        for (path, message, hint) in dated_after_the_end(d) {
            warn(path, &Value::Fixed(0.0), message, hint);
        }
        // An other buyer's deliveries fill unused connections in site order
        // and send the rest to its first site, the only one that asks the
        // grid for more: a later site with no connection at the start never
        // gets a chip. Written as "sites in east and north", all of it
        // landed in east (review s23, F2).
        for b in &d.chips.other_buyers {
            for s in b.sites.iter().skip(1) {
                if s.connected_mw.get() == 0.0 {
                    let first = &b.sites[0].region;
                    warn(
                        format!("chips.other_buyers.{}.sites", b.name),
                        &Value::Fixed(0.0),
                        format!(
                            "other buyer {}'s site in {} has no connection at the start \
                             (`connected_mw` 0), so it never gets an accelerator: deliveries \
                             fill the sites' unused connections in order and the rest go to the \
                             first site ({first}), the only one that asks the grid for more",
                            b.name, s.region
                        ),
                        format!("give the site in {} a `connected_mw`, or list it first", s.region),
                    );
                }
            }
        }
        out
    }
}

/// Export controls on an item whose imports are 0 at every date and not
/// drawn (`uncertain`): HBM (`chips.hbm.imports_stacks_per_month`), tools
/// (`chips.tools.imports_per_year`), a design's licensed import flow, or
/// every design's. Such a control changes nothing in the run: what it
/// would cut is already 0. (A control on a design only a grey flow brings
/// in is refused by the loader: no control acts on a grey flow.) Each as
/// (path of the policy's item, message, hint).
fn controls_on_no_imports(d: &ScenarioData) -> Vec<(String, String, String)> {
    use crate::schema::chips::{ControlledItemData, PolicyActionData};
    // A series that is 0 at every date and whose value no `uncertain`
    // entry draws (the path itself, or a scale of it).
    let none =
        |series: &Series, path: &str| series.max() <= 0.0 && !d.uncertain.keys().any(|k| k.starts_with(path));
    // The licensed import flows of `design` (all designs: `None`), as
    // their `units_per_month` paths, each with whether it is 0 and not
    // drawn.
    let flows = |design: Option<&str>| -> Vec<(String, bool)> {
        d.imports
            .iter()
            .filter(|i| !i.grey && design.is_none_or(|x| x == i.design))
            .map(|i| {
                let path = format!("imports.{}.units_per_month", i.name);
                let zero = none(&i.units_per_month, &path);
                (path, zero)
            })
            .collect()
    };
    let mut out = Vec::new();
    for p in &d.policies {
        let PolicyActionData::ExportControl { item, .. } = &p.action else {
            continue;
        };
        let (what, field, hint) = match item {
            ControlledItemData::Hbm => {
                let field = "chips.hbm.imports_stacks_per_month";
                if !none(&d.chips.hbm.imports_stacks_per_month, field) {
                    continue;
                }
                (
                    "HBM imports".to_string(),
                    format!("`{field}`"),
                    "here HBM comes from the stockpile (`chips.hbm.stockpile_stacks`) and domestic \
                     production (`chips.hbm.domestic_stacks_per_month`, `domestic_yield`): that is \
                     where such a policy would act (a smaller stockpile, a later or slower domestic \
                     ramp); or give the imports the path the control is meant to cut"
                        .to_string(),
                )
            }
            ControlledItemData::Tools => {
                let field = "chips.tools.imports_per_year";
                if !none(&d.chips.tools.imports_per_year, field) {
                    continue;
                }
                (
                    "lithography tool imports".to_string(),
                    format!("`{field}`"),
                    "here tools come from the inventory at the start \
                     (`chips.tools.inventory_at_start`) and domestic output \
                     (`chips.tools.domestic_per_year`): that is where such a policy would act (a \
                     smaller inventory, fewer domestic tools); or give the imports the path the \
                     control is meant to cut"
                        .to_string(),
                )
            }
            ControlledItemData::Design(name) => {
                let f = flows(Some(name));
                // None: the loader refuses the control (no licensed flow).
                if f.is_empty() || !f.iter().all(|(_, zero)| *zero) {
                    continue;
                }
                (
                    format!("imports of design {name}"),
                    format!("`{}`", f[0].0),
                    format!(
                        "give the import flow of {name} the volume the control is meant to cut; \
                         a design made at home is limited by its fabs, HBM and packaging, which \
                         no export control in the scenario reaches"
                    ),
                )
            }
            ControlledItemData::Accelerators => {
                let f = flows(None);
                if !f.iter().all(|(_, zero)| *zero) {
                    continue;
                }
                let field = if f.is_empty() {
                    "no licensed `imports` entry".to_string()
                } else {
                    let paths: Vec<String> = f.iter().map(|(p, _)| format!("`{p}`")).collect();
                    paths.join(", ")
                };
                (
                    "imports of every accelerator design".to_string(),
                    field,
                    "give the licensed import flows the volume the control is meant to cut; \
                     accelerators made at home are limited by their fabs, HBM and packaging, \
                     which no export control in the scenario reaches"
                        .to_string(),
                )
            }
        };
        out.push((
            format!("policies.{}.action", p.name),
            format!(
                "policy {} controls {what}, which are 0 at every date and not drawn ({field}): \
                 the control changes nothing in the run",
                p.name
            ),
            hint,
        ));
    }
    out
}

/// The median of the value at parameter path `path` if it is drawn per
/// run (`uncertain`), else `written`.
fn typical(d: &ScenarioData, path: &str, written: f64) -> f64 {
    d.uncertain.get(path).map_or(written, |dist| dist.quantile(0.5))
}

/// Each lab without `max_chips_per_run` that can hold more than
/// [`CEILING_CHIPS_ONE_RUN`] accelerators in one run: its
/// `max_chips_per_run` path (the field to write), the warning and its hint.
///
/// Without the cap a run takes every training chip (all of them at the
/// start, before a release draws any to inference), and its expected
/// goodput ([`model_training::expected_goodput`], at the lab's failure
/// rate, checkpoint interval and restart time) falls steeply with their
/// number: a larger fleet then makes smaller runs. What a lab holds later
/// (its purchases and imports) is not known before a run, so the count is
/// what it holds at the start: its fleet, or what its sites' connections
/// power at the start if that is more, counted at the scenario's most
/// power-hungry design (the fewest chips a connection can power). Drawn
/// values are taken at their medians.
fn uncapped_large_runs(d: &ScenarioData) -> Vec<(String, String, String)> {
    let hungriest = d
        .designs
        .iter()
        .map(|x| {
            (
                x,
                typical(d, &format!("designs.{}.power_w", x.name), x.power_w.get()),
            )
        })
        .max_by(|a, b| a.1.total_cmp(&b.1));
    let mut out = Vec::new();
    for l in &d.labs {
        let at = format!("labs.{}", l.name);
        let cap = format!("{at}.max_chips_per_run");
        if l.max_chips_per_run.is_some() || d.uncertain.keys().any(|k| k.starts_with(&cap)) {
            continue;
        }
        let fleet: f64 = l
            .fleet
            .iter()
            .map(|f| typical(d, &format!("{at}.fleet.{}.count", f.design), f.count.get()).round())
            .sum();
        let (mut connected_mw, mut powered) = (0.0, 0.0);
        if let Some((design, power_w)) = hungriest {
            for s in l.sites.iter().flatten() {
                let site = |field: &str, written: f64| {
                    typical(d, &format!("{at}.sites.{}.{field}", s.region), written)
                };
                let mw = site("connected_mw", s.connected_mw.get());
                let w_per_chip = (power_w + site("overhead_w_per_chip", s.overhead_w_per_chip.get()))
                    * site("pue", s.pue.get());
                connected_mw += mw;
                if w_per_chip > 0.0 {
                    powered += (mw * 1e6 / w_per_chip).floor();
                }
            }
            if powered > fleet {
                let held = format!(
                    "what its sites' connections at the start, {} MW, power of the scenario's most \
                     power-hungry design ({}, {} W a chip)",
                    round(connected_mw, 6),
                    design.name,
                    round(power_w, 6)
                );
                out.extend(large_run(d, l, &cap, powered, &held));
                continue;
            }
        }
        out.extend(large_run(d, l, &cap, fleet, "its fleet"));
    }
    out
}

/// The warning of [`uncapped_large_runs`] for lab `l`, whose one run can
/// take `chips` accelerators (`held`: how that count is reached), if they
/// are more than [`CEILING_CHIPS_ONE_RUN`].
fn large_run(
    d: &ScenarioData,
    l: &crate::schema::training::LabData,
    cap: &str,
    chips: f64,
    held: &str,
) -> Option<(String, String, String)> {
    if chips <= CEILING_CHIPS_ONE_RUN {
        return None;
    }
    let lab = |field: &str, written: f64| typical(d, &format!("labs.{}.{field}", l.name), written);
    let rate = lab("chip_failure_rate_per_hour", l.chip_failure_rate_per_hour.get());
    let checkpoint_h = lab("checkpoint_interval_hours", l.checkpoint_interval_hours.get());
    let restart_h = lab("restart_overhead_hours", l.restart_overhead_hours.get());
    let chips_said = show(chips);
    let kept = if rate > 0.0 {
        let g = model_training::expected_goodput(chips * rate, checkpoint_h, restart_h);
        format!(
            "at its failure rate ({} per chip-hour, checkpoints every {} h, restarts of {} h) a run of \
             {chips_said} chips keeps {} of its time as work (the expected goodput), so more chips \
             (a larger fleet, a looser import cap) can give it smaller runs, not larger",
            round(rate, 3),
            round(checkpoint_h, 3),
            round(restart_h, 3),
            round(g, 2)
        )
    } else {
        "with failures off (`chip_failure_rate_per_hour` 0) such a run loses nothing to them, which \
         no run of that size does"
            .to_string()
    };
    Some((
        cap.to_string(),
        format!(
            "lab {} sets no `max_chips_per_run`, so one training run takes every training chip: \
             {chips_said} at the start ({held}), more than the largest synchronous runs on record \
             (about {} accelerators); {kept}",
            l.name,
            show(CEILING_CHIPS_ONE_RUN)
        ),
        "set `max_chips_per_run` to the largest cluster one run can use (us-2025: 200000 in 2025, \
         growing with the largest campus; docs/calibration/model-training.md, \"The largest \
         cluster\"); leave it unset only if every chip of the lab trains one model"
            .to_string(),
    ))
}

/// The grid's likely unit slips (audit s33, finding 5): each warning's
/// path, the value it judges, message and hint. In this order:
///
/// - a region's `demand_growth_per_year` beyond ±[`CEILING_DEMAND_GROWTH`]
///   at some date (a per cent written as a fraction: 3 for 0.03);
/// - a region with non-AI demand and nothing to serve it in the whole run:
///   no installed MW in it, no link to it, no grid project, programme or
///   adequacy response that builds there;
/// - a plant group below [`FLOOR_PLANT_PER_REGION_DEMAND`] of its region's
///   demand (GW in an MW field), and the plants' total at the start below
///   [`FLOOR_INSTALLED_PER_DEMAND`] of the regions' total, unless every
///   group with capacity, and every region with none, is named already;
/// - the plants' total above [`CEILING_INSTALLED_PER_DEMAND`] times the
///   regions' demand and the datacenters' connections (demand in GW).
///
/// Drawn values are judged at their medians; a path's scale drawn
/// (`….scale`) multiplies its written values by the scale's median.
fn grid_slips(d: &ScenarioData) -> Vec<(String, Value<'_>, String, String)> {
    let value = |path: &str, written: f64| match d.uncertain.get(path) {
        Some(dist) => Value::Drawn(dist),
        None => Value::Fixed(written),
    };
    let mut out = Vec::new();
    for r in &d.regions {
        let path = format!("regions.{}.demand_growth_per_year", r.name);
        let (v, said) = match &r.demand_growth_per_year {
            Series::Constant(g) => {
                let v = value(&path, *g);
                let said = v.named("a year");
                (v, said)
            }
            Series::Path { points, .. } => {
                let scale = typical(d, &format!("{path}.scale"), 1.0);
                let Some(&(date, g)) = points.iter().max_by(|a, b| a.1.abs().total_cmp(&b.1.abs())) else {
                    continue;
                };
                let g = g * scale;
                (
                    Value::Fixed(g),
                    format!("the path's value on {date}, {} a year,", round(g, 3)),
                )
            }
        };
        let g = v.typical();
        if g.abs() > CEILING_DEMAND_GROWTH {
            let message = format!(
                "{said} is a {} of {} % a year, beyond {} % either way: no national demand grows \
                 or falls that fast (China's fastest growth was 15.4 %, in 2003; china-2025 has 6 %, \
                 us-2025 2 %)",
                if g > 0.0 { "growth" } else { "fall" },
                round(g.abs() * 100.0, 3),
                show(CEILING_DEMAND_GROWTH * 100.0)
            );
            let hint = format!(
                "the field is a fraction a year (0.06 = 6 %); if {} is in %, write {}",
                round(g, 6),
                round(g / 100.0, 6)
            );
            out.push((path, v, message, hint));
        }
    }
    let demand = |r: &crate::schema::grid::RegionData| {
        value(
            &format!("regions.{}.demand_avg_mw", r.name),
            r.demand_avg_mw.get(),
        )
    };
    let installed = |p: &crate::schema::grid::PlantData| {
        value(&format!("plants.{}.installed_mw", p.name), p.installed_mw.get())
    };
    // Regions with demand and nothing to serve it.
    let mut unsupplied = Vec::new();
    for r in &d.regions {
        let v = demand(r);
        let in_region = |region: &str| region == r.name;
        let capacity: f64 = d
            .plants
            .iter()
            .filter(|p| in_region(&p.region))
            .map(|p| installed(p).typical())
            .sum();
        let linked = d.links.iter().any(|l| {
            (in_region(&l.from) || in_region(&l.to))
                && typical(d, &format!("links.{}.capacity_mw", l.name), l.capacity_mw.get()) > 0.0
        });
        let built = d.grid_projects.iter().any(|p| in_region(&p.region))
            || d.programmes.iter().any(|p| in_region(&p.region))
            || d.adequacy.iter().any(|a| {
                a.regions
                    .as_ref()
                    .is_none_or(|rs| rs.iter().any(|x| in_region(x)))
            });
        if v.typical() > 0.0 && capacity <= 0.0 && !linked && !built {
            unsupplied.push(r.name.as_str());
            out.push((
                format!("regions.{}.demand_avg_mw", r.name),
                Value::Fixed(0.0),
                format!(
                    "region {} has {} of average non-AI demand and nothing to serve it: no plant \
                     group with installed MW in it, no link to it, and no grid project, programme \
                     or adequacy response that builds there, so all of it goes unserved for the \
                     whole run",
                    r.name,
                    v.named("MW").trim_end_matches(',')
                ),
                format!(
                    "add a plant group in {0} (`plants`, with `region: \"{0}\"`), or a link to it \
                     from a region with spare capacity (`links`)",
                    r.name
                ),
            ));
        }
    }
    // Plant groups far smaller than their region's demand.
    let mut named = 0;
    for p in &d.plants {
        let Some(r) = d.regions.iter().find(|r| r.name == p.region) else {
            continue;
        };
        let (v, region_mw) = (installed(p), demand(r).typical());
        let mw = v.typical();
        if mw > 0.0 && mw < region_mw * FLOOR_PLANT_PER_REGION_DEMAND {
            named += 1;
            let message = format!(
                "{} is below a thousandth of region {}'s average non-AI demand ({} MW): a group \
                 that small changes nothing in the dispatch (the smallest in the examples is 1/72 \
                 of its region's)",
                v.named("MW"),
                r.name,
                round(region_mw, 6)
            );
            let hint = format!(
                "the field is in MW; if {} is in GW, write {}",
                round(mw, 6),
                round(mw * 1e3, 6)
            );
            out.push((format!("plants.{}.installed_mw", p.name), v, message, hint));
        }
    }
    // The whole fleet far below the whole demand.
    let total_mw: f64 = d.plants.iter().map(|p| installed(p).typical()).sum();
    let groups = d.plants.iter().filter(|p| installed(p).typical() > 0.0).count();
    let total_demand: f64 = d.regions.iter().map(|r| demand(r).typical()).sum();
    let demanding = d.regions.iter().filter(|r| demand(r).typical() > 0.0).count();
    let said_already = if groups > 0 {
        named == groups
    } else {
        unsupplied.len() == demanding
    };
    if total_demand > 0.0 && total_mw < total_demand * FLOOR_INSTALLED_PER_DEMAND && !said_already {
        let hint = if total_mw > 0.0 {
            format!(
                "the fields are in MW; if the plants' `installed_mw` are in GW, write each ×1000 \
                 ({} GW is {} MW)",
                round(total_mw, 6),
                round(total_mw * 1e3, 6)
            )
        } else {
            "add plant groups (`plants`) with their installed MW".to_string()
        };
        // One group with capacity is named at its field.
        let (path, v) = match d
            .plants
            .iter()
            .filter(|p| installed(p).typical() > 0.0)
            .collect::<Vec<_>>()[..]
        {
            [p] => (format!("plants.{}.installed_mw", p.name), installed(p)),
            _ => ("plants".to_string(), Value::Fixed(0.0)),
        };
        out.push((
            path,
            v,
            format!(
                "the plant groups' installed capacity at the start, {} MW in all, is below a tenth \
                 of the regions' average non-AI demand, {} MW (grids install 2 to 3 times their \
                 average demand: China 2.9, the US 2.3), so most of the demand goes unserved",
                round(total_mw, 6),
                round(total_demand, 6)
            ),
            hint,
        ));
    }
    // The whole fleet far above the whole demand, AI connections included:
    // the demand in GW.
    let connected: f64 = d
        .labs
        .iter()
        .flat_map(|l| l.sites.iter().flatten())
        .chain(d.chips.other_buyers.iter().flat_map(|b| &b.sites))
        .map(|s| s.connected_mw.get())
        .sum();
    if total_demand > 0.0 && total_mw > (total_demand + connected) * CEILING_INSTALLED_PER_DEMAND {
        let (path, v) = match &d.regions[..] {
            [r] => (format!("regions.{}.demand_avg_mw", r.name), demand(r)),
            _ => ("regions".to_string(), Value::Fixed(total_demand)),
        };
        let connections = if connected > 0.0 {
            format!(" and {} MW of datacenter connections", round(connected, 6))
        } else {
            String::new()
        };
        out.push((
            path,
            v,
            format!(
                "the plant groups' installed capacity at the start, {} MW in all, is {} times the \
                 regions' average non-AI demand, {} MW{connections} (grids install 2 to 3 times \
                 their average demand: China 2.9, the US 2.3), so almost all of it stands idle",
                round(total_mw, 6),
                round(total_mw / (total_demand + connected), 3),
                round(total_demand, 6),
            ),
            format!(
                "the field is in MW; if the regions' `demand_avg_mw` are in GW, write each ×1000 \
                 ({} GW is {} MW)",
                round(total_demand, 6),
                round(total_demand * 1e3, 6)
            ),
        ));
    }
    out
}

/// Every dated item (a policy, a grid or fab project's start, a drought, a
/// capacity derate, an adequacy response's first check, a plant group's
/// retirement, a fab's opening, a design's first day) dated
/// at or after the horizon's end, which the run therefore never reaches:
/// its date field's path, the warning and its hint. A typo'd year
/// ("2099-01-01") or a horizon shortened below the item's date leaves it
/// out of the run without a word otherwise.
fn dated_after_the_end(d: &ScenarioData) -> Vec<(String, String, String)> {
    let calendar = Calendar::new(d.start);
    let Some(end) = crate::world::horizon_end(&calendar, d.horizon_years.get()) else {
        return Vec::new();
    };
    let Some(end_date) = calendar.date(end) else {
        return Vec::new();
    };
    // (path of the date field, what the item is, what it would do, date)
    let mut dated: Vec<(String, String, &str, chrono::NaiveDate)> = Vec::new();
    for p in &d.policies {
        dated.push((
            format!("policies.{}.date", p.name),
            format!("policy {}", p.name),
            "takes effect",
            p.date,
        ));
    }
    for p in &d.grid_projects {
        dated.push((
            format!("grid_projects.{}.start", p.name),
            format!("grid project {}", p.name),
            "starts construction",
            p.start,
        ));
    }
    for p in &d.fab_projects {
        if let Some(start) = p.start {
            dated.push((
                format!("fab_projects.{}.start", p.name),
                format!("fab project {}", p.name),
                "starts construction",
                start,
            ));
        }
    }
    for x in &d.droughts {
        dated.push((
            format!("droughts.{}.start", x.name),
            format!("drought {}", x.name),
            "begins",
            x.start,
        ));
    }
    for x in &d.derates {
        dated.push((
            format!("derates.{}.start", x.name),
            format!("derate {}", x.name),
            "begins",
            x.start,
        ));
    }
    for x in &d.adequacy {
        if let Some(date) = x.first_check {
            dated.push((
                format!("adequacy.{}.first_check", x.name),
                format!("adequacy response {}", x.name),
                "first checks",
                date,
            ));
        }
    }
    for g in &d.plants {
        if let Some(date) = g.retire_date {
            dated.push((
                format!("plants.{}.retire_date", g.name),
                format!("plant group {}", g.name),
                "retires",
                date,
            ));
        }
    }
    for f in &d.fabs {
        if let Some(date) = f.opens {
            dated.push((
                format!("fabs.{}.opens", f.name),
                format!("fab {}", f.name),
                "opens",
                date,
            ));
        }
    }
    for x in &d.designs {
        if let Some(date) = x.available_from {
            dated.push((
                format!("designs.{}.available_from", x.name),
                format!("design {}", x.name),
                "becomes available",
                date,
            ));
        }
    }
    dated
        .into_iter()
        // A date before the start (a design on sale already, a plant
        // retired earlier) has no instant (`at_date` is `None`) and is
        // not after the end; one past what the clock holds is.
        .filter(|(_, _, _, date)| calendar.at_date(*date).map_or(*date > d.start, |t| t >= end))
        .map(|(path, what, does, date)| {
            (
                path,
                format!(
                    "{what} {does} on {date}, at or after the run's end ({end_date}, {}): the run \
                     never reaches it",
                    crate::report::horizon_text(d)
                ),
                format!(
                    "check the year; lengthen `horizon_years` if the run should reach {date}, or drop \
                     the entry if it is meant for a longer scenario"
                ),
            )
        })
        .collect()
}

/// Each fleet entry (a lab's or an other buyer's) installed at least a
/// service life before the start, so retired at the start and never in
/// service: its `installed` field's path, the warning and its hint. The
/// life is `ecosystem.chip_service_life_years` as written or, if it is
/// drawn per run, the largest value its distribution can draw (its upper
/// bound; for an unbounded one its quantile at [`scheduler::rng::P_MAX`], where
/// `quantile(1.0)` clamps, the largest an inverse-CDF draw reaches, so a
/// typo such as "1900-01-01" is still named): only an entry retired at the
/// start in every run is named. The age is counted as the run
/// counts it, from the day's midnight to the start instant, and retired at
/// `age ≥ life` (`Training::expired`).
fn expired_fleet_entries(d: &ScenarioData) -> Vec<(String, String, String)> {
    let key = "ecosystem.chip_service_life_years";
    let (life_years, drawn) = match d.uncertain.get(key) {
        Some(dist) => {
            let high = dist.support().1;
            let high = if high.is_finite() {
                high
            } else {
                dist.quantile(1.0)
            };
            (high, Some(dist))
        }
        None => (d.ecosystem.chip_service_life_years.get(), None),
    };
    let Some(life) = scheduler::Duration::from_years_f64(life_years) else {
        return Vec::new();
    };
    let calendar = Calendar::new(d.start);
    let Some(start_at) = calendar.datetime(scheduler::SimTime::ZERO) else {
        return Vec::new();
    };
    let fleets = d
        .labs
        .iter()
        .map(|l| (format!("labs.{}", l.name), "lab", &l.name, &l.fleet))
        .chain(d.chips.other_buyers.iter().map(|b| {
            (
                format!("chips.other_buyers.{}", b.name),
                "other buyer",
                &b.name,
                &b.fleet,
            )
        }));
    let mut out = Vec::new();
    for (entity, kind, name, fleet) in fleets {
        for (i, f) in fleet.iter().enumerate() {
            let Some(date) = f.installed else { continue };
            let secs = (start_at - date.and_time(chrono::NaiveTime::MIN)).num_seconds();
            let Ok(age) = u64::try_from(secs) else { continue };
            if scheduler::Duration(age) < life {
                continue;
            }
            let age_years = round(age as f64 / SECS_PER_YEAR as f64, 3);
            let life_said = match drawn {
                None => format!("the service life (`{key}`), {} years", show(life_years)),
                Some(dist) => format!(
                    "the longest service life `{key}` can draw ({}, {} years at most)",
                    dist.name(),
                    round(life_years, 6)
                ),
            };
            let every_run = if drawn.is_some() { " in every run" } else { "" };
            out.push((
                format!("{entity}.fleet[{i}].installed"),
                format!(
                    "{kind} {name}'s {} {} accelerators installed on {date} are {age_years} years \
                     old at the start ({}), at least {life_said}: the entry will be retired at the \
                     start{every_run} and never be in service",
                    show(f.count.get().round()),
                    f.design,
                    d.start
                ),
                format!(
                    "check the year; give the day they were installed (less than a service life \
                     before {}), or drop the entry if the {kind} is meant to start without them",
                    d.start
                ),
            ));
        }
    }
    out
}

/// The world frontier path's last point more than a month before the
/// horizon's end, with a slope: past that point every gap rests on the
/// path extended by its average slope ([`model_training::frontier_log10_at`]),
/// the one path the model extrapolates rather than holding at its last
/// value. A 10-year example extended to 30 years measured the US "148
/// months behind" a frontier its own labs had passed (audit s22-long,
/// finding 1). Or a rising path written only before the start: its points
/// are folded into its value at the start, as any path's, so it is held
/// flat there and a release above it has no gap (review s22, F3). The
/// warning's field (the form the frontier is written in), message and
/// hint: `None` when the path reaches the horizon, is a number, or is flat.
fn frontier_ends_early(d: &ScenarioData) -> Option<(&'static str, String, String)> {
    let eco = &d.ecosystem;
    let (field, series, compute) = match (
        &eco.frontier_log10_physical_flop,
        &eco.frontier_log10_effective_flop,
    ) {
        (Some(p), _) => ("frontier_log10_physical_flop", p, "physical"),
        (None, Some(e)) => ("frontier_log10_effective_flop", e, "effective"),
        (None, None) => return None,
    };
    let Series::Path { points, .. } = series else {
        return None;
    };
    let (first_written, last_written) = (points.first()?, points.last()?);
    let calendar = Calendar::new(d.start);
    let end = crate::world::horizon_end(&calendar, d.horizon_years.get())?;
    let end_date = calendar.date(end)?;
    let last_date = last_written.0;
    if last_date <= d.start {
        if last_written.1 <= first_written.1 {
            return None;
        }
        return Some((
            field,
            format!(
                "the world frontier path ends on {last_date}, at or before the start ({}): a path's \
                 points before the start are folded into its value at the start, so the frontier is \
                 held at 10^{} {compute} FLOP throughout{}",
                d.start,
                round(last_written.1, 4),
                if compute == "effective" {
                    " and a release above it has no gap"
                } else {
                    " (its effective compute grows by the world's algorithmic progress alone)"
                }
            ),
            format!(
                "write the path on to {end_date} with the frontier you assume (its extension past \
                 the last point runs at the slope from the start's value to the last point)"
            ),
        ));
    }
    let path = series.to_time_path(&calendar);
    let last = *path.points().last()?;
    let slope_per_year = model_training::frontier_slope_per_sec(&path) * SECS_PER_YEAR as f64;
    // A path written to within a month of the end extends too little to matter.
    let month = 31 * scheduler::SECS_PER_DAY;
    if last.0.ticks().saturating_add(month) >= end.ticks() || slope_per_year <= 0.0 {
        return None;
    }
    // Mean years (365.25 days), to two digits: 2026 is "1 year" long.
    let years = round((end.ticks() - last.0.ticks()) as f64 / SECS_PER_YEAR as f64, 2);
    let slope = round(slope_per_year, 3);
    let plural = |n: &str, one: &str, many: &str| if n == "1" { one } else { many }.to_string();
    Some((
        field,
        format!(
            "the world frontier path ends on {last_date}, {years} {} before the horizon's end \
             ({end_date}): past its last point the frontier is extended at the path's average \
             slope, {slope} {} of magnitude a year, so every frontier gap after {last_date} rests \
             on that extrapolation (other paths are held at their last value)",
            plural(&years, "year", "years"),
            plural(&slope, "order", "orders"),
        ),
        format!(
            "extend the path to {end_date} with the frontier you assume, or shorten the horizon \
             (docs/scenarios.md, \"Long horizons\")"
        ),
    ))
}

/// The world's algorithmic rate drawn or changed while the frontier is
/// written as effective compute: the labs follow the rate, the frontier
/// (whose written path holds its own algorithmic rate) does not, so a
/// faster draw puts the labs ahead of the frontier they are measured
/// against (review s28, A1). The message and hint; `None` when the rate is
/// neither drawn nor changed from its default, or the frontier is written
/// as physical compute (or not at all).
fn world_rate_beside_effective_frontier(d: &ScenarioData) -> Option<(String, String)> {
    let eco = &d.ecosystem;
    eco.frontier_log10_effective_flop.as_ref()?;
    let drawn = d.uncertain.contains_key("ecosystem.algorithmic_halving_months");
    let default = crate::schema::training::EcosystemData::default().algorithmic_halving_months;
    if !drawn && eco.algorithmic_halving_months == default {
        return None;
    }
    Some((
        "the world's algorithmic rate sets the labs' halving times, but the world frontier is \
         written as effective compute (`frontier_log10_effective_flop`), whose path already holds \
         an algorithmic rate of its own: the labs move with this value and the frontier does not, \
         so the gaps measure the difference"
            .to_string(),
        "write the frontier as physical compute, `frontier_log10_physical_flop` (the effective \
         path less the algorithmic progress in it), so that the frontier shares the rate"
            .to_string(),
    ))
}
