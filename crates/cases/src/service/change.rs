//! A transition's frame: open it (`begin`: load the case in a write transaction, check reach
//! and revision), authorise, save it (`finish`: stops, clock, milestones, compare-and-set on the
//! revision, events, materials, tasks, audit, commit).

use std::sync::Arc;

use serde_json::Value;
use time::{Date, OffsetDateTime};
use yiwang_audit::{Entry, record};
use yiwang_calendar::{Calendar, PauseReason};
use yiwang_kernel::auth::{Actor, AgentScope, Ctx, Permission, Target};
use yiwang_kernel::clock::CHINA_OFFSET;
use yiwang_kernel::codes::DivisionCode;
use yiwang_kernel::{Error, ErrorCode, Result};
use yiwang_store::Tx;

use super::{CaseService, ItemInfo, actor_name};
use crate::deadline::{self, Limit, Stop, Unit};
use crate::flow;
use crate::model::{CaseView, Decision, Milestone, Status, Warning};
use crate::repo::{self, CaseRow, NewEvent, NewMaterial, PauseRow, Task};
use crate::transitions::{self, Officer as TOfficer, Relation, State, Transition};

/// A transition in progress: the case as loaded in the write transaction and what to append.
pub(crate) struct Change {
    pub tx: Tx,
    pub row: CaseRow,
    pub before: Status,
    pub info: Arc<ItemInfo>,
    pub cal: Arc<Calendar>,
    pub now: OffsetDateTime,
    pub today: Date,
    pub actor: String,
    pub actor_name: String,
    pub department_id: Option<i64>,
    /// The caller's relation to the case.
    pub rel: Relation,
    pub events: Vec<NewEvent>,
    pub milestones: Vec<(String, String)>,
    pub tasks: Option<Vec<Task>>,
    pub materials: Vec<NewMaterial>,
    pub open_pause: Option<NewPause>,
    pub close_pause: Option<ClosePause>,
    pub audit: Option<(&'static str, Value)>,
    /// The result licence this transition issued (a bundle's later parts take its values).
    pub issued: Option<yiwang_licences::Licence>,
}

impl Change {
    /// What the state rules look at, as loaded.
    pub fn state(&self) -> State {
        State {
            status: self.before,
            notice_given: self.row.notice_given,
        }
    }
}

/// A stop to end: by id, or (`None`) whichever is still open.
pub(crate) struct ClosePause {
    pub(crate) id: Option<i64>,
    pub(crate) result: String,
    pub(crate) opinion: String,
}

pub(crate) struct NewPause {
    pub(crate) kind: &'static str,
    pub(crate) special_type: String,
    pub(crate) name: String,
    pub(crate) reason: String,
    pub(crate) expected_days: i64,
}

/// A case's end, for its bundle part: concluded (granted or refused), not accepted, withdrawn.
pub(crate) fn ended(s: Status) -> bool {
    matches!(
        s,
        Status::Concluded | Status::Delivered | Status::NotAccepted | Status::Withdrawn
    )
}

fn stale(row: &CaseRow) -> Error {
    let st = row.status().map(|s| (s.zh(), s.en())).unwrap_or(("", ""));
    Error::new(ErrorCode::Conflict).with_detail(
        format!(
            "办件 {} 已被他人处理（当前状态：{}，版本 {}），请刷新后重试",
            row.case_no, st.0, row.revision
        ),
        format!(
            "Case {} was changed by someone else (now {}, revision {}); reload and try again",
            row.case_no, st.1, row.revision
        ),
    )
}

impl CaseService {
    /// Opens a transition: loads the case in a write transaction, hides it from callers
    /// outside its reach (404, as for an unknown number, before anything about its state is
    /// said), then checks the revision the caller saw (when given).
    pub(crate) async fn begin(
        &self,
        ctx: &Ctx,
        case_no: &str,
        expected: Option<i64>,
        t: Transition,
    ) -> Result<Change> {
        let tx = self.db.write().await?;
        self.begin_in(ctx, tx, case_no, expected, t).await
    }

    /// [`Self::begin`] in a transaction already open (a bundle withdraws its parts in one).
    pub(crate) async fn begin_in(
        &self,
        ctx: &Ctx,
        mut tx: Tx,
        case_no: &str,
        expected: Option<i64>,
        t: Transition,
    ) -> Result<Change> {
        let Some(row) = repo::by_no(&mut tx, case_no.trim()).await? else {
            tx.rollback().await?;
            return Err(Error::not_found());
        };
        if !self.reaches(ctx, &row) {
            tx.rollback().await?;
            return Err(self.hidden(ctx, &row.case_no, t.permission()).await);
        }
        if let Some(r) = expected
            && r != row.revision
        {
            tx.rollback().await?;
            return Err(stale(&row));
        }
        let info = self.info(&row.item_code, Some(row.item_version)).await?;
        let cal = self.calendar.current().await?;
        let now = self.clock.now();
        let rel = self.relation(&ctx.actor, &row, &info);
        Ok(Change {
            tx,
            before: row.status()?,
            row,
            info,
            cal,
            now,
            today: now.to_offset(CHINA_OFFSET).date(),
            actor: ctx.actor.label(),
            actor_name: actor_name(&ctx.actor),
            department_id: ctx.actor.staff().map(|s| s.department_id),
            rel,
            events: Vec::new(),
            milestones: Vec::new(),
            tasks: None,
            materials: Vec::new(),
            open_pause: None,
            close_pause: None,
            audit: None,
            issued: None,
        })
    }

    /// Lets the transition through if the caller may take `t` (else 403, audited) and the
    /// case's state allows it (else 409): the rule of [`crate::transitions`].
    pub(crate) async fn permit(&self, ctx: &Ctx, c: Change, t: Transition) -> Result<Change> {
        if !t.permits(&c.rel) {
            return Err(self.refuse(ctx, c, t.permission()).await);
        }
        transitions::check(t, c.state())?;
        Ok(c)
    }

    /// Saves a transition (compare-and-set on the revision) and answers the case.
    pub(crate) async fn finish(&self, ctx: &Ctx, mut c: Change) -> Result<CaseView> {
        self.save_change(ctx, &mut c).await?;
        c.tx.commit().await?;
        self.view_of(ctx, c.row).await
    }

    /// Everything of [`Self::finish`] but the commit. A case that is a bundle's part and
    /// reaches its end here ends its part in the same transaction (`crate::bundle`: waiting
    /// parts start or are cancelled, the bundle concludes when every part ended).
    pub(crate) async fn save_change(&self, ctx: &Ctx, c: &mut Change) -> Result<()> {
        let expected = c.row.revision;
        c.row.revision += 1;
        c.row.updated_at = c.now;
        let id = c.row.id;
        if let Some(p) = &c.open_pause {
            repo::open_pause(
                &mut c.tx,
                id,
                p.kind,
                &p.special_type,
                &p.name,
                &p.reason,
                p.expected_days,
                c.now,
                c.today,
                &c.actor,
            )
            .await?;
        }
        if let Some(cp) = &c.close_pause {
            let id = match cp.id {
                Some(i) => Some(i),
                None => repo::pauses(&mut c.tx, id)
                    .await?
                    .iter()
                    .find(|p| p.ended_at.is_none())
                    .map(|p| p.id),
            };
            if let Some(pid) = id {
                repo::close_pause(
                    &mut c.tx,
                    pid,
                    c.now,
                    c.today,
                    &c.actor,
                    &cp.result,
                    &cp.opinion,
                )
                .await?;
            }
        }
        let pauses = repo::pauses(&mut c.tx, id).await?;
        self.recompute_clock(&mut c.row, &c.cal, &pauses, c.today)?;
        if !c.milestones.is_empty() {
            let mut ms: Vec<Milestone> =
                serde_json::from_str(&c.row.milestones).unwrap_or_default();
            for (zh, en) in c.milestones.drain(..) {
                ms.push(Milestone { at: c.now, zh, en });
            }
            c.row.milestones = serde_json::to_string(&ms).map_err(Error::internal)?;
        }
        if c.before != Status::Concluded
            && c.row.status == Status::Concluded.as_str()
            && c.row.decision.as_deref() == Some(Decision::Grant.as_str())
        {
            self.issue_result_licence(c).await?;
        }
        if !repo::save(&mut c.tx, &c.row, expected).await? {
            // The caller drops the transaction (rolled back); the row as committed meanwhile.
            let current = repo::by_no(&mut c.tx, &c.row.case_no)
                .await?
                .ok_or_else(Error::not_found)?;
            return Err(stale(&current));
        }
        let mut seq = repo::next_event_seq(&mut c.tx, id).await?;
        for e in &c.events {
            repo::insert_event(&mut c.tx, id, seq, c.now, e).await?;
            seq += 1;
        }
        let materials = std::mem::take(&mut c.materials);
        let mut attached = Vec::with_capacity(materials.len());
        for (i, m) in materials.iter().enumerate() {
            attached.push(self.attach(&mut c.tx, &c.row, m, i, &c.actor).await?);
        }
        repo::insert_materials(&mut c.tx, id, &attached, c.now, &c.actor).await?;
        if let Some(t) = &c.tasks {
            repo::replace_tasks(&mut c.tx, id, t).await?;
        }
        if let Some((action, data)) = c.audit.take() {
            record(
                &mut c.tx,
                &Entry::success(&ctx.actor, action, format!("case:{}", c.row.case_no))
                    .source(&ctx.source)
                    .data(data),
                c.now,
            )
            .await?;
        }
        if c.row.bundle_no.is_some() && !ended(c.before) && c.row.status().is_ok_and(ended) {
            self.part_ended(c).await?;
        }
        Ok(())
    }

    /// Due dates and the warning colour from the limits, the calendar and the stops.
    pub(crate) fn recompute_clock(
        &self,
        row: &mut CaseRow,
        cal: &Calendar,
        pauses: &[PauseRow],
        today: Date,
    ) -> Result<()> {
        let Some(accepted) = row.accept_date else {
            return Ok(());
        };
        let stops: Vec<Stop> = pauses
            .iter()
            .filter(|p| p.kind == "supplement" || p.special_type == "2")
            .map(|p| Stop {
                start: p.start_date,
                end: p.end_date,
                reason: if p.kind == "supplement" {
                    PauseReason::Correction
                } else {
                    PauseReason::SpecialProcedure
                },
            })
            .collect();
        let e = self
            .infos
            .read()
            .ok()
            .and_then(|g| g.get(&(row.item_code.clone(), row.item_version)).cloned());
        let (pu, su) = e
            .as_ref()
            .map(|i| {
                (
                    Unit::parse(&i.elements.promised_unit),
                    Unit::parse(&i.elements.statutory_unit),
                )
            })
            .unwrap_or((Unit::WorkingDays, Unit::WorkingDays));
        // A year the calendar lacks leaves the due date unknown (reported by the sweep), never
        // guessed.
        let promised = row.promised_days.and_then(|n| {
            deadline::due(
                cal,
                accepted,
                Limit {
                    amount: n,
                    unit: pu,
                },
                row.extension_days,
                &stops,
                today,
            )
            .ok()
        });
        let statutory = row.statutory_days.and_then(|n| {
            deadline::due(
                cal,
                accepted,
                Limit {
                    amount: n,
                    unit: su,
                },
                row.extension_days,
                &stops,
                today,
            )
            .ok()
        });
        row.promised_due = promised;
        row.statutory_due = statutory;
        let open = Status::parse(&row.status).is_some_and(Status::is_open);
        let w = match (open, promised.or(statutory)) {
            (true, Some(due)) => {
                let limit =
                    row.promised_days.or(row.statutory_days).unwrap_or(0) + row.extension_days;
                deadline::warning(cal, today, due, limit).unwrap_or(Warning::None)
            }
            _ => Warning::None,
        };
        row.warning = w.as_str().to_string();
        Ok(())
    }

    /// Whether the case is within the caller's reach at all: theirs, or within the reach of a
    /// case permission they hold, or an officer taking part in its workflow. Outside it, a
    /// case answers exactly like an unknown number.
    pub(crate) fn reaches(&self, ctx: &Ctx, row: &CaseRow) -> bool {
        if self.may_read(ctx, row) || Self::owns(&ctx.actor, row, true) {
            return true;
        }
        let Ok(division) = DivisionCode::parse(&row.division_code) else {
            return false;
        };
        let target = Target {
            department_id: Some(row.department_id),
            division: &division,
        };
        if [
            Permission::CaseReceive,
            Permission::CaseHandle,
            Permission::CaseSupervise,
        ]
        .into_iter()
        .any(|p| ctx.actor.may_on(p, target))
        {
            return true;
        }
        match (ctx.actor.staff(), &row.flow) {
            (Some(s), Some(_)) if ctx.actor.has(Permission::CaseHandle) => self
                .instance(row)
                .is_ok_and(|i| flow::involves(&i, s.user_id, s.department_id)),
            _ => false,
        }
    }

    /// The caller's relation to the case, for [`crate::transitions`].
    pub(crate) fn relation(&self, actor: &Actor, row: &CaseRow, info: &ItemInfo) -> Relation {
        let owner = Self::owns(actor, row, true);
        let staff = actor.staff().map(|s| TOfficer {
            user_id: s.user_id,
            department_id: s.department_id,
            roles: s.roles.iter().map(|r| r.as_str().to_string()).collect(),
            handles: actor.has(Permission::CaseHandle),
        });
        let Ok(division) = DivisionCode::parse(&row.division_code) else {
            return Relation {
                owner,
                staff,
                ..Relation::default()
            };
        };
        let target = Target {
            department_id: Some(row.department_id),
            division: &division,
        };
        let handle_reach = actor.may_on(Permission::CaseHandle, target);
        // An officer holding an open step of the case handles it wherever they work.
        let holds_step = || match actor.staff() {
            Some(s) if actor.has(Permission::CaseHandle) => self.instance(row).is_ok_and(|i| {
                flow::tasks(&info.definition, &i)
                    .iter()
                    .any(|t| t.officer_id == Some(s.user_id))
            }),
            _ => false,
        };
        Relation {
            owner,
            receive: actor.may_on(Permission::CaseReceive, target),
            handle: handle_reach || holds_step(),
            urge: handle_reach || actor.may_on(Permission::CaseSupervise, target),
            staff,
        }
    }

    /// A case outside the caller's reach: the refusal is audited for staff and department
    /// systems, and answered as "not found".
    pub(crate) async fn hidden(&self, ctx: &Ctx, case_no: &str, attempted: &str) -> Error {
        if matches!(ctx.actor, Actor::Anonymous | Actor::Person(_)) {
            return Error::not_found();
        }
        let _ = self.denied(ctx, case_no, attempted).await;
        Error::not_found()
    }

    /// Rolls the transition back and audits the refusal.
    pub(crate) async fn refuse(&self, ctx: &Ctx, c: Change, attempted: &str) -> Error {
        let case_no = c.row.case_no.clone();
        if let Err(e) = c.tx.rollback().await {
            return e;
        }
        self.denied(ctx, &case_no, attempted).await
    }

    pub(crate) async fn denied(&self, ctx: &Ctx, case_no: &str, attempted: &str) -> Error {
        let err = match ctx.actor {
            Actor::Anonymous => Error::new(ErrorCode::Unauthenticated),
            _ => Error::forbidden(),
        };
        let object = format!("case:{case_no}");
        yiwang_audit::denied(&self.db, ctx, object, attempted, self.clock.now()).await;
        err
    }

    /// Whether the signed-in person owns the case: their own (not acting for anyone), or the
    /// enterprise's they act for (an agent needs `apply` to act, `cases` or `apply` to see).
    pub(crate) fn owns(actor: &Actor, row: &CaseRow, to_act: bool) -> bool {
        let Some(p) = actor.person() else {
            return false;
        };
        match &p.acting_for {
            None => row.org_id.is_none() && row.person_id == Some(p.person_id),
            Some(a) => {
                row.org_id == Some(a.org_id)
                    && (a.administrator
                        || a.scopes.contains(&AgentScope::Apply)
                        || (!to_act && a.scopes.contains(&AgentScope::Cases)))
            }
        }
    }

    pub(crate) fn step(c: &mut Change, action: &str, to: Status, opinion: &str, data: Value) {
        c.events.push(NewEvent {
            actor: c.actor.clone(),
            actor_name: c.actor_name.clone(),
            department_id: c.department_id,
            action: action.to_string(),
            from_status: c.row.status.clone(),
            to_status: to.as_str().to_string(),
            opinion: opinion.to_string(),
            data,
            ..NewEvent::default()
        });
        c.row.status = to.as_str().to_string();
    }

    pub(crate) fn milestone(c: &mut Change, zh: impl Into<String>, en: impl Into<String>) {
        c.milestones.push((zh.into(), en.into()));
    }
}
