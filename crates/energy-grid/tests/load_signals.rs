//! `LoadServed` signals keep each consumer's view of its power equal to the
//! grid's: a consumer assumes full service until its first signal (a training
//! site runs unconstrained, a fab at its full share), then the last value told.

mod common;

use common::{config, firm, flat_region, hours, run};
use energy_grid::{
    Grid, GridConfig, GridEvent, GridSignal, LoadClass, LoadId, LoadSpec, RegionId, Technology,
};
use scheduler::{RngStreams, SECS_PER_HOUR, Scheduler, SimTime};

/// One region of 1,000 MW flat demand on 900 MW of gas, datacenters cut first:
/// 100 MW short at every step, from t = 0.
fn datacenters_first_short() -> GridConfig {
    let mut r = flat_region("home", 1_000.0);
    r.fleet.push(firm("home-gas", Technology::Gas, 900.0, 40.0));
    let mut c = config(vec![r]);
    c.curtailment_order = common::datacenters_first();
    c
}

/// What each consumer believes it is served, as the stack's consumers do:
/// its request until told, then the last value told.
struct Consumers {
    told: Vec<Option<f64>>,
}

impl Consumers {
    fn hear(&mut self, signals: &[GridSignal]) {
        for s in signals {
            if let GridSignal::LoadServed { load, served_mw, .. } = s {
                self.told[load.index()] = Some(*served_mw);
            }
        }
    }

    /// Asserts every load's believed service is the grid's, within the tolerance.
    fn assert_agree(&self, grid: &Grid, loads: &[LoadId], t: SimTime) {
        for &l in loads {
            let (_, requested, served) = grid.load_state(l).expect("load");
            let believed = self.told[l.index()].unwrap_or(requested);
            assert!(
                (believed - served).abs() <= 0.01,
                "load {l:?} at {t}: believes {believed} MW, grid serves {served} of {requested}"
            );
        }
    }
}

/// Adds load `name` of `class` in `region`, connected for `connected_mw`.
fn add(grid: &mut Grid, name: &str, region: RegionId, class: LoadClass, connected_mw: f64) -> LoadId {
    grid.add_load(LoadSpec {
        name: name.into(),
        region,
        class,
        connected_mw,
    })
    .expect("load")
}

/// Starts `config`, adds a datacenter and a fab (both asking nothing, as in a
/// run where demand arrives after the first dispatch), and dispatches t = 0.
fn started_with_loads(config: GridConfig) -> (Grid, Scheduler<GridEvent>, [LoadId; 2], Vec<GridSignal>) {
    let mut grid = Grid::new(config, &RngStreams::new(1, 0)).expect("valid config");
    let home = grid.region_id("home").expect("region");
    let dc = add(&mut grid, "dc", home, LoadClass::Datacenter, 10.0);
    let fab = add(&mut grid, "fab", home, LoadClass::Fab, 20.0);
    let mut agenda = Scheduler::new();
    grid.start(&mut agenda).expect("start");
    let first = run(&mut grid, &mut agenda, SimTime::ZERO, |_, _, _| {});
    (grid, agenda, [dc, fab], first)
}

#[test]
fn a_load_cut_to_zero_from_its_first_request_is_told_once() {
    let (mut grid, mut agenda, [dc, fab], first) = started_with_loads(datacenters_first_short());
    assert!(first.is_empty(), "loads asking nothing are not told: {first:?}");
    grid.set_load_demand(dc, 3.36).expect("demand");
    grid.set_load_demand(fab, 15.0).expect("demand");
    let mut consumers = Consumers { told: vec![None; 8] };
    let mut at = Vec::new();
    let signals = run(&mut grid, &mut agenda, hours(48), |g, t, s| {
        consumers.hear(s);
        consumers.assert_agree(g, &[dc, fab], t);
        if !s.is_empty() {
            at.push(t);
        }
    });
    // The 100 MW shortfall takes both loads entirely, from their first request.
    assert_eq!(
        signals,
        vec![
            GridSignal::LoadServed {
                load: dc,
                requested_mw: 3.36,
                served_mw: 0.0
            },
            GridSignal::LoadServed {
                load: fab,
                requested_mw: 15.0,
                served_mw: 0.0
            },
        ]
    );
    assert_eq!(at, vec![hours(1)], "told at the first dispatch after the request");
}

#[test]
fn a_connection_granted_while_its_class_is_cut_is_told() {
    let (mut grid, mut agenda, [dc, _], _) = started_with_loads(datacenters_first_short());
    // Asks for 30 MW on a 10 MW connection: requests 10, all of it cut.
    grid.set_load_demand(dc, 30.0).expect("demand");
    let mut consumers = Consumers { told: vec![None; 8] };
    let signals = run(&mut grid, &mut agenda, hours(2), |g, t, s| {
        consumers.hear(s);
        consumers.assert_agree(g, &[dc], t);
    });
    assert_eq!(signals.len(), 1, "cut from its first request: {signals:?}");
    // A load connected for nothing yet asks for nothing: no signal until its
    // grant, then the cut is told.
    let mut c = datacenters_first_short();
    c.regions[0].interconnection_approval_mw_per_year = 8_766.0; // 1 MW an hour
    let mut grid = Grid::new(c, &RngStreams::new(1, 0)).expect("valid config");
    let home = grid.region_id("home").expect("region");
    let late = add(&mut grid, "late", home, LoadClass::Datacenter, 0.0);
    let mut agenda = Scheduler::new();
    grid.start(&mut agenda).expect("start");
    grid.set_load_demand(late, 5.0).expect("demand");
    let granted = grid.request_connection(late, 5.0, &mut agenda).expect("queued");
    // The first dispatch at or after the grant (about 5 h) is the first to serve it.
    let told_at = SimTime(granted.ticks().div_ceil(SECS_PER_HOUR) * SECS_PER_HOUR);
    assert_eq!(told_at, hours(5));
    let mut consumers = Consumers { told: vec![None; 8] };
    let mut served_signals = Vec::new();
    run(&mut grid, &mut agenda, hours(24), |g, t, s| {
        consumers.hear(s);
        consumers.assert_agree(g, &[late], t);
        for s in s {
            if let GridSignal::LoadServed { served_mw, .. } = s {
                served_signals.push((t, *served_mw));
            }
        }
    });
    assert_eq!(served_signals, vec![(told_at, 0.0)]);
}

#[test]
fn loads_served_in_full_get_the_same_signals_as_before() {
    // Ample supply: each load is told once, when it is first served.
    let mut c = datacenters_first_short();
    c.regions[0].fleet[0].installed_mw = 2_000.0;
    let (mut grid, mut agenda, [dc, fab], _) = started_with_loads(c);
    grid.set_load_demand(dc, 3.36).expect("demand");
    let mut consumers = Consumers { told: vec![None; 8] };
    let signals = run(&mut grid, &mut agenda, hours(24), |g, t, s| {
        consumers.hear(s);
        consumers.assert_agree(g, &[dc, fab], t);
    });
    assert_eq!(
        signals,
        vec![GridSignal::LoadServed {
            load: dc,
            requested_mw: 3.36,
            served_mw: 3.36
        }],
        "the fab asks nothing and is never told"
    );
    // Households first: the datacenter is never cut, and is told once too.
    let mut c = datacenters_first_short();
    c.curtailment_order.reverse();
    let (mut grid, mut agenda, [dc, fab], _) = started_with_loads(c);
    grid.set_load_demand(dc, 3.36).expect("demand");
    let mut consumers = Consumers { told: vec![None; 8] };
    let signals = run(&mut grid, &mut agenda, hours(24), |g, t, s| {
        consumers.hear(s);
        consumers.assert_agree(g, &[dc, fab], t);
    });
    assert_eq!(signals.len(), 1, "{signals:?}");
}

/// A fab in the partly cut class is served what is left for its class,
/// whatever it asks: when its request moves, its served MW does not, but
/// its share does, and it must be told (the audit's `probe fabshare`).
/// One region: 1,000 MW of gas, 800 MW flat demand, a 100 MW datacenter cut
/// first, then the fab asking 300, 400, 250, 150 and 400 MW: 200 MW is left
/// for the fab while it asks more, so its share goes 2/3, 1/2, 4/5, then 1
/// when its request drops below what is left, then 1/2 again.
#[test]
fn a_fab_partly_cut_is_told_its_share_when_its_request_moves() {
    let mut r = flat_region("home", 800.0);
    r.fleet.push(firm("home-gas", Technology::Gas, 1_000.0, 40.0));
    let mut c = config(vec![r]);
    c.curtailment_order = common::datacenters_first();
    let mut grid = Grid::new(c, &RngStreams::new(1, 0)).expect("valid config");
    let home = grid.region_id("home").expect("region");
    let dc = add(&mut grid, "dc", home, LoadClass::Datacenter, 100.0);
    let fab = add(&mut grid, "fab", home, LoadClass::Fab, 1_000.0);
    let mut agenda = Scheduler::new();
    grid.start(&mut agenda).expect("start");
    grid.set_load_demand(dc, 100.0).expect("dc");
    let mut share = 1.0;
    for (h, (request, expected)) in [
        (300.0, 2.0 / 3.0),
        (400.0, 0.5),
        (250.0, 0.8),
        (150.0, 1.0),
        (400.0, 0.5),
    ]
    .into_iter()
    .enumerate()
    {
        grid.set_load_demand(fab, request).expect("fab");
        let end = hours(3 * h as u64 + 2);
        for s in run(&mut grid, &mut agenda, end, |_, _, _| {}) {
            if let GridSignal::LoadServed {
                load,
                requested_mw,
                served_mw,
            } = s
                && load == fab
            {
                share = served_mw / requested_mw;
            }
        }
        let (_, requested, served) = grid.load_state(fab).expect("fab");
        assert!(
            (served / requested - expected).abs() < 1e-9,
            "grid serves {served} of {requested}"
        );
        assert!(
            (share - expected).abs() < 1e-9,
            "fab asking {request} MW believes share {share}, is served {expected}"
        );
    }
}
