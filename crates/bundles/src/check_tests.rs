use serde_json::json;

use super::*;
use crate::fixture::{bundle, items};

fn rules(errs: &[FieldError]) -> Vec<(String, String)> {
    errs.iter()
        .map(|e| (e.field.clone(), e.rule.clone()))
        .collect()
}

#[test]
fn the_fixture_is_clean() {
    assert_eq!(rules(&shape(&bundle())), vec![]);
    assert_eq!(rules(&against_items(&bundle(), &items())), vec![]);
}

#[test]
fn shape_names_each_broken_reference() {
    let mut b = bundle();
    b.code = "Open Shop".into();
    b.promised_days = 0;
    b.parts[1].after = vec!["nowhere".into()];
    b.parts[2].fields[0].from = Source::Field {
        field: "ghost".into(),
        transform: None,
    };
    b.parts[2].materials[0].material = "none".into();
    b.parts[2].when = Some(Condition::Answer {
        question: "sign".into(),
        values: vec!["perhaps".into()],
    });
    let got = rules(&shape(&b));
    let want = [
        ("code", "bundle.code"),
        ("promised_days", "range"),
        ("parts[1].after[0]", "bundle.unknown_part"),
        ("parts[1].fields[0].from", "bundle.result_not_after"),
        ("parts[2].when.values", "bundle.unknown_choice"),
        ("parts[2].fields[0].from", "bundle.unknown_field"),
        ("parts[2].materials[0].material", "bundle.unknown_material"),
    ];
    for (f, r) in want {
        assert!(
            got.contains(&(f.to_string(), r.to_string())),
            "{f} {r} in {got:?}"
        );
    }
    assert_eq!(got.len(), want.len(), "{got:?}");
}

#[test]
fn cycles_are_refused_with_their_path() {
    let mut b = bundle();
    b.parts[0].after = vec!["food".into()];
    let errs = shape(&b);
    let c = errs
        .iter()
        .find(|e| e.rule == "bundle.cycle")
        .map(|e| e.en.clone())
        .unwrap_or_default();
    assert!(c.contains("business → food → business"), "{c}");
}

#[test]
fn definitions_are_json_and_refuse_unknown_keys() {
    let b = bundle();
    let text = serde_json::to_string(&b).unwrap_or_default();
    let back: Bundle = serde_json::from_str(&text).unwrap_or_default();
    assert_eq!(back, b);
    let bad = serde_json::from_value::<Bundle>(json!({"code": "x", "colour": "red"}));
    assert!(bad.is_err());
}

#[test]
fn items_must_be_served_whole() {
    let mut b = bundle();
    b.parts[0].fields.retain(|m| m.to != "address");
    b.parts[1].materials.retain(|m| m.entry != "M02");
    b.parts[2].fields[0].to = "slogan".into();
    b.parts[1].fields[1].from = Source::Field {
        field: "kind".into(),
        transform: None,
    };
    let mut items = items();
    if let Some(i) = items.get_mut("C1") {
        i.online = false;
    }
    items.remove("A1");
    let got = rules(&against_items(&b, &items));
    assert_eq!(
        got,
        vec![
            (
                "parts[0].item".to_string(),
                "item.not_published".to_string()
            ),
            ("parts[1].fields[1].from".into(), "bundle.kind".into()),
            (
                "parts[1].materials".into(),
                "bundle.unmapped_material".into()
            ),
            (
                "parts[2].fields[0].to".into(),
                "bundle.unknown_item_field".into()
            ),
            ("parts[2].fields".into(), "bundle.unmapped_field".into()),
            ("parts[2].item".into(), "bundle.not_online".into()),
        ]
    );
    let mut b = bundle();
    b.holder = Holder::Org;
    let got = rules(&against_items(&b, &super::super::fixture::items()));
    assert_eq!(
        got,
        vec![("parts[0].item".to_string(), "bundle.holder".to_string())]
    );
}
