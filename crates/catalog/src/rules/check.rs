//! The collector every rule writes into: one [`FieldError`] per failure, named by its field,
//! and the checks the rules share (lengths, code values, ranges, addresses, phones).

use std::collections::HashSet;

use yiwang_kernel::{FieldError, text};

use crate::codes::CodeTable;

/// Failures found so far.
pub(super) struct Check {
    pub(super) errors: Vec<FieldError>,
}

impl Check {
    pub(super) fn new() -> Self {
        Check { errors: Vec::new() }
    }

    pub(super) fn push(
        &mut self,
        field: &str,
        rule: &str,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) {
        self.errors.push(FieldError::new(field, rule, zh, en));
    }

    pub(super) fn len(&mut self, field: &str, v: &str, max: usize) {
        if text::chars(v) > max {
            self.errors.push(FieldError::max_chars(field, max));
        }
        if v.chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            self.push(
                field,
                "control_chars",
                "含有不可见的控制字符",
                "Contains control characters",
            );
        }
    }

    pub(super) fn code(&mut self, field: &str, table: &CodeTable, v: &str) {
        if !v.is_empty()
            && table.get(v).is_none()
            && let Err(e) = table.field(field, v)
        {
            self.errors.push(e);
        }
    }

    pub(super) fn codes(&mut self, field: &str, table: &CodeTable, vs: &[String]) {
        let mut seen = HashSet::new();
        for (i, v) in vs.iter().enumerate() {
            let f = format!("{field}[{i}]");
            if table.get(v).is_none() {
                if let Err(e) = table.field(&f, v) {
                    self.errors.push(e);
                }
            } else if !seen.insert(v) {
                self.push(&f, "duplicate", "重复的取值", "Duplicate value");
            }
        }
    }

    pub(super) fn range(&mut self, field: &str, v: i64, min: i64, max: i64) {
        if v < min || v > max {
            self.errors.push(FieldError::range(field, min, max));
        }
    }

    pub(super) fn required(&mut self, field: &str, v: &str) {
        if v.trim().is_empty() {
            self.errors.push(FieldError::required(field));
        }
    }

    pub(super) fn address(&mut self, field: &str, v: &str) {
        let ok = v.is_empty()
            || v.starts_with("https://")
            || v.starts_with("http://")
            || v.starts_with("/files/");
        if !ok {
            self.push(
                field,
                "url",
                "应为以 http:// 或 https:// 开头的网址",
                "Must be a web address starting with http:// or https://",
            );
        }
    }

    pub(super) fn phone(&mut self, field: &str, v: &str) {
        if !v.is_empty() && !text::is_phone(v) {
            self.push(
                field,
                "phone.format",
                "电话号码格式不正确（如 0759-3388123）",
                "Not a valid phone number (e.g. 0759-3388123)",
            );
        }
    }
}
