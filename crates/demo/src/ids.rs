//! Deterministic identifiers for the demo city: unified social credit codes (GB 32100) whose
//! embedded organisation code also passes GB 11714, and phone numbers.
//!
//! Nothing here is random: every value is derived from the department's name with FNV-1a, so
//! the same name always gets the same code on every machine and every run.

use std::collections::HashSet;

use yiwang_kernel::Error;
use yiwang_kernel::codes::Uscc;
use yiwang_kernel::codes::uscc::org_code_ok;

/// The symbols allowed in a USCC (GB 32100: no I, O, S, V, Z).
const USCC_SYMBOLS: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// FNV-1a, 64 bits: a stable hash (std's hasher is randomly seeded per process).
pub fn fnv1a(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The GB 11714 check character of an 8-character organisation-code body.
pub fn gb11714_check(body8: &str) -> Option<char> {
    const W: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    if body8.len() != 8 {
        return None;
    }
    let mut s = 0u32;
    for (c, w) in body8.bytes().zip(W) {
        let v = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'A'..=b'Z' => u32::from(c - b'A') + 10,
            _ => return None,
        };
        s += v * w;
    }
    Some(match 11 - s % 11 {
        10 => 'X',
        11 => '0',
        n => char::from(b'0' + n as u8),
    })
}

/// What a body is, for positions 1–2 of its code (docs/standards/uscc.md §2.3: registration authority 1
/// 机构编制, type 1 机关, 2 事业单位, 3 群众团体).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgType {
    /// 机关 (government bodies).
    Organ,
    /// 事业单位 (public institutions: registration centres, funds, archives).
    Institution,
    /// 群众团体 directly managed by the establishment office (e.g. the disabled persons' federation).
    MassOrganisation,
}

impl OrgType {
    fn prefix(self) -> &'static str {
        match self {
            OrgType::Organ => "11",
            OrgType::Institution => "12",
            OrgType::MassOrganisation => "13",
        }
    }

    /// First characters of the organisation code, in the style of codes issued since 2015.
    fn org_prefix(self) -> &'static str {
        match self {
            OrgType::Organ => "MB2C",
            OrgType::Institution => "MB2D",
            OrgType::MassOrganisation => "MB2E",
        }
    }
}

/// Mints unique, valid codes for the demo departments.
#[derive(Debug, Default)]
pub struct CodeMint {
    used: HashSet<String>,
}

impl CodeMint {
    pub fn new() -> Self {
        CodeMint::default()
    }

    /// A USCC for `name`, registered in `division` (six digits): positions 9–17 are a GB 11714
    /// organisation code. A clash with an earlier code (rare) moves on deterministically.
    pub fn uscc(&mut self, kind: OrgType, division: &str, name: &str) -> Result<Uscc, Error> {
        for attempt in 0u32..64 {
            let mut h = fnv1a(&format!("{name}#{attempt}"));
            let mut tail = String::with_capacity(4);
            for _ in 0..4 {
                tail.push(char::from(USCC_SYMBOLS[(h % 31) as usize]));
                h /= 31;
            }
            let body8 = format!("{}{tail}", kind.org_prefix());
            let check = gb11714_check(&body8)
                .ok_or_else(|| Error::internal(format!("demo: bad organisation code {body8}")))?;
            let body17 = format!("{}{division}{body8}{check}", kind.prefix());
            let u = Uscc::from_body(&body17)
                .map_err(|e| Error::internal(format!("demo: code for {name}: {}", e.en)))?;
            if !org_code_ok(u.as_str()) {
                continue;
            }
            if self.used.insert(u.as_str().to_string()) {
                return Ok(u);
            }
        }
        Err(Error::internal(format!("demo: no free code for {name}")))
    }
}

/// A seven-digit Zhanjiang landline (`0759-` + `lead` + six digits) derived from `key`.
pub fn phone(lead: char, key: &str) -> String {
    let n = fnv1a(key) % 1_000_000;
    format!("0759-{lead}{n:06}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gb11714_matches_the_kernel() {
        // 11100000000013127D: the 公安部 code of docs/standards/uscc.md §2.5.
        assert_eq!(gb11714_check("00001312"), Some('7'));
        let mut m = CodeMint::new();
        let u = m
            .uscc(OrgType::Organ, "440800", "湛江市市场监督管理局")
            .unwrap();
        assert!(u.org_code_verifies());
        assert!(u.as_str().starts_with("11440800MB2C"));
        let again = CodeMint::new()
            .uscc(OrgType::Organ, "440800", "湛江市市场监督管理局")
            .unwrap();
        assert_eq!(u, again, "deterministic");
        let dup = m
            .uscc(OrgType::Organ, "440800", "湛江市市场监督管理局")
            .unwrap();
        assert_ne!(u, dup, "a second request never repeats a code");
    }

    #[test]
    fn phones_have_the_area_code() {
        let p = phone('3', "x");
        assert!(yiwang_kernel::text::has_area_code(&p), "{p}");
        assert_eq!(p.len(), "0759-3123456".len());
    }
}
