use std::collections::HashMap;

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::*;
use crate::fixture::{bundle, items};

fn answers(food: &str, sign: &str) -> Answers {
    read_answers(&bundle(), &json!({"sells_food": food, "sign": sign})).unwrap_or_default()
}

#[test]
fn answers_are_checked_against_the_questions() {
    let b = bundle();
    let errs = read_answers(&b, &json!({"sells_food": "maybe", "extra": "x"}))
        .err()
        .unwrap_or_default();
    let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        ["answers.extra", "answers.sells_food", "answers.sign"]
    );
    assert_eq!(errs[1].rule, "one_of");
    assert_eq!(errs[2].rule, "required");
    assert_eq!(
        answers("yes", "no").get("sells_food").map(String::as_str),
        Some("yes")
    );
    let booleans =
        read_answers(&b, &json!({"sells_food": true, "sign": false})).unwrap_or_default();
    assert_eq!(booleans.get("sign").map(String::as_str), Some("no"));
}

#[test]
fn no_food_drops_the_food_licence_and_its_material() {
    let b = bundle();
    let all = plan(&b, &answers("yes", "yes"), &items()).unwrap_or_else(|_| unreachable!());
    assert_eq!(all.parts, ["business", "food", "sign"]);
    assert_eq!(
        all.fields,
        ["shop_name", "street", "number", "area", "sign_text", "kind"]
    );
    let lease = &all.materials[0];
    assert_eq!((lease.key.as_str(), lease.required), ("lease", true));
    assert_eq!(lease.parts, ["business", "food"]);
    let p = plan(&b, &answers("no", "no"), &items()).unwrap_or_else(|_| unreachable!());
    assert_eq!(p.parts, ["business"]);
    assert_eq!(p.dropped, ["food", "sign"]);
    assert_eq!(p.fields, ["shop_name", "street", "number"]);
    assert_eq!(
        p.materials.len(),
        1,
        "the layout is only for food and the sign"
    );
    let sign_only = plan(&b, &answers("no", "yes"), &items()).unwrap_or_else(|_| unreachable!());
    let layout = sign_only.materials.iter().find(|m| m.key == "layout");
    assert_eq!(
        layout.map(|m| m.required),
        Some(false),
        "optional for the sign alone"
    );
}

#[test]
fn a_part_whose_dependency_is_dropped_cannot_be_planned() {
    let mut b = bundle();
    b.parts[0].when = Some(crate::model::Condition::Answer {
        question: "sign".into(),
        values: vec!["yes".into()],
    });
    let errs = plan(&b, &answers("yes", "no"), &items())
        .err()
        .unwrap_or_default();
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].rule, "bundle.dependency_dropped");
}

fn form() -> Map<String, Value> {
    json!({"shop_name": "老王面馆", "street": "人民大道南", "number": "88号", "area": 120, "kind": "meal"})
        .as_object().cloned().unwrap_or_default()
}

#[test]
fn parts_take_fields_joined_transformed_and_from_results() {
    let b = bundle();
    let a = answers("yes", "yes");
    let (business, pending) =
        map_part(&b.parts[0], &form(), &a, &HashMap::new()).unwrap_or_default();
    assert!(pending.is_empty());
    assert_eq!(
        business,
        json!({"name": "老王面馆", "address": "人民大道南88号"})
            .as_object()
            .cloned()
            .unwrap_or_default()
    );
    let (food, pending) = map_part(&b.parts[1], &form(), &a, &HashMap::new()).unwrap_or_default();
    assert_eq!(pending, ["licence_no"], "waits for the business licence");
    assert_eq!(food.get("category"), Some(&json!("01")));
    assert_eq!(food.get("area_h"), Some(&json!(1.2)));
    let mut results = HashMap::new();
    results.insert(
        "business".to_string(),
        ResultValues {
            identifier: "L-1".into(),
            face: json!({"number": "92440802MA4X0001"})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        },
    );
    let (food, pending) = map_part(&b.parts[1], &form(), &a, &results).unwrap_or_default();
    assert!(pending.is_empty());
    assert_eq!(food.get("licence_no"), Some(&json!("92440802MA4X0001")));
    let (sign, _) = map_part(&b.parts[2], &form(), &a, &results).unwrap_or_default();
    assert_eq!(sign.get("source"), Some(&json!("一件事")));
    assert_eq!(
        sign.get("text"),
        None,
        "an empty optional merged field stays empty"
    );
}

#[test]
fn a_value_outside_the_map_table_is_named_on_the_merged_field() {
    let b = bundle();
    let mut f = form();
    f.insert("kind".into(), json!("wholesale"));
    let errs = map_part(&b.parts[1], &f, &answers("yes", "no"), &HashMap::new())
        .err()
        .unwrap_or_default();
    assert_eq!(errs.len(), 1);
    assert_eq!(
        (errs[0].field.as_str(), errs[0].rule.as_str()),
        ("form.kind", "bundle.mapping")
    );
}

#[test]
fn item_problems_are_blamed_on_their_source() {
    let b = bundle();
    let e = |f: &str| yiwang_kernel::FieldError::required(f);
    assert_eq!(blame(&b.parts[0], e("address")).field, "form.street");
    assert_eq!(blame(&b.parts[0], e("name")).field, "form.shop_name");
    assert_eq!(
        blame(&b.parts[1], e("licence_no")).field,
        "parts.food.licence_no"
    );
    assert_eq!(blame(&b.parts[2], e("text")).field, "form.sign_text");
}

#[test]
fn result_values() {
    let r = ResultValues {
        identifier: "ID".into(),
        face: json!({"n": 3}).as_object().cloned().unwrap_or_default(),
    };
    assert_eq!(
        r.get("number").as_deref(),
        Some("ID"),
        "no face number: the identifier"
    );
    assert_eq!(r.get("face.n").as_deref(), Some("3"));
    assert_eq!(r.get("face.x"), None);
    assert_eq!(r.get("other"), None);
}

#[test]
fn savings_count_what_one_application_replaces() {
    let b = bundle();
    let p = plan(&b, &answers("yes", "yes"), &items()).unwrap_or_else(|_| unreachable!());
    let s = savings(&b, &p, &items());
    assert_eq!(
        s,
        Savings {
            parts: 3,
            items_days: 18,
            bundle_days: 5,
            item_fields: 8,
            asked_fields: 6,
            item_materials: 4,
            asked_materials: 2,
            visits_saved: 2,
        }
    );
}

#[test]
fn pending_fields_are_optional_until_the_part_starts() {
    let f = items().remove("B1").map(|i| i.form).unwrap_or_default();
    let relaxed = without_pending(&f, &["licence_no".to_string()]);
    assert!(!relaxed[0].required);
    assert!(relaxed[1].required);
}

proptest! {
    /// Whatever the answers, a planned part's dependencies are planned too, every planned
    /// field is read by a planned part, and dropped + planned parts are all the parts.
    #[test]
    fn plans_are_closed(food in prop::bool::ANY, sign in prop::bool::ANY) {
        let yn = |b: bool| if b { "yes" } else { "no" };
        let b = bundle();
        let p = plan(&b, &answers(yn(food), yn(sign)), &items()).unwrap_or_else(|_| unreachable!());
        prop_assert_eq!(p.parts.len() + p.dropped.len(), b.parts.len());
        for k in &p.parts {
            let part = b.parts.iter().find(|x| &x.key == k).unwrap_or_else(|| unreachable!());
            for d in &part.after {
                prop_assert!(p.parts.contains(d));
            }
        }
        prop_assert_eq!(p.parts.contains(&"food".to_string()), food);
        prop_assert_eq!(p.parts.contains(&"sign".to_string()), sign);
    }
}
