//! SVG charts (plotters): fan charts of bands, histograms of outcomes,
//! tornado diagrams, and generic helpers for single runs — a multi-line time
//! chart with shaded markers and a timeline of events.
//!
//! Axis labels and outcome titles carry the unit docs/model.md gives each
//! metric and outcome ([`unit_of`]): `energy.unserved_mwh` is plotted in
//! MWh, `energy.avg_price_usd_per_mwh` in USD/MWh.

use crate::outputs::{Categories, RunsTable, category_shares, is_categorical, read_runs_csv};
use crate::sensitivity::{RankSensitivityRow, rank_sensitivity, write_rank_sensitivity};
use crate::stats::Z95;
use crate::{Manifest, McError, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use scheduler::math;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Width × height of every chart, in pixels.
pub const CHART_SIZE: (u32, u32) = (960, 600);

/// Okabe and Ito's colours, which readers with any common colour-vision
/// deficiency tell apart (the former palette's green and red, the run
/// chart's dots of HBM-bound and no-input-bound months, were not): blue,
/// orange, bluish green, vermillion, reddish purple, sky blue, grey and,
/// last as it is faint on white, yellow.
const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(213, 94, 0),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(110, 110, 110),
    RGBColor(240, 228, 66),
];

/// The unit of a metric or outcome as docs/model.md's unit tables give it
/// (`energy.avg_price_usd_per_mwh` → `USD/MWh`,
/// `training.spend_usd_total` → `USD`); for a name they do not
/// list, for another model's metrics (the toy models'), the unit the
/// scenario format reads from a name's suffix (`energy.load_mw` → `MW`,
/// [`stack::reference::unit_of`]), or `""`.
pub fn unit_of(name: &str) -> &'static str {
    stack::output_units::unit_of(name).unwrap_or_else(|| stack::reference::unit_of(name))
}

/// `name [unit]`, or `name` when the unit is unknown.
pub fn axis_label(name: &str) -> String {
    match unit_of(name) {
        "" => name.to_string(),
        u => format!("{name} [{u}]"),
    }
}

fn chart_err(path: &Path) -> impl Fn(String) -> McError + '_ {
    move |message| McError::Chart {
        path: path.to_path_buf(),
        message,
    }
}

/// The axis range of `values` (their finite ones), padded by 4% of the
/// span. A zero-width range (one release, a constant series) gets an axis
/// of ±1 unit around its value (±0.1% of it for values above 1,000, e.g.
/// ±2 years around 2024 or ±5e21 around 5e24 FLOP), and all zeros
/// (a count that never moved) the axis 0–1; no values at all, 0–1.
fn finite_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if !lo.is_finite() {
        (0.0, 1.0)
    } else if hi - lo <= f64::EPSILON * lo.abs().max(1.0) {
        if lo == 0.0 {
            (0.0, 1.0)
        } else {
            let pad = (1e-3 * lo.abs()).max(1.0);
            (lo - pad, hi + pad)
        }
    } else {
        let pad = 0.04 * (hi - lo);
        (lo - pad, hi + pad)
    }
}

fn with_svg(
    path: &Path,
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), String>,
) -> Result<()> {
    let tmp = path.with_extension("svg.tmp");
    {
        let root = SVGBackend::new(&tmp, CHART_SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| chart_err(path)(e.to_string()))?;
        draw(&root).map_err(chart_err(path))?;
        root.present().map_err(|e| chart_err(path)(e.to_string()))?;
    }
    std::fs::rename(&tmp, path).map_err(crate::error::io_err(path))
}

/// Draws a chart's legend (its series' labels) in the upper left, on a
/// translucent white box, the same on every chart.
fn draw_legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
) -> Result<(), String> {
    draw_legend_at(chart, SeriesLabelPosition::UpperLeft)
}

/// [`draw_legend`] at another corner (a tornado's lower right, where its
/// shortest bars leave room).
fn draw_legend_at<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> Result<(), String> {
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 15))
        .position(position)
        .draw()
        .map_err(|e| e.to_string())
}

/// Caption font size, px: 26, smaller for a title too long to fit the
/// chart's width at 26 (sans-serif glyphs average under 0.56 em), never
/// under 12. A centred caption wider than the chart loses both ends.
fn caption_px(title: &str) -> u32 {
    const EM_PER_CHAR: f64 = 0.56;
    let room = f64::from(CHART_SIZE.0) - 2.0 * 16.0;
    let chars = title.chars().count().max(1) as f64;
    ((room / (EM_PER_CHAR * chars)).floor() as u32).clamp(12, 26)
}

/// Labels the mesh writes on an axis: plotters' default, set explicitly so
/// that [`Ticks`] finds the same key points the mesh labels.
const AXIS_LABELS: usize = 11;

/// How to write the tick labels of one axis: fixed-point or scientific,
/// with as many digits as its ticks need to read distinct and exact (a
/// step of 0.0005 needs four decimals: rounded to three, 0.0015 and 0.002
/// both read `0.002`; review s26-modeler, F4).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Ticks {
    /// Scientific notation with one exponent for the whole axis (`0.5e25`,
    /// `1.0e25`, `1.5e25`): the axis' largest tick is at least 10⁵ or, if
    /// not 0, under 10⁻³. One exponent, the largest tick's, so that labels
    /// compare at a glance: `8.00e4` below `1.00e5` read as 8 below 1.
    sci: bool,
    /// The exponent every label of a `sci` axis is written with.
    exponent: i32,
    /// Digits after the decimal point (of the mantissa, if `sci`).
    decimals: usize,
    /// Below this magnitude a tick is written `0`: a millionth of the step.
    zero: f64,
}

impl Ticks {
    /// The labels for an axis over `lo..hi`, judged on the key points
    /// plotters labels there ([`AXIS_LABELS`] of them at most).
    fn new(lo: f64, hi: f64) -> Ticks {
        use plotters::coord::ranged1d::Ranged;
        use plotters::coord::types::RangedCoordf64;
        Ticks::for_values(&RangedCoordf64::from(lo..hi).key_points(AXIS_LABELS))
    }

    /// The fewest digits with which every one of `ticks` reads distinct
    /// from its neighbours and within a thousandth of the step of its value.
    fn for_values(ticks: &[f64]) -> Ticks {
        let mut sorted: Vec<f64> = ticks.iter().copied().filter(|v| v.is_finite()).collect();
        sorted.sort_by(f64::total_cmp);
        let step = sorted
            .windows(2)
            .map(|w| w[1] - w[0])
            .filter(|d| *d > 0.0)
            .fold(f64::INFINITY, f64::min);
        let largest = sorted.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        let sci = largest >= 1e5 || (largest > 0.0 && largest < 1e-3);
        // The largest tick's exponent (a hair above, so that 1e25 computed
        // as 9.999…e24 is still written `1e25`, not `10e24`).
        let exponent = if sci {
            math::log10(largest * (1.0 + 1e-9)).floor() as i32
        } else {
            0
        };
        let zero = if step.is_finite() { step * 1e-6 } else { 0.0 };
        let fits = |t: &Ticks| {
            let labels: Vec<String> = sorted.iter().map(|&v| t.label(v)).collect();
            labels.windows(2).all(|w| w[0] != w[1])
                && sorted.iter().zip(&labels).all(|(v, l)| {
                    l.parse::<f64>()
                        .is_ok_and(|read| !step.is_finite() || (read - v).abs() <= step * 1e-3)
                })
        };
        (0..=17)
            .map(|decimals| Ticks {
                sci,
                exponent,
                decimals,
                zero,
            })
            .find(fits)
            .unwrap_or(Ticks {
                sci,
                exponent,
                decimals: 17,
                zero,
            })
    }

    /// One tick's label.
    fn label(&self, v: f64) -> String {
        let d = self.decimals;
        if v.abs() <= self.zero || v.abs() < 1e-300 {
            "0".to_string()
        } else if self.sci {
            let e = self.exponent;
            format!("{:.d$}e{e}", v / math::powi(10.0, e))
        } else {
            format!("{v:.d$}")
        }
    }
}

/// One labelled line of a [`line_chart`]: (x, y) points.
#[derive(Clone, Debug, PartialEq)]
pub struct LineSeries {
    /// Legend label.
    pub label: String,
    /// Points (x, y), x ascending.
    pub points: Vec<(f64, f64)>,
}

/// A shaded span of x (e.g. an export-control period) on a [`line_chart`].
#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    /// Start of the span (x unit).
    pub from: f64,
    /// End of the span (x unit; equal to `from` for a vertical line).
    pub to: f64,
    /// Label written at the top of the span.
    pub label: String,
}

/// A multi-line chart over time with optional shaded markers (for single
/// runs). The first of several lines is drawn wider, beneath the others:
/// where a later line follows it exactly (power served, on top of demand)
/// it still shows, as its legend says it should ([`line_chart_with_dots`]
/// draws every line alike).
pub fn line_chart(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[LineSeries],
    markers: &[Marker],
) -> Result<()> {
    line_chart_with_dots(path, title, x_label, y_label, series, &[], markers)
}

/// A [`line_chart`] that also marks points with dots, one colour per
/// [`LineSeries`] of `dots`, unjoined: for a category that holds at some
/// instants only (the input that bound a month's output), where a line would
/// join months across the gaps and hide a lone month.
pub fn line_chart_with_dots(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[LineSeries],
    dots: &[LineSeries],
    markers: &[Marker],
) -> Result<()> {
    lines_and_dots(path, [title, x_label, y_label], series, dots, markers, false)
}

/// A [`line_chart_with_dots`] of two shares (e.g. PRIM's coverage and
/// density): both axes stay within 0–1 whatever the points, and no tick
/// is labelled outside it. A trajectory whose boxes all kept every run of
/// interest (coverage 1) was drawn on a coverage axis of 0–2.
pub fn unit_square_chart(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[LineSeries],
    dots: &[LineSeries],
) -> Result<()> {
    lines_and_dots(path, [title, x_label, y_label], series, dots, &[], true)
}

/// [`line_chart_with_dots`], its axes 0–1 when `shares`.
fn lines_and_dots(
    path: &Path,
    [title, x_label, y_label]: [&str; 3],
    series: &[LineSeries],
    dots: &[LineSeries],
    markers: &[Marker],
    shares: bool,
) -> Result<()> {
    let all = || series.iter().chain(dots).flat_map(|s| s.points.iter());
    // Shares: the data's range, kept within 0–1 (and a hair for the pen).
    let within = |(lo, hi): (f64, f64)| {
        if shares {
            (lo.max(-0.02), hi.min(1.02))
        } else {
            (lo, hi)
        }
    };
    let (x0, x1) = within(finite_range(all().map(|p| p.0)));
    let (y0, y1) = within(finite_range(all().map(|p| p.1)));
    // Headroom for the legend in the upper left, so it covers no data.
    let y1 = y1 + (y1 - y0) * legend_headroom(series.len() + dots.len());
    let (x_ticks, y_ticks) = (Ticks::new(x0, x1), Ticks::new(y0, y1));
    let share_label = |t: &Ticks, v: f64| {
        if shares && !(-1e-9..=1.0 + 1e-9).contains(&v) {
            String::new()
        } else {
            t.label(v)
        }
    };
    with_svg(path, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", caption_px(title)))
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(90)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc(y_label)
            .x_labels(AXIS_LABELS)
            .y_labels(AXIS_LABELS)
            .y_label_formatter(&|v| share_label(&y_ticks, *v))
            .x_label_formatter(&|v| share_label(&x_ticks, *v))
            .label_style(("sans-serif", 15))
            .draw()
            .map_err(|e| e.to_string())?;
        for m in markers {
            let to = if m.to > m.from {
                m.to
            } else {
                m.from + (x1 - x0) * 0.002
            };
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(m.from, y0), (to, y1)],
                    // Vermillion, light: a pale grey span of one month
                    // (power.svg's unserved periods) was hard to find.
                    RGBAColor(213, 94, 0, 0.25).filled(),
                )))
                .map_err(|e| e.to_string())?;
            chart
                .draw_series(std::iter::once(Text::new(
                    m.label.clone(),
                    (m.from, y1),
                    ("sans-serif", 14),
                )))
                .map_err(|e| e.to_string())?;
        }
        for (i, s) in series.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            // The first of several lines is drawn wider, beneath the others,
            // so that one on top of it (served over demand) leaves it seen;
            // not under dots, which it would hide.
            let width = if i == 0 && series.len() > 1 && dots.is_empty() {
                5
            } else {
                2
            };
            chart
                .draw_series(LineSeries_::new(
                    s.points.iter().copied(),
                    color.stroke_width(width),
                ))
                .map_err(|e| e.to_string())?
                .label(s.label.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(width)));
        }
        for (i, s) in dots.iter().enumerate() {
            let color = PALETTE[(series.len() + i) % PALETTE.len()];
            chart
                .draw_series(s.points.iter().map(|&p| Circle::new(p, 3, color.filled())))
                .map_err(|e| e.to_string())?
                .label(s.label.clone())
                .legend(move |(x, y)| Circle::new((x + 10, y), 4, color.filled()));
        }
        if !series.is_empty() || !dots.is_empty() {
            draw_legend(&mut chart)?;
        }
        Ok(())
    })
}

use plotters::series::LineSeries as LineSeries_;

/// One event on a [`timeline_chart`]: e.g. a model release with its training compute.
#[derive(Clone, Debug, PartialEq)]
pub struct TimelineEvent {
    /// When (x unit, e.g. years).
    pub time: f64,
    /// Lane (e.g. lab name); one colour per lane.
    pub lane: String,
    /// Size on the y axis (e.g. FLOP), > 0 when `log_y`.
    pub size: f64,
    /// Label written beside the point (empty: none).
    pub label: String,
    /// Drawn as a ring rather than a dot (e.g. a closed-weight release);
    /// [`timeline_chart`]'s `shapes` say what each means.
    pub hollow: bool,
}

/// A timeline: events as points (x = time, y = size), one colour per lane,
/// each with its label beside it; a `hollow` event is a ring, and `shapes`,
/// given, adds legend lines saying what a dot and a ring mean (e.g.
/// `["open weights", "closed weights"]`: a word beside each of 44 closed
/// releases overlapped into a smear). The y axis of `log_y` is labelled
/// with powers of ten (`1e25`), not their logarithms.
pub fn timeline_chart(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    events: &[TimelineEvent],
    log_y: bool,
    shapes: Option<[&str; 2]>,
) -> Result<()> {
    let (x0, x1) = finite_range(events.iter().map(|e| e.time));
    let lanes: Vec<&str> = events
        .iter()
        .map(|e| e.lane.as_str())
        .fold(Vec::new(), |mut v, l| {
            if !v.contains(&l) {
                v.push(l);
            }
            v
        });
    let ys = events.iter().map(|e| {
        if log_y {
            math::log10(e.size.max(f64::MIN_POSITIVE))
        } else {
            e.size
        }
    });
    let (y0, y1) = finite_range(ys);
    let y1 = y1 + (y1 - y0) * legend_headroom(lanes.len() + shapes.map_or(0, |s| s.len()));
    let y_desc = if log_y {
        format!("{y_label}, log scale")
    } else {
        y_label.to_string()
    };
    let (x_ticks, y_ticks, log_ticks) = (Ticks::new(x0, x1), Ticks::new(y0, y1), LogTicks::new(y0, y1));
    with_svg(path, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", caption_px(title)))
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(90)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc(y_desc.as_str())
            .x_labels(AXIS_LABELS)
            .y_labels(AXIS_LABELS)
            .x_label_formatter(&|v| x_ticks.label(*v))
            .y_label_formatter(&|v| {
                if log_y {
                    log_ticks.label(*v)
                } else {
                    y_ticks.label(*v)
                }
            })
            .label_style(("sans-serif", 15))
            .draw()
            .map_err(|e| e.to_string())?;
        for (li, lane) in lanes.iter().enumerate() {
            let color = PALETTE[li % PALETTE.len()];
            let pts: Vec<(f64, f64, &TimelineEvent)> = events
                .iter()
                .filter(|e| e.lane == *lane)
                .map(|e| {
                    (
                        e.time,
                        if log_y {
                            math::log10(e.size.max(f64::MIN_POSITIVE))
                        } else {
                            e.size
                        },
                        e,
                    )
                })
                .collect();
            chart
                .draw_series(pts.iter().map(|(x, y, e)| {
                    let style = if e.hollow {
                        color.stroke_width(2)
                    } else {
                        color.filled()
                    };
                    Circle::new((*x, *y), 6, style)
                }))
                .map_err(|e| e.to_string())?
                .label(lane.to_string())
                .legend(move |(x, y)| Rectangle::new([(x + 4, y - 5), (x + 16, y + 5)], color.filled()));
            chart
                .draw_series(
                    pts.iter()
                        .filter(|(_, _, e)| !e.label.is_empty())
                        .map(|(x, y, e)| {
                            EmptyElement::at((*x, *y))
                                + Text::new(e.label.clone(), (9, -16), ("sans-serif", 14))
                        }),
                )
                .map_err(|e| e.to_string())?;
        }
        for (i, meaning) in shapes.iter().flatten().enumerate() {
            let style = if i == 0 {
                BLACK.filled()
            } else {
                BLACK.stroke_width(2)
            };
            chart
                .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
                .map_err(|e| e.to_string())?
                .label(meaning.to_string())
                .legend(move |(x, y)| Circle::new((x + 10, y), 6, style));
        }
        draw_legend(&mut chart)?;
        Ok(())
    })
}

/// One instant of a fan chart (a row of `bands.csv`).
#[derive(Clone, Debug, PartialEq)]
pub struct FanPoint {
    /// Time (years).
    pub time_year: f64,
    /// Mean across runs.
    pub mean: f64,
    /// Percentiles 5, 25, 50, 75, 95.
    pub q: [f64; 5],
    /// `bands.csv`'s bound on the quantiles' absolute error: 0 for exact
    /// quantiles, positive when the bounded-memory sketch gave them (a
    /// batch past its memory budget), NaN when the file has no such column.
    pub quantile_abs_error_max: f64,
}

impl FanPoint {
    /// Whether this instant's quantiles came from the sketch (approximate,
    /// within [`FanPoint::quantile_abs_error_max`]).
    pub fn sketched(&self) -> bool {
        self.quantile_abs_error_max > 0.0
    }
}

/// Whether a fan chart's y axis is logarithmic: no value below 0, a median
/// above 0 at nine instants in ten at least, and the medians spanning two
/// orders of magnitude or more (the frontier's effective compute grows
/// from 1e25 to 1e31 FLOP: on a linear axis everything before its last two
/// years lay flat on 0). A series mostly at 0 (unserved energy, a share
/// lost to power) keeps its linear axis.
fn fan_is_log(points: &[FanPoint]) -> bool {
    let values = || {
        points
            .iter()
            .flat_map(|p| p.q.iter().copied().chain([p.mean]))
            .filter(|v| v.is_finite())
    };
    let medians: Vec<f64> = points.iter().map(|p| p.q[2]).filter(|v| *v > 0.0).collect();
    let (lo, hi) = medians
        .iter()
        .fold((f64::INFINITY, 0.0_f64), |(a, b), &v| (a.min(v), b.max(v)));
    values().all(|v| v >= 0.0) && medians.len() * 10 >= points.len() * 9 && hi >= 100.0 * lo
}

/// How the ticks of a log₁₀ axis (the values' logarithms plotted) are
/// labelled: as the values they stand for, at the whole powers of ten
/// (`1e25`, `1e26`; `0.01` to `10000` written out) when the axis holds two
/// or more, else at every tick (`3.2e25`).
#[derive(Clone, Copy, Debug, PartialEq)]
struct LogTicks {
    /// Whether only whole powers of ten are labelled.
    whole: bool,
}

impl LogTicks {
    fn new(lo: f64, hi: f64) -> LogTicks {
        LogTicks {
            whole: hi.floor() - lo.ceil() >= 1.0,
        }
    }

    /// The label of the tick at log₁₀ value `v`.
    fn label(&self, v: f64) -> String {
        let k = v.round();
        if (v - k).abs() < 1e-6 {
            match k as i32 {
                k @ 0..=4 => format!("{}", math::powi(10.0, k)),
                k @ -2..=-1 => format!("{:.*}", (-k) as usize, math::powi(10.0, k)),
                k => format!("1e{k}"),
            }
        } else if self.whole {
            String::new()
        } else {
            format!("{:.1e}", math::powf(10.0, v))
        }
    }
}

/// Headroom above a chart's data for a legend of `entries` lines in its
/// upper left, as a share of the data's span, so that the legend covers
/// no data (a fan's 5–95 % band peaked behind it).
fn legend_headroom(entries: usize) -> f64 {
    if entries == 0 {
        0.0
    } else {
        0.04 + 0.055 * entries as f64
    }
}

/// A fan chart: the 5th–95th and 25th–75th percentile bands shaded, the
/// median and the mean over time. The y axis is logarithmic when no value
/// is below 0, the median is above 0 at nine instants in ten and the
/// medians span two orders of magnitude (its label says so, and a note
/// says where values of 0 are drawn); a series with one
/// value throughout, or none, or no spread between runs (a one-run
/// batch), says so in a note on the chart.
pub fn fan_chart(path: &Path, title: &str, y_label: &str, points: &[FanPoint]) -> Result<()> {
    let (x0, x1) = finite_range(points.iter().map(|p| p.time_year));
    let values = || points.iter().flat_map(|p| p.q.iter().copied().chain([p.mean]));
    let log = fan_is_log(points);
    let mut notes: Vec<String> = Vec::new();
    let first = values().find(|v| v.is_finite());
    match first {
        None => notes.push("No run has a value at any instant".into()),
        Some(v) if values().filter(|v| v.is_finite()).all(|w| w == v) => notes.push(format!(
            "Every run has the same value at every instant: {}",
            note_number(v)
        )),
        // One run, or runs that never differ: the bands are lines.
        Some(_)
            if points
                .iter()
                .all(|p| p.q[4].partial_cmp(&p.q[0]) != Some(std::cmp::Ordering::Greater)) =>
        {
            notes.push("No spread: every run has the same value at each instant".into())
        }
        Some(_) => {}
    }
    // On a log axis values of 0 (no run finished yet) sit at its foot.
    let (y0, y1) = if log {
        finite_range(values().filter(|v| *v > 0.0).map(math::log10))
    } else {
        finite_range(values())
    };
    if log && values().any(|v| v == 0.0) {
        notes.push("Log scale: values of 0 are drawn at the foot of the axis".into());
    }
    let y = |v: f64| {
        if log {
            if v > 0.0 { math::log10(v).max(y0) } else { y0 }
        } else {
            v
        }
    };
    let y1 = y1 + (y1 - y0) * legend_headroom(4);
    let color = PALETTE[0];
    let (x_ticks, y_ticks, log_ticks) = (Ticks::new(x0, x1), Ticks::new(y0, y1), LogTicks::new(y0, y1));
    let y_desc = if log {
        format!("{y_label}, log scale")
    } else {
        y_label.to_string()
    };
    with_svg(path, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", caption_px(title)))
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(90)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc("year")
            .y_desc(y_desc.as_str())
            .x_labels(AXIS_LABELS)
            .y_labels(AXIS_LABELS)
            .x_label_formatter(&|v| x_ticks.label(*v))
            .y_label_formatter(&|v| {
                if log {
                    log_ticks.label(*v)
                } else {
                    y_ticks.label(*v)
                }
            })
            .label_style(("sans-serif", 15))
            .draw()
            .map_err(|e| e.to_string())?;
        for (lo, hi, alpha, label) in [
            (0, 4, 0.18, "5th–95th percentile"),
            (1, 3, 0.35, "25th–75th percentile"),
        ] {
            let poly: Vec<(f64, f64)> = points
                .iter()
                .map(|p| (p.time_year, y(p.q[lo])))
                .chain(points.iter().rev().map(|p| (p.time_year, y(p.q[hi]))))
                .collect();
            chart
                .draw_series(std::iter::once(Polygon::new(poly, color.mix(alpha).filled())))
                .map_err(|e| e.to_string())?
                .label(label)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 20, y + 5)], color.mix(alpha).filled())
                });
        }
        chart
            .draw_series(LineSeries_::new(
                points.iter().map(|p| (p.time_year, y(p.q[2]))),
                color.stroke_width(3),
            ))
            .map_err(|e| e.to_string())?
            .label("median")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(3)));
        chart
            .draw_series(LineSeries_::new(
                points.iter().map(|p| (p.time_year, y(p.mean))),
                BLACK.stroke_width(1),
            ))
            .map_err(|e| e.to_string())?
            .label("mean")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.stroke_width(1)));
        draw_legend(&mut chart)?;
        if !notes.is_empty() {
            draw_note(root, &notes.join("; "))?;
        }
        Ok(())
    })
}

/// How many bins [`plot_batch`] gives the histogram of `runs` values: √runs,
/// from 5 to 30 (40 runs in 30 bins drew a barcode of ones and twos, whose
/// shape was chance).
pub fn histogram_bins(runs: usize) -> usize {
    ((runs as f64).sqrt().ceil() as usize).clamp(5, 30)
}

/// A value as a chart's note writes it: the shortest form that reads back
/// exactly, in exponent form from 10⁵ and below 10⁻³ (`293400` → `2.934e5`).
fn note_number(v: f64) -> String {
    if v != 0.0 && (v.abs() >= 1e5 || v.abs() < 1e-3) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// Writes `note` at the top right of the chart's plotting area, clear of
/// the legend in its upper left: what a degenerate chart (one value in
/// every run, no value at all, a log axis' floor) shows, said where the
/// reader looks.
fn draw_note(root: &DrawingArea<SVGBackend<'_>, Shift>, note: &str) -> Result<(), String> {
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    let style = TextStyle::from(("sans-serif", 17).into_font())
        .color(&BLACK)
        .pos(Pos::new(HPos::Right, VPos::Top));
    root.draw(&Text::new(
        note.to_string(),
        (CHART_SIZE.0 as i32 - 30, 62),
        style,
    ))
    .map_err(|e| e.to_string())
}

/// A count axis' tick label: whole counts only (a half-run tick read `2`
/// beside the `2` of the tick below: `0 0 1 1 2 2 2 3 4 4 5`).
fn count_label(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        String::new()
    }
}

/// A histogram of values with `bins` equal-width bins (x axis labelled with
/// `x_label`). Values all equal, or none finite, are said in a note on the
/// chart (a lone bar at 0 on an axis 0–1 read as a spread from 0 to 0.03).
pub fn histogram(path: &Path, title: &str, x_label: &str, values: &[f64], bins: usize) -> Result<()> {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let (mut lo, mut hi) = finite_range(finite.iter().copied());
    let note = match finite.first() {
        None => Some("No run has a value".to_string()),
        Some(&first) if finite.iter().all(|&v| v == first) => Some(format!(
            "Every run ({}) has the same value: {}",
            finite.len(),
            note_number(first)
        )),
        Some(_) => None,
    };
    // One value: one bar, a tenth of the axis wide, centred on it on an
    // axis centred on it; at 0 (a count that never moved, whose axis has
    // no negative side) a thin bar from 0.
    let bins = if note.is_some() { 1 } else { bins.max(1) };
    let (b0, w) = match (finite.first(), &note) {
        (Some(&v), Some(_)) if v != 0.0 => {
            let pad = (1e-3 * v.abs()).max(1.0);
            (lo, hi) = (v - pad, v + pad);
            (v - pad / 10.0, pad / 5.0)
        }
        (Some(_), Some(_)) => (0.0, (hi - lo) / 100.0),
        _ => (lo, (hi - lo) / bins as f64),
    };
    let mut counts = vec![0u32; bins];
    for &v in &finite {
        counts[(((v - b0) / w).max(0.0) as usize).min(bins - 1)] += 1;
    }
    let top = f64::from(counts.iter().copied().max().unwrap_or(1).max(1)) * 1.08;
    let x_ticks = Ticks::new(lo, hi);
    with_svg(path, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", caption_px(title)))
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d(lo..hi, 0.0..top)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc("runs")
            .x_labels(AXIS_LABELS)
            .x_label_formatter(&|v| x_ticks.label(*v))
            .y_label_formatter(&|v| count_label(*v))
            .label_style(("sans-serif", 15))
            .draw()
            .map_err(|e| e.to_string())?;
        // Filled bars with a white edge, so that neighbours of one height
        // read as two bins, not one wide one.
        chart
            .draw_series(counts.iter().enumerate().map(|(i, &c)| {
                let x = b0 + w * i as f64;
                Rectangle::new([(x, 0.0), (x + w, f64::from(c))], PALETTE[0].mix(0.85).filled())
            }))
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(counts.iter().enumerate().filter(|(_, c)| **c > 0).map(|(i, &c)| {
                let x = b0 + w * i as f64;
                Rectangle::new([(x, 0.0), (x + w, f64::from(c))], WHITE.stroke_width(1))
            }))
            .map_err(|e| e.to_string())?;
        if let Some(note) = &note {
            draw_note(root, note)?;
        }
        Ok(())
    })
}

/// A tornado diagram: one horizontal bar per label, longest at the top,
/// values in [−1, 1] or any scale; `chance`, given, is shaded grey about 0
/// (`(half-width, legend label)`: the band a coefficient falls in by
/// chance alone, which the title used to state in words too small to read).
pub fn tornado(
    path: &Path,
    title: &str,
    x_label: &str,
    bars: &[(String, f64)],
    chance: Option<(f64, &str)>,
) -> Result<()> {
    bar_chart(path, title, x_label, bars, true, chance)
}

/// Horizontal bars, longest at the top; the x axis symmetric about 0 when
/// `symmetric` (a tornado), else from 0 (shares); `band` as [`tornado`]'s
/// `chance`.
fn bar_chart(
    path: &Path,
    title: &str,
    x_label: &str,
    bars: &[(String, f64)],
    symmetric: bool,
    band: Option<(f64, &str)>,
) -> Result<()> {
    let mut bars: Vec<&(String, f64)> = bars.iter().filter(|b| b.1.is_finite()).collect();
    bars.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(&b.0)));
    let n = bars.len().max(1);
    let m = bars.iter().map(|b| b.1.abs()).fold(0.0, f64::max).max(1e-12) * 1.1;
    let lo = if symmetric { -m } else { 0.0 };
    let longest = bars.iter().map(|b| b.0.len()).max().unwrap_or(10) as u32;
    let x_ticks = Ticks::new(lo, m);
    // Room below the last bar for the band's legend, about 45 px of the
    // plot's 480, so that it covers no bar.
    let below = if band.is_some() {
        45.0 * n as f64 / (480.0 - 45.0)
    } else {
        0.0
    };
    with_svg(path, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", caption_px(title)))
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size((longest * 8 + 20).clamp(80, 420))
            .build_cartesian_2d(lo..m, -below..n as f64)
            .map_err(|e| e.to_string())?;
        let labels: Vec<String> = bars.iter().map(|b| b.0.clone()).collect();
        chart
            .configure_mesh()
            .x_desc(x_label)
            // Ticks every half bar (a label at each bar's middle), over the
            // room below too.
            .y_labels(((n as f64 + below) * 2.0).ceil() as usize + 2)
            .y_label_formatter(&|y| {
                let k = (n as f64 - y - 0.5).round();
                if (n as f64 - y - 0.5 - k).abs() < 1e-6 && k >= 0.0 {
                    labels.get(k as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .x_labels(AXIS_LABELS)
            .x_label_formatter(&|v| x_ticks.label(*v))
            .disable_y_mesh()
            .label_style(("sans-serif", 15))
            .draw()
            .map_err(|e| e.to_string())?;
        if let Some((c, label)) = band.filter(|(c, _)| c.is_finite() && *c > 0.0) {
            let c = c.min(m);
            let grey = RGBColor(110, 110, 110).mix(0.22);
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(-c, 0.0), (c, n as f64)],
                    grey.filled(),
                )))
                .map_err(|e| e.to_string())?
                .label(label)
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 20, y + 5)], grey.filled()));
        }
        chart
            .draw_series(bars.iter().enumerate().map(|(k, b)| {
                let y = n as f64 - k as f64;
                let color = if b.1 >= 0.0 { PALETTE[0] } else { PALETTE[3] };
                Rectangle::new([(0.0, y - 0.85), (b.1, y - 0.15)], color.filled())
            }))
            .map_err(|e| e.to_string())?;
        if band.is_some() {
            draw_legend_at(&mut chart, SeriesLabelPosition::LowerRight)?;
        }
        Ok(())
    })
}

/// The metrics `aistack plot` draws fan charts of first, in this order, each
/// at entity `national`: the questions a batch is run to answer — how big a
/// model the nation trains, how close it gets to the world frontier, how
/// often it releases, the chips behind that, and whether power holds it back.
/// The size of runs is plotted as the largest run finished in the past 12
/// months, which falls when runs shrink (chips or power binding), and, last,
/// as the largest run so far (a running maximum, which never falls).
pub const KEY_METRICS: [(&str, &str); 13] = [
    (
        "training.largest_run_12m_flop",
        "Largest training run finished in the past 12 months",
    ),
    (
        "training.frontier_gap_months",
        "Months the best model stands behind the world frontier",
    ),
    (
        "training.frontier_effective_flop",
        "Frontier capability (effective compute)",
    ),
    ("training.releases_open", "Open-weight releases per month"),
    ("fab.accelerators_delivered", "Accelerators delivered per month"),
    ("training.installed_flop_s", "Installed AI compute"),
    ("training.energy_mwh", "Energy served to AI datacenters per month"),
    (
        "energy.ai_curtailed_mwh",
        "AI load the grid could not serve per month",
    ),
    ("energy.unserved_mwh", "Unserved load per month"),
    (
        "training.share_lost_power",
        "Share of training compute lost to power (not to budget)",
    ),
    ("energy.avg_price_usd_per_mwh", "Average electricity price"),
    (
        "energy.peak_reserve_margin",
        "Tightest reserve margin of the month",
    ),
    ("training.largest_run_flop", "Largest training run so far"),
];

/// Which (metric, entity) pairs get a fan chart, at most `max`: the
/// [`KEY_METRICS`] at entity `national` that the batch has, in that order;
/// then, to fill up to `max` (a model with other metric names, e.g. the toy
/// models), the remaining `national` series alphabetically, then the other
/// entities' alphabetically. Per-entity series of key metrics are left to
/// pandas or R: thirteen national charts already fill a page.
pub fn fan_chart_selection<'a>(
    available: impl IntoIterator<Item = &'a (String, String)>,
    max: usize,
) -> Vec<&'a (String, String)> {
    let mut rest: Vec<&(String, String)> = available.into_iter().collect();
    rest.sort_by_key(|(m, e)| (e != "national", m.clone(), e.clone()));
    let mut chosen = Vec::new();
    for (key, _) in KEY_METRICS {
        if let Some(pos) = rest.iter().position(|(m, e)| m == key && e == "national") {
            chosen.push(rest.remove(pos));
        }
    }
    chosen.extend(rest);
    chosen.truncate(max);
    chosen
}

/// Options of `aistack plot DIR`.
#[derive(Clone, Debug, PartialEq)]
pub struct PlotOptions {
    /// The batch directory.
    pub dir: PathBuf,
    /// Which outcomes are categories (see [`Categories`]): drawn as the
    /// share of runs in each category, and given no tornado.
    pub categories: Option<Categories>,
    /// Where to write the SVGs and `sensitivity.csv` (`None`: the SVGs in
    /// `DIR/plots/`, `sensitivity.csv` in `DIR`). Given, nothing is written
    /// in `DIR`, which may then be read-only (a colleague's batch, an archive).
    pub out: Option<PathBuf>,
    /// At most this many fan charts (chosen by [`fan_chart_selection`]).
    pub max_fan_charts: usize,
}

/// What `plot_batch` wrote.
#[derive(Clone, Debug, PartialEq)]
pub struct PlotReport {
    /// The SVG files, in the order written.
    pub files: Vec<PathBuf>,
    /// What was not drawn and why (e.g. a tornado from too few runs).
    pub notes: Vec<String>,
}

/// `1 run`, `40 runs`: a chart title's count (a one-run batch's read
/// `(1 runs)`).
fn runs_text(n: u64) -> String {
    if n == 1 {
        "1 run".to_string()
    } else {
        format!("{n} runs")
    }
}

/// Fewest runs (reporting the outcome) a tornado diagram is drawn from. Rank
/// correlations of 2 runs are ±1 and of 1 undefined; under no effect at all,
/// |ρ| exceeds about 1.96/√(n − 1) in 5 % of batches, i.e. 0.65 at 10 runs,
/// so below 10 the bars would show chance, not drivers. `sensitivity.csv`
/// still lists every correlation with its n.
pub const MIN_TORNADO_RUNS: u64 = 10;

fn file_stem(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A categorical series' rows of `bands.csv` for one (metric, entity): the
/// share of runs in each category at each instant.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ShareSeries {
    /// Category names, in the order the file first lists them (code order).
    pub categories: Vec<String>,
    /// `(time_year, shares)`, `shares[i]` of `categories[i]` (0 where the
    /// instant has no row for it), in file (time) order.
    pub points: Vec<(f64, Vec<f64>)>,
}

/// `bands.csv` read back for charts: fan points of each quantity, shares of
/// each categorical series, per (metric, entity).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Bands {
    /// Quantities' rows, in file order.
    pub fans: BTreeMap<(String, String), Vec<FanPoint>>,
    /// Categorical series' rows (non-empty `category`).
    pub shares: BTreeMap<(String, String), ShareSeries>,
}

/// Reads `bands.csv` by its header's column names (a file written before
/// the `category` column existed reads as all quantities).
pub fn read_bands(path: &Path) -> Result<Bands> {
    let csv_err = |source| McError::Csv {
        path: path.to_path_buf(),
        source,
    };
    let mut rd = csv::Reader::from_path(path).map_err(csv_err)?;
    let header = rd.headers().map_err(csv_err)?.clone();
    let col = |name: &str| header.iter().position(|h| h == name);
    let need = |name: &str| {
        col(name).ok_or_else(|| McError::Invalid(format!("{}: no `{name}` column", path.display())))
    };
    let (metric, entity, time, mean) = (
        need("metric")?,
        need("entity")?,
        need("time_year")?,
        need("mean")?,
    );
    let qs = [
        need("p5")?,
        need("p25")?,
        need("p50")?,
        need("p75")?,
        need("p95")?,
    ];
    let category = col("category");
    let error_max = col("quantile_abs_error_max");
    let mut out = Bands::default();
    for rec in rd.records() {
        let rec = rec.map_err(csv_err)?;
        let f = |i: usize| rec.get(i).and_then(|s| s.parse::<f64>().ok()).unwrap_or(f64::NAN);
        let key = (
            rec.get(metric).unwrap_or("").to_string(),
            rec.get(entity).unwrap_or("").to_string(),
        );
        match category.and_then(|i| rec.get(i)).filter(|c| !c.is_empty()) {
            Some(cat) => {
                let s = out.shares.entry(key).or_default();
                let i = match s.categories.iter().position(|c| c == cat) {
                    Some(i) => i,
                    None => {
                        s.categories.push(cat.to_string());
                        s.points.iter_mut().for_each(|p| p.1.push(0.0));
                        s.categories.len() - 1
                    }
                };
                let t = f(time);
                if s.points.last().is_none_or(|p| p.0 != t) {
                    s.points.push((t, vec![0.0; s.categories.len()]));
                }
                if let Some(p) = s.points.last_mut() {
                    p.1[i] = f(mean);
                }
            }
            None => out.fans.entry(key).or_default().push(FanPoint {
                time_year: f(time),
                mean: f(mean),
                q: qs.map(f),
                quantile_abs_error_max: error_max.map_or(f64::NAN, f),
            }),
        }
    }
    Ok(out)
}

/// A stacked share chart: for each instant, the share of runs in each
/// category, stacked from 0 to 1 in `series`' category order, the legend
/// listing them top down as they are stacked (a category with no run at
/// any instant is left out of it).
pub fn share_chart(path: &Path, title: &str, series: &ShareSeries) -> Result<()> {
    let (x0, x1) = finite_range(series.points.iter().map(|p| p.0));
    // Headroom above 1 for the legend, so it covers no share.
    let top = 1.0 + legend_headroom(series.categories.len());
    let (x_ticks, y_ticks) = (Ticks::new(x0, x1), Ticks::new(0.0, top));
    with_svg(path, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", caption_px(title)))
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(90)
            .build_cartesian_2d(x0..x1, 0.0..top)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc("year")
            .y_desc("share of runs [0, 1]")
            .x_labels(AXIS_LABELS)
            .y_labels(AXIS_LABELS)
            .x_label_formatter(&|v| x_ticks.label(*v))
            .y_label_formatter(&|v| {
                if *v <= 1.0 + 1e-9 {
                    y_ticks.label(*v)
                } else {
                    String::new()
                }
            })
            .label_style(("sans-serif", 15))
            .draw()
            .map_err(|e| e.to_string())?;
        let below = |k: usize, shares: &[f64]| shares[..k].iter().filter(|v| v.is_finite()).sum::<f64>();
        // Drawn from the top band down, so that the legend lists the
        // categories in the order they are stacked (the bands do not overlap).
        for (k, name) in series.categories.iter().enumerate().rev() {
            // A category no run was in at any instant: no band and no legend
            // entry (its colour stays its own, so charts agree).
            if series.points.iter().all(|(_, sh)| sh[k].is_nan() || sh[k] <= 0.0) {
                continue;
            }
            let color = PALETTE[k % PALETTE.len()];
            let poly: Vec<(f64, f64)> = series
                .points
                .iter()
                .map(|(t, sh)| (*t, below(k + 1, sh)))
                .chain(series.points.iter().rev().map(|(t, sh)| (*t, below(k, sh))))
                .collect();
            chart
                .draw_series(std::iter::once(Polygon::new(poly, color.mix(0.75).filled())))
                .map_err(|e| e.to_string())?
                .label(name.clone())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 20, y + 5)], color.mix(0.75).filled())
                });
        }
        draw_legend(&mut chart)?;
        Ok(())
    })
}

/// Files other aistack commands write, whose presence in a `plot --out`
/// directory marks it as that command's output: a batch's or an eval's
/// ([`crate::store::BATCH_FILES`]), a compare's, a sensitivity's and a
/// single run's trace (its `summary.json` and `timeseries.csv` are among
/// the batch's names).
const OTHER_COMMANDS_FILES: [&str; 7] = [
    "compare.csv",
    "compare.json",
    "sobol.csv",
    "sobol.json",
    "morris.csv",
    "morris.json",
    "events.jsonl",
];

/// The charts `aistack plot` draws of a single run (the `aistack` binary's
/// `explain_cmd`), named here so that a batch's plot refuses an `--out`
/// holding them: a run's charts are no batch's, and plot would mix the two.
pub const RUN_CHART_NAMES: [&str; 4] = ["power.svg", "ai-power.svg", "accelerators.svg", "releases.svg"];

/// The first line of the `sensitivity.csv` that `plot_batch` writes.
const RANK_SENSITIVITY_HEADER: &str = "outcome,parameter,n,spearman,prcc\n";

/// The marker `plot_batch` writes last into its output directory: which
/// batch the charts there are of (its canonical path, scenario hash and
/// run count), so that a later `plot --out` of another batch is refused
/// rather than mixing the two batches' charts (review s26-2, F5).
pub const PLOT_MARKER: &str = "plot.json";

/// Whether `name` is the name of an SVG that `plot_batch` writes.
fn is_plot_svg_name(name: &str) -> bool {
    name.ends_with(".svg")
        && ["fan-", "shares-", "hist-", "tornado-"]
            .iter()
            .any(|p| name.starts_with(p))
}

/// The files in `dir` and `dir/labs` named as `plot_batch` names its
/// charts ([`is_plot_svg_name`]), sorted: each as written relative to `dir`
/// (`labs/…`) and its path.
pub(crate) fn plot_svgs_in(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut found = Vec::new();
    for (sub, d) in [("", dir.to_path_buf()), ("labs/", dir.join("labs"))] {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut names: Vec<String> = entries
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| is_plot_svg_name(n))
            .collect();
        names.sort();
        found.extend(names.into_iter().map(|n| (format!("{sub}{n}"), d.join(&n))));
    }
    found
}

/// What `plot` draws into a `--out` directory, for [`refuse_foreign_plot_out`].
#[derive(Clone, Copy, Debug)]
pub enum PlotKind<'a> {
    /// A batch's charts (`fan-`, `shares-`, `hist-`, `tornado-….svg`, in
    /// the directory and its `labs/`), its `sensitivity.csv` and [`PLOT_MARKER`].
    Batch,
    /// A single run's charts: these file names.
    Run(&'a [&'a str]),
}

/// Whether `a` and `b` name the same existing directory.
fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Refuses a `plot --out` directory `out` (other than the plotted `dir`
/// itself) that is not plot's own, before anything is written (audit s26
/// econ F1: plot replaced a user's `sensitivity.csv` and planted one batch's
/// table and charts in another batch's directory; review s26-2 F3: a run's
/// charts had no guard at all): a file that is no directory; a directory
/// holding another command's outputs (a batch's, an eval's, a compare's, a
/// sensitivity's, a run's: [`crate::store::BATCH_FILES`],
/// `OTHER_COMMANDS_FILES`, `runs/`, or run files, as in a batch's `runs/`;
/// for a run's charts also a batch's plot, [`PLOT_MARKER`]); a batch's
/// earlier plot of another batch (its [`PLOT_MARKER`] names another
/// directory: the charts would mix); or holding a file of a name plot
/// writes that plot did not write (a `sensitivity.csv` not starting with
/// plot's header, a chart that is no plotters SVG). Plot's own earlier
/// output is re-plotted into (one without a marker, of an older aistack,
/// counts as its own); so is `dir` itself and, for a batch, `dir/plots`.
pub fn refuse_foreign_plot_out(dir: &Path, out: &Path, kind: PlotKind<'_>) -> Result<()> {
    crate::runner::check_out_dir(out)?;
    if !out.is_dir() || same_dir(dir, out) {
        return Ok(());
    }
    let mut others = crate::store::batch_outputs_in(out);
    others.extend(
        OTHER_COMMANDS_FILES
            .iter()
            .filter(|f| out.join(f).exists())
            .map(|f| f.to_string()),
    );
    // A batch's `runs/` itself: the run files are the batch's.
    let run_file = std::fs::read_dir(out).ok().and_then(|entries| {
        entries
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| crate::store::run_file_index(n).is_some())
            .min()
    });
    if let Some(name) = run_file {
        others.push(format!("{name} (a batch's run files)"));
    }
    if matches!(kind, PlotKind::Run(_)) && out.join(PLOT_MARKER).exists() {
        others.push(format!("{PLOT_MARKER} (a batch's charts)"));
    }
    // A run's charts (`plot RUN --out X` before): a batch's plot there
    // would lie beside them as one output.
    if matches!(kind, PlotKind::Batch) {
        others.extend(
            RUN_CHART_NAMES
                .iter()
                .filter(|f| out.join(f).exists())
                .map(|f| format!("{f} (a run's charts)")),
        );
    }
    if !others.is_empty() {
        let what = match kind {
            PlotKind::Batch => "its charts and sensitivity.csv",
            PlotKind::Run(_) => "a run's charts",
        };
        return Err(McError::Invalid(format!(
            "{} holds {}: it is the output of another aistack command (a batch, eval, compare, \
             sensitivity, run or a batch's plot), and plot does not write {what} among \
             them, so nothing was written: choose another --out (a new directory, or one an \
             earlier plot of this {} wrote)",
            out.display(),
            others.join(", "),
            if matches!(kind, PlotKind::Batch) {
                "batch"
            } else {
                "run"
            }
        )));
    }
    if matches!(kind, PlotKind::Batch) && !same_dir(&dir.join("plots"), out) {
        refuse_other_batchs_plot(dir, out)?;
    }
    let mut foreign = Vec::new();
    match kind {
        PlotKind::Batch => {
            let sens = out.join("sensitivity.csv");
            if sens.exists()
                && !std::fs::read(&sens).is_ok_and(|t| t.starts_with(RANK_SENSITIVITY_HEADER.as_bytes()))
            {
                foreign.push("sensitivity.csv".to_string());
            }
            foreign.extend(
                plot_svgs_in(out)
                    .into_iter()
                    .filter(|(_, path)| !starts_with_file(path, b"<svg "))
                    .map(|(name, _)| name),
            );
        }
        PlotKind::Run(charts) => foreign.extend(
            charts
                .iter()
                .filter(|n| out.join(n).exists() && !starts_with_file(&out.join(n), b"<svg "))
                .map(|n| n.to_string()),
        ),
    }
    if !foreign.is_empty() {
        let it = if foreign.len() == 1 { "it" } else { "them" };
        return Err(McError::Invalid(format!(
            "{} holds {}, which plot did not write (not its first line), and it would replace \
             {it}, so nothing was written: choose another --out, or move {it} away",
            out.display(),
            foreign.join(", ")
        )));
    }
    Ok(())
}

/// The [`PLOT_MARKER`] of a batch's plot: which batch the charts beside it are of.
#[derive(serde::Serialize, serde::Deserialize)]
struct PlotMarker {
    /// The plotted batch directory, canonical.
    source: String,
    /// Its manifest's `scenario_hash`.
    scenario_hash: String,
    /// Its manifest's `completed_runs` when plotted.
    completed_runs: u64,
}

/// The canonical path of the batch `dir`, as [`PlotMarker::source`] holds it.
fn marker_source(dir: &Path) -> String {
    dir.canonicalize()
        .unwrap_or_else(|_| dir.to_path_buf())
        .to_string_lossy()
        .into_owned()
}

/// Refuses `out` when its [`PLOT_MARKER`] says its charts are another
/// batch's (or it is no marker plot wrote): a re-plot would leave that
/// batch's charts beside this one's wherever this batch draws none. A
/// marker of the same directory whose `scenario_hash` is not its
/// manifest's now is another batch too, made later at the same path (its
/// charts would be lost to this one's); the same batch with another run
/// count (resumed with more runs) is re-plotted ([`replot_note`]).
fn refuse_other_batchs_plot(dir: &Path, out: &Path) -> Result<()> {
    let path = out.join(PLOT_MARKER);
    let Ok(text) = std::fs::read(&path) else {
        return Ok(());
    };
    let source = marker_source(dir);
    let hash_now = Manifest::read(dir).ok().flatten().map(|m| m.scenario_hash);
    match serde_json::from_slice::<PlotMarker>(&text) {
        Ok(m) if m.source == source && hash_now.as_ref().is_some_and(|h| *h != m.scenario_hash) => {
            Err(McError::Invalid(format!(
                "{} holds the charts of an earlier batch in {} (its {PLOT_MARKER}: scenario hash \
                 {}, {} runs), not of the batch there now (scenario hash {}): plotting it there \
                 would replace that batch's charts, so nothing was written: choose another --out \
                 (a new directory) for this batch, or remove {} first",
                out.display(),
                m.source,
                m.scenario_hash,
                m.completed_runs,
                hash_now.unwrap_or_default(),
                out.display()
            )))
        }
        Ok(m) if m.source == source => Ok(()),
        Ok(m) => Err(McError::Invalid(format!(
            "{} holds the charts of another batch, {} (its {PLOT_MARKER}): plotting {} there \
             would mix the two batches' charts, so nothing was written: choose another --out \
             (a new directory) for this batch",
            out.display(),
            m.source,
            dir.display()
        ))),
        Err(e) => Err(McError::Invalid(format!(
            "{}: not the {PLOT_MARKER} plot writes ({e}), and plot would replace it, so nothing \
             was written: choose another --out, or move it away",
            path.display()
        ))),
    }
}

/// What a re-plot of the batch into `out` says when `out`'s
/// [`PLOT_MARKER`] is of the same batch with another run count (`runs`
/// now): its charts are replaced by those of the batch as it is now (a
/// batch resumed with more runs). `None` otherwise.
fn replot_note(out: &Path, runs: u64) -> Option<String> {
    let text = std::fs::read(out.join(PLOT_MARKER)).ok()?;
    let m = serde_json::from_slice::<PlotMarker>(&text).ok()?;
    (m.completed_runs != runs).then(|| {
        format!(
            "{} held this batch's charts of {} runs (its {PLOT_MARKER}); they are replaced by \
             those of its {runs} runs now",
            out.display(),
            m.completed_runs
        )
    })
}

/// Before a batch's charts are (re)written into `out`: removes plot's own
/// earlier output there (its marker, its charts in `out` and `out/labs`,
/// and with `sensitivity` its `sensitivity.csv`), so that a chart the
/// batch no longer draws (a batch grown by `--resume`, whose histogram or
/// tornado no longer qualifies) does not stay beside the new ones.
fn remove_earlier_plot(out: &Path, sensitivity: bool) -> Result<()> {
    let mut stale = vec![out.join(PLOT_MARKER)];
    if sensitivity {
        stale.push(out.join("sensitivity.csv"));
    }
    stale.extend(plot_svgs_in(out).into_iter().map(|(_, path)| path));
    for path in stale {
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(crate::error::io_err(&path)(e)),
        }
    }
    // `labs/` if nothing else is left there (plot makes it again when the
    // batch has lab charts); a directory still holding files stays.
    let _ = std::fs::remove_dir(out.join("labs"));
    Ok(())
}

/// Writes the [`PLOT_MARKER`] of the batch `dir` (manifest `m`) into `out`,
/// atomically, once every chart is written.
fn write_plot_marker(dir: &Path, out: &Path, m: &Manifest, runs: u64) -> Result<()> {
    let path = out.join(PLOT_MARKER);
    let marker = PlotMarker {
        source: marker_source(dir),
        scenario_hash: m.scenario_hash.clone(),
        completed_runs: runs,
    };
    let text = serde_json::to_vec_pretty(&marker)
        .map_err(|e| McError::Invalid(format!("{}: {e}", path.display())))?;
    let mut f = crate::outputs::AtomicFile::create(&path)?;
    std::io::Write::write_all(&mut f, &text).map_err(crate::error::io_err(&path))?;
    f.commit()
}

/// Whether the file at `path` starts with `prefix` (reading only that much).
fn starts_with_file(path: &Path, prefix: &[u8]) -> bool {
    use std::io::Read;
    let mut buf = vec![0u8; prefix.len()];
    std::fs::File::open(path).is_ok_and(|mut f| f.read_exact(&mut buf).is_ok() && buf == prefix)
}

/// Which command reads a finished batch, for the words of its refusals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reader {
    /// `aistack plot`.
    Plot,
    /// `aistack discover`.
    Discover,
}

impl Reader {
    /// "plot it", said of the batch once it is whole.
    fn then(self, it: &str) -> String {
        match self {
            Reader::Plot => format!("plot {it}"),
            Reader::Discover => format!("run `aistack discover` on {it}"),
        }
    }
    /// What there is nothing to do, and what was not done.
    fn verb(self) -> (&'static str, &'static str) {
        match self {
            Reader::Plot => ("plot", "plotted"),
            Reader::Discover => ("analyse", "analysed"),
        }
    }
    /// The command that reads the batch `dir`, to type.
    fn command(self, dir: &Path) -> String {
        let line = |sub: &str| {
            crate::error::command_to_type(&[
                "aistack".to_string(),
                sub.to_string(),
                dir.to_string_lossy().into_owned(),
            ])
        };
        match self {
            Reader::Plot => format!("`{}`", line("plot")),
            Reader::Discover => format!("`{}` with the same options", line("discover")),
        }
    }
}

/// The batch (or eval) directory that `dir`, a directory with no
/// manifest.json of its own, lies in (its `runs/`, `plots/`, `scenario/`,
/// `discover/…`, or any directory below it): the nearest enclosing
/// directory whose manifest.json reads as a batch's (a manifest.json of
/// another tool's does not count), written as `dir` leads to it when it
/// does (`b` for `b/runs`); with its manifest and `dir`'s path within it.
/// `None` when `dir` lies in no batch or cannot be resolved.
fn enclosing_batch(dir: &Path) -> Option<(PathBuf, Manifest, PathBuf)> {
    let canonical = std::fs::canonicalize(dir).ok()?;
    for (up, outer) in canonical.ancestors().enumerate().skip(1) {
        if !Manifest::path(outer).is_file() {
            continue;
        }
        let Ok(Some(manifest)) = Manifest::read(outer) else {
            continue;
        };
        let within = canonical.strip_prefix(outer).ok()?.to_path_buf();
        let shown = match dir.ancestors().nth(up) {
            Some(p) if p.as_os_str().is_empty() => Path::new("."),
            Some(p) => p,
            None => outer,
        };
        let shown = if std::fs::canonicalize(shown).is_ok_and(|c| c == outer) {
            shown
        } else {
            outer
        };
        return Some((shown.to_path_buf(), manifest, within));
    }
    None
}

/// The refusal of `dir`, which holds no batch, when it is a directory
/// inside one (the nearest enclosing directory whose manifest is a
/// batch's or an eval's): which batch, and the command to give it to
/// instead (audit finding 7: `discover BATCH/runs` said "no manifest.json;
/// not a batch directory" and left the batch to be guessed).
/// `None` when `dir` lies in no batch.
pub fn inside_a_batch(dir: &Path, reader: Reader) -> Option<McError> {
    let (outer, manifest, within) = enclosing_batch(dir)?;
    let kind = if manifest.eval.is_some() { "eval" } else { "batch" };
    Some(McError::Invalid(format!(
        "{}: no manifest.json; not a batch directory, but the {}/ of the {kind} {}: give the \
         {kind}'s own directory, {}",
        dir.display(),
        within.display(),
        outer.display(),
        reader.command(&outer)
    )))
}

/// The manifest of the finished batch (or eval) in `dir`, refused, saying
/// what to do, when there is none (naming the batch `dir` lies in, if any:
/// [`inside_a_batch`]), when the batch was interrupted, or when it holds
/// no runs (an empty shard).
pub(crate) fn finished_manifest(dir: &Path, reader: Reader) -> Result<Manifest> {
    let manifest = Manifest::read(dir)?.ok_or_else(|| {
        inside_a_batch(dir, reader).unwrap_or_else(|| {
            McError::Invalid(format!(
                "{}: no manifest.json; not a batch directory",
                dir.display()
            ))
        })
    })?;
    if manifest.completed_runs.is_none() {
        let d = dir.display();
        return Err(McError::Invalid(format!(
            "{d}: the batch is not finished (manifest.json has no `completed_runs`: it was \
             interrupted, its outputs may be partial): finish it with `aistack batch --resume {d}`, \
             then {}",
            reader.then("it")
        )));
    }
    if manifest.completed_runs == Some(0) {
        let d = dir.display();
        return Err(McError::Invalid(format!(
            "{d}: the batch holds no runs (a shard K/M with K at least the batch's run count \
             gets none): nothing to {}; {} instead",
            reader.verb().0,
            reader.then("the merged batch (`aistack merge`)")
        )));
    }
    Ok(manifest)
}

/// `runs.csv` of the finished batch in `dir` whose manifest is `manifest`
/// ([`finished_manifest`]), refused when its rows are not the batch's runs.
pub(crate) fn runs_table(dir: &Path, manifest: &Manifest, reader: Reader) -> Result<RunsTable> {
    let runs = manifest.completed_runs.unwrap_or(0);
    let runs_csv = dir.join("runs.csv");
    let table = read_runs_csv(&runs_csv, manifest.parameters.len())?;
    // As `run --from-batch` checks it (audit s26 econ F8): a runs.csv that
    // lost rows (or gained some) is not the finished batch's, and its
    // histograms and sensitivity.csv would silently be over the others.
    if table.runs.len() as u64 != runs {
        let d = dir.to_string_lossy();
        // A command line as `command_to_type` takes it: the program first.
        let args = |a: &[&str]| {
            std::iter::once("aistack")
                .chain(a.iter().copied())
                .map(String::from)
                .collect::<Vec<_>>()
        };
        return Err(McError::Invalid(format!(
            "{} has {} row{}, though the manifest says the {} finished with {runs} run{}: the \
             file is not the outputs of these runs (edited, truncated or copied from elsewhere), \
             so nothing was {}: rebuild the outputs from the run files ({}), then {}",
            runs_csv.display(),
            table.runs.len(),
            if table.runs.len() == 1 { "" } else { "s" },
            if manifest.eval.is_some() { "eval" } else { "batch" },
            if runs == 1 { "" } else { "s" },
            reader.verb().1,
            // An eval does not resume a finished one; a merge of its one
            // directory rebuilds the outputs.
            if manifest.eval.is_some() {
                format!(
                    "`{}`",
                    crate::error::command_to_type(&args(&["merge", &d, "--out", "NEW_DIR"]))
                )
            } else {
                format!(
                    "`{}`",
                    crate::error::command_to_type(&args(&["batch", "--resume", &d]))
                )
            },
            reader.then("them")
        )));
    }
    Ok(table)
}

/// Writes the standard charts of a finished batch: fan charts of the key
/// metrics' bands ([`fan_chart_selection`]), a stacked share chart per
/// categorical series (`shares-<metric>-<entity>.svg`),
/// a histogram per outcome, and a tornado per outcome (Spearman ρ; PRCC when
/// the batch declares rank correlations, as its title says), those of every
/// lab's own outcomes (`training.lab.<lab>.…`) in the subdirectory `labs/`,
/// after the national ones; also writes
/// `sensitivity.csv` (Spearman and PRCC table), in `DIR`, or with
/// [`PlotOptions::out`] beside the SVGs.
pub fn plot_batch(o: &PlotOptions) -> Result<PlotReport> {
    // Not while another process writes DIR (a missing DIR is named below as
    // no batch). Writing DIR/sensitivity.csv, it takes DIR's lock; writing
    // elsewhere, it reads DIR, which may be read-only (then unlocked, as
    // `merge` reads an archived shard).
    let _lock = match (o.dir.is_dir(), &o.out) {
        (false, _) => None,
        (true, None) => Some(crate::lock::lock_dir(&o.dir)?),
        (true, Some(_)) => crate::lock::lock_dir_to_read(&o.dir)?,
    };
    let manifest = finished_manifest(&o.dir, Reader::Plot)?;
    let runs = manifest.completed_runs.unwrap_or(0);
    if let Some(out) = &o.out {
        refuse_foreign_plot_out(&o.dir, out, PlotKind::Batch)?;
    }
    let bands = read_bands(&o.dir.join("bands.csv"))?;
    let table = runs_table(&o.dir, &manifest, Reader::Plot)?;
    // Created once the inputs are read: a refused plot leaves no empty directory.
    let out = o.out.clone().unwrap_or_else(|| o.dir.join("plots"));
    std::fs::create_dir_all(&out).map_err(crate::error::io_err(&out))?;
    let replot = replot_note(&out, runs);
    remove_earlier_plot(&out, o.out.is_some())?;
    let mut files = Vec::new();
    let mut notes: Vec<String> = replot.into_iter().collect();
    // A categorical series in a bands.csv written before categories had
    // rows of their own holds mean codes: no fan of those.
    let (old_codes, fans): (Vec<_>, Vec<_>) = bands
        .fans
        .keys()
        .partition(|(m, _)| is_categorical(o.categories, m));
    for (metric, entity) in old_codes {
        notes.push(format!(
            "no fan chart for {metric} ({entity}): it is a category, and this bands.csv gives its mean \
             code (an older build wrote it, before categories had share rows); rerun the batch with this \
             build for its share of runs in each category per instant"
        ));
    }
    // Fans whose quantiles came from the sketch (audit s23 F4): marked in
    // their title and named in one note.
    let mut sketched: Vec<String> = Vec::new();
    for key in fan_chart_selection(fans, o.max_fan_charts) {
        let (metric, entity) = key;
        let path = out.join(format!("fan-{}-{}.svg", file_stem(metric), file_stem(entity)));
        let approx = bands.fans[key].iter().any(FanPoint::sketched);
        let runs_note = if approx {
            sketched.push(format!("{metric} ({entity})"));
            format!("{}; quantiles from the sketch", runs_text(runs))
        } else {
            runs_text(runs)
        };
        let title = match KEY_METRICS.iter().find(|(m, _)| m == metric) {
            Some((_, what)) if entity == "national" => format!("{what}, national ({runs_note})"),
            _ => format!("{metric} — {entity} ({runs_note})"),
        };
        fan_chart(&path, &title, &axis_label(metric), &bands.fans[key])?;
        files.push(path);
    }
    if let Some(first) = sketched.first() {
        notes.push(format!(
            "{} fan chart{} ({first}{}) draw{} quantiles from the bounded-memory sketch (the batch \
             passed its memory budget): each quantile is within its row's quantile_abs_error_max in \
             bands.csv, (max − min)/bins of the row, which an outlier or a heavy tail can make as \
             large as the quantiles; for exact bands rebuild the outputs with a larger budget \
             ({})",
            sketched.len(),
            if sketched.len() == 1 { "" } else { "s" },
            if sketched.len() == 1 { "" } else { ", …" },
            if sketched.len() == 1 { "s" } else { "" },
            // An eval does not resume with other output options; a merge of
            // its one directory rebuilds them (review s23, F6).
            if manifest.eval.is_some() {
                format!(
                    "`aistack merge {} --out NEW_DIR --memory-budget-mib M`",
                    o.dir.display()
                )
            } else {
                format!(
                    "`aistack batch --resume {} --memory-budget-mib M`",
                    o.dir.display()
                )
            }
        ));
    }
    for key in fan_chart_selection(bands.shares.keys(), o.max_fan_charts) {
        let (metric, entity) = key;
        let path = out.join(format!("shares-{}-{}.svg", file_stem(metric), file_stem(entity)));
        let title = format!(
            "{metric} — {entity}: share of runs by category ({})",
            runs_text(runs)
        );
        share_chart(&path, &title, &bands.shares[key])?;
        files.push(path);
    }
    // Every lab's own outcomes (`training.lab.<lab>.…`) get their charts in
    // `labs/`, after the national ones: a few labs would otherwise triple
    // the charts beside the national ones.
    let lab_dir = out.join("labs");
    let (national, per_lab): (Vec<&String>, Vec<&String>) = table
        .outcome_names
        .iter()
        .partition(|n| stack::run::lab_of_outcome(n).is_none());
    if !per_lab.is_empty() {
        std::fs::create_dir_all(&lab_dir).map_err(crate::error::io_err(&lab_dir))?;
    }
    let ordered: Vec<&String> = national.into_iter().chain(per_lab).collect();
    let dir_of = |name: &str| {
        if stack::run::lab_of_outcome(name).is_some() {
            &lab_dir
        } else {
            &out
        }
    };
    for &name in &ordered {
        let vals: Vec<f64> = table
            .outcome(name)
            .unwrap_or_default()
            .into_iter()
            .flatten()
            .collect();
        let path = dir_of(name).join(format!("hist-{}.svg", file_stem(name)));
        match o.categories.and_then(|c| c.of(name)) {
            Some(codes) => {
                let bars: Vec<(String, f64)> = category_shares(&vals, codes)
                    .into_iter()
                    .map(|(label, share)| (label.to_string(), share))
                    .collect();
                bar_chart(
                    &path,
                    &format!(
                        "{name}: share of runs by category ({})",
                        runs_text(vals.len() as u64)
                    ),
                    "share of runs [0, 1]",
                    &bars,
                    false,
                    None,
                )?;
            }
            None => histogram(
                &path,
                &format!("{name} ({})", runs_text(vals.len() as u64)),
                &axis_label(name),
                &vals,
                histogram_bins(vals.len()),
            )?,
        }
        files.push(path);
    }
    // A rank correlation with a category's code depends on how the codes
    // happen to be numbered: categories get no row and no tornado.
    let rows: Vec<RankSensitivityRow> = rank_sensitivity(&table)
        .into_iter()
        .filter(|r| !is_categorical(o.categories, &r.outcome))
        .collect();
    let sensitivity_dir = if o.out.is_some() { &out } else { &o.dir };
    write_rank_sensitivity(&sensitivity_dir.join("sensitivity.csv"), &rows)?;
    // With declared correlations, a parameter's Spearman ρ mixes in the
    // effects of the parameters it is correlated with (it can even take
    // their sign), so the tornado plots PRCC, each parameter's own effect
    // with the others held fixed, and its title says so.
    let partial = !manifest.correlations.is_empty();
    // Outcomes too few runs report: one note for all of them.
    let mut too_few: Vec<(&str, u64)> = Vec::new();
    // Outcomes no parameter has a rank correlation with: one note.
    let mut flat: Vec<&str> = Vec::new();
    for &name in ordered.iter().filter(|n| !is_categorical(o.categories, n)) {
        let of: Vec<&RankSensitivityRow> = rows.iter().filter(|r| &r.outcome == name).collect();
        let bars = tornado_bars(&of, partial);
        let Some(n) = of.first().map(|r| r.n) else {
            continue;
        };
        if n < MIN_TORNADO_RUNS {
            too_few.push((name, n));
            continue;
        }
        // Audit s20-econ #4: an outcome with one value in every run (a
        // spill that never happens) has no rank correlation with anything;
        // its tornado had no bars and an axis of ±1e-12.
        if !has_coefficient(&of, partial) {
            flat.push(name);
            continue;
        }
        let path = dir_of(name).join(format!("tornado-{}.svg", file_stem(name)));
        let (title, x_label, (chance, band)) = tornado_labels(name, n, of.len(), partial);
        tornado(&path, &title, x_label, &bars, Some((chance, &band)))?;
        files.push(path);
    }
    match too_few.as_slice() {
        [] => {}
        [(name, n)] => notes.push(format!(
            "no tornado for {name}: {n} runs report it, a tornado needs at least {MIN_TORNADO_RUNS}"
        )),
        [(first, _), ..] => {
            let most = too_few.iter().map(|&(_, n)| n).max().unwrap_or(0);
            notes.push(format!(
                "no tornado for {} outcomes ({first}, …): {most} runs or fewer report each, a \
                 tornado needs at least {MIN_TORNADO_RUNS}",
                too_few.len()
            ));
        }
    }
    if let Some(first) = flat.first() {
        notes.push(format!(
            "no tornado for {} outcome{} ({first}{}): no parameter has a defined rank correlation \
             with {} (an outcome with one value in every run that reports it has none; \
             sensitivity.csv leaves those cells empty)",
            flat.len(),
            if flat.len() == 1 { "" } else { "s" },
            if flat.len() == 1 { "" } else { ", …" },
            if flat.len() == 1 { "it" } else { "them" },
        ));
    }
    // Last: a directory holding it holds every chart of this plot. Not
    // among the batch's own outputs (`--out DIR`).
    if !same_dir(&o.dir, &out) {
        write_plot_marker(&o.dir, &out, &manifest, runs)?;
    }
    Ok(PlotReport { files, notes })
}

/// Whether any parameter of one outcome's rows has the coefficient its
/// tornado draws (PRCC when `partial`, else Spearman ρ): none has for an
/// outcome with one value in every run, or when no parameter varies.
fn has_coefficient(of: &[&RankSensitivityRow], partial: bool) -> bool {
    of.iter()
        .any(|r| if partial { r.prcc } else { r.spearman }.is_finite())
}

/// The bars of one outcome's tornado: Spearman ρ, or PRCC when `partial`;
/// a parameter whose coefficient is undefined (`sensitivity.csv`'s empty
/// cell) is drawn as 0 and its label says so, rather than as a silent 0
/// (PRCC) or not at all (ρ).
fn tornado_bars(of: &[&RankSensitivityRow], partial: bool) -> Vec<(String, f64)> {
    of.iter()
        .map(|r| {
            let v = if partial { r.prcc } else { r.spearman };
            if v.is_finite() {
                (r.parameter.clone(), v)
            } else {
                (format!("{} (undefined)", r.parameter), 0.0)
            }
        })
        .collect()
}

/// Title, x-axis label and chance band (half-width and legend label) of a
/// tornado of `n` runs over `k` parameters. The chance band is
/// 1.96/√(n − 1) for ρ and 1.96/√(n − k) for PRCC (a partial correlation
/// given k − 1 others has n − k − 1 + 1 effective runs): what no effect at
/// all exceeds in 5 % of batches.
fn tornado_labels(name: &str, n: u64, k: usize, partial: bool) -> (String, &'static str, (f64, String)) {
    if partial {
        let chance = Z95 / (n as f64 - k as f64).max(1.0).sqrt();
        (
            format!(
                "What drives {} ({n} runs; PRCC, as inputs are correlated)",
                axis_label(name)
            ),
            "Partial rank correlation (PRCC) with the outcome [-1, 1]",
            (chance, format!("within chance: |PRCC| < {chance:.2} (95 %)")),
        )
    } else {
        let chance = Z95 / ((n - 1) as f64).sqrt();
        (
            format!("What drives {} ({n} runs; Spearman's rho)", axis_label(name)),
            "Spearman rank correlation with the outcome [-1, 1]",
            (chance, format!("within chance: |rho| < {chance:.2} (95 %)")),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The labels of the ticks plotters draws on an axis over `lo..hi`.
    fn tick_labels(lo: f64, hi: f64) -> Vec<String> {
        use plotters::coord::ranged1d::Ranged;
        use plotters::coord::types::RangedCoordf64;
        let t = Ticks::new(lo, hi);
        RangedCoordf64::from(lo..hi)
            .key_points(AXIS_LABELS)
            .iter()
            .map(|&v| t.label(v))
            .collect()
    }

    /// A 3 MW load in GW ticks every 0.0005: rounded to three decimals,
    /// 0.0015 and 0.002 both read `0.002` (review s26-modeler, F4).
    #[test]
    fn ticks_a_half_thousandth_apart_get_four_decimals() {
        let labels = tick_labels(0.0, 0.0045);
        assert_eq!(
            labels,
            [
                "0", "0.0005", "0.0010", "0.0015", "0.0020", "0.0025", "0.0030", "0.0035", "0.0040", "0.0045"
            ]
        );
    }

    /// On any axis, from a fraction of a thousandth to 10²⁵, narrow or wide,
    /// near zero or far from it: every tick label differs from the others
    /// and reads back as its tick's value (to a thousandth of the step).
    #[test]
    fn tick_labels_are_distinct_and_exact_on_every_scale() {
        let mut axes = 0;
        for exp in -8..=26 {
            let scale = math::powi(10.0, exp);
            for (lo, hi) in [
                (0.0, 4.5),
                (0.0, 1.0),
                (-2.5, 2.5),
                (1.0, 1.003),
                (2025.0, 2025.01),
                (3.0, 7.7),
                (-0.35, 0.0),
            ] {
                let (lo, hi) = (lo * scale, hi * scale);
                let labels = tick_labels(lo, hi);
                let mut unique = labels.clone();
                unique.sort();
                unique.dedup();
                assert_eq!(unique.len(), labels.len(), "{lo}..{hi}: {labels:?}");
                let values: Vec<f64> = labels.iter().map(|l| l.parse().unwrap()).collect();
                let step = (values[1] - values[0]).abs();
                assert!(step > 0.0, "{lo}..{hi}: {labels:?}");
                for w in values.windows(2) {
                    let d = (w[1] - w[0]).abs();
                    assert!((d - step).abs() <= step * 1e-2, "{lo}..{hi}: {labels:?}");
                }
                axes += 1;
            }
        }
        assert!(axes > 200);
    }

    /// Years read as years, and large and tiny values in scientific
    /// notation with the digits they need and no more.
    #[test]
    fn tick_labels_keep_their_plain_forms_where_they_suffice() {
        assert_eq!(tick_labels(2025.0, 2035.0)[..2], ["2025", "2026"]);
        assert_eq!(tick_labels(2025.0, 2030.0)[..2], ["2025.0", "2025.5"]);
        assert_eq!(tick_labels(0.0, 5e25)[..3], ["0", "0.5e25", "1.0e25"]);
        assert_eq!(tick_labels(0.0, 1.0)[1], "0.1");
        assert_eq!(tick_labels(1e25, 1.001e25)[..2], ["1.0000e25", "1.0001e25"]);
        assert_eq!(tick_labels(0.0, 4e-4)[..2], ["0", "0.5e-4"]);
    }

    /// An axis that crosses a power of ten writes every label with one
    /// exponent, the largest tick's: an accelerator chart read `8.00e4`
    /// just below `1.00e5`, a compute chart `9.00e20` below `1.00e21`,
    /// where 8 below 1 misleads at a glance.
    #[test]
    fn an_axis_crossing_a_power_of_ten_keeps_one_exponent() {
        let labels = tick_labels(0.0, 1.7e5);
        assert_eq!(labels[..3], ["0", "0.2e5", "0.4e5"], "{labels:?}");
        assert!(labels.iter().skip(1).all(|l| l.ends_with("e5")), "{labels:?}");
        let labels = tick_labels(5e19, 1.15e21);
        assert!(labels.iter().all(|l| l.ends_with("e21")), "{labels:?}");
        assert!(labels.contains(&"0.9e21".to_string()), "{labels:?}");
    }

    /// A fan point at `t` whose quantiles and mean are all `v` times
    /// 0.5, 0.8, 1, 1.25, 2 (mean `v`).
    fn fan_point(t: f64, v: f64) -> FanPoint {
        FanPoint {
            time_year: t,
            mean: v,
            q: [0.5 * v, 0.8 * v, v, 1.25 * v, 2.0 * v],
            quantile_abs_error_max: 0.0,
        }
    }

    /// Log axes for medians spanning two orders of magnitude, not for
    /// series mostly at 0, narrow ones or any below 0.
    #[test]
    fn fans_spanning_orders_of_magnitude_get_a_log_axis() {
        // The frontier's compute: 0 at the first instants (9 in 10 above),
        // then 1e25 growing to 1e31.
        let frontier: Vec<FanPoint> = (0..40)
            .map(|i| {
                fan_point(
                    2025.0 + f64::from(i) / 4.0,
                    if i < 3 { 0.0 } else { math::powi(10.0, 25 + i / 6) },
                )
            })
            .collect();
        assert!(fan_is_log(&frontier));
        // Unserved energy: 0 at most instants, spikes of 1e5.
        let spikes: Vec<FanPoint> = (0..40)
            .map(|i| fan_point(f64::from(i), if i % 10 == 9 { 1e5 } else { 0.0 }))
            .collect();
        assert!(!fan_is_log(&spikes));
        // A gap in months, 20 to 80.
        let gap: Vec<FanPoint> = (0..40)
            .map(|i| fan_point(f64::from(i), 20.0 + 1.5 * f64::from(i)))
            .collect();
        assert!(!fan_is_log(&gap));
        let mut below = frontier.clone();
        below[5].q[0] = -1.0;
        assert!(!fan_is_log(&below));
        assert!(!fan_is_log(&[]));
    }

    /// A log axis is labelled with the values, not their logarithms: powers
    /// of ten where it holds two, every tick where it holds fewer.
    #[test]
    fn log_axes_read_in_powers_of_ten() {
        let t = LogTicks::new(23.6, 33.4);
        assert_eq!(
            [24.0, 25.0, 25.5, 2.0, 0.0, -2.0, -7.0].map(|v| t.label(v)),
            ["1e24", "1e25", "", "100", "1", "0.01", "1e-7"]
        );
        let narrow = LogTicks::new(25.3, 25.7);
        assert_eq!(narrow.label(25.5), "3.2e25");
    }

    fn row(p: &str, spearman: f64, prcc: f64) -> RankSensitivityRow {
        RankSensitivityRow {
            outcome: "y".into(),
            parameter: p.into(),
            n: 100,
            spearman,
            prcc,
        }
    }

    #[test]
    fn tornado_titles_carry_the_outcome_unit() {
        let (title, _, _) = tornado_labels("training.frontier_gap_months_end", 40, 3, false);
        assert!(
            title.starts_with("What drives training.frontier_gap_months_end [months] ("),
            "{title}"
        );
        let (title, _, _) = tornado_labels("energy.avg_price_usd_per_mwh", 40, 3, true);
        assert!(
            title.contains("energy.avg_price_usd_per_mwh [USD/MWh] ("),
            "{title}"
        );
    }

    #[test]
    fn long_captions_shrink_to_fit_the_chart() {
        assert_eq!(caption_px("Largest training run"), 26);
        let title = format!("What drives {} (40 runs; more words)", "x".repeat(80));
        let px = caption_px(&title);
        assert!(px < 26, "{px}");
        let width = 0.56 * f64::from(px) * title.chars().count() as f64;
        assert!(width <= f64::from(CHART_SIZE.0) - 32.0, "{width}");
        assert_eq!(caption_px(&"x".repeat(1000)), 12);
    }

    #[test]
    fn with_correlated_inputs_the_tornado_plots_prcc_and_says_so() {
        // Spearman +0.29 but PRCC −0.79: correlated inputs flipped the sign.
        let rows = [row("capacity", 0.289, -0.79), row("demand", 0.9, f64::NAN)];
        let of: Vec<&RankSensitivityRow> = rows.iter().collect();
        assert_eq!(
            tornado_bars(&of, true),
            vec![
                ("capacity".to_string(), -0.79),
                ("demand (undefined)".to_string(), 0.0)
            ]
        );
        assert_eq!(tornado_bars(&of, false)[0].1, 0.289);
        let (title, x, _) = tornado_labels("y", 100, 2, true);
        assert!(
            title.contains("PRCC, as inputs are correlated") && x.contains("PRCC"),
            "{title}"
        );
        let (title, x, _) = tornado_labels("y", 100, 2, false);
        assert!(
            !title.contains("PRCC") && title.contains("Spearman's rho") && x.starts_with("Spearman"),
            "{title}"
        );
    }

    /// The chance band is drawn, not written into the title: a title of
    /// 110 characters shrank to 12 px (the worked example's tornado).
    /// 1.96/√(n − k) for PRCC, 1.96/√(n − 1) for ρ, in the legend.
    #[test]
    fn a_tornado_shades_its_chance_band_and_keeps_a_readable_title() {
        let (title, _, (c, band)) = tornado_labels("training.frontier_gap_months_end", 500, 17, true);
        assert!((c - Z95 / 483.0_f64.sqrt()).abs() < 1e-12, "{c}");
        assert_eq!(band, "within chance: |PRCC| < 0.09 (95 %)");
        assert!(caption_px(&title) >= 16, "{title}: {} px", caption_px(&title));
        let (title, _, (c, band)) = tornado_labels("training.frontier_gap_months_end", 40, 17, false);
        assert!((c - Z95 / 39.0_f64.sqrt()).abs() < 1e-12, "{c}");
        assert_eq!(band, "within chance: |rho| < 0.31 (95 %)");
        assert!(caption_px(&title) >= 20, "{title}");
    }

    fn keys(names: &[(&str, &str)]) -> Vec<(String, String)> {
        names
            .iter()
            .map(|(m, e)| (m.to_string(), e.to_string()))
            .collect()
    }

    #[test]
    fn key_metrics_come_first_in_their_order_then_national_then_others() {
        let avail = keys(&[
            ("aaa.first_alphabetically", "national"),
            ("energy.unserved_mwh", "east"),
            ("energy.unserved_mwh", "national"),
            ("training.largest_run_flop", "deepseek"),
            ("training.largest_run_flop", "national"),
            ("zzz.other", "national"),
            ("aaa.first_alphabetically", "east"),
            ("training.largest_run_12m_flop", "national"),
        ]);
        let got: Vec<(&str, &str)> = fan_chart_selection(&avail, 10)
            .into_iter()
            .map(|(m, e)| (m.as_str(), e.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("training.largest_run_12m_flop", "national"),
                ("energy.unserved_mwh", "national"),
                ("training.largest_run_flop", "national"),
                ("aaa.first_alphabetically", "national"),
                ("zzz.other", "national"),
                ("aaa.first_alphabetically", "east"),
                ("energy.unserved_mwh", "east"),
                ("training.largest_run_flop", "deepseek"),
            ]
        );
        assert_eq!(fan_chart_selection(&avail, 2).len(), 2);
    }
}
