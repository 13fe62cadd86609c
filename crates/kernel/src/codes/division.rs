//! Administrative division codes (行政区划代码), GB/T 2260, and the statistics bureau's 9- and
//! 12-digit town and village codes. docs/standards/divisions.md.
//!
//! This type checks the *shape* of a code and derives its level and parents. Whether a code
//! exists is the business of the division registry in `yiwang-org`.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DivisionLevel {
    /// 省级 `PP0000`
    Province,
    /// 地级 `PPCC00`
    Prefecture,
    /// 县级 `PPCCDD`
    County,
    /// 乡级 (乡镇/街道), 9 digits
    Town,
    /// 村级 (村/居委会), 12 digits
    Village,
}

impl DivisionLevel {
    pub fn zh(self) -> &'static str {
        match self {
            DivisionLevel::Province => "省级",
            DivisionLevel::Prefecture => "市级",
            DivisionLevel::County => "县级",
            DivisionLevel::Town => "乡镇（街道）级",
            DivisionLevel::Village => "村（社区）级",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            DivisionLevel::Province => "province",
            DivisionLevel::Prefecture => "prefecture",
            DivisionLevel::County => "county",
            DivisionLevel::Town => "town",
            DivisionLevel::Village => "village",
        }
    }
}

/// A well-formed division code: 6 digits (GB/T 2260), 9 digits (town) or 12 digits (village).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DivisionCode(String);

impl DivisionCode {
    pub fn parse(input: &str) -> Result<DivisionCode, FieldError> {
        let s = input.trim();
        if !matches!(s.len(), 6 | 9 | 12) || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FieldError::new(
                "",
                "division.format",
                "行政区划代码应为6位（县级及以上）、9位（乡镇）或12位（村居）数字",
                "A division code has 6 digits (county and above), 9 (town) or 12 (village)",
            ));
        }
        if &s[..2] == "00" {
            return Err(FieldError::new(
                "",
                "division.format",
                "行政区划代码的省级代码不能为00",
                "The province part of a division code cannot be 00",
            ));
        }
        Ok(DivisionCode(s.to_string()))
    }

    /// A six-digit code written in the source (`DivisionCode::six::<440800>()`), checked when
    /// the program is compiled: a default needs no run-time failure to handle. Whether the
    /// division exists is still the registry's business.
    pub fn six<const CODE: u32>() -> DivisionCode {
        const {
            assert!(
                CODE >= 110_000 && CODE <= 999_999,
                "a six-digit division code whose province part is not 00"
            )
        };
        DivisionCode(CODE.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn level(&self) -> DivisionLevel {
        let s = &self.0;
        match s.len() {
            12 => DivisionLevel::Village,
            9 => DivisionLevel::Town,
            _ if &s[2..] == "0000" => DivisionLevel::Province,
            _ if &s[4..] == "00" => DivisionLevel::Prefecture,
            _ => DivisionLevel::County,
        }
    }

    /// The enclosing division one level up, if any.
    pub fn parent(&self) -> Option<DivisionCode> {
        let s = &self.0;
        let p = match self.level() {
            DivisionLevel::Province => return None,
            DivisionLevel::Prefecture => format!("{}0000", &s[..2]),
            DivisionLevel::County => format!("{}00", &s[..4]),
            DivisionLevel::Town => s[..6].to_string(),
            DivisionLevel::Village => s[..9].to_string(),
        };
        Some(DivisionCode(p))
    }

    /// Whether `self` is `other` or lies inside it (a county inside its prefecture, …).
    pub fn within(&self, other: &DivisionCode) -> bool {
        let mut cur = Some(self.clone());
        while let Some(c) = cur {
            if &c == other {
                return true;
            }
            cur = c.parent();
        }
        false
    }

    /// The significant prefix: every code inside this division starts with it
    /// (`44` for 440000, `4408` for 440800, `440802` for a county, the whole code below).
    pub fn prefix(&self) -> &str {
        match self.level() {
            DivisionLevel::Province => &self.0[..2],
            DivisionLevel::Prefecture => &self.0[..4],
            _ => &self.0,
        }
    }

    /// The six-digit province code `PP0000`.
    pub fn province(&self) -> DivisionCode {
        DivisionCode(format!("{}0000", &self.0[..2]))
    }

    /// Statistical-only pseudo-county (development zones etc.), county digits 71–78: not a
    /// GB/T 2260 code, never valid as the address code of an ID number (docs/standards/divisions.md §3.3).
    pub fn is_statistical_only(&self) -> bool {
        self.0.len() >= 6
            && self.level() != DivisionLevel::Province
            && self.level() != DivisionLevel::Prefecture
            && matches!(self.0[4..6].parse::<u8>(), Ok(71..=78))
    }
}

impl fmt::Display for DivisionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for DivisionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DivisionCode({})", self.0)
    }
}

impl Serialize for DivisionCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for DivisionCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        DivisionCode::parse(&s).map_err(|e| serde::de::Error::custom(e.en))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> DivisionCode {
        DivisionCode::parse(s).unwrap()
    }

    #[test]
    fn levels_and_parents() {
        assert_eq!(d("440000").level(), DivisionLevel::Province);
        assert_eq!(d("440800").level(), DivisionLevel::Prefecture);
        assert_eq!(d("440802").level(), DivisionLevel::County);
        assert_eq!(d("440802001").level(), DivisionLevel::Town);
        assert_eq!(d("440802001001").level(), DivisionLevel::Village);
        assert_eq!(d("440802001001").parent(), Some(d("440802001")));
        assert_eq!(d("440802").parent(), Some(d("440800")));
        assert_eq!(d("440800").parent(), Some(d("440000")));
        assert_eq!(d("440000").parent(), None);
        assert!(d("440802001").within(&d("440800")));
        assert!(!d("440702").within(&d("440800")));
        assert_eq!(d("440800").prefix(), "4408");
        assert_eq!(d("440000").prefix(), "44");
        assert_eq!(d("440802").prefix(), "440802");
    }

    #[test]
    fn a_literal_code_is_the_parsed_one() {
        assert_eq!(DivisionCode::six::<440800>(), d("440800"));
        assert_eq!(
            DivisionCode::six::<110000>().level(),
            DivisionLevel::Province
        );
    }

    #[test]
    fn pseudo_counties_are_flagged() {
        assert!(d("130171").is_statistical_only());
        assert!(d("130372").is_statistical_only());
        assert!(d("130171001").is_statistical_only());
        assert!(!d("440881").is_statistical_only());
        assert!(!d("440800").is_statistical_only());
    }

    #[test]
    fn bad_shapes() {
        for bad in ["", "4408", "44080a", "4408000", "000000", "4408021234567"] {
            assert!(DivisionCode::parse(bad).is_err(), "{bad}");
        }
    }
}
