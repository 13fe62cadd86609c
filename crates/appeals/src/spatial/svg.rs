//! The map (地图) without outside services: grids and work orders drawn as one SVG document
//! from the imported geometry (no tile server is reachable).
//!
//! Projection: equirectangular, longitudes scaled by the cosine of the middle latitude so a
//! metre is a metre both ways at the district's scale. The viewBox is `0 0 width height` in
//! the projected units; the root element carries `data-bbox="minlon,minlat,maxlon,maxlat"` of
//! exactly that box and `data-projection="equirectangular"`, so the page turns a click at
//! (x, y) back into `lon = minlon + x / width × (maxlon − minlon)`,
//! `lat = maxlat − y / height × (maxlat − minlat)`.
//!
//! Unit grids are lightly filled and labelled where the label fits; professional grids are
//! dashed outlines; orders are circles coloured by their warning; the marker is the picked or
//! filed point. Output is deterministic (the caller's order, fixed number formatting) and every
//! text is escaped.

use std::fmt::Write;

use geo::{BoundingRect, InteriorPoint, MultiPolygon};

use crate::model::{GridKind, LonLat};

/// One grid to draw.
#[derive(Debug, Clone, Copy)]
pub struct MapGrid<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub kind: GridKind,
    pub specialty: Option<&'a str>,
    pub shape: &'a MultiPolygon<f64>,
}

/// One work order to draw.
#[derive(Debug, Clone, Copy)]
pub struct MapOrder<'a> {
    pub appeal_no: &'a str,
    pub title: &'a str,
    pub status_zh: &'a str,
    pub point: LonLat,
    /// `red` (overdue), `yellow` (due within a working day) or none.
    pub warning: Option<&'a str>,
}

/// How to draw.
#[derive(Debug, Clone, Copy)]
pub struct MapStyle<'a> {
    /// Width in projected units (pixels at scale 1), clamped to 200–2000.
    pub width: u32,
    /// The box shown when nothing is drawn (the home division), `[minlon, minlat, maxlon, maxlat]`.
    pub fallback: [f64; 4],
    /// The picked or filed point.
    pub marker: Option<LonLat>,
    /// Whether the page lets a click pick a point (`data-pick`, crosshair cursor).
    pub pick: bool,
    /// The accessible name (`aria-label`).
    pub label: &'a str,
}

const LABEL_PX: f64 = 12.0;

/// Draws the map.
pub fn render(grids: &[MapGrid<'_>], orders: &[MapOrder<'_>], style: &MapStyle<'_>) -> String {
    let bbox = frame(grids, orders, style);
    let p = Projection::new(bbox, style.width);
    let mut s = String::with_capacity(256 + grids.len() * 400 + orders.len() * 200);
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="appeal-map{pick}" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{label}" data-bbox="{b0},{b1},{b2},{b3}" data-projection="equirectangular" data-pick="{pickv}">"#,
        pick = if style.pick { " pick" } else { "" },
        w = num(p.width),
        h = num(p.height),
        label = escape(style.label),
        b0 = deg(bbox[0]),
        b1 = deg(bbox[1]),
        b2 = deg(bbox[2]),
        b3 = deg(bbox[3]),
        pickv = style.pick,
    );
    let _ = write!(s, "<title>{}</title>", escape(style.label));
    let _ = write!(
        s,
        r##"<rect class="sea" x="0" y="0" width="{}" height="{}" fill="#f7f9fb"/>"##,
        num(p.width),
        num(p.height)
    );
    // Unit grids first (filled), professional outlines over them.
    s.push_str(r#"<g class="grids unit">"#);
    for g in grids.iter().filter(|g| g.kind == GridKind::Unit) {
        grid_path(&mut s, &p, g);
    }
    s.push_str("</g>");
    s.push_str(r#"<g class="grids professional">"#);
    for g in grids.iter().filter(|g| g.kind == GridKind::Professional) {
        grid_path(&mut s, &p, g);
    }
    s.push_str("</g>");
    s.push_str(r#"<g class="labels" aria-hidden="true">"#);
    for g in grids.iter().filter(|g| g.kind == GridKind::Unit) {
        label(&mut s, &p, g);
    }
    s.push_str("</g>");
    if !orders.is_empty() {
        s.push_str(r#"<g class="orders">"#);
        for o in orders {
            let (x, y) = p.xy(o.point.lon, o.point.lat);
            let (class, fill) = match o.warning {
                Some("red") => ("order red", "#cf1322"),
                Some("yellow") => ("order yellow", "#d48806"),
                _ => ("order", "#1d5fbf"),
            };
            let _ = write!(
                s,
                r##"<circle class="{class}" cx="{}" cy="{}" r="5" fill="{fill}" stroke="#ffffff" stroke-width="1.5" data-no="{}"><title>{} {}（{}）</title></circle>"##,
                num(x),
                num(y),
                escape(o.appeal_no),
                escape(o.appeal_no),
                escape(o.title),
                escape(o.status_zh),
            );
        }
        s.push_str("</g>");
    }
    if let Some(m) = style.marker {
        let (x, y) = p.xy(m.lon, m.lat);
        let _ = write!(
            s,
            r##"<g class="marker" data-lon="{}" data-lat="{}"><title>所选位置 / chosen point {}, {}</title><path d="M{} {} l-7 -14 a8 8 0 1 1 14 0 z" fill="#e8590c" stroke="#ffffff" stroke-width="1.5"/><circle cx="{}" cy="{}" r="2.5" fill="#ffffff"/></g>"##,
            deg(m.lon),
            deg(m.lat),
            deg(m.lon),
            deg(m.lat),
            num(x),
            num(y),
            num(x),
            num(y - 17.0),
        );
    }
    s.push_str("</svg>");
    s
}

fn grid_path(s: &mut String, p: &Projection, g: &MapGrid<'_>) {
    let (class, style) = match g.kind {
        GridKind::Unit => (
            "grid unit",
            r##"fill="#e6f0fa" fill-opacity="0.85" stroke="#5b7fa8" stroke-width="1""##.to_string(),
        ),
        GridKind::Professional => (
            "grid professional",
            format!(
                r#"fill="none" stroke="{}" stroke-width="2" stroke-dasharray="6 4""#,
                specialty_colour(g.specialty)
            ),
        ),
    };
    let kind_zh = g.kind.zh();
    let _ = write!(
        s,
        r#"<path class="{class}" data-code="{}" data-kind="{}" fill-rule="evenodd" {style} d=""#,
        escape(g.code),
        g.kind.as_str(),
    );
    for poly in &g.shape.0 {
        for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
            let mut first = true;
            for c in ring.0.iter() {
                let (x, y) = p.xy(c.x, c.y);
                let _ = write!(s, "{}{} {}", if first { "M" } else { "L" }, num(x), num(y));
                first = false;
            }
            if !first {
                s.push('Z');
            }
        }
    }
    let _ = write!(
        s,
        r#""><title>{}（{}，{}{}）</title></path>"#,
        escape(g.name),
        escape(g.code),
        kind_zh,
        g.specialty
            .map(|sp| format!("：{}", escape(sp)))
            .unwrap_or_default(),
    );
}

fn label(s: &mut String, p: &Projection, g: &MapGrid<'_>) {
    let (Some(r), Some(at)) = (g.shape.bounding_rect(), g.shape.interior_point()) else {
        return;
    };
    let (x0, y1) = p.xy(r.min().x, r.min().y);
    let (x1, y0) = p.xy(r.max().x, r.max().y);
    // CJK glyphs are about one em wide, Latin about half.
    let text_w: f64 = g
        .name
        .chars()
        .map(|c| {
            if c.is_ascii() {
                LABEL_PX * 0.55
            } else {
                LABEL_PX
            }
        })
        .sum();
    if text_w > (x1 - x0) * 0.9 || LABEL_PX * 1.6 > (y1 - y0) {
        return;
    }
    let (x, y) = p.xy(at.x(), at.y());
    let _ = write!(
        s,
        r##"<text x="{}" y="{}" font-size="{}" text-anchor="middle" dominant-baseline="middle" fill="#2b4a6f">{}</text>"##,
        num(x),
        num(y),
        num(LABEL_PX),
        escape(g.name),
    );
}

/// A fixed colour per specialty (the same specialty is the same colour on every map).
fn specialty_colour(specialty: Option<&str>) -> &'static str {
    const PALETTE: [&str; 6] = [
        "#c41d7f", "#389e0d", "#d46b08", "#531dab", "#08979c", "#874d00",
    ];
    let h = specialty
        .unwrap_or("")
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    PALETTE[(h as usize) % PALETTE.len()]
}

/// The box drawn: everything given, padded by 3 %; the fallback when nothing is given.
fn frame(grids: &[MapGrid<'_>], orders: &[MapOrder<'_>], style: &MapStyle<'_>) -> [f64; 4] {
    let mut b: Option<[f64; 4]> = None;
    let mut add = |x0: f64, y0: f64, x1: f64, y1: f64| {
        b = Some(match b {
            None => [x0, y0, x1, y1],
            Some([a0, a1, a2, a3]) => [a0.min(x0), a1.min(y0), a2.max(x1), a3.max(y1)],
        });
    };
    for g in grids {
        if let Some(r) = g.shape.bounding_rect() {
            add(r.min().x, r.min().y, r.max().x, r.max().y);
        }
    }
    for o in orders {
        add(o.point.lon, o.point.lat, o.point.lon, o.point.lat);
    }
    if let Some(m) = style.marker {
        add(m.lon, m.lat, m.lon, m.lat);
    }
    let [x0, y0, x1, y1] = b.unwrap_or(style.fallback);
    // A single point (or a degenerate box) gets a box of about 1 km.
    let (dx, dy) = ((x1 - x0).max(0.01), (y1 - y0).max(0.01));
    let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    let (hx, hy) = (dx * 1.06 / 2.0, dy * 1.06 / 2.0);
    [
        round6(cx - hx),
        round6(cy - hy),
        round6(cx + hx),
        round6(cy + hy),
    ]
}

fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

struct Projection {
    bbox: [f64; 4],
    width: f64,
    height: f64,
}

impl Projection {
    fn new(bbox: [f64; 4], width: u32) -> Projection {
        let width = f64::from(width.clamp(200, 2000));
        let mid = ((bbox[1] + bbox[3]) / 2.0).to_radians().cos();
        let ground_w = (bbox[2] - bbox[0]) * mid;
        let ground_h = bbox[3] - bbox[1];
        let height = (width * ground_h / ground_w).clamp(50.0, 4000.0).round();
        Projection {
            bbox,
            width,
            height,
        }
    }

    fn xy(&self, lon: f64, lat: f64) -> (f64, f64) {
        let [x0, y0, x1, y1] = self.bbox;
        (
            (lon - x0) / (x1 - x0) * self.width,
            (y1 - lat) / (y1 - y0) * self.height,
        )
    }
}

/// Projected units with two decimals, `-0` written as `0`.
fn num(v: f64) -> String {
    let r = (v * 100.0).round() / 100.0;
    if r == 0.0 {
        "0".to_string()
    } else {
        format!("{r}")
    }
}

fn deg(v: f64) -> String {
    format!("{}", round6(v))
}

/// Escapes text and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Rect, coord};
    use proptest::prelude::*;

    fn square(x: f64, y: f64, s: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![
            Rect::new(coord! {x: x, y: y}, coord! {x: x + s, y: y + s}).to_polygon(),
        ])
    }

    fn style(marker: Option<LonLat>) -> MapStyle<'static> {
        MapStyle {
            width: 800,
            fallback: [110.33, 21.25, 110.40, 21.32],
            marker,
            pick: true,
            label: "赤坎区网格地图",
        }
    }

    #[test]
    fn draws_grids_orders_and_the_marker() {
        let a = square(110.33, 21.25, 0.035);
        let b = square(110.365, 21.25, 0.035);
        let pro = square(110.34, 21.26, 0.02);
        let grids = [
            MapGrid {
                code: "CK-01",
                name: "东堤社区",
                kind: GridKind::Unit,
                specialty: None,
                shape: &a,
            },
            MapGrid {
                code: "CK-02",
                name: "A<&>\"'",
                kind: GridKind::Unit,
                specialty: None,
                shape: &b,
            },
            MapGrid {
                code: "CK-CG",
                name: "城管网格",
                kind: GridKind::Professional,
                specialty: Some("city_management"),
                shape: &pro,
            },
        ];
        let orders = [MapOrder {
            appeal_no: "44080220261207000001",
            title: "占道<经营>",
            status_zh: "已派单",
            point: LonLat {
                lon: 110.35,
                lat: 21.27,
            },
            warning: Some("red"),
        }];
        let svg = render(
            &grids,
            &orders,
            &style(Some(LonLat {
                lon: 110.36,
                lat: 21.28,
            })),
        );
        assert!(svg.starts_with("<svg "), "{svg}");
        assert!(svg.ends_with("</svg>"));
        assert!(svg.contains(r#"role="img""#));
        assert!(svg.contains(r#"aria-label="赤坎区网格地图""#));
        assert!(svg.contains(r#"data-projection="equirectangular""#));
        assert_eq!(svg.matches("<path class=\"grid ").count(), 3);
        assert!(svg.contains(r#"data-code="CK-CG""#));
        assert!(svg.contains("stroke-dasharray"));
        assert!(
            svg.contains("<title>东堤社区（CK-01，单元网格）</title>"),
            "{svg}"
        );
        assert!(svg.contains(">东堤社区</text>"), "the label fits: {svg}");
        // Escaped, never raw.
        assert!(svg.contains("A&lt;&amp;&gt;&quot;&#39;"));
        assert!(!svg.contains("A<&>"));
        assert!(svg.contains("占道&lt;经营&gt;"));
        assert!(svg.contains(r#"class="order red""#));
        assert!(svg.contains(r#"class="marker""#));
        // Deterministic.
        assert_eq!(
            svg,
            render(
                &grids,
                &orders,
                &style(Some(LonLat {
                    lon: 110.36,
                    lat: 21.28
                }))
            )
        );
    }

    #[test]
    fn labels_only_where_they_fit() {
        let big = square(110.33, 21.25, 0.07);
        let tiny = square(110.40, 21.32, 0.0005);
        let grids = [
            MapGrid {
                code: "BIG",
                name: "大网格",
                kind: GridKind::Unit,
                specialty: None,
                shape: &big,
            },
            MapGrid {
                code: "TINY",
                name: "一个名字很长的小网格",
                kind: GridKind::Unit,
                specialty: None,
                shape: &tiny,
            },
        ];
        let svg = render(&grids, &[], &style(None));
        assert!(svg.contains(">大网格</text>"));
        assert!(!svg.contains(">一个名字很长的小网格</text>"));
        assert!(svg.contains("<title>一个名字很长的小网格（TINY，单元网格）</title>"));
    }

    #[test]
    fn nothing_to_draw_shows_the_fallback_box() {
        let svg = render(&[], &[], &style(None));
        assert!(
            svg.contains(r#"data-bbox="110.3279,21.2479,110.4021,21.3221""#),
            "{svg}"
        );
        assert!(!svg.contains("<circle"));
    }

    fn attr(svg: &str, name: &str) -> String {
        let key = format!("{name}=\"");
        let start = svg.find(&key).map(|i| i + key.len()).unwrap_or(0);
        svg[start..].split('"').next().unwrap_or("").to_string()
    }

    proptest! {
        /// The page's inverse projection (from data-bbox and the viewBox) lands on the marker.
        #[test]
        fn a_click_maps_back_to_its_point(lon in 110.331f64..110.399, lat in 21.251f64..21.319) {
            let a = square(110.33, 21.25, 0.07);
            let grids = [MapGrid { code: "A", name: "A", kind: GridKind::Unit, specialty: None, shape: &a }];
            let svg = render(&grids, &[], &style(Some(LonLat { lon, lat })));
            let b: Vec<f64> = attr(&svg, "data-bbox").split(',').map(|v| v.parse().unwrap_or(f64::NAN)).collect();
            let vb: Vec<f64> = attr(&svg, "viewBox").split(' ').map(|v| v.parse().unwrap_or(f64::NAN)).collect();
            let p = Projection::new([b[0], b[1], b[2], b[3]], 800);
            let (x, y) = p.xy(lon, lat);
            let back_lon = b[0] + x / vb[2] * (b[2] - b[0]);
            let back_lat = b[3] - y / vb[3] * (b[3] - b[1]);
            prop_assert!((back_lon - lon).abs() < 1e-9 && (back_lat - lat).abs() < 1e-9);
            // The marker is drawn at that point (two decimals).
            let drawn = format!("M{} {} l-7", num(x), num(y));
            prop_assert!(svg.contains(&drawn));
        }
    }
}
