//! The user-interface string catalog: every visible string of the pages, in Simplified Chinese
//! and English, kept in one file per area (`public`, `citizen`, `cases`, `staff`). Templates
//! call `t("key")`; a lookup is one hash probe (the map is built on first use); a test checks
//! that keys are unique across the areas and that every key a template uses exists.

use std::collections::HashMap;
use std::sync::OnceLock;

mod appeal_staff;
mod appeals_citizen;
mod bundle_apply;
mod bundle_staff;
mod bundles;
mod calendar_admin;
mod cases;
mod citizen;
mod credit;
mod exchange;
mod exchange_access;
mod exchange_catalog;
mod exchange_collect;
mod exchange_pages;
mod exchange_sharing;
mod inspection;
mod open311;
mod public;
mod screens;
mod shared_data;
mod staff;
mod supervision;
mod watch;

use yiwang_kernel::i18n::Lang;

/// `(key, 简体中文, English)`.
/// Every area's messages.
const AREAS: &[&[(&str, &str, &str)]] = &[
    public::MESSAGES,
    citizen::MESSAGES,
    cases::MESSAGES,
    staff::MESSAGES,
    screens::MESSAGES,
    exchange::MESSAGES,
    exchange_sharing::MESSAGES,
    exchange_access::MESSAGES,
    exchange_collect::MESSAGES,
    exchange_catalog::MESSAGES,
    shared_data::MESSAGES,
    exchange_pages::MESSAGES,
    calendar_admin::MESSAGES,
    bundle_apply::MESSAGES,
    bundle_staff::MESSAGES,
    bundles::MESSAGES,
    appeals_citizen::MESSAGES,
    appeal_staff::MESSAGES,
    open311::MESSAGES,
    inspection::MESSAGES,
    watch::MESSAGES,
    credit::MESSAGES,
    supervision::MESSAGES,
];

/// Every `(key, 简体中文, English)` of the catalog.
pub fn all() -> impl Iterator<Item = &'static (&'static str, &'static str, &'static str)> {
    AREAS.iter().flat_map(|a| a.iter())
}

fn index() -> &'static HashMap<&'static str, (&'static str, &'static str)> {
    static INDEX: OnceLock<HashMap<&'static str, (&'static str, &'static str)>> = OnceLock::new();
    INDEX.get_or_init(|| all().map(|(k, zh, en)| (*k, (*zh, *en))).collect())
}

/// The text of `key` in `lang`; an unknown key shows itself (and fails the catalog test).
pub fn text(key: &str, lang: Lang) -> String {
    index()
        .get(key)
        .map(|(zh, en)| lang.pick(zh, en).to_string())
        .unwrap_or_else(|| key.to_string())
}

/// The text of `key` in `lang`, when the catalog has it.
pub fn known(key: &str, lang: Lang) -> Option<String> {
    index()
        .get(key)
        .map(|(zh, en)| lang.pick(zh, en).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn keys_are_unique_and_translated() {
        let mut seen = HashSet::new();
        for (k, zh, en) in all() {
            assert!(seen.insert(*k), "duplicate key {k}");
            assert!(!zh.is_empty() && !en.is_empty(), "{k}");
        }
    }

    /// Every `t("…")` in every template names a key of the catalog.
    #[test]
    fn templates_use_known_keys() {
        let keys: HashSet<&str> = all().map(|m| m.0).collect();
        for (name, src) in crate::pages::template_sources() {
            for quote in ['"', '\''] {
                let pat = format!("t({quote}");
                let mut rest: &str = src;
                while let Some(i) = rest.find(&pat) {
                    let after = &rest[i + pat.len()..];
                    let end = after.find(quote).unwrap_or(0);
                    let key = &after[..end];
                    // `t(` also ends words like `select(`/`text(`: only dotted keys count.
                    let preceded_by_word = i > 0 && rest.as_bytes()[i - 1].is_ascii_alphanumeric();
                    if !preceded_by_word && key.contains('.') {
                        assert!(keys.contains(key), "{name}: unknown key {key}");
                    }
                    rest = &after[end..];
                }
            }
        }
    }

    #[test]
    fn dynamic_keys_exist() {
        let keys: HashSet<&str> = all().map(|m| m.0).collect();
        for s in [
            "queued", "checking", "sealing", "done", "rejected", "failed",
        ] {
            assert!(keys.contains(format!("imports.status.{s}").as_str()));
        }
        for s in ["draft", "published", "retired"] {
            assert!(keys.contains(format!("item_status.{s}").as_str()));
        }
        for a in [
            "claim",
            "edit",
            "new_version",
            "submit",
            "withdraw",
            "approve",
            "reject",
            "retire",
            "discard",
            "import",
        ] {
            assert!(keys.contains(format!("history.{a}").as_str()), "{a}");
        }
        for c in yiwang_kernel::ErrorCode::ALL {
            assert!(
                keys.contains(format!("error.title.{}", c.status()).as_str()),
                "{}",
                c.status()
            );
        }
        for p in yiwang_kernel::auth::Permission::ALL {
            assert!(
                keys.contains(format!("perm.{}", p.as_str()).as_str()),
                "{}",
                p.as_str()
            );
        }
        for k in [
            "case.channel.1",
            "case.channel.2",
            "case.channel.3",
            "case.applicant_type.1",
            "case.applicant_type.2",
            "case.decision.grant",
            "case.decision.refuse",
            "delivery.window",
            "delivery.mail",
            "delivery.electronic",
            "warning.none",
            "warning.yellow",
            "warning.red",
            "source.application",
            "source.window",
            "source.supplement",
            "source.licence",
            "source.data",
            "library.population",
            "library.legal_person",
            "stop.supplement",
            "stop.special",
            "special.type.1",
            "special.type.2",
        ] {
            assert!(keys.contains(k), "{k}");
        }
        for s in [
            "open",
            "verified",
            "rectified",
            "closed",
            "appealed",
            "excluded",
        ] {
            assert!(
                keys.contains(format!("followup.status.{s}").as_str()),
                "{s}"
            );
        }
        for s in ["verify", "rectify", "reply", "appeal"] {
            assert!(keys.contains(format!("followup.step.{s}").as_str()), "{s}");
        }
        for a in ["authorised", "viewed", "copied"] {
            assert!(keys.contains(format!("wallet.use.{a}").as_str()), "{a}");
        }
        for v in ["valid", "expired", "unknown", "licence_invalid", "tampered"] {
            assert!(
                keys.contains(format!("verify.copy.verdict.{v}").as_str()),
                "{v}"
            );
        }
        for s in yiwang_cases::Status::ALL {
            assert!(
                keys.contains(format!("my.next.{}", s.as_str()).as_str()),
                "{s:?}"
            );
        }
        for (s, _) in yiwang_cases::rating::SERVICES {
            assert!(keys.contains(format!("rating.service.{s}").as_str()), "{s}");
        }
        for (l, _, _) in yiwang_cases::rating::LEVELS {
            assert!(keys.contains(format!("rating.level.{l}").as_str()), "{l}");
        }
        for (c, _) in yiwang_cases::rating::INDICATORS {
            assert!(
                keys.contains(format!("rating.indicator.{c}").as_str()),
                "{c}"
            );
        }
        for a in [
            "applied",
            "withdrawn",
            "supplemented",
            "rated",
            "received",
            "accept",
            "not_accept",
            "notice",
            "claim",
            "approve",
            "return",
            "refuse",
            "request_supplement",
            "urge",
            "special_start",
            "special_end",
            "deliver",
        ] {
            assert!(keys.contains(format!("flash.case_{a}").as_str()), "{a}");
        }
        for s in ["active", "expired", "revoked"] {
            assert!(keys.contains(format!("grant.status.{s}").as_str()), "{s}");
        }
        for f in [
            "registered",
            "acting",
            "personal",
            "choose_org",
            "no_org",
            "org_registered",
            "org_pending",
            "change_requested",
            "change_confirmed",
            "change_rejected",
            "agent_granted",
            "agent_revoked",
            "staff_created",
            "staff_deactivated",
            "staff_activated",
            "roles_saved",
            "token_revoked",
            "saved",
            "submitted",
            "withdrawn",
            "new_version",
            "retired",
            "approved",
            "rejected",
            "discarded",
            "created",
        ] {
            assert!(keys.contains(format!("flash.{f}").as_str()), "{f}");
        }
    }
}
