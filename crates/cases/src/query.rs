//! Reading cases: the case view (applicant or staff), "my cases", the staff inbox, materials,
//! the public progress query, the supervisor's warnings and the deadline sweep.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::Date;
use utoipa::ToSchema;
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::{Actor, Ctx, Permission, Scope, Target};
use yiwang_kernel::paging::{Page, Paged};
use yiwang_kernel::{Error, ErrorCode, FieldError, Result};
use yiwang_org::service::department_in;

use crate::deadline::{self, Limit, Unit};
use crate::flow;
use crate::model::{
    ActiveStep, CaseEvent, CaseMaterial, CasePause, CaseSummary, CaseView, Milestone, Progress,
    Status, Warning, WarningRow,
};
use crate::repo::lists::{self, InboxQuery, Me, Owner};
use crate::repo::{self, CaseRow};
use crate::service::{CaseService, context};
use crate::throttle;
use crate::transitions::{self, Allowed};

/// Filters of the staff inbox.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct InboxFilter {
    pub status: Option<String>,
    pub item_code: Option<String>,
    pub warning: Option<String>,
    /// Submitted on or after (`YYYY-MM-DD`, China).
    #[schema(value_type = Option<String>)]
    #[serde(with = "crate::model::ymd::option")]
    pub from: Option<Date>,
    /// Submitted on or before.
    #[schema(value_type = Option<String>)]
    #[serde(with = "crate::model::ymd::option")]
    pub to: Option<Date>,
    /// Only cases waiting for me (named, or in a pool of my role and department).
    pub mine: bool,
}

/// What the deadline sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct SweepReport {
    pub checked: u64,
    pub changed: u64,
    pub yellow: u64,
    pub red: u64,
    /// Cases whose due date needs a calendar year that is not loaded.
    pub calendar_missing: u64,
}

fn china_start(d: Date) -> time::OffsetDateTime {
    d.midnight()
        .assume_offset(yiwang_kernel::clock::CHINA_OFFSET)
        .to_offset(time::UtcOffset::UTC)
}

impl CaseService {
    /// The case as `ctx` may see it: its applicant (owner), or staff within reach of
    /// `case.read`, or an officer taking part in its workflow.
    pub async fn case(&self, ctx: &Ctx, case_no: &str) -> Result<CaseView> {
        let mut db = self.db.clone();
        let row = repo::by_no(&mut db, case_no.trim())
            .await?
            .ok_or_else(Error::not_found)?;
        if !self.may_read(ctx, &row) {
            return Err(self.hidden(ctx, &row.case_no, "case.read").await);
        }
        self.view_of(ctx, row).await
    }

    /// The applicant's certificate number in clear (ID number or USCC), for staff who may read
    /// the case to check the applicant against shared data (共享数据核验); never shown on a
    /// page, and the exchange domain records the read it is used for.
    pub async fn applicant_code(&self, ctx: &Ctx, case_no: &str) -> Result<String> {
        let mut db = self.db.clone();
        let row = repo::by_no(&mut db, case_no.trim())
            .await?
            .ok_or_else(Error::not_found)?;
        if ctx.actor.staff().is_none() || !self.may_read(ctx, &row) {
            return Err(self.hidden(ctx, &row.case_no, "case.read").await);
        }
        Ok(self
            .keys
            .open(context::CERT, &row.applicant_cert_enc)?
            .to_string())
    }

    /// What `ctx` may do with the case `v` (which it could read) now: the rule of
    /// [`crate::transitions`], for the pages to offer exactly that.
    pub async fn allowed(&self, ctx: &Ctx, v: &CaseView) -> Result<Allowed> {
        let mut db = self.db.clone();
        let row = repo::by_no(&mut db, &v.case_no)
            .await?
            .ok_or_else(Error::not_found)?;
        let info = self.info(&row.item_code, Some(row.item_version)).await?;
        let rel = self.relation(&ctx.actor, &row, &info);
        let state = transitions::State {
            status: v.status,
            notice_given: v.notice_given,
        };
        Ok(transitions::allowed(state, &v.steps, &rel))
    }

    pub(crate) fn may_read(&self, ctx: &Ctx, row: &CaseRow) -> bool {
        if Self::owns(&ctx.actor, row, false) {
            return true;
        }
        let Ok(division) = yiwang_kernel::codes::DivisionCode::parse(&row.division_code) else {
            return false;
        };
        if ctx.actor.may_on(
            Permission::CaseRead,
            Target {
                department_id: Some(row.department_id),
                division: &division,
            },
        ) {
            return true;
        }
        match (ctx.actor.staff(), &row.flow) {
            (Some(s), Some(_)) if ctx.actor.has(Permission::CaseRead) => self
                .instance(row)
                .is_ok_and(|i| flow::involves(&i, s.user_id, s.department_id)),
            _ => false,
        }
    }

    /// Builds the full view (form opened, numbers masked).
    pub(crate) async fn view_of(&self, _ctx: &Ctx, row: CaseRow) -> Result<CaseView> {
        let mut db = self.db.clone();
        let materials = repo::materials(&mut db, row.id).await?;
        let events = repo::events(&mut db, row.id).await?;
        let pauses = repo::pauses(&mut db, row.id).await?;
        let form = self.form_fields_map(&row)?;
        let steps = match &row.flow {
            Some(_) => {
                let info = self.info(&row.item_code, Some(row.item_version)).await?;
                let inst = self.instance(&row)?;
                let cal = self.calendar.current().await?;
                let mut steps = flow::active_steps(&info.definition, &inst);
                for s in &mut steps {
                    let limit = info
                        .definition
                        .find(&s.code)
                        .map(|(_, st)| st.limit_days)
                        .unwrap_or(0);
                    if limit > 0 {
                        let start = s
                            .started_at
                            .to_offset(yiwang_kernel::clock::CHINA_OFFSET)
                            .date();
                        s.due = cal.add_working_days(start, limit).ok();
                    }
                }
                steps
            }
            None => Vec::new(),
        };
        let pauses = pauses.iter().map(|p| p.view()).collect();
        let bundle_name = match &row.bundle_no {
            Some(no) => repo::bundles::name_of(&mut db, no).await?,
            None => None,
        };
        let mut view = Self::assemble_view(row, form, materials, events, pauses, steps)?;
        view.bundle_name = bundle_name;
        Ok(view)
    }

    /// The view from its parts (a new case answers from what it just wrote, without reading
    /// it back).
    pub(crate) fn assemble_view(
        row: CaseRow,
        form: serde_json::Map<String, Value>,
        materials: Vec<CaseMaterial>,
        events: Vec<CaseEvent>,
        pauses: Vec<CasePause>,
        steps: Vec<ActiveStep>,
    ) -> Result<CaseView> {
        let status = row.status()?;
        Ok(CaseView {
            status_zh: status.zh().to_string(),
            status_en: status.en().to_string(),
            status,
            warning: Warning::parse(&row.warning).unwrap_or(Warning::None),
            decision: row
                .decision
                .as_deref()
                .and_then(crate::model::Decision::parse),
            delivery_method: row
                .delivery_method
                .as_deref()
                .and_then(crate::model::DeliveryMethod::parse),
            bundle_no: row.bundle_no,
            bundle_name: None,
            case_no: row.case_no,
            item_code: row.item_code,
            item_name: row.item_name,
            item_version: row.item_version,
            department_id: row.department_id,
            division_code: row.division_code,
            case_type: row.case_type,
            channel: row.channel,
            applicant_type: row.applicant_type,
            applicant_name: row.applicant_name,
            applicant_cert: row.applicant_cert_mask,
            contact_name: row.contact_name,
            contact_phone: row.contact_phone_mask,
            submitted_at: row.submitted_at,
            accepted_at: row.accepted_at,
            promised_due: row.promised_due,
            statutory_due: row.statutory_due,
            decision_opinion: row.decision_opinion,
            result_code: row.result_code,
            concluded_at: row.concluded_at,
            delivery_ref: row.delivery_ref,
            delivered_at: row.delivered_at,
            notice_given: row.notice_given,
            revision: row.revision,
            form: Value::Object(form),
            materials,
            events,
            pauses,
            steps,
        })
    }

    /// The signed-in person's cases (or the enterprise's they act for), newest first.
    pub async fn my_cases(&self, ctx: &Ctx, page: Page) -> Result<Paged<CaseSummary>> {
        let Some(p) = ctx.actor.person() else {
            return Err(match ctx.actor {
                Actor::Anonymous => Error::new(ErrorCode::Unauthenticated),
                _ => Error::forbidden(),
            });
        };
        let owner = match &p.acting_for {
            None => Owner::Person(p.person_id),
            Some(a) => {
                use yiwang_kernel::auth::AgentScope;
                if !a.administrator
                    && !a.scopes.contains(&AgentScope::Cases)
                    && !a.scopes.contains(&AgentScope::Apply)
                {
                    return Err(Error::new(ErrorCode::NotActingFor));
                }
                Owner::Org(a.org_id)
            }
        };
        lists::of_owner(&mut self.db.clone(), owner, page).await
    }

    /// The promised due date an applicant can count on: the case's own once accepted; before
    /// acceptance (the clock runs from it), the date it would have if accepted today, so the
    /// confirmation after submitting can say "by". None for a case past that point without a
    /// due date, or when the calendar lacks the year (never guessed).
    pub async fn expected_due(&self, view: &CaseView) -> Result<Option<Date>> {
        if view.promised_due.is_some() {
            return Ok(view.promised_due);
        }
        if !matches!(view.status, Status::Submitted | Status::Supplement) {
            return Ok(None);
        }
        let info = self.info(&view.item_code, Some(view.item_version)).await?;
        let e = &info.elements;
        let cal = self.calendar.current().await?;
        let today = self.today();
        let limit = Limit {
            amount: e.promised_limit.max(0),
            unit: Unit::parse(&e.promised_unit),
        };
        Ok(deadline::due(&cal, today, limit, 0, &[], today).ok())
    }

    /// The staff inbox: cases within reach of `case.read` (or waiting for me), filtered.
    pub async fn inbox(
        &self,
        ctx: &Ctx,
        f: &InboxFilter,
        page: Page,
    ) -> Result<Paged<CaseSummary>> {
        ctx.actor.require(Permission::CaseRead)?;
        let me = ctx.actor.staff().map(|s| Me {
            user_id: s.user_id,
            department_id: s.department_id,
            roles: s.roles.iter().map(|r| r.as_str().to_string()).collect(),
        });
        let scope = ctx.actor.scope_of(Permission::CaseRead);
        let status = f.status.as_deref().filter(|s| !s.is_empty());
        if let Some(s) = status
            && Status::parse(s).is_none()
        {
            let all: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
            return Err(Error::field(FieldError::one_of("status", &all)));
        }
        let warning = f.warning.as_deref().filter(|s| !s.is_empty());
        if let Some(w) = warning
            && Warning::parse(w).is_none()
        {
            return Err(Error::field(FieldError::one_of(
                "warning",
                &["none", "yellow", "red"],
            )));
        }
        let q = InboxQuery {
            scope: &scope,
            me,
            mine: f.mine,
            status,
            warning,
            item_code: f
                .item_code
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty()),
            from: f.from.map(china_start),
            before: f.to.and_then(|d| d.next_day()).map(china_start),
        };
        lists::inbox(&mut self.db.clone(), &q, page).await
    }

    /// A material file of a case, for its applicant or staff who may read the case. Staff
    /// reads are audited (the files hold personal data).
    pub async fn material(
        &self,
        ctx: &Ctx,
        case_no: &str,
        sha: &str,
    ) -> Result<(String, String, bytes::Bytes)> {
        let mut db = self.db.clone();
        let row = repo::by_no(&mut db, case_no.trim())
            .await?
            .ok_or_else(Error::not_found)?;
        if !self.may_read(ctx, &row) {
            return Err(self.hidden(ctx, &row.case_no, "case.read").await);
        }
        let materials = repo::materials(&mut db, row.id).await?;
        let m = materials
            .into_iter()
            .find(|m| m.sha == sha)
            .ok_or_else(Error::not_found)?;
        let digest = yiwang_files::Sm3Hex::parse(&m.sha)?;
        let bytes = self
            .intake
            .store()
            .get(&digest)
            .await?
            .ok_or_else(|| Error::internal("material missing from the file store"))?;
        if ctx.actor.staff().is_some() || matches!(ctx.actor, Actor::Client(_)) {
            yiwang_audit::record_now(
                &self.db,
                &Entry::success(
                    &ctx.actor,
                    "case.material.read",
                    format!("case:{}", row.case_no),
                )
                .source(&ctx.source)
                .data(json!({ "sha": m.sha, "entry": m.entry })),
                self.clock.now(),
            )
            .await?;
        }
        Ok((m.file_name, m.media_type, bytes))
    }

    /// The public progress query: the case number plus the applicant's ID number (or USCC) or
    /// the contact phone. A wrong pair answers exactly like an unknown number (the same "not
    /// found", after the same work), and both count against the number and the caller's
    /// address (`throttle`): over the limit, `rate_limited` (429).
    pub async fn progress(&self, ctx: &Ctx, case_no: &str, credential: &str) -> Result<Progress> {
        let mut p = yiwang_kernel::error::Problems::new();
        if case_no.trim().is_empty() {
            p.push(FieldError::required("case_no"));
        }
        if credential.trim().is_empty() {
            p.push(FieldError::required("credential"));
        }
        p.into_result()?;
        let case_no = case_no.trim().to_uppercase();
        let attempt = throttle::check(
            &self.db,
            &self.keys,
            self.config.progress,
            &case_no,
            &ctx.source,
            self.clock.now(),
        )
        .await?;
        let cred = credential.trim().to_uppercase();
        let by_cert = self.keys.blind_index(context::CERT, &cred)?;
        let phone = crate::service::normalize_phone(&cred).unwrap_or(cred);
        let by_phone = self.keys.blind_index(context::PHONE, &phone)?;
        let mut db = self.db.clone();
        let row = repo::progress_row(&mut db, &case_no)
            .await?
            .filter(|r| by_cert == r.applicant_cert_idx || by_phone == r.contact_phone_idx);
        let Some(row) = row else {
            throttle::failed(&self.db, &attempt).await?;
            return Err(Error::not_found());
        };
        let status = Status::parse(&row.status)
            .ok_or_else(|| Error::internal("stored case status is invalid"))?;
        Ok(Progress {
            case_no: row.case_no,
            item_name: row.item_name,
            status_zh: status.zh().to_string(),
            status_en: status.en().to_string(),
            status,
            submitted_at: row.submitted_at,
            promised_due: row.promised_due,
            result_zh: row
                .result_code
                .as_deref()
                .map(|c| crate::model::result_code::zh(c).to_string()),
            milestones: serde_json::from_str::<Vec<Milestone>>(&row.milestones).unwrap_or_default(),
        })
    }

    /// The supervisor's view: per department, open cases, overdue (red) and at-risk (yellow)
    /// ones, with the flagged cases listed.
    pub async fn warnings(&self, ctx: &Ctx) -> Result<Vec<WarningRow>> {
        ctx.actor.require(Permission::CaseSupervise)?;
        let scope = ctx.actor.scope_of(Permission::CaseSupervise);
        if scope == Scope::Nothing {
            return Ok(Vec::new());
        }
        let mut db = self.db.clone();
        let rows = lists::open_in(&mut db, &scope).await?;
        let mut out: Vec<WarningRow> = Vec::new();
        for r in rows {
            if out
                .last()
                .is_none_or(|w| w.department_id != r.department_id)
            {
                out.push(WarningRow {
                    department_id: r.department_id,
                    department_name: department_in(&mut db, r.department_id)
                        .await?
                        .map(|d| d.name)
                        .unwrap_or_default(),
                    red: 0,
                    yellow: 0,
                    open: 0,
                    cases: Vec::new(),
                });
            }
            let Some(w) = out.last_mut() else { continue };
            w.open += 1;
            match r.warning.as_str() {
                "red" => w.red += 1,
                "yellow" => w.yellow += 1,
                _ => continue,
            }
            w.cases.push(r);
        }
        out.sort_by_key(|w| std::cmp::Reverse((w.red, w.yellow)));
        Ok(out)
    }

    /// Recomputes the due dates and warning colours of every open case (run periodically by
    /// the server, and by `yiwang cases sweep`).
    pub async fn sweep(&self) -> Result<SweepReport> {
        let cal = self.calendar.current().await?;
        let today = self.today();
        let mut report = SweepReport::default();
        let mut after = 0i64;
        loop {
            let mut db = self.db.clone();
            let rows = repo::open_cases(&mut db, after, 500).await?;
            if rows.is_empty() {
                break;
            }
            for mut row in rows {
                after = row.id;
                report.checked += 1;
                // Warm the item cache so the units are known.
                self.info(&row.item_code, Some(row.item_version)).await?;
                let pauses = repo::pauses(&mut db, row.id).await?;
                let before = (row.promised_due, row.statutory_due, row.warning.clone());
                self.recompute_clock(&mut row, &cal, &pauses, today)?;
                if row.promised_days.is_some() && row.promised_due.is_none() {
                    report.calendar_missing += 1;
                }
                match row.warning.as_str() {
                    "red" => report.red += 1,
                    "yellow" => report.yellow += 1,
                    _ => {}
                }
                if before != (row.promised_due, row.statutory_due, row.warning.clone()) {
                    let mut tx = self.db.write().await?;
                    // Skipped when someone acted on the case since it was read: that action
                    // set the clock from the newer row, and the next sweep checks it again.
                    if repo::save_clock(
                        &mut tx,
                        row.id,
                        row.revision,
                        row.promised_due,
                        row.statutory_due,
                        &row.warning,
                    )
                    .await?
                    {
                        report.changed += 1;
                    }
                    tx.commit().await?;
                }
            }
        }
        if report.calendar_missing > 0 {
            tracing::warn!(
                cases = report.calendar_missing,
                "due dates need a holiday arrangement that is not loaded (yiwang calendar import)"
            );
        }
        Ok(report)
    }

    /// Runs the sweep on behalf of a supervisor (audited).
    pub async fn sweep_now(&self, ctx: &Ctx) -> Result<SweepReport> {
        ctx.actor.require(Permission::CaseSupervise)?;
        let r = self.sweep().await?;
        let mut tx = self.db.write().await?;
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "case.sweep", "cases")
                .source(&ctx.source)
                .data(json!({ "checked": r.checked, "changed": r.changed })),
            self.clock.now(),
        )
        .await?;
        tx.commit().await?;
        Ok(r)
    }
}
