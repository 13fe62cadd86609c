//! Size limits: per file and per case.

use yiwang_kernel::{Error, ErrorCode};

/// 20 MiB: a scanned multi-page PDF or a phone photo fits comfortably.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 20 * MIB;
/// 200 MiB for all the materials of one case together.
pub const DEFAULT_MAX_CASE_BYTES: u64 = 200 * MIB;

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;

/// How large uploads may be. Both limits are inclusive (a file of exactly `max_file_bytes` is
/// accepted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_file_bytes: u64,
    pub max_case_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            max_case_bytes: DEFAULT_MAX_CASE_BYTES,
        }
    }
}

impl Limits {
    /// `payload_too_large` when one file is over the per-file limit.
    pub fn check_file(&self, size: u64) -> Result<(), Error> {
        if size <= self.max_file_bytes {
            return Ok(());
        }
        let (size, limit) = (human(size), human(self.max_file_bytes));
        Err(Error::new(ErrorCode::PayloadTooLarge).with_detail(
            format!("文件大小为 {size}，超过单个文件上限 {limit}"),
            format!("The file is {size}, over the limit of {limit} per file"),
        ))
    }

    /// `payload_too_large` when adding `adding` bytes to a case already holding `already`
    /// would pass the per-case limit.
    pub fn check_case(&self, already: u64, adding: u64) -> Result<(), Error> {
        let total = already.saturating_add(adding);
        if total <= self.max_case_bytes {
            return Ok(());
        }
        let (total, limit) = (human(total), human(self.max_case_bytes));
        Err(Error::new(ErrorCode::PayloadTooLarge).with_detail(
            format!("本件材料合计将达 {total}，超过每件办件的上限 {limit}"),
            format!("The case's materials would total {total}, over the limit of {limit} per case"),
        ))
    }
}

/// A size for people: `20 MiB`, `1.5 MiB`, `300 KiB`, `12 B`.
pub fn human(bytes: u64) -> String {
    let one_decimal = |unit: u64| {
        let tenths = (u128::from(bytes) * 10 + u128::from(unit) / 2) / u128::from(unit);
        if tenths % 10 == 0 {
            format!("{}", tenths / 10)
        } else {
            format!("{}.{}", tenths / 10, tenths % 10)
        }
    };
    if bytes >= MIB {
        format!("{} MiB", one_decimal(MIB))
    } else if bytes >= KIB {
        format!("{} KiB", one_decimal(KIB))
    } else {
        format!("{bytes} B")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_sizes() {
        assert_eq!(human(20 * MIB), "20 MiB");
        assert_eq!(human(MIB + MIB / 2), "1.5 MiB");
        assert_eq!(human(300 * KIB), "300 KiB");
        assert_eq!(human(12), "12 B");
        assert_eq!(human(u64::MAX), "17592186044416 MiB");
    }

    #[test]
    fn file_limit_is_inclusive_and_named_in_both_languages() {
        let l = Limits::default();
        assert!(l.check_file(DEFAULT_MAX_FILE_BYTES).is_ok());
        let e = l.check_file(DEFAULT_MAX_FILE_BYTES + 1).unwrap_err();
        assert_eq!(e.code, ErrorCode::PayloadTooLarge);
        let d = e.detail.unwrap();
        assert!(
            d.zh.contains("20 MiB") && d.zh.contains("单个文件上限"),
            "{}",
            d.zh
        );
        assert!(
            d.en.contains("20 MiB") && d.en.contains("per file"),
            "{}",
            d.en
        );
    }

    #[test]
    fn case_limit_counts_what_is_already_there() {
        let l = Limits {
            max_file_bytes: 10,
            max_case_bytes: 25,
        };
        assert!(l.check_case(15, 10).is_ok());
        let e = l.check_case(16, 10).unwrap_err();
        assert_eq!(e.code, ErrorCode::PayloadTooLarge);
        let d = e.detail.unwrap();
        assert!(d.zh.contains("25 B") && d.en.contains("25 B") && d.en.contains("per case"));
        assert!(l.check_case(u64::MAX, 1).is_err());
    }
}
