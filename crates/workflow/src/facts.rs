//! Shared facts for automatic rules (智能秒批 on shared data): a rule may check a field of the
//! applicant's row in a shared data resource (`{"fact": {"code": "married", "resource":
//! "101001/000003", "field": "marital_status", "op": "eq", "value": "20"}}`).
//!
//! The engine stays pure: it never reads data. The caller reads the applicant's rows of the
//! resources the rule names (through its department's grant, recorded against the case) and
//! hands them in as [`Facts`]; a resource the caller did not read is named in the evaluation
//! ([`crate::Evaluation::unread`]), so a caller can read it and evaluate again. A fact check
//! holds only when the row was read and its field satisfies the comparison; a missing grant, a
//! missing row, a field the grant does not give, or a mismatch fails it, with the reason in
//! Chinese and English in the recorded evaluation.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use yiwang_kernel::FieldError;

use crate::rules::{Check, Op};

/// Longest resource code (`前段码/后段码`) or field name a fact check may name.
const MAX_NAME: usize = 64;

/// A check on the applicant's row in a shared data resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactCheck {
    /// Names the check in the recorded reasons; unique within the rule.
    pub code: String,
    /// The resource's code (政务信息资源代码, `前段码/后段码`), keyed by the applicant's ID number
    /// (a person) or USCC (an enterprise).
    pub resource: String,
    /// The data item (信息项) of the row compared.
    pub field: String,
    pub op: Op,
    #[serde(default)]
    pub value: Value,
}

/// What the caller read of one resource for the applicant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fact {
    /// The applicant's row: the fields the grant gives.
    Row { values: BTreeMap<String, Value> },
    /// The resource holds no row for the applicant.
    NoRow,
    /// The data could not be read (no grant, resource not published, rate exceeded…).
    Unavailable { zh: String, en: String },
}

/// The facts read for one evaluation, by resource code.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Facts(pub BTreeMap<String, Fact>);

impl Facts {
    pub fn new() -> Facts {
        Facts::default()
    }

    pub fn insert(&mut self, resource: &str, fact: Fact) {
        self.0.insert(resource.trim().to_string(), fact);
    }

    pub fn get(&self, resource: &str) -> Option<&Fact> {
        self.0.get(resource.trim())
    }
}

/// Why a check held or not, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    pub zh: String,
    pub en: String,
}

impl FactCheck {
    /// Evaluates the check on `facts`: whether it held, the field's value when read, and why
    /// (`None`: the resource was not read).
    pub fn judge(&self, facts: &Facts) -> (bool, Option<Value>, Option<Reason>) {
        let r = self.resource.trim();
        let f = &self.field;
        let reason = |zh: String, en: String| Some(Reason { zh, en });
        match facts.get(r) {
            None => (
                false,
                None,
                reason(
                    format!("未读取资源 {r} 的共享数据"),
                    format!("The shared data of resource {r} was not read"),
                ),
            ),
            Some(Fact::Unavailable { zh, en }) => (
                false,
                None,
                reason(
                    format!("无法读取资源 {r} 的共享数据：{zh}"),
                    format!("The shared data of resource {r} could not be read: {en}"),
                ),
            ),
            Some(Fact::NoRow) => (
                false,
                None,
                reason(
                    format!("资源 {r} 中没有申请人的记录"),
                    format!("Resource {r} holds no row for the applicant"),
                ),
            ),
            Some(Fact::Row { values }) => match values.get(f) {
                None => (
                    false,
                    None,
                    reason(
                        format!("资源 {r} 的申请人记录中没有（或未授权）信息项 {f}"),
                        format!(
                            "The applicant's row in resource {r} has no (granted) data item {f}"
                        ),
                    ),
                ),
                Some(v) => {
                    let held = self.as_check().holds(Some(v));
                    let shown = text(v);
                    let want = text(&self.value);
                    let op = self.op.as_str();
                    if held {
                        (
                            true,
                            Some(v.clone()),
                            reason(
                                format!("资源 {r} 的信息项 {f} 为“{shown}”，符合（{op} {want}）"),
                                format!(
                                    "Resource {r}'s {f} is \"{shown}\", as required ({op} {want})"
                                ),
                            ),
                        )
                    } else {
                        (
                            false,
                            Some(v.clone()),
                            reason(
                                format!("资源 {r} 的信息项 {f} 为“{shown}”，不符合（{op} {want}）"),
                                format!(
                                    "Resource {r}'s {f} is \"{shown}\", not as required ({op} {want})"
                                ),
                            ),
                        )
                    }
                }
            },
        }
    }

    /// The comparison as a form-field check (same operators, same semantics).
    pub(crate) fn as_check(&self) -> Check {
        Check {
            code: self.code.clone(),
            field: self.field.clone(),
            op: self.op,
            value: self.value.clone(),
        }
    }

    pub(crate) fn validate(&self, path: &str, errs: &mut Vec<FieldError>) {
        self.as_check().validate(path, errs);
        let r = self.resource.trim();
        if r.is_empty() {
            errs.push(FieldError::required(format!("{path}.resource")));
        } else if !resource_code_shape(r) {
            errs.push(FieldError::new(
                format!("{path}.resource"),
                "workflow.fact_resource",
                "资源代码应为“前段码/后段码”（如 101001/000001）",
                "A resource code is \"prefix/suffix\" (e.g. 101001/000001)",
            ));
        }
        if self.field.chars().count() > MAX_NAME {
            errs.push(FieldError::new(
                format!("{path}.field"),
                "workflow.fact_field",
                format!("信息项名称不超过 {MAX_NAME} 个字符"),
                format!("A data item name has at most {MAX_NAME} characters"),
            ));
        }
    }
}

/// A resource code's shape: two non-empty parts of letters and digits joined by `/`. Whether
/// it names a published resource is the catalog's business (checked on save through its
/// resource check).
fn resource_code_shape(s: &str) -> bool {
    s.chars().count() <= MAX_NAME
        && s.split_once('/').is_some_and(|(a, b)| {
            !a.is_empty()
                && !b.is_empty()
                && a.chars()
                    .chain(b.chars())
                    .all(|c| c.is_ascii_alphanumeric())
        })
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(op: Op, value: Value) -> FactCheck {
        FactCheck {
            code: "status".into(),
            resource: "101002/000001".into(),
            field: "status".into(),
            op,
            value,
        }
    }

    fn row(v: Value) -> Fact {
        Fact::Row {
            values: serde_json::from_value(v).unwrap(),
        }
    }

    #[test]
    fn judged_on_what_was_read() {
        let c = check(Op::Eq, json!("存续"));
        let mut facts = Facts::new();
        let (held, actual, why) = c.judge(&facts);
        assert!(!held && actual.is_none());
        assert!(why.unwrap().en.contains("was not read"));

        facts.insert("101002/000001", Fact::NoRow);
        let (held, _, why) = c.judge(&facts);
        assert!(!held);
        assert_eq!(why.unwrap().zh, "资源 101002/000001 中没有申请人的记录");

        facts.insert(
            "101002/000001",
            Fact::Unavailable {
                zh: "没有有效的共享授权".into(),
                en: "no active grant".into(),
            },
        );
        let (held, _, why) = c.judge(&facts);
        assert!(!held);
        assert!(
            why.unwrap()
                .en
                .ends_with("could not be read: no active grant")
        );

        facts.insert("101002/000001", row(json!({"name": "x"})));
        let (held, _, why) = c.judge(&facts);
        assert!(!held);
        assert!(why.unwrap().zh.contains("没有（或未授权）信息项 status"));

        facts.insert("101002/000001", row(json!({"status": "吊销"})));
        let (held, actual, why) = c.judge(&facts);
        assert!(!held);
        assert_eq!(actual, Some(json!("吊销")));
        assert!(why.unwrap().zh.contains("为“吊销”，不符合"));

        facts.insert("101002/000001", row(json!({"status": "存续"})));
        let (held, actual, _) = c.judge(&facts);
        assert!(held);
        assert_eq!(actual, Some(json!("存续")));

        let ge = check(Op::Ge, json!(3));
        facts.insert("101002/000001", row(json!({"status": 5})));
        assert!(ge.judge(&facts).0);
    }

    #[test]
    fn validation_names_the_resource() {
        let mut errs = Vec::new();
        let mut c = check(Op::Eq, json!("存续"));
        c.validate("r.fact", &mut errs);
        assert!(errs.is_empty(), "{errs:?}");
        for bad in ["", "101002", "101002/", "1010 02/1", "a/b/c"] {
            let mut errs = Vec::new();
            c.resource = bad.into();
            c.validate("r.fact", &mut errs);
            assert_eq!(errs.len(), 1, "{bad}");
            assert_eq!(errs[0].field, "r.fact.resource");
        }
    }
}
