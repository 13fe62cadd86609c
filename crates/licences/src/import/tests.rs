//! Unit tests of the row checks (no database).

use serde_json::json;
use time::Date;
use yiwang_forms::FormField;

use super::check::{Checker, parse_date};

#[test]
fn dates_in_the_usual_spellings() {
    let d = Date::from_calendar_date(2024, time::Month::March, 5).unwrap();
    for s in [
        "2024-03-05",
        "2024/3/5",
        "2024.03.05",
        "20240305",
        "2024年3月5日",
        "45356",
    ] {
        assert_eq!(parse_date(s), Some(d), "{s}");
    }
    for s in ["2024-13-01", "24-03-05", "abc", "", "2024-02-30"] {
        assert_eq!(parse_date(s), None, "{s}");
    }
}

#[test]
fn headers_resolve_by_key_label_or_alias_and_unknown_ones_are_reported() {
    let schema: Vec<FormField> = serde_json::from_value(json!([
        {"key": "school", "label": "毕业院校", "kind": "text", "required": true},
        {"key": "major", "label": "专业", "kind": "text"}
    ]))
    .unwrap();
    let h = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let r = Checker::resolve(
        &h(&[
            "*证照编号",
            "持证人姓名",
            "身份证号码",
            "发证日期",
            "有效期起",
            "毕业院校",
            "major",
        ]),
        &schema,
    )
    .unwrap();
    assert_eq!(r.fixed["number"], 0);
    assert_eq!(r.face.len(), 2);
    let e = Checker::resolve(&h(&["证照编号", "备注"]), &schema).unwrap_err();
    let codes: Vec<&str> = e.iter().map(|p| p.code.as_str()).collect();
    assert!(codes.contains(&"missing_column"));
    assert!(codes.contains(&"unknown_column"));
}
