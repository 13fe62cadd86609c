#[test]
fn fields_are_capped_and_free_of_nul() {
    assert_eq!(capped("abc", 3), "abc");
    assert_eq!(capped("a\0b", 10), "a\u{FFFD}b");
    let long = "名".repeat(1_000_000);
    let c = capped(&long, MAX_NAME);
    assert_eq!(c.chars().count(), MAX_NAME + "…(+999800)".chars().count());
    assert!(c.ends_with("…(+999800)"));
    let big = serde_json::json!({ "x": "y".repeat(100_000) });
    assert!(capped_data(&big).len() < 100);
    let small = serde_json::json!({ "x": 1 });
    assert_eq!(capped_data(&small), small.to_string());
}

use super::*;
use std::collections::HashSet;

#[test]
fn catalog_has_unique_described_events() {
    let mut seen = HashSet::new();
    for (a, zh, en) in EVENTS {
        assert!(seen.insert(*a), "{a}");
        assert!(!zh.is_empty() && !en.is_empty());
    }
}

/// The single sign-on events are part of the catalog (their names are a contract with
/// auditors' queries).
#[test]
fn single_sign_on_events_are_declared() {
    let oidc: Vec<&str> = EVENTS
        .iter()
        .map(|e| e.0)
        .filter(|a| a.starts_with("oidc."))
        .collect();
    assert_eq!(
        oidc,
        [
            "oidc.client.create",
            "oidc.client.deactivate",
            "oidc.code.issue",
            "oidc.token.issue",
            "oidc.userinfo",
            "oidc.key.create",
        ]
    );
}

#[test]
fn hash_covers_every_field() {
    let base = Record {
        seq: 1,
        at: time::macros::datetime!(2026-01-01 0:00 UTC),
        actor: "a".into(),
        acting_for: "".into(),
        action: "x".into(),
        object: "o".into(),
        outcome: "success".into(),
        source: "".into(),
        reason: "".into(),
        data: "{}".into(),
        prev_hash: GENESIS.into(),
        hash: String::new(),
    };
    let h = chain_hash(&base);
    let variants = [
        Record {
            seq: 2,
            ..base.clone()
        },
        Record {
            actor: "b".into(),
            ..base.clone()
        },
        Record {
            acting_for: "e".into(),
            ..base.clone()
        },
        Record {
            action: "y".into(),
            ..base.clone()
        },
        Record {
            object: "p".into(),
            ..base.clone()
        },
        Record {
            outcome: "failure".into(),
            ..base.clone()
        },
        Record {
            source: "1.2.3.4".into(),
            ..base.clone()
        },
        Record {
            reason: "r".into(),
            ..base.clone()
        },
        Record {
            data: "{\"a\":1}".into(),
            ..base.clone()
        },
        Record {
            prev_hash: "1".repeat(64),
            ..base.clone()
        },
        Record {
            at: time::macros::datetime!(2026-01-01 0:00:00.000001 UTC),
            ..base.clone()
        },
        // moving a byte between adjacent fields changes the hash (length prefixes)
        Record {
            actor: "ax".into(),
            action: "".into(),
            ..base.clone()
        },
    ];
    for v in variants {
        assert_ne!(chain_hash(&v), h, "{v:?}");
    }
}
