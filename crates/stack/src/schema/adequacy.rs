//! The adequacy (capacity-expansion) response of a scenario, and its
//! conversion into [`energy_grid::AdequacyConfig`].

use super::Ctx;
use super::grid::TechnologyData;
use crate::error::ScenarioError;
use crate::units::{CheckYears, ForecastYears, Fraction, ReserveMargin, UnitMw};
use chrono::NaiveDate;
use energy_grid::{AdequacyConfig, Technology};
use scheduler::Dist;
use serde::{Deserialize, Serialize};

/// An adequacy response: capacity that planners and markets start when a
/// region's forecast reserve margin falls below a target, built after a
/// drawn lead time, capped per year, each project possibly abandoned (see
/// `docs/model/energy-grid.md`, "Adequacy response"). Every `check_every_years`
/// from `first_check`, for each of its regions separately, it forecasts
/// the peak `forecast_years` ahead (non-AI demand's peak on its growth
/// path, plus the AI loads' connections and the interconnection queue)
/// and the firm capacity then (`capacity_credit` × installed MW, with the
/// programmes' additions, the projects due by then and its own under
/// construction, less the retirements due), and starts projects of
/// `unit_mw` for the gap to `(1 + target_reserve_margin)` × peak. Imports
/// count for nothing. Without a response (the default) nothing is built
/// but what `grid_projects` and `programmes` say.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Adequacy")]
pub struct AdequacyData {
    /// Unique response name.
    pub name: String,
    /// Regions it plans for, each once and in at most one response; each is
    /// planned separately. Default: every region.
    #[serde(default)]
    pub regions: Option<Vec<String>>,
    /// Target reserve margin, firm capacity ÷ forecast peak − 1, 0–10.
    /// Default: 0.15 (NERC's typical reference margin).
    #[serde(default = "d_margin")]
    #[schemars(with = "f64", range(min = 0, max = 10))]
    pub target_reserve_margin: ReserveMargin,
    /// Years (of 365.25 days) between checks, 0.05–50 (on the same calendar
    /// date when this is a whole number of months: 1, 0.25, 0.5). Default: 1.
    #[serde(default = "d_every")]
    #[schemars(with = "f64", range(min = 0.05, max = 50))]
    pub check_every_years: CheckYears,
    /// Day of the first check (midnight); a date before the scenario start
    /// checks at the start. Default: the start.
    #[serde(default, deserialize_with = "crate::dates::de_opt_date")]
    pub first_check: Option<NaiveDate>,
    /// Years ahead of a check whose peak it plans for, 0–50. Default: the
    /// mean of `lead_time_years` (what it starts now is planned for the
    /// year it arrives).
    #[serde(default)]
    #[schemars(with = "Option<f64>", range(min = 0, max = 50))]
    pub forecast_years: Option<ForecastYears>,
    /// Technology built (into the region's first group of it, or a
    /// `<region>-<technology>-build` group; `Battery`: storage power at the
    /// region's hours of storage, 4 h without).
    pub technology: TechnologyData,
    /// Size of one project, MW (0.001–10⁷): a gap is built in whole units,
    /// rounded up.
    #[schemars(with = "f64", range(min = 0.001, max = 1e7))]
    pub unit_mw: UnitMw,
    /// Construction time of each project, years of 365.25 days (a
    /// stochastic process drawn per project, values all ≥ 0, mean at most
    /// 50 years, as for `grid_projects`).
    #[schemars(with = "crate::reference::DistSchema")]
    pub lead_time_years: Dist,
    /// Probability that a project is abandoned during construction (at a
    /// uniform point of its lead time; the next check sees the gap again).
    /// Default: 0.
    #[serde(default)]
    pub cancel_probability: Fraction,
    /// Most MW started per region per year (0.001–10⁷): a check starts at
    /// most this × `check_every_years`, in whole units (at least one unit).
    /// Default: 10⁷ (no cap).
    #[serde(default = "d_cap")]
    #[schemars(with = "f64", range(min = 0.001, max = 1e7))]
    pub max_mw_per_year: UnitMw,
    /// Firm capacity counted per installed MW of each technology (batteries:
    /// per MW of storage power), each 0–1; the technology built must have a
    /// credit above 0. A technology left out takes its default (see
    /// `CapacityCredit`): firm plants count at their capacity, as a
    /// planning reserve margin counts them (the margin covers their outages).
    #[serde(default)]
    pub capacity_credit: CapacityCreditData,
}

/// Firm capacity credited per installed MW, by technology, each 0–1 (an
/// adequacy response's `capacity_credit`; sources and caveats in
/// `docs/calibration/energy-grid.md`, "Adequacy response: target margin and
/// capacity credits").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename = "CapacityCredit")]
pub struct CapacityCreditData {
    /// Coal, per installed MW. Default: 1.
    #[serde(default = "d_coal")]
    pub coal: Fraction,
    /// Gas, per installed MW. Default: 1.
    #[serde(default = "d_gas")]
    pub gas: Fraction,
    /// Nuclear, per installed MW. Default: 1.
    #[serde(default = "d_nuclear")]
    pub nuclear: Fraction,
    /// Hydro, per installed MW (water-limited). Default: 0.5.
    #[serde(default = "d_hydro")]
    pub hydro: Fraction,
    /// Wind, per installed MW. Default: 0.15.
    #[serde(default = "d_wind")]
    pub wind: Fraction,
    /// Solar, per installed MW (the model's solar is zero at a 19:00 peak:
    /// lower it for such a region). Default: 0.1.
    #[serde(default = "d_solar")]
    pub solar: Fraction,
    /// Batteries, per MW of storage power. Default: 0.8.
    #[serde(default = "d_battery")]
    pub battery: Fraction,
}

impl Default for CapacityCreditData {
    fn default() -> Self {
        CapacityCreditData {
            coal: d_coal(),
            gas: d_gas(),
            nuclear: d_nuclear(),
            hydro: d_hydro(),
            wind: d_wind(),
            solar: d_solar(),
            battery: d_battery(),
        }
    }
}

fn credit(t: Technology) -> Fraction {
    Fraction(AdequacyConfig::DEFAULT_CREDIT[t.index()])
}
fn d_coal() -> Fraction {
    credit(Technology::Coal)
}
fn d_gas() -> Fraction {
    credit(Technology::Gas)
}
fn d_nuclear() -> Fraction {
    credit(Technology::Nuclear)
}
fn d_hydro() -> Fraction {
    credit(Technology::Hydro)
}
fn d_wind() -> Fraction {
    credit(Technology::Wind)
}
fn d_solar() -> Fraction {
    credit(Technology::Solar)
}
fn d_battery() -> Fraction {
    credit(Technology::Battery)
}
fn d_margin() -> ReserveMargin {
    ReserveMargin(0.15)
}
fn d_every() -> CheckYears {
    CheckYears(1.0)
}
fn d_cap() -> UnitMw {
    UnitMw(1e7)
}

/// The grid's responses, checking references (regions, each once).
pub fn to_configs(
    ctx: &Ctx,
    responses: &[AdequacyData],
    region_names: &[&str],
) -> Result<Vec<AdequacyConfig>, ScenarioError> {
    let mut out: Vec<AdequacyConfig> = Vec::with_capacity(responses.len());
    for a in responses {
        let mut regions: Vec<String> = Vec::new();
        for (i, r) in a.regions.iter().flatten().enumerate() {
            let field = format!("regions[{i}]");
            ctx.check_ref(
                ("adequacy", &a.name, &field),
                r,
                "region",
                region_names.iter().copied(),
            )?;
            if regions.contains(r) {
                return Err(ctx.err(
                    "adequacy",
                    &a.name,
                    &field,
                    format!("names region `{r}` twice: list each region once"),
                ));
            }
            regions.push(r.clone());
        }
        if a.regions.as_ref().is_some_and(Vec::is_empty) {
            return Err(ctx.err(
                "adequacy",
                &a.name,
                "regions",
                "is empty, so the response plans for nothing: name at least one region, or leave \
                 `regions` out for every region",
            ));
        }
        let mine = |c: &AdequacyConfig, r: &str| c.regions.is_empty() || c.regions.iter().any(|x| x == r);
        let claimed: Vec<&str> = if regions.is_empty() {
            region_names.to_vec()
        } else {
            regions.iter().map(String::as_str).collect()
        };
        for r in claimed {
            if let Some(other) = out.iter().find(|c| mine(c, r)) {
                return Err(ctx
                    .err(
                        "adequacy",
                        &a.name,
                        "regions",
                        format!(
                            "plans for region `{r}`, which adequacy `{}` already plans for: a region has one response",
                            other.name
                        ),
                    )
                    .hint("give each response its own `regions`"));
            }
        }
        let technology = Technology::from(a.technology);
        let c = &a.capacity_credit;
        let capacity_credit = [
            c.coal.get(),
            c.gas.get(),
            c.nuclear.get(),
            c.hydro.get(),
            c.wind.get(),
            c.solar.get(),
            c.battery.get(),
        ];
        if capacity_credit[technology.index()] <= 0.0 {
            return Err(ctx.err(
                "adequacy",
                &a.name,
                &format!("capacity_credit.{}", technology.key()),
                format!(
                    "is 0 for {:?}, the technology built: no amount of it would close a gap",
                    a.technology
                ),
            ));
        }
        if a.max_mw_per_year.get() * a.check_every_years.get() < a.unit_mw.get() {
            return Err(ctx
                .err(
                    "adequacy",
                    &a.name,
                    "max_mw_per_year",
                    format!(
                        "allows {} MW a check ({} MW/yr × {} years), less than one unit of {} MW: nothing could be built",
                        scheduler::Num(a.max_mw_per_year.get() * a.check_every_years.get()),
                        a.max_mw_per_year,
                        a.check_every_years,
                        a.unit_mw
                    ),
                )
                .hint("raise it to at least `unit_mw` ÷ `check_every_years`, or build smaller units"));
        }
        let mean_lead = a.lead_time_years.mean();
        let forecast_years = match a.forecast_years {
            Some(f) => f.get(),
            None if mean_lead.is_finite() => mean_lead.clamp(0.0, 50.0),
            None => 0.0,
        };
        out.push(AdequacyConfig {
            name: a.name.clone(),
            regions,
            target_reserve_margin: a.target_reserve_margin.get(),
            first_check: a.first_check.map_or(scheduler::SimTime::ZERO, |d| ctx.at(d)),
            check_every_years: a.check_every_years.get(),
            forecast_years,
            technology,
            unit_mw: a.unit_mw.get(),
            lead_time_years: a.lead_time_years.clone(),
            cancellation_probability: a.cancel_probability.get(),
            max_mw_per_year: a.max_mw_per_year.get(),
            capacity_credit,
        });
    }
    Ok(out)
}
