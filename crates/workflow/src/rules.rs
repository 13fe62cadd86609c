//! Declared rules of automatic steps (智能秒批): simple predicates on form fields, and on the
//! applicant's shared data ([`crate::facts`]), combined with `all`/`any`.
//!
//! JSON shape: `{"all": [...]}`, `{"any": [...]}`,
//! `{"check": {"code": "adult", "field": "age", "op": "ge", "value": 18}}` or
//! `{"fact": {"code": "alive", "resource": "101002/000001", "field": "status", "op": "eq",
//! "value": "存续"}}`.
//!
//! Semantics: numbers compare as numbers, strings compare as text (so ISO dates compare in
//! time order), `eq`/`ne` compare JSON values (1 and 1.0 are equal). A missing or `null` field
//! satisfies no comparison (not even `ne`); `present` holds for a field that exists and is not
//! `null`, an empty/blank string or an empty list. Every check is evaluated (no short cut), so
//! the recorded evaluation names every check that held and every one that did not.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use yiwang_kernel::FieldError;

use crate::facts::{FactCheck, Facts, Reason};

/// Deepest nesting of `all`/`any`.
pub const MAX_DEPTH: usize = 8;

/// A rule: a check, or checks combined.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Holds when every part holds.
    All(Vec<Rule>),
    /// Holds when at least one part holds.
    Any(Vec<Rule>),
    Check(Check),
    /// A check on the applicant's row in a shared data resource.
    Fact(FactCheck),
}

/// One predicate on one form field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// Names the check in the recorded reasons; unique within the rule.
    pub code: String,
    pub field: String,
    pub op: Op,
    #[serde(default)]
    pub value: Value,
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// The field's value is one of the listed values.
    In,
    /// The field is filled in.
    Present,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "eq",
            Op::Ne => "ne",
            Op::Lt => "lt",
            Op::Le => "le",
            Op::Gt => "gt",
            Op::Ge => "ge",
            Op::In => "in",
            Op::Present => "present",
        }
    }
}

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckOutcome {
    pub code: String,
    pub field: String,
    pub op: Op,
    pub expected: Value,
    /// The field's value, `None` when absent.
    pub actual: Option<Value>,
    pub held: bool,
    /// For a fact check: the resource read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// For a fact check: why it held or not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
}

/// The evaluation of a rule: whether it held, and every check that held (`matched`) and did
/// not (`failed`), in declaration order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub passed: bool,
    pub matched: Vec<CheckOutcome>,
    pub failed: Vec<CheckOutcome>,
    /// Resources a fact check named that were not among the facts given (read them and
    /// evaluate again).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unread: Vec<String>,
}

impl Evaluation {
    /// Records one check's outcome among those that held or did not; answers whether it held.
    fn record(
        &mut self,
        c: &Check,
        actual: Option<Value>,
        held: bool,
        resource: Option<String>,
        reason: Option<Reason>,
    ) -> bool {
        let out = CheckOutcome {
            code: c.code.clone(),
            field: c.field.clone(),
            op: c.op,
            expected: c.value.clone(),
            actual,
            held,
            resource,
            reason,
        };
        if held {
            self.matched.push(out);
        } else {
            self.failed.push(out);
        }
        held
    }
}

/// The form fields a rule reads.
pub type Fields = BTreeMap<String, Value>;

impl Rule {
    /// Evaluates the rule on the form fields (fact checks fail: no shared data is given).
    pub fn evaluate(&self, fields: &Fields) -> Evaluation {
        self.evaluate_with(fields, &Facts::default())
    }

    /// Evaluates the rule on the form fields and the shared facts read for the applicant.
    pub fn evaluate_with(&self, fields: &Fields, facts: &Facts) -> Evaluation {
        let mut ev = Evaluation {
            passed: false,
            matched: Vec::new(),
            failed: Vec::new(),
            unread: Vec::new(),
        };
        ev.passed = self.eval(fields, facts, &mut ev);
        ev
    }

    /// The resources the rule's fact checks read, each once, in declaration order.
    pub fn resources(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        self.each_fact(&mut |f| {
            let r = f.resource.trim();
            if !out.contains(&r) {
                out.push(r);
            }
        });
        out
    }

    fn each_fact<'a>(&'a self, f: &mut impl FnMut(&'a FactCheck)) {
        match self {
            Rule::All(parts) | Rule::Any(parts) => parts.iter().for_each(|p| p.each_fact(f)),
            Rule::Check(_) => {}
            Rule::Fact(c) => f(c),
        }
    }

    fn eval(&self, fields: &Fields, facts: &Facts, ev: &mut Evaluation) -> bool {
        match self {
            // Evaluate every part (no short cut) so that every reason is recorded.
            Rule::All(parts) => {
                let held: Vec<bool> = parts.iter().map(|r| r.eval(fields, facts, ev)).collect();
                held.into_iter().all(|h| h)
            }
            Rule::Any(parts) => {
                let held: Vec<bool> = parts.iter().map(|r| r.eval(fields, facts, ev)).collect();
                held.into_iter().any(|h| h)
            }
            Rule::Fact(c) => {
                let (held, actual, reason) = c.judge(facts);
                let resource = c.resource.trim().to_string();
                if facts.get(&resource).is_none() && !ev.unread.contains(&resource) {
                    ev.unread.push(resource.clone());
                }
                ev.record(&c.as_check(), actual, held, Some(resource), reason)
            }
            Rule::Check(c) => {
                let actual = fields.get(&c.field).cloned();
                let held = c.holds(actual.as_ref());
                ev.record(c, actual, held, None, None)
            }
        }
    }

    pub(crate) fn validate(&self, path: &str, errs: &mut Vec<FieldError>) {
        self.validate_at(path, 1, errs);
    }

    fn validate_at(&self, path: &str, depth: usize, errs: &mut Vec<FieldError>) {
        if depth > MAX_DEPTH {
            errs.push(FieldError::new(
                path,
                "workflow.rule_depth",
                format!("规则嵌套不能超过 {MAX_DEPTH} 层"),
                format!("Rules may be nested at most {MAX_DEPTH} deep"),
            ));
            return;
        }
        match self {
            Rule::All(parts) | Rule::Any(parts) => {
                let key = if matches!(self, Rule::All(_)) {
                    "all"
                } else {
                    "any"
                };
                if parts.is_empty() {
                    errs.push(FieldError::new(
                        format!("{path}.{key}"),
                        "workflow.rule_empty",
                        "组合规则至少需要一条子规则",
                        "A combined rule needs at least one part",
                    ));
                }
                for (i, r) in parts.iter().enumerate() {
                    r.validate_at(&format!("{path}.{key}[{i}]"), depth + 1, errs);
                }
            }
            Rule::Check(c) => c.validate(&format!("{path}.check"), errs),
            Rule::Fact(c) => c.validate(&format!("{path}.fact"), errs),
        }
    }

    pub(crate) fn check_codes<'a>(
        &'a self,
        path: &str,
        seen: &mut BTreeSet<&'a str>,
        errs: &mut Vec<FieldError>,
    ) {
        match self {
            Rule::All(parts) | Rule::Any(parts) => {
                let key = if matches!(self, Rule::All(_)) {
                    "all"
                } else {
                    "any"
                };
                for (i, r) in parts.iter().enumerate() {
                    r.check_codes(&format!("{path}.{key}[{i}]"), seen, errs);
                }
            }
            Rule::Check(Check { code, .. }) | Rule::Fact(FactCheck { code, .. }) => {
                let key = if matches!(self, Rule::Check(_)) {
                    "check"
                } else {
                    "fact"
                };
                if !code.is_empty() && !seen.insert(code) {
                    errs.push(FieldError::new(
                        format!("{path}.{key}.code"),
                        "workflow.duplicate_code",
                        format!("规则编码“{code}”重复"),
                        format!("Rule code \"{code}\" is used twice"),
                    ));
                }
            }
        }
    }
}

impl Check {
    /// Whether the check holds for the field's value (`None`: absent).
    pub fn holds(&self, actual: Option<&Value>) -> bool {
        let actual = match actual {
            None | Some(Value::Null) => return false,
            Some(v) => v,
        };
        match self.op {
            Op::Present => match actual {
                Value::String(s) => !s.trim().is_empty(),
                Value::Array(a) => !a.is_empty(),
                _ => true,
            },
            Op::Eq => same(actual, &self.value),
            Op::Ne => !same(actual, &self.value),
            Op::In => match &self.value {
                Value::Array(options) => options.iter().any(|o| same(actual, o)),
                _ => false,
            },
            Op::Lt => order(actual, &self.value) == Some(Ordering::Less),
            Op::Le => matches!(
                order(actual, &self.value),
                Some(Ordering::Less | Ordering::Equal)
            ),
            Op::Gt => order(actual, &self.value) == Some(Ordering::Greater),
            Op::Ge => matches!(
                order(actual, &self.value),
                Some(Ordering::Greater | Ordering::Equal)
            ),
        }
    }

    pub(crate) fn validate(&self, path: &str, errs: &mut Vec<FieldError>) {
        if self.code.trim().is_empty() {
            errs.push(FieldError::required(format!("{path}.code")));
        }
        if self.field.trim().is_empty() {
            errs.push(FieldError::required(format!("{path}.field")));
        }
        let ok = match self.op {
            Op::Present => self.value.is_null(),
            Op::Eq | Op::Ne => !self.value.is_null(),
            Op::In => matches!(&self.value, Value::Array(a) if !a.is_empty()),
            Op::Lt | Op::Le | Op::Gt | Op::Ge => {
                matches!(self.value, Value::Number(_) | Value::String(_))
            }
        };
        if !ok {
            let (zh, en) = match self.op {
                Op::Present => ("“present”不带比较值", "`present` takes no value"),
                Op::Eq | Op::Ne => ("需要比较值", "A value to compare with is required"),
                Op::In => ("“in”需要一个非空的取值列表", "`in` needs a non-empty list"),
                _ => (
                    "大小比较需要数字或文本",
                    "An ordering comparison needs a number or a text",
                ),
            };
            errs.push(FieldError::new(
                format!("{path}.value"),
                format!("workflow.rule_value.{}", self.op.as_str()),
                zh,
                en,
            ));
        }
    }
}

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => x == y,
            _ => x == y,
        },
        _ => a == b,
    }
}

fn order(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.as_str().cmp(y.as_str())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(code: &str, field: &str, op: Op, value: Value) -> Rule {
        Rule::Check(Check {
            code: code.into(),
            field: field.into(),
            op,
            value,
        })
    }

    fn fields(v: Value) -> Fields {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn operators() {
        let f = fields(
            json!({"age": 20, "kind": "new", "date": "2024-05-01", "blank": " ", "none": null, "list": []}),
        );
        let cases = [
            (Op::Eq, "age", json!(20.0), true),
            (Op::Ne, "age", json!(21), true),
            (Op::Ne, "missing", json!(21), false),
            (Op::Lt, "age", json!(21), true),
            (Op::Le, "age", json!(20), true),
            (Op::Gt, "age", json!(20), false),
            (Op::Ge, "age", json!(18), true),
            (Op::Ge, "age", json!("18"), false),
            (Op::Lt, "date", json!("2024-06-01"), true),
            (Op::In, "kind", json!(["new", "renew"]), true),
            (Op::In, "kind", json!(["change"]), false),
            (Op::Present, "kind", Value::Null, true),
            (Op::Present, "blank", Value::Null, false),
            (Op::Present, "none", Value::Null, false),
            (Op::Present, "list", Value::Null, false),
            (Op::Present, "missing", Value::Null, false),
            (Op::Eq, "none", Value::Null, false),
        ];
        for (op, field, value, want) in cases {
            let c = Check {
                code: "c".into(),
                field: field.into(),
                op,
                value: value.clone(),
            };
            assert_eq!(
                c.holds(f.get(field)),
                want,
                "{field} {} {value}",
                op.as_str()
            );
        }
    }

    #[test]
    fn evaluation_records_every_check() {
        let rule = Rule::All(vec![
            check("adult", "age", Op::Ge, json!(18)),
            Rule::Any(vec![
                check("local", "division", Op::Eq, json!("440802")),
                check("resident", "permit", Op::Present, Value::Null),
            ]),
        ]);
        let ev = rule.evaluate(&fields(json!({"age": 30, "division": "440803"})));
        assert!(!ev.passed);
        let codes = |v: &[CheckOutcome]| v.iter().map(|o| o.code.clone()).collect::<Vec<_>>();
        assert_eq!(codes(&ev.matched), ["adult"]);
        assert_eq!(codes(&ev.failed), ["local", "resident"]);
        assert_eq!(ev.failed[1].actual, None);

        let ev = rule.evaluate(&fields(json!({"age": 30, "permit": "P-1"})));
        assert!(ev.passed);
        assert_eq!(codes(&ev.matched), ["adult", "resident"]);
    }

    #[test]
    fn validation_names_the_field_and_rule() {
        let rule = Rule::All(vec![
            check("a", "", Op::In, json!("x")),
            Rule::Any(vec![]),
            check("a", "f", Op::Present, json!(1)),
        ]);
        let mut errs = Vec::new();
        rule.validate("auto.rule", &mut errs);
        let mut seen = BTreeSet::new();
        rule.check_codes("auto.rule", &mut seen, &mut errs);
        let got: Vec<(String, String)> = errs.into_iter().map(|e| (e.field, e.rule)).collect();
        assert_eq!(
            got,
            [
                ("auto.rule.all[0].check.field".into(), "required".into()),
                (
                    "auto.rule.all[0].check.value".into(),
                    "workflow.rule_value.in".into()
                ),
                ("auto.rule.all[1].any".into(), "workflow.rule_empty".into()),
                (
                    "auto.rule.all[2].check.value".into(),
                    "workflow.rule_value.present".into()
                ),
                (
                    "auto.rule.all[2].check.code".into(),
                    "workflow.duplicate_code".into()
                ),
            ]
        );
    }
}
