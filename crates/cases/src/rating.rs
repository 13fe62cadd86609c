//! 好差评 (docs/standards/ratings.md): the applicant rates each evaluable service of a case (一事一评:
//! 申报, 补正, 办结) once, and may add one follow-up rating (追评); a bad rating (不满意,
//! 非常不满意) opens a follow-up for the responsible department with a deadline in working days
//! (verification → rectification → reply to the applicant), and the department may appeal a
//! mistaken or malicious rating to a supervisor (申诉复核).
//!
//! One internal scale: `level` 5 非常满意 … 1 非常不满意 (the stars). Translated at the edges:
//! GB/T 39046 A.8 满意度代码 = 6 − level (1 = 非常满意); the national 好差评 interface's
//! `satisfaction` = level (1 = 非常不满意).

use serde::{Deserialize, Serialize};
use serde_json::json;
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::{Actor, Ctx, Permission, Scope, Target};
use yiwang_kernel::codes::DivisionCode;
use yiwang_kernel::{Error, ErrorCode, FieldError, Result, text};

use crate::model::Status;
use crate::repo::ratings::{self, Step};
use crate::repo::{self, NewEvent};
use crate::service::{CaseService, required_text};

/// The levels, best first: (level, zh).
pub const LEVELS: &[(i64, &str, &str)] = &[
    (5, "非常满意", "very satisfied"),
    (4, "满意", "satisfied"),
    (3, "基本满意", "fairly satisfied"),
    (2, "不满意", "dissatisfied"),
    (1, "非常不满意", "very dissatisfied"),
];

/// Indicators (评价指标) of online services (docs/standards/ratings.md §6.2); codes are ours [U: national codes unknown].
pub const INDICATORS: &[(&str, &str)] = &[
    ("501", "整体满意度"),
    ("502", "办事效率"),
    ("503", "办事指南精确度"),
    ("504", "办事便捷度"),
    ("505", "平台操作性"),
    ("601", "服务效率"),
    ("602", "服务水平"),
    ("603", "服务态度"),
];

/// The evaluable services (一事一评).
pub const SERVICES: &[(&str, &str)] = &[
    ("apply", "申报"),
    ("supplement", "补正"),
    ("conclude", "办结"),
];

/// GB/T 39046 A.8 满意度代码 of an internal level.
pub fn gb_code(level: i64) -> i64 {
    6 - level
}

/// The national 好差评 interface's `satisfaction` of an internal level.
pub fn interface_code(level: i64) -> i64 {
    level
}

pub fn level_zh(level: i64) -> &'static str {
    LEVELS
        .iter()
        .find(|l| l.0 == level)
        .map(|l| l.1)
        .unwrap_or("")
}

/// A rating as given.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct RatingInput {
    /// `apply`, `supplement` or `conclude`.
    pub service: String,
    /// 1 (非常不满意) … 5 (非常满意).
    pub level: i64,
    /// Indicator codes (`501` …).
    pub indicators: Vec<String>,
    pub comment: String,
    /// 评价渠道 `pf`: 1 PC, 2 mobile, 3 QR code, 4 hall tablet, 5 hall terminal.
    pub channel: String,
}

/// A stored rating.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Rating {
    pub id: i64,
    pub case_no: String,
    pub service: String,
    pub assess_number: i64,
    pub level: i64,
    pub level_zh: String,
    /// GB/T 39046 A.8 code (1 = 非常满意).
    pub gb_code: i64,
    /// 好差评 interface code (5 = 非常满意).
    pub satisfaction: i64,
    pub indicators: Vec<String>,
    pub comment: String,
    pub channel: String,
    #[serde(with = "time::serde::rfc3339")]
    pub rated_at: OffsetDateTime,
    pub excluded: bool,
    pub followup: Option<Followup>,
}

/// The follow-up of a bad rating.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Followup {
    pub id: i64,
    pub rating_id: i64,
    pub department_id: i64,
    /// open, verified, rectified, closed, appealed, excluded.
    pub status: String,
    #[schema(value_type = String)]
    #[serde(with = "crate::model::ymd")]
    pub due_date: Date,
    pub verification: String,
    pub rectification: String,
    pub reply: String,
    pub appeal_reason: String,
    pub appeal_note: String,
    pub revision: i64,
}

/// A step of a follow-up.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct FollowupStep {
    /// `verify` (核实), `rectify` (整改), `reply` (反馈 to the applicant) or `appeal` (申诉).
    pub step: String,
    pub text: String,
    pub revision: Option<i64>,
}

/// A supervisor's decision on an appeal.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct AppealDecision {
    /// `true`: the rating was mistaken or malicious and is excluded from the statistics.
    pub uphold: bool,
    pub note: String,
    pub revision: Option<i64>,
}

/// A follow-up with its rating, for the department's list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FollowupItem {
    pub followup: Followup,
    pub case_no: String,
    pub item_name: String,
    pub level: i64,
    pub comment: String,
    pub overdue: bool,
}

impl CaseService {
    /// The applicant rates a service of their case.
    pub async fn rate(&self, ctx: &Ctx, case_no: &str, input: &RatingInput) -> Result<Rating> {
        let mut p = yiwang_kernel::error::Problems::new();
        let service = input.service.trim();
        if !SERVICES.iter().any(|s| s.0 == service) {
            p.push(FieldError::one_of(
                "service",
                &["apply", "supplement", "conclude"],
            ));
        }
        if !(1..=5).contains(&input.level) {
            p.push(FieldError::range("level", 1, 5));
        }
        for (i, c) in input.indicators.iter().enumerate() {
            if !INDICATORS.iter().any(|x| x.0 == c) {
                let all: Vec<&str> = INDICATORS.iter().map(|x| x.0).collect();
                p.push(FieldError::one_of(format!("indicators[{i}]"), &all));
            }
        }
        let comment = p
            .take(text::optional("comment", &input.comment, 500))
            .unwrap_or_default();
        let channel = match input.channel.trim() {
            "" => "1",
            c @ ("1" | "2" | "3" | "4" | "5") => c,
            _ => {
                p.push(FieldError::one_of("channel", &["1", "2", "3", "4", "5"]));
                "1"
            }
        };
        if input.level <= 2 && comment.trim().is_empty() {
            p.push(FieldError::new(
                "comment",
                "rating.comment_required",
                "差评请说明原因，以便部门核实整改",
                "Please say what went wrong, so the department can follow it up",
            ));
        }
        p.into_result()?;
        let now = self.clock.now();
        let today = self.today();
        let mut tx = self.db.write().await?;
        let Some(row) = repo::by_no(&mut tx, case_no.trim()).await? else {
            tx.rollback().await?;
            return Err(Error::not_found());
        };
        if !Self::owns(&ctx.actor, &row, false) {
            tx.rollback().await?;
            return Err(Error::not_found());
        }
        let status = row.status()?;
        let eligible = match service {
            "apply" => true,
            "supplement" => {
                row.notice_given || {
                    let ps = repo::pauses(&mut tx, row.id).await?;
                    ps.iter().any(|p| p.kind == "supplement")
                }
            }
            _ => matches!(status, Status::Concluded | Status::Delivered),
        };
        if !eligible {
            tx.rollback().await?;
            return Err(Error::new(ErrorCode::InvalidState).with_detail(
                "该服务尚未发生，暂不能评价",
                "This service has not happened yet; it cannot be rated",
            ));
        }
        let n = ratings::count(&mut tx, row.id, service).await?;
        if n >= 2 {
            tx.rollback().await?;
            return Err(Error::new(ErrorCode::Duplicate).with_detail(
                "该服务已评价并追评过",
                "This service was already rated and followed up",
            ));
        }
        let assess = n + 1;
        let person_id = ctx.actor.person().map(|p| p.person_id);
        let id = ratings::insert(
            &mut tx,
            &ratings::NewRating {
                case_id: row.id,
                service,
                assess_number: assess,
                level: input.level,
                indicators: input.indicators.join(","),
                comment: &comment,
                channel,
                person_id,
                rated_at: now,
            },
        )
        .await?;
        if input.level <= 2 {
            let cal = self.calendar.current().await?;
            let due = cal
                .add_working_days_estimate(today, self.config.followup_days)?
                .value;
            ratings::open_followup(&mut tx, id, row.id, row.department_id, due, now).await?;
        }
        let seq = repo::next_event_seq(&mut tx, row.id).await?;
        repo::insert_event(
            &mut tx,
            row.id,
            seq,
            now,
            &NewEvent {
                actor: ctx.actor.label(),
                actor_name: crate::service::actor_name(&ctx.actor),
                action: "rated".to_string(),
                from_status: row.status.clone(),
                to_status: row.status.clone(),
                data: json!({ "service": service, "level": input.level, "assess_number": assess }),
                ..NewEvent::default()
            },
        )
        .await?;
        tx.commit().await?;
        self.ratings_of(ctx, case_no)
            .await?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or_else(Error::not_found)
    }

    /// The ratings of a case, with their follow-ups (applicant or staff who may read it).
    pub async fn ratings_of(&self, ctx: &Ctx, case_no: &str) -> Result<Vec<Rating>> {
        let mut db = self.db.clone();
        let row = repo::by_no(&mut db, case_no.trim())
            .await?
            .ok_or_else(Error::not_found)?;
        if !self.may_read(ctx, &row) {
            return Err(Error::not_found());
        }
        let rows = ratings::of_case(&mut db, row.id).await?;
        let mut out = Vec::new();
        for r in rows {
            let followup = ratings::followup_of(&mut db, r.id).await?;
            out.push(Rating {
                id: r.id,
                case_no: row.case_no.clone(),
                service: r.service,
                assess_number: r.assess_number,
                level: r.level,
                level_zh: level_zh(r.level).to_string(),
                gb_code: gb_code(r.level),
                satisfaction: interface_code(r.level),
                indicators: r
                    .indicators
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
                comment: r.comment,
                channel: r.channel,
                rated_at: r.rated_at,
                excluded: r.excluded,
                followup,
            });
        }
        Ok(out)
    }

    /// Follow-ups of bad ratings within reach (`case.handle`: one's department; supervisors:
    /// their division), open ones first.
    pub async fn followups(&self, ctx: &Ctx, open_only: bool) -> Result<Vec<FollowupItem>> {
        let scope = match ctx.actor.scope_of(Permission::CaseHandle) {
            Scope::Nothing => ctx.actor.scope_of(Permission::CaseSupervise),
            s => s,
        };
        if scope == Scope::Nothing {
            return Err(match ctx.actor {
                Actor::Anonymous => Error::new(ErrorCode::Unauthenticated),
                _ => Error::forbidden(),
            });
        }
        let mut db = self.db.clone();
        let rows = ratings::followups(&mut db, &scope, open_only).await?;
        let today = self.today();
        Ok(rows
            .into_iter()
            .map(|r| FollowupItem {
                overdue: r.due_date < today && !matches!(r.status.as_str(), "closed" | "excluded"),
                followup: Followup {
                    id: r.id,
                    rating_id: r.rating_id,
                    department_id: r.department_id,
                    status: r.status,
                    due_date: r.due_date,
                    verification: r.verification,
                    rectification: r.rectification,
                    reply: r.reply,
                    appeal_reason: r.appeal_reason,
                    appeal_note: r.appeal_note,
                    revision: r.revision,
                },
                case_no: r.case_no,
                item_name: r.item_name,
                level: r.level,
                comment: r.comment,
            })
            .collect())
    }

    async fn followup_for_update(
        &self,
        tx: &mut yiwang_store::Tx,
        id: i64,
    ) -> Result<(Followup, String)> {
        let (f, division, from) = ratings::followup(tx, id)
            .await?
            .ok_or_else(Error::not_found)?;
        Ok((f, format!("{division}|{from}")))
    }

    /// The responsible department works a follow-up: verify, rectify, reply (closes it), or
    /// appeal the rating.
    pub async fn followup_step(
        &self,
        ctx: &Ctx,
        id: i64,
        input: &FollowupStep,
    ) -> Result<Followup> {
        let text = required_text("text", &input.text, 1000)?;
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        let (f, extra) = self.followup_for_update(&mut tx, id).await?;
        let division = extra.split('|').next().unwrap_or_default().to_string();
        let division = DivisionCode::parse(&division)
            .map_err(|_| Error::internal("stored division invalid"))?;
        if !ctx.actor.may_on(
            Permission::CaseHandle,
            Target {
                department_id: Some(f.department_id),
                division: &division,
            },
        ) {
            tx.rollback().await?;
            return Err(self
                .denied(ctx, &format!("followup:{id}"), "case.handle")
                .await);
        }
        if let Some(r) = input.revision
            && r != f.revision
        {
            tx.rollback().await?;
            return Err(Error::new(ErrorCode::Conflict));
        }
        let (step, next) = match (input.step.as_str(), f.status.as_str()) {
            ("verify", "open") => (Step::Verify, "verified"),
            ("rectify", "verified") => (Step::Rectify, "rectified"),
            ("reply", "verified" | "rectified") => (Step::Reply, "closed"),
            ("appeal", "open" | "verified") => (Step::Appeal, "appealed"),
            ("verify" | "rectify" | "reply" | "appeal", _) => {
                tx.rollback().await?;
                return Err(Error::new(ErrorCode::InvalidState).with_detail(
                    format!("整改单当前状态为 {}，不能执行该步骤", f.status),
                    format!(
                        "The follow-up is {}; this step is not possible now",
                        f.status
                    ),
                ));
            }
            _ => {
                tx.rollback().await?;
                return Err(Error::field(FieldError::one_of(
                    "step",
                    &["verify", "rectify", "reply", "appeal"],
                )));
            }
        };
        if !ratings::take_step(&mut tx, id, f.revision, step, &text, now).await? {
            tx.rollback().await?;
            return Err(Error::new(ErrorCode::Conflict));
        }
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "rating.followup", format!("followup:{id}"))
                .source(&ctx.source)
                .data(json!({ "step": input.step, "status": next })),
            now,
        )
        .await?;
        let (f, _) = self.followup_for_update(&mut tx, id).await?;
        tx.commit().await?;
        Ok(f)
    }

    /// A supervisor decides an appeal: upheld → the rating is excluded; rejected → the
    /// follow-up goes on where it stood.
    pub async fn decide_appeal(
        &self,
        ctx: &Ctx,
        id: i64,
        input: &AppealDecision,
    ) -> Result<Followup> {
        let note = required_text("note", &input.note, 1000)?;
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        let (f, extra) = self.followup_for_update(&mut tx, id).await?;
        let (division, from) = extra.split_once('|').unwrap_or_default();
        let division = DivisionCode::parse(division)
            .map_err(|_| Error::internal("stored division invalid"))?;
        if !ctx.actor.may_on(
            Permission::CaseSupervise,
            Target {
                department_id: Some(f.department_id),
                division: &division,
            },
        ) {
            tx.rollback().await?;
            return Err(self
                .denied(ctx, &format!("followup:{id}"), "case.supervise")
                .await);
        }
        if f.status != "appealed" {
            tx.rollback().await?;
            return Err(Error::new(ErrorCode::InvalidState).with_detail(
                "该整改单没有待复核的申诉",
                "This follow-up has no appeal to decide",
            ));
        }
        if let Some(r) = input.revision
            && r != f.revision
        {
            tx.rollback().await?;
            return Err(Error::new(ErrorCode::Conflict));
        }
        let next = if input.uphold {
            "excluded".to_string()
        } else if from.is_empty() {
            "open".to_string()
        } else {
            from.to_string()
        };
        ratings::decide_appeal(
            &mut tx,
            id,
            f.rating_id,
            &next,
            &note,
            &ctx.actor.label(),
            now,
            input.uphold,
        )
        .await?;
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "rating.appeal.decide", format!("followup:{id}"))
                .source(&ctx.source)
                .data(json!({ "uphold": input.uphold })),
            now,
        )
        .await?;
        let (f, _) = self.followup_for_update(&mut tx, id).await?;
        tx.commit().await?;
        Ok(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_internal_scale_two_code_lists() {
        // GB/T 39046 A.8: 1 非常满意 … 5 非常不满意; the interface: 1 非常不满意 … 5 非常满意.
        assert_eq!(gb_code(5), 1);
        assert_eq!(gb_code(1), 5);
        assert_eq!(interface_code(5), 5);
        assert_eq!(interface_code(1), 1);
        for (level, zh, _) in LEVELS {
            assert_eq!(level_zh(*level), *zh);
            assert_eq!(gb_code(*level) + interface_code(*level), 6);
        }
    }
}
