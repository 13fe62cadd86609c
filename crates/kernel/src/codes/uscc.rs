//! Unified social credit code (统一社会信用代码), GB 32100-2015. docs/standards/uscc.md.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::FieldError;

/// The 31 symbols of GB 32100 (no I, O, S, V, Z); a symbol's value is its index.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// One registration authority: its code, Chinese and English names, and its organisation types.
pub type Authority = (
    char,
    &'static str,
    &'static str,
    &'static [(char, &'static str)],
);

/// Registration authority (登记管理部门, position 1) and its organisation types (position 2),
/// docs/standards/uscc.md §2.3. Kept as data: new authorities are added by amendment (A and N were).
pub const AUTHORITIES: &[Authority] = &[
    (
        '1',
        "机构编制",
        "establishment",
        &[
            ('1', "机关"),
            ('2', "事业单位"),
            ('3', "中央编办直接管理机构编制的群众团体"),
            ('9', "其他"),
        ],
    ),
    (
        '2',
        "外交",
        "foreign affairs",
        &[('1', "外国常驻新闻机构"), ('9', "其他")],
    ),
    (
        '3',
        "司法行政",
        "justice",
        &[
            ('1', "律师执业机构"),
            ('2', "公证处"),
            ('3', "基层法律服务所"),
            ('4', "司法鉴定机构"),
            ('5', "仲裁委员会"),
            ('9', "其他"),
        ],
    ),
    (
        '4',
        "文化",
        "culture",
        &[('1', "外国在华文化中心"), ('9', "其他")],
    ),
    (
        '5',
        "民政",
        "civil affairs",
        &[
            ('1', "社会团体"),
            ('2', "民办非企业单位"),
            ('3', "基金会"),
            ('9', "其他"),
        ],
    ),
    (
        '6',
        "旅游",
        "tourism",
        &[
            ('1', "外国旅游部门常驻代表机构"),
            ('2', "港澳台地区旅游部门常驻内地（大陆）代表机构"),
            ('9', "其他"),
        ],
    ),
    (
        '7',
        "宗教",
        "religion",
        &[('1', "宗教活动场所"), ('2', "宗教院校"), ('9', "其他")],
    ),
    (
        '8',
        "工会",
        "trade unions",
        &[('1', "基层工会"), ('9', "其他")],
    ),
    (
        '9',
        "工商（市场监管）",
        "market regulation",
        &[('1', "企业"), ('2', "个体工商户"), ('3', "农民专业合作社")],
    ),
    (
        'A',
        "中央军委改革和编制办公室",
        "military establishment",
        &[('1', "军队事业单位"), ('9', "其他")],
    ),
    (
        'N',
        "农业",
        "agriculture",
        &[
            ('1', "组级集体经济组织"),
            ('2', "村级集体经济组织"),
            ('3', "乡镇级集体经济组织"),
            ('9', "其他"),
        ],
    ),
    ('Y', "其他", "other", &[('1', "其他")]),
];

fn value(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// Computes the USCC check character for the first 17 characters, if they are all in the
/// GB 32100 alphabet.
pub fn check_char(body: &str) -> Option<char> {
    if body.len() != 17 {
        return None;
    }
    let mut s = 0u32;
    for (c, w) in body.bytes().zip(WEIGHTS) {
        s += value(c)? * w;
    }
    let v = (31 - s % 31) % 31;
    Some(char::from(ALPHABET[v as usize]))
}

/// GB 11714 organisation-code check over positions 9–17 (a data-quality warning, not an error:
/// docs/standards/uscc.md §2.4). Returns `true` when it holds.
pub fn org_code_ok(uscc: &str) -> bool {
    const W: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    let Some(org) = uscc.get(8..17) else {
        return false;
    };
    let b = org.as_bytes();
    let mut s = 0u32;
    for (c, w) in b[..8].iter().zip(W) {
        let v = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'A'..=b'Z' => u32::from(c - b'A') + 10,
            _ => return false,
        };
        s += v * w;
    }
    let c9 = 11 - s % 11;
    let expect = match c9 {
        10 => b'X',
        11 => b'0',
        n => b'0' + n as u8,
    };
    b[8] == expect
}

/// A valid unified social credit code.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uscc(String);

impl Uscc {
    /// Validates structure (positions 1–2 against the code table, 3–8 digits), the alphabet and
    /// the check character. Upper-cases and trims the input.
    pub fn parse(input: &str) -> Result<Uscc, FieldError> {
        let s = input.trim().to_ascii_uppercase();
        if s.chars().count() != 18 {
            return Err(err(
                "uscc.length",
                "统一社会信用代码应为18位",
                "A unified social credit code has 18 characters",
            ));
        }
        if !s.bytes().all(|c| value(c).is_some()) {
            return Err(err(
                "uscc.charset",
                "统一社会信用代码含有不允许的字符（不使用 I、O、S、V、Z）",
                "The code holds characters outside the GB 32100 alphabet (I, O, S, V, Z are not used)",
            ));
        }
        let b = s.as_bytes();
        let (p1, p2) = (char::from(b[0]), char::from(b[1]));
        let Some((_, _, _, types)) = AUTHORITIES.iter().find(|a| a.0 == p1) else {
            return Err(err(
                "uscc.authority",
                "第1位登记管理部门代码无效",
                "Position 1 is not a known registration authority",
            ));
        };
        if !types.iter().any(|t| t.0 == p2) {
            return Err(err(
                "uscc.org_type",
                "第2位机构类别代码与登记管理部门不匹配",
                "Position 2 is not an organisation type of that registration authority",
            ));
        }
        if !b[2..8].iter().all(u8::is_ascii_digit) {
            return Err(err(
                "uscc.division",
                "第3-8位应为登记管理机关行政区划码（6位数字）",
                "Positions 3-8 must be the six-digit division code of the registering authority",
            ));
        }
        if check_char(&s[..17]) != Some(char::from(b[17])) {
            return Err(err(
                "uscc.check_digit",
                "统一社会信用代码校验码不正确",
                "The check character of the unified social credit code is wrong",
            ));
        }
        Ok(Uscc(s))
    }

    /// Builds a valid code from positions 1–17 (used to mint demo and test codes).
    pub fn from_body(body17: &str) -> Result<Uscc, FieldError> {
        let c = check_char(&body17.to_ascii_uppercase()).ok_or_else(|| {
            err(
                "uscc.charset",
                "统一社会信用代码含有不允许的字符",
                "The code holds characters outside the GB 32100 alphabet",
            )
        })?;
        Uscc::parse(&format!("{body17}{c}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Division code of the registering authority (positions 3–8).
    pub fn division(&self) -> &str {
        &self.0[2..8]
    }

    /// Whether the embedded GB 11714 organisation code also verifies (a quality warning).
    pub fn org_code_verifies(&self) -> bool {
        org_code_ok(&self.0)
    }

    /// Chinese name of the registration authority and organisation type.
    pub fn kind(&self) -> (&'static str, &'static str) {
        let b = self.0.as_bytes();
        AUTHORITIES
            .iter()
            .find(|a| a.0 == char::from(b[0]))
            .map(|a| {
                let t = a.3.iter().find(|t| t.0 == char::from(b[1])).map(|t| t.1);
                (a.1, t.unwrap_or(""))
            })
            .unwrap_or(("", ""))
    }
}

fn err(rule: &str, zh: &str, en: &str) -> FieldError {
    FieldError::new("", rule, zh, en)
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Uscc({})", self.0)
    }
}

impl Serialize for Uscc {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Uscc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Uscc::parse(&s).map_err(|e| serde::de::Error::custom(e.en))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn standards_vectors() {
        // docs/standards/uscc.md §2.5: all pass both the USCC and the GB 11714 check.
        for ok in [
            "91110000600037341L",
            "91350100M000100Y43",
            "9111000071093123XX",
            "11100000000013127D",
            "12100000400000624D",
            "31110000400834282L",
            "914403001922038216",
            "91440300708461136T",
            "91110108551385082Q",
        ] {
            let u = Uscc::parse(ok).unwrap();
            assert!(u.org_code_verifies(), "{ok}");
        }
        assert_eq!(
            Uscc::parse("A1110000600037341L").unwrap_err().rule,
            "uscc.check_digit"
        );
        assert_eq!(
            Uscc::parse("91310000MA1FL0F17U").unwrap_err().rule,
            "uscc.check_digit"
        );
        assert!(Uscc::parse("91310000MA1FL0F17J").is_ok());
    }

    #[test]
    fn a_n_y_authorities_are_accepted() {
        for body in [
            "A1110000600037341",
            "N2440802MA5ABCDE1",
            "Y1440800MA5ABCDE1",
        ] {
            let u = Uscc::from_body(body).unwrap();
            assert_eq!(&u.as_str()[..17], body);
        }
    }

    #[test]
    fn structural_errors_name_their_rule() {
        assert_eq!(Uscc::parse("9111").unwrap_err().rule, "uscc.length");
        assert_eq!(
            Uscc::parse("91110000600037341O").unwrap_err().rule,
            "uscc.charset"
        );
        assert_eq!(
            Uscc::parse("B1110000600037341L").unwrap_err().rule,
            "uscc.authority"
        );
        assert_eq!(
            Uscc::parse("94110000600037341L").unwrap_err().rule,
            "uscc.org_type"
        );
        assert_eq!(
            Uscc::parse("9111A000600037341L").unwrap_err().rule,
            "uscc.division"
        );
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC{0,24}") {
            let _ = Uscc::parse(&s);
        }

        #[test]
        fn single_substitutions_are_detected(
            org in "[0-9A-HJ-NPQRTUWXY]{9}", pos in 8usize..17, sym in 0usize..31,
        ) {
            let u = Uscc::from_body(&format!("11440800{org}")).unwrap();
            let mut b = u.as_str().as_bytes().to_vec();
            prop_assume!(b[pos] != ALPHABET[sym]);
            b[pos] = ALPHABET[sym];
            let changed = String::from_utf8(b).unwrap();
            prop_assert_eq!(Uscc::parse(&changed).unwrap_err().rule, "uscc.check_digit");
        }
    }
}
