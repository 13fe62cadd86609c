//! The monitoring rules as plain functions: parsing and checking a rule's settings, and
//! deciding whether one process event (or one case's clock) raises a warning. No I/O: the scan
//! ([`super::scan`]) gathers the facts (the approver's surname and declared address, whether
//! the day is a working day) and stores what these functions answer.

use serde_json::{Value, json};
use time::OffsetDateTime;
use yiwang_cases::service::watch_feed::{OverdueCase, WatchEvent};
use yiwang_kernel::FieldError;
use yiwang_kernel::clock::CHINA_OFFSET;

use super::model::{Params, RuleKind};

/// The decisions the rules on decisions look at.
pub const DECISION: &str = "decided";

/// A warning a rule raises: its subject (what makes it unique on the case), colour level and
/// description (监察结果描述).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub subject: String,
    pub level: i64,
    pub description: String,
    pub raised_at: OffsetDateTime,
}

/// The approver of a decision as the `relative` rule needs them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Approver {
    pub username: String,
    pub surname: String,
    pub address_index: Option<String>,
}

/// The colour level of a severity: 1 yellow, 2 red.
pub fn level_of(severity: &str) -> i64 {
    if severity == "red" { 2 } else { 1 }
}

pub fn colour_of(level: i64) -> &'static str {
    if level >= 2 { "red" } else { "yellow" }
}

fn int(params: &Value, key: &str, default: i64, min: i64, max: i64) -> Result<i64, FieldError> {
    match params.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(v) => match v.as_i64() {
            Some(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(FieldError::range(format!("params.{key}"), min, max)),
        },
    }
}

/// "HH:MM" → minutes after midnight.
fn hhmm(params: &Value, key: &str, default: i64) -> Result<i64, FieldError> {
    let Some(v) = params.get(key) else {
        return Ok(default);
    };
    let bad = || {
        FieldError::new(
            format!("params.{key}"),
            "watch.time_format",
            "时间应为“时:分”格式，如08:00",
            "A time is HH:MM, e.g. 08:00",
        )
    };
    let s = v.as_str().ok_or_else(bad)?;
    let (h, m) = s.split_once(':').ok_or_else(bad)?;
    let h: i64 = h.trim().parse().map_err(|_| bad())?;
    let m: i64 = m.trim().parse().map_err(|_| bad())?;
    if !(0..=24).contains(&h) || !(0..60).contains(&m) || h * 60 + m > 24 * 60 {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

/// Parses and checks the settings of a rule of `kind` (defaults filled in).
pub fn parse_params(kind: RuleKind, params: &Value) -> Result<Params, Vec<FieldError>> {
    if !(params.is_object() || params.is_null()) {
        return Err(vec![FieldError::new(
            "params",
            "watch.params_object",
            "规则参数应为JSON对象",
            "The rule's settings are a JSON object",
        )]);
    }
    let mut errs = Vec::new();
    let mut take = |r: Result<i64, FieldError>| match r {
        Ok(v) => v,
        Err(e) => {
            errs.push(e);
            0
        }
    };
    let p = match kind {
        RuleKind::Overdue => Params::Overdue,
        RuleKind::Relative => Params::Relative,
        RuleKind::FastApproval => Params::FastApproval {
            seconds_per_material: take(int(params, "seconds_per_material", 30, 0, 3600)),
            min_seconds: take(int(params, "min_seconds", 60, 0, 86_400)),
        },
        RuleKind::RepeatedReturns => Params::RepeatedReturns {
            min_returns: take(int(params, "min_returns", 2, 1, 50)),
        },
        RuleKind::OffHours => {
            let start = take(hhmm(params, "start", 8 * 60));
            let end = take(hhmm(params, "end", 18 * 60));
            if errs.is_empty() && start >= end {
                errs.push(FieldError::new(
                    "params.end",
                    "watch.hours_order",
                    "下班时间应晚于上班时间",
                    "The working day ends after it starts",
                ));
            }
            let working_days_only = match params.get("working_days_only") {
                None | Some(Value::Null) => true,
                Some(Value::Bool(b)) => *b,
                Some(_) => {
                    errs.push(FieldError::new(
                        "params.working_days_only",
                        "watch.boolean",
                        "应为 true 或 false",
                        "Either true or false",
                    ));
                    true
                }
            };
            Params::OffHours {
                start,
                end,
                working_days_only,
            }
        }
    };
    if errs.is_empty() { Ok(p) } else { Err(errs) }
}

/// The settings written back in full (defaults made visible).
pub fn params_json(p: &Params) -> Value {
    match p {
        Params::Overdue | Params::Relative => json!({}),
        Params::FastApproval {
            seconds_per_material,
            min_seconds,
        } => json!({ "seconds_per_material": seconds_per_material, "min_seconds": min_seconds }),
        Params::RepeatedReturns { min_returns } => json!({ "min_returns": min_returns }),
        Params::OffHours {
            start,
            end,
            working_days_only,
        } => json!({
            "start": format!("{:02}:{:02}", start / 60, start % 60),
            "end": format!("{:02}:{:02}", end / 60, end % 60),
            "working_days_only": working_days_only,
        }),
    }
}

/// Whether the event is a decision a member of staff took (the platform's automatic approval
/// 智能秒批 is fast by design and never watched).
fn staff_decision(e: &WatchEvent) -> bool {
    e.action == DECISION && e.actor.starts_with("staff:")
}

fn minutes(t: OffsetDateTime) -> i64 {
    let l = t.to_offset(CHINA_OFFSET);
    i64::from(l.hour()) * 60 + i64::from(l.minute())
}

/// Whether event `e` raises a warning under a rule with settings `p` and colour `level`.
/// `working_day`: whether the event's Asia/Shanghai day is a working day; `approver`: the
/// decision's approver, when known.
pub fn check_event(
    p: &Params,
    level: i64,
    e: &WatchEvent,
    working_day: bool,
    approver: Option<&Approver>,
) -> Option<Hit> {
    let at = e.at;
    match p {
        Params::Overdue => None,
        Params::FastApproval {
            seconds_per_material,
            min_seconds,
        } => {
            if !staff_decision(e) || e.decision.as_deref() != Some("grant") {
                return None;
            }
            let accepted = e.accepted_at?;
            let took = (at - accepted).whole_seconds();
            let limit = (seconds_per_material * e.materials).max(*min_seconds);
            (took < limit).then(|| Hit {
                subject: format!("event:{}", e.event_id),
                level,
                description: format!(
                    "受理后{took}秒即作出准予决定（{}份材料，应不少于{limit}秒），审批人：{}",
                    e.materials, e.actor_name
                ),
                raised_at: at,
            })
        }
        Params::RepeatedReturns { min_returns } => {
            let returned =
                yiwang_cases::repo::watch_feed::RETURN_ACTIONS.contains(&e.action.as_str());
            (returned && e.returns >= *min_returns).then(|| Hit {
                subject: String::new(),
                level,
                description: format!(
                    "办件已被退回或要求补正{}次（阈值{min_returns}次），最近一次：{}",
                    e.returns, e.actor_name
                ),
                raised_at: at,
            })
        }
        Params::OffHours {
            start,
            end,
            working_days_only,
        } => {
            if !staff_decision(e) {
                return None;
            }
            let m = minutes(at);
            let outside = m < *start || m >= *end;
            let holiday = *working_days_only && !working_day;
            let l = at.to_offset(CHINA_OFFSET);
            (outside || holiday).then(|| Hit {
                subject: format!("event:{}", e.event_id),
                level,
                description: format!(
                    "于{}年{}月{}日{:02}:{:02}{}作出决定，审批人：{}",
                    l.year(),
                    u8::from(l.month()),
                    l.day(),
                    l.hour(),
                    l.minute(),
                    if holiday {
                        "（非工作日）"
                    } else {
                        "（工作时间外）"
                    },
                    e.actor_name
                ),
                raised_at: at,
            })
        }
        Params::Relative => {
            if !staff_decision(e) {
                return None;
            }
            let a = approver?;
            let surname = e.applicant_surname.as_deref()?;
            let idx = e.applicant_address_index.as_deref()?;
            (!surname.is_empty()
                && surname == a.surname
                && a.address_index.as_deref() == Some(idx))
            .then(|| Hit {
                subject: format!("staff:{}", a.username),
                level,
                description: format!(
                    "审批人{}与申请人同姓（{surname}）且申报住址与申请表所填住址相同，疑似应回避",
                    e.actor_name
                ),
                raised_at: at,
            })
        }
    }
}

/// Whether an open case's clock raises an `overdue` warning (its own colour is the level).
pub fn check_overdue(c: &OverdueCase) -> Option<Hit> {
    let level = match c.warning.as_str() {
        "red" => 2,
        "yellow" => 1,
        _ => return None,
    };
    let due = c
        .promised_due
        .or(c.statutory_due)
        .map(|d| d.to_string())
        .unwrap_or_default();
    Some(Hit {
        subject: c.warning.clone(),
        level,
        description: if level == 2 {
            format!("办件已超期或即将超过法定时限（承诺期限{due}）")
        } else {
            format!("办件临近承诺期限（{due}）")
        },
        raised_at: c.since,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn decision(at: OffsetDateTime, accepted: OffsetDateTime, materials: i64) -> WatchEvent {
        WatchEvent {
            event_id: 7,
            case_no: "C1".into(),
            department_id: 1,
            division_code: "440800".into(),
            item_code: "I".into(),
            item_name: "事项".into(),
            case_type: "2".into(),
            action: DECISION.into(),
            at,
            actor: "staff:officer".into(),
            actor_name: "张三".into(),
            accepted_at: Some(accepted),
            materials,
            returns: 0,
            warning: "none".into(),
            decision: Some("grant".into()),
            applicant_surname: Some("张".into()),
            applicant_address_index: Some("idx".into()),
        }
    }

    fn params(kind: RuleKind, v: Value) -> Params {
        parse_params(kind, &v).unwrap()
    }

    #[test]
    fn fast_approval_scales_with_materials() {
        let p = params(RuleKind::FastApproval, json!({}));
        let acc = datetime!(2026-11-23 02:00 UTC);
        // Ten materials: 300 s at least; 20 s is too fast, 301 s is not.
        let hit = check_event(
            &p,
            2,
            &decision(acc + time::Duration::seconds(20), acc, 10),
            true,
            None,
        );
        assert!(hit.is_some_and(|h| h.level == 2 && h.subject == "event:7"));
        assert!(
            check_event(
                &p,
                2,
                &decision(acc + time::Duration::seconds(301), acc, 10),
                true,
                None
            )
            .is_none()
        );
        // No materials: the floor (60 s) applies.
        assert!(
            check_event(
                &p,
                2,
                &decision(acc + time::Duration::seconds(59), acc, 0),
                true,
                None
            )
            .is_some()
        );
        // The platform's automatic approval is never watched.
        let mut auto = decision(acc, acc, 10);
        auto.actor = "client:0".into();
        assert!(check_event(&p, 2, &auto, true, None).is_none());
    }

    #[test]
    fn off_hours_and_holidays() {
        let p = params(
            RuleKind::OffHours,
            json!({"start": "08:30", "end": "17:30"}),
        );
        let acc = datetime!(2026-11-20 00:00 UTC);
        // 09:00 Shanghai on a working day: fine; 19:00: outside; 09:00 on a holiday: flagged.
        let at9 = datetime!(2026-11-23 01:00 UTC);
        assert!(check_event(&p, 1, &decision(at9, acc, 1), true, None).is_none());
        assert!(check_event(&p, 1, &decision(at9, acc, 1), false, None).is_some());
        let at19 = datetime!(2026-11-23 11:00 UTC);
        assert!(check_event(&p, 1, &decision(at19, acc, 1), true, None).is_some());
    }

    #[test]
    fn relative_needs_surname_and_address() {
        let p = params(RuleKind::Relative, json!({}));
        let acc = datetime!(2026-11-20 00:00 UTC);
        let e = decision(datetime!(2026-11-23 02:00 UTC), acc, 1);
        let same = Approver {
            username: "officer".into(),
            surname: "张".into(),
            address_index: Some("idx".into()),
        };
        assert!(check_event(&p, 2, &e, true, Some(&same)).is_some());
        let elsewhere = Approver {
            address_index: Some("other".into()),
            ..same.clone()
        };
        assert!(check_event(&p, 2, &e, true, Some(&elsewhere)).is_none());
        let other_name = Approver {
            surname: "李".into(),
            ..same
        };
        assert!(check_event(&p, 2, &e, true, Some(&other_name)).is_none());
    }

    #[test]
    fn bad_settings_name_the_field() {
        let e =
            parse_params(RuleKind::FastApproval, &json!({"seconds_per_material": -1})).unwrap_err();
        assert_eq!(e[0].field, "params.seconds_per_material");
        let e = parse_params(
            RuleKind::OffHours,
            &json!({"start": "18:00", "end": "08:00"}),
        )
        .unwrap_err();
        assert_eq!(e[0].field, "params.end");
        let e = parse_params(RuleKind::OffHours, &json!({"start": "8点"})).unwrap_err();
        assert_eq!(e[0].field, "params.start");
        assert_eq!(
            params_json(&params(RuleKind::RepeatedReturns, json!({}))),
            json!({"min_returns": 2})
        );
    }
}
