//! Validation of a [`FabConfig`]: every number finite and in its documented
//! range, every name unique, every reference resolved. Errors name the entity
//! and the field.

use crate::config::*;
use crate::error::{FabError, invalid};
use scheduler::{Dist, Num, SECS_PER_DAY, SECS_PER_HOUR, TimePath};
use std::collections::HashMap;

/// Name → index lookups built while validating.
pub(crate) struct Names {
    pub designs: HashMap<String, usize>,
    pub fabs: HashMap<String, usize>,
}

/// Wafer diameters accepted, mm: 150 to 450 (no AI logic is made on
/// smaller wafers). With [`DIE_AREA_MM2`], every design gives between 7.1
/// gross dies (1,000 mm² on 150 mm) and 158,000 (1 mm² on 450 mm): at
/// least one whole die, so no fab burns wafers for nothing, and few enough
/// that a run's u64 die counts cannot overflow at any capacity.
pub const WAFER_DIAMETER_MM: (f64, f64) = (150.0, 450.0);

/// Die areas accepted, mm²: 1 to 1,000 (the H100-class die, among the
/// largest, is 814 mm²: docs/calibration/fab-supply-chain.md). See
/// [`WAFER_DIAMETER_MM`].
pub const DIE_AREA_MM2: (f64, f64) = (1.0, 1000.0);

/// Most entities of one kind a config may list (a larger config is refused
/// before it can exhaust memory).
pub const MAX_ENTITIES: usize = 100_000;

fn range(entity: &str, field: &str, v: f64, lo: f64, hi: f64) -> Result<(), FabError> {
    if v.is_finite() && v >= lo && v <= hi {
        Ok(())
    } else {
        Err(invalid(
            entity,
            field,
            format!(
                "must be a finite number in [{}, {}], got {}",
                Num(lo),
                Num(hi),
                Num(v)
            ),
        ))
    }
}

fn positive(entity: &str, field: &str, v: f64, hi: f64) -> Result<(), FabError> {
    if v.is_finite() && v > 0.0 && v <= hi {
        Ok(())
    } else {
        Err(invalid(
            entity,
            field,
            format!("must be a finite number in (0, {}], got {}", Num(hi), Num(v)),
        ))
    }
}

fn path(entity: &str, field: &str, p: &TimePath, lo: f64, hi: f64) -> Result<(), FabError> {
    for &(_, v) in p.points() {
        range(entity, field, v, lo, hi)?;
    }
    Ok(())
}

/// Checks a duration distribution (a repair or lead time): valid, every
/// value ≥ 0 (its support: a `Normal` with `sd > 0` reaches below zero and
/// is refused, as the grid refuses its repair and lead times, rather than
/// drawing negative durations that would have to be cut to zero), and a
/// finite mean of at most `hi`.
fn dist(entity: &str, field: &str, d: &Dist, hi: f64) -> Result<(), FabError> {
    d.validate().map_err(|reason| invalid(entity, field, reason))?;
    let (low, _) = d.support();
    if low < 0.0 {
        return Err(invalid(
            entity,
            field,
            format!(
                "values must all be ≥ 0 (it is a duration), but the distribution ranges down to {}; \
                 use a distribution bounded below by 0 (LogNormal, Triangular, Pert, Uniform with low ≥ 0, …)",
                Num(low)
            ),
        ));
    }
    let mean = d.mean();
    if !(mean.is_finite() && mean <= hi) {
        return Err(invalid(
            entity,
            field,
            format!("mean must be finite and at most {}, got {}", Num(hi), Num(mean)),
        ));
    }
    Ok(())
}

fn unique<'a>(
    kind: &'static str,
    names: impl Iterator<Item = &'a str>,
) -> Result<HashMap<String, usize>, FabError> {
    let mut map = HashMap::new();
    for (i, n) in names.enumerate() {
        if n.is_empty() {
            return Err(invalid(kind, "name", "must not be empty"));
        }
        if map.insert(n.to_string(), i).is_some() {
            return Err(FabError::DuplicateName {
                kind,
                name: n.to_string(),
            });
        }
    }
    Ok(map)
}

fn lookup(
    map: &HashMap<String, usize>,
    entity: &str,
    field: &str,
    kind: &'static str,
    name: &str,
) -> Result<usize, FabError> {
    map.get(name).copied().ok_or_else(|| FabError::UnknownReference {
        entity: entity.to_string(),
        field: field.to_string(),
        kind,
        name: name.to_string(),
    })
}

/// Checks `c` and returns the name tables.
pub(crate) fn validate(c: &FabConfig) -> Result<Names, FabError> {
    let step = c.production_step.secs();
    if !(SECS_PER_HOUR..=92 * SECS_PER_DAY).contains(&step) {
        return Err(invalid(
            "supply chain",
            "production_step",
            format!("must be 1 hour to 92 days, got {step} s"),
        ));
    }
    range(
        "supply chain",
        "wafer_diameter_mm",
        c.wafer_diameter_mm,
        WAFER_DIAMETER_MM.0,
        WAFER_DIAMETER_MM.1,
    )?;
    if let Some(w) = c.die_bank_target
        && w > crate::MAX_DIE_BANK_TARGET
    {
        return Err(invalid(
            "supply chain",
            "die_bank_target",
            format!(
                "must be at most {} weeks, got {} s",
                crate::MAX_DIE_BANK_TARGET.secs() / (7 * scheduler::SECS_PER_DAY),
                w.secs()
            ),
        ));
    }
    let lists = [
        ("designs", c.designs.len()),
        ("fabs", c.fabs.len()),
        ("projects", c.projects.len()),
        ("policies", c.policies.len()),
        ("buyers", c.buyers.len()),
        ("accelerator_imports", c.accelerator_imports.len()),
        ("die_banks", c.die_banks.len()),
    ];
    for (field, n) in lists {
        if n > MAX_ENTITIES {
            return Err(invalid(
                "supply chain",
                field,
                format!("lists {n} entries, at most {MAX_ENTITIES} allowed"),
            ));
        }
    }
    let designs = unique("design", c.designs.iter().map(|d| d.name.as_str()))?;
    let fabs = unique("fab", c.fabs.iter().map(|f| f.name.as_str()))?;
    let projects = unique("project", c.projects.iter().map(|p| p.name.as_str()))?;
    unique("buyer", c.buyers.iter().map(|b| b.name.as_str()))?;
    unique("policy", c.policies.iter().map(|p| p.name.as_str()))?;
    // One licensed and one grey import per design.
    unique(
        "accelerator import",
        c.accelerator_imports
            .iter()
            .filter(|i| !i.grey)
            .map(|i| i.design.as_str()),
    )?;
    unique(
        "grey accelerator import",
        c.accelerator_imports
            .iter()
            .filter(|i| i.grey)
            .map(|i| i.design.as_str()),
    )?;

    for d in &c.designs {
        let e = format!("design \"{}\"", d.name);
        range(&e, "die_area_mm2", d.die_area_mm2, DIE_AREA_MM2.0, DIE_AREA_MM2.1)?;
        if !(1..=16).contains(&d.dies_per_chip) {
            return Err(invalid(
                &e,
                "dies_per_chip",
                format!("must be 1 to 16, got {}", d.dies_per_chip),
            ));
        }
        positive(&e, "peak_flop_s_bf16", d.peak_flop_s_bf16, 1e18)?;
        if let Some(fp8) = d.peak_flop_s_fp8 {
            positive(&e, "peak_flop_s_fp8", fp8, 1e18)?;
        }
        positive(&e, "power_w", d.power_w, 1e5)?;
        if d.hbm_stacks_per_chip > 64 {
            return Err(invalid(
                &e,
                "hbm_stacks_per_chip",
                format!("must be at most 64, got {}", d.hbm_stacks_per_chip),
            ));
        }
        positive(&e, "unit_price_usd", d.unit_price_usd, 1e8)?;
    }

    for f in &c.fabs {
        let e = format!("fab \"{}\"", f.name);
        range(
            &e,
            "capacity_wafers_per_month",
            f.capacity_wafers_per_month,
            0.0,
            1e7,
        )?;
        if f.ramp.secs() > 20 * scheduler::SECS_PER_YEAR {
            return Err(invalid(
                &e,
                "ramp",
                format!("must be at most 20 years, got {} s", f.ramp.secs()),
            ));
        }
        if !(SECS_PER_DAY..=2 * scheduler::SECS_PER_YEAR).contains(&f.cycle_time.secs()) {
            return Err(invalid(
                &e,
                "cycle_time",
                format!("must be 1 day to 2 years, got {} s", f.cycle_time.secs()),
            ));
        }
        f.yield_curve.validate(&e)?;
        range(&e, "power_mw_at_full_starts", f.power_mw_at_full_starts, 0.0, 1e4)?;
        range(&e, "base_power_fraction", f.base_power_fraction, 0.0, 1.0)?;
        positive(&e, "tools_per_kwpm", f.tools_per_kwpm, 1e4)?;
        if f.tools_at_opening > 1_000_000 {
            return Err(invalid(&e, "tools_at_opening", "must be at most 1e6"));
        }
        let rule = &f.power_shortfall;
        range(
            &e,
            "power_shortfall.scrap_below_served_fraction",
            rule.scrap_below_served_fraction,
            0.0,
            1.0,
        )?;
        range(
            &e,
            "power_shortfall.scrap_share_of_in_process",
            rule.scrap_share_of_in_process,
            0.0,
            1.0,
        )?;
        if f.product_mix.len() > MAX_ENTITIES {
            return Err(invalid(
                &e,
                "product_mix",
                format!("at most {MAX_ENTITIES} entries"),
            ));
        }
        if f.product_mix.is_empty() {
            return Err(invalid(&e, "product_mix", "must list at least one design"));
        }
        for p in &f.product_mix {
            let di = lookup(&designs, &e, "product_mix.design", "design", &p.design)?;
            positive(&e, "product_mix.share", p.share, 1e6)?;
            let node = &c.designs[di].node;
            if *node != f.node {
                return Err(invalid(
                    &e,
                    "product_mix.design",
                    format!(
                        "design \"{}\" needs node {node}, the fab runs {}",
                        p.design, f.node
                    ),
                ));
            }
        }
    }

    let t = &c.tools;
    let e = "tool supply";
    if t.inventory_at_start > 1_000_000 {
        return Err(invalid(e, "inventory_at_start", "must be at most 1e6"));
    }
    path(e, "imports_per_year", &t.imports_per_year, 0.0, 1e5)?;
    path(e, "domestic_per_year", &t.domestic_per_year, 0.0, 1e5)?;
    range(e, "failures_per_tool_year", t.failures_per_tool_year, 0.0, 1000.0)?;
    dist(e, "repair_days", &t.repair_days, 3650.0)?;

    let h = &c.hbm;
    let e = "hbm";
    if h.stockpile_stacks_at_start > 10_000_000_000 {
        return Err(invalid(e, "stockpile_stacks_at_start", "must be at most 1e10"));
    }
    path(
        e,
        "domestic_stacks_per_month",
        &h.domestic_stacks_per_month,
        0.0,
        1e9,
    )?;
    path(e, "domestic_yield", &h.domestic_yield, 0.0, 1.0)?;
    path(
        e,
        "imports_stacks_per_month",
        &h.imports_stacks_per_month,
        0.0,
        1e9,
    )?;
    path(
        "supply chain",
        "packaging_units_per_month",
        &c.packaging_units_per_month,
        0.0,
        1e9,
    )?;

    for i in &c.accelerator_imports {
        let e = format!("accelerator import \"{}\"", i.design);
        lookup(&designs, &e, "design", "design", &i.design)?;
        path(&e, "units_per_month", &i.units_per_month, 0.0, 1e9)?;
    }
    for b in &c.die_banks {
        let e = format!("die bank \"{}\"", b.design);
        lookup(&designs, &e, "design", "design", &b.design)?;
        if b.dies > 10_000_000_000 {
            return Err(invalid(&e, "dies", "must be at most 1e10"));
        }
    }

    let mut built_by_project = vec![false; c.fabs.len()];
    for p in &c.projects {
        let e = format!("project \"{}\"", p.name);
        dist(&e, "lead_time_years", &p.lead_time_years, 50.0)?;
        range(&e, "years_spent_at_start", p.years_spent_at_start, 0.0, f64::MAX)?;
        // Begun before time zero, the project is still being built then: its
        // lead time is drawn conditioned on outlasting the years spent (the
        // grid's rule, `Dist::still_to_run`), refused if that is near-impossible.
        p.lead_time_years
            .still_to_run(p.years_spent_at_start)
            .map_err(|reason| invalid(&e, "years_spent_at_start", reason))?;
        match &p.kind {
            ProjectKind::NewFab { fab } => {
                let fi = lookup(&fabs, &e, "kind.fab", "fab", fab)?;
                if c.fabs[fi].opens != FabOpening::ByProject {
                    return Err(invalid(
                        &e,
                        "kind.fab",
                        format!("fab \"{fab}\" must have `opens: ByProject`"),
                    ));
                }
                if std::mem::replace(&mut built_by_project[fi], true) {
                    return Err(invalid(
                        &e,
                        "kind.fab",
                        format!("fab \"{fab}\" is already built by another project"),
                    ));
                }
            }
            ProjectKind::Expansion {
                fab,
                added_wafers_per_month,
            } => {
                lookup(&fabs, &e, "kind.fab", "fab", fab)?;
                positive(&e, "kind.added_wafers_per_month", *added_wafers_per_month, 1e7)?;
            }
        }
    }

    for p in &c.policies {
        let e = format!("policy \"{}\"", p.name);
        match &p.action {
            PolicyAction::ExportControl { item, control } => {
                if let ControlledItem::Accelerators { design: Some(d) } = item
                    && !c.accelerator_imports.iter().any(|i| &i.design == d && !i.grey)
                {
                    // The control acts on the design's licensed imports: say
                    // that such an `imports` entry is what is missing (review
                    // s26-modeler, F11: "refers to unknown accelerator import").
                    let reason = if c.accelerator_imports.iter().any(|i| &i.design == d) {
                        format!(
                            "controls design \"{d}\", which only a grey import brings in: no \
                             export control acts on a grey import, so the control needs an \
                             `imports` entry for \"{d}\" without `grey: true`"
                        )
                    } else {
                        format!(
                            "controls design \"{d}\", which no accelerator import brings in: an \
                             export control on a design acts on its imports, so it needs an \
                             `imports` entry for \"{d}\""
                        )
                    };
                    return Err(invalid(&e, "action.item.design", reason));
                }
                match control {
                    Control::QuotaPerMonth(q) => range(&e, "action.control.quota_per_month", *q, 0.0, 1e9)?,
                    Control::LicenceDelay(d) if d.secs() > 10 * scheduler::SECS_PER_YEAR => {
                        return Err(invalid(
                            &e,
                            "action.control.licence_delay",
                            format!("must be at most 10 years, got {} s", d.secs()),
                        ));
                    }
                    _ => {}
                }
            }
            PolicyAction::Subsidy { projects: names } => {
                for n in names {
                    let pi = lookup(&projects, &e, "action.projects", "project", n)?;
                    if c.projects[pi].starts_at.is_some() {
                        return Err(invalid(
                            &e,
                            "action.projects",
                            format!("project \"{n}\" already has a start date (`starts_at`)"),
                        ));
                    }
                }
            }
        }
    }
    Ok(Names { designs, fabs })
}
