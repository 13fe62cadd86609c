//! The division map: a tile cartogram (one square per county-level division), since no boundary
//! data exists offline. Zhanjiang's nine county-level divisions and the city level (市本级)
//! sit at their approximate places on the Leizhou peninsula ([`ZHANJIANG`]); any other
//! division falls into a grid below them, in code order. Each tile is shaded by its value in
//! five steps from light to dark blue (no figure: grey with a dash), named and labelled with
//! its value; the page shows the legend ([`legend`]) and a table of the same numbers.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use yiwang_kernel::Error;

/// `(division code, short name, column, row)` of Zhanjiang's divisions on a 4×5 grid: 廉江 and
/// 吴川 in the north, 遂溪, 赤坎 and 坡头 below, 麻章 and 霞山, then 雷州 and 徐闻 down the
/// peninsula; the city level (市本级, its own departments) beside 雷州.
pub const ZHANJIANG: &[(&str, &str, u32, u32)] = &[
    ("440881", "廉江市", 0, 0),
    ("440883", "吴川市", 3, 0),
    ("440823", "遂溪县", 1, 1),
    ("440802", "赤坎区", 2, 1),
    ("440804", "坡头区", 3, 1),
    ("440811", "麻章区", 1, 2),
    ("440803", "霞山区", 2, 2),
    ("440882", "雷州市", 1, 3),
    ("440800", "市本级", 3, 3),
    ("440825", "徐闻县", 1, 4),
];

/// A division's figure on the map.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub code: String,
    pub name: String,
    /// In display units; `None`: no figure.
    pub value: Option<f64>,
    /// The value as the page shows it (`96.8%`).
    pub shown: String,
}

/// The five shades, lightest first, and the text colour that reads on each.
const SHADES: [((u8, u8, u8), (u8, u8, u8)); 5] = [
    ((232, 241, 251), (31, 41, 51)),
    ((187, 214, 241), (31, 41, 51)),
    ((120, 170, 222), (31, 41, 51)),
    ((42, 108, 184), (255, 255, 255)),
    ((8, 63, 120), (255, 255, 255)),
];
const NONE_FILL: (u8, u8, u8) = (238, 240, 243);

/// The shade step (0–4) of `v` between `lo` and `hi`.
pub fn step(v: f64, lo: f64, hi: f64) -> usize {
    if hi <= lo {
        return 4;
    }
    let f = ((v - lo) / (hi - lo)).clamp(0.0, 1.0);
    ((f * 5.0).floor() as usize).min(4)
}

/// The value range the shades span: the smallest and the largest figure.
pub fn range(cells: &[Cell]) -> Option<(f64, f64)> {
    let mut it = cells.iter().filter_map(|c| c.value);
    let first = it.next()?;
    Some(it.fold((first, first), |(lo, hi), v| (lo.min(v), hi.max(v))))
}

/// The legend: each shade's colour and the lower bound of its range.
pub fn legend(cells: &[Cell]) -> Vec<(String, f64)> {
    let Some((lo, hi)) = range(cells) else {
        return Vec::new();
    };
    SHADES
        .iter()
        .enumerate()
        .map(|(i, ((r, g, b), _))| {
            (
                format!("#{r:02x}{g:02x}{b:02x}"),
                lo + (hi - lo) * i as f64 / 5.0,
            )
        })
        .collect()
}

/// Where each cell goes: its Zhanjiang place, or the next free place of the grid below.
fn places(cells: &[Cell]) -> Vec<(u32, u32)> {
    let mut others: Vec<&Cell> = cells
        .iter()
        .filter(|c| !ZHANJIANG.iter().any(|z| z.0 == c.code))
        .collect();
    others.sort_by(|a, b| a.code.cmp(&b.code));
    let known_rows = if cells
        .iter()
        .any(|c| ZHANJIANG.iter().any(|z| z.0 == c.code))
    {
        5
    } else {
        0
    };
    cells
        .iter()
        .map(|c| match ZHANJIANG.iter().find(|z| z.0 == c.code) {
            Some(z) => (z.2, z.3),
            None => {
                let i = others.iter().position(|o| o.code == c.code).unwrap_or(0) as u32;
                (i % 4, known_rows + i / 4)
            }
        })
        .collect()
}

/// The cartogram as SVG (scaled by the page like the other charts).
pub fn cartogram_svg(label: &str, cells: &[Cell]) -> Result<String, Error> {
    const TILE: i32 = 130;
    const GAP: i32 = 6;
    let at = places(cells);
    let rows = at.iter().map(|p| p.1 + 1).max().unwrap_or(1);
    let w = (4 * (TILE + GAP) + GAP) as u32;
    let h = (rows as i32 * (TILE + GAP) + GAP) as u32;
    let (lo, hi) = range(cells).unwrap_or((0.0, 1.0));
    let err = |e| Error::internal(format!("map: {e:?}"));
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        for (c, (col, row)) in cells.iter().zip(at) {
            let x = GAP + col as i32 * (TILE + GAP);
            let y = GAP + row as i32 * (TILE + GAP);
            let (fill, ink) = match c.value {
                Some(v) => SHADES[step(v, lo, hi)],
                None => (NONE_FILL, (31, 41, 51)),
            };
            root.draw(&Rectangle::new(
                [(x, y), (x + TILE, y + TILE)],
                RGBColor(fill.0, fill.1, fill.2).filled(),
            ))
            .map_err(err)?;
            root.draw(&Rectangle::new(
                [(x, y), (x + TILE, y + TILE)],
                RGBColor(79, 90, 102).stroke_width(1),
            ))
            .map_err(err)?;
            let ink = RGBColor(ink.0, ink.1, ink.2);
            let name_style = ("sans-serif", 20)
                .into_font()
                .color(&ink)
                .pos(Pos::new(HPos::Center, VPos::Center));
            let value_style = ("sans-serif", 24)
                .into_font()
                .style(FontStyle::Bold)
                .color(&ink)
                .pos(Pos::new(HPos::Center, VPos::Center));
            root.draw(&Text::new(
                c.name.clone(),
                (x + TILE / 2, y + TILE / 2 - 18),
                name_style,
            ))
            .map_err(err)?;
            let shown = if c.value.is_some() {
                c.shown.clone()
            } else {
                "—".to_string()
            };
            root.draw(&Text::new(
                shown,
                (x + TILE / 2, y + TILE / 2 + 18),
                value_style,
            ))
            .map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    let fixed = format!(r#"<svg width="{w}" height="{h}""#);
    let label = label
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;");
    Ok(out.replacen(
        &fixed,
        &format!(r#"<svg class="chart map" role="img" aria-label="{label}" focusable="false""#),
        1,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(code: &str, value: Option<f64>) -> Cell {
        Cell {
            code: code.into(),
            name: format!("区{code}"),
            value,
            shown: value.map(|v| format!("{v:.1}%")).unwrap_or_default(),
        }
    }

    #[test]
    fn zhanjiang_sits_on_its_places_and_others_fall_into_a_grid_below() {
        let cells = vec![
            cell("440881", Some(50.0)),
            cell("440825", Some(90.0)),
            cell("440105", Some(70.0)),
            cell("440104", None),
        ];
        assert_eq!(places(&cells), vec![(0, 0), (1, 4), (1, 5), (0, 5)]);
        // Alone, the others start at the top.
        assert_eq!(places(&cells[2..]), vec![(1, 0), (0, 0)]);
        let svg = cartogram_svg("地图", &cells).expect("drawn");
        assert!(svg.contains("class=\"chart map\""));
        assert!(svg.contains("区440881") && svg.contains("90.0%") && svg.contains("—"));
    }

    #[test]
    fn shades_span_the_smallest_to_the_largest_figure() {
        assert_eq!(step(50.0, 50.0, 90.0), 0);
        assert_eq!(step(90.0, 50.0, 90.0), 4);
        assert_eq!(step(70.0, 50.0, 90.0), 2);
        assert_eq!(step(7.0, 7.0, 7.0), 4);
        let cells = vec![cell("440802", Some(10.0)), cell("440803", Some(60.0))];
        let l = legend(&cells);
        assert_eq!(l.len(), 5);
        assert_eq!(l[0].1, 10.0);
        assert_eq!(l[4].1, 50.0);
        assert!(legend(&[cell("1", None)]).is_empty());
        // Nine counties and the city level, each on its own place.
        let mut seen: Vec<(u32, u32)> = ZHANJIANG.iter().map(|z| (z.2, z.3)).collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), ZHANJIANG.len());
    }
}
