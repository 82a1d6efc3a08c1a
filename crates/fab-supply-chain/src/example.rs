//! A small, calibrated example configuration: one advanced-node fab making
//! a dual-die Ascend-910C-class accelerator, a die bank, an HBM stockpile,
//! imported H20-class chips that a control bans, one buyer. Times are from a
//! run starting on 1 January 2025. Sources and years of every number are in
//! `docs/calibration/fab-supply-chain.md`; "assumption" marks numbers with no
//! public source.

use crate::config::*;
use crate::yield_curve::YieldCurve;
use scheduler::{Dist, Duration, Interp, SECS_PER_DAY, SECS_PER_YEAR, SimTime, TimePath};

fn days(d: u64) -> SimTime {
    SimTime(d * SECS_PER_DAY)
}

/// The example configuration (see the module docs). Useful as a starting
/// point for scenarios, in doc tests and in benches.
pub fn example_config() -> FabConfig {
    let ascend = DesignConfig {
        name: "ascend-910c".into(),
        // 78 gross 910B-class dies per 300 mm wafer (Morgan Stanley 2025):
        // 675 mm² gives 79 by the gross-die formula (78 exactly would be
        // ≈683 mm²); the 910C packages two.
        die_area_mm2: 675.0,
        dies_per_chip: 2,
        // 752–800 TFLOP/s dense BF16 (SemiAnalysis 2025).
        peak_flop_s_bf16: 780e12,
        peak_flop_s_fp8: None,
        // Chip only: 2 × ≈400 W 910B-class dies (Epoch 2024, unverified).
        power_w: 800.0,
        // 8 HBM2E stacks (SemiAnalysis 2025).
        hbm_stacks_per_chip: 8,
        node: "N+2".into(),
        // ≈¥110k cost (Morgan Stanley 2025) at ≈7.2 ¥/USD.
        unit_price_usd: 15_300.0,
        available_from: SimTime::ZERO,
    };
    let h20 = DesignConfig {
        name: "h20".into(),
        die_area_mm2: 814.0,
        dies_per_chip: 1,
        // 148 TFLOP/s BF16, 400 W (Epoch ML Hardware 2024).
        peak_flop_s_bf16: 148e12,
        peak_flop_s_fp8: None,
        power_w: 400.0,
        // 96 GB HBM3 (Epoch 2024) as 4 × 24 GB stacks (assumption).
        hbm_stacks_per_chip: 4,
        node: "4N".into(),
        // Assumption.
        unit_price_usd: 12_000.0,
        available_from: SimTime::ZERO,
    };
    let fab = FabSiteConfig {
        name: "smic-advanced".into(),
        region: "east".into(),
        node: "N+2".into(),
        // ≈7,000 wafers/month allocated to Ascend (Morgan Stanley 2025).
        capacity_wafers_per_month: 7_000.0,
        ramp: Duration(SECS_PER_YEAR / 2),
        opens: FabOpening::Operating,
        // Assumption: ≈3 months for multi-patterned 7 nm-class logic.
        cycle_time: Duration::from_days(90),
        // ≈30 % on large AI dies, below 50 % (Digitimes 2024, MS 2025);
        // learning scale an assumption.
        yield_curve: YieldCurve {
            initial: 0.30,
            ceiling: 0.50,
            learning_wafers: 150_000.0,
        },
        // Assumption: 3.6 kW per wafer a month (25 MW for 7,000 wpm), ≈1.7×
        // TSMC's all-fab average of ≈2.1 kW (TSMC 2023: 24.8 TWh for >16 M
        // wafers a year) for a multi-patterned 7 nm line; the same intensity
        // as china-2025's SMIC line (100 MW, 14 kW, until session 21).
        power_mw_at_full_starts: 25.0,
        base_power_fraction: 0.6,
        product_mix: vec![ProductShare {
            design: "ascend-910c".into(),
            share: 1.0,
        }],
        // One scanner per 1,000 wafers/month (AI Futures Simulator 2025).
        tools_per_kwpm: 1.0,
        tools_at_opening: 7,
        power_shortfall: PowerShortfallRule {
            scrap_below_served_fraction: 0.9,
            scrap_share_of_in_process: 0.1,
        },
    };
    let expansion = FabProjectConfig {
        name: "smic-advanced-phase-2".into(),
        kind: ProjectKind::Expansion {
            fab: "smic-advanced".into(),
            added_wafers_per_month: 8_000.0,
        },
        starts_at: None,
        // Assumption after AI Futures Simulator (1.4–2.4 years per fab).
        lead_time_years: Dist::Triangular {
            low: 1.0,
            mode: 1.5,
            high: 2.5,
        },
        years_spent_at_start: 0.0,
    };
    FabConfig {
        production_step: Duration::from_days(7),
        wafer_diameter_mm: 300.0,
        designs: vec![ascend, h20],
        fabs: vec![fab],
        projects: vec![expansion],
        tools: ToolSupplyConfig {
            inventory_at_start: 0,
            imports_per_year: TimePath::constant(0.0),
            // 20 scanners in the first year, +16 per year (AI Futures Simulator 2025).
            domestic_per_year: TimePath::new(
                vec![(SimTime::ZERO, 20.0), (SimTime(5 * SECS_PER_YEAR), 100.0)],
                Interp::Linear,
            )
            .unwrap_or_else(|| TimePath::constant(20.0)),
            failures_per_tool_year: 2.0,
            repair_days: Dist::Triangular {
                low: 2.0,
                mode: 5.0,
                high: 14.0,
            },
        },
        hbm: HbmConfig {
            // ≈13 M stacks shipped before the Dec 2024 control (SemiAnalysis 2025).
            stockpile_stacks_at_start: 13_000_000,
            // CXMT HBM3 volume from ≈mid-2026 (2025 reports); volume an assumption.
            domestic_stacks_per_month: TimePath::new(
                vec![(SimTime::ZERO, 0.0), (days(546), 200_000.0)],
                Interp::Step,
            )
            .unwrap_or_else(|| TimePath::constant(0.0)),
            domestic_yield: TimePath::constant(0.5),
            // Controlled since Dec 2024 (Federal Register 2024).
            imports_stacks_per_month: TimePath::constant(0.0),
        },
        // Assumption, no public source: set so that 2025 output (≈730k)
        // lies in the published 200k–805k range (BIS 2025, SemiAnalysis 2025).
        packaging_units_per_month: TimePath::constant(60_000.0),
        // >1 M H20 in 9 months of 2024 (SemiAnalysis via SCMP 2025).
        accelerator_imports: vec![AcceleratorImportConfig {
            design: "h20".into(),
            units_per_month: TimePath::constant(111_000.0),
            on_order: false,
            grey: false,
        }],
        // ≈2.9 M TSMC-made dies banked (TechInsights/Bloomberg 2025).
        die_banks: vec![DieBankConfig {
            design: "ascend-910c".into(),
            dies: 2_900_000,
        }],
        policies: vec![
            PolicyConfig {
                // H20 licence requirement, 14 April 2025 (Tom's Hardware 2025).
                name: "h20-licence".into(),
                at: days(103),
                action: PolicyAction::ExportControl {
                    item: ControlledItem::Accelerators {
                        design: Some("h20".into()),
                    },
                    control: Control::Ban,
                },
            },
            PolicyConfig {
                name: "fab-subsidy-2026".into(),
                at: days(365),
                action: PolicyAction::Subsidy {
                    projects: vec!["smic-advanced-phase-2".into()],
                },
            },
        ],
        buyers: vec![BuyerConfig {
            name: "lab".into(),
            priority: 1,
        }],
        allocation: AllocationPolicy::ProRata,
        horizon_end: None,
        die_bank_target: None,
    }
}
