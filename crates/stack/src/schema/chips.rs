//! Scenario entities of the chip supply chain, and their conversion into
//! [`fab_supply_chain::FabConfig`].

use super::Ctx;
use crate::error::ScenarioError;
use crate::schema::training::{FleetData, SiteData};
use crate::series::Series;
use crate::units::{BankWeeks, FabPower, Fraction, NonNeg, Positive, StockCount, ToolCount, UnitPrice};
use chrono::NaiveDate;
use fab_supply_chain::{
    AcceleratorImportConfig, AllocationPolicy, BuyerConfig, Control, ControlledItem, DesignConfig,
    DieBankConfig, FabConfig, FabOpening, FabProjectConfig, FabSiteConfig, HbmConfig, PolicyAction,
    PolicyConfig, PowerShortfallRule, ProductShare, ProjectKind, ToolSupplyConfig, YieldCurve,
};
use model_training::{FleetConfig, SiteConfig};
use scheduler::{Dist, Duration, SimTime};
use serde::{Deserialize, Serialize};

/// How finished accelerators are shared among buyers' orders.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename = "Allocation")]
pub enum AllocationData {
    /// Oldest order first.
    FirstComeFirstServed,
    /// Every open order gets a share proportional to its unfilled value.
    ProRata,
    /// Higher `chip_priority` labs first.
    Priority,
}

/// Supply-chain-wide settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Chips")]
pub struct ChipsData {
    /// Days between production steps (wafer starts, assembly), from 1 hour
    /// (1/24 day) to 92 days. Default: 7.
    #[serde(default = "d_step")]
    #[schemars(with = "f64", extend("exclusiveMinimum" = 0), range(max = 92))]
    pub production_step_days: Positive,
    /// Wafer diameter, mm, in [150, 450] (with die areas of 1 to 1,000 mm²,
    /// every design gives at least one whole die per wafer). Default: 300.
    #[serde(default = "d_wafer")]
    #[schemars(with = "f64", range(min = 150, max = 450))]
    pub wafer_diameter_mm: Positive,
    /// Allocation of output to orders. Default: `FirstComeFirstServed`.
    #[serde(default = "d_alloc")]
    pub allocation: AllocationData,
    /// Lithography tools.
    #[serde(default)]
    pub tools: ToolsData,
    /// High-bandwidth memory.
    #[serde(default)]
    pub hbm: HbmData,
    /// Advanced packaging capacity, finished chips per month (number or
    /// path; every value in [0, 10⁹]): one slot makes one package, whatever
    /// the design's `dies_per_chip` (a two-die chip takes one slot, not
    /// two). Public CoWoS-class figures are interposer wafers a month, each
    /// holding several packages (how many depends on the interposer's
    /// size): convert them to packages before writing them here. Default: 0
    /// (no domestic assembly: only imports deliver).
    #[serde(default = "zero")]
    pub packaging_units_per_month: Series,
    /// Buyers of accelerators outside the modelled labs (other cloud
    /// providers, firms, the state): each orders like a lab, a twelfth of
    /// its yearly budget at every calendar month start (the first at the
    /// start; that share of it for a month the run covers only in part),
    /// and takes delivery under the same `allocation`: a share of a short
    /// supply under `ProRata`, what the labs leave under
    /// `FirstComeFirstServed` or `Priority` at a priority no higher than
    /// theirs (`fab.accelerators_delivered` per buyer, and
    /// `fab.accelerators_delivered_to_others_total`). What it receives runs
    /// at its `sites`, drawing power, or without sites leaves the model. Names
    /// may not be a lab's, nor `national` or `world`. Default: `[]` (the
    /// labs take every accelerator).
    #[serde(default)]
    pub other_buyers: Vec<OtherBuyerData>,
    /// The wafer-start planner's die-bank target, weeks of the back end's
    /// die consumption, in [0, 520]. Set, the fabs plan their starts: each
    /// design's die stock plus the good dies expected from its wafers in
    /// process is brought up to what the back end (packaging slots, HBM
    /// stock) could assemble over this target, the cycle time and one
    /// production step, so its die bank settles at this many weeks of
    /// consumption; capacity left unstarted is reported
    /// (`fab.wafers_forgone`, `fab.utilisation`) and draws no variable
    /// power (docs/model/fab-supply-chain.md, "The wafer-start planner").
    /// Default: none (every fab starts at its capacity whatever its dies
    /// are needed for).
    #[serde(default)]
    #[schemars(with = "Option<f64>", range(min = 0, max = 520))]
    pub die_bank_target_weeks: Option<BankWeeks>,
}

impl Default for ChipsData {
    fn default() -> Self {
        ChipsData {
            production_step_days: d_step(),
            wafer_diameter_mm: d_wafer(),
            allocation: d_alloc(),
            tools: ToolsData::default(),
            hbm: HbmData::default(),
            packaging_units_per_month: zero(),
            other_buyers: Vec::new(),
            die_bank_target_weeks: None,
        }
    }
}

/// A buyer of accelerators that is not a modelled lab: it orders and takes
/// delivery like a lab, trains nothing, and runs its accelerators at its
/// `sites` (if any), where they draw power.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename = "OtherBuyer")]
pub struct OtherBuyerData {
    /// Unique name among the other buyers and the labs.
    pub name: String,
    /// Money for accelerators, USD per year (number or path, every value
    /// finite and ≥ 0): at every calendar month start the buyer orders the
    /// twelfth of the value there. Unfilled orders stay open, as a lab's do.
    pub budget_usd_per_year: Series,
    /// Priority for accelerators when allocation is `Priority` (higher
    /// first), as a lab's `chip_priority`. Default: 0.
    #[serde(default)]
    pub chip_priority: u32,
    /// Where the buyer runs its accelerators: datacenter sites written as a
    /// lab's (`region`, `pue`, `overhead_w_per_chip`, `connected_mw`,
    /// `connection_headroom_share`, with the same defaults), each region at
    /// most once. With sites, every accelerator delivered is installed
    /// after `settings.install_delay_days`, filling the sites' unused
    /// connections in order (the rest goes to the first site, which asks
    /// the grid for more through the interconnection queue), draws its
    /// facility power ((chip W + overhead W) × PUE) as a datacenter load
    /// that curtailment cuts like a lab's, and retires after
    /// `ecosystem.chip_service_life_years`; it trains nothing and counts
    /// in no training outcome. Its electricity is reported (`buyers.…`),
    /// not paid from `budget_usd_per_year`, which buys accelerators only.
    /// Default: `[]` (its accelerators leave the model: no site, no power).
    #[serde(default)]
    pub sites: Vec<SiteData>,
    /// Accelerators the buyer owns at the start, its installed base (needs
    /// `sites`): installed at the start as a delivery is, filling the
    /// sites' unused `connected_mw` in order (the rest goes to the first
    /// site, which asks the grid for more), drawing power from the first
    /// dispatch, and retiring `ecosystem.chip_service_life_years` after each
    /// entry's `installed` date (the start if not given), as a lab's
    /// `fleet` does. Default: `[]`.
    #[serde(default)]
    pub fleet: Vec<FleetData>,
}

impl OtherBuyerData {
    /// The buyer's fleet for the training domain (`None` without sites),
    /// with every region checked against `regions` and named once, and its
    /// accelerators owned at the start against `designs`; errors name
    /// `chips.other_buyers.<name>.sites` or `….fleet` (a stock without
    /// sites is refused).
    pub fn fleet_config(
        &self,
        ctx: &Ctx,
        regions: &[&str],
        designs: &[DesignData],
    ) -> Result<Option<FleetConfig>, ScenarioError> {
        if self.sites.is_empty() {
            if !self.fleet.is_empty() {
                return Err(ctx
                    .err(
                        "chips.other_buyers",
                        &self.name,
                        "fleet",
                        "accelerators owned at the start need somewhere to run: the buyer has no `sites`",
                    )
                    .hint("give it `sites: [(region: \"…\")]`, or remove `fleet`"));
            }
            return Ok(None);
        }
        let mut sites: Vec<SiteConfig> = Vec::with_capacity(self.sites.len());
        for (i, s) in self.sites.iter().enumerate() {
            ctx.check_ref(
                ("chips.other_buyers", &self.name, &format!("sites[{i}].region")),
                &s.region,
                "region",
                regions.iter().copied(),
            )?;
            if sites.iter().any(|o| o.region == s.region) {
                return Err(ctx.err(
                    "chips.other_buyers",
                    &self.name,
                    &format!("sites[{i}].region"),
                    format!("region `{}` appears twice in the buyer's sites", s.region),
                ));
            }
            sites.push(s.to_site_config());
        }
        let initial_accelerators = FleetData::batches(
            ctx,
            ("chips.other_buyers", &self.name, "fleet"),
            &self.fleet,
            designs,
        )?;
        Ok(Some(FleetConfig {
            name: self.name.clone(),
            sites,
            initial_accelerators,
        }))
    }
}

fn d_step() -> Positive {
    Positive(7.0)
}
fn d_wafer() -> Positive {
    Positive(300.0)
}
fn d_alloc() -> AllocationData {
    AllocationData::FirstComeFirstServed
}
fn zero() -> Series {
    Series::Constant(0.0)
}
fn one_series() -> Series {
    Series::Constant(1.0)
}

/// Lithography tool supply.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Tools")]
pub struct ToolsData {
    /// Tools in stock, not yet installed in a fab, at the start (rounded). Default: 0.
    #[serde(default)]
    #[schemars(with = "f64", range(min = 0, max = 1e6))]
    pub inventory_at_start: ToolCount,
    /// Tool imports, tools per year (number or path, every value in [0,
    /// 100,000]; export controls cut it). Default: 0.
    #[serde(default = "zero")]
    pub imports_per_year: Series,
    /// Domestic tool production, tools per year (number or path, every
    /// value in [0, 100,000]). Default: 0.
    #[serde(default = "zero")]
    pub domestic_per_year: Series,
    /// Failures per installed tool per year. Default: 4.
    #[serde(default = "d_tool_fail")]
    #[schemars(with = "f64", range(min = 0, max = 1000))]
    pub failures_per_tool_year: NonNeg,
    /// Repair time, days (a stochastic process whose values are all ≥ 0:
    /// not `Normal` with `sd > 0`; mean at most 3,650 days). Default:
    /// `Exp(mean: 3)`.
    #[serde(default = "d_tool_repair")]
    #[schemars(with = "crate::reference::DistSchema")]
    pub repair_days: Dist,
}

impl Default for ToolsData {
    fn default() -> Self {
        ToolsData {
            inventory_at_start: ToolCount(0.0),
            imports_per_year: zero(),
            domestic_per_year: zero(),
            failures_per_tool_year: d_tool_fail(),
            repair_days: d_tool_repair(),
        }
    }
}

fn d_tool_fail() -> NonNeg {
    NonNeg(4.0)
}
fn d_tool_repair() -> Dist {
    Dist::Exp { mean: 3.0 }
}

/// High-bandwidth memory supply.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Hbm")]
pub struct HbmData {
    /// Stacks in stock at the start (rounded). Default: 0.
    #[serde(default)]
    #[schemars(with = "f64", range(min = 0, max = 1e10))]
    pub stockpile_stacks: StockCount,
    /// Domestic production, stacks per month before yield (number or path,
    /// every value in [0, 10⁹]). Default: 0.
    #[serde(default = "zero")]
    pub domestic_stacks_per_month: Series,
    /// Yield of domestic stacks, fraction (number or path, every value in
    /// [0, 1]). Default: 1.
    #[serde(default = "one_series")]
    pub domestic_yield: Series,
    /// Imports, stacks per month (number or path, every value in [0, 10⁹];
    /// export controls cut it). Default: 0.
    #[serde(default = "zero")]
    pub imports_stacks_per_month: Series,
}

impl Default for HbmData {
    fn default() -> Self {
        HbmData {
            stockpile_stacks: StockCount(0.0),
            domestic_stacks_per_month: zero(),
            domestic_yield: one_series(),
            imports_stacks_per_month: zero(),
        }
    }
}

/// An accelerator design.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Design")]
pub struct DesignData {
    /// Unique design name.
    pub name: String,
    /// Area of one die, mm², in [1, 1000] (sets dies per wafer).
    #[schemars(with = "f64", range(min = 1, max = 1000))]
    pub die_area_mm2: Positive,
    /// Good dies per finished chip (2 for a dual-die package). Default: 1.
    #[serde(default = "d_dies")]
    #[schemars(range(min = 1, max = 16))]
    pub dies_per_chip: u32,
    /// Peak dense BF16 throughput per chip, FLOP/s, in (0, 10¹⁸].
    #[schemars(with = "f64", extend("exclusiveMinimum" = 0), range(max = 1e18))]
    pub peak_flop_s: Positive,
    /// Peak dense FP8 throughput per chip, FLOP/s, if it has FP8; in (0, 10¹⁸].
    #[serde(default)]
    pub fp8_flop_s: Option<Positive>,
    /// Chip power, W (board power, without server overhead or PUE).
    #[schemars(with = "f64", extend("exclusiveMinimum" = 0), range(max = 1e5))]
    pub power_w: Positive,
    /// HBM stacks per chip.
    #[schemars(range(max = 64))]
    pub hbm_stacks: u32,
    /// Process node it needs (matched against fabs' `node`).
    pub node: String,
    /// Unit price, USD: above 0 (orders are placed in dollars and divided
    /// by it), as the supply chain and training require.
    #[schemars(with = "f64", extend("exclusiveMinimum" = 0), range(max = 1e8))]
    pub unit_price_usd: UnitPrice,
    /// First day it can be made or imported (a date before the scenario
    /// start means available at the start). Default: the start.
    #[serde(default, deserialize_with = "crate::dates::de_opt_date")]
    pub available_from: Option<NaiveDate>,
}

/// One design's share of a fab's wafer starts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Product")]
pub struct ProductData {
    /// Design name; the design's `node` must be the fab's.
    pub design: String,
    /// Share of wafer starts (shares are normalised).
    #[schemars(with = "f64", extend("exclusiveMinimum" = 0), range(max = 1e6))]
    pub share: NonNeg,
}

/// A wafer fab.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Fab")]
pub struct FabData {
    /// Unique fab name.
    pub name: String,
    /// Grid region it draws power from.
    pub region: String,
    /// Process node.
    pub node: String,
    /// Wafer-start capacity at full ramp, wafers per month.
    #[schemars(with = "f64", range(min = 0, max = 1e7))]
    pub capacity_wafers_per_month: NonNeg,
    /// Opening date; absent: operating at the start, or opened by a
    /// `NewFab` project that names it. A date before the scenario start is
    /// the fab's real opening: it is operating at full capacity from the
    /// start if its ramp is over by then, else part-way through its ramp,
    /// which goes on from that date. A fab operating at the start
    /// starts with an empty line: no wafers in process (its first dies are
    /// finished one `cycle_time_weeks` after the start) and its yield at
    /// `yield_initial` (learning counts wafers from the start). For a fab
    /// long in production, set `yield_initial` to its yield today and bank
    /// the dies its line holds in a `die_banks` entry; china-2025's banked
    /// TSMC dies cover its first months this way.
    #[serde(default, deserialize_with = "crate::dates::de_opt_date")]
    pub opens: Option<NaiveDate>,
    /// Months from opening to full capacity (linear ramp), at most 240
    /// (20 years). Default: 12.
    #[serde(default = "d_ramp")]
    #[schemars(with = "f64", range(min = 0, max = 240))]
    pub ramp_months: NonNeg,
    /// Weeks from wafer start to finished die, from 1 day (1/7 week) to 2
    /// years (about 104.36 weeks). Default: 13.
    #[serde(default = "d_cycle")]
    #[schemars(with = "f64", range(min = 0.14285714285714285, max = 104.35714285714286))]
    pub cycle_time_weeks: Positive,
    /// Yield of the first wafers, fraction (for a fab operating at the
    /// start, those of the run: learning starts from it at the start).
    pub yield_initial: Fraction,
    /// Yield ceiling, fraction, at least `yield_initial`.
    pub yield_ceiling: Fraction,
    /// Learning scale: cumulative wafers that close 63 % of the gap to the ceiling.
    #[schemars(with = "f64", extend("exclusiveMinimum" = 0), range(max = 1e12))]
    pub yield_learning_wafers: Positive,
    /// Power at full wafer starts of `capacity_wafers_per_month`, MW,
    /// 0–10,000. It is stated at the capacity written beside it: when that
    /// capacity is uncertain, each run's power scales with the drawn
    /// capacity, and a variant's `set` of the capacity alone scales it the
    /// same way (a `set` of both states the power at the set capacity), so
    /// the MW per wafer start are the ones written (refused at load if the
    /// scaled power can leave 0–10,000 MW). A draw of this power is taken at
    /// the base file's capacity even under a variant that sets the capacity:
    /// set the power too in such a variant.
    pub power_mw: FabPower,
    /// Share of full power drawn even with no starts. Default: 0.5.
    #[serde(default = "d_base_power")]
    pub base_power_fraction: Fraction,
    /// Designs it makes and their shares of wafer starts: at least one, at
    /// most 100,000.
    pub products: Vec<ProductData>,
    /// Lithography tools needed per 1,000 wafers per month of capacity. Default: 2.
    #[serde(default = "d_tools_per_kwpm")]
    #[schemars(with = "f64", extend("exclusiveMinimum" = 0), range(max = 1e4))]
    pub tools_per_kwpm: NonNeg,
    /// Tools installed when it opens (or at the start; rounded). Default:
    /// enough for its capacity if it was built before the run (operating at
    /// the start, `opens` on or before the start date, or opened at the
    /// start by a `NewFab` project begun before it whose fixed lead time
    /// has run out); 0 if it opens during the run: it then takes its tools
    /// from the national inventory, as an expansion does, so tool export
    /// controls hold it back.
    #[serde(default)]
    #[schemars(with = "Option<f64>", range(min = 0, max = 1e6))]
    pub tools_at_opening: Option<ToolCount>,
    /// Served power share below which wafers in process are scrapped. Default: 0.9.
    #[serde(default = "d_scrap_below")]
    pub scrap_below_served_fraction: Fraction,
    /// Share of wafers in process scrapped by such a shortfall. Default: 0.1.
    #[serde(default = "d_scrap_share")]
    pub scrap_share_of_in_process: Fraction,
}

fn d_dies() -> u32 {
    1
}
fn d_ramp() -> NonNeg {
    NonNeg(12.0)
}
fn d_cycle() -> Positive {
    Positive(13.0)
}
fn d_base_power() -> Fraction {
    Fraction(0.5)
}
fn d_tools_per_kwpm() -> NonNeg {
    NonNeg(2.0)
}
fn d_scrap_below() -> Fraction {
    Fraction(0.9)
}
fn d_scrap_share() -> Fraction {
    Fraction(0.1)
}

/// What a fab project does.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename = "FabProjectKind")]
pub enum FabProjectKindData {
    /// Opens the named fab on completion.
    NewFab,
    /// Adds capacity to the named fab on completion.
    Expansion {
        /// Added capacity, wafers per month.
        #[schemars(with = "f64", extend("exclusiveMinimum" = 0), range(max = 1e7))]
        added_wafers_per_month: NonNeg,
    },
}

/// A fab construction or expansion project.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename = "FabProject")]
pub struct FabProjectData {
    /// Unique project name.
    pub name: String,
    /// The fab it opens or expands.
    pub fab: String,
    /// New fab or expansion; a fab is opened by at most one `NewFab` project.
    pub kind: FabProjectKindData,
    /// Construction start; absent: started by a `Subsidy` policy that names it.
    /// May be before the scenario start: the project is then still being
    /// built at the start, so a random lead time is drawn conditioned on
    /// outlasting the years already spent (any distribution; at least 10⁻⁶
    /// of its probability must lie beyond them), and the project completes
    /// on its real date, start + lead time. A fixed (`Const`) lead time that
    /// has run out completes at the scenario start, and its fab or expansion
    /// ramps from its real date: at full capacity from the start if the
    /// ramp is over by then, part-way through it otherwise.
    #[serde(default, deserialize_with = "crate::dates::de_opt_date")]
    pub start: Option<NaiveDate>,
    /// Construction time, years of 365.25 days (a stochastic process whose
    /// values are all ≥ 0: not `Normal` with `sd > 0`; mean at most 50
    /// years).
    #[schemars(with = "crate::reference::DistSchema")]
    pub lead_time_years: Dist,
}

/// Imports of one finished accelerator design.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Import")]
pub struct ImportData {
    /// Unique import-flow name.
    pub name: String,
    /// Design imported; at most one licensed and one `grey` import per
    /// design.
    pub design: String,
    /// Units per month (number or path, every value in [0, 10⁹]; export
    /// controls cut it).
    pub units_per_month: Series,
    /// Imported on order: the path is the supply offered, and a tick ships
    /// only what the open orders would take beyond the finished stock (the
    /// tick's domestic units included) and the units in transit; the rest
    /// is not imported (`fab.imports_declined`). Default: false (every unit
    /// of the path arrives, ordered or not).
    #[serde(default)]
    pub on_order: bool,
    /// A grey channel (smuggled or grey-market chips): no export control
    /// acts on it, neither one naming its design nor one on all
    /// accelerators (a national quota neither counts nor caps it), so a ban
    /// stops the design's licensed import and not this one. Its units are
    /// also reported apart, `fab.accelerators_imported_grey_total`.
    /// Default: false (a licensed import, under the controls).
    #[serde(default)]
    pub grey: bool,
}

/// Dies banked before the start.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename = "DieBank")]
pub struct DieBankData {
    /// Unique bank name.
    pub name: String,
    /// Design of the dies.
    pub design: String,
    /// Good dies in the bank (rounded).
    #[schemars(with = "f64", range(min = 0, max = 1e10))]
    pub dies: StockCount,
}

/// What an export control applies to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename = "ControlledItem")]
pub enum ControlledItemData {
    /// Lithography tool imports.
    Tools,
    /// HBM imports.
    Hbm,
    /// Imports of every accelerator design. A `QuotaPerMonth(q)` on it is
    /// one national cap: the imports of all designs together are at most
    /// `q` a month, shared in proportion to each design's own rate. It
    /// replaces an earlier quota or ban on all accelerators, and a design
    /// banned or capped by name stays so inside it.
    Accelerators,
    /// Imports of one accelerator design (one that has an `imports` entry).
    Design(String),
}

/// The control imposed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename = "Control")]
pub enum ControlData {
    /// Imports stop.
    Ban,
    /// Imports capped at a number per month, at most 10⁹.
    QuotaPerMonth(NonNeg),
    /// Imports arrive this many days later (licensing), at most 10 years
    /// (3,652.5 days).
    LicenceDelayDays(NonNeg),
    /// Earlier controls on the item are lifted.
    Lift,
}

/// What a policy does.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename = "PolicyAction")]
pub enum PolicyActionData {
    /// An export control by the supplier country.
    ExportControl {
        /// What it applies to.
        item: ControlledItemData,
        /// The control.
        control: ControlData,
    },
    /// A domestic subsidy that starts the named fab projects.
    Subsidy {
        /// Project names (fab projects without a `start`).
        projects: Vec<String>,
    },
}

/// A dated policy event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Policy")]
pub struct PolicyData {
    /// Unique policy name.
    pub name: String,
    /// Date it takes effect (a date before the scenario start: in force
    /// from the start).
    #[serde(deserialize_with = "crate::dates::de_date")]
    pub date: NaiveDate,
    /// What it does.
    pub action: PolicyActionData,
}

/// The supply-chain part of a scenario, by reference.
pub struct ChipsInput<'a> {
    /// Settings.
    pub chips: &'a ChipsData,
    /// Designs.
    pub designs: &'a [DesignData],
    /// Fabs.
    pub fabs: &'a [FabData],
    /// Projects.
    pub projects: &'a [FabProjectData],
    /// Imports.
    pub imports: &'a [ImportData],
    /// Die banks.
    pub die_banks: &'a [DieBankData],
    /// Policies.
    pub policies: &'a [PolicyData],
    /// Buyers: (lab name, priority).
    pub buyers: Vec<(String, u32)>,
    /// Grid region names, for fab references.
    pub regions: Vec<&'a str>,
}

fn duration(ctx: &Ctx, list: &str, name: &str, field: &str, secs: f64) -> Result<Duration, ScenarioError> {
    Duration::from_secs_f64(secs).ok_or_else(|| ctx.err(list, name, field, "is too long"))
}

/// Builds the supply-chain configuration, checking every reference.
pub fn to_config(ctx: &Ctx, c: &ChipsInput<'_>) -> Result<FabConfig, ScenarioError> {
    let design_names: Vec<&str> = c.designs.iter().map(|d| d.name.as_str()).collect();
    let fab_names: Vec<&str> = c.fabs.iter().map(|f| f.name.as_str()).collect();
    let project_names: Vec<&str> = c.projects.iter().map(|p| p.name.as_str()).collect();
    let path = |s: &Series| s.to_time_path(&ctx.calendar);
    let designs = c
        .designs
        .iter()
        .map(|d| DesignConfig {
            name: d.name.clone(),
            die_area_mm2: d.die_area_mm2.get(),
            dies_per_chip: d.dies_per_chip,
            peak_flop_s_bf16: d.peak_flop_s.get(),
            peak_flop_s_fp8: d.fp8_flop_s.map(Positive::get),
            power_w: d.power_w.get(),
            hbm_stacks_per_chip: d.hbm_stacks,
            node: d.node.clone(),
            unit_price_usd: d.unit_price_usd.get(),
            available_from: d.available_from.map_or(SimTime::ZERO, |date| ctx.at(date)),
        })
        .collect();
    // A `Subsidy` dated before the start began the projects it names on its
    // date, as a date before the start means everywhere else: each is a
    // project with that `start`, still being built at the start (its lead
    // time conditioned on the years spent), and the policy starts nothing.
    let subsidised_before_start = |project: &str| {
        c.policies
            .iter()
            .filter(|pol| ctx.before_start(pol.date).is_some())
            .filter(|pol| {
                matches!(&pol.action, PolicyActionData::Subsidy { projects } if projects.iter().any(|n| n == project))
            })
            .map(|pol| pol.date)
            .min()
    };
    // Each project's start: its own, or that of a subsidy before the start.
    let project_start: Vec<Option<NaiveDate>> = c
        .projects
        .iter()
        .map(|p| p.start.or_else(|| subsidised_before_start(&p.name)))
        .collect();
    let mut fabs = Vec::new();
    for f in c.fabs {
        ctx.check_ref(
            ("fabs", &f.name, "region"),
            &f.region,
            "region",
            c.regions.iter().copied(),
        )?;
        let mut mix = Vec::new();
        for (i, p) in f.products.iter().enumerate() {
            ctx.check_ref(
                ("fabs", &f.name, &format!("products[{i}].design")),
                &p.design,
                "design",
                design_names.iter().copied(),
            )?;
            mix.push(ProductShare {
                design: p.design.clone(),
                share: p.share.get(),
            });
        }
        let opened_by_project = c
            .projects
            .iter()
            .any(|p| p.fab == f.name && matches!(p.kind, FabProjectKindData::NewFab));
        let opens = match (f.opens, opened_by_project) {
            (Some(date), false) => match ctx.before_start(date) {
                None => FabOpening::At(ctx.at(date)),
                // Opened and fully ramped before the start.
                Some(secs) if secs >= f.ramp_months.get() * 2_629_800.0 => FabOpening::Operating,
                // Opened before the start and still ramping: the ramp goes
                // on from its real date, as a `NewFab` project's finished
                // before the start does (refused until the nineteenth
                // session, since the ramp would have restarted).
                Some(secs) => FabOpening::OpenedBefore {
                    since: Duration(secs.round() as u64),
                },
            },
            (None, true) => FabOpening::ByProject,
            (None, false) => FabOpening::Operating,
            (Some(_), true) => {
                return Err(ctx.err(
                    "fabs",
                    &f.name,
                    "opens",
                    "a fab opened by a `NewFab` project takes its date from the project; remove `opens`",
                ));
            }
        };
        // Unless `tools_at_opening` says otherwise, a fab built before the
        // run comes with the tools its capacity needs: operating at the
        // start, opening on the start date, or opened at the start by a
        // `NewFab` project begun before it whose fixed lead time has run out.
        // One that opens during the run (a project still being built at the
        // start included) equips from the national inventory, as an
        // expansion does, so tool export controls hold it back.
        let opened_at_start_by_project = c.projects.iter().zip(&project_start).any(|(p, &start)| {
            let spent = ctx.project_years_spent(start);
            p.fab == f.name
                && matches!(p.kind, FabProjectKindData::NewFab)
                && spent > 0.0
                && matches!(p.lead_time_years, Dist::Const { value } if value <= spent)
        });
        let built_before_run = match opens {
            FabOpening::Operating | FabOpening::OpenedBefore { .. } => true,
            FabOpening::At(t) => t == SimTime::ZERO,
            FabOpening::ByProject => opened_at_start_by_project,
        };
        let default_tools = if built_before_run {
            (f.capacity_wafers_per_month.get() / 1000.0 * f.tools_per_kwpm.get()).ceil()
        } else {
            0.0
        };
        fabs.push(FabSiteConfig {
            name: f.name.clone(),
            region: f.region.clone(),
            node: f.node.clone(),
            capacity_wafers_per_month: f.capacity_wafers_per_month.get(),
            ramp: duration(
                ctx,
                "fabs",
                &f.name,
                "ramp_months",
                f.ramp_months.get() * 2_629_800.0,
            )?,
            opens,
            cycle_time: duration(
                ctx,
                "fabs",
                &f.name,
                "cycle_time_weeks",
                f.cycle_time_weeks.get() * 604_800.0,
            )?,
            yield_curve: YieldCurve {
                initial: f.yield_initial.get(),
                ceiling: f.yield_ceiling.get(),
                learning_wafers: f.yield_learning_wafers.get(),
            },
            power_mw_at_full_starts: f.power_mw.get(),
            base_power_fraction: f.base_power_fraction.get(),
            product_mix: mix,
            tools_per_kwpm: f.tools_per_kwpm.get(),
            tools_at_opening: f.tools_at_opening.map_or(default_tools, ToolCount::get).round() as u64,
            power_shortfall: PowerShortfallRule {
                scrap_below_served_fraction: f.scrap_below_served_fraction.get(),
                scrap_share_of_in_process: f.scrap_share_of_in_process.get(),
            },
        });
    }
    let mut projects = Vec::new();
    for (p, &start) in c.projects.iter().zip(&project_start) {
        ctx.check_ref(
            ("fab_projects", &p.name, "fab"),
            &p.fab,
            "fab",
            fab_names.iter().copied(),
        )?;
        projects.push(FabProjectConfig {
            name: p.name.clone(),
            kind: match &p.kind {
                FabProjectKindData::NewFab => ProjectKind::NewFab { fab: p.fab.clone() },
                FabProjectKindData::Expansion {
                    added_wafers_per_month,
                } => ProjectKind::Expansion {
                    fab: p.fab.clone(),
                    added_wafers_per_month: added_wafers_per_month.get(),
                },
            },
            starts_at: start.map(|d| ctx.at(d)),
            lead_time_years: p.lead_time_years.clone(),
            years_spent_at_start: ctx.project_years_spent(start),
        });
    }
    let mut accelerator_imports = Vec::new();
    for (k, i) in c.imports.iter().enumerate() {
        ctx.check_ref(
            ("imports", &i.name, "design"),
            &i.design,
            "design",
            design_names.iter().copied(),
        )?;
        // One licensed import flow per design (a design's export controls
        // and quota act on it) and one grey flow (outside them).
        if let Some(first) = c.imports[..k]
            .iter()
            .find(|o| o.design == i.design && o.grey == i.grey)
        {
            let (kind, why) = if i.grey {
                (
                    "a grey import",
                    "a second grey flow would be the first's volume split in two",
                )
            } else {
                ("an import", "its export controls and quotas act on that flow")
            };
            return Err(ctx.err(
                "imports",
                &i.name,
                "design",
                format!(
                    "design `{}` already has {kind}, `{}`: at most one licensed and one grey \
                     import per design ({why})",
                    i.design, first.name
                ),
            ));
        }
        accelerator_imports.push(AcceleratorImportConfig {
            design: i.design.clone(),
            units_per_month: path(&i.units_per_month),
            on_order: i.on_order,
            grey: i.grey,
        });
    }
    let mut die_banks = Vec::new();
    for b in c.die_banks {
        ctx.check_ref(
            ("die_banks", &b.name, "design"),
            &b.design,
            "design",
            design_names.iter().copied(),
        )?;
        die_banks.push(DieBankConfig {
            design: b.design.clone(),
            dies: b.dies.get().round() as u64,
        });
    }
    // In date order (stable: policies of one date stay in list order), so
    // that those dated before the start, which all take effect at the start,
    // apply in the order of their dates: a ban lifted before the start is
    // lifted whatever the list's order.
    let mut dated: Vec<&PolicyData> = c.policies.iter().collect();
    dated.sort_by_key(|p| p.date);
    let mut policies = Vec::new();
    for p in dated {
        let action = match &p.action {
            PolicyActionData::ExportControl { item, control } => PolicyAction::ExportControl {
                item: match item {
                    ControlledItemData::Tools => ControlledItem::Tools,
                    ControlledItemData::Hbm => ControlledItem::Hbm,
                    ControlledItemData::Accelerators => ControlledItem::Accelerators { design: None },
                    ControlledItemData::Design(d) => {
                        ctx.check_ref(
                            ("policies", &p.name, "action"),
                            d,
                            "design",
                            design_names.iter().copied(),
                        )?;
                        ControlledItem::Accelerators {
                            design: Some(d.clone()),
                        }
                    }
                },
                control: match control {
                    ControlData::Ban => Control::Ban,
                    ControlData::QuotaPerMonth(q) => Control::QuotaPerMonth(q.get()),
                    ControlData::LicenceDelayDays(d) => Control::LicenceDelay(duration(
                        ctx,
                        "policies",
                        &p.name,
                        "action",
                        d.get() * 86_400.0,
                    )?),
                    ControlData::Lift => Control::Lift,
                },
            },
            PolicyActionData::Subsidy { projects } => {
                for name in projects {
                    ctx.check_ref(
                        ("policies", &p.name, "action"),
                        name,
                        "fab project",
                        project_names.iter().copied(),
                    )?;
                    if c.projects.iter().any(|q| &q.name == name && q.start.is_some()) {
                        return Err(ctx.err(
                            "policies",
                            &p.name,
                            "action",
                            format!(
                                "project `{name}` already has a start date (its `start`): a subsidy \
                                 starts only projects without one"
                            ),
                        ));
                    }
                }
                PolicyAction::Subsidy {
                    // Dated before the start: its projects began on its date
                    // (above), so it starts none now. Later, a project an
                    // earlier subsidy began is already started: starting it
                    // again does nothing, as a second subsidy of a project
                    // does.
                    projects: if ctx.before_start(p.date).is_some() {
                        Vec::new()
                    } else {
                        projects
                            .iter()
                            .filter(|n| subsidised_before_start(n).is_none())
                            .cloned()
                            .collect()
                    },
                }
            }
        };
        policies.push(PolicyConfig {
            name: p.name.clone(),
            at: ctx.at(p.date),
            action,
        });
    }
    let ch = c.chips;
    Ok(FabConfig {
        production_step: duration(
            ctx,
            "chips",
            "settings",
            "production_step_days",
            ch.production_step_days.get() * 86_400.0,
        )?,
        wafer_diameter_mm: ch.wafer_diameter_mm.get(),
        designs,
        fabs,
        projects,
        tools: ToolSupplyConfig {
            inventory_at_start: ch.tools.inventory_at_start.get().round() as u64,
            imports_per_year: path(&ch.tools.imports_per_year),
            domestic_per_year: path(&ch.tools.domestic_per_year),
            failures_per_tool_year: ch.tools.failures_per_tool_year.get(),
            repair_days: ch.tools.repair_days.clone(),
        },
        hbm: HbmConfig {
            stockpile_stacks_at_start: ch.hbm.stockpile_stacks.get().round() as u64,
            domestic_stacks_per_month: path(&ch.hbm.domestic_stacks_per_month),
            domestic_yield: path(&ch.hbm.domestic_yield),
            imports_stacks_per_month: path(&ch.hbm.imports_stacks_per_month),
        },
        packaging_units_per_month: path(&ch.packaging_units_per_month),
        accelerator_imports,
        die_banks,
        policies,
        buyers: c
            .buyers
            .iter()
            .map(|(name, priority)| BuyerConfig {
                name: name.clone(),
                priority: *priority,
            })
            .collect(),
        allocation: match ch.allocation {
            AllocationData::FirstComeFirstServed => AllocationPolicy::FirstComeFirstServed,
            AllocationData::ProRata => AllocationPolicy::ProRata,
            AllocationData::Priority => AllocationPolicy::Priority,
        },
        // Set by `world::configs`, which knows the horizon.
        horizon_end: None,
        die_bank_target: match ch.die_bank_target_weeks {
            Some(w) => Some(duration(
                ctx,
                "chips",
                "settings",
                "die_bank_target_weeks",
                w.get() * 7.0 * 86_400.0,
            )?),
            None => None,
        },
    })
}
