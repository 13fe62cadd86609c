//! Reading warnings (`supervision.view`, within the reader's reach), handling their supervision
//! cases (`supervision.handle` over the warning's department: take 受理 → notes and directive
//! 督办 → conclude 办结 with an outcome) and the monitoring rules (`supervision.admin`). Every
//! change is written with its audit entry in one transaction; refusals are audited.

use std::collections::HashMap;

use serde_json::json;
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::{Ctx, Permission, Scope, Target};
use yiwang_kernel::codes::DivisionCode;
use yiwang_kernel::error::Problems;
use yiwang_kernel::{Error, ErrorCode, FieldError, Result, text};

use super::model::{
    MonitorRule, Outcome, RuleInput, RuleKind, WarningAction, WarningFilter, WarningNote,
    WarningPage, WarningView,
};
use super::repo::{self, NoteRow, RuleRow, WarningRow};
use super::rules;
use crate::SupervisionService;

fn rule_view(r: RuleRow) -> MonitorRule {
    MonitorRule {
        params: serde_json::from_str(&r.params).unwrap_or_default(),
        code: r.code,
        name_zh: r.name_zh,
        name_en: r.name_en,
        kind: r.kind,
        severity: r.severity,
        active: r.active,
        updated_by: r.updated_by,
        updated_at: r.updated_at,
    }
}

fn code_ok(s: &str) -> bool {
    (1..=32).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

impl SupervisionService {
    async fn refuse(&self, ctx: &Ctx, object: &str, attempted: &str, e: Error) -> Error {
        yiwang_audit::denied(&self.db, ctx, object, attempted, self.clock.now()).await;
        e
    }

    /// Every monitoring rule (`supervision.view`).
    pub async fn monitor_rules(&self, ctx: &Ctx) -> Result<Vec<MonitorRule>> {
        if let Err(e) = ctx.actor.require(Permission::SupervisionView) {
            return Err(self.refuse(ctx, "monitor_rules", "watch.rules", e).await);
        }
        let mut c = self.db.clone();
        Ok(repo::rules(&mut c)
            .await?
            .into_iter()
            .map(rule_view)
            .collect())
    }

    /// Creates or changes rule `code` (`supervision.admin`): its kind's settings are checked
    /// and stored in full. Audited (`watch.rule.save`).
    pub async fn save_monitor_rule(
        &self,
        ctx: &Ctx,
        code: &str,
        input: RuleInput,
    ) -> Result<MonitorRule> {
        let code = code.trim();
        let object = format!("monitor_rule:{code}");
        if let Err(e) = ctx.actor.require(Permission::SupervisionAdmin) {
            return Err(self.refuse(ctx, &object, "watch.rule.save", e).await);
        }
        let mut p = Problems::new();
        if !code_ok(code) {
            p.push(FieldError::new(
                "code",
                "watch.code_format",
                "规则编号应为1～32位小写字母、数字或“_”",
                "A rule code has 1–32 lower-case letters, digits or '_'",
            ));
        }
        let name_zh = p.take(text::required("name_zh", &input.name_zh, 100));
        let name_en = p.take(text::optional("name_en", &input.name_en, 200));
        let mut c = self.db.clone();
        let existing = repo::rule(&mut c, code).await?;
        let kind_text = if input.kind.trim().is_empty() {
            existing
                .as_ref()
                .map(|r| r.kind.clone())
                .unwrap_or_default()
        } else {
            input.kind.trim().to_string()
        };
        let kind = RuleKind::parse(&kind_text);
        if kind.is_none() {
            p.push(FieldError::one_of(
                "kind",
                &RuleKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
            ));
        }
        if let Some(e) = &existing
            && e.kind != kind_text
        {
            p.push(FieldError::new(
                "kind",
                "watch.kind_fixed",
                "已有规则的类型不能修改",
                "An existing rule keeps its kind",
            ));
        }
        if !matches!(input.severity.as_str(), "yellow" | "red") {
            p.push(FieldError::one_of("severity", &["yellow", "red"]));
        }
        let params = match kind.map(|k| rules::parse_params(k, &input.params)) {
            Some(Ok(params)) => Some(params),
            Some(Err(errs)) => {
                p.extend(errs);
                None
            }
            None => None,
        };
        p.into_result()?;
        let Some(params) = params else {
            return Err(Error::internal("rule settings unchecked"));
        };
        let now = self.clock.now();
        let row = RuleRow {
            code: code.to_string(),
            name_zh: name_zh.unwrap_or_default(),
            name_en: name_en.unwrap_or_default(),
            kind: kind_text,
            params: rules::params_json(&params).to_string(),
            severity: input.severity.clone(),
            active: input.active,
            updated_by: ctx.actor.label(),
            updated_at: Some(now),
        };
        let mut tx = self.db.write().await?;
        repo::upsert_rule(&mut tx, &row).await?;
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "watch.rule.save", object.as_str())
                .source(&ctx.source)
                .data(json!({
                    "kind": row.kind, "params": rules::params_json(&params),
                    "severity": row.severity, "active": row.active,
                    "created": existing.is_none(),
                })),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(rule_view(row))
    }

    async fn views(&self, rows: Vec<WarningRow>) -> Result<Vec<WarningView>> {
        let mut c = self.db.clone();
        let names: HashMap<String, (String, String)> = repo::rules(&mut c)
            .await?
            .into_iter()
            .map(|r| (r.code, (r.name_zh, r.name_en)))
            .collect();
        let mut depts: HashMap<i64, String> = HashMap::new();
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let department_name = match depts.get(&r.department_id) {
                Some(n) => n.clone(),
                None => {
                    let n = yiwang_org::service::department_in(&mut c, r.department_id)
                        .await?
                        .map(|d| d.name)
                        .unwrap_or_default();
                    depts.insert(r.department_id, n.clone());
                    n
                }
            };
            let (rz, re) = names.get(&r.rule_code).cloned().unwrap_or_default();
            out.push(WarningView {
                id: r.id,
                warning_no: r.warning_no,
                rule_name_zh: rz,
                rule_name_en: re,
                rule_code: r.rule_code,
                case_no: r.case_no,
                subject: r.subject,
                department_id: r.department_id,
                department_name,
                division_code: r.division_code,
                item_code: r.item_code,
                item_name: r.item_name,
                case_type: r.case_type,
                level: r.level,
                colour: rules::colour_of(r.level).to_string(),
                raised_at: r.raised_at,
                detected_at: r.detected_at,
                description: r.description,
                status: r.status,
                handler_id: r.handler_id,
                handler_name: r.handler_name,
                taken_at: r.taken_at,
                directive: r.directive,
                directive_at: r.directive_at,
                outcome_zh: r
                    .outcome
                    .as_deref()
                    .and_then(Outcome::parse)
                    .map(|o| o.zh().to_string()),
                outcome: r.outcome,
                conclusion: r.conclusion,
                concluded_at: r.concluded_at,
                revision: r.revision,
                notes: Vec::new(),
            });
        }
        Ok(out)
    }

    /// The warnings within the caller's reach (`supervision.view`) matching `f`, newest first.
    pub async fn warnings(&self, ctx: &Ctx, f: &WarningFilter) -> Result<WarningPage> {
        if let Err(e) = ctx.actor.require(Permission::SupervisionView) {
            return Err(self.refuse(ctx, "watch_warnings", "watch.list", e).await);
        }
        let scope = ctx.actor.scope_of(Permission::SupervisionView);
        let limit = f.limit.unwrap_or(50).clamp(1, 200);
        let offset = f.offset.unwrap_or(0).max(0);
        let mut c = self.db.clone();
        let (rows, total) = repo::list(&mut c, &scope, f, limit, offset).await?;
        Ok(WarningPage {
            items: self.views(rows).await?,
            total,
        })
    }

    /// Warnings not yet concluded within the caller's reach: (yellow, red).
    pub async fn open_warning_counts(&self, ctx: &Ctx) -> Result<(i64, i64)> {
        ctx.actor.require(Permission::SupervisionView)?;
        let scope = ctx.actor.scope_of(Permission::SupervisionView);
        let mut c = self.db.clone();
        let mut out = (0, 0);
        for (level, n) in repo::open_counts(&mut c, &scope).await? {
            if level >= 2 {
                out.1 += n;
            } else {
                out.0 += n;
            }
        }
        Ok(out)
    }

    /// Loads warning `id` if within the caller's reach for `perm` (else "not found", audited).
    async fn reachable(
        &self,
        ctx: &Ctx,
        id: i64,
        perm: Permission,
        attempted: &str,
    ) -> Result<WarningRow> {
        let object = format!("watch_warning:{id}");
        if let Err(e) = ctx.actor.require(perm) {
            return Err(self.refuse(ctx, &object, attempted, e).await);
        }
        let mut c = self.db.clone();
        let row = repo::by_id(&mut c, id)
            .await?
            .ok_or_else(Error::not_found)?;
        let division = DivisionCode::parse(&row.division_code)
            .map_err(|_| Error::internal("stored division code is invalid"))?;
        let target = Target {
            department_id: Some(row.department_id),
            division: &division,
        };
        if !ctx.actor.may_on(perm, target) {
            return Err(self
                .refuse(ctx, &object, attempted, Error::not_found())
                .await);
        }
        Ok(row)
    }

    /// One warning with its supervision case's history (`supervision.view` over it).
    pub async fn warning(&self, ctx: &Ctx, id: i64) -> Result<WarningView> {
        let row = self
            .reachable(ctx, id, Permission::SupervisionView, "watch.read")
            .await?;
        let mut c = self.db.clone();
        let notes = repo::notes(&mut c, id).await?;
        let mut v = self
            .views(vec![row])
            .await?
            .pop()
            .ok_or_else(Error::not_found)?;
        v.notes = notes
            .into_iter()
            .map(|n| WarningNote {
                at: n.at,
                actor: n.actor,
                actor_name: n.actor_name,
                kind: n.kind,
                text: n.text,
            })
            .collect();
        Ok(v)
    }

    /// Whether the caller may handle warning `id` (for pages: show the forms or not).
    pub async fn may_handle_warning(&self, ctx: &Ctx, w: &WarningView) -> bool {
        let Ok(division) = DivisionCode::parse(&w.division_code) else {
            return false;
        };
        ctx.actor.may_on(
            Permission::SupervisionHandle,
            Target {
                department_id: Some(w.department_id),
                division: &division,
            },
        ) && ctx.actor.scope_of(Permission::SupervisionHandle) != Scope::Nothing
    }

    /// Acts on warning `id`'s supervision case (`supervision.handle` over its department):
    /// `take` (open → handling, the caller becomes the handler), `note`, `directive` (督办: the
    /// content sent to the responsible department), `conclude` (handling → concluded with an
    /// outcome and a conclusion). Audited (`watch.<action>`).
    pub async fn act_on_warning(
        &self,
        ctx: &Ctx,
        id: i64,
        a: WarningAction,
    ) -> Result<WarningView> {
        let action = a.action.trim().to_string();
        let attempted = format!(
            "watch.{}",
            if action.is_empty() {
                "act"
            } else {
                action.as_str()
            }
        );
        let mut row = self
            .reachable(ctx, id, Permission::SupervisionHandle, &attempted)
            .await?;
        if let Some(r) = a.revision
            && r != row.revision
        {
            return Err(Error::new(ErrorCode::Conflict).with_detail(
                "该预警已被他人处理，请刷新后重试",
                "Someone else changed this warning: reload and try again",
            ));
        }
        let state = |zh: &str, en: &str| Error::new(ErrorCode::InvalidState).with_detail(zh, en);
        let now = self.clock.now();
        let (actor_name, actor_id) = match ctx.actor.staff() {
            Some(s) => (s.name.clone(), Some(s.user_id)),
            None => (ctx.actor.label(), None),
        };
        let text_of = |max: usize, required: bool| -> Result<String> {
            if required {
                text::required("text", &a.text, max).map_err(Error::field)
            } else {
                text::optional("text", &a.text, max).map_err(Error::field)
            }
        };
        let note_text;
        match action.as_str() {
            "take" => {
                if row.status != "open" {
                    return Err(state("该预警已有人受理", "This warning is already taken"));
                }
                note_text = text_of(1000, false)?;
                row.status = "handling".into();
                row.handler_id = actor_id;
                row.handler_name = actor_name.clone();
                row.taken_at = Some(now);
            }
            "note" | "directive" => {
                if row.status == "concluded" {
                    return Err(state("该预警已办结", "This warning is concluded"));
                }
                note_text = text_of(2000, true)?;
                if action == "directive" {
                    if row.status == "open" {
                        return Err(state(
                            "请先受理再督办",
                            "Take the warning before issuing a directive",
                        ));
                    }
                    row.directive = note_text.clone();
                    row.directive_at = Some(now);
                }
            }
            "conclude" => {
                if row.status != "handling" {
                    return Err(state(
                        "只有处理中的预警可以办结",
                        "Only a warning being handled can be concluded",
                    ));
                }
                let outcome = a.outcome.as_deref().map(str::trim).and_then(Outcome::parse);
                let mut p = Problems::new();
                if outcome.is_none() {
                    p.push(FieldError::one_of(
                        "outcome",
                        &Outcome::ALL.iter().map(|o| o.as_str()).collect::<Vec<_>>(),
                    ));
                }
                let t = p.take(text::required("text", &a.text, 2000));
                p.into_result()?;
                note_text = t.unwrap_or_default();
                row.status = "concluded".into();
                row.outcome = outcome.map(|o| o.as_str().to_string());
                row.conclusion = note_text.clone();
                row.concluded_at = Some(now);
            }
            _ => {
                return Err(Error::field(FieldError::one_of(
                    "action",
                    &["take", "note", "directive", "conclude"],
                )));
            }
        }
        let expected = row.revision;
        row.revision += 1;
        let mut tx = self.db.write().await?;
        if !repo::save(&mut tx, &row, expected).await? {
            return Err(Error::new(ErrorCode::Conflict).with_detail(
                "该预警已被他人处理，请刷新后重试",
                "Someone else changed this warning: reload and try again",
            ));
        }
        repo::add_note(
            &mut tx,
            row.id,
            &NoteRow {
                at: now,
                actor: ctx.actor.label(),
                actor_name,
                kind: action.clone(),
                text: note_text,
            },
        )
        .await?;
        record(
            &mut tx,
            &Entry::success(
                &ctx.actor,
                &attempted,
                format!("watch_warning:{}", row.warning_no),
            )
            .source(&ctx.source)
            .data(json!({
                "case_no": row.case_no, "rule": row.rule_code,
                "status": row.status, "outcome": row.outcome,
            })),
            now,
        )
        .await?;
        tx.commit().await?;
        self.warning(ctx, id).await
    }
}
