//! The inputs besides wafers: monthly flows turned into whole units per tick,
//! the export-control state of an imported flow, and the HBM, packaging,
//! tool and accelerator-import supplies built from them.

use crate::MONTH_SECS;
use scheduler::{Dist, Duration, SimTime, TimePath};

/// A rate over time (units per month) turned into whole units per tick,
/// carrying the fractional remainder to the next tick so that nothing is
/// lost to rounding.
#[derive(Clone, Debug)]
pub(crate) struct Flow {
    pub per_month: TimePath,
    carry: f64,
}

impl Flow {
    pub fn new(per_month: TimePath) -> Flow {
        Flow {
            per_month,
            carry: 0.0,
        }
    }

    /// Whole units flowing in the tick of length `dt` starting at `now`, at
    /// the path's rate capped by `cap_per_month` (if any).
    pub fn take(&mut self, now: SimTime, dt: Duration, cap_per_month: Option<f64>) -> u64 {
        let mut rate = self.per_month.at(now).max(0.0);
        if let Some(cap) = cap_per_month {
            rate = rate.min(cap);
        }
        self.carry += rate * dt.as_secs_f64() / MONTH_SECS;
        let whole = self.carry.floor();
        self.carry -= whole;
        whole as u64
    }
}

/// The export-control state of one imported flow.
///
/// An accelerator flow answers to controls of two scopes: those naming its
/// design, and those on all accelerators. A ban on all accelerators is kept
/// apart (`banned_by_all`) so that a later national quota, which replaces
/// controls on all accelerators, reopens the flows that ban shut without
/// reopening a design banned by name.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct ControlState {
    /// Cap on the flow from controls naming it, units per month (`Some(0)`
    /// is a ban).
    pub cap_per_month: Option<f64>,
    /// Shut by a ban on all accelerators (until a national quota, a lift on
    /// all, or a ban, quota or lift naming the design replaces it; a
    /// licence delay naming it does not).
    pub banned_by_all: bool,
    /// Delay between shipment and arrival.
    pub licence_delay: Duration,
}

impl ControlState {
    /// Applies a control naming this flow (see [`crate::Control`]): it
    /// replaces the cap (ban, quota, lift), including a ban on all
    /// accelerators, or the delay.
    pub fn apply(&mut self, control: &crate::Control) {
        match *control {
            crate::Control::Ban => self.set_cap(Some(0.0)),
            crate::Control::QuotaPerMonth(q) => self.set_cap(Some(q)),
            crate::Control::LicenceDelay(d) => self.licence_delay = d,
            crate::Control::Lift => *self = ControlState::default(),
        }
    }

    fn set_cap(&mut self, cap: Option<f64>) {
        self.cap_per_month = cap;
        self.banned_by_all = false;
    }

    /// Applies a control on all accelerators to this flow: a ban shuts it
    /// and keeps its own cap for after a national quota; a quota (the
    /// national cap, which the supply chain holds) replaces a ban on all and
    /// leaves the flow's own cap, so a design banned or capped by name stays
    /// so inside it; a lift clears every control on it.
    pub fn apply_all(&mut self, control: &crate::Control) {
        match *control {
            crate::Control::Ban => self.banned_by_all = true,
            crate::Control::QuotaPerMonth(_) => self.banned_by_all = false,
            crate::Control::LicenceDelay(d) => self.licence_delay = d,
            crate::Control::Lift => *self = ControlState::default(),
        }
    }

    /// The flow's cap, units per month: 0 while a ban on all accelerators
    /// holds, else its own cap.
    pub fn cap(&self) -> Option<f64> {
        if self.banned_by_all {
            Some(0.0)
        } else {
            self.cap_per_month
        }
    }

    /// Whether the flow is shut now (a ban, or a quota of 0).
    pub fn shut(&self) -> bool {
        self.cap().is_some_and(|c| c <= 0.0)
    }
}

/// An imported flow under export control.
#[derive(Clone, Debug)]
pub(crate) struct ImportFlow {
    pub flow: Flow,
    pub control: ControlState,
    /// A grey channel ([`AcceleratorImportConfig::grey`](crate::AcceleratorImportConfig::grey)):
    /// no export control ever reaches `control`, and a national quota
    /// neither counts nor caps it.
    pub grey: bool,
}

impl ImportFlow {
    pub fn new(per_month: TimePath) -> ImportFlow {
        ImportFlow {
            flow: Flow::new(per_month),
            control: ControlState::default(),
            grey: false,
        }
    }

    /// Units shipped in this tick (arriving after the licence delay).
    pub fn ship(&mut self, now: SimTime, dt: Duration) -> u64 {
        self.flow.take(now, dt, self.control.cap())
    }

    /// The flow's rate at `now` under its own cap, units per month.
    pub fn rate(&self, now: SimTime) -> f64 {
        let rate = self.flow.per_month.at(now).max(0.0);
        self.control.cap().map_or(rate, |cap| rate.min(cap))
    }

    /// Units shipped in this tick at the flow's rate under its own cap and
    /// `cap_per_month` (a share of a national quota).
    pub fn ship_capped(&mut self, now: SimTime, dt: Duration, cap_per_month: f64) -> u64 {
        let cap = self
            .control
            .cap()
            .map_or(cap_per_month, |own| own.min(cap_per_month));
        self.flow.take(now, dt, Some(cap))
    }

    /// The highest rate of the flow's path at `now` or later, units per
    /// month (a linear path lies between its points).
    pub fn rate_now_or_later(&self, now: SimTime) -> f64 {
        max_now_or_later(&self.flow.per_month, now)
    }

    /// Ships nothing and drops the carried fraction (a design not yet
    /// available: nothing of it accumulates before its date).
    pub fn hold(&mut self) {
        self.flow.carry = 0.0;
    }
}

/// The highest value of `path` at `now` or later (a linear path lies
/// between its points, a step path holds each point's value).
pub(crate) fn max_now_or_later(path: &TimePath, now: SimTime) -> f64 {
    path.points()
        .iter()
        .filter(|p| p.0 > now)
        .map(|p| p.1)
        .fold(path.at(now), f64::max)
}

/// HBM supply: a stock fed by domestic production (starts × yield) and
/// imports.
pub(crate) struct Hbm {
    pub stock: u64,
    pub domestic: Flow,
    pub domestic_yield: TimePath,
    pub imports: ImportFlow,
    /// Stacks consumed by assembly since the last sample.
    pub used_period: u64,
    /// Stacks arrived since the last sample (domestic, imported).
    pub domestic_period: u64,
    pub imported_period: u64,
}

impl Hbm {
    /// Good domestic stacks made in this tick.
    pub fn domestic_output(&mut self, now: SimTime, dt: Duration) -> u64 {
        let y = self.domestic_yield.at(now).clamp(0.0, 1.0);
        let starts_per_month = self.domestic.per_month.at(now).max(0.0) * y;
        // The yield applies to the rate, so the carry keeps fractions of good
        // stacks, not of starts.
        self.domestic.take(now, dt, Some(starts_per_month))
    }
}

/// The national lithography-tool supply.
pub(crate) struct ToolSupply {
    /// Tools delivered and not yet installed in a fab.
    pub inventory: u64,
    /// Imports, per month (the config's per-year path divided by 12).
    pub imports: ImportFlow,
    /// Domestic production, per month.
    pub domestic: Flow,
    pub failures_per_tool_year: f64,
    pub repair_days: Dist,
    /// Tools arrived since the last sample.
    pub arrived_period: u64,
    /// Failures since the last sample.
    pub failures_period: u64,
}

/// Divides every value of a per-year path by 12 (a per-month path).
pub(crate) fn per_month(per_year: &TimePath) -> TimePath {
    let points = per_year.points().iter().map(|&(t, v)| (t, v / 12.0)).collect();
    TimePath::new(points, per_year.interp()).unwrap_or_else(|| TimePath::constant(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use scheduler::SECS_PER_YEAR;

    fn month() -> Duration {
        Duration(SECS_PER_YEAR / 12)
    }

    #[test]
    fn flow_carries_fractions_and_respects_caps() {
        let mut f = Flow::new(TimePath::constant(2.5));
        let got: u64 = (0..4).map(|_| f.take(SimTime::ZERO, month(), None)).sum();
        assert_eq!(got, 10);
        let mut f = Flow::new(TimePath::constant(100.0));
        assert_eq!(f.take(SimTime::ZERO, month(), Some(7.0)), 7);
        assert_eq!(f.take(SimTime::ZERO, month(), Some(0.0)), 0);
    }

    #[test]
    fn controls_combine_and_lift() {
        let mut c = ControlState::default();
        c.apply(&crate::Control::LicenceDelay(Duration(5)));
        c.apply(&crate::Control::QuotaPerMonth(3.0));
        assert_eq!(
            c,
            ControlState {
                cap_per_month: Some(3.0),
                banned_by_all: false,
                licence_delay: Duration(5)
            }
        );
        c.apply(&crate::Control::Ban);
        assert_eq!(c.cap_per_month, Some(0.0));
        c.apply(&crate::Control::Lift);
        assert_eq!(c, ControlState::default());
    }

    #[test]
    fn domestic_hbm_applies_yield() {
        let mut h = Hbm {
            stock: 0,
            domestic: Flow::new(TimePath::constant(1000.0)),
            domestic_yield: TimePath::constant(0.25),
            imports: ImportFlow::new(TimePath::constant(0.0)),
            used_period: 0,
            domestic_period: 0,
            imported_period: 0,
        };
        assert_eq!(h.domestic_output(SimTime::ZERO, month()), 250);
    }
}
