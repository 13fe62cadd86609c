//! The SM3 digest that names a stored file.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sm3::{Digest, Sm3};
use yiwang_kernel::{Error, FieldError};

/// An SM3 digest as 64 lower-case hexadecimal digits. A value of this type has been checked, so
/// it can safely become part of a path or an object key (no `/`, no `..`, nothing else).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Sm3Hex(String);

impl Sm3Hex {
    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Sm3Hex {
        Sm3Hex(hex::encode(Sm3::digest(bytes)))
    }

    /// Checks the form (exactly 64 characters `0-9a-f`) before anything uses it.
    pub fn parse(s: &str) -> Result<Sm3Hex, Error> {
        let ok = s.len() == 64 && s.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'));
        if ok {
            Ok(Sm3Hex(s.to_string()))
        } else {
            Err(Error::field(FieldError::new(
                "digest",
                "sm3_hex",
                "文件摘要应为 64 位小写十六进制字符",
                "The file digest must be 64 lower-case hexadecimal digits",
            )))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `bytes` have this digest.
    pub fn matches(&self, bytes: &[u8]) -> bool {
        Sm3Hex::of(bytes) == *self
    }
}

impl fmt::Display for Sm3Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Sm3Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sm3Hex({})", self.0)
    }
}

impl FromStr for Sm3Hex {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Sm3Hex::parse(s)
    }
}

impl TryFrom<String> for Sm3Hex {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Error> {
        Sm3Hex::parse(&s)
    }
}

impl From<Sm3Hex> for String {
    fn from(d: Sm3Hex) -> String {
        d.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vector() {
        // GB/T 32905-2016 appendix A, example 1: SM3("abc").
        assert_eq!(
            Sm3Hex::of(b"abc").as_str(),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }

    #[test]
    fn only_64_lower_hex_digits() {
        let good = Sm3Hex::of(b"x").to_string();
        assert!(Sm3Hex::parse(&good).is_ok());
        for bad in [
            "",
            "../../etc/passwd",
            &good.to_uppercase(),
            &good[..63],
            &format!("{good}0"),
            &format!("{}/", &good[..63]),
            &format!("..{}", &good[2..]),
            &format!("{}\0", &good[..63]),
        ] {
            let e = Sm3Hex::parse(bad).unwrap_err();
            assert_eq!(e.fields[0].rule, "sm3_hex", "{bad:?}");
        }
    }

    #[test]
    fn serde_checks_the_form() {
        let d = Sm3Hex::of(b"x");
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(json, format!("\"{d}\""));
        assert_eq!(serde_json::from_str::<Sm3Hex>(&json).unwrap(), d);
        assert!(serde_json::from_str::<Sm3Hex>("\"../x\"").is_err());
    }
}
