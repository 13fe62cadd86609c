//! The division registry: every GB/T 2260 province, prefecture and county, the statistics
//! bureau's towns (乡镇/街道) nationwide and villages (村/居) for Guangdong, embedded in the binary
//! from `data/divisions/` (see its SOURCE.md). Loaded once, on first use.
//!
//! Held compactly (issue 17, a node's memory): the 71,000 divisions once each, in code order
//! (found by binary search), the children and the names as indices into them — no code is
//! stored twice. Kept as maps of strings, the registry took 24 MB of every node's heap.

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
    /// Every division, in code order (one per code: a code listed twice keeps its last row).
    all: Vec<Division>,
    /// The children of each code (indices into `all`, in code order), by the code's number.
    children: HashMap<u64, Vec<u32>>,
    /// The divisions that can be named alone (villages excluded: their names repeat too often
    /// to be typed alone), ordered by name then code: indices into `all`.
    by_name: Vec<u32>,
}

/// A code's digits as a number (codes are 6, 9 or 12 ASCII digits; distinct codes give
/// distinct numbers because a shorter code never equals a longer one with leading zeros: no
/// code starts with 0).
fn number(code: &str) -> u64 {
    code.parse().unwrap_or(u64::MAX)
}

/// An index into `all` (the registry holds far fewer than 2³² divisions).
fn at(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
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
        let mut all: Vec<Division> = Vec::with_capacity(72_000);
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
                    let level = code.level();
                    all.push(Division {
                        statistical_only: level == DivisionLevel::County
                            && code.is_statistical_only(),
                        code,
                        name: name.to_string(),
                        level,
                    });
                }
            }
        }
        // Code order; of a code listed twice the last row stays (the sort is stable).
        all.sort_by(|a, b| a.code.as_str().cmp(b.code.as_str()));
        let mut unique: Vec<Division> = Vec::with_capacity(all.len());
        for d in all {
            match unique.last_mut() {
                Some(last) if last.code == d.code => *last = d,
                _ => unique.push(d),
            }
        }
        unique.shrink_to_fit();
        let mut children: HashMap<u64, Vec<u32>> = HashMap::new();
        for (i, d) in unique.iter().enumerate() {
            if let Some(p) = d.code.parent() {
                children.entry(number(p.as_str())).or_default().push(at(i));
            }
        }
        for v in children.values_mut() {
            v.shrink_to_fit();
        }
        let mut by_name: Vec<u32> = (0..unique.len())
            .filter(|&i| unique[i].level != DivisionLevel::Village && unique[i].name != "市辖区")
            .map(at)
            .collect();
        by_name.sort_by(|&a, &b| {
            let (a, b) = (&unique[a as usize], &unique[b as usize]);
            a.name
                .cmp(&b.name)
                .then_with(|| a.code.as_str().cmp(b.code.as_str()))
        });
        Divisions {
            all: unique,
            children,
            by_name,
        }
    }

    /// The division of a code, by binary search.
    fn find(&self, code: &str) -> Option<&Division> {
        self.all
            .binary_search_by(|d| d.code.as_str().cmp(code))
            .ok()
            .map(|i| &self.all[i])
    }

    /// The divisions called exactly `name` (not villages), in code order.
    fn named(&self, name: &str) -> impl Iterator<Item = &Division> {
        let start = self
            .by_name
            .partition_point(|&i| self.all[i as usize].name.as_str() < name);
        self.by_name[start..]
            .iter()
            .map(|&i| &self.all[i as usize])
            .take_while(move |d| d.name == name)
    }

    pub fn len(&self) -> usize {
        self.all.len()
    }

    pub fn is_empty(&self) -> bool {
        self.all.is_empty()
    }

    pub fn get(&self, code: &str) -> Option<&Division> {
        self.find(code)
    }

    /// Children of a division, in code order.
    pub fn children(&self, code: &str) -> Vec<&Division> {
        if !code.bytes().all(|b| b.is_ascii_digit()) {
            return Vec::new();
        }
        self.children
            .get(&number(code))
            .map(|v| v.iter().filter_map(|&i| self.all.get(i as usize)).collect())
            .unwrap_or_default()
    }

    /// Full name from province down, e.g. `广东省 湛江市 赤坎区`.
    pub fn full_name(&self, code: &DivisionCode) -> String {
        let mut parts = Vec::new();
        let mut cur = Some(code.clone());
        while let Some(c) = cur {
            if let Some(d) = self.find(c.as_str())
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
        match self.find(code.as_str()) {
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

    /// The name people read: from the prefecture down for a county, town or village
    /// (`湛江市霞山区`), with the province for a prefecture (`广东省湛江市`), the province's
    /// own name for a province. An unknown code is shown as it is.
    pub fn display_name(&self, code: &str) -> String {
        let Ok(c) = DivisionCode::parse(code) else {
            return code.to_string();
        };
        if self.get(c.as_str()).is_none() {
            return code.to_string();
        }
        let mut parts: Vec<(DivisionLevel, &str)> = Vec::new();
        let mut cur = Some(c.clone());
        while let Some(x) = cur {
            if let Some(d) = self.find(x.as_str())
                && d.name != "市辖区"
            {
                parts.push((x.level(), d.name.as_str()));
            }
            cur = x.parent();
        }
        // Below a prefecture with a name of its own, the province goes without saying.
        let below = !matches!(
            c.level(),
            DivisionLevel::Province | DivisionLevel::Prefecture
        );
        if below && parts.iter().any(|(l, _)| *l == DivisionLevel::Prefecture) {
            parts.retain(|(l, _)| *l != DivisionLevel::Province);
        }
        let mut parts: Vec<&str> = parts.into_iter().map(|(_, n)| n).collect();
        parts.reverse();
        parts.concat()
    }

    /// A division as people write it: a code (`440803`), a name (`霞山区`) or a name with
    /// any of its enclosing divisions before it (`湛江市霞山区`, `广东省湛江市霞山区`; spaces
    /// ignored). A name that fits more than one division is refused naming the candidates;
    /// one that fits none is refused too.
    pub fn resolve(
        &self,
        input: &str,
        allow_statistical: bool,
    ) -> Result<DivisionCode, FieldError> {
        let text: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if text.is_empty() || text.bytes().all(|b| b.is_ascii_digit()) {
            return self.existing(input.trim(), allow_statistical);
        }
        let mut found: Vec<&Division> = Vec::new();
        for (i, _) in text.char_indices() {
            let tail = &text[i..];
            for d in self.named(tail) {
                if (allow_statistical || !d.statistical_only)
                    && self.written_as(d, &text[..i])
                    && !found.iter().any(|f| f.code == d.code)
                {
                    found.push(d);
                }
            }
        }
        match found.as_slice() {
            [one] => Ok(one.code.clone()),
            [] => Err(FieldError::new(
                "",
                "division.unknown_name",
                format!(
                    "找不到名为“{text}”的行政区划，请从列表中选择，或写上所在的市（如 湛江市霞山区）"
                ),
                format!(
                    "No division is called \"{text}\": pick one from the list, or add its city (e.g. 湛江市霞山区)"
                ),
            )),
            many => {
                let names: Vec<String> = many
                    .iter()
                    .take(6)
                    .map(|d| self.display_name(d.code.as_str()))
                    .collect();
                let more = if many.len() > 6 { "…" } else { "" };
                Err(FieldError::new(
                    "",
                    "division.ambiguous",
                    format!(
                        "“{text}”不止一处：{}{more}，请写上所在的市或县",
                        names.join("、")
                    ),
                    format!(
                        "\"{text}\" fits more than one division: {}{more}; add its city or county",
                        names.join(", ")
                    ),
                ))
            }
        }
    }

    /// Whether `prefix` is made of names of `d`'s enclosing divisions, nearest last
    /// (each may be left out).
    fn written_as(&self, d: &Division, prefix: &str) -> bool {
        let mut rest = prefix;
        let mut cur = d.code.parent();
        while let Some(c) = cur {
            if rest.is_empty() {
                return true;
            }
            if let Some(p) = self.find(c.as_str())
                && let Some(r) = rest.strip_suffix(p.name.as_str())
            {
                rest = r;
            }
            cur = c.parent();
        }
        rest.is_empty()
    }

    /// Divisions whose name contains `q`, at most `limit`, counties and above first.
    pub fn search(&self, q: &str, limit: usize) -> Vec<&Division> {
        let q = q.trim();
        if q.is_empty() {
            return Vec::new();
        }
        let mut v: Vec<&Division> = self
            .all
            .iter()
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
    fn names_resolve_to_codes_and_ambiguous_ones_are_refused() {
        let r = registry();
        for input in [
            "440803",
            "霞山区",
            "湛江市霞山区",
            "广东省湛江市霞山区",
            "广东省 霞山区",
            " 湛江市 霞山区 ",
        ] {
            assert_eq!(
                r.resolve(input, false).map(|c| c.to_string()),
                Ok("440803".to_string()),
                "{input}"
            );
        }
        assert_eq!(r.resolve("湛江市", false).unwrap().as_str(), "440800");
        assert_eq!(r.display_name("440803"), "湛江市霞山区");
        assert_eq!(r.display_name("440800"), "广东省湛江市");
        assert_eq!(r.display_name("440000"), "广东省");
        assert_eq!(r.display_name("110101"), "北京市东城区");
        assert_eq!(r.display_name("449999"), "449999");
        // 城区 is a county of several cities: refused, naming some of them.
        let e = r.resolve("城区", false).unwrap_err();
        assert_eq!(e.rule, "division.ambiguous");
        assert!(e.zh.contains("城区") && e.zh.contains('、'), "{}", e.zh);
        let e = r.resolve("茂名市霞山区", false).unwrap_err();
        assert_eq!(e.rule, "division.unknown_name");
        assert_eq!(
            r.resolve("不存在区", false).unwrap_err().rule,
            "division.unknown_name"
        );
        assert_eq!(
            r.resolve("449999", false).unwrap_err().rule,
            "division.unknown"
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
