#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use time::macros::datetime;

use super::*;

fn cand(v: serde_json::Value, rank: u8, since: OffsetDateTime) -> Candidate {
    Candidate {
        value: v,
        source: Provenance {
            resource: format!("10100{rank}/000001"),
            resource_name: format!("source {rank}"),
            field: "address".into(),
            rank,
            since,
        },
    }
}

const OLD: OffsetDateTime = datetime!(2026-01-01 00:00 UTC);
const NEW: OffsetDateTime = datetime!(2026-06-01 00:00 UTC);

fn attr(conflict: Conflict) -> AttributeDef {
    AttributeDef {
        attribute: "address",
        zh: "地址",
        en: "Address",
        conflict,
        sources: &[],
    }
}

#[test]
fn the_authoritative_source_wins_even_when_older() {
    let a = choose(
        &attr(Conflict::Authority),
        vec![
            cand(json!("新地址"), 2, NEW),
            cand(json!("户籍地址"), 1, OLD),
        ],
    )
    .unwrap();
    assert_eq!(a.value, json!("户籍地址"));
    assert_eq!(a.source.rank, 1);
    assert_eq!(a.overruled.len(), 1);
    assert_eq!(a.overruled[0].value, json!("新地址"));
}

#[test]
fn an_empty_authoritative_value_gives_way_and_equal_ranks_take_the_newest() {
    let a = choose(
        &attr(Conflict::Authority),
        vec![
            cand(json!(" "), 1, NEW),
            cand(json!("甲"), 2, OLD),
            cand(json!("乙"), 2, NEW),
        ],
    )
    .unwrap();
    assert_eq!(a.value, json!("乙"));
    assert!(
        choose(&attr(Conflict::Authority), vec![cand(json!(null), 1, NEW)]).is_none(),
        "no value, no attribute"
    );
}

#[test]
fn newest_wins_under_the_newest_rule_and_agreeing_values_are_not_overruled() {
    let a = choose(
        &attr(Conflict::Newest),
        vec![
            cand(json!("旧"), 1, OLD),
            cand(json!("新"), 2, NEW),
            cand(json!("新"), 3, OLD),
        ],
    )
    .unwrap();
    assert_eq!(a.value, json!("新"));
    assert_eq!(a.source.rank, 2);
    assert_eq!(a.overruled.len(), 1);
    assert_eq!(a.overruled[0].value, json!("旧"));
}

#[test]
fn every_source_of_both_libraries_names_a_field_of_its_resource_meta() {
    for lib in [Library::Population, Library::LegalPerson] {
        let def = lib.definition();
        assert_eq!(def.library, lib);
        assert_eq!(Library::parse(lib.code()), Some(lib));
        for a in def.attributes {
            assert!(!a.sources.is_empty(), "{}", a.attribute);
            for s in a.sources {
                let meta = sources::source_meta(s.classification, s.resource)
                    .unwrap_or_else(|| panic!("{} {}", s.classification, s.resource));
                meta.check().unwrap();
                assert!(meta.item(s.field).is_some(), "{} {}", s.resource, s.field);
            }
        }
        assert!(
            def.resources().len() >= 2,
            "assembled from several resources"
        );
    }
}

#[test]
fn names_compare_as_people_write_them() {
    assert!(register::same_name(
        "湛江市海滨（餐饮）有限公司",
        " 湛江市海滨(餐饮)有限公司"
    ));
    assert!(!register::same_name(
        "湛江市海滨餐饮有限公司",
        "湛江市海滨饮食有限公司"
    ));
}
