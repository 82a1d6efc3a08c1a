//! The plain configuration of the supply chain (`FabConfig`): what `stack`
//! builds from a scenario. No serde here; every field documents its unit and
//! range, and [`SupplyChain::new`](crate::SupplyChain::new) validates them.
//!
//! Rates "per month" use the mean month, one twelfth of a Julian year
//! ([`MONTH_SECS`](crate::MONTH_SECS) seconds).

use crate::yield_curve::YieldCurve;
use scheduler::{Dist, Duration, SimTime, TimePath};

/// Everything the supply chain needs to run.
#[derive(Clone, Debug, PartialEq)]
pub struct FabConfig {
    /// Interval between production ticks (wafer starts, assembly,
    /// deliveries). Range: 1 hour to 92 days. A week is a good default.
    pub production_step: Duration,
    /// Wafer diameter for the gross-die formula, mm (300 for today's fabs).
    /// Range: 150 to 450 ([`crate::WAFER_DIAMETER_MM`]).
    pub wafer_diameter_mm: f64,
    /// Accelerator designs, produced by fabs or imported. May be empty: a
    /// world without accelerators, where no fab can exist (a fab's product
    /// mix names designs) and orders close unfilled.
    pub designs: Vec<DesignConfig>,
    /// Fabs, including those that only open when a project builds them.
    pub fabs: Vec<FabSiteConfig>,
    /// Construction and expansion projects.
    pub projects: Vec<FabProjectConfig>,
    /// National supply of lithography tools.
    pub tools: ToolSupplyConfig,
    /// High-bandwidth memory supply.
    pub hbm: HbmConfig,
    /// Advanced packaging capacity, accelerator packages per month (≥ 0).
    pub packaging_units_per_month: TimePath,
    /// Imports of finished accelerators: per imported design one licensed
    /// stream (under export controls) and at most one grey stream (outside
    /// them, [`AcceleratorImportConfig::grey`]).
    pub accelerator_imports: Vec<AcceleratorImportConfig>,
    /// Dies banked before the run (e.g. before a control date), by design.
    pub die_banks: Vec<DieBankConfig>,
    /// Dated policy events.
    pub policies: Vec<PolicyConfig>,
    /// Buyers that place orders (the labs, mapped by `stack`).
    pub buyers: Vec<BuyerConfig>,
    /// How finished accelerators are shared among open orders.
    pub allocation: AllocationPolicy,
    /// The wafer-start planner's die-bank target `W`, as a span of the
    /// back end's die consumption (e.g. 13 weeks), at most
    /// [`crate::MAX_DIE_BANK_TARGET`]. `Some(W)`: at every tick each design
    /// made in a fab is planned to an order-up-to level `S = r × (W + L +
    /// Δt)` dies (`r`: dies per second the back end could assemble this
    /// tick, from its packaging slots and HBM stock; `L`: the longest cycle
    /// time of the open fabs making it; `Δt`: the step), and its fabs start
    /// only the wafers that bring the die stock plus the good dies expected
    /// from the wafers in process up to `S`, so the bank settles at `r × W`;
    /// capacity left unstarted is reported (`fab.wafers_forgone`) and draws
    /// no variable power. `None` (the default): every fab starts at its
    /// capacity whatever the die stock. See `docs/model/fab-supply-chain.md`,
    /// "The wafer-start planner".
    pub die_bank_target: Option<Duration>,
    /// The end of the run's horizon, if the caller knows it (the stack
    /// does): a production tick that runs past it books only its share
    /// inside the horizon, `(end − tick)/step` of a step's wafer starts,
    /// supplies and imports, so that a run of 0.1 years books 0.1 years of
    /// output, not a whole last week more. `None` (the default of the
    /// examples and tests): every tick is booked in full.
    pub horizon_end: Option<SimTime>,
}

/// An accelerator design. A finished chip takes `dies_per_chip` good dies
/// (usually one), its HBM stacks and one packaging slot.
#[derive(Clone, Debug, PartialEq)]
pub struct DesignConfig {
    /// Unique name (entity column of outputs).
    pub name: String,
    /// Area of one die, mm². Range: [1, 1000] ([`crate::DIE_AREA_MM2`]).
    pub die_area_mm2: f64,
    /// Good dies per finished chip (1 for most; 2 for a dual-die package
    /// such as the Ascend 910C). Range: 1 to 16.
    pub dies_per_chip: u32,
    /// Peak dense BF16 throughput per chip, FLOP/s. Range: (0, 1e18].
    pub peak_flop_s_bf16: f64,
    /// Peak dense FP8 throughput per chip, FLOP/s, if the chip has FP8.
    pub peak_flop_s_fp8: Option<f64>,
    /// Power per chip, W (chip only; `stack` adds overhead and PUE).
    /// Range: (0, 1e5].
    pub power_w: f64,
    /// HBM stacks per finished chip. Range: 0 to 64.
    pub hbm_stacks_per_chip: u32,
    /// Process node the die needs (a fab makes it only on this node).
    pub node: String,
    /// Price per finished chip, constant USD. Range: (0, 1e8].
    pub unit_price_usd: f64,
    /// First instant the design can be started in a fab, assembled or
    /// imported (import flows ship nothing of it before).
    pub available_from: SimTime,
}

/// When a fab starts producing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FabOpening {
    /// Already running at full ramp when the run starts.
    Operating,
    /// Opens at this instant, then ramps up over `ramp`.
    At(SimTime),
    /// Opened `since` before time zero: open from the start, its ramp
    /// going on from its real opening date (fully ramped if `since` is at
    /// least `ramp`, as `Operating`).
    OpenedBefore {
        /// How long before time zero it opened.
        since: Duration,
    },
    /// Opens when a [`ProjectKind::NewFab`] project naming it completes.
    ByProject,
}

/// What happens to wafers in process when the grid serves a fab less power
/// than it asks for.
///
/// Rule: each tick's wafer starts are scaled by the time-weighted mean of
/// the served fraction `f` over the step before the tick. When `f` falls from at or above `scrap_below_served_fraction` to
/// below it, every lot in process loses `round(scrap_share_of_in_process ×
/// lot wafers)` wafers (scrapped: an interrupted process step ruins the
/// exposed wafers). Staying below the threshold scraps nothing more; the
/// fab must recover to the threshold before another drop scraps again.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PowerShortfallRule {
    /// Served-power fraction below which a drop scraps wafers. Range: [0, 1].
    pub scrap_below_served_fraction: f64,
    /// Share of each in-process lot scrapped by such a drop. Range: [0, 1].
    pub scrap_share_of_in_process: f64,
}

/// One design a fab makes, and its share of the fab's wafer starts.
#[derive(Clone, Debug, PartialEq)]
pub struct ProductShare {
    /// Design name (must be on the fab's node).
    pub design: String,
    /// Relative share of starts (> 0); shares are normalised over the
    /// designs available at each tick.
    pub share: f64,
}

/// A wafer fab (or the part of one that makes AI dies).
#[derive(Clone, Debug, PartialEq)]
pub struct FabSiteConfig {
    /// Unique name.
    pub name: String,
    /// Grid region the fab draws power in (the integrator registers a load).
    pub region: String,
    /// Process node, e.g. "N+2".
    pub node: String,
    /// Nameplate wafer-start capacity at full ramp, wafers per month.
    /// Range: [0, 1e7]. Expansion projects add to it.
    pub capacity_wafers_per_month: f64,
    /// Linear ramp from zero to nameplate after opening (and after each
    /// expansion, for the added capacity). Zero means immediate.
    pub ramp: Duration,
    /// When the fab opens.
    pub opens: FabOpening,
    /// Wafer start to finished, probed die. Range: 1 day to 2 years.
    pub cycle_time: Duration,
    /// Die yield as a function of cumulative wafers completed.
    pub yield_curve: YieldCurve,
    /// Electric power at full starts of `capacity_wafers_per_month`, MW.
    /// Range: [0, 1e4]. It sets the fab's intensity (MW per wafer/month),
    /// so each expansion brings power in proportion to its wafers.
    pub power_mw_at_full_starts: f64,
    /// Share of full power drawn by an open fab with no starts (clean
    /// rooms, utilities). Range: [0, 1].
    pub base_power_fraction: f64,
    /// Designs made and their shares of starts. At least one.
    pub product_mix: Vec<ProductShare>,
    /// Lithography tools needed per 1,000 wafers/month of starts. Range:
    /// (0, 1e4].
    pub tools_per_kwpm: f64,
    /// Tools the fab has when it opens (before drawing on the national
    /// inventory). Range: up to 1e6.
    pub tools_at_opening: u64,
    /// What a power shortfall does to wafers in process.
    pub power_shortfall: PowerShortfallRule,
}

/// The national supply of lithography tools (scanners): an inventory fed by
/// imports and domestic production, drawn by open fabs up to their need.
#[derive(Clone, Debug, PartialEq)]
pub struct ToolSupplyConfig {
    /// Uninstalled tools on hand at the start. Range: up to 1e6.
    pub inventory_at_start: u64,
    /// Imported tools per year before controls (≥ 0, at most 1e5).
    pub imports_per_year: TimePath,
    /// Domestically produced tools per year, its ramp as a path (≥ 0, at
    /// most 1e5).
    pub domestic_per_year: TimePath,
    /// Failures per installed, working tool per year (Poisson). Range:
    /// [0, 1000].
    pub failures_per_tool_year: f64,
    /// Repair time of one failed tool, days: a distribution whose values
    /// are all ≥ 0 (not `Normal` with `sd > 0`), with a mean of at most
    /// 3,650 days; refused otherwise, as the grid refuses its repair times.
    pub repair_days: Dist,
}

/// High-bandwidth memory supply, in stacks.
#[derive(Clone, Debug, PartialEq)]
pub struct HbmConfig {
    /// Stacks in stock at the start (e.g. stockpiled before a control).
    /// Range: up to 1e10.
    pub stockpile_stacks_at_start: u64,
    /// Domestic stack starts per month (≥ 0, at most 1e9).
    pub domestic_stacks_per_month: TimePath,
    /// Yield of domestic stacks, a fraction in [0, 1].
    pub domestic_yield: TimePath,
    /// Imported stacks per month before controls (≥ 0, at most 1e9).
    pub imports_stacks_per_month: TimePath,
}

/// Imports of one finished accelerator design.
#[derive(Clone, Debug, PartialEq)]
pub struct AcceleratorImportConfig {
    /// Design name.
    pub design: String,
    /// Units per month before controls (≥ 0, at most 1e9).
    pub units_per_month: TimePath,
    /// Imported on order: each tick ships at most what the open orders
    /// would take (a dry run of the allocation) beyond the finished stock
    /// (the units assembled at home in the tick included: on-order flows
    /// ship after assembly) and the units in transit, so the path is the
    /// supply offered to the country, not a delivery pushed into stock
    /// (what orders do not take is declined, `fab.imports_declined`).
    /// `false`: every unit of the path arrives, ordered or not.
    pub on_order: bool,
    /// A grey channel (smuggled or grey-market chips): no export control
    /// acts on it — neither a ban, quota or licence delay naming its
    /// design nor one on all accelerators (whose national quota it is not
    /// part of) — so it keeps shipping its path through them. A design has
    /// at most one licensed (`false`) and one grey import; a control naming
    /// a design needs a licensed one. `false`: the licensed channel.
    pub grey: bool,
}

/// Good dies of one design banked before the run.
#[derive(Clone, Debug, PartialEq)]
pub struct DieBankConfig {
    /// Design name.
    pub design: String,
    /// Good dies in the bank. Range: up to 1e10.
    pub dies: u64,
}

/// What a project builds.
#[derive(Clone, Debug, PartialEq)]
pub enum ProjectKind {
    /// Opens a fab whose `opens` is [`FabOpening::ByProject`].
    NewFab {
        /// Fab name.
        fab: String,
    },
    /// Adds nameplate capacity to a fab (ramped from completion).
    Expansion {
        /// Fab name.
        fab: String,
        /// Added capacity, wafers per month. Range: (0, 1e7].
        added_wafers_per_month: f64,
    },
}

/// A construction or expansion project with an uncertain lead time. Its
/// capacity still needs tools: a fab never starts more wafers than its
/// installed, working tools allow.
#[derive(Clone, Debug, PartialEq)]
pub struct FabProjectConfig {
    /// Unique name (random stream `fab/project/<name>`).
    pub name: String,
    /// What it builds.
    pub kind: ProjectKind,
    /// When construction starts; `None` if a subsidy policy starts it.
    pub starts_at: Option<SimTime>,
    /// Construction lead time, years: a distribution whose values are all
    /// ≥ 0 (not `Normal` with `sd > 0`), with a mean of at most 50 years;
    /// refused otherwise, as the grid refuses its project lead times.
    pub lead_time_years: Dist,
    /// Years of construction already spent at time zero, finite and ≥ 0 (a
    /// project begun before the scenario start; 0 otherwise). Such a project
    /// is still being built at time zero, so its lead time is drawn
    /// conditioned on outlasting these years ([`Dist::still_to_run`], the
    /// grid's rule) and it completes after the draw less these years; a
    /// fixed (`Const`) lead time that has run out completes at once. Refused
    /// when less than 10⁻⁶ of the lead time's probability lies beyond them
    /// (the project has almost surely completed before the start).
    pub years_spent_at_start: f64,
}

/// A dated policy event.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyConfig {
    /// Unique name.
    pub name: String,
    /// When it takes effect.
    pub at: SimTime,
    /// What it does.
    pub action: PolicyAction,
}

/// What a policy event does.
#[derive(Clone, Debug, PartialEq)]
pub enum PolicyAction {
    /// A foreign export control on an input.
    ExportControl {
        /// The input controlled.
        item: ControlledItem,
        /// The control.
        control: Control,
    },
    /// A domestic subsidy that starts the named projects (those with
    /// `starts_at: None`; already started ones are left alone).
    Subsidy {
        /// Project names.
        projects: Vec<String>,
    },
}

/// Inputs an export control can act on.
#[derive(Clone, Debug, PartialEq)]
pub enum ControlledItem {
    /// Imported lithography tools.
    Tools,
    /// Imported HBM stacks.
    Hbm,
    /// Imported finished accelerators: one design, or all (`None`). A
    /// [`Control::QuotaPerMonth`] on all is one national cap on the sum of
    /// every design's imports, shared in proportion to their rates; it
    /// replaces an earlier quota or ban on all, and leaves the controls
    /// naming a design in force inside it.
    Accelerators {
        /// Design name, or `None` for every imported design.
        design: Option<String>,
    },
}

/// An export control. Ban and quota cap the monthly flow; a licence delay
/// holds each shipment for that long. A later control on the same item
/// replaces the cap (ban/quota/lift) or the delay (licence delay); `Lift`
/// removes both.
#[derive(Clone, Debug, PartialEq)]
pub enum Control {
    /// No more imports.
    Ban,
    /// At most this many units per month (≥ 0); on all accelerators, in
    /// total over every design.
    QuotaPerMonth(f64),
    /// Every shipment arrives this much later than it would have.
    LicenceDelay(Duration),
    /// Removes any cap and delay.
    Lift,
}

/// A buyer of accelerators.
#[derive(Clone, Debug, PartialEq)]
pub struct BuyerConfig {
    /// Unique name.
    pub name: String,
    /// Rank under [`AllocationPolicy::Priority`]: higher is served first.
    pub priority: u32,
}

/// How finished accelerators are shared among open orders at each tick.
/// Designs are handed out in config order; see `docs/model/fab-supply-chain.md`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AllocationPolicy {
    /// Oldest order first, each filled as far as its value allows.
    FirstComeFirstServed,
    /// Units split in proportion to what each order can still buy
    /// (largest remainder for the odd units, oldest first on ties).
    ProRata,
    /// Highest buyer priority first, oldest first within a priority.
    Priority,
}
