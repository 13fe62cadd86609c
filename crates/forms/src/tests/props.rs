//! Property tests: validation never panics and is idempotent on its own output.

use proptest::prelude::*;
use serde_json::json;

use super::*;

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{0,10}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Plausible values for a field of `kind`: often valid, sometimes not.
fn plausible(kind: FieldKind) -> BoxedStrategy<Value> {
    let s = |v: &[&'static str]| {
        prop::sample::select(v.to_vec())
            .prop_map(|x| Value::String(x.to_string()))
            .boxed()
    };
    match kind {
        FieldKind::Text | FieldKind::Address => prop_oneof![
            " ?[\\p{Han}a-z0-9 ]{0,20} ?".prop_map(Value::String),
            s(&["", " 好 "])
        ]
        .boxed(),
        FieldKind::Textarea => "[\\p{Han}\\n\\t a-z]{0,30}".prop_map(Value::String).boxed(),
        FieldKind::Number => prop_oneof![
            (-20000i64..20000).prop_map(Value::from),
            (-20000.0f64..20000.0).prop_map(Value::from),
            "-?[0-9]{1,6}(\\.[0-9]{1,3})?".prop_map(Value::String),
        ]
        .boxed(),
        FieldKind::Date => prop_oneof![
            "20[0-9]{2}-(0[1-9]|1[0-2])-[0-3][0-9]".prop_map(Value::String),
            s(&["2024-02-29", "2025-02-29"]),
        ]
        .boxed(),
        FieldKind::Choice => s(&["shop", "restaurant", " shop ", "bar"]),
        FieldKind::MultiChoice => prop::collection::vec(
            prop::sample::select(vec!["prepacked", "bulk", "hot", "x"]),
            0..4,
        )
        .prop_map(|v| Value::Array(v.into_iter().map(Value::from).collect()))
        .boxed(),
        FieldKind::IdNumber => s(&[
            "11010519491231002x",
            "440524188001010014",
            "130503670401001",
            "110105194912310021",
        ]),
        FieldKind::Uscc => s(&[
            "91110000600037341l",
            "91350100M000100Y43",
            "91310000MA1FL0F17U",
        ]),
        FieldKind::Phone => s(&["13800138000", "+86 139 0000 0000", "0759-1234567", "12345"]),
        FieldKind::Division => s(&["440802", "440800", "449999", "440802001"]),
        FieldKind::Table => prop::collection::vec(
            (
                plausible(FieldKind::Text),
                plausible(FieldKind::IdNumber),
                prop::option::of(plausible(FieldKind::Text)),
            )
                .prop_map(|(n, id, h)| {
                    let mut row = json!({"name": n, "id_number": id});
                    if let Some(h) = h {
                        row["health_cert"] = h;
                    }
                    row
                }),
            0..4,
        )
        .prop_map(Value::Array)
        .boxed(),
    }
}

fn plausible_form() -> impl Strategy<Value = Value> {
    let fields = every_kind();
    let parts: Vec<BoxedStrategy<(String, Option<Value>)>> = fields
        .iter()
        .map(|f| {
            let key = f.key.clone();
            prop::option::of(plausible(f.kind))
                .prop_map(move |v| (key.clone(), v))
                .boxed()
        })
        .collect();
    parts.prop_map(|kv| {
        Value::Object(
            kv.into_iter()
                .filter_map(|(k, v)| v.map(|v| (k, v)))
                .collect(),
        )
    })
}

fn idempotent(v: &Value) -> Result<(), TestCaseError> {
    let f = every_kind();
    if let Ok(out) = validate_on(&f, v, TODAY) {
        let again = validate_on(&f, &Value::Object(out.clone()), TODAY);
        prop_assert_eq!(again, Ok(out));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn never_panics_on_any_json(v in any_json()) {
        let _ = validate_on(&every_kind(), &v, TODAY);
        // The same value under every key, and as a table's rows.
        let mut obj = Map::new();
        for f in every_kind() {
            obj.insert(f.key, v.clone());
        }
        let _ = validate_on(&every_kind(), &Value::Object(obj), TODAY);
        let _ = validate_on(&every_kind(), &json!({"staff_list": [v.clone(), {"name": v}]}), TODAY);
        idempotent(&v)?;
    }

    #[test]
    fn validating_the_output_again_changes_nothing(v in plausible_form()) {
        let f = every_kind();
        let mut v = v;
        if let Err(errs) = validate_on(&f, &v, TODAY) {
            // Every problem names a field of the form; dropping the fields named and
            // filling the required ones leaves a valid submission.
            prop_assert!(!errs.is_empty());
            let Value::Object(obj) = &mut v else {
                return Err(TestCaseError::fail("not an object"));
            };
            for e in errs {
                prop_assert!(!e.zh.is_empty() && !e.en.is_empty());
                let key = e
                    .field
                    .strip_prefix("form.")
                    .and_then(|k| k.split(['.', '[']).next())
                    .unwrap_or_default();
                prop_assert!(f.iter().any(|x| x.key == key), "{}", e.field);
                obj.remove(key);
            }
            obj.entry("name").or_insert(json!("某公司"));
            obj.entry("format").or_insert(json!("shop"));
        }
        let out = validate_on(&f, &v, TODAY);
        prop_assert!(out.is_ok(), "{:?}", out);
        let out = out.unwrap_or_default();
        let again = validate_on(&f, &Value::Object(out.clone()), TODAY);
        prop_assert_eq!(again, Ok(out));
    }

    #[test]
    fn never_panics_on_any_definition(
        keys in prop::collection::vec("[a-z_]{0,3}", 0..5),
        kinds in prop::collection::vec(prop::sample::select(FieldKind::ALL.to_vec()), 0..5),
        v in any_json(),
    ) {
        // Arbitrary (mostly broken) definitions must not make validation panic either.
        let fields: Vec<FormField> = keys
            .iter()
            .zip(&kinds)
            .map(|(k, kind)| FormField {
                columns: vec![fld(k, "列", *kind)],
                options: opts(&[("a", "甲")]),
                ..fld(k, "字段", *kind)
            })
            .collect();
        let _ = check_definition(&fields);
        let _ = validate_on(&fields, &v, TODAY);
    }
}
