//! Value validation: normal forms and every problem on its path.

use serde_json::json;
use yiwang_org::divisions::registry;

use super::*;
use crate::normalise::phone;

#[test]
fn a_complete_submission_is_normalised() {
    let out = check(json!({
        "name": "  湛江市海滨餐饮有限公司 ",
        "note": "第一行\n第二行",
        "capital": "50.50",
        "staff": 12.0,
        "start": "2025-03-01",
        "format": "restaurant",
        "items": ["hot", "prepacked"],
        "legal_id": "11010519491231002x",
        "uscc": "91110000600037341l",
        "phone": "138 0013 8000",
        "division": "440802",
        "address": "赤坎区海滨大道北1号",
        "staff_list": [
            {"name": "张三", "id_number": "440524188001010014", "health_cert": "JK2025001"},
            {"name": "李四", "id_number": "130503670401001"}
        ],
        "empty_optional_is_still_unknown": null
    }));
    let errs = out.unwrap_err();
    assert_eq!(
        rules(&errs),
        vec![(
            "form.empty_optional_is_still_unknown".to_string(),
            "form.unknown_field".to_string()
        )]
    );
    let out = check(json!({
        "name": "  湛江市海滨餐饮有限公司 ",
        "note": "第一行\n第二行",
        "capital": "50.50",
        "staff": 12.0,
        "start": "2025-03-01",
        "format": "restaurant",
        "items": ["hot", "prepacked"],
        "legal_id": "11010519491231002x",
        "uscc": "91110000600037341l",
        "phone": "138 0013 8000",
        "division": "湛江市 赤坎区",
        "address": "赤坎区海滨大道北1号",
        "staff_list": [
            {"name": "张三", "id_number": "440524188001010014", "health_cert": "JK2025001"},
            {"name": "李四", "id_number": "130503670401001", "health_cert": ""}
        ]
    }))
    .unwrap();
    assert_eq!(
        Value::Object(out),
        json!({
            "name": "湛江市海滨餐饮有限公司",
            "note": "第一行\n第二行",
            "capital": 50.5,
            "staff": 12,
            "start": "2025-03-01",
            "format": "restaurant",
            "items": ["prepacked", "hot"],
            "legal_id": "11010519491231002X",
            "uscc": "91110000600037341L",
            "phone": "13800138000",
            "division": "440802",
            "address": "赤坎区海滨大道北1号",
            "staff_list": [
                {"name": "张三", "id_number": "440524188001010014", "health_cert": "JK2025001"},
                {"name": "李四", "id_number": "130503196704010016"}
            ]
        })
    );
}

#[test]
fn required_fields_and_empty_optionals() {
    let out = check(json!({"name": " ", "format": null, "note": "", "items": []}));
    let errs = out.unwrap_err();
    assert_eq!(
        rules(&errs),
        vec![
            ("form.name".to_string(), "required".to_string()),
            ("form.format".to_string(), "required".to_string()),
        ]
    );
    assert_eq!(errs[0].zh, "“经营者名称”为必填项");
    assert_eq!(errs[0].en, "\"经营者名称\" is required");
    let ok = check(json!({"name": "某公司", "format": "shop", "note": "  "})).unwrap();
    assert_eq!(
        Value::Object(ok),
        json!({"name": "某公司", "format": "shop"})
    );
    // null is an empty form; anything else that is not an object is refused.
    assert!(has(
        &check(Value::Null).unwrap_err(),
        "form.name",
        "required"
    ));
    for v in [json!([]), json!("x"), json!(1), json!(true)] {
        assert_eq!(
            rules(&check(v).unwrap_err()),
            vec![("form".into(), "form.not_object".into())]
        );
    }
}

fn only(field: &str, v: Value) -> Vec<FieldError> {
    let mut obj = json!({"name": "某公司", "format": "shop"});
    obj[field] = v;
    check(obj).err().unwrap_or_default()
}

#[test]
fn text_kinds() {
    assert!(has(&only("name", json!(12)), "form.name", "form.type"));
    assert!(has(
        &only("name", json!("a\nb")),
        "form.name",
        "control_chars"
    ));
    assert!(only("note", json!("a\r\nb\tc")).is_empty());
    assert!(has(
        &only("note", json!("a\u{0}b")),
        "form.note",
        "control_chars"
    ));
    assert!(has(
        &only("address", json!("路".repeat(201))),
        "form.address",
        "max_chars"
    ));
    assert!(only("address", json!("路".repeat(200))).is_empty());
    assert!(has(
        &only("note", json!("字".repeat(2001))),
        "form.note",
        "max_chars"
    ));
    let e = only("name", json!("名".repeat(201)));
    assert_eq!(e[0].zh, "“经营者名称”不能超过200个字符");
}

#[test]
fn numbers() {
    for ok in [
        json!(0),
        json!("10000"),
        json!(9999.99),
        json!("-0"),
        json!(" 3.1 "),
    ] {
        assert!(only("capital", ok.clone()).is_empty(), "{ok}");
    }
    for (bad, rule) in [
        (json!("1e5"), "form.number"),
        (json!("abc"), "form.number"),
        (json!("1."), "form.number"),
        (json!(".5"), "form.number"),
        (json!(true), "form.number"),
        (json!({"v": 1}), "form.number"),
        (json!(10000.01), "range"),
        (json!(-1), "range"),
        (json!("1.234"), "form.decimals"),
    ] {
        assert!(
            has(&only("capital", bad.clone()), "form.capital", rule),
            "{bad}"
        );
    }
    assert!(has(
        &only("staff", json!(2.5)),
        "form.staff",
        "form.decimals"
    ));
    assert!(has(&only("staff", json!(0)), "form.staff", "range"));
    assert!(has(&only("staff", json!(1e16)), "form.staff", "range"));
    assert!(has(&only("staff", json!(u64::MAX)), "form.staff", "range"));
    let e = only("staff", json!(2.5));
    assert_eq!(e[0].zh, "“从业人数”应为整数");
}

#[test]
fn dates() {
    for bad in [
        "2025-02-29",
        "2025-2-1",
        "20250201",
        "2025/02/01",
        "2025-13-01",
        "２０２５-01-01",
    ] {
        assert!(
            has(&only("start", json!(bad)), "form.start", "form.date"),
            "{bad}"
        );
    }
    assert!(only("start", json!("2024-02-29")).is_empty());
    assert!(has(
        &only("start", json!(20250201)),
        "form.start",
        "form.type"
    ));
}

#[test]
fn choices() {
    assert!(has(
        &only("format", json!("bar")),
        "form.format",
        "form.choice"
    ));
    assert!(has(
        &only("format", json!(["shop"])),
        "form.format",
        "form.type"
    ));
    let e = only("items", json!(["hot", "hot", "x", 1]));
    assert_eq!(
        rules(&e),
        vec![
            ("form.items[1]".to_string(), "duplicate".to_string()),
            ("form.items[2]".to_string(), "form.choice".to_string()),
            ("form.items[3]".to_string(), "form.type".to_string()),
        ]
    );
    assert!(has(&only("items", json!("hot")), "form.items", "form.type"));
}

#[test]
fn identifiers() {
    let e = only("legal_id", json!("110105194912310021"));
    assert!(has(&e, "form.legal_id", "id_number.check_digit"));
    assert!(e[0].zh.starts_with("“法定代表人身份证号”："), "{}", e[0].zh);
    // Born after "today".
    assert!(has(
        &only("legal_id", json!("110105209912310029")),
        "form.legal_id",
        "id_number.birth_date_future"
    ));
    assert!(has(
        &only("uscc", json!("91310000MA1FL0F17U")),
        "form.uscc",
        "uscc.check_digit"
    ));
    assert!(has(&only("uscc", json!("123")), "form.uscc", "uscc.length"));
    assert!(only("uscc", json!("91350100M000100Y43")).is_empty());
}

#[test]
fn phones() {
    for ok in [
        "13800138000",
        "+86 138 0013 8000",
        "0759-1234567",
        "020-12345678",
        "0759 -1234567",
    ] {
        assert!(phone(ok).is_some(), "{ok}");
    }
    assert_eq!(phone("+86-13800138000").as_deref(), Some("13800138000"));
    for bad in [
        "12800138000",
        "1380013800",
        "07591234567",
        "759-1234567",
        "0759-123456",
        "12345",
        "0759-1234567-8",
    ] {
        assert!(phone(bad).is_none(), "{bad}");
        assert!(
            has(&only("phone", json!(bad)), "form.phone", "phone.format"),
            "{bad}"
        );
    }
}

#[test]
fn divisions_come_from_the_registry() {
    assert!(only("division", json!("440802")).is_empty());
    assert!(
        only("division", json!("440802001")).is_empty() || registry().get("440802001").is_none()
    );
    assert!(has(
        &only("division", json!("449999")),
        "form.division",
        "division.unknown"
    ));
    assert!(has(
        &only("division", json!("44080")),
        "form.division",
        "division.format"
    ));
    assert!(only("division", json!("湛江市霞山区")).is_empty());
    assert!(has(
        &only("division", json!("城区")),
        "form.division",
        "division.ambiguous"
    ));
}

#[test]
fn tables() {
    let e = only(
        "staff_list",
        json!([
            {"name": "张三"},
            "not a row",
            {"name": "李四", "id_number": "110105194912310021", "age": 3}
        ]),
    );
    assert_eq!(
        rules(&e),
        vec![
            (
                "form.staff_list[0].id_number".to_string(),
                "required".to_string()
            ),
            ("form.staff_list[1]".to_string(), "form.type".to_string()),
            (
                "form.staff_list[2].id_number".to_string(),
                "id_number.check_digit".to_string()
            ),
            (
                "form.staff_list[2].age".to_string(),
                "form.unknown_field".to_string()
            ),
        ]
    );
    assert_eq!(e[0].zh, "“从业人员”第1行的“身份证号”为必填项");
    assert_eq!(e[0].en, "\"从业人员\" row 1, \"身份证号\" is required");
    let four = json!([{}, {}, {}, {}]);
    assert_eq!(
        rules(&only("staff_list", four)),
        vec![("form.staff_list".to_string(), "form.rows".to_string())]
    );
    assert!(has(
        &only("staff_list", json!({"name": "x"})),
        "form.staff_list",
        "form.type"
    ));
    let mut f = every_kind();
    f[12].min_rows = Some(2);
    f[12].required = true;
    let base = json!({"name": "某公司", "format": "shop"});
    assert!(has(
        &validate_on(&f, &base, TODAY).unwrap_err(),
        "form.staff_list",
        "required"
    ));
    let mut one = base.clone();
    one["staff_list"] = json!([{"name": "张三", "id_number": "440524188001010014"}]);
    assert!(has(
        &validate_on(&f, &one, TODAY).unwrap_err(),
        "form.staff_list",
        "form.rows"
    ));
}

#[test]
fn english_labels_are_used_when_given() {
    let mut f = every_kind();
    f[0].label_en = "Operator name".into();
    let e = validate_on(&f, &json!({"format": "shop"}), TODAY).unwrap_err();
    assert_eq!(e[0].en, "\"Operator name\" is required");
    assert_eq!(e[0].zh, "“经营者名称”为必填项");
}

#[test]
fn the_system_clock_variant_agrees() {
    let v = json!({"name": "某公司", "format": "shop", "legal_id": "11010519491231002X"});
    assert_eq!(validate(&every_kind(), &v), check(v));
}
