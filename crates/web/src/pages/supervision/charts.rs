//! The dashboards' charts: server-rendered SVG drawn with `plotters` (its SVG backend only, no
//! fonts loaded: text is left to the browser), over plain series so they know nothing of KPIs.
//!
//! Every chart is an `<svg role="img">` with an `aria-label` and scales to its container
//! (`class="chart"`); the page puts a `<table>` of the same numbers beside it for screen
//! readers and for anyone who wants the figures. Colours come from [`PALETTE`], each with at
//! least 3:1 contrast against white; legends are drawn by the page (swatches of the same
//! colours), so long Chinese names wrap like any text.

use plotters::prelude::*;
use yiwang_kernel::Error;

/// Series colours, in order (blue, orange, green, purple, red, teal, brown, grey).
pub const PALETTE: [(u8, u8, u8); 8] = [
    (11, 87, 164),
    (183, 90, 0),
    (46, 125, 50),
    (106, 27, 154),
    (198, 40, 40),
    (0, 121, 107),
    (121, 85, 72),
    (84, 110, 122),
];

/// The hex colour of series `i` (`#0b57a4`), for the page's legend.
pub fn colour_hex(i: usize) -> String {
    let (r, g, b) = PALETTE[i % PALETTE.len()];
    format!("#{r:02x}{g:02x}{b:02x}")
}

fn colour(i: usize) -> RGBColor {
    let (r, g, b) = PALETTE[i % PALETTE.len()];
    RGBColor(r, g, b)
}

const AXIS: RGBColor = RGBColor(79, 90, 102);
const GRID: RGBColor = RGBColor(217, 225, 234);
const TARGET: RGBColor = RGBColor(198, 40, 40);

/// One line of a trend: a value per label, `None` where there is no figure (no denominator).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub values: Vec<Option<f64>>,
}

/// A trend chart: labels along the bottom (months), one line per series, in display units
/// (percent 0–100 when `percent`).
#[derive(Debug, Clone)]
pub struct Trend<'a> {
    pub label: &'a str,
    pub labels: &'a [String],
    pub series: &'a [Series],
    pub percent: bool,
    /// A target drawn as a dashed red line.
    pub target: Option<f64>,
}

fn draw_err<E: std::fmt::Debug>(e: E) -> Error {
    Error::internal(format!("chart: {e:?}"))
}

/// Makes plotters' fixed-size `<svg>` scale to its container and names it for assistive
/// technology.
fn finish(svg: String, w: u32, h: u32, label: &str) -> String {
    let fixed = format!(r#"<svg width="{w}" height="{h}""#);
    let label = label
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    let open = format!(
        r#"<svg class="chart" role="img" aria-label="{label}" preserveAspectRatio="xMidYMid meet" focusable="false""#
    );
    svg.replacen(&fixed, &open, 1)
}

/// A readable number for an axis or a bar: `83.1`, `12`, `1.2万`.
pub fn short_number(v: f64, percent: bool) -> String {
    if percent {
        return format!("{v:.0}%");
    }
    let a = v.abs();
    if a >= 100_000_000.0 {
        format!("{:.1}亿", v / 100_000_000.0)
    } else if a >= 10_000.0 {
        format!("{:.1}万", v / 10_000.0)
    } else if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// The y range: 0–100 for percentages (narrowed to the data when it all sits high), 0 to a
/// little above the largest value otherwise.
fn y_range(series: &[Series], percent: bool, target: Option<f64>) -> (f64, f64) {
    let vals = series
        .iter()
        .flat_map(|s| s.values.iter().flatten().copied())
        .chain(target);
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in vals {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, if percent { 100.0 } else { 1.0 });
    }
    if percent {
        let bottom = if lo >= 60.0 {
            ((lo - 5.0) / 10.0).floor() * 10.0
        } else {
            0.0
        };
        (bottom.max(0.0), 100.0_f64.max(hi))
    } else {
        let top = if hi <= 0.0 { 1.0 } else { hi * 1.1 };
        (0.0_f64.min(lo), top)
    }
}

/// A trend chart as SVG (720×300 user units, scaled by the page).
pub fn trend_svg(t: &Trend<'_>) -> Result<String, Error> {
    const W: u32 = 720;
    const H: u32 = 300;
    let n = t.labels.len().max(1);
    let (lo, hi) = y_range(t.series, t.percent, t.target);
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (W, H)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .margin_right(40)
            .x_label_area_size(30)
            .y_label_area_size(52)
            .build_cartesian_2d(0f64..(n as f64 - 1.0).max(1.0), lo..hi)
            .map_err(draw_err)?;
        let labels = t.labels;
        let fmt_x = |x: &f64| -> String {
            let i = x.round();
            if (x - i).abs() > 1e-6 || i < 0.0 {
                return String::new();
            }
            short_label(labels, i as usize)
        };
        let percent = t.percent;
        let fmt_y = |y: &f64| short_number(*y, percent);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n.min(12))
            .y_labels(6)
            .x_label_formatter(&fmt_x)
            .y_label_formatter(&fmt_y)
            .axis_style(AXIS)
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .label_style(("sans-serif", 16).into_font().color(&AXIS))
            .draw()
            .map_err(draw_err)?;
        if let Some(target) = t.target {
            let mut x = 0.0;
            let end = (n as f64 - 1.0).max(1.0);
            while x < end {
                let x2 = (x + 0.15).min(end);
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(x, target), (x2, target)],
                        TARGET.stroke_width(1),
                    )))
                    .map_err(draw_err)?;
                x += 0.3;
            }
        }
        for (i, s) in t.series.iter().enumerate() {
            let c = colour(i);
            // A gap where a month has no figure: each run of values is its own line.
            let mut run: Vec<(f64, f64)> = Vec::new();
            let mut runs = Vec::new();
            for (x, v) in s.values.iter().enumerate() {
                match v {
                    Some(v) => run.push((x as f64, *v)),
                    None if !run.is_empty() => runs.push(std::mem::take(&mut run)),
                    None => {}
                }
            }
            if !run.is_empty() {
                runs.push(run);
            }
            for r in runs {
                chart
                    .draw_series(LineSeries::new(r.clone(), c.stroke_width(2)))
                    .map_err(draw_err)?;
                chart
                    .draw_series(r.into_iter().map(|p| Circle::new(p, 3, c.filled())))
                    .map_err(draw_err)?;
            }
        }
        root.present().map_err(draw_err)?;
    }
    Ok(finish(out, W, H, t.label))
}

/// An axis label: a month (`2026-03`) after one of the same year is shown as its month alone
/// (`03`), so twelve of them fit a phone.
fn short_label(labels: &[String], i: usize) -> String {
    let Some(l) = labels.get(i) else {
        return String::new();
    };
    match (
        i.checked_sub(1).and_then(|p| labels.get(p)),
        l.split_once('-'),
    ) {
        (Some(prev), Some((year, month))) if prev.starts_with(&format!("{year}-")) => {
            month.to_string()
        }
        _ => l.clone(),
    }
}

/// One bar of a ranking: its name and value (`None`: no figure, drawn as "—").
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub name: String,
    pub value: Option<f64>,
}

/// A horizontal bar chart (a league table's picture): names on the left, bars scaled to the
/// largest value (to 100 for percentages), the value at each bar's end, an optional target
/// line. Names longer than 12 characters are shortened with "…" (the table beside has them
/// whole).
pub fn bars_svg(
    label: &str,
    bars: &[Bar],
    percent: bool,
    target: Option<f64>,
) -> Result<String, Error> {
    const W: u32 = 720;
    const ROW: u32 = 32;
    const NAME_W: i32 = 230;
    const VALUE_W: i32 = 70;
    let h = (bars.len().max(1) as u32) * ROW + 16;
    let max = bars
        .iter()
        .filter_map(|b| b.value)
        .chain(target)
        .fold(if percent { 100.0 } else { 0.0 }, f64::max);
    let scale = |v: f64| -> i32 {
        let span = f64::from(W as i32 - NAME_W - VALUE_W - 8);
        if max <= 0.0 {
            0
        } else {
            ((v.max(0.0) / max) * span).round() as i32
        }
    };
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (W, h)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let text = ("sans-serif", 19).into_font().color(&BLACK);
        let value_text = ("sans-serif", 18).into_font().color(&AXIS);
        for (i, b) in bars.iter().enumerate() {
            let y = 8 + (i as i32) * ROW as i32;
            let name: String = if b.name.chars().count() > 12 {
                b.name.chars().take(11).chain(['…']).collect()
            } else {
                b.name.clone()
            };
            root.draw(&Text::new(name, (4, y + 4), text.clone()))
                .map_err(draw_err)?;
            let x0 = NAME_W;
            match b.value {
                Some(v) => {
                    let x1 = x0 + scale(v);
                    root.draw(&Rectangle::new(
                        [(x0, y + 3), (x1.max(x0 + 1), y + ROW as i32 - 5)],
                        colour(0).filled(),
                    ))
                    .map_err(draw_err)?;
                    root.draw(&Text::new(
                        short_value(v, percent),
                        (x1 + 6, y + 5),
                        value_text.clone(),
                    ))
                    .map_err(draw_err)?;
                }
                None => {
                    root.draw(&Text::new("—", (x0 + 6, y + 5), value_text.clone()))
                        .map_err(draw_err)?;
                }
            }
        }
        if let Some(t) = target {
            let x = NAME_W + scale(t);
            root.draw(&PathElement::new(
                vec![(x, 2), (x, h as i32 - 2)],
                TARGET.stroke_width(2),
            ))
            .map_err(draw_err)?;
        }
        root.present().map_err(draw_err)?;
    }
    Ok(finish(out, W, h, label))
}

/// A value at a bar's end: one decimal for percentages (`96.8%`).
fn short_value(v: f64, percent: bool) -> String {
    if percent {
        format!("{v:.1}%")
    } else {
        short_number(v, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trend_is_a_scalable_named_svg_with_a_gap_where_a_month_has_no_figure() {
        let labels: Vec<String> = (1..=4).map(|m| format!("2026-{m:02}")).collect();
        let series = vec![
            Series {
                name: "按时办结率".into(),
                values: vec![Some(90.0), None, Some(95.5), Some(97.0)],
            },
            Series {
                name: "好评率".into(),
                values: vec![Some(99.0), Some(98.0), Some(97.0), Some(96.0)],
            },
        ];
        let svg = trend_svg(&Trend {
            label: "趋势 <A&B>",
            labels: &labels,
            series: &series,
            percent: true,
            target: Some(95.0),
        })
        .expect("drawn");
        assert!(
            svg.starts_with("<svg class=\"chart\" role=\"img\""),
            "{}",
            &svg[..80]
        );
        assert!(svg.contains("aria-label=\"趋势 &lt;A&amp;B&gt;\""));
        assert!(svg.contains("viewBox=\"0 0 720 300\""));
        assert!(!svg.contains("width=\"720\" height=\"300\" viewBox"));
        assert!(
            svg.contains(">03<") || svg.contains(">\n03\n<"),
            "month labels are drawn"
        );
        // Series 1 is two runs (the gap), series 2 one: three polylines.
        let lines = |c: &str| {
            svg.lines()
                .filter(|l| l.contains("<polyline") && l.contains(c))
                .count()
        };
        assert_eq!(lines("#0B57A4"), 2, "{svg}");
        assert_eq!(lines("#B75A00"), 1, "{svg}");
        std::fs::write(std::env::temp_dir().join("yiwang-trend.svg"), &svg).ok();
    }

    #[test]
    fn bars_are_scaled_named_and_a_missing_figure_is_a_dash() {
        let bars = vec![
            Bar {
                name: "湛江市市场监督管理局（特别长的名称测试）".into(),
                value: Some(50.0),
            },
            Bar {
                name: "A&B".into(),
                value: None,
            },
        ];
        let svg = bars_svg("排名", &bars, true, Some(80.0)).expect("drawn");
        assert!(svg.contains("50.0%"));
        assert!(svg.contains("A&amp;B"));
        assert!(svg.contains("—"));
        assert!(svg.contains("…"), "a long name is shortened");
        assert!(svg.contains("role=\"img\""));
    }

    #[test]
    fn numbers_are_short() {
        assert_eq!(short_number(83.0, true), "83%");
        assert_eq!(short_number(12.0, false), "12");
        assert_eq!(short_number(1.25, false), "1.2");
        assert_eq!(short_number(123_456.0, false), "12.3万");
        assert_eq!(colour_hex(0), "#0b57a4");
        let months: Vec<String> = ["2025-12", "2026-01", "2026-02"].map(String::from).to_vec();
        assert_eq!(short_label(&months, 0), "2025-12");
        assert_eq!(short_label(&months, 1), "2026-01");
        assert_eq!(short_label(&months, 2), "02");
        assert_eq!(short_label(&months, 3), "");
        assert_eq!(y_range(&[], true, None), (0.0, 100.0));
        let high = [Series {
            name: String::new(),
            values: vec![Some(92.0), Some(97.0)],
        }];
        assert_eq!(y_range(&high, true, None), (80.0, 100.0));
    }
}
