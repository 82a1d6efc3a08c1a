//! The [`Grid`]: construction from a validated config, the event handler,
//! the input methods the wiring calls, and read-only accessors.

use crate::config::{Availability, GridConfig, LoadClass, PlantGroupConfig, RegionConfig, Technology};
use crate::maintenance::Maintenance;
use crate::network::Network;
use crate::profiles::{Clock, DemandShape, HeldWeather, Phase, SolarShape, StepAverage, WeatherProcess};
use crate::state::*;
use crate::validate::{GridError, MAX_MW, validate};
use scheduler::{Agenda, Calendar, Duration, Num, RngStreams, SECS_PER_YEAR, SimTime, StepClock};

/// The national grid: regions, fleets, storage, links, loads, build-out.
///
/// Built by [`Grid::new`], started by [`Grid::start`], driven by
/// [`Grid::handle`]; see the crate docs for the cycle.
#[derive(Debug)]
pub struct Grid {
    pub(crate) calendar: Calendar,
    pub(crate) clock: Clock,
    pub(crate) dt: Duration,
    pub(crate) dt_hours: f64,
    pub(crate) curtailment_order: Vec<LoadClass>,
    pub(crate) scarcity_price: f64,
    pub(crate) signal_tolerance_mw: f64,
    pub(crate) regions: Vec<RegionState>,
    /// Plant groups, region by region, each region's slice in merit order
    /// (by marginal cost, ties by config order), so dispatch walks them in place.
    pub(crate) groups: Vec<GroupState>,
    /// The groups' per-step numbers, at the same positions as `groups`.
    pub(crate) hot: Vec<GroupHot>,
    /// The plant groups with a must-run share, in merit-order position, so
    /// each region's form a range (`RegionState::must_run`): the must-run
    /// passes of a step visit these, not every group (china-2025: 7 of 41),
    /// and a grid without any skips them.
    pub(crate) must_run: Vec<MustRun>,
    /// When each group's next forced-outage failure or repair falls, ticks
    /// (`u64::MAX`: none, or no outages), mirroring [`Outages::next_due`];
    /// dispatch scans this instead of the groups.
    pub(crate) outage_due: Vec<u64>,
    /// Positions of the groups with planned maintenance (empty in a grid
    /// without: booking its capacity out then costs one check a step).
    pub(crate) maintained: Vec<u32>,
    /// Every hydro group's water account, in group order (see
    /// [`PlantGroupConfig::reservoir_hours`]).
    pub(crate) reservoirs: Vec<Reservoir>,
    /// The days of the regions with a reservoir (`reservoir_hours` > 0),
    /// for the reservoirs' schedule; empty in a grid without.
    pub(crate) water_days: Vec<WaterDay>,
    /// The wind and hydro groups' weather processes, in group order.
    pub(crate) weather: Vec<WeatherGroup>,
    /// The wind and hydro groups whose weather state is held for windows
    /// longer than the step (hydro by default), in group order.
    pub(crate) held_weather: Vec<HeldWeatherGroup>,
    /// The solar groups' shapes, in group order: those of regions on the
    /// grid's clock (noon at 12:00) ...
    pub(crate) solar: Vec<SolarGroup>,
    /// ... and those of regions on a local clock (`utc_offset_hours` ≠ 0).
    pub(crate) solar_local: Vec<SolarGroup>,
    /// The horizon's end, ticks (`u64::MAX`: none): a step past it books
    /// only its share inside (see [`GridConfig::horizon_end`]).
    pub(crate) horizon_end: u64,
    /// The first tick at which a step ends past the horizon
    /// (`horizon_end − Δt + 1`, 0 if the horizon is shorter than a step;
    /// `u64::MAX`: none): a step starting there or later books only its share.
    pub(crate) partial_from: u64,
    /// The first month start after the last dispatch's start (ticks;
    /// `u64::MAX`: none): a step running past it books its energy pro rata
    /// by time to the months it spans.
    pub(crate) next_month_tick: u64,
    /// Hours of the last step that lie past a month start it spans, not yet
    /// booked to a period: `(month start tick, hours)`. Booked to the new
    /// period by the sample at that month start, or, if none is taken
    /// there, by the next sample or dispatch, whichever comes first.
    pub(crate) carry: Option<(u64, f64)>,
    /// Hours of the last dispatch step inside the horizon (the whole step
    /// but for one running past the horizon's end), booked to its totals.
    pub(crate) step_booked_h: f64,
    /// Step averages of the demand and solar shapes, for dispatch intervals
    /// over an hour (`None`: shapes are sampled at each step's middle).
    pub(crate) step_average: Option<StepAverage>,
    /// The next dispatch steps' time features and weather, computed ahead.
    pub(crate) ahead: Ahead,
    /// The weather's factor on non-AI demand (`None`: no region has noise).
    pub(crate) demand_noise: Option<crate::profiles::DemandNoise>,
    pub(crate) links: Vec<LinkState>,
    pub(crate) loads: Vec<LoadState>,
    pub(crate) projects: Vec<ProjectState>,
    pub(crate) project_rngs: Vec<StreamRngBox>,
    /// Signals of projects resolved by [`Grid::start`] (completing at the
    /// start), passed on with the first event handled.
    pub(crate) start_signals: Vec<GridSignal>,
    /// The events [`Grid::start`] applied at once instead of scheduling
    /// them (dated at or before the start), in the order it applied them,
    /// until [`Grid::take_applied_at_start`] takes them.
    pub(crate) applied_at_start: Vec<GridEvent>,
    pub(crate) programmes: Vec<ProgrammeState>,
    pub(crate) retirements: Vec<RetirementState>,
    pub(crate) droughts: Vec<(u32, SimTime, Duration, f64)>,
    pub(crate) drought_processes: Vec<DroughtProcess>,
    /// Scheduled capacity derates, in config order.
    pub(crate) derates: Vec<DerateState>,
    /// Adequacy (capacity-expansion) responses, in config order.
    pub(crate) adequacy: Vec<crate::adequacy::Response>,
    /// The network-wide economic dispatch, warm-started step to step.
    pub(crate) network: Network,
    /// Each region's requests by loads other than its own household and
    /// industry demand, per column of the program's shed block (region by
    /// region: the storage reserve, always 0 here, then the classes in
    /// curtailment order), MW: refreshed when loads change.
    pub(crate) external_by_tier: Vec<f64>,
    pub(crate) totals: RunTotals,
    pub(crate) national_period: Period,
    pub(crate) started: bool,
    /// The instant of the first dispatch ([`Grid::start`]); dispatches
    /// follow every `dt` from it.
    pub(crate) first_dispatch: SimTime,
    /// A load's request or connection changed since the last dispatch (or it was curtailed).
    pub(crate) loads_changed: bool,
}

pub(crate) type StreamRngBox = Box<scheduler::StreamRng>;

fn weather_stream(streams: &RngStreams, g: &PlantGroupConfig) -> StreamRngBox {
    Box::new(streams.stream(&format!("grid/{}/{}", g.technology.key(), g.name)))
}

/// A group as built from its config, before its region is put in merit order.
struct BuiltGroup {
    state: GroupState,
    kind: GroupKind,
    installed_mw: f64,
    cost: f64,
    must_run_fraction: f64,
    reservoir_hours: f64,
}

fn build_group(
    g: &PlantGroupConfig,
    region: u32,
    entity: &str,
    step_hours: f64,
    step_secs: u64,
    rc: &RegionConfig,
    streams: &RngStreams,
) -> Result<BuiltGroup, GridError> {
    // The region's demand peak (its default maintenance months) and clock.
    let (peak_day_of_year, utc_offset_hours) = (rc.demand.peak_day_of_year, rc.utc_offset_hours);
    // The region's local clock runs `utc_offset_hours` ahead: a local day of
    // the year falls that many hours earlier on the grid's clock.
    let local_day = |day: f64| day - utc_offset_hours / 24.0;
    let kind = match g.availability {
        Availability::Firm => GroupKind::Firm,
        Availability::Solar {
            capacity_factor,
            seasonal_amplitude,
        } => GroupKind::Solar(
            SolarShape::new(capacity_factor, seasonal_amplitude)
                .ok_or_else(|| GridError::InvalidConfig {
                    entity: entity.to_string(),
                    field: "availability.capacity_factor",
                    reason: format!("{capacity_factor} is more than the solar shape can deliver"),
                })?
                .local(utc_offset_hours),
        ),
        Availability::Weather {
            capacity_factor,
            logit_sd,
            autocorrelation_per_hour,
            seasonal_amplitude,
            peak_day_of_year,
            ..
        } => {
            let mut rng = weather_stream(streams, g);
            // A hold of whole seconds (at least one) longer than the step;
            // otherwise one state a step.
            let hold_secs = g
                .availability
                .hold_hours(g.technology)
                .map(|h| ((h * 3600.0).round() as u64).max(1))
                .filter(|&secs| secs > step_secs);
            let process = |hours: f64, rng: &mut StreamRngBox| {
                WeatherProcess::new(
                    capacity_factor,
                    logit_sd,
                    autocorrelation_per_hour,
                    seasonal_amplitude,
                    local_day(peak_day_of_year),
                    hours,
                    rng.as_mut(),
                )
            };
            match hold_secs {
                Some(secs) => GroupKind::HeldWeather(
                    HeldWeather::new(process(secs as f64 / 3600.0, &mut rng), secs),
                    rng,
                ),
                None => GroupKind::Weather(process(step_hours, &mut rng), rng),
            }
        }
    };
    let maintenance = g.maintenance.as_ref().map(|m| {
        let allowed = m.months.as_deref().map_or_else(
            || crate::maintenance::shoulder_months(peak_day_of_year),
            crate::maintenance::month_mask,
        );
        Box::new(Maintenance::new(m.days, m.every_months, allowed))
    });
    if let (Some(spec), Some(m)) = (&g.maintenance, &maintenance)
        && let Some(reason) = crate::maintenance::fit_problem(spec.days, spec.every_months, &m.allowed)
    {
        return Err(GridError::InvalidConfig {
            entity: entity.to_string(),
            field: "maintenance.days",
            reason,
        });
    }
    let outages = g.has_units().then(|| Outages {
        rng: Box::new(streams.stream(&format!("grid/outage/{}", g.name))),
        failure_rate_per_year: g.failure_rate_per_year,
        repair_time_days: g.repair_time_days.clone(),
        unit_size_mw: g.unit_size_mw,
        units_total: units_for(g.installed_mw, g.unit_size_mw),
        units_down: 0,
        next_failure_at: None,
        repairs: std::collections::BinaryHeap::new(),
        next_due: u64::MAX,
        units_maint: 0,
        maint_due: u64::MAX,
        maintenance,
    });
    Ok(BuiltGroup {
        state: GroupState {
            name: g.name.clone(),
            region,
            technology: g.technology,
            emissions_t_per_mwh: g.emissions_t_per_mwh,
            outages,
            config_order: 0,
            total_mwh: 0.0,
        },
        kind,
        installed_mw: g.installed_mw,
        cost: g.marginal_cost_usd_per_mwh,
        must_run_fraction: g.must_run_fraction,
        reservoir_hours: g.reservoir_hours,
    })
}

/// Units in a group of `installed_mw` made of units of `unit_size_mw` (the last may be partial).
pub(crate) fn units_for(installed_mw: f64, unit_size_mw: f64) -> u32 {
    (installed_mw / unit_size_mw).ceil().clamp(0.0, u32::MAX as f64) as u32
}

impl Grid {
    /// Validates `config` and builds the grid. Each stochastic entity gets its
    /// own stream from `streams`: `grid/<technology>/<group>` (wind, hydro),
    /// `grid/outage/<group>`, `grid/project/<project>`, `grid/drought/<region>`.
    /// A project or programme building a technology its region lacks gets a
    /// group `<region>-<technology>-build` with [`PlantGroupConfig::typical`] parameters.
    pub fn new(mut config: GridConfig, streams: &RngStreams) -> Result<Grid, GridError> {
        validate(&config)?;
        let region_index = |name: &str, entity: String, field: &'static str| {
            config
                .regions
                .iter()
                .position(|r| r.name == name)
                .map(|i| i as u32)
                .ok_or(GridError::UnknownRegion {
                    entity,
                    field,
                    name: name.to_string(),
                })
        };
        // Resolve every reference before building anything.
        let mut links = Vec::with_capacity(config.links.len());
        for (i, l) in config.links.iter().enumerate() {
            let e = format!("link {i}");
            let a = region_index(&l.from, e.clone(), "from")?;
            let b = region_index(&l.to, e, "to")?;
            links.push(LinkState {
                a,
                b,
                capacity_mw: l.capacity_mw,
                loss_fraction: l.loss_fraction,
                flow_mw: 0.0,
            });
        }
        let mut targets = Vec::new();
        for p in &config.projects {
            targets.push((
                region_index(&p.region, format!("project `{}`", p.name), "region")?,
                p.technology,
            ));
        }
        for p in &config.programmes {
            targets.push((
                region_index(&p.region, format!("programme `{}`", p.name), "region")?,
                p.technology,
            ));
        }
        let mut droughts = Vec::new();
        for (i, d) in config.droughts.iter().enumerate() {
            let r = region_index(&d.region, format!("drought {i}"), "region")?;
            droughts.push((r, d.start, d.duration, d.depth_fraction));
        }
        let mut drought_processes = Vec::new();
        for p in &config.drought_processes {
            let r = region_index(&p.region, "drought process".into(), "region")?;
            drought_processes.push(DroughtProcess {
                region: r,
                rate_per_year: p.rate_per_year,
                duration_days: p.duration_days.clone(),
                depth_fraction: p.depth_fraction.clone(),
                rng: Box::new(streams.stream(&format!("grid/drought/{}", p.region))),
            });
        }
        let mut derates = Vec::with_capacity(config.derates.len());
        for d in &config.derates {
            let entity = || format!("derate `{}`", d.name);
            let regions = if d.regions.is_empty() {
                (0..config.regions.len() as u32).collect()
            } else {
                d.regions
                    .iter()
                    .map(|r| region_index(r, entity(), "regions"))
                    .collect::<Result<Vec<u32>, GridError>>()?
            };
            let mut technologies = [false; 7];
            for t in &d.technologies {
                technologies[t.index()] = true;
            }
            derates.push(DerateState {
                regions,
                technologies,
                start: d.start,
                duration: d.duration,
                fraction: d.fraction,
                demand_factor: d.demand_factor,
                active: false,
            });
        }
        for (name, tech) in crate::adequacy::targets(&config) {
            targets.push((region_index(&name, "adequacy".into(), "regions")?, tech));
        }
        // Build-out targets without a group get an empty typical group.
        for (r, tech) in targets {
            let region = &mut config.regions[r as usize];
            if tech != Technology::Battery && !region.fleet.iter().any(|g| g.technology == tech) {
                let name = crate::build_group_name(&region.name, tech);
                region.fleet.push(PlantGroupConfig::typical(&name, tech, 0.0));
            }
        }
        crate::validate::check_unique_groups(&config)?;
        crate::validate::check_project_units(&config)?;
        crate::validate::check_scarcity_price(&config)?;

        let dt_hours = config.dispatch_interval.as_hours();
        // Demand noise: only the regions that have it draw (their own
        // streams), and the shared process only if it has weight.
        let noisy: Vec<_> = config
            .regions
            .iter()
            .enumerate()
            .filter(|(_, r)| r.demand.noise_sd > 0.0)
            .map(|(i, r)| {
                let rng: StreamRngBox = Box::new(streams.stream(&format!("grid/demand-noise/{}", r.name)));
                (i, r.demand.noise_sd, rng)
            })
            .collect();
        let demand_noise = crate::profiles::DemandNoise::new(
            noisy,
            Box::new(streams.stream("grid/demand-noise")),
            config.demand_noise_shared_share,
            config.demand_noise_hours,
            dt_hours,
        );
        let mut regions = Vec::with_capacity(config.regions.len());
        let mut groups: Vec<GroupState> = Vec::new();
        let (mut hot, mut outage_due, mut must_run) = (Vec::new(), Vec::new(), Vec::new());
        let (mut weather, mut held_weather, mut solar) = (Vec::new(), Vec::new(), Vec::new());
        let (mut solar_local, mut reservoirs) = (Vec::new(), Vec::new());
        let mut loads = Vec::new();
        for (ri, rc) in config.regions.iter().enumerate() {
            let first = groups.len();
            let must_run_first = must_run.len();
            let mut built = Vec::with_capacity(rc.fleet.len());
            for g in &rc.fleet {
                let entity = format!("region `{}` / plant group `{}`", rc.name, g.name);
                let mut b = build_group(
                    g,
                    ri as u32,
                    &entity,
                    dt_hours,
                    config.dispatch_interval.secs(),
                    rc,
                    streams,
                )?;
                b.state.config_order = (first + built.len()) as u32;
                built.push(b);
            }
            built.sort_by(|x, y| {
                x.cost
                    .total_cmp(&y.cost)
                    .then(x.state.config_order.cmp(&y.state.config_order))
            });
            for b in built {
                let pos = groups.len();
                let fraction = match b.kind {
                    GroupKind::Firm => b.state.outages.as_ref().map_or(1.0, Outages::running_fraction),
                    GroupKind::Solar(shape) => {
                        let list = if shape.on_grid_clock() {
                            &mut solar
                        } else {
                            &mut solar_local
                        };
                        list.push(SolarGroup { pos, shape });
                        0.0
                    }
                    GroupKind::Weather(process, rng) => {
                        weather.push(WeatherGroup { pos, process, rng });
                        0.0
                    }
                    GroupKind::HeldWeather(held, rng) => {
                        held_weather.push(HeldWeatherGroup { pos, held, rng });
                        0.0
                    }
                };
                // Every hydro group keeps a water account (its spill); a
                // reservoir starts full.
                let mut stored_mw = 0.0;
                if b.state.technology == Technology::Hydro {
                    let level_mwh = b.reservoir_hours * b.installed_mw;
                    stored_mw = level_mwh / dt_hours;
                    reservoirs.push(Reservoir {
                        pos,
                        region: ri,
                        hours: b.reservoir_hours,
                        level_mwh,
                        run_above_mw: f64::NEG_INFINITY,
                        offered_mw: 0.0,
                    });
                }
                hot.push(GroupHot {
                    installed_mw: b.installed_mw,
                    fraction,
                    stored_mw,
                    cost: b.cost,
                    hydro: b.state.technology == Technology::Hydro,
                    spills: b.state.technology.spills(),
                    tech: b.state.technology.index() as u8,
                    ..GroupHot::default()
                });
                outage_due.push(u64::MAX);
                if b.must_run_fraction > 0.0 {
                    must_run.push(MustRun {
                        pos,
                        share: b.must_run_fraction,
                        floor_mw: 0.0,
                    });
                }
                groups.push(b.state);
            }
            let merit_range = (first, groups.len());
            let mut region_loads = Vec::new();
            for (class, suffix) in [
                (LoadClass::Household, "household"),
                (LoadClass::Industry, "industry"),
            ] {
                region_loads.push(loads.len() as u32);
                loads.push(LoadState::new(
                    format!("{}/{suffix}", rc.name),
                    ri as u32,
                    class,
                    MAX_MW,
                    true,
                ));
            }
            let s = &rc.storage;
            let d = &rc.demand;
            // Local hours and days on the grid's clock (offset 0: the same bits).
            let offset = rc.utc_offset_hours;
            let local_day = |day: f64| day - offset / 24.0;
            // Local midnight, seconds after the grid's, in [0, 86,400).
            let day_start_secs = ((offset * 3600.0).round() as i64).rem_euclid(86_400) as u64;
            regions.push(RegionState {
                name: rc.name.clone(),
                shape: DemandShape {
                    daily_amplitude: d.daily_amplitude,
                    peak_hour: Phase::hour(d.peak_hour - offset),
                    seasonal_amplitude: d.seasonal_amplitude,
                    peak_day: Phase::day(local_day(d.peak_day_of_year)),
                    semiannual_amplitude: d.semiannual_amplitude,
                    semiannual_peak: Phase::day(local_day(d.semiannual_peak_day_of_year)),
                },
                average_mw: d.average_mw,
                growth: d.growth_per_year.clone(),
                growth_cache: (0.0, 1.0, 1.0),
                growth_multiplier: 1.0,
                growth_until: 0,
                external_mw: 0.0,
                household_share: d.household_share,
                storage: Storage {
                    power_mw: s.power_mw,
                    energy_mwh: s.energy_mwh,
                    one_way: s.round_trip_efficiency.sqrt(),
                    soc_mwh: s.energy_mwh * s.initial_soc_fraction,
                    soc_step_start_mwh: s.energy_mwh * s.initial_soc_fraction,
                    charge_max_cost: s.charge_max_cost_usd_per_mwh,
                    arbitrage: s.arbitrage,
                    wear_cost: s.wear_cost_usd_per_mwh,
                    reserve_fraction: s.reserve_fraction,
                    cost_basis: 0.0,
                    peak_today: 0.0,
                    peak_yesterday: 0.0,
                    peak_day: 0,
                    day_start_secs,
                    day_end_tick: 86_400 - day_start_secs,
                    scarce_mw: 0.0,
                    short_today_mwh: 0.0,
                    need_mwh: 0.0,
                    day_profile: Vec::new(),
                    shave_level_mw: 0.0,
                    copy_hours: s.power_mw > 0.0 && s.energy_mwh > 0.0,
                    build_hours: s.build_hours,
                },
                approval_mw_per_year: rc.interconnection_approval_mw_per_year,
                queue_free_at: SimTime::ZERO,
                queue_pending_mw: 0.0,
                merit: merit_range,
                must_run: (must_run_first, must_run.len()),
                loads: region_loads,
                drought_depths: Vec::new(),
                drought_factor: 1.0,
                derate_factor: [1.0; 7],
                demand_factor: 1.0,
                derate_in_force: false,
                derated_mw: 0.0,
                step: RegionBalance::default(),
                import_capacity_mw: 0.0,
                charge_room_mw: 0.0,
                spare_from_cost: f64::INFINITY,
                charge_cap: 0.0,
                deficit_mw: 0.0,
                arbitrage_mw: 0.0,
                residual_mw: 0.0,
                period: Period::default(),
                projects_pending: 0,
                adequacy_pending_mw: 0.0,
            });
        }
        for l in &links {
            for end in [l.a, l.b] {
                regions[end as usize].import_capacity_mw += l.capacity_mw * (1.0 - l.loss_fraction);
            }
        }
        let mut projects = Vec::with_capacity(config.projects.len());
        let mut project_rngs = Vec::with_capacity(config.projects.len());
        for p in &config.projects {
            let r = regions.iter().position(|x| x.name == p.region).unwrap_or(0) as u32;
            projects.push(ProjectState {
                name: p.name.clone(),
                region: r,
                technology: p.technology,
                mw: p.mw,
                start: p.start,
                lead_time_years: p.lead_time_years.still_to_run(p.years_spent_at_start).map_err(
                    |reason| GridError::InvalidConfig {
                        entity: format!("project `{}`", p.name),
                        field: "years_spent_at_start",
                        reason,
                    },
                )?,
                years_spent: p.years_spent_at_start,
                cancellation_probability: p.cancellation_probability,
                cancelled: false,
                resolved: false,
                planned_at: p.start,
                adequacy: false,
            });
            project_rngs.push(Box::new(streams.stream(&format!("grid/project/{}", p.name))));
        }
        let mut retirements = Vec::with_capacity(config.retirements.len());
        for r in &config.retirements {
            let group =
                groups
                    .iter()
                    .position(|g| g.name == r.group)
                    .ok_or_else(|| GridError::InvalidConfig {
                        entity: format!("retirement `{}`", r.name),
                        field: "group",
                        reason: format!("names plant group `{}`, which does not exist", r.group),
                    })?;
            retirements.push(RetirementState {
                group: group as u32,
                mw: r.mw,
                at: r.at,
                done: false,
            });
        }
        let programmes = config
            .programmes
            .iter()
            .map(|p| ProgrammeState {
                region: regions.iter().position(|x| x.name == p.region).unwrap_or(0) as u32,
                technology: p.technology,
                mw_per_year: p.mw_per_year.clone(),
                next_at: u64::MAX,
            })
            .collect();
        let ranges: Vec<_> = regions.iter().map(|r| r.merit).collect();
        let group_cost: Vec<f64> = hot.iter().map(|h| h.cost).collect();
        let link_specs: Vec<_> = links
            .iter()
            .map(|l| (l.a, l.b, l.capacity_mw, l.loss_fraction))
            .collect();
        let network = Network::new(
            &ranges,
            &group_cost,
            &link_specs,
            config.economic_trade,
            config.curtailment_order.len(),
        )
        .map_err(|reason| GridError::InvalidConfig {
            entity: "links".into(),
            field: "loss_fraction",
            reason,
        })?;
        let maintained = groups
            .iter()
            .enumerate()
            .filter(|(_, g)| g.outages.as_ref().is_some_and(|o| o.maintenance.is_some()))
            .map(|(i, _)| i as u32)
            .collect();
        // Each region with a reservoir keeps a day of residual demand.
        let water_days = regions
            .iter()
            .enumerate()
            .filter(|(ri, _)| {
                reservoirs
                    .iter()
                    .any(|w: &Reservoir| w.region == *ri && w.hours > 0.0)
            })
            .map(|(region, r)| WaterDay {
                region,
                day_start_secs: r.storage.day_start_secs,
                day_end_tick: 86_400 - r.storage.day_start_secs,
                day: 0,
                today: Vec::new(),
                forecast: Vec::new(),
            })
            .collect();
        let clock = Clock::new(&config.calendar);
        let adequacy = crate::adequacy::build(&config, &regions, &clock, streams)?;
        Ok(Grid {
            calendar: config.calendar,
            clock,
            dt: config.dispatch_interval,
            dt_hours,
            curtailment_order: config.curtailment_order,
            scarcity_price: config.scarcity_price_usd_per_mwh,
            signal_tolerance_mw: config.served_signal_tolerance_mw,
            regions,
            groups,
            hot,
            must_run,
            maintained,
            outage_due,
            water_days,
            reservoirs,
            ahead: Ahead {
                features: Vec::with_capacity(Ahead::STEPS),
                states: vec![0.0; weather.len() * Ahead::STEPS],
                fractions: vec![0.0; weather.len() * Ahead::STEPS],
                demand_noise: vec![1.0; config.regions.len() * Ahead::STEPS],
                ..Ahead::default()
            },
            demand_noise,
            weather,
            held_weather,
            solar,
            solar_local,
            step_average: StepAverage::new(config.dispatch_interval.secs()),
            next_month_tick: 0,
            carry: None,
            step_booked_h: dt_hours,
            horizon_end: config.horizon_end.map_or(u64::MAX, |t| t.ticks()),
            partial_from: config.horizon_end.map_or(u64::MAX, |t| {
                t.ticks()
                    .saturating_add(1)
                    .saturating_sub(config.dispatch_interval.secs())
            }),
            links,
            loads,
            projects,
            project_rngs,
            start_signals: Vec::new(),
            applied_at_start: Vec::new(),
            programmes,
            retirements,
            droughts,
            drought_processes,
            derates,
            adequacy,
            external_by_tier: vec![0.0; ranges.len() * network.tiers()],
            network,
            totals: RunTotals::default(),
            national_period: Period::default(),
            started: false,
            first_dispatch: SimTime::ZERO,
            loads_changed: true,
        })
    }

    /// Schedules the first dispatch (now), the first forced outages, project
    /// resolutions, programme steps, retirements and droughts. Call once, before the run;
    /// a second call is refused. Retirements dated at or before the start
    /// are applied here, then projects that resolve at the start are
    /// resolved here (see the `buildout` module docs), then droughts in
    /// force at the start are started here, so the first sample and the
    /// first dispatch see them all; the projects' signals come with the
    /// first event handled, and the events applied here instead of being
    /// scheduled are kept for the event trace
    /// ([`Grid::take_applied_at_start`]).
    pub fn start(&mut self, agenda: &mut impl Agenda<GridEvent>) -> Result<(), GridError> {
        let now = agenda.now();
        if self.started {
            return Err(GridError::InvalidInput {
                call: "start",
                field: "self",
                reason: "the grid was already started".into(),
            });
        }
        self.started = true;
        self.first_dispatch = now;
        agenda.schedule_at(now, GridEvent::Dispatch)?;
        for g in 0..self.groups.len() {
            if let Some(o) = self.groups[g].outages.as_mut() {
                if let Some(m) = o.maintenance.as_deref_mut() {
                    m.start(now.ticks(), &self.calendar);
                    o.maint_due = m.next_due();
                }
                o.draw_next_failure(now);
                self.sync_outages(g);
            }
        }
        self.start_buildout(agenda)?;
        self.start_droughts(agenda)?;
        self.start_derates(agenda)?;
        self.start_adequacy(agenda)?;
        Ok(())
    }

    /// The events [`Grid::start`] applied at once rather than scheduling
    /// them, in the order it applied them: a `Retirement` dated at or
    /// before the start, a `ProjectResolved` of a project that completes
    /// (or is abandoned) at the start, a `DroughtStart` of a drought in
    /// force at the start. Each is the event the grid would have handled
    /// had the item been dated after the start, so an event trace can list
    /// them at time zero. Empty before `start` and after the first call
    /// (the list is taken, not copied); they change nothing in the run.
    pub fn take_applied_at_start(&mut self) -> Vec<GridEvent> {
        std::mem::take(&mut self.applied_at_start)
    }

    /// Handles one grid event; signals for the other domains are pushed onto `signals`.
    pub fn handle(
        &mut self,
        event: GridEvent,
        agenda: &mut impl Agenda<GridEvent>,
        signals: &mut Vec<GridSignal>,
    ) -> Result<(), GridError> {
        signals.append(&mut self.start_signals);
        match event {
            GridEvent::Dispatch => {
                let now = agenda.now();
                self.dispatch(now, signals)?;
                agenda.schedule_after(self.dt, GridEvent::Dispatch)?;
            }
            GridEvent::ProjectResolved { project } => self.on_project_resolved(project, agenda, signals)?,
            GridEvent::ProgrammeStep { programme } => self.on_programme_step(programme as usize, agenda)?,
            GridEvent::DroughtStart {
                region,
                depth_fraction,
                duration,
                from_process,
            } => self.on_drought_start(region, depth_fraction, duration, from_process, agenda)?,
            GridEvent::DroughtEnd {
                region,
                depth_fraction,
            } => self.on_drought_end(region, depth_fraction),
            GridEvent::DerateStart { derate } => self.on_derate_start(derate as usize, agenda)?,
            GridEvent::DerateEnd { derate } => self.on_derate_end(derate as usize),
            GridEvent::Retirement { retirement } => self.on_retirement(retirement as usize, agenda.now())?,
            GridEvent::ConnectionGranted { load, mw } => self.on_connection_granted(load, mw, signals),
            GridEvent::AdequacyCheck { response } => self.on_adequacy_check(response as usize, agenda)?,
        }
        Ok(())
    }

    /// The id of the region named `name`.
    pub fn region_id(&self, name: &str) -> Option<RegionId> {
        self.regions
            .iter()
            .position(|r| r.name == name)
            .map(|i| RegionId(i as u32))
    }

    /// The id of the plant group named `name`.
    pub fn plant_group_id(&self, name: &str) -> Option<PlantGroupId> {
        self.groups
            .iter()
            .position(|g| g.name == name)
            .map(|i| PlantGroupId(i as u32))
    }

    /// Region names, in id order.
    pub fn region_names(&self) -> impl Iterator<Item = &str> {
        self.regions.iter().map(|r| r.name.as_str())
    }

    /// The id of a region's own household or industry demand (a load that is never signalled).
    pub fn regional_load(&self, region: RegionId, class: LoadClass) -> Option<LoadId> {
        let r = self.regions.get(region.index())?;
        r.loads
            .iter()
            .copied()
            .find(|&l| self.loads[l as usize].regional && self.loads[l as usize].class == class)
            .map(LoadId)
    }

    /// Registers a load (one per datacenter site and per fab); it asks for
    /// nothing until [`set_load_demand`](Self::set_load_demand).
    pub fn add_load(&mut self, spec: LoadSpec) -> Result<LoadId, GridError> {
        let region = self.region_index(spec.region)?;
        if !(spec.connected_mw.is_finite() && (0.0..=MAX_MW).contains(&spec.connected_mw)) {
            return Err(GridError::InvalidInput {
                call: "add_load",
                field: "connected_mw",
                reason: format!("must be finite in [0, {MAX_MW}], got {}", Num(spec.connected_mw)),
            });
        }
        let id = self.loads.len() as u32;
        let mut load = LoadState::new(spec.name, region as u32, spec.class, spec.connected_mw, false);
        let p = &self.regions[region].period;
        load.mark = (p.price_hours, p.hours);
        self.loads.push(load);
        self.regions[region].loads.push(id);
        self.loads_changed = true;
        Ok(LoadId(id))
    }

    /// Sets what a load asks for, MW (≥ 0); served from the next dispatch on,
    /// capped by the load's connection.
    pub fn set_load_demand(&mut self, load: LoadId, requested_mw: f64) -> Result<(), GridError> {
        let l = self.external_load(load)?;
        if !(requested_mw.is_finite() && requested_mw >= 0.0) {
            return Err(GridError::InvalidInput {
                call: "set_load_demand",
                field: "requested_mw",
                reason: format!("must be a finite number ≥ 0, got {}", Num(requested_mw)),
            });
        }
        self.loads[l].wanted_mw = requested_mw;
        self.loads_changed = true;
        Ok(())
    }

    /// Asks for `additional_mw` more connection for `load`. The request joins
    /// its region's first-come-first-served interconnection queue, which
    /// approves `interconnection_approval_mw_per_year`; when granted, at the
    /// first dispatch at or after the approval ([`Grid::dispatch_at_or_after`]),
    /// the grid emits [`GridSignal::ConnectionGranted`]. Returns the grant time.
    pub fn request_connection(
        &mut self,
        load: LoadId,
        additional_mw: f64,
        agenda: &mut impl Agenda<GridEvent>,
    ) -> Result<SimTime, GridError> {
        let l = self.external_load(load)?;
        if !(additional_mw.is_finite() && additional_mw > 0.0 && additional_mw <= MAX_MW) {
            return Err(GridError::InvalidInput {
                call: "request_connection",
                field: "additional_mw",
                reason: format!("must be finite in (0, {MAX_MW}], got {}", Num(additional_mw)),
            });
        }
        let now = agenda.now();
        let region = &mut self.regions[self.loads[l].region as usize];
        let service =
            Duration::from_years_f64(additional_mw / region.approval_mw_per_year).ok_or_else(|| {
                GridError::NotComputable {
                    what: format!("interconnection wait of `{}`", self.loads[l].name),
                    at_secs: now.ticks(),
                    detail: "the wait does not fit the clock".into(),
                }
            })?;
        let begin = region.queue_free_at.max(now);
        let served = begin
            .checked_add(service)
            .ok_or(scheduler::ScheduleError::Overflow {
                now: begin,
                delay: service,
            })?;
        // Granted at the first dispatch at or after the wait ends, so that
        // the load's new request is dispatched from the grant on (the queue
        // itself runs on the unrounded times).
        let grant = self.dispatch_at_or_after(served);
        agenda.schedule_at(
            grant,
            GridEvent::ConnectionGranted {
                load,
                mw: additional_mw,
            },
        )?;
        let region = &mut self.regions[self.loads[l].region as usize];
        region.queue_free_at = served;
        region.queue_pending_mw += additional_mw;
        Ok(grant)
    }

    /// The first dispatch instant at or after `t`: dispatches fall every
    /// dispatch interval from the start. A change a domain makes at such an
    /// instant, before the grid's dispatch there, is dispatched at once; one
    /// made between two dispatches waits for the next (the grid books a
    /// request from the dispatch that first sees it). The stack installs
    /// accelerators and the grid grants connections at these instants, so
    /// that their wait for power does not depend on where step edges fall.
    /// `t` itself if no dispatch instant after it fits the clock.
    pub fn dispatch_at_or_after(&self, t: SimTime) -> SimTime {
        self.dispatch_clock().at_or_after(t)
    }

    /// The instants of the grid's dispatches: every dispatch interval from
    /// its start (the start is the first instant once the grid started).
    pub fn dispatch_clock(&self) -> StepClock {
        StepClock {
            first: self.first_dispatch,
            step: self.dt,
        }
    }

    fn on_connection_granted(&mut self, load: LoadId, mw: f64, signals: &mut Vec<GridSignal>) {
        if let Some(l) = self.loads.get_mut(load.index()) {
            l.connected_mw = (l.connected_mw + mw).min(MAX_MW);
            self.loads_changed = true;
            let region = &mut self.regions[l.region as usize];
            region.queue_pending_mw = (region.queue_pending_mw - mw).max(0.0);
            signals.push(GridSignal::ConnectionGranted {
                load,
                connected_mw: l.connected_mw,
            });
        }
    }

    /// Price in `region` at the latest dispatch, USD/MWh: the cost of the
    /// dearest unit running for it (its own, or an exporter's delivered
    /// `c / (1 − loss)`, passed along the flows), or the scarcity price when
    /// it curtails or is served thanks to an exporter's curtailment. Not the
    /// locational marginal cost, which it undercuts on average (see
    /// docs/model/energy-grid.md, Price). Zero before the first dispatch.
    pub fn price_usd_per_mwh(&self, region: RegionId) -> f64 {
        self.regions
            .get(region.index())
            .map_or(0.0, |r| r.step.price_usd_per_mwh)
    }

    /// `load`'s bill so far: the energy it was served since its bill was
    /// last taken (or since it was added) and what that energy cost, each
    /// dispatch step's at that step's price in its region. Independent of
    /// the metrics samples, which do not touch it. The bill of a region's
    /// own demand (or of an unknown load) is empty.
    ///
    /// The part of a dispatch step that runs past a month start is booked
    /// once that month's period has begun, so a bill at a month start
    /// covers exactly the steps' time before it.
    pub fn load_bill(&self, load: LoadId) -> LoadBill {
        match self.loads.get(load.index()).filter(|l| !l.regional) {
            Some(l) => {
                let p = &self.regions[l.region as usize].period;
                l.bill_until((p.price_hours, p.hours))
            }
            None => LoadBill::default(),
        }
    }

    /// [`Grid::load_bill`], after which the load's next bill starts from now.
    pub fn take_load_bill(&mut self, load: LoadId) -> LoadBill {
        let Some(l) = self.loads.get_mut(load.index()).filter(|l| !l.regional) else {
            return LoadBill::default();
        };
        let p = &self.regions[l.region as usize].period;
        l.settle((p.price_hours, p.hours));
        std::mem::take(&mut l.bill)
    }

    /// The balance of every region at the last dispatch step, in region id order.
    pub fn last_balance(&self) -> impl Iterator<Item = &RegionBalance> {
        self.regions.iter().map(|r| &r.step)
    }

    /// Every link at the last dispatch step, in config order: (from region,
    /// to region, power sent MW — positive from `from` to `to` —, capacity MW).
    pub fn link_flows(&self) -> impl Iterator<Item = (RegionId, RegionId, f64, f64)> + '_ {
        self.links
            .iter()
            .map(|l| (RegionId(l.a), RegionId(l.b), l.flow_mw, l.capacity_mw))
    }

    /// One region's balance at the last dispatch step.
    pub fn region_balance(&self, region: RegionId) -> Option<&RegionBalance> {
        self.regions.get(region.index()).map(|r| &r.step)
    }

    /// A load's connection, request and service at the last dispatch: (connected, requested, served) MW.
    pub fn load_state(&self, load: LoadId) -> Option<(f64, f64, f64)> {
        self.loads
            .get(load.index())
            .map(|l| (l.connected_mw, l.requested_mw, l.served_mw))
    }

    /// A plant group's capacity, availability, units and (hydro) water.
    pub fn plant_group_state(&self, group: PlantGroupId) -> Option<PlantGroupState> {
        let i = group.index();
        let g = self.groups.get(i)?;
        let h = &self.hot[i];
        let water = self.reservoirs.iter().find(|w| w.pos == i);
        Some(PlantGroupState {
            region: RegionId(g.region),
            technology: g.technology,
            installed_mw: h.installed_mw,
            available_mw: h.available_mw,
            generation_mw: h.generation_mw,
            inflow_mw: water.map_or(0.0, |w| h.inflow_mw(self.regions[w.region].drought_factor)),
            reservoir_mwh: water.map_or(0.0, |w| w.level_mwh),
            units_total: g.outages.as_ref().map_or(0, |o| o.units_total),
            units_down: g.outages.as_ref().map_or(0, |o| o.units_down),
            units_maintenance: g.outages.as_ref().map_or(0, |o| o.units_maint),
        })
    }

    /// Water a region's hydro reservoirs hold now, MWh of generation; `None`
    /// for an unknown region or a grid without any reservoir
    /// (`reservoir_hours` 0 everywhere).
    pub fn reservoir_mwh(&self, region: RegionId) -> Option<f64> {
        let ri = region.index();
        (ri < self.regions.len() && !self.water_days.is_empty()).then(|| {
            (self.reservoirs.iter())
                .filter(|w| w.region == ri)
                .fold(0.0, |a, w| a + w.level_mwh)
        })
    }

    /// Energy stored in a region's batteries now, MWh.
    pub fn storage_soc_mwh(&self, region: RegionId) -> Option<f64> {
        self.regions.get(region.index()).map(|r| r.storage.soc_mwh)
    }

    /// A region's generation at the last dispatch step by technology, MW,
    /// indexed by [`Technology::index`] (battery: 0, its discharge is in
    /// [`RegionBalance::discharge_mw`]). Read-only, for a per-step trace:
    /// the step itself never calls it.
    pub fn generation_by_technology_mw(&self, region: RegionId) -> Option<[f64; Technology::ALL.len()]> {
        let r = self.regions.get(region.index())?;
        let mut mw = [0.0; Technology::ALL.len()];
        for (g, h) in self.groups[r.merit.0..r.merit.1]
            .iter()
            .zip(&self.hot[r.merit.0..r.merit.1])
        {
            mw[g.technology.index()] += h.generation_mw;
        }
        Some(mw)
    }

    /// A region's demand and service at the last dispatch step by load
    /// class, `(requested, served)` MW, indexed by [`LoadClass::index`]:
    /// the region's own household and industry demand plus the loads of
    /// each class in it. Read-only, for a per-step trace.
    pub fn class_service_mw(&self, region: RegionId) -> Option<[(f64, f64); LoadClass::ALL.len()]> {
        let r = self.regions.get(region.index())?;
        let mut by_class = [(0.0, 0.0); LoadClass::ALL.len()];
        for &l in &r.loads {
            let load = &self.loads[l as usize];
            let c = &mut by_class[load.class.index()];
            c.0 += load.requested_mw;
            c.1 += load.served_mw;
        }
        Some(by_class)
    }

    /// MW of connection requests waiting in a region's interconnection queue.
    pub fn interconnection_queue_mw(&self, region: RegionId) -> Option<f64> {
        self.regions.get(region.index()).map(|r| r.queue_pending_mw)
    }

    /// The time between dispatches.
    pub fn dispatch_interval(&self) -> Duration {
        self.dt
    }

    /// The calendar the grid was built with.
    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    fn region_index(&self, region: RegionId) -> Result<usize, GridError> {
        (region.index() < self.regions.len())
            .then_some(region.index())
            .ok_or(GridError::UnknownId {
                kind: "region",
                id: region.0,
            })
    }

    fn external_load(&self, load: LoadId) -> Result<usize, GridError> {
        match self.loads.get(load.index()) {
            Some(l) if !l.regional => Ok(load.index()),
            _ => Err(GridError::UnknownId {
                kind: "load",
                id: load.0,
            }),
        }
    }
}

/// Seconds per year as a float, for rates.
pub(crate) const SECS_PER_YEAR_F: f64 = SECS_PER_YEAR as f64;

/// What a load was served over a span and what it cost
/// ([`Grid::take_load_bill`]).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LoadBill {
    /// Energy served, MWh.
    pub energy_mwh: f64,
    /// What it cost, each dispatch step's energy at that step's price in
    /// the load's region, USD.
    pub cost_usd: f64,
    /// Σ region price × hours over the time the load was served its whole
    /// request (not cut), USD/MWh·h.
    pub open_price_hours: f64,
    /// Those hours.
    pub open_hours: f64,
}

impl LoadBill {
    /// The price the load paid per MWh, USD/MWh: its cost ÷ its energy, if
    /// it drew any (more than 1e-6 MWh: energy below an hour at the
    /// smallest power the grid counts is none); if it did not, the
    /// region's price averaged over the time the load was not cut (what a
    /// flat draw would have paid in the hours it could draw: a load without
    /// demand, or one whose demand was served in full); `None` if it was cut
    /// the whole span, so that a site the grid cut does not take the
    /// scarcity price of hours it never drew as its price (the caller keeps
    /// the load's previous price).
    pub fn price_usd_per_mwh(&self) -> Option<f64> {
        if self.energy_mwh > crate::dispatch::EPS_MW {
            Some(self.cost_usd / self.energy_mwh)
        } else if self.open_hours > 0.0 {
            Some(self.open_price_hours / self.open_hours)
        } else {
            None
        }
    }
}
