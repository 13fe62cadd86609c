//! The sweep (`scan`): reads the process data after the cursor through the cases' feed, asks
//! every active rule about each event (and the `overdue` rule about every open case showing a
//! colour), and stores the warnings not raised before — (rule, case, subject) is unique, so a
//! re-scan never duplicates. Runs in `serve`'s background loop and as `yiwang watch scan`.

use std::collections::HashMap;

use serde_json::json;
use time::OffsetDateTime;
use yiwang_audit::{Entry, record};
use yiwang_cases::service::watch_feed::{OverdueCase, WatchEvent};
use yiwang_kernel::Result;
use yiwang_kernel::auth::{Actor, Ctx, Permission};
use yiwang_kernel::clock::CHINA_OFFSET;

use super::model::{Params, RuleKind, ScanReport};
use super::repo::{self, NewWarning};
use super::rules::{self, Approver, Hit};
use crate::SupervisionService;

/// `watch_state` name of the cursor over the process data.
const CURSOR: &str = "cursor";
/// Events read per batch (one transaction per batch).
const BATCH: i64 = 500;

/// An active rule, parsed.
struct Active {
    code: String,
    params: Params,
    level: i64,
}

impl SupervisionService {
    /// The active rules with their parsed settings (a rule whose stored settings no longer
    /// parse is skipped with a log line, never guessed).
    async fn active_rules(&self) -> Result<Vec<Active>> {
        let mut c = self.db.clone();
        let mut out = Vec::new();
        for r in repo::rules(&mut c).await? {
            if !r.active {
                continue;
            }
            let Some(kind) = RuleKind::parse(&r.kind) else {
                tracing::warn!(rule = %r.code, kind = %r.kind, "monitoring rule of unknown kind skipped");
                continue;
            };
            let value: serde_json::Value = serde_json::from_str(&r.params).unwrap_or_default();
            match rules::parse_params(kind, &value) {
                Ok(params) => out.push(Active {
                    level: rules::level_of(&r.severity),
                    code: r.code,
                    params,
                }),
                Err(_) => {
                    tracing::warn!(rule = %r.code, "monitoring rule with bad settings skipped");
                }
            }
        }
        Ok(out)
    }

    /// The approver of a staff decision: surname and declared address index.
    async fn approver(
        &self,
        e: &WatchEvent,
        cache: &mut HashMap<String, Option<Approver>>,
    ) -> Result<Option<Approver>> {
        let Some(username) = e.actor.strip_prefix("staff:") else {
            return Ok(None);
        };
        if let Some(a) = cache.get(username) {
            return Ok(a.clone());
        }
        let a = match self.identity.active_staff_by_username(username).await? {
            Some(s) => Some(Approver {
                username: s.username.clone(),
                surname: yiwang_identity::kin::surname(&s.name),
                address_index: self.identity.staff_address_index(s.id).await?,
            }),
            None => None,
        };
        cache.insert(username.to_string(), a.clone());
        Ok(a)
    }

    /// Stores `hit` of rule `code` on the case unless raised before; true when new.
    async fn raise(
        &self,
        tx: &mut impl yiwang_store::Conn,
        code: &str,
        facts: CaseFacts<'_>,
        hit: Hit,
        now: OffsetDateTime,
    ) -> Result<bool> {
        if repo::exists(tx, code, facts.case_no, &hit.subject).await? {
            return Ok(false);
        }
        let day = now.to_offset(CHINA_OFFSET).date();
        let ymd = format!(
            "{:04}{:02}{:02}",
            day.year(),
            u8::from(day.month()),
            day.day()
        );
        let n = repo::next(tx, &format!("no:{ymd}")).await?;
        repo::insert(
            tx,
            &NewWarning {
                warning_no: format!("JC{ymd}{n:06}"),
                rule_code: code.to_string(),
                case_no: facts.case_no.to_string(),
                subject: hit.subject,
                department_id: facts.department_id,
                division_code: facts.division_code.to_string(),
                item_code: facts.item_code.to_string(),
                item_name: facts.item_name.to_string(),
                case_type: facts.case_type.to_string(),
                level: hit.level,
                raised_at: hit.raised_at,
                detected_at: now,
                description: hit.description,
            },
        )
        .await?;
        Ok(true)
    }

    /// Runs every active monitoring rule over the process data not yet read and the open
    /// cases' clocks (the platform, or `supervision.handle`). Audited (`watch.scan`) when it
    /// read or raised anything.
    pub async fn scan(&self, ctx: &Ctx) -> Result<ScanReport> {
        if !matches!(ctx.actor, Actor::System { .. })
            && let Err(e) = ctx.actor.require(Permission::SupervisionHandle)
        {
            yiwang_audit::denied(&self.db, ctx, "watch", "watch.scan", self.clock.now()).await;
            return Err(e);
        }
        let sys = Ctx::system("watch");
        let rules = self.active_rules().await?;
        let mut report = ScanReport::default();
        let mut c = self.db.clone();
        let mut cursor = repo::state(&mut c, CURSOR).await?;
        let calendar = self.calendar.current().await?;
        let mut approvers: HashMap<String, Option<Approver>> = HashMap::new();
        let watch_events = rules.iter().any(|r| r.params != Params::Overdue);
        loop {
            let events = if watch_events {
                self.sources.cases.watch_feed(&sys, cursor, BATCH).await?
            } else {
                Vec::new()
            };
            let Some(last) = events.last().map(|e| e.event_id) else {
                break;
            };
            let mut hits: Vec<(String, usize, Hit)> = Vec::new();
            for (i, e) in events.iter().enumerate() {
                let day = e.at.to_offset(CHINA_OFFSET).date();
                let working = calendar.is_working_day(day).unwrap_or_else(|_| {
                    !matches!(
                        day.weekday(),
                        time::Weekday::Saturday | time::Weekday::Sunday
                    )
                });
                let approver = if e.action == rules::DECISION
                    && rules.iter().any(|r| r.params == Params::Relative)
                {
                    self.approver(e, &mut approvers).await?
                } else {
                    None
                };
                for r in &rules {
                    if let Some(h) =
                        rules::check_event(&r.params, r.level, e, working, approver.as_ref())
                    {
                        hits.push((r.code.clone(), i, h));
                    }
                }
            }
            let now = self.clock.now();
            let mut tx = self.db.write().await?;
            for (code, i, hit) in hits {
                let Some(e) = events.get(i) else { continue };
                if self
                    .raise(&mut tx, &code, CaseFacts::of_event(e), hit, now)
                    .await?
                {
                    report.raised += 1;
                }
            }
            repo::set_state(&mut tx, CURSOR, last).await?;
            tx.commit().await?;
            report.events += events.len() as i64;
            cursor = last;
        }
        report.cursor = cursor;
        if let Some(r) = rules.iter().find(|r| r.params == Params::Overdue) {
            let mut after = 0;
            loop {
                let cases = self.sources.cases.watch_overdue(&sys, after, BATCH).await?;
                let Some(last) = cases.last().map(|c| c.case_id) else {
                    break;
                };
                let now = self.clock.now();
                let mut tx = self.db.write().await?;
                for oc in &cases {
                    let Some(hit) = rules::check_overdue(oc) else {
                        continue;
                    };
                    if self
                        .raise(&mut tx, &r.code, CaseFacts::of_overdue(oc), hit, now)
                        .await?
                    {
                        report.raised += 1;
                    }
                }
                tx.commit().await?;
                report.overdue_cases += cases.len() as i64;
                after = last;
            }
        }
        if report.events > 0 || report.raised > 0 {
            let mut tx = self.db.write().await?;
            record(
                &mut tx,
                &Entry::success(&ctx.actor, "watch.scan", "watch")
                    .source(&ctx.source)
                    .data(json!({
                        "events": report.events,
                        "overdue_cases": report.overdue_cases,
                        "raised": report.raised,
                        "cursor": report.cursor,
                    })),
                self.clock.now(),
            )
            .await?;
            tx.commit().await?;
        }
        Ok(report)
    }
}

/// The case facts a warning records.
#[derive(Clone, Copy)]
struct CaseFacts<'a> {
    case_no: &'a str,
    department_id: i64,
    division_code: &'a str,
    item_code: &'a str,
    item_name: &'a str,
    case_type: &'a str,
}

impl<'a> CaseFacts<'a> {
    fn of_event(e: &'a WatchEvent) -> Self {
        CaseFacts {
            case_no: &e.case_no,
            department_id: e.department_id,
            division_code: &e.division_code,
            item_code: &e.item_code,
            item_name: &e.item_name,
            case_type: &e.case_type,
        }
    }

    fn of_overdue(c: &'a OverdueCase) -> Self {
        CaseFacts {
            case_no: &c.case_no,
            department_id: c.department_id,
            division_code: &c.division_code,
            item_code: &c.item_code,
            item_name: &c.item_name,
            case_type: &c.case_type,
        }
    }
}
