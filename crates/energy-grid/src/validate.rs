//! The grid's error type and the validation of a [`GridConfig`].
//!
//! Validation refuses every non-finite or out-of-range number, duplicate
//! names and dangling region references, naming the entity and the field, so
//! a run never starts from a configuration that could produce NaN.

use crate::buildout::programme_steps;
use crate::config::{
    Availability, GridConfig, LoadClass, MAX_HOLD_HOURS, MaintenanceConfig, PlantGroupConfig, Technology,
};
use crate::grid::SECS_PER_YEAR_F;
use scheduler::{Dist, Num, ScheduleError, SimTime, TimePath};
use std::collections::HashSet;

/// Why the grid refused a configuration, an input call or an event.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum GridError {
    /// A configuration value is out of range or not finite. Fatal: the grid is not built.
    #[error("{entity}: `{field}` {reason}")]
    InvalidConfig {
        /// The entity, e.g. "region `north` / plant group `north-coal`".
        entity: String,
        /// The field path within the entity, e.g. "availability.capacity_factor".
        field: &'static str,
        /// What was wrong and what was expected.
        reason: String,
    },
    /// A reference to a region that does not exist. Fatal: the grid is not built.
    #[error("{entity}: `{field}` names region `{name}`, which does not exist")]
    UnknownRegion {
        /// The referring entity.
        entity: String,
        /// The referring field.
        field: &'static str,
        /// The missing region name.
        name: String,
    },
    /// Two entities of one kind share a name (names key random streams and outputs). Fatal.
    #[error("two {kind}s are named `{name}`; names must be unique")]
    DuplicateName {
        /// The kind of entity ("region", "plant group", ...).
        kind: &'static str,
        /// The duplicated name.
        name: String,
    },
    /// An input call named a load or region id this grid never issued. The call had no effect.
    #[error("unknown {kind} id {id}")]
    UnknownId {
        /// "load" or "region".
        kind: &'static str,
        /// The id.
        id: u32,
    },
    /// An input call passed a non-finite or out-of-range number. The call had no effect.
    #[error("{call}: `{field}` {reason}")]
    InvalidInput {
        /// The method, e.g. "set_load_demand".
        call: &'static str,
        /// The argument.
        field: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// A quantity could not be computed during the run (non-finite demand,
    /// availability or draw). Fatal to the run.
    #[error("{what} could not be computed at t={at_secs}s: {detail}")]
    NotComputable {
        /// What, naming the entity.
        what: String,
        /// Simulated time, seconds.
        at_secs: u64,
        /// The offending value or cause.
        detail: String,
    },
    /// Build-out would take a plant group with forced outages past the unit
    /// limit (10⁶ units, the limit validation applies to configured capacity:
    /// each unit on outage holds a repair instant, so the count bounds the
    /// run's memory). Fatal to the run; nothing was added. A backstop:
    /// [`Grid::new`](crate::Grid::new) refuses projects that could do this,
    /// and [`GridConfig::check_horizon`] programmes that could within a
    /// horizon.
    #[error(
        "plant group `{group}`: adding {added_mw} MW at t={at_secs}s would give it {units:.0} units \
         of {unit_size_mw} MW, more than the limit of {limit} units; use larger units \
         (`unit_size_mw`) or build less"
    )]
    TooManyUnits {
        /// The plant group that receives the build-out.
        group: String,
        /// The MW being added.
        added_mw: f64,
        /// Simulated time, seconds.
        at_secs: u64,
        /// Units the group would have.
        units: f64,
        /// Its unit size, MW.
        unit_size_mw: f64,
        /// The limit, units.
        limit: f64,
    },
    /// An adequacy check would start more construction projects than a
    /// run may hold ([`crate::MAX_PROJECTS`], a bound on the
    /// run's memory). Fatal to the run; the check started nothing.
    #[error(
        "adequacy `{response}` in `{region}`: the check at t={at_secs}s would start {units:.0} projects \
         of {unit_mw} MW to close a gap of {gap_mw:.0} MW of firm capacity, more than a run may hold \
         ({limit} projects, {held} held now); use larger units (`unit_mw`) or fewer a year \
         (`max_mw_per_year`)"
    )]
    TooManyProjects {
        /// The adequacy response.
        response: String,
        /// The region it checked.
        region: String,
        /// Projects the check would start.
        units: f64,
        /// Their size, MW.
        unit_mw: f64,
        /// The firm capacity missing at the forecast horizon, MW.
        gap_mw: f64,
        /// Simulated time, seconds.
        at_secs: u64,
        /// Projects the run held before the check.
        held: usize,
        /// The limit, projects.
        limit: usize,
    },
    /// The agenda refused an event (in the past, or the clock overflowed). Fatal to the run.
    #[error("scheduling a grid event failed: {0}")]
    Schedule(#[from] ScheduleError),
}

/// Refuses a scarcity price below the marginal cost of a plant group
/// (those a build-out adds included): a curtailing region is priced at the
/// scarcity price, so shortage hours would be priced below the plants
/// running in them, the cheapest hours of the run instead of the dearest.
pub(crate) fn check_scarcity_price(config: &GridConfig) -> Result<(), GridError> {
    let dearest = config
        .regions
        .iter()
        .flat_map(|r| r.fleet.iter().map(move |g| (r, g)))
        .max_by(|a, b| {
            a.1.marginal_cost_usd_per_mwh
                .total_cmp(&b.1.marginal_cost_usd_per_mwh)
        });
    match dearest {
        Some((r, g)) if g.marginal_cost_usd_per_mwh > config.scarcity_price_usd_per_mwh => {
            Err(GridError::InvalidConfig {
                entity: "grid".into(),
                field: "scarcity_price_usd_per_mwh",
                reason: format!(
                    "{} USD/MWh is below the marginal cost of plant group `{}` in region `{}` ({} USD/MWh): \
                     a region that curtails is priced at the scarcity price, which must be at least \
                     the dearest plant's cost",
                    config.scarcity_price_usd_per_mwh, g.name, r.name, g.marginal_cost_usd_per_mwh
                ),
            })
        }
        _ => Ok(()),
    }
}

/// Checks `lo ≤ v ≤ hi` (and finite).
pub(crate) fn check_range(
    entity: &str,
    field: &'static str,
    v: f64,
    lo: f64,
    hi: f64,
) -> Result<(), GridError> {
    if v.is_finite() && v >= lo && v <= hi {
        Ok(())
    } else {
        Err(GridError::InvalidConfig {
            entity: entity.to_string(),
            field,
            reason: format!(
                "must be a finite number in [{}, {}], got {}",
                Num(lo),
                Num(hi),
                Num(v)
            ),
        })
    }
}

/// Largest `seasonal_amplitude + semiannual_amplitude` of a region's demand.
pub const MAX_SEASONAL_SWING: f64 = 0.99;

/// Refuses a seasonal demand shape that could reach zero. The seasonal
/// factor `1 + a_s·cos(θ_y − θ_1) + a_2·cos(2(θ_y − θ_2))` is at least
/// `1 − a_s − a_2` (each cosine is at least −1), and exactly that at its
/// trough when the peak days lie a quarter of a year apart (modulo half a
/// year: both cosines are −1 at once). So `a_s + a_2 < 1` is what keeps
/// demand positive for every choice of peak days; the bound is 0.99, as
/// each amplitude's own (the factor stays at least 0.01). It does not
/// depend on the peak days, so a batch that samples them never meets a
/// run the grid refuses.
fn check_seasonal_trough(entity: &str, d: &crate::DemandConfig) -> Result<(), GridError> {
    let swing = d.seasonal_amplitude + d.semiannual_amplitude;
    if swing <= MAX_SEASONAL_SWING {
        return Ok(());
    }
    Err(GridError::InvalidConfig {
        entity: entity.to_string(),
        field: "demand.semiannual_amplitude",
        reason: format!(
            "plus `seasonal_amplitude` must be at most {} (the seasonal factor's trough is \
             1 − their sum when the peak days lie a quarter of a year apart), got {} + {} = {}",
            Num(MAX_SEASONAL_SWING),
            Num(d.semiannual_amplitude),
            Num(d.seasonal_amplitude),
            Num(swing)
        ),
    })
}

/// Checks `lo < v < hi` (and finite).
fn check_open(entity: &str, field: &'static str, v: f64, lo: f64, hi: f64) -> Result<(), GridError> {
    if v.is_finite() && v > lo && v < hi {
        Ok(())
    } else {
        Err(GridError::InvalidConfig {
            entity: entity.to_string(),
            field,
            reason: format!(
                "must be a finite number in ({}, {}), got {}",
                Num(lo),
                Num(hi),
                Num(v)
            ),
        })
    }
}

/// Checks a distribution is valid and its support lies within `[lo, hi]`.
fn check_dist(entity: &str, field: &'static str, d: &Dist, lo: f64, hi: f64) -> Result<(), GridError> {
    d.validate().map_err(|reason| GridError::InvalidConfig {
        entity: entity.to_string(),
        field,
        reason,
    })?;
    let (min, max) = d.support();
    if min < lo || max > hi {
        let (range, tail) = if hi.is_infinite() {
            (
                format!("be ≥ {lo}"),
                format!(
                    "; use one that stays ≥ {lo} (`LogNormal`, `Exp`, `Weibull`, or `Uniform`, \
                     `Triangular`, `Pert` with `low` ≥ {lo}), or cut it with \
                     `Truncated(dist: …, low: {lo}, high: …)`"
                ),
            )
        } else {
            (
                format!("lie in [{lo}, {hi}]"),
                format!(
                    "; use one within it (`Uniform`, `Triangular`, `Pert`{}), or cut it with \
                     `Truncated(dist: …, low: {lo}, high: {hi})`",
                    if (lo, hi) == (0.0, 1.0) { ", `Beta`" } else { "" }
                ),
            )
        };
        return Err(GridError::InvalidConfig {
            entity: entity.to_string(),
            field,
            reason: format!(
                "values must {range}, but the distribution ranges over {}{tail}",
                interval(min, max)
            ),
        });
    }
    Ok(())
}

/// Checks a duration's distribution: valid, never below 0, and a mean of at
/// most `max_mean` (so that a draw past the simulated clock's range, some
/// 5.8·10¹¹ years, has a chance below 10⁻¹⁰ by Markov's inequality: the
/// run does not stop on it).
pub(crate) fn check_duration(
    entity: &str,
    field: &'static str,
    d: &Dist,
    max_mean: f64,
    unit: &str,
) -> Result<(), GridError> {
    check_dist(entity, field, d, 0.0, f64::INFINITY)?;
    let mean = d.mean();
    if !(mean.is_finite() && mean <= max_mean) {
        return Err(GridError::InvalidConfig {
            entity: entity.to_string(),
            field,
            reason: format!("must have a mean of at most {max_mean} {unit}, got {}", Num(mean)),
        });
    }
    Ok(())
}

/// `[min, max]` as a reader writes it: `(−∞, ∞)` for unbounded ends.
fn interval(min: f64, max: f64) -> String {
    let lo = if min == f64::NEG_INFINITY {
        "(−∞".to_string()
    } else {
        format!("[{}", Num(min))
    };
    let hi = if max == f64::INFINITY {
        "∞)".to_string()
    } else {
        format!("{}]", Num(max))
    };
    format!("{lo}, {hi}")
}

/// Checks every point of a time path lies in `[lo, hi]`.
fn check_path(entity: &str, field: &'static str, p: &TimePath, lo: f64, hi: f64) -> Result<(), GridError> {
    for &(_, v) in p.points() {
        check_range(entity, field, v, lo, hi)?;
    }
    Ok(())
}

/// The longest drought, days: 100 Julian years (36,525 days), the longest
/// horizon `stack` runs, so a drought of this length outlasts every run it
/// can start in. A dated drought may be at most this long; a drought
/// process's lengths must have a mean of at most this, and a longer draw
/// lasts this long (which no run of 100 years or less can tell apart).
pub const MAX_DROUGHT_DAYS: f64 = 36_525.0;

/// The longest capacity derate, days: as [`MAX_DROUGHT_DAYS`], 100 Julian
/// years, longer than any run.
pub const MAX_DERATE_DAYS: f64 = MAX_DROUGHT_DAYS;

/// The largest demand factor of a derate: non-AI demand at most ten times
/// its normal level while it lasts (a cold snap raises it by tens of per cent).
pub const MAX_DERATE_DEMAND_FACTOR: f64 = 10.0;

/// Longest mean construction time of a grid project, years (as for a fab
/// project): longer is no plan within a run of at most 100 years.
pub const MAX_LEAD_TIME_YEARS: f64 = 50.0;

/// Longest mean repair time of a plant unit's forced outage, days (ten
/// years, as for a fab's tool): a longer one is a retirement.
pub const MAX_REPAIR_DAYS: f64 = 3_650.0;

/// The largest MW figure accepted anywhere (10 TW: several times any national grid).
pub const MAX_MW: f64 = 1e7;
/// The largest battery energy of a region, MWh (a region's configured
/// `storage.energy_mwh` at most, and what build-out stops at).
pub const MAX_STORAGE_MWH: f64 = 1e9;
/// The largest unit count a plant group with forced outages may have, from
/// its configured capacity or from build-out (each unit on outage holds a
/// repair instant: the count bounds memory). Since installed MW stops at
/// [`MAX_MW`], units of `MAX_MW / MAX_UNITS` = 10 MW or more never reach it.
pub(crate) const MAX_UNITS: f64 = 1e6;

/// Checks a plant group's planned maintenance: a firm group, an outage of
/// 1–365 days every 1–120 months, allowed months 1–12 each at most once.
/// Whether the outages fit the allowed months is checked when the grid is
/// built (the default months depend on the region).
fn check_maintenance(entity: &str, g: &PlantGroupConfig, m: &MaintenanceConfig) -> Result<(), GridError> {
    let err = |field: &'static str, reason: String| GridError::InvalidConfig {
        entity: entity.to_string(),
        field,
        reason,
    };
    if !matches!(g.availability, Availability::Firm) {
        return Err(err(
            "maintenance",
            format!(
                "is for firm groups (coal, gas, nuclear), not {}",
                g.technology.key()
            ),
        ));
    }
    check_range(entity, "maintenance.days", m.days, 1.0, 365.0)?;
    check_range(entity, "maintenance.every_months", m.every_months, 1.0, 120.0)?;
    if let Some(months) = &m.months {
        if months.is_empty() {
            return Err(err(
                "maintenance.months",
                "is empty: list the months (1-12) in which planned outages may lie, or leave it out \
                 for the region's shoulder months"
                    .into(),
            ));
        }
        let mut seen = [false; 12];
        for &month in months {
            if !(1..=12).contains(&month) {
                return Err(err(
                    "maintenance.months",
                    format!("must list months 1 (January) to 12 (December), got {month}"),
                ));
            }
            if std::mem::replace(&mut seen[month as usize - 1], true) {
                return Err(err("maintenance.months", format!("lists month {month} twice")));
            }
        }
    }
    Ok(())
}

fn check_group(entity: &str, g: &PlantGroupConfig) -> Result<(), GridError> {
    if g.technology == Technology::Battery {
        return Err(GridError::InvalidConfig {
            entity: entity.to_string(),
            field: "technology",
            reason: "batteries are not a plant group: use the region's `storage`".into(),
        });
    }
    check_range(entity, "installed_mw", g.installed_mw, 0.0, MAX_MW)?;
    check_range(
        entity,
        "marginal_cost_usd_per_mwh",
        g.marginal_cost_usd_per_mwh,
        0.0,
        1e5,
    )?;
    check_range(entity, "emissions_t_per_mwh", g.emissions_t_per_mwh, 0.0, 10.0)?;
    check_range(entity, "failure_rate_per_year", g.failure_rate_per_year, 0.0, 1e4)?;
    check_range(entity, "must_run_fraction", g.must_run_fraction, 0.0, 1.0)?;
    check_range(
        entity,
        "reservoir_hours",
        g.reservoir_hours,
        0.0,
        crate::config::MAX_RESERVOIR_HOURS,
    )?;
    if g.reservoir_hours > 0.0 && g.technology != Technology::Hydro {
        // Sun and wind cannot be stored behind a dam; firm plants burn fuel
        // when dispatched.
        return Err(GridError::InvalidConfig {
            entity: entity.to_string(),
            field: "reservoir_hours",
            reason: format!("a reservoir is for hydro groups, not {}", g.technology.key()),
        });
    }
    if g.reservoir_hours > 0.0 && g.must_run_fraction > 0.0 {
        // A reservoir's schedule decides when its water runs.
        return Err(GridError::InvalidConfig {
            entity: entity.to_string(),
            field: "must_run_fraction",
            reason: "a hydro group with a reservoir runs its water on the reservoir's schedule, not a must-run share: \
                     give one of `reservoir_hours` and `must_run_fraction`"
                .into(),
        });
    }
    if let Some(m) = &g.maintenance {
        check_maintenance(entity, g, m)?;
    }
    if g.has_units() {
        check_range(entity, "unit_size_mw", g.unit_size_mw, 1e-3, MAX_MW)?;
        if g.failure_rate_per_year > 0.0 && !matches!(g.availability, Availability::Firm) {
            // The step's availability of wind, solar and hydro comes from
            // their weather or shape: units failing would have no effect.
            return Err(GridError::InvalidConfig {
                entity: entity.to_string(),
                field: "failure_rate_per_year",
                reason: format!(
                    "forced outages are for firm groups (coal, gas, nuclear), not {}",
                    g.technology.key()
                ),
            });
        }
        if g.installed_mw / g.unit_size_mw > MAX_UNITS {
            return Err(GridError::InvalidConfig {
                entity: entity.to_string(),
                field: "unit_size_mw",
                reason: format!("gives more than {MAX_UNITS} units; use larger units"),
            });
        }
    }
    if g.failure_rate_per_year > 0.0 {
        check_duration(
            entity,
            "repair_time_days",
            &g.repair_time_days,
            MAX_REPAIR_DAYS,
            "days",
        )?;
    }
    match g.availability {
        Availability::Firm => {
            if !matches!(
                g.technology,
                Technology::Coal | Technology::Gas | Technology::Nuclear
            ) {
                return Err(GridError::InvalidConfig {
                    entity: entity.to_string(),
                    field: "availability",
                    reason: format!("`Firm` is for coal, gas and nuclear, not {}", g.technology.key()),
                });
            }
        }
        Availability::Solar {
            capacity_factor,
            seasonal_amplitude,
        } => {
            check_open(entity, "availability.capacity_factor", capacity_factor, 0.0, 0.45)?;
            check_range(
                entity,
                "availability.seasonal_amplitude",
                seasonal_amplitude,
                0.0,
                0.9,
            )?;
        }
        Availability::Weather {
            capacity_factor,
            logit_sd,
            autocorrelation_per_hour,
            seasonal_amplitude,
            peak_day_of_year,
            hold_hours,
        } => {
            check_open(entity, "availability.capacity_factor", capacity_factor, 0.0, 1.0)?;
            if let Some(h) = hold_hours
                && !(h.is_finite() && h > 0.0 && h <= MAX_HOLD_HOURS)
            {
                return Err(GridError::InvalidConfig {
                    entity: entity.to_string(),
                    field: "availability.hold_hours",
                    reason: format!(
                        "must be a finite number of hours in (0, {MAX_HOLD_HOURS}], got {}",
                        Num(h)
                    ),
                });
            }
            check_range(entity, "availability.logit_sd", logit_sd, 0.0, 5.0)?;
            check_range(
                entity,
                "availability.autocorrelation_per_hour",
                autocorrelation_per_hour,
                0.0,
                0.999_999,
            )?;
            check_range(
                entity,
                "availability.seasonal_amplitude",
                seasonal_amplitude,
                0.0,
                0.99,
            )?;
            check_range(
                entity,
                "availability.peak_day_of_year",
                peak_day_of_year,
                0.0,
                366.0,
            )?;
        }
    }
    Ok(())
}

fn unique<'a>(kind: &'static str, names: impl Iterator<Item = &'a str>) -> Result<(), GridError> {
    let mut seen = HashSet::new();
    for n in names {
        if !seen.insert(n) {
            return Err(GridError::DuplicateName {
                kind,
                name: n.to_string(),
            });
        }
    }
    Ok(())
}

/// Validates every field of `config` except region references (resolved by the caller).
pub(crate) fn validate(config: &GridConfig) -> Result<(), GridError> {
    let grid = "grid";
    if config.regions.is_empty() {
        return Err(GridError::InvalidConfig {
            entity: grid.into(),
            field: "regions",
            reason: "must contain at least one region".into(),
        });
    }
    let dt = config.dispatch_interval.secs();
    if !(60..=86_400).contains(&dt) {
        return Err(GridError::InvalidConfig {
            entity: grid.into(),
            field: "dispatch_interval",
            reason: format!("must be between 60 s and one day, got {dt} s"),
        });
    }
    let mut order = config.curtailment_order.clone();
    order.sort();
    if order != LoadClass::ALL {
        return Err(GridError::InvalidConfig {
            entity: grid.into(),
            field: "curtailment_order",
            reason: format!(
                "must list each load class exactly once, got {:?}",
                config.curtailment_order
            ),
        });
    }
    check_range(
        grid,
        "scarcity_price_usd_per_mwh",
        config.scarcity_price_usd_per_mwh,
        0.0,
        1e6,
    )?;
    check_range(
        grid,
        "served_signal_tolerance_mw",
        config.served_signal_tolerance_mw,
        0.0,
        MAX_MW,
    )?;
    let (shortest, longest) = crate::config::DEMAND_NOISE_HOURS_RANGE;
    check_range(
        grid,
        "demand_noise_hours",
        config.demand_noise_hours,
        shortest,
        longest,
    )?;
    check_range(
        grid,
        "demand_noise_shared_share",
        config.demand_noise_shared_share,
        0.0,
        1.0,
    )?;
    unique("region", config.regions.iter().map(|r| r.name.as_str()))?;
    unique(
        "plant group",
        config
            .regions
            .iter()
            .flat_map(|r| r.fleet.iter().map(|g| g.name.as_str())),
    )?;
    unique("project", config.projects.iter().map(|p| p.name.as_str()))?;
    unique("programme", config.programmes.iter().map(|p| p.name.as_str()))?;
    unique("retirement", config.retirements.iter().map(|r| r.name.as_str()))?;
    unique("derate", config.derates.iter().map(|d| d.name.as_str()))?;
    unique(
        "drought process",
        config.drought_processes.iter().map(|p| p.region.as_str()),
    )?;
    for r in &config.regions {
        let e = format!("region `{}`", r.name);
        let d = &r.demand;
        check_range(&e, "demand.average_mw", d.average_mw, 0.0, MAX_MW)?;
        check_path(&e, "demand.growth_per_year", &d.growth_per_year, -0.99, 10.0)?;
        check_range(&e, "demand.daily_amplitude", d.daily_amplitude, 0.0, 0.99)?;
        check_range(&e, "demand.peak_hour", d.peak_hour, 0.0, 24.0)?;
        check_range(&e, "demand.seasonal_amplitude", d.seasonal_amplitude, 0.0, 0.99)?;
        check_range(&e, "demand.peak_day_of_year", d.peak_day_of_year, 0.0, 366.0)?;
        check_range(
            &e,
            "demand.semiannual_amplitude",
            d.semiannual_amplitude,
            0.0,
            0.99,
        )?;
        check_range(
            &e,
            "demand.semiannual_peak_day_of_year",
            d.semiannual_peak_day_of_year,
            0.0,
            366.0,
        )?;
        check_seasonal_trough(&e, d)?;
        check_range(
            &e,
            "demand.noise_sd",
            d.noise_sd,
            0.0,
            crate::config::MAX_DEMAND_NOISE_SD,
        )?;
        let (earliest, latest) = crate::config::UTC_OFFSET_RANGE_HOURS;
        check_range(&e, "utc_offset_hours", r.utc_offset_hours, earliest, latest)?;
        check_range(&e, "demand.household_share", d.household_share, 0.0, 1.0)?;
        let s = &r.storage;
        check_range(&e, "storage.power_mw", s.power_mw, 0.0, MAX_MW)?;
        check_range(&e, "storage.energy_mwh", s.energy_mwh, 0.0, MAX_STORAGE_MWH)?;
        check_range(
            &e,
            "storage.round_trip_efficiency",
            s.round_trip_efficiency,
            0.01,
            1.0,
        )?;
        check_range(
            &e,
            "storage.initial_soc_fraction",
            s.initial_soc_fraction,
            0.0,
            1.0,
        )?;
        check_range(
            &e,
            "storage.charge_max_cost_usd_per_mwh",
            s.charge_max_cost_usd_per_mwh,
            0.0,
            1e6,
        )?;
        check_range(
            &e,
            "storage.wear_cost_usd_per_mwh",
            s.wear_cost_usd_per_mwh,
            0.0,
            1e6,
        )?;
        check_range(&e, "storage.reserve_fraction", s.reserve_fraction, 0.0, 1.0)?;
        if let Some(h) = s.build_hours
            && !(h.is_finite() && h > 0.0 && h <= crate::config::MAX_BUILD_HOURS)
        {
            return Err(GridError::InvalidConfig {
                entity: e.clone(),
                field: "storage.build_hours",
                reason: format!(
                    "must be a finite number of hours in (0, {}], got {}",
                    Num(crate::config::MAX_BUILD_HOURS),
                    Num(h)
                ),
            });
        }
        check_range(
            &e,
            "interconnection_approval_mw_per_year",
            r.interconnection_approval_mw_per_year,
            1e-3,
            MAX_MW,
        )?;
        for g in &r.fleet {
            check_group(&format!("{e} / plant group `{}`", g.name), g)?;
        }
    }
    for (i, l) in config.links.iter().enumerate() {
        let e = format!("link {i} (`{}`–`{}`)", l.from, l.to);
        check_range(&e, "capacity_mw", l.capacity_mw, 0.0, MAX_MW)?;
        check_range(&e, "loss_fraction", l.loss_fraction, 0.0, 0.5)?;
        if l.from == l.to {
            return Err(GridError::InvalidConfig {
                entity: e,
                field: "to",
                reason: format!(
                    "is the same region as `from`, `{}`: a link joins two different regions",
                    l.from
                ),
            });
        }
    }
    for p in &config.projects {
        let e = format!("project `{}`", p.name);
        check_range(&e, "mw", p.mw, 1e-6, MAX_MW)?;
        check_range(
            &e,
            "cancellation_probability",
            p.cancellation_probability,
            0.0,
            1.0,
        )?;
        check_duration(
            &e,
            "lead_time_years",
            &p.lead_time_years,
            MAX_LEAD_TIME_YEARS,
            "years",
        )?;
        check_range(&e, "years_spent_at_start", p.years_spent_at_start, 0.0, f64::MAX)?;
        p.lead_time_years
            .still_to_run(p.years_spent_at_start)
            .map_err(|reason| GridError::InvalidConfig {
                entity: e.clone(),
                field: "years_spent_at_start",
                reason,
            })?;
    }
    for p in &config.programmes {
        let e = format!("programme `{}`", p.name);
        check_path(&e, "mw_per_year", &p.mw_per_year, 0.0, MAX_MW)?;
    }
    for r in &config.retirements {
        let e = format!("retirement `{}`", r.name);
        check_range(&e, "mw", r.mw, 1e-6, MAX_MW)?;
    }
    for (i, d) in config.droughts.iter().enumerate() {
        let e = format!("drought {i} in `{}`", d.region);
        check_range(&e, "depth_fraction", d.depth_fraction, 0.0, 1.0)?;
        check_range(&e, "duration", d.duration.as_days(), 0.0, MAX_DROUGHT_DAYS)?;
    }
    for d in &config.derates {
        let e = format!("derate `{}`", d.name);
        check_range(&e, "fraction", d.fraction, 0.0, 1.0)?;
        check_range(&e, "duration", d.duration.as_days(), 0.0, MAX_DERATE_DAYS)?;
        check_range(
            &e,
            "demand_factor",
            d.demand_factor,
            0.0,
            MAX_DERATE_DEMAND_FACTOR,
        )?;
        if d.technologies.is_empty() {
            return Err(GridError::InvalidConfig {
                entity: e,
                field: "technologies",
                reason: "must name at least one technology".into(),
            });
        }
        if d.technologies.contains(&Technology::Battery) {
            return Err(GridError::InvalidConfig {
                entity: e,
                field: "technologies",
                reason: "names `Battery`, which is a region's storage, not a plant group".into(),
            });
        }
    }
    for p in &config.drought_processes {
        let e = format!("drought process in `{}`", p.region);
        check_range(&e, "rate_per_year", p.rate_per_year, 1e-6, 365.0)?;
        check_dist(&e, "duration_days", &p.duration_days, 0.0, f64::INFINITY)?;
        let mean = p.duration_days.mean();
        if mean.is_nan() || mean > MAX_DROUGHT_DAYS {
            return Err(GridError::InvalidConfig {
                entity: e,
                field: "duration_days",
                reason: format!(
                    "must have a mean of at most {MAX_DROUGHT_DAYS} days (100 years, longer than any run), got {}",
                    Num(mean)
                ),
            });
        }
        check_dist(&e, "depth_fraction", &p.depth_fraction, 0.0, 1.0)?;
    }
    crate::adequacy::validate_adequacy(config)
}

/// Refuses a plant group with forced outages that the projects building its
/// technology in its region would take past [`MAX_UNITS`] units if all of
/// them completed (build-out goes to a region's first group of a
/// technology; installed MW stops at [`MAX_MW`]). Call after build-out
/// groups were added. Programmes add capacity over a horizon the grid does
/// not know: [`GridConfig::check_horizon`] refuses those that could pass
/// the limit within one, and at run time an addition that would pass it
/// stops the run with [`GridError::TooManyUnits`].
pub(crate) fn check_project_units(config: &GridConfig) -> Result<(), GridError> {
    for r in &config.regions {
        for (i, g) in r.fleet.iter().enumerate() {
            let first_of_technology = r.fleet.iter().position(|x| x.technology == g.technology) == Some(i);
            if !first_of_technology || !g.has_units() {
                continue;
            }
            let projects_mw: f64 = config
                .projects
                .iter()
                .filter(|p| p.region == r.name && p.technology == g.technology)
                .map(|p| p.mw)
                .sum();
            let units = (g.installed_mw + projects_mw).min(MAX_MW) / g.unit_size_mw;
            if projects_mw > 0.0 && units > MAX_UNITS {
                return Err(GridError::InvalidConfig {
                    entity: format!("region `{}` / plant group `{}`", r.name, g.name),
                    field: "unit_size_mw",
                    reason: format!(
                        "gives {units:.0} units once the projects building {} in `{}` ({projects_mw} MW) \
                         complete, more than {MAX_UNITS}; use larger units",
                        g.technology.key(),
                        r.name
                    ),
                });
            }
        }
    }
    Ok(())
}

/// Checks plant group names are unique (again, after build-out groups were added).
pub(crate) fn check_unique_groups(config: &GridConfig) -> Result<(), GridError> {
    unique(
        "plant group",
        config
            .regions
            .iter()
            .flat_map(|r| r.fleet.iter().map(|g| g.name.as_str())),
    )
}

impl GridConfig {
    /// Refuses build programmes that could take a plant group with forced
    /// outages past the unit limit (10⁶ units, as for configured capacity)
    /// in a run over `[0, end)` — a limit the run would otherwise meet only
    /// when it got there, with [`GridError::TooManyUnits`].
    ///
    /// The group's installed MW is bounded above at every programme step
    /// before `end` (steps fall at time zero and at every calendar month
    /// start after it; see [`ProgrammeConfig::mw_per_year`](crate::ProgrammeConfig::mw_per_year)),
    /// in every draw: its configured MW, plus every project building
    /// its technology in its region from the earliest instant it can
    /// complete (its start plus the least lead time its distribution can
    /// draw; none cancelled), plus the programme steps so far, less what the group's
    /// retirements dated up to the step surely remove (one at the instant
    /// of a step comes first: retirements are scheduled when the run
    /// starts, before any step). A retirement
    /// removes its MW or what the group then has, whichever is less; what
    /// it surely removes is counted on the group without its projects (the
    /// least it can have then, since a project may complete after the
    /// retirement and escape it). So the check never accepts a
    /// configuration whose run then stops with `TooManyUnits`, and it
    /// refuses one only if some draw could reach the limit within `end`.
    /// Build-out goes to the region's first group of the technology, or to
    /// the typical group [`Grid::new`](crate::Grid::new) adds when there is
    /// none. The error names the programme whose step first passes the
    /// limit (field `mw_per_year`), when, and what to change. Meant for a
    /// configuration `Grid::new` accepts; it does not repeat that
    /// validation.
    pub fn check_horizon(&self, end: SimTime) -> Result<(), GridError> {
        // Step `k` (from 1) falls at `at[k − 1]` and adds `rate × years[k − 1]`.
        let (at, years): (Vec<u64>, Vec<f64>) = programme_steps(&self.calendar, end).into_iter().unzip();
        let steps = at.len() as u64;
        let instant = |k: u64| at[(k.max(1) - 1) as usize];
        let mut seen: Vec<(&str, Technology)> = Vec::new();
        for p in &self.programmes {
            let key = (p.region.as_str(), p.technology);
            if p.technology == Technology::Battery || seen.contains(&key) {
                continue;
            }
            seen.push(key);
            let Some(region) = self.regions.iter().find(|r| r.name == p.region) else {
                continue; // an unknown region is refused by Grid::new
            };
            let build;
            let group = match region.fleet.iter().find(|g| g.technology == p.technology) {
                Some(g) => g,
                None => {
                    let name = crate::build_group_name(&region.name, p.technology);
                    build = PlantGroupConfig::typical(&name, p.technology, 0.0);
                    &build
                }
            };
            if !(group.has_units() && group.unit_size_mw > 0.0) {
                continue;
            }
            let unit = group.unit_size_mw;
            let passes = |mw: f64| mw.min(MAX_MW) / unit > MAX_UNITS;
            if !passes(MAX_MW) {
                continue; // units this large never reach the limit
            }
            let feeding: Vec<&crate::config::ProgrammeConfig> = self
                .programmes
                .iter()
                .filter(|q| q.region == p.region && q.technology == p.technology)
                .collect();
            // Each project from the earliest instant it can complete (its
            // start plus the least lead time it can draw; none cancelled).
            let projects: Vec<(u64, f64)> = self
                .projects
                .iter()
                .filter(|q| q.region == p.region && q.technology == p.technology)
                .map(|q| {
                    // A project begun before time zero draws a lead time
                    // longer than the years already spent (a `Const` one
                    // that has run out completes at time zero).
                    let least = q.lead_time_years.support().0.max(q.years_spent_at_start);
                    let least_secs = ((least - q.years_spent_at_start).max(0.0) * SECS_PER_YEAR_F).floor();
                    (q.start.ticks().saturating_add(least_secs as u64), q.mw)
                })
                .collect();
            // MW of the projects that may have completed by step `k` (one
            // completing at the instant of a step comes first: it was
            // scheduled when the run started).
            let projects_by = |k: u64| -> f64 {
                let t = instant(k);
                projects.iter().filter(|q| q.0 <= t).fold(0.0, |sum, q| sum + q.1)
            };
            // MW the programmes add in their first `k` steps: `cumulative[k]`.
            let mut cumulative = Vec::with_capacity(at.len() + 1);
            cumulative.push(0.0);
            for (&t, &y) in at.iter().zip(&years) {
                let step: f64 = feeding.iter().map(|q| q.mw_per_year.at(SimTime(t)) * y).sum();
                cumulative.push(cumulative[cumulative.len() - 1] + step);
            }
            let added = |k: u64| -> f64 { cumulative[k as usize] };
            // Steps strictly before instant `t` (those that surely come
            // before a retirement at `t`), within the run.
            let steps_before = |t: u64| at.partition_point(|&s| s < t) as u64;
            // The group's retirements in the order the run applies them,
            // each with the MW it surely removes: counted on the group
            // without projects, which only programmes add to (capacity
            // stops at MAX_MW, as in the run).
            let mut retirements: Vec<(u64, f64)> = self
                .retirements
                .iter()
                .filter(|r| r.group == group.name)
                .map(|r| (r.at.ticks(), r.mw))
                .collect();
            retirements.sort_by_key(|r| r.0);
            let mut sure: Vec<(u64, f64)> = Vec::with_capacity(retirements.len());
            let (mut least, mut k_done, mut removed) = (group.installed_mw, 0, 0.0);
            for &(at, mw) in &retirements {
                let k = steps_before(at).max(k_done);
                least = (least + added(k) - added(k_done)).min(MAX_MW);
                k_done = k;
                let out = mw.min(least);
                least -= out;
                removed += out;
                sure.push((at, removed));
            }
            // Sure removals by the retirements that come before step `k`:
            // those dated up to its instant (a retirement at the instant of
            // a step comes first, being scheduled when the run starts,
            // before any step).
            let removed_before = |k: u64| {
                let t = instant(k);
                sure.iter().take_while(|r| r.0 <= t).last().map_or(0.0, |r| r.1)
            };
            // The most the group can have just after step `k`.
            let most = |k: u64| group.installed_mw + projects_by(k) + added(k) - removed_before(k);
            // Between retirements the bound only grows: test the last step
            // before each retirement (and the last step), then find the
            // first step that passes in the first stretch that does.
            let mut first = None;
            let mut lo = 1;
            let ends = sure.iter().map(|r| steps_before(r.0)).chain([steps]);
            for hi in ends {
                if hi < lo {
                    continue;
                }
                if passes(most(hi)) {
                    let (mut a, mut b) = (lo, hi);
                    while a < b {
                        let mid = a + (b - a) / 2;
                        if passes(most(mid)) {
                            b = mid;
                        } else {
                            a = mid + 1;
                        }
                    }
                    first = Some(a);
                    break;
                }
                lo = hi + 1;
            }
            let Some(hi) = first else {
                continue;
            };
            // The programme whose addition in that step passes, in the
            // order the run applies them.
            let when = SimTime(instant(hi));
            let mut running = group.installed_mw + projects_by(hi) + added(hi - 1) - removed_before(hi);
            let mut culprit = feeding[feeding.len() - 1];
            for q in &feeding {
                running += q.mw_per_year.at(when) * years[(hi - 1) as usize];
                if passes(running) {
                    culprit = q;
                    break;
                }
            }
            let retired = removed_before(hi);
            let retired_text = if retired > 0.0 {
                format!(
                    ", less {} MW its retirements take out before then",
                    round_mw(retired)
                )
            } else {
                String::new()
            };
            return Err(GridError::InvalidConfig {
                entity: format!("programme `{}`", culprit.name),
                field: "mw_per_year",
                reason: format!(
                    "would take plant group `{}` (region `{}`) past {MAX_UNITS} units of {unit} MW, \
                     the most a group with forced outages may have, {:.2} years into the run (of {:.2}): \
                     with {} MW installed and {} MW of projects, the programmes building {} \
                     there add {} MW by then{retired_text}, {} MW in all (the limit is {} MW); use larger \
                     units (`unit_size_mw`), a shorter horizon or a smaller programme",
                    group.name,
                    region.name,
                    when.as_years(),
                    end.as_years(),
                    group.installed_mw,
                    round_mw(projects_by(hi)),
                    p.technology.key(),
                    round_mw(added(hi)),
                    round_mw(most(hi)),
                    MAX_UNITS * unit,
                ),
            });
        }
        Ok(())
    }
}

/// `mw` rounded to 0.1 MW for a message.
fn round_mw(mw: f64) -> f64 {
    (mw * 10.0).round() / 10.0
}
