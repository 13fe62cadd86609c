//! Reading grids (网格) from a GeoJSON FeatureCollection (RFC 7946).
//!
//! Each feature is one grid: its geometry a `Polygon` or `MultiPolygon` in WGS 84
//! longitude/latitude inside China's box, its properties
//!
//! | property | rule |
//! |---|---|
//! | `code` | required, unique in the file, `[A-Za-z0-9_-]{1,40}` |
//! | `name` | required, ≤ 100 characters |
//! | `kind` | `unit` or `professional` (or `单元网格` / `专业网格`) |
//! | `specialty` | required for professional grids (`city_management`…), refused on unit grids |
//! | `division` | GB/T 2260 6-digit, or 9/12-digit statistical code |
//! | `department` | optional department code (resolved by the service) |
//! | `workers` | optional array of staff usernames, first = routed orders' assignee |
//!
//! The file as a whole must be JSON and a FeatureCollection (else one error naming `file`);
//! every problem of a feature is collected, naming the feature's index and code. The shape
//! rules (closed rings, self-intersection, holes, overlaps) are `validate`'s.

use geo::{Coord, LineString, MultiPolygon, Polygon};
use geojson::{Feature, GeometryValue, JsonObject, JsonValue, Position};
use yiwang_kernel::codes::DivisionCode;
use yiwang_kernel::{Error, FieldError, Result};

use super::validate::GridProblem;
use crate::model::GridKind;

/// The most features one file may hold.
pub const MAX_FEATURES: usize = 20_000;
/// China's box (WGS 84): every position of a grid lies inside it.
pub const CHINA_BOX: [f64; 4] = [73.0, 3.0, 136.0, 54.0];

/// Raw rings as the file gave them: polygons → rings (exterior first) → positions (lon, lat).
pub type RawPolygons = Vec<Vec<Vec<[f64; 2]>>>;

/// One grid as read from the file, before the shape rules.
#[derive(Debug, Clone)]
pub struct GridFeature {
    /// The feature's position in `features` (0-based).
    pub index: usize,
    pub code: String,
    pub name: String,
    pub kind: GridKind,
    pub specialty: Option<String>,
    pub division: String,
    pub department: Option<String>,
    pub workers: Vec<String>,
    /// The positions exactly as given (for the ring rules).
    pub rings: RawPolygons,
    /// The same geometry in `geo`'s types.
    pub shape: MultiPolygon<f64>,
}

/// What a file held: the features that could be read, and the problems of the others.
#[derive(Debug, Default)]
pub struct Reading {
    /// Features in the file.
    pub total: usize,
    pub features: Vec<GridFeature>,
    pub problems: Vec<GridProblem>,
}

fn file_error(rule: &str, zh: &str, en: &str) -> Error {
    Error::field(FieldError::new("file", rule, zh, en))
}

/// Reads a FeatureCollection. A file that is not one is refused (422 naming `file`); each
/// feature's problems are collected in [`Reading::problems`].
pub fn read(bytes: &[u8]) -> Result<Reading> {
    let doc: JsonValue = serde_json::from_slice(bytes).map_err(|e| {
        file_error(
            "geojson.syntax",
            "文件不是有效的 JSON（GeoJSON）",
            "The file is not valid JSON (GeoJSON)",
        )
        .with_internal(e)
    })?;
    if doc.get("type").and_then(JsonValue::as_str) != Some("FeatureCollection") {
        return Err(file_error(
            "geojson.feature_collection",
            "文件须为 GeoJSON FeatureCollection（要素集合）",
            "The file must be a GeoJSON FeatureCollection",
        ));
    }
    let Some(features) = doc.get("features").and_then(JsonValue::as_array) else {
        return Err(file_error(
            "geojson.features",
            "FeatureCollection 缺少 features 数组",
            "The FeatureCollection has no `features` array",
        ));
    };
    if features.is_empty() {
        return Err(file_error(
            "geojson.empty",
            "文件中没有任何网格要素",
            "The file holds no grid features",
        ));
    }
    if features.len() > MAX_FEATURES {
        return Err(file_error(
            "geojson.too_many",
            &format!("网格要素不能超过 {MAX_FEATURES} 个"),
            &format!("At most {MAX_FEATURES} grid features per file"),
        ));
    }
    let mut reading = Reading {
        total: features.len(),
        ..Reading::default()
    };
    for (index, raw) in features.iter().enumerate() {
        match read_feature(index, raw) {
            Ok(f) => reading.features.push(f),
            Err(mut ps) => reading.problems.append(&mut ps),
        }
    }
    Ok(reading)
}

/// Collects one feature's problems, each naming the feature and (when readable) its code.
struct Problems {
    index: usize,
    code: Option<String>,
    list: Vec<GridProblem>,
}

impl Problems {
    fn push(&mut self, rule: &str, zh: impl AsRef<str>, en: impl AsRef<str>) {
        self.list.push(GridProblem::new(
            self.index,
            self.code.clone(),
            rule,
            zh.as_ref(),
            en.as_ref(),
        ));
    }
}

fn read_feature(
    index: usize,
    raw: &JsonValue,
) -> std::result::Result<GridFeature, Vec<GridProblem>> {
    let mut p = Problems {
        index,
        code: None,
        list: Vec::new(),
    };
    let feature: Feature = match serde_json::from_value(raw.clone()) {
        Ok(f) => f,
        Err(_) => {
            p.push(
                "geojson.feature",
                "不是有效的 GeoJSON 要素（Feature）",
                "Not a valid GeoJSON Feature",
            );
            return Err(p.list);
        }
    };
    let empty = JsonObject::new();
    let props = feature.properties.as_ref().unwrap_or(&empty);

    let code = read_code(&mut p, props);
    p.code = code.clone();
    let name = read_name(&mut p, props);
    let kind = read_kind(&mut p, props);
    let specialty = read_specialty(&mut p, props, kind);
    let division = read_division(&mut p, props);
    let department = read_department(&mut p, props);
    let workers = read_workers(&mut p, props);
    let rings = read_geometry(&mut p, &feature);

    match (
        code, name, kind, specialty, division, department, workers, rings,
    ) {
        (
            Some(code),
            Some(name),
            Some(kind),
            Some(specialty),
            Some(division),
            Some(department),
            Some(workers),
            Some(rings),
        ) if p.list.is_empty() => {
            let shape = to_shape(&rings);
            Ok(GridFeature {
                index,
                code,
                name,
                kind,
                specialty,
                division,
                department,
                workers,
                rings,
                shape,
            })
        }
        _ => Err(p.list),
    }
}

/// `[A-Za-z0-9_-]{1,40}`: grid codes, specialties and department codes.
pub fn is_code(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn text<'a>(props: &'a JsonObject, key: &str) -> Option<&'a str> {
    props
        .get(key)
        .and_then(JsonValue::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn present_but_not_text(props: &JsonObject, key: &str) -> bool {
    matches!(props.get(key), Some(v) if !v.is_null() && !v.is_string())
}

fn read_code(p: &mut Problems, props: &JsonObject) -> Option<String> {
    match text(props, "code") {
        None => {
            p.push(
                "code.required",
                "缺少网格编码（properties.code）",
                "The grid code (properties.code) is missing",
            );
            None
        }
        Some(c) if !is_code(c) => {
            p.push(
                "code.format",
                "网格编码只能由字母、数字、下划线和连字符组成，长度 1–40",
                "A grid code is 1–40 letters, digits, `_` or `-`",
            );
            None
        }
        Some(c) => Some(c.to_string()),
    }
}

fn read_name(p: &mut Problems, props: &JsonObject) -> Option<String> {
    let raw = props.get("name").and_then(JsonValue::as_str).unwrap_or("");
    match yiwang_kernel::text::required("name", raw, 100) {
        Ok(n) => Some(n),
        Err(e) => {
            p.push(
                &format!("name.{}", e.rule),
                format!("网格名称（properties.name）：{}", e.zh),
                format!("Grid name (properties.name): {}", e.en),
            );
            None
        }
    }
}

fn read_kind(p: &mut Problems, props: &JsonObject) -> Option<GridKind> {
    let kind = text(props, "kind").and_then(GridKind::parse);
    if kind.is_none() {
        p.push(
            "kind.one_of",
            "网格类型（properties.kind）须为 unit（单元网格）或 professional（专业网格）",
            "The grid kind (properties.kind) must be `unit` or `professional`",
        );
    }
    kind
}

/// `Some(None)` for a unit grid, `Some(Some(s))` for a professional one, `None` on a problem.
fn read_specialty(
    p: &mut Problems,
    props: &JsonObject,
    kind: Option<GridKind>,
) -> Option<Option<String>> {
    let given = text(props, "specialty");
    if present_but_not_text(props, "specialty") || given.is_some_and(|s| !is_code(s)) {
        p.push(
            "specialty.format",
            "专业类别（properties.specialty）只能由字母、数字、下划线和连字符组成，长度 1–40",
            "The specialty (properties.specialty) is 1–40 letters, digits, `_` or `-`",
        );
        return None;
    }
    match (kind, given) {
        (Some(GridKind::Professional), None) => {
            p.push(
                "specialty.required",
                "专业网格须填写专业类别（properties.specialty，如 city_management）",
                "A professional grid needs its specialty (properties.specialty, e.g. city_management)",
            );
            None
        }
        (Some(GridKind::Unit), Some(_)) => {
            p.push(
                "specialty.unit",
                "单元网格不填写专业类别（properties.specialty）",
                "A unit grid has no specialty (properties.specialty)",
            );
            None
        }
        (_, s) => Some(s.map(str::to_string)),
    }
}

fn read_division(p: &mut Problems, props: &JsonObject) -> Option<String> {
    // A code written as a JSON number is read as its digits.
    let raw = match props.get("division") {
        Some(JsonValue::Number(n)) => Some(n.to_string()),
        Some(JsonValue::String(s)) => Some(s.trim().to_string()),
        _ => None,
    };
    match raw.filter(|s| !s.is_empty()) {
        None => {
            p.push(
                "division.required",
                "缺少行政区划代码（properties.division）",
                "The division code (properties.division) is missing",
            );
            None
        }
        Some(s) => match DivisionCode::parse(&s) {
            Ok(d) => Some(d.as_str().to_string()),
            Err(e) => {
                p.push(
                    &e.rule,
                    format!("行政区划代码（properties.division）：{}", e.zh),
                    format!("Division code (properties.division): {}", e.en),
                );
                None
            }
        },
    }
}

fn read_department(p: &mut Problems, props: &JsonObject) -> Option<Option<String>> {
    let given = text(props, "department");
    if present_but_not_text(props, "department") || given.is_some_and(|s| !is_code(s)) {
        p.push(
            "department.format",
            "部门编码（properties.department）格式不正确",
            "The department code (properties.department) is malformed",
        );
        return None;
    }
    Some(given.map(str::to_string))
}

fn read_workers(p: &mut Problems, props: &JsonObject) -> Option<Vec<String>> {
    let list = match props.get("workers") {
        None | Some(JsonValue::Null) => return Some(Vec::new()),
        Some(JsonValue::Array(a)) => a,
        Some(_) => {
            p.push(
                "workers.format",
                "网格员（properties.workers）须为用户名数组",
                "The workers (properties.workers) must be an array of usernames",
            );
            return None;
        }
    };
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for (i, w) in list.iter().enumerate() {
        let name = w.as_str().map(str::trim).unwrap_or("");
        if name.is_empty() || name.chars().count() > 64 {
            p.push(
                "workers.format",
                format!("网格员（properties.workers[{i}]）须为 1–64 个字符的用户名"),
                format!("Worker properties.workers[{i}] must be a username of 1–64 characters"),
            );
            return None;
        }
        if out.iter().any(|o| o == name) {
            p.push(
                "workers.duplicate",
                format!("网格员 {name} 重复列出"),
                format!("Worker {name} is listed twice"),
            );
            return None;
        }
        out.push(name.to_string());
    }
    Some(out)
}

fn read_geometry(p: &mut Problems, feature: &Feature) -> Option<RawPolygons> {
    let Some(geometry) = &feature.geometry else {
        p.push(
            "geometry.required",
            "缺少几何图形（geometry）",
            "The geometry is missing",
        );
        return None;
    };
    let polygons: Vec<&Vec<Vec<Position>>> = match &geometry.value {
        GeometryValue::Polygon { coordinates } => vec![coordinates],
        GeometryValue::MultiPolygon { coordinates } => coordinates.iter().collect(),
        other => {
            p.push(
                "geometry.type",
                format!(
                    "几何类型须为 Polygon 或 MultiPolygon，而不是 {}",
                    other.type_name()
                ),
                format!(
                    "The geometry must be a Polygon or MultiPolygon, not {}",
                    other.type_name()
                ),
            );
            return None;
        }
    };
    if polygons.is_empty() || polygons.iter().any(|rings| rings.is_empty()) {
        p.push(
            "geometry.empty",
            "多边形没有任何环",
            "A polygon has no ring",
        );
        return None;
    }
    let mut outside = false;
    let raw: RawPolygons = polygons
        .iter()
        .map(|rings| {
            rings
                .iter()
                .map(|ring| {
                    ring.iter()
                        .map(|pos| {
                            let (lon, lat) = (pos[0], pos[1]);
                            outside |= !in_china(lon, lat);
                            [lon, lat]
                        })
                        .collect()
                })
                .collect()
        })
        .collect();
    if outside {
        p.push(
            "geometry.outside_china",
            "坐标须为 WGS 84 经纬度（经度在前）且位于中国范围内（东经 73°–136°，北纬 3°–54°）",
            "Positions must be WGS 84 longitude, latitude (longitude first) inside China (73°–136° E, 3°–54° N)",
        );
        return None;
    }
    Some(raw)
}

fn in_china(lon: f64, lat: f64) -> bool {
    let [w, s, e, n] = CHINA_BOX;
    lon.is_finite() && lat.is_finite() && (w..=e).contains(&lon) && (s..=n).contains(&lat)
}

/// The raw rings as a `geo` MultiPolygon (geo closes rings that the file left open; the ring
/// rules are checked on the raw positions).
pub fn to_shape(rings: &RawPolygons) -> MultiPolygon<f64> {
    let ls = |r: &Vec<[f64; 2]>| LineString(r.iter().map(|&[x, y]| Coord { x, y }).collect());
    MultiPolygon(
        rings
            .iter()
            .filter_map(|poly| {
                let (shell, holes) = poly.split_first()?;
                Some(Polygon::new(ls(shell), holes.iter().map(ls).collect()))
            })
            .collect(),
    )
}

/// The GeoJSON geometry of a shape, as stored (`grids.geometry`): a Polygon when it has one
/// part, else a MultiPolygon.
pub fn geometry_json(shape: &MultiPolygon<f64>) -> JsonValue {
    let value = match shape.0.as_slice() {
        [one] => GeometryValue::from(one),
        _ => GeometryValue::from(shape),
    };
    serde_json::to_value(geojson::Geometry::new(value)).unwrap_or(JsonValue::Null)
}

/// Reads a stored geometry back (`grids.geometry`), `None` if it is not a polygon.
pub fn shape_of(geometry: &str) -> Option<MultiPolygon<f64>> {
    let g: geojson::Geometry = serde_json::from_str(geometry).ok()?;
    match &g.value {
        GeometryValue::Polygon { .. } => Polygon::try_from(&g.value)
            .ok()
            .map(|p| MultiPolygon(vec![p])),
        GeometryValue::MultiPolygon { .. } => MultiPolygon::try_from(&g.value).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn square(x: f64, y: f64) -> JsonValue {
        json!({"type": "Polygon", "coordinates": [[[x, y], [x + 0.01, y], [x + 0.01, y + 0.01], [x, y + 0.01], [x, y]]]})
    }

    fn fc(features: Vec<JsonValue>) -> Vec<u8> {
        serde_json::to_vec(&json!({"type": "FeatureCollection", "features": features}))
            .expect("json")
    }

    fn unit(code: &str, geometry: JsonValue) -> JsonValue {
        json!({"type": "Feature", "geometry": geometry, "properties": {
            "code": code, "name": "东堤社区网格", "kind": "单元网格", "division": "440802",
            "department": "ZJ-CK-ZH", "workers": ["wgy_zhonghua"]}})
    }

    #[test]
    fn reads_a_unit_and_a_professional_grid() {
        let bytes = fc(vec![
            unit("CK-ZH-01", square(110.36, 21.27)),
            json!({"type": "Feature", "geometry": {"type": "MultiPolygon", "coordinates": [[[[110.35, 21.26], [110.37, 21.26], [110.37, 21.28], [110.35, 21.26]]]]},
                   "properties": {"code": "CK-CG", "name": "城管专业网格", "kind": "professional", "specialty": "city_management", "division": 440802}}),
        ]);
        let r = read(&bytes).expect("read");
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(r.features.len(), 2);
        let a = &r.features[0];
        assert_eq!(
            (a.code.as_str(), a.kind, a.specialty.as_deref()),
            ("CK-ZH-01", GridKind::Unit, None)
        );
        assert_eq!(a.department.as_deref(), Some("ZJ-CK-ZH"));
        assert_eq!(a.workers, vec!["wgy_zhonghua".to_string()]);
        assert_eq!(a.shape.0.len(), 1);
        let b = &r.features[1];
        assert_eq!(b.kind, GridKind::Professional);
        assert_eq!(b.specialty.as_deref(), Some("city_management"));
        assert_eq!(b.division, "440802");
        assert!(b.workers.is_empty());
    }

    #[test]
    fn a_file_that_is_not_a_feature_collection_is_refused() {
        for (bytes, rule) in [
            (b"not json".to_vec(), "geojson.syntax"),
            (
                br#"{"type": "Feature"}"#.to_vec(),
                "geojson.feature_collection",
            ),
            (
                br#"{"type": "FeatureCollection", "features": []}"#.to_vec(),
                "geojson.empty",
            ),
        ] {
            let e = read(&bytes).expect_err("refused");
            assert_eq!(e.status(), 422);
            assert_eq!(e.fields[0].field, "file");
            assert_eq!(e.fields[0].rule, rule);
        }
    }

    #[test]
    fn each_bad_feature_is_named() {
        let bytes = fc(vec![
            unit("OK-1", square(110.36, 21.27)),
            unit("bad code!", square(110.36, 21.27)),
            json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [110.3, 21.2]}, "properties": {"code": "P1", "name": "点", "kind": "unit", "division": "440802"}}),
            unit("FAR", square(10.0, 21.27)),
            json!({"type": "Feature", "geometry": square(110.3, 21.2), "properties": {"code": "PRO", "name": "无专业", "kind": "professional", "division": "4408"}}),
            json!({"type": "Feature", "geometry": null, "properties": {"code": "NOGEOM", "name": "x", "kind": "unit", "division": "440802"}}),
            json!({"type": "Nonsense"}),
        ]);
        let r = read(&bytes).expect("read");
        assert_eq!(r.features.len(), 1);
        let rules: Vec<(usize, Option<&str>, &str)> = r
            .problems
            .iter()
            .map(|p| (p.feature, p.code.as_deref(), p.rule.as_str()))
            .collect();
        assert!(rules.contains(&(1, None, "code.format")), "{rules:?}");
        assert!(
            rules.contains(&(2, Some("P1"), "geometry.type")),
            "{rules:?}"
        );
        assert!(
            rules.contains(&(3, Some("FAR"), "geometry.outside_china")),
            "{rules:?}"
        );
        assert!(
            rules.contains(&(4, Some("PRO"), "specialty.required")),
            "{rules:?}"
        );
        assert!(
            rules.contains(&(4, Some("PRO"), "division.format")),
            "{rules:?}"
        );
        assert!(
            rules.contains(&(5, Some("NOGEOM"), "geometry.required")),
            "{rules:?}"
        );
        assert!(rules.contains(&(6, None, "geojson.feature")), "{rules:?}");
        // Every message names the feature, in both languages.
        for p in &r.problems {
            assert!(
                p.zh.contains(&format!("features[{}]", p.feature)),
                "{}",
                p.zh
            );
            assert!(
                p.en.contains(&format!("features[{}]", p.feature)),
                "{}",
                p.en
            );
        }
    }

    #[test]
    fn geometry_round_trips_through_storage() {
        let bytes = fc(vec![unit("A", square(110.36, 21.27))]);
        let r = read(&bytes).expect("read");
        let stored = geometry_json(&r.features[0].shape).to_string();
        assert!(stored.contains("\"Polygon\""), "{stored}");
        assert_eq!(shape_of(&stored), Some(r.features[0].shape.clone()));
        assert_eq!(shape_of(r#"{"type":"Point","coordinates":[1,2]}"#), None);
    }

    #[test]
    fn codes() {
        assert!(is_code("CK-ZH_01"));
        assert!(!is_code(""));
        assert!(!is_code("网格"));
        assert!(!is_code(&"a".repeat(41)));
    }
}
