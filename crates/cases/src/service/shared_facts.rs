//! 智能秒批 on shared data: an automatic step's rule may check the applicant's row in a shared
//! data resource ([`yiwang_workflow::FactCheck`]). The workflow engine is pure, so the rows are
//! read here, before the transition's write transaction opens: the transition is first run on
//! a snapshot of the case with the facts read so far; every resource an automatic step that
//! starts names and that was not read yet ([`yiwang_workflow::Evaluation::unread`]) is read,
//! and the run repeats until nothing more is wanted. Only the automatic steps the case really
//! reaches read anything, each resource once per transition.
//!
//! A read goes through the data API of the exchange domain, which the platform wires in
//! ([`SharedFacts`], `web::services`, as [`super::base_prefill::BasePrefills`] is): with the
//! grant of the case's department (read as that department's automatic approval, whoever's
//! action started the step), keyed by the applicant's ID number or USCC, recorded in the call
//! log and the audit log against the case number. Only a caller who may take the action reads. A missing grant, a missing row or a mismatch fails the check: the case goes to
//! an officer with the reason (in Chinese and English) in its history.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use yiwang_kernel::auth::{Actor, ApiClient, Ctx, Permission};
use yiwang_kernel::codes::DivisionCode;
use yiwang_kernel::{Error, Result};
use yiwang_workflow::{Action, Event, Fact, Facts, Participant, What};

use super::{CaseService, context};
use crate::repo::{self, CaseRow};
use crate::transitions::Transition;

/// Purpose recorded with every read of an automatic check.
pub const PURPOSE: &str = "智能秒批核验 automatic approval check";

/// Reads the applicant's row of a shared data resource for an automatic check.
pub trait SharedFacts: Send + Sync + std::fmt::Debug {
    /// The row keyed `key` (the applicant's ID number or USCC) in the resource `resource`,
    /// read with `ctx`'s department's grant and recorded against `case_no`. A refusal (no
    /// grant, unknown resource, rate exceeded) is a [`Fact::Unavailable`] naming why.
    fn read<'a>(
        &'a self,
        ctx: &'a Ctx,
        resource: &'a str,
        key: &'a str,
        case_no: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<Fact>> + Send + 'a>>;
}

pub(crate) type Source = Option<Arc<dyn SharedFacts>>;

/// The resources automatic steps wanted and were not given.
fn unread(events: &[Event]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in events {
        if let What::AutoDecided { evaluation, .. } = &e.what {
            for r in &evaluation.unread {
                if !out.contains(r) {
                    out.push(r.clone());
                }
            }
        }
    }
    out
}

/// The transition whose automatic steps may read facts.
pub(crate) enum Planned<'a> {
    Accept,
    Act {
        step: Option<&'a str>,
        action: &'a Action,
        actor: &'a Participant,
    },
}

impl CaseService {
    /// Reads automatic rules' shared facts through `source` (`web::services` wires the data
    /// API in). Without one, fact checks fail (to an officer) as unread.
    pub fn with_shared_facts(mut self, source: Arc<dyn SharedFacts>) -> Self {
        self.facts = Some(source);
        self
    }

    /// The facts the automatic steps `planned` starts on case `case_no` want, read before the
    /// transition (see the module documentation). Anything that goes wrong in the trial run
    /// answers no facts: the transition itself reports it.
    pub(crate) async fn facts_for(
        &self,
        ctx: &Ctx,
        case_no: &str,
        planned: Planned<'_>,
    ) -> Result<Facts> {
        let mut facts = Facts::new();
        if self.facts.is_none() {
            return Ok(facts);
        }
        let Some(row) = repo::by_no(&mut self.db.clone(), case_no.trim()).await? else {
            return Ok(facts);
        };
        if !self.reaches(ctx, &row) {
            return Ok(facts);
        }
        let Ok(info) = self.info(&row.item_code, Some(row.item_version)).await else {
            return Ok(facts);
        };
        // Only a caller who may accept reads at acceptance (an action's trial run asks the
        // engine, which refuses anyone not taking part in the step).
        if matches!(planned, Planned::Accept) {
            let state = crate::transitions::State {
                status: row.status()?,
                notice_given: row.notice_given,
            };
            let rel = self.relation(&ctx.actor, &row, &info);
            if !Transition::Accept.permits(&rel)
                || crate::transitions::check(Transition::Accept, state).is_err()
            {
                return Ok(facts);
            }
        }
        let def = &info.definition;
        let budget = def.fact_resources().len();
        if budget == 0 {
            return Ok(facts);
        }
        let now = self.clock.now();
        for _ in 0..budget {
            let run = match &planned {
                Planned::Accept => match self.form_fields(&row) {
                    Ok(f) => {
                        yiwang_workflow::start_with_facts(def, row.department_id, f, &facts, now)
                    }
                    Err(_) => return Ok(facts),
                },
                Planned::Act {
                    step,
                    action,
                    actor,
                } => match self.instance(&row) {
                    Ok(inst) => yiwang_workflow::apply_with_facts(
                        def,
                        &inst,
                        *step,
                        (*action).clone(),
                        actor,
                        now,
                        &facts,
                    ),
                    Err(_) => return Ok(facts),
                },
            };
            let Ok((_, events)) = run else {
                return Ok(facts);
            };
            let wanted = unread(&events);
            if wanted.is_empty() {
                break;
            }
            for resource in wanted {
                let fact = self.read_fact(ctx, &row, &resource).await?;
                facts.insert(&resource, fact);
            }
        }
        Ok(facts)
    }

    /// One resource's row for the applicant of `row`, read with the grant of the case's
    /// department (whoever's action started the step: a window clerk of the service centre
    /// accepts for every department).
    async fn read_fact(&self, ctx: &Ctx, row: &CaseRow, resource: &str) -> Result<Fact> {
        let Some(source) = &self.facts else {
            return Ok(Fact::Unavailable {
                zh: "平台未接入共享数据".into(),
                en: "No shared data source is wired in".into(),
            });
        };
        let key = self.keys.open(context::CERT, &row.applicant_cert_enc)?;
        let as_department = Ctx {
            actor: automatic_reader(row)?,
            ..ctx.clone()
        };
        source
            .read(&as_department, resource, &key, &row.case_no)
            .await
    }
}

/// The reader of an automatic check: the platform's automatic approval acting for the case's
/// department, as a department system with that department's `exchange.consume` only (token
/// id 0 names no issued token; the call log and audit record `client:0` — named
/// 智能秒批 on pages — with the purpose and the case number, the case history the officer or clerk whose action started the step).
fn automatic_reader(row: &CaseRow) -> Result<Actor> {
    Ok(Actor::Client(ApiClient {
        token_id: AUTOMATIC_READER,
        name: "智能秒批 automatic approval".into(),
        department_id: row.department_id,
        division: DivisionCode::parse(&row.division_code).map_err(Error::field)?,
        permissions: vec![Permission::ExchangeConsume],
    }))
}

/// The token id of [`automatic_reader`] (no issued token has it: ids start at 1).
pub const AUTOMATIC_READER: i64 = ApiClient::AUTOMATIC_APPROVAL;
