//! The scenario file format: the top-level `Scenario(...)` and the
//! `Variant(...)` that starts from a base and lists what differs.
//!
//! Entities live in flat, named lists (`regions`, `plants`, `labs`, …) and
//! refer to each other by name, so that a parameter path reads
//! `labs.deepseek.mfu` and a variant can replace or add one entity by name.
//! Every numeric field carries its unit in its name; optional fields have the
//! defaults given in their docs (and in `docs/scenarios.md`).

use crate::schema::chips::{
    ChipsData, DesignData, DieBankData, FabData, FabProjectData, ImportData, PolicyData,
};
use crate::schema::grid::{
    DerateData, DroughtData, GridData, GridProjectData, LinkData, PlantData, ProgrammeData, RegionData,
};
use crate::schema::training::{EcosystemData, LabData};
use crate::units::Positive;
use chrono::NaiveDate;
use scheduler::Dist;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A complete scenario: when, how long, and the three domains' entities.
/// A valid scenario declares at least `name`, `start`, `horizon_years`, one
/// region and one lab; every other field has a documented default (no
/// `designs`: a world without accelerators; a lab without `sites`: one site
/// in the first region).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Scenario")]
pub struct ScenarioData {
    /// Scenario name; names the default output directory. Letters, digits,
    /// `-` and `_`.
    pub name: String,
    /// One paragraph saying what the scenario represents. Default: empty.
    #[serde(default)]
    pub description: String,
    /// First day of the simulation, ISO `YYYY-MM-DD`; time zero is midnight.
    #[serde(deserialize_with = "crate::dates::de_date")]
    pub start: NaiveDate,
    /// Length of the simulation in years, in (0, 100] and at least one
    /// second (3.2e-8 years; time runs in whole seconds): whole years are
    /// calendar years (10 from 2025-01-01 end at 2035-01-01 00:00), a
    /// fraction of a year counts 365.25 days.
    #[schemars(with = "f64", extend("exclusiveMinimum" = 0), range(max = 100))]
    pub horizon_years: Positive,
    /// Seed of a single run's random streams (`aistack run`; `--seed`
    /// overrides it). Default: 1. Batches, `compare`, `sensitivity` and
    /// `eval` take their master seed from `--seed` (default 0), not from here.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Run settings (sampling, event budget, wiring delays).
    #[serde(default)]
    pub settings: SettingsData,
    /// Grid-wide settings (dispatch interval, curtailment order, drought process).
    #[serde(default)]
    pub grid: GridData,
    /// Grid areas with their non-AI demand, storage and interconnection queue.
    pub regions: Vec<RegionData>,
    /// Generation plant groups (one technology in one region).
    #[serde(default)]
    pub plants: Vec<PlantData>,
    /// Transmission links between regions.
    #[serde(default)]
    pub links: Vec<LinkData>,
    /// Generation construction projects.
    #[serde(default)]
    pub grid_projects: Vec<GridProjectData>,
    /// Build-out programmes that add capacity every year.
    #[serde(default)]
    pub programmes: Vec<ProgrammeData>,
    /// Dated hydro droughts.
    #[serde(default)]
    pub droughts: Vec<DroughtData>,
    /// Dated capacity derates: a share of some technologies' available
    /// capacity lost for a while (a cold snap, a fuel shortage).
    #[serde(default)]
    pub derates: Vec<DerateData>,
    /// Adequacy responses: capacity started when a region's forecast
    /// reserve margin falls below a target. Default: `[]`, none (build-out
    /// is only `grid_projects` and `programmes`).
    #[serde(default)]
    pub adequacy: Vec<crate::schema::adequacy::AdequacyData>,
    /// Supply-chain-wide settings (tools, HBM, packaging, allocation).
    #[serde(default)]
    pub chips: ChipsData,
    /// Accelerator designs. Default: `[]`, a world without accelerators (no
    /// fab, import or fleet can then name one; labs receive nothing).
    #[serde(default)]
    pub designs: Vec<DesignData>,
    /// Wafer fabs.
    #[serde(default)]
    pub fabs: Vec<FabData>,
    /// Fab construction and expansion projects.
    #[serde(default)]
    pub fab_projects: Vec<FabProjectData>,
    /// Imports of finished accelerators.
    #[serde(default)]
    pub imports: Vec<ImportData>,
    /// Dies banked before the start (stockpiles).
    #[serde(default)]
    pub die_banks: Vec<DieBankData>,
    /// Dated policy events (export controls, subsidies).
    #[serde(default)]
    pub policies: Vec<PolicyData>,
    /// AI labs (at least one): strategy, budget, sites, runs and releases.
    pub labs: Vec<LabData>,
    /// Ecosystem-wide training settings (spillovers, inference, frontier).
    #[serde(default)]
    pub ecosystem: EcosystemData,
    /// Uncertain parameters, drawn once per run: parameter path → distribution
    /// (each path once).
    #[serde(default, deserialize_with = "de_unique_map")]
    #[schemars(with = "BTreeMap<String, crate::reference::DistSchema>")]
    pub uncertain: BTreeMap<String, Dist>,
    /// Rank correlations between uncertain parameters (Monte Carlo batches).
    #[serde(default)]
    pub correlations: Vec<CorrelationData>,
}

fn default_seed() -> u64 {
    1
}

/// Run settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Settings")]
pub struct SettingsData {
    /// Months between metric samples, 1–12. Default: 1 (the first of each
    /// month). Changes only what is recorded: sites are billed every month
    /// whatever it is.
    #[serde(default = "default_sample_months", deserialize_with = "de_sample_months")]
    #[schemars(range(min = 1, max = 12))]
    pub sample_every_months: u32,
    /// Maximum events a run may process before it is stopped as runaway.
    /// Default: 200,000,000.
    #[serde(default = "default_max_events")]
    pub max_events: u64,
    /// Days from an accelerator's delivery to its use in a cluster
    /// (installation and burn-in), 0–36,525 (at most the longest horizon,
    /// 100 years). Default: 30.
    #[serde(default = "default_install_days", deserialize_with = "de_install_days")]
    #[schemars(range(min = 0, max = 36_525))]
    pub install_delay_days: f64,
    /// Compute thresholds, physical FLOP of one training run: for each, the
    /// run reports the fractional calendar year the labs' largest finished
    /// run first reached it, `training.year_reached_<T>_flop` (`1e25` →
    /// `training.year_reached_1e25_flop`; a `.` in the number is written
    /// `p`: `2.5e25` → `2p5e25`), absent in a run that never reached it.
    /// It counts the simulation's runs only: runs before `start` are not
    /// modelled, so it is not the year the world first reached the threshold.
    /// Each at least 1 FLOP and finite, smallest first, each once, at most
    /// 16; `[]` reports none. Default: `[1e25, 1e26]` (the EU AI Act's
    /// presumption of systemic risk, 2024, and US Executive Order 14110's
    /// reporting threshold, 2023; sources in docs/calibration.md).
    #[serde(
        default = "default_compute_thresholds",
        deserialize_with = "de_compute_thresholds"
    )]
    #[schemars(length(max = 16))]
    pub compute_thresholds_flop: Vec<f64>,
}

impl Default for SettingsData {
    fn default() -> Self {
        SettingsData {
            sample_every_months: default_sample_months(),
            max_events: default_max_events(),
            install_delay_days: default_install_days(),
            compute_thresholds_flop: default_compute_thresholds(),
        }
    }
}

fn default_sample_months() -> u32 {
    1
}
fn default_max_events() -> u64 {
    200_000_000
}
fn default_install_days() -> f64 {
    30.0
}

/// The default compute thresholds, FLOP: the EU AI Act's (2024) and US
/// Executive Order 14110's (2023); see [`SettingsData::compute_thresholds_flop`].
pub fn default_compute_thresholds() -> Vec<f64> {
    vec![1e25, 1e26]
}

/// Reads `compute_thresholds_flop`, refusing a threshold below 1 FLOP or
/// not finite (at that number), and a list out of order, with a threshold
/// twice or longer than [`model_training::MAX_COMPUTE_THRESHOLDS`], while
/// the file is read (so the error has a line and column): each threshold
/// names an outcome, which must be unique.
fn de_compute_thresholds<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
    use serde::de::Error;
    struct Threshold(f64);
    impl<'de> Deserialize<'de> for Threshold {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let v = f64::deserialize(d)?;
            if v.is_finite() && v >= 1.0 {
                Ok(Threshold(v))
            } else {
                Err(D::Error::custom(format!(
                    "expected a compute threshold of at least 1 FLOP and finite, got {}",
                    scheduler::Num(v)
                )))
            }
        }
    }
    let list: Vec<f64> = Vec::<Threshold>::deserialize(d)?
        .into_iter()
        .map(|t| t.0)
        .collect();
    let max = model_training::MAX_COMPUTE_THRESHOLDS;
    if list.len() > max {
        return Err(D::Error::custom(format!(
            "expected at most {max} compute thresholds (each adds an outcome column), got {}",
            list.len()
        )));
    }
    if let Some(w) = list.windows(2).find(|w| w[1] <= w[0]) {
        let what = if w[1] == w[0] {
            "given twice"
        } else {
            "out of order"
        };
        return Err(D::Error::custom(format!(
            "expected compute thresholds smallest first, each once: {:e} then {:e} is {what}",
            w[0], w[1]
        )));
    }
    Ok(list)
}

/// Longest install delay, days: the longest horizon (100 years). Longer
/// delays would also overflow the simulated clock.
pub const MAX_INSTALL_DELAY_DAYS: f64 = 36_525.0;

/// Reads `install_delay_days`, refusing NaN, infinities, negatives and more
/// than [`MAX_INSTALL_DELAY_DAYS`] while the file is read (so the error has a
/// line and column).
fn de_install_days<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let v = f64::deserialize(d)?;
    if v.is_finite() && (0.0..=MAX_INSTALL_DELAY_DAYS).contains(&v) {
        Ok(v)
    } else {
        Err(serde::de::Error::custom(format!(
            "expected a number of days in [0, {MAX_INSTALL_DELAY_DAYS}], got {}",
            scheduler::Num(v)
        )))
    }
}

/// Reads `sample_every_months`, refusing anything outside 1–12.
fn de_sample_months<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let v = u64::deserialize(d)?;
    match u32::try_from(v) {
        Ok(m @ 1..=12) => Ok(m),
        _ => Err(serde::de::Error::custom(format!(
            "expected a whole number of months in 1–12, got {v}"
        ))),
    }
}

/// A rank (Spearman) correlation between two uncertain parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Correlation")]
pub struct CorrelationData {
    /// First parameter path (a key of `uncertain`).
    pub a: String,
    /// Second parameter path (a key of `uncertain`).
    pub b: String,
    /// Rank correlation in (-1, 1).
    #[schemars(extend("exclusiveMinimum" = -1, "exclusiveMaximum" = 1))]
    pub rho: f64,
}

/// A variant: a base scenario and what differs from it.
#[derive(Clone, Debug, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Variant")]
pub struct VariantData {
    /// The scenario this one starts from, relative to this file.
    pub base: String,
    /// New name (default: the base's name).
    #[serde(default)]
    pub name: Option<String>,
    /// New description (default: the base's).
    #[serde(default)]
    pub description: Option<String>,
    /// Values to set, by path: numbers or paths over dates
    /// (`"labs.deepseek.mfu": 0.35`), and any other field's value written as
    /// in a scenario (`"grid.curtailment_order": [Datacenter, Fab,
    /// Industry, Household]`, `"ecosystem.spillovers": false`). A whole
    /// entity or its `name` cannot be set: use `add` and `remove`. A set
    /// value holds in every run: the base's uncertain parameters at or below
    /// the path are no longer drawn. Each path once.
    #[serde(default, deserialize_with = "de_unique_map")]
    #[schemars(with = "BTreeMap<String, serde_json::Value>")]
    pub set: BTreeMap<String, SetValue>,
    /// Uncertain parameters to add or replace, by parameter path (each
    /// once; not a path this file also sets).
    #[serde(default, deserialize_with = "de_unique_map")]
    #[schemars(with = "BTreeMap<String, crate::reference::DistSchema>")]
    pub uncertain: BTreeMap<String, Dist>,
    /// Replaces the base's correlations when not empty. A path this file
    /// stops drawing (by `set`, a replacing `add` or `remove`) may not be
    /// named unless `uncertain` draws it again.
    #[serde(default)]
    pub correlations: Vec<CorrelationData>,
    /// Entities to add, or to replace (same kind and name); each kind and
    /// name at most once (a second would replace the first). A replaced
    /// entity is fixed as written: the base's uncertain parameters of it
    /// are no longer drawn (declare them again in `uncertain` to draw them).
    #[serde(default)]
    pub add: Vec<EntityData>,
    /// Entities to remove, as `list.name` (`"labs.moonshot"`).
    #[serde(default)]
    pub remove: Vec<String>,
}

/// The start of the message `de_unique_map` refuses a repeated key with;
/// the loader finds the second key's position from it.
pub const DUPLICATE_KEY: &str = "is given twice in this map";

/// Reads a map keyed by parameter path (`uncertain`, `set`), refusing a key
/// given twice: serde's own map reader keeps the last, so the first entry
/// would be dropped without a word.
fn de_unique_map<'de, D, V>(d: D) -> Result<BTreeMap<String, V>, D::Error>
where
    D: serde::Deserializer<'de>,
    V: Deserialize<'de>,
{
    struct Unique<V>(std::marker::PhantomData<V>);
    impl<'de, V: Deserialize<'de>> serde::de::Visitor<'de> for Unique<V> {
        type Value = BTreeMap<String, V>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a map of parameter paths in quotes to values")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some(key) = map.next_key::<String>()? {
                if out.contains_key(&key) {
                    return Err(serde::de::Error::custom(format!(
                        "`{key}` {DUPLICATE_KEY}: a second entry would replace the first"
                    )));
                }
                let value = map.next_value()?;
                out.insert(key, value);
            }
            Ok(out)
        }
    }
    d.deserialize_map(Unique(std::marker::PhantomData))
}

/// The value of one `set` entry: any RON value, kept in the JSON form the
/// scenario tree uses (see [`crate::ronvalue`]); its type is checked when the
/// edited scenario is read back.
#[derive(Clone, Debug, PartialEq)]
pub struct SetValue(pub serde_json::Value);

impl<'de> Deserialize<'de> for SetValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Box::<ron::value::RawValue>::deserialize(d)?;
        crate::ronvalue::to_json(raw.get_ron())
            .map(SetValue)
            .map_err(serde::de::Error::custom)
    }
}

/// One entity of any kind, for a variant's `add` list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[allow(missing_docs)]
#[serde(rename = "Entity")]
pub enum EntityData {
    Region(RegionData),
    Plant(PlantData),
    Link(LinkData),
    GridProject(GridProjectData),
    Programme(ProgrammeData),
    Drought(DroughtData),
    Derate(DerateData),
    Adequacy(crate::schema::adequacy::AdequacyData),
    Design(DesignData),
    Fab(FabData),
    FabProject(FabProjectData),
    Import(ImportData),
    DieBank(DieBankData),
    Policy(PolicyData),
    Lab(LabData),
}

impl EntityData {
    /// The top-level list this entity belongs in, and its tree form.
    pub fn to_list_entry(&self) -> Result<(&'static str, serde_json::Value), String> {
        let (list, v) = match self {
            EntityData::Region(d) => ("regions", serde_json::to_value(d)),
            EntityData::Plant(d) => ("plants", serde_json::to_value(d)),
            EntityData::Link(d) => ("links", serde_json::to_value(d)),
            EntityData::GridProject(d) => ("grid_projects", serde_json::to_value(d)),
            EntityData::Programme(d) => ("programmes", serde_json::to_value(d)),
            EntityData::Drought(d) => ("droughts", serde_json::to_value(d)),
            EntityData::Derate(d) => ("derates", serde_json::to_value(d)),
            EntityData::Adequacy(d) => ("adequacy", serde_json::to_value(d)),
            EntityData::Design(d) => ("designs", serde_json::to_value(d)),
            EntityData::Fab(d) => ("fabs", serde_json::to_value(d)),
            EntityData::FabProject(d) => ("fab_projects", serde_json::to_value(d)),
            EntityData::Import(d) => ("imports", serde_json::to_value(d)),
            EntityData::DieBank(d) => ("die_banks", serde_json::to_value(d)),
            EntityData::Policy(d) => ("policies", serde_json::to_value(d)),
            EntityData::Lab(d) => ("labs", serde_json::to_value(d)),
        };
        v.map(|v| (list, v)).map_err(|e| e.to_string())
    }
}
