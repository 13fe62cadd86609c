//! The division registry: every GB/T 2260 province, prefecture and county, the statistics
//! bureau's towns (乡镇/街道) nationwide and villages (村/居) for Guangdong, embedded in the binary
//! from `data/divisions/` (see its SOURCE.md). Loaded once, on first use.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Serialize;
use yiwang_kernel::FieldError;
use yiwang_kernel::codes::{DivisionCode, DivisionLevel};

const PROVINCES: &str = include_str!("../data/divisions/provinces.csv");
const CITIES: &str = include_str!("../data/divisions/cities.csv");
const AREAS: &str = include_str!("../data/divisions/areas.csv");
const STREETS: &str = include_str!("../data/divisions/streets.csv");
const VILLAGES_44: &str = include_str!("../data/divisions/villages-44-guangdong.csv");

/// One division.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Division {
    pub code: DivisionCode,
    pub name: String,
    pub level: DivisionLevel,
    /// Statistical-only pseudo-county (county digits 71–78): a development zone and the like,
    /// not a GB/T 2260 code.
    pub statistical_only: bool,
}

/// The registry of all divisions.
#[derive(Debug)]
pub struct Divisions {
    by_code: HashMap<String, Division>,
    children: HashMap<String, Vec<String>>,
}

/// The embedded registry.
pub fn registry() -> &'static Divisions {
    static REG: OnceLock<Divisions> = OnceLock::new();
    REG.get_or_init(Divisions::load)
}

/// Splits `code,"name",...` lines; the data files quote names and never contain commas in them.
fn rows(csv: &str) -> impl Iterator<Item = (&str, &str)> {
    csv.lines().skip(1).filter_map(|l| {
        let mut it = l.splitn(3, ',');
        let code = it.next()?.trim();
        let name = it.next()?.trim().trim_matches('"');
        Some((code, name))
    })
}

impl Divisions {
    fn load() -> Divisions {
        let mut reg = Divisions {
            by_code: HashMap::with_capacity(72_000),
            children: HashMap::new(),
        };
        let sources: [(&str, fn(&str) -> String); 5] = [
            (PROVINCES, |c| format!("{c}0000")),
            (CITIES, |c| format!("{c}00")),
            (AREAS, str::to_string),
            (STREETS, str::to_string),
            (VILLAGES_44, str::to_string),
        ];
        for (csv, widen) in sources {
            for (code, name) in rows(csv) {
                if let Ok(code) = DivisionCode::parse(&widen(code)) {
                    reg.insert(code, name);
                }
            }
        }
        for v in reg.children.values_mut() {
            v.sort();
        }
        reg
    }

    fn insert(&mut self, code: DivisionCode, name: &str) {
        let level = code.level();
        let d = Division {
            statistical_only: level == DivisionLevel::County && code.is_statistical_only(),
            code: code.clone(),
            name: name.to_string(),
            level,
        };
        if let Some(p) = code.parent() {
            self.children
                .entry(p.as_str().to_string())
                .or_default()
                .push(code.as_str().to_string());
        }
        self.by_code.insert(code.as_str().to_string(), d);
    }

    pub fn len(&self) -> usize {
        self.by_code.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_code.is_empty()
    }

    pub fn get(&self, code: &str) -> Option<&Division> {
        self.by_code.get(code)
    }

    /// Children of a division, in code order.
    pub fn children(&self, code: &str) -> Vec<&Division> {
        self.children
            .get(code)
            .map(|v| v.iter().filter_map(|c| self.by_code.get(c)).collect())
            .unwrap_or_default()
    }

    /// Full name from province down, e.g. `广东省 湛江市 赤坎区`.
    pub fn full_name(&self, code: &DivisionCode) -> String {
        let mut parts = Vec::new();
        let mut cur = Some(code.clone());
        while let Some(c) = cur {
            if let Some(d) = self.by_code.get(c.as_str())
                && d.name != "市辖区"
            {
                parts.push(d.name.clone());
            }
            cur = c.parent();
        }
        parts.reverse();
        parts.join(" ")
    }

    /// Parses and checks that a division exists. `allow_statistical` admits the statistical-only
    /// pseudo-counties (never for ID numbers or USCCs).
    pub fn existing(
        &self,
        input: &str,
        allow_statistical: bool,
    ) -> Result<DivisionCode, FieldError> {
        let code = DivisionCode::parse(input)?;
        match self.by_code.get(code.as_str()) {
            None => Err(FieldError::new(
                "",
                "division.unknown",
                format!("行政区划代码“{}”不存在", code.as_str()),
                format!("Division code \"{}\" does not exist", code.as_str()),
            )),
            Some(d) if d.statistical_only && !allow_statistical => Err(FieldError::new(
                "",
                "division.statistical_only",
                "该代码是统计用区划（开发区等），不是GB/T 2260行政区划代码",
                "This is a statistical-only code (a development zone), not a GB/T 2260 division",
            )),
            Some(_) => Ok(code),
        }
    }

    /// Divisions whose name contains `q`, at most `limit`, counties and above first.
    pub fn search(&self, q: &str, limit: usize) -> Vec<&Division> {
        let q = q.trim();
        if q.is_empty() {
            return Vec::new();
        }
        let mut v: Vec<&Division> = self
            .by_code
            .values()
            .filter(|d| d.name.contains(q) || d.code.as_str().starts_with(q))
            .collect();
        v.sort_by(|a, b| a.level.cmp(&b.level).then(a.code.cmp(&b.code)));
        v.truncate(limit);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_holds_the_country() {
        let r = registry();
        assert_eq!(r.get("440000").map(|d| d.name.as_str()), Some("广东省"));
        assert_eq!(r.get("440800").map(|d| d.name.as_str()), Some("湛江市"));
        assert_eq!(r.get("440802").map(|d| d.name.as_str()), Some("赤坎区"));
        let zj: Vec<&str> = r
            .children("440800")
            .iter()
            .map(|d| d.code.as_str())
            .collect();
        assert_eq!(
            zj,
            [
                "440802", "440803", "440804", "440811", "440823", "440825", "440881", "440882",
                "440883"
            ]
        );
        // towns nationwide, villages for Guangdong
        assert!(r.get("110101001").is_some());
        assert!(!r.children("440802001").is_empty());
        assert!(r.len() > 70_000);
        assert_eq!(
            r.full_name(&DivisionCode::parse("440802").unwrap()),
            "广东省 湛江市 赤坎区"
        );
        assert_eq!(
            r.full_name(&DivisionCode::parse("110101").unwrap()),
            "北京市 东城区"
        );
    }

    #[test]
    fn pseudo_counties_are_statistical_only() {
        let r = registry();
        assert!(r.get("130171").unwrap().statistical_only);
        assert!(!r.get("440802").unwrap().statistical_only);
        assert_eq!(
            r.existing("130171", false).unwrap_err().rule,
            "division.statistical_only"
        );
        assert!(r.existing("130171", true).is_ok());
        assert_eq!(
            r.existing("449999", false).unwrap_err().rule,
            "division.unknown"
        );
        assert_eq!(
            r.existing("abc", false).unwrap_err().rule,
            "division.format"
        );
    }
}
