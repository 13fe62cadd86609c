//! Citizen identity number (公民身份号码), GB 11643-1999. docs/standards/id-number.md.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::{Date, Month};

use super::iso7064::mod11_2_check;
use crate::error::FieldError;

/// Province-level prefixes accepted in an ID number: GB/T 2260 provinces plus 81/82/83 used by
/// residence permits of Hong Kong, Macao and Taiwan residents (docs/standards/id-number.md §1.3).
const PROVINCES: [&str; 35] = [
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
    "81", "82", "83",
];

/// Earliest birth year accepted. The standard's own annex uses 1880 (docs/standards/id-number.md §1.3 suggests
/// not rejecting old years; we stop at 1800).
const MIN_BIRTH_YEAR: i32 = 1800;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Gender {
    Male,
    Female,
}

/// A valid 18-character citizen ID number. 15-digit legacy numbers are upgraded on parse.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdNumber(String);

impl IdNumber {
    /// Validates `input` as of `today` (the date in China): format, check digit, a real birth
    /// date not in the future, a known province prefix. A 15-digit legacy number (GB 11643-1989)
    /// is upgraded to 18 digits.
    pub fn parse(input: &str, today: Date) -> Result<IdNumber, FieldError> {
        let s = input.trim().to_ascii_uppercase();
        let s = match s.len() {
            15 if s.bytes().all(|b| b.is_ascii_digit()) => upgrade_15(&s),
            18 => s,
            _ => {
                return Err(err(
                    "id_number.format",
                    "身份号码应为18位（或15位旧号码）",
                    "An ID number has 18 characters (or 15 digits for a legacy number)",
                ));
            }
        };
        let b = s.as_bytes();
        if !b[..17].iter().all(u8::is_ascii_digit) || !(b[17].is_ascii_digit() || b[17] == b'X') {
            return Err(err(
                "id_number.format",
                "身份号码前17位应为数字，末位为数字或X",
                "The first 17 characters must be digits and the last a digit or X",
            ));
        }
        let mut body = [0u8; 17];
        body.copy_from_slice(&b[..17]);
        if mod11_2_check(&body) != b[17] {
            return Err(err(
                "id_number.check_digit",
                "身份号码校验码不正确",
                "The check digit of the ID number is wrong",
            ));
        }
        if !PROVINCES.contains(&&s[..2]) {
            return Err(err(
                "id_number.address_code",
                "身份号码的地址码不是有效的省级代码",
                "The address code does not start with a valid province code",
            ));
        }
        let birth = birth_date(&s).ok_or_else(|| {
            err(
                "id_number.birth_date",
                "身份号码中的出生日期不是有效日期",
                "The birth date in the ID number is not a real date",
            )
        })?;
        if birth > today {
            return Err(err(
                "id_number.birth_date_future",
                "身份号码中的出生日期晚于今天",
                "The birth date in the ID number is in the future",
            ));
        }
        if birth.year() < MIN_BIRTH_YEAR {
            return Err(err(
                "id_number.birth_date",
                "身份号码中的出生年份过早",
                "The birth year in the ID number is too early",
            ));
        }
        Ok(IdNumber(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The six-digit address code (地址码) at the time of assignment.
    pub fn address_code(&self) -> &str {
        &self.0[..6]
    }

    pub fn birth_date(&self) -> Date {
        // Validated at construction; the fallback is unreachable.
        birth_date(&self.0).unwrap_or(Date::MIN)
    }

    /// Odd sequence number = male, even = female.
    pub fn gender(&self) -> Gender {
        let seq = self.0.as_bytes()[16];
        if (seq - b'0') % 2 == 1 {
            Gender::Male
        } else {
            Gender::Female
        }
    }

    /// The masked form shown in views: first six and last four, e.g. `440802********1234`.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[..6], &self.0[14..])
    }
}

fn err(rule: &str, zh: &str, en: &str) -> FieldError {
    FieldError::new("", rule, zh, en)
}

fn birth_date(s: &str) -> Option<Date> {
    let y: i32 = s.get(6..10)?.parse().ok()?;
    let m: u8 = s.get(10..12)?.parse().ok()?;
    let d: u8 = s.get(12..14)?.parse().ok()?;
    Date::from_calendar_date(y, Month::try_from(m).ok()?, d).ok()
}

/// GB 11643-1989 → 1999: insert the century `19` after the address code and append the check.
fn upgrade_15(s: &str) -> String {
    let mut body = String::with_capacity(18);
    body.push_str(&s[..6]);
    body.push_str("19");
    body.push_str(&s[6..]);
    let mut arr = [0u8; 17];
    arr.copy_from_slice(body.as_bytes());
    body.push(char::from(mod11_2_check(&arr)));
    body
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Debug never prints the full number (personal data must not reach logs).
impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

impl Serialize for IdNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for IdNumber {
    /// Deserialisation trusts stored values only for shape; the future-date check uses the far
    /// future so that stored numbers stay readable.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        IdNumber::parse(&s, Date::MAX).map_err(|e| serde::de::Error::custom(e.en))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 22);

    fn rule(s: &str) -> String {
        IdNumber::parse(s, TODAY)
            .err()
            .map(|e| e.rule)
            .unwrap_or_default()
    }

    #[test]
    fn standards_vectors() {
        // docs/standards/id-number.md §1.4
        let a = IdNumber::parse("11010519491231002X", TODAY).unwrap();
        assert_eq!(a.gender(), Gender::Female);
        assert_eq!(a.birth_date(), date!(1949 - 12 - 31));
        let b = IdNumber::parse("440524188001010014", TODAY).unwrap();
        assert_eq!(b.gender(), Gender::Male);
        assert_eq!(b.birth_date(), date!(1880 - 01 - 01));
        for ok in [
            "360426199101010071",
            "110101199003074477",
            "440300199003071234",
            "130503196704010016",
            "810000198001010014",
        ] {
            assert!(IdNumber::parse(ok, TODAY).is_ok(), "{ok}");
        }
        assert_eq!(rule("110105194912310021"), "id_number.check_digit");
        assert_eq!(rule("110105194902300020"), "id_number.birth_date");
        assert_eq!(rule("110105209912310029"), "id_number.birth_date_future");
    }

    #[test]
    fn legacy_15_digits_are_upgraded() {
        let n = IdNumber::parse("130503670401001", TODAY).unwrap();
        assert_eq!(n.as_str(), "130503196704010016");
    }

    #[test]
    fn lower_case_x_and_spaces_are_normalised() {
        let n = IdNumber::parse(" 11010519491231002x ", TODAY).unwrap();
        assert_eq!(n.as_str(), "11010519491231002X");
    }

    #[test]
    fn format_errors() {
        assert_eq!(rule(""), "id_number.format");
        assert_eq!(rule("1101051949123100"), "id_number.format");
        assert_eq!(rule("1101051949123100XX"), "id_number.format");
        assert_eq!(
            rule("１１０１０５１９４９１２３１００２X"),
            "id_number.format"
        );
        // 99 is not a province, even with a correct check digit
        assert_eq!(
            rule(&with_check("99010519491231002")),
            "id_number.address_code"
        );
    }

    #[test]
    fn masking_hides_the_middle() {
        let n = IdNumber::parse("440300199003071234", TODAY).unwrap();
        assert_eq!(n.masked(), "440300********1234");
        assert!(!format!("{n:?}").contains("19900307"));
    }

    fn with_check(body: &str) -> String {
        let mut arr = [0u8; 17];
        arr.copy_from_slice(body.as_bytes());
        format!("{body}{}", char::from(mod11_2_check(&arr)))
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC{0,24}") {
            let _ = IdNumber::parse(&s, TODAY);
        }

        #[test]
        fn valid_bodies_round_trip(
            prov in prop::sample::select(&PROVINCES[..]),
            rest in "[0-9]{4}",
            y in 1900i32..2026, m in 1u8..=12, d in 1u8..=28, seq in 0u32..1000,
        ) {
            let body = format!("{prov}{rest}{y:04}{m:02}{d:02}{seq:03}");
            let full = with_check(&body);
            let n = IdNumber::parse(&full, TODAY).unwrap();
            prop_assert_eq!(n.as_str(), full.as_str());
            prop_assert_eq!(n.gender() == Gender::Male, seq % 2 == 1);
        }

        #[test]
        fn any_single_digit_change_is_caught(
            y in 1950i32..2000, m in 1u8..=12, d in 1u8..=28, seq in 0u32..1000,
            pos in 0usize..17, delta in 1u8..10,
        ) {
            let body = format!("440802{y:04}{m:02}{d:02}{seq:03}");
            let full = with_check(&body);
            let mut bytes = full.into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(bytes).unwrap();
            // A single substitution is always detected by MOD 11-2 (or breaks the date/prefix).
            prop_assert!(IdNumber::parse(&changed, TODAY).is_err());
        }
    }
}
