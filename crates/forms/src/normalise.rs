//! The scalar readers value validation normalises with: decimal numerals, `YYYY-MM-DD` dates
//! and phone numbers (the phone rule of the crate documentation). Each answers the value in its
//! normal form, or `None` when the text is not one.

use time::{Date, Month};

/// Decimal places of a plain decimal numeral (`"3.10"` → 2).
pub(crate) fn decimals(s: &str) -> usize {
    s.split_once('.').map(|(_, f)| f.len()).unwrap_or(0)
}

/// `-?[0-9]+(\.[0-9]+)?`, at most 40 characters: the value and its decimal places.
pub(crate) fn parse_decimal(s: &str) -> Option<(f64, usize)> {
    if s.len() > 40 {
        return None;
    }
    let body = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || frac.is_some_and(|f| !digits(f)) {
        return None;
    }
    let x: f64 = s.parse().ok()?;
    x.is_finite().then_some((x, frac.map_or(0, str::len)))
}

/// `YYYY-MM-DD`, a real date.
pub(crate) fn parse_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let y = i32::try_from(num(0..4)?).ok()?;
    let m = Month::try_from(u8::try_from(num(5..7)?).ok()?).ok()?;
    let d = u8::try_from(num(8..10)?).ok()?;
    Date::from_calendar_date(y, m, d).ok()
}

pub(crate) fn format_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// The phone rule of the module documentation; the normalised number.
pub(crate) fn phone(s: &str) -> Option<String> {
    let compact: String = s.chars().filter(|c| *c != ' ').collect();
    let p = compact.strip_prefix("+86").unwrap_or(&compact);
    let p = p.strip_prefix('-').unwrap_or(p);
    let digits = |x: &str| x.bytes().all(|b| b.is_ascii_digit());
    let b = p.as_bytes();
    let mobile = b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) && digits(p);
    let landline = match p.split_once('-') {
        Some((area, local)) => {
            area.starts_with('0')
                && (3..=4).contains(&area.len())
                && digits(area)
                && (7..=8).contains(&local.len())
                && digits(local)
        }
        None => false,
    };
    (mobile || landline).then(|| p.to_string())
}
