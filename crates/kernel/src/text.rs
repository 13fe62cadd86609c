//! Small helpers for validating free text fields.

use crate::error::FieldError;

/// Trims `s`; an empty result is `None`.
pub fn clean(s: &str) -> Option<String> {
    let t = s.trim();
    if t.is_empty() {
        None
    } else {
        Some(t.to_string())
    }
}

/// Number of characters (not bytes): limits in the national standards count characters.
pub fn chars(s: &str) -> usize {
    s.chars().count()
}

/// A required text of at most `max` characters; trimmed. Control characters other than
/// newlines and tabs are refused.
pub fn required(field: &str, s: &str, max: usize) -> Result<String, FieldError> {
    match clean(s) {
        None => Err(FieldError::required(field)),
        Some(v) => check(field, v, max),
    }
}

/// An optional text of at most `max` characters; empty becomes `""`.
pub fn optional(field: &str, s: &str, max: usize) -> Result<String, FieldError> {
    match clean(s) {
        None => Ok(String::new()),
        Some(v) => check(field, v, max),
    }
}

fn check(field: &str, v: String, max: usize) -> Result<String, FieldError> {
    if chars(&v) > max {
        return Err(FieldError::max_chars(field, max));
    }
    if v.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(FieldError::new(
            field,
            "control_chars",
            "含有不可见的控制字符",
            "Contains control characters",
        ));
    }
    Ok(v)
}

/// A mainland phone number as published in guides: a mobile number (11 digits starting with 1),
/// or an area code and number (`0759-3333333`), or a short service number (`12345`).
pub fn is_phone(s: &str) -> bool {
    let s = s.trim();
    let digits: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
    if !s
        .chars()
        .all(|c| c.is_ascii_digit() || c == '-' || c == ' ')
    {
        return false;
    }
    let landline = match s.split_once('-') {
        // area code 3–4 digits, local number 5–8 digits (5 for hotlines such as 0759-12345)
        Some((area, num)) => {
            area.starts_with('0')
                && (3..=4).contains(&area.len())
                && (5..=8).contains(&num.trim().len())
                && !num.contains('-')
        }
        None => false,
    };
    (digits.len() == 11 && digits.starts_with('1') && !s.contains('-'))
        || landline
        || (digits.len() == 5 && digits.starts_with("123") && !s.contains('-'))
}

/// A landline with its area code (`0759-3333333`), as the quality rules require.
pub fn has_area_code(s: &str) -> bool {
    let s = s.trim();
    match s.split_once('-') {
        Some((area, num)) => {
            area.starts_with('0')
                && (3..=4).contains(&area.len())
                && area.bytes().all(|b| b.is_ascii_digit())
                && (7..=8).contains(&num.len())
                && num.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones() {
        assert!(is_phone("0759-3333333"));
        assert!(is_phone("13800138000"));
        assert!(is_phone("12345"));
        assert!(is_phone("0759-12345"));
        assert!(!is_phone("0759-1234-5678"));
        assert!(!is_phone("abc"));
        assert!(has_area_code("0759-3333333"));
        assert!(!has_area_code("3333333"));
        assert!(!has_area_code("12345"));
    }

    #[test]
    fn limits_count_characters() {
        assert!(required("name", "营业执照", 4).is_ok());
        assert_eq!(
            required("name", "营业执照办理", 4).unwrap_err().rule,
            "max_chars"
        );
        assert_eq!(required("name", "  ", 4).unwrap_err().rule, "required");
        assert_eq!(
            optional("x", "a\u{0007}b", 10).unwrap_err().rule,
            "control_chars"
        );
    }
}
