//! Definition checks: paths, rule ids, limits, the JSON shape.

use serde_json::json;

use super::*;
use crate::definition::{key_ok, option_code_ok};

#[test]
fn a_good_definition_passes() {
    assert_eq!(rules(&check_definition(&every_kind())), vec![]);
    assert_eq!(rules(&check_definition(&[])), vec![]);
}

#[test]
fn definition_rules_name_their_paths() {
    let mut f = every_kind();
    f[0].key = "Name".into();
    f[1].label = String::new();
    f[3].key = "capital".into();
    f[2].options = opts(&[("x", "x")]);
    f[3].decimals = Some(9);
    f[3].min = Some(5.0);
    f[3].max = Some(1.0);
    f[4].max_len = Some(10);
    f[5].options[1].code = "shop".into();
    f[6].options[0].code = "不行".into();
    f[6].options[1].label = String::new();
    f[7].prefill = Some(Prefill::ApplicantName);
    f[8].options.clear();
    f[8].kind = FieldKind::Choice;
    f[8].prefill = None;
    f[9].help = "很".repeat(201);
    f[11].max_len = Some(0);
    f[12].columns.push(FormField {
        columns: vec![fld("x", "x", FieldKind::Text)],
        ..fld("inner", "嵌套", FieldKind::Table)
    });
    f[12].columns[0].prefill = Some(Prefill::ApplicantName);
    f[12].columns[1].key = "name".into();
    f[12].min_rows = Some(5);
    let got = rules(&check_definition(&f));
    for (field, rule) in [
        ("form[0].key", "form.key"),
        ("form[3].key", "form.key_duplicate"),
        ("form[1].label", "required"),
        ("form[2].options", "form.not_for_kind"),
        ("form[3].decimals", "range"),
        ("form[3].max", "form.min_max"),
        ("form[4].max_len", "form.not_for_kind"),
        ("form[5].options[1].code", "form.option_duplicate"),
        ("form[6].options[0].code", "form.option_code"),
        ("form[6].options[1].label", "required"),
        ("form[7].prefill", "form.prefill_kind"),
        ("form[8].options", "form.options_required"),
        ("form[9].help", "max_chars"),
        ("form[11].max_len", "range"),
        ("form[12].min_rows", "form.rows_min_max"),
        ("form[12].columns[0].prefill", "form.prefill_in_table"),
        ("form[12].columns[1].key", "form.key_duplicate"),
        ("form[12].columns[3].kind", "form.nested_table"),
    ] {
        assert!(
            got.contains(&(field.to_string(), rule.to_string())),
            "{field} {rule} missing from {got:?}"
        );
    }
    // Messages come in both languages.
    for e in check_definition(&f) {
        assert!(!e.zh.is_empty() && !e.en.is_empty(), "{e:?}");
    }
}

#[test]
fn definition_limits() {
    let many: Vec<FormField> = (0..101)
        .map(|i| fld(&format!("f{i}"), "字段", FieldKind::Text))
        .collect();
    assert!(has(&check_definition(&many), "form", "too_many"));
    let table = fld("t", "表", FieldKind::Table);
    assert!(has(
        &check_definition(std::slice::from_ref(&table)),
        "form[0].columns",
        "form.columns_required"
    ));
    let long_key = "a".repeat(41);
    assert!(has(
        &check_definition(&[fld(&long_key, "x", FieldKind::Text)]),
        "form[0].key",
        "form.key"
    ));
    assert!(key_ok(&"a".repeat(40)) && key_ok("a1_b") && !key_ok("1a") && !key_ok("_a"));
    assert!(option_code_ok("A-1.b_2") && !option_code_ok("-a") && !option_code_ok(""));
}

#[test]
fn definitions_round_trip_as_json() {
    let f = every_kind();
    let v = serde_json::to_value(&f).unwrap();
    assert_eq!(v[6]["kind"], "multi_choice");
    assert_eq!(v[0]["prefill"], "org_name");
    assert!(v[0].get("options").is_none() && v[0].get("max_len").is_none());
    let back: Vec<FormField> = serde_json::from_value(v).unwrap();
    assert_eq!(back, f);
    // Defaults: only a key, a label and a kind.
    let min: FormField =
        serde_json::from_value(json!({"key": "k", "label": "标签", "kind": "id_number"})).unwrap();
    assert_eq!(min.kind, FieldKind::IdNumber);
    assert!(!min.required && min.options.is_empty());
}
