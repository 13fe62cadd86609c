//! 证照标识 (GB/T 36904, docs/standards/licences.md §7.2):
//! `1.2.156.3005.2.<type code>.<issuer code>.<serial>.<version>.<check>`.
//!
//! * type code: the defining body's USCC + 3 characters (21 characters);
//! * issuer code: the issuing body's USCC (18; one 6-digit code is seen in the wild — tolerated);
//! * serial: `[0-9A-Z]+`, issuer-assigned;
//! * version: 3 digits, `001` first;
//! * check: ISO 7064 hybrid MOD 37,36 over `type + issuer + serial + version` without dots.
//!
//! Yiwang generates with the standard algorithm. A foreign identifier whose check character
//! does not match is accepted with a warning (one vendor's routine differs, docs/standards/licences.md §7.2).

use std::fmt;

use yiwang_kernel::FieldError;

/// The fixed root (电子证照根代码).
pub const ROOT: &str = "1.2.156.3005.2";

const ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

fn value(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// The ISO 7064 MOD 37,36 check character of `s` (`[0-9A-Z]`), or `None` for another character.
pub fn check_char(s: &str) -> Option<char> {
    const M: u32 = 36;
    let mut p = M;
    for b in s.bytes() {
        let v = value(b)?;
        p = (p + v) % M;
        if p == 0 {
            p = M;
        }
        p = (2 * p) % (M + 1);
    }
    let x = (M + 1 - p) % M;
    ALPHABET.get(x as usize).map(|&c| c as char)
}

/// A licence identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identifier {
    pub type_code: String,
    pub issuer: String,
    pub serial: String,
    pub version: u16,
    pub check: char,
}

/// A parsed foreign identifier and whether its check character matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub identifier: Identifier,
    /// `false`: the check character differs from the standard one (accepted with a warning).
    pub check_ok: bool,
}

fn bad(zh: &str, en: &str) -> FieldError {
    FieldError::new("identifier", "licence.identifier", zh, en)
}

fn alnum_upper(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
}

impl Identifier {
    /// A new identifier with the standard check character.
    pub fn new(
        type_code: &str,
        issuer: &str,
        serial: &str,
        version: u16,
    ) -> Result<Self, FieldError> {
        if type_code.len() != 21 || !alnum_upper(type_code) {
            return Err(bad(
                "证照类型代码应为 21 位（定义机构统一社会信用代码 + 3 位）",
                "The licence type code must be 21 characters (the defining body's USCC + 3)",
            ));
        }
        if !(issuer.len() == 18 || issuer.len() == 6) || !alnum_upper(issuer) {
            return Err(bad(
                "证照颁发机构代码应为 18 位统一社会信用代码",
                "The issuer code must be an 18-character USCC",
            ));
        }
        if !alnum_upper(serial) || serial.len() > 40 {
            return Err(bad(
                "流水号只能包含数字和大写字母，最长 40 位",
                "The serial may hold only digits and upper-case letters, at most 40",
            ));
        }
        if !(1..=999).contains(&version) {
            return Err(bad("版本号应为 001–999", "The version must be 001–999"));
        }
        let body = format!("{type_code}{issuer}{serial}{version:03}");
        let check = check_char(&body).ok_or_else(|| bad("含非法字符", "Invalid character"))?;
        Ok(Identifier {
            type_code: type_code.to_string(),
            issuer: issuer.to_string(),
            serial: serial.to_string(),
            version,
            check,
        })
    }

    /// Parses an identifier (ours or a foreign one).
    pub fn parse(s: &str) -> Result<Parsed, FieldError> {
        let rest = s
            .trim()
            .strip_prefix(ROOT)
            .and_then(|r| r.strip_prefix('.'));
        let Some(rest) = rest else {
            return Err(bad(
                "证照标识应以 1.2.156.3005.2. 开头",
                "A licence identifier starts with 1.2.156.3005.2.",
            ));
        };
        let parts: Vec<&str> = rest.split('.').collect();
        let [t, i, serial, v, c] = parts.as_slice() else {
            return Err(bad(
                "证照标识应由类型代码、颁发机构代码、流水号、版本号和校验位五段组成",
                "An identifier has five parts: type, issuer, serial, version and check character",
            ));
        };
        let version: u16 = if v.len() == 3 {
            v.parse()
                .map_err(|_| bad("版本号应为 3 位数字", "The version must be 3 digits"))?
        } else {
            return Err(bad("版本号应为 3 位数字", "The version must be 3 digits"));
        };
        let mut id = Identifier::new(t, i, serial, version)?;
        let given = match c.as_bytes() {
            [b] if value(*b).is_some() => *b as char,
            _ => {
                return Err(bad(
                    "校验位应为一个数字或大写字母",
                    "The check character must be one digit or letter",
                ));
            }
        };
        let check_ok = given == id.check;
        id.check = given;
        Ok(Parsed {
            identifier: id,
            check_ok,
        })
    }
}

impl fmt::Display for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{ROOT}.{}.{}.{}.{:03}.{}",
            self.type_code, self.issuer, self.serial, self.version, self.check
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn verified_production_identifiers() {
        for s in [
            "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U",
            "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0",
            "1.2.156.3005.2.11100000MB03271699022.340100.000000016.001.9",
        ] {
            let p = Identifier::parse(s).unwrap();
            assert!(p.check_ok, "{s}");
            assert_eq!(p.identifier.to_string(), s);
        }
    }

    #[test]
    fn a_vendor_identifier_is_accepted_with_a_warning() {
        let s = "1.2.156.3005.2.11100000000013661B006.113700000045046442.209FA4E88F9E4C878F3E9BED2CE7EA49.001.M";
        let p = Identifier::parse(s).unwrap();
        assert!(!p.check_ok);
        let fixed = Identifier::new(
            &p.identifier.type_code,
            &p.identifier.issuer,
            &p.identifier.serial,
            1,
        )
        .unwrap();
        assert_eq!(fixed.check, 'D');
    }

    #[test]
    fn malformed_identifiers_are_refused() {
        for s in [
            "",
            "1.2.156.3005.1.x",
            "1.2.156.3005.2.A.B.C.001.0",
            "1.2.156.3005.2.11100000000013338W011.11430000006122244L.2023.01.U",
            "1.2.156.3005.2.11100000000013338W011.11430000006122244L.2023.001.UU",
            "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20a3.001.U",
        ] {
            assert!(Identifier::parse(s).is_err(), "{s}");
        }
    }

    proptest! {
        #[test]
        fn generated_identifiers_parse_back_with_a_good_check(serial in "[0-9A-Z]{1,32}", version in 1u16..=999) {
            let id = Identifier::new("11100000000013127D001", "11440800MB2C12345X", &serial, version);
            // The issuer above is a shape, not a real USCC: the identifier only needs 18 chars.
            let id = id.unwrap();
            let p = Identifier::parse(&id.to_string()).unwrap();
            prop_assert!(p.check_ok);
            prop_assert_eq!(p.identifier, id);
        }

        #[test]
        fn one_changed_character_is_caught(serial in "[0-9A-Z]{4,20}", pos in 0usize..4, delta in 1u8..36) {
            let id = Identifier::new("11100000000013127D001", "11440800MB2C12345X", &serial, 1).unwrap();
            let mut s: Vec<u8> = serial.into_bytes();
            let i = pos % s.len();
            let v = ALPHABET.iter().position(|&a| a == s[i]).unwrap();
            s[i] = ALPHABET[(v + delta as usize) % 36];
            let changed = String::from_utf8(s).unwrap();
            let text = format!("{ROOT}.{}.{}.{}.001.{}", id.type_code, id.issuer, changed, id.check);
            let p = Identifier::parse(&text).unwrap();
            prop_assert!(!p.check_ok);
        }
    }
}
