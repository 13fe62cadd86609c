//! Generated population rows for tests, the demo and the benchmark: valid ID numbers (GB 11643
//! check characters) and the other items of [`crate::fixtures::population_meta`].

/// A valid ID number for person `i`: division 440802, a birth date from 1960 on (a new day
/// every 1,000 people), sequence `i % 1000` — distinct for the first 15 million.
pub fn id_number(i: usize) -> String {
    let day = time::macros::date!(1960 - 01 - 01)
        + time::Duration::days(i64::try_from(i / 1000 % 15_000).unwrap_or(0));
    let body = format!(
        "440802{:04}{:02}{:02}{:03}",
        day.year(),
        u8::from(day.month()),
        day.day(),
        i % 1000
    );
    let mut b = [0u8; 17];
    b.copy_from_slice(body.as_bytes());
    let check = yiwang_kernel::codes::iso7064::mod11_2_check(&b) as char;
    format!("{body}{check}")
}

const SURNAMES: [&str; 8] = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵"];
const GIVEN: [&str; 8] = ["伟", "芳", "娜", "敏", "静", "强", "磊", "洋"];

/// The CSV header of population rows (信息项名称).
pub const POPULATION_HEADER: &str = "公民身份号码,姓名,性别,出生日期,住址,行政区划代码";

/// Person `i`'s CSV line (no line break); `version` changes the address (a changed row).
pub fn population_line(i: usize, version: usize) -> String {
    let id = id_number(i);
    let birth = format!("{}-{}-{}", &id[6..10], &id[10..12], &id[12..14]);
    format!(
        "{id},{}{},{},{birth},湛江市霞山区人民大道{}号{},440803",
        SURNAMES[i % 8],
        GIVEN[(i / 8) % 8],
        if i.is_multiple_of(2) { "1" } else { "2" },
        i % 500 + 1,
        if version > 0 {
            format!("之{version}")
        } else {
            String::new()
        }
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn generated_id_numbers_are_valid() {
        let today = time::macros::date!(2026 - 12 - 01);
        for i in [0, 1, 999, 1000, 9_999_999] {
            let n = super::id_number(i);
            assert!(
                yiwang_kernel::codes::IdNumber::parse(&n, today).is_ok(),
                "{n}"
            );
        }
    }
}
