//! Plans (抽查计划), the draw (freezing the rosters and running `yiwang-draw-v1`), results
//! (谁检查、谁录入) and their publication within 20 working days (谁公开); the public reads.

use std::collections::{BTreeMap, HashMap};

use serde_json::json;
use time::format_description::well_known::Rfc3339;
use time::{Date, UtcOffset};
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::{Ctx, Permission, Scope};
use yiwang_kernel::clock::day_of;
use yiwang_kernel::error::Problems;
use yiwang_kernel::{Error, ErrorCode, FieldError, Result, text};

use super::draw::{self, ConflictPair, DrawInput, DrawOutcome, PoolInspector, PopEntity, Quota};
use super::model::{
    DrawView, InspectionPlanView, InspectionResultView, PUBLISH_WITHIN_WORKING_DAYS, PlanDetail,
    PlanFilter, PlanInput, Redraw, ResultInput, TeamMember, result_label,
};
use super::pools::split_codes;
use super::repo::{self, DrawRow, EntityRow, PlanRow, ResultRow};
use crate::SupervisionService;

fn field(name: &str, rule: &str, zh: impl Into<String>, en: impl Into<String>) -> Error {
    Error::field(FieldError::new(name, rule, zh, en))
}

fn bad_quota(q: &Quota) -> bool {
    match q {
        Quota::Count(_) => false,
        Quota::RatioPermille(r) => *r == 0 || *r > 1000,
    }
}

/// Whether an entity passes a plan's filter.
pub fn matches(filter: &PlanFilter, e: &EntityRow) -> bool {
    (filter.division.is_empty()
        || e.division
            .starts_with(filter.division.trim_end_matches('0')))
        && (filter.strata.is_empty() || filter.strata.contains(&e.stratum))
        && (filter.industry.is_empty() || e.industry.contains(filter.industry.as_str()))
}

/// Re-runs a draw from its published inputs and compares with the published outcome.
pub fn redraw(input: &DrawInput, published: &DrawOutcome) -> Result<Redraw> {
    let outcome = draw::run(input)?;
    Ok(Redraw {
        matches: &outcome == published,
        outcome,
    })
}

impl SupervisionService {
    async fn plan_row(&self, plan_no: &str) -> Result<PlanRow> {
        let mut c = self.db.clone();
        repo::plan(&mut c, plan_no.trim())
            .await?
            .ok_or_else(Error::not_found)
    }

    async fn plan_view(&self, r: &PlanRow) -> Result<InspectionPlanView> {
        let (_, department_name) = self.insp_department(r.department_id).await?;
        let codes = split_codes(&r.item_codes);
        let items = self
            .inspection_items()
            .await?
            .into_iter()
            .filter(|i| codes.contains(&i.code))
            .collect();
        // The 20 working days may run into a year whose holiday arrangement is not loaded yet:
        // then the due day is unknown (never guessed) and the plan is shown without it.
        let publish_due = match r.finished_on {
            Some(d) => match self
                .calendar
                .current()
                .await?
                .add_working_days(d, PUBLISH_WITHIN_WORKING_DAYS)
            {
                Ok(due) => Some(due),
                Err(yiwang_calendar::CalendarError::YearNotCovered { .. }) => None,
                Err(e) => return Err(e.into()),
            },
            None => None,
        };
        let today = day_of(self.insp_now());
        let published_day = r.published_at.map(day_of);
        let publish_late = match publish_due {
            Some(due) => published_day.unwrap_or(today) > due,
            None => false,
        };
        Ok(InspectionPlanView {
            plan_no: r.plan_no.clone(),
            title: r.title.clone(),
            department_id: r.department_id,
            department_name,
            items,
            filter: serde_json::from_str(&r.filter).map_err(Error::internal)?,
            quotas: serde_json::from_str(&r.quotas).map_err(Error::internal)?,
            team_size: u64::try_from(r.team_size).unwrap_or(0),
            entropy_source: r.entropy_source.clone(),
            deadline: r.deadline,
            status: r.status.clone(),
            finished_on: r.finished_on,
            publish_due,
            publish_late,
            published_at: r.published_at,
        })
    }

    async fn draw_view(&self, plan: &PlanRow, d: DrawRow, with_results: bool) -> Result<DrawView> {
        let input: DrawInput = serde_json::from_str(&d.input).map_err(Error::internal)?;
        let outcome: DrawOutcome = serde_json::from_str(&d.outcome).map_err(Error::internal)?;
        let people: HashMap<i64, &PoolInspector> =
            input.inspectors.iter().map(|i| (i.id, i)).collect();
        let mut c = self.db.clone();
        let mut results = Vec::new();
        for r in repo::results(&mut c, d.id).await? {
            let ids: Vec<i64> = serde_json::from_str(&r.inspectors).map_err(Error::internal)?;
            let label = r.result_code.as_deref().and_then(result_label);
            let shown = with_results && r.result_code.is_some();
            results.push(InspectionResultView {
                position: r.position,
                uscc: r.uscc,
                name: r.name,
                stratum: r.stratum,
                inspectors: ids
                    .iter()
                    .map(|id| TeamMember {
                        staff_id: *id,
                        name: people.get(id).map(|p| p.name.clone()).unwrap_or_default(),
                        cert_no: people
                            .get(id)
                            .map(|p| p.cert_no.clone())
                            .unwrap_or_default(),
                    })
                    .collect(),
                result_code: if shown { r.result_code } else { None },
                result_zh: if shown {
                    label.map(|l| l.0.to_string())
                } else {
                    None
                },
                result_en: if shown {
                    label.map(|l| l.1.to_string())
                } else {
                    None
                },
                inspected_on: if shown { r.inspected_on } else { None },
                notes: if shown { r.notes } else { String::new() },
            });
        }
        Ok(DrawView {
            plan_no: plan.plan_no.clone(),
            algorithm: d.algorithm,
            population_hash: d.population_hash,
            inspectors_hash: d.inspectors_hash,
            seed: d.seed,
            drawn_at: d.drawn_at,
            population_size: input.population.len(),
            input,
            outcome,
            results,
        })
    }

    async fn require_record(&self, ctx: &Ctx, object: String, attempted: &str) -> Result<()> {
        match ctx.actor.require(Permission::InspectionRecord) {
            Ok(()) => Ok(()),
            Err(e) => Err(self.refuse_inspection(ctx, object, attempted, e).await),
        }
    }

    /// The plans the actor may see (its department, or its division).
    pub async fn inspection_plans(&self, ctx: &Ctx) -> Result<Vec<InspectionPlanView>> {
        self.require_record(ctx, "inspection_plans".into(), "inspection.plans")
            .await?;
        let scope = ctx.actor.scope_of(Permission::InspectionRecord);
        let mut c = self.db.clone();
        let mut out = Vec::new();
        for r in repo::plans(&mut c).await? {
            let visible = match &scope {
                Scope::Everything => true,
                Scope::Department(d) => *d == r.department_id,
                Scope::Division(div) => self.insp_department(r.department_id).await?.0.within(div),
                Scope::Nothing => false,
            };
            if visible {
                out.push(self.plan_view(&r).await?);
            }
        }
        Ok(out)
    }

    /// A plan with its draw and every recorded result (staff of its department).
    pub async fn inspection_plan(&self, ctx: &Ctx, plan_no: &str) -> Result<PlanDetail> {
        let r = self.plan_row(plan_no).await?;
        self.insp_require(
            ctx,
            Permission::InspectionRecord,
            r.department_id,
            format!("inspection_plan:{}", r.plan_no),
            "inspection.plan.read",
        )
        .await?;
        self.plan_detail(&r, true).await
    }

    async fn plan_detail(&self, r: &PlanRow, with_results: bool) -> Result<PlanDetail> {
        let mut c = self.db.clone();
        let draw = match repo::draw_of(&mut c, r.id).await? {
            Some(d) => Some(self.draw_view(r, d, with_results).await?),
            None => None,
        };
        Ok(PlanDetail {
            plan: self.plan_view(r).await?,
            draw,
        })
    }

    /// Drawn and published plans (public, no sign-in).
    pub async fn public_inspection_plans(&self) -> Result<Vec<InspectionPlanView>> {
        let mut c = self.db.clone();
        let mut out = Vec::new();
        for r in repo::plans(&mut c).await? {
            if r.status != "draft" {
                out.push(self.plan_view(&r).await?);
            }
        }
        Ok(out)
    }

    /// A drawn plan as the public sees it: the draw's inputs, hashes and seed; results once
    /// published.
    pub async fn public_inspection_plan(&self, plan_no: &str) -> Result<PlanDetail> {
        let r = self.plan_row(plan_no).await?;
        if r.status == "draft" {
            return Err(Error::not_found());
        }
        let published = r.status == "published";
        self.plan_detail(&r, published).await
    }

    /// Creates a plan (draft) of the caller's department.
    pub async fn create_inspection_plan(
        &self,
        ctx: &Ctx,
        input: PlanInput,
    ) -> Result<InspectionPlanView> {
        self.insp_require(
            ctx,
            Permission::InspectionPlan,
            input.department_id,
            "inspection_plan:new".into(),
            "inspection.plan.create",
        )
        .await?;
        let mut p = Problems::new();
        let title = p.take(text::required("title", &input.title, 200));
        let entropy = p.take(text::required("entropy_source", &input.entropy_source, 500));
        if input.team_size < 2 || input.team_size > 10 {
            p.push(FieldError::new(
                "team_size",
                "inspection.team_size",
                "每个检查对象应选派2～10名检查人员",
                "A team has 2 to 10 inspectors",
            ));
        }
        let items = self.inspection_items().await?;
        let mut codes: Vec<String> = input
            .item_codes
            .iter()
            .map(|c| c.trim().to_string())
            .collect();
        codes.retain(|c| !c.is_empty());
        codes.sort();
        codes.dedup();
        if codes.is_empty() {
            p.push(FieldError::required("item_codes"));
        }
        for code in &codes {
            if !items.iter().any(|i| &i.code == code && i.active) {
                p.push(FieldError::new(
                    "item_codes",
                    "inspection.item_unknown",
                    format!("抽查事项“{code}”不在清单中（清单外不得检查）"),
                    format!(
                        "Item \"{code}\" is not on the list (nothing off the list may be inspected)"
                    ),
                ));
            }
        }
        if input.quotas.default.is_none() && input.quotas.strata.is_empty() {
            p.push(FieldError::new(
                "quotas",
                "inspection.quota_missing",
                "应设定抽查比例或数量",
                "Set a ratio or a count to draw",
            ));
        }
        if input
            .quotas
            .default
            .iter()
            .chain(input.quotas.strata.values())
            .any(bad_quota)
        {
            p.push(FieldError::new(
                "quotas",
                "inspection.quota_ratio",
                "抽查比例应在1‰～1000‰之间",
                "A ratio is between 1 and 1000 permille",
            ));
        }
        let today = self.inspection_today();
        if input.deadline < today {
            p.push(FieldError::new(
                "deadline",
                "inspection.deadline_past",
                "完成期限不能早于今天",
                "The deadline cannot be in the past",
            ));
        }
        p.into_result()?;
        let now = self.insp_now();
        let year = day_of(now).year();
        let mut tx = self.db.write().await?;
        let prefix = format!("CC{year}-");
        let n = repo::plan_count_like(&mut tx, &prefix).await?;
        let row = PlanRow {
            id: 0,
            plan_no: format!("{prefix}{:04}", n + 1),
            title: title.unwrap_or_default(),
            department_id: input.department_id,
            item_codes: codes.join(","),
            filter: serde_json::to_string(&input.filter).map_err(Error::internal)?,
            quotas: serde_json::to_string(&input.quotas).map_err(Error::internal)?,
            team_size: i64::try_from(input.team_size).unwrap_or(2),
            entropy_source: entropy.unwrap_or_default(),
            deadline: input.deadline,
            status: "draft".into(),
            finished_on: None,
            published_at: None,
            created_at: now,
        };
        repo::insert_plan(&mut tx, &row, &ctx.actor.label(), now).await?;
        record(
            &mut tx,
            &Entry::success(
                &ctx.actor,
                "inspection.plan.create",
                format!("inspection_plan:{}", row.plan_no),
            )
            .source(&ctx.source)
            .data(json!({"items": codes, "team_size": row.team_size, "deadline": row.deadline.to_string()})),
            now,
        )
        .await?;
        tx.commit().await?;
        self.plan_view(&row).await
    }

    /// The frozen inputs of a draw of `plan` at `drawn_at`: the filtered pool sorted by USCC,
    /// the eligible inspectors (active, qualified for every item of the plan, within the plan
    /// department's division) sorted by id, their conflicts with the population.
    async fn freeze(&self, plan: &PlanRow, drawn_at: &str, entropy: &str) -> Result<DrawInput> {
        let view = self.plan_view(plan).await?;
        let mut c = self.db.clone();
        let population: Vec<PopEntity> = repo::active_entities(&mut c)
            .await?
            .into_iter()
            .filter(|e| matches(&view.filter, e))
            .map(|e| PopEntity {
                uscc: e.uscc,
                name: e.name,
                stratum: e.stratum,
            })
            .collect();
        let (division, _) = self.insp_department(plan.department_id).await?;
        let codes = split_codes(&plan.item_codes);
        let inspectors: Vec<PoolInspector> = repo::inspectors(&mut c)
            .await?
            .into_iter()
            .filter(|i| {
                let q = split_codes(&i.item_codes);
                i.active
                    && !i.cert_no.is_empty()
                    && codes.iter().all(|c| q.contains(c))
                    && yiwang_kernel::codes::DivisionCode::parse(&i.division)
                        .map(|d| d.within(&division) || division.within(&d))
                        .unwrap_or(false)
            })
            .map(|i| PoolInspector {
                id: i.staff_id,
                name: i.name,
                cert_no: i.cert_no,
            })
            .collect();
        let in_pop: std::collections::BTreeSet<&str> =
            population.iter().map(|e| e.uscc.as_str()).collect();
        let ids: std::collections::BTreeSet<i64> = inspectors.iter().map(|i| i.id).collect();
        let conflicts: Vec<ConflictPair> = repo::conflicts(&mut c)
            .await?
            .into_iter()
            .filter(|r| ids.contains(&r.staff_id) && in_pop.contains(r.uscc.as_str()))
            .map(|r| ConflictPair {
                staff_id: r.staff_id,
                uscc: r.uscc,
            })
            .collect();
        let mut quotas = BTreeMap::new();
        for e in &population {
            if let Some(q) = view
                .quotas
                .strata
                .get(&e.stratum)
                .or(view.quotas.default.as_ref())
            {
                quotas.insert(e.stratum.clone(), *q);
            }
        }
        Ok(DrawInput {
            algorithm: draw::ALGORITHM.into(),
            plan_no: plan.plan_no.clone(),
            drawn_at: drawn_at.into(),
            public_entropy: entropy.into(),
            team_size: view.team_size,
            quotas,
            population,
            inspectors,
            conflicts,
        })
    }

    /// Draws a plan: freezes the rosters, runs `yiwang-draw-v1` with the public entropy, and
    /// stores inputs, hashes, seed and outcome with one result row per drawn entity.
    pub async fn draw_inspection(
        &self,
        ctx: &Ctx,
        plan_no: &str,
        public_entropy: &str,
    ) -> Result<PlanDetail> {
        let plan = self.plan_row(plan_no).await?;
        let object = format!("inspection_plan:{}", plan.plan_no);
        self.insp_require(
            ctx,
            Permission::InspectionPlan,
            plan.department_id,
            object.clone(),
            "inspection.draw",
        )
        .await?;
        let entropy =
            text::required("public_entropy", public_entropy, 500).map_err(Error::field)?;
        if plan.status != "draft" {
            return Err(field(
                "plan_no",
                "inspection.already_drawn",
                "该计划已抽取，抽取结果不可更改",
                "This plan has been drawn; a draw cannot be changed",
            ));
        }
        let now = self.insp_now();
        let at = now
            .replace_nanosecond(0)
            .map_err(Error::internal)?
            .to_offset(UtcOffset::UTC);
        let drawn_at = at.format(&Rfc3339).map_err(Error::internal)?;
        let input = self.freeze(&plan, &drawn_at, &entropy).await?;
        let outcome = draw::run(&input)?;
        if outcome.picks.is_empty() {
            return Err(field(
                "quotas",
                "inspection.nothing_drawn",
                "按计划的范围和比例未抽中任何检查对象",
                "The plan's filter and quotas draw no entity",
            ));
        }
        let row = DrawRow {
            id: 0,
            plan_id: plan.id,
            algorithm: draw::ALGORITHM.into(),
            input: serde_json::to_string(&input).map_err(Error::internal)?,
            population_hash: outcome.population_hash.clone(),
            inspectors_hash: outcome.inspectors_hash.clone(),
            seed: outcome.seed.clone(),
            outcome: serde_json::to_string(&outcome).map_err(Error::internal)?,
            drawn_by: ctx.actor.label(),
            drawn_at: at,
        };
        let mut tx = self.db.write().await?;
        if repo::set_plan_status(&mut tx, plan.id, "draft", "drawn", now).await? == 0 {
            return Err(Error::new(ErrorCode::Conflict));
        }
        let draw_id = repo::insert_draw(&mut tx, &row).await?;
        for (i, p) in outcome.picks.iter().enumerate() {
            repo::insert_result(
                &mut tx,
                &ResultRow {
                    id: 0,
                    draw_id,
                    position: i64::try_from(i).unwrap_or(i64::MAX) + 1,
                    uscc: p.uscc.clone(),
                    name: p.name.clone(),
                    stratum: p.stratum.clone(),
                    inspectors: serde_json::to_string(&p.inspectors).map_err(Error::internal)?,
                    result_code: None,
                    inspected_on: None,
                    notes: String::new(),
                    recorded_by: None,
                    recorded_at: None,
                },
            )
            .await?;
        }
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "inspection.draw", object)
                .source(&ctx.source)
                .data(json!({
                    "seed": outcome.seed,
                    "population_hash": outcome.population_hash,
                    "inspectors_hash": outcome.inspectors_hash,
                    "population": input.population.len(),
                    "drawn": outcome.picks.len(),
                })),
            now,
        )
        .await?;
        tx.commit().await?;
        let plan = self.plan_row(plan_no).await?;
        self.plan_detail(&plan, true).await
    }

    /// Records the result of a drawn entity: an organiser of the plan's department, or an
    /// inspector of the entity's team.
    pub async fn record_inspection_result(
        &self,
        ctx: &Ctx,
        plan_no: &str,
        input: ResultInput,
    ) -> Result<PlanDetail> {
        let plan = self.plan_row(plan_no).await?;
        let object = format!("inspection_plan:{}", plan.plan_no);
        self.insp_require(
            ctx,
            Permission::InspectionRecord,
            plan.department_id,
            object.clone(),
            "inspection.result.record",
        )
        .await?;
        let mut c = self.db.clone();
        let draw = repo::draw_of(&mut c, plan.id).await?.ok_or_else(|| {
            field(
                "plan_no",
                "inspection.not_drawn",
                "该计划尚未抽取",
                "The plan is not drawn yet",
            )
        })?;
        if plan.status != "drawn" {
            return Err(field(
                "plan_no",
                "inspection.published",
                "结果已公示，不能再修改",
                "The results are published and can no longer change",
            ));
        }
        let uscc = input.uscc.trim().to_uppercase();
        let Some(row) = repo::results(&mut c, draw.id)
            .await?
            .into_iter()
            .find(|r| r.uscc == uscc)
        else {
            return Err(field(
                "uscc",
                "inspection.not_drawn_entity",
                "该对象未被抽中",
                "This entity was not drawn",
            ));
        };
        let team: Vec<i64> = serde_json::from_str(&row.inspectors).map_err(Error::internal)?;
        let in_team = ctx.actor.user_id().is_some_and(|u| team.contains(&u));
        if !in_team && !ctx.actor.has(Permission::InspectionPlan) {
            let e = self
                .refuse_inspection(ctx, object, "inspection.result.record", Error::forbidden())
                .await;
            return Err(e);
        }
        let mut p = Problems::new();
        if result_label(&input.result_code).is_none() {
            let codes: Vec<&str> = super::model::RESULT_CODES.iter().map(|r| r.0).collect();
            p.push(FieldError::one_of("result_code", &codes));
        }
        let notes = p.take(text::optional("notes", &input.notes, 2000));
        let today = day_of(self.insp_now());
        match input.inspected_on {
            None => p.push(FieldError::required("inspected_on")),
            Some(on) if on > today || on < day_of(draw.drawn_at) => {
                p.push(FieldError::new(
                    "inspected_on",
                    "inspection.date_range",
                    "检查日期应在抽取之后、今天之前",
                    "The inspection day lies between the draw and today",
                ));
            }
            Some(_) => {}
        }
        p.into_result()?;
        let inspected_on = input.inspected_on.unwrap_or(today);
        let now = self.insp_now();
        let mut tx = self.db.write().await?;
        repo::record_result(
            &mut tx,
            row.id,
            &input.result_code,
            inspected_on,
            &notes.unwrap_or_default(),
            &ctx.actor.label(),
            now,
        )
        .await?;
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "inspection.result.record", object)
                .source(&ctx.source)
                .data(json!({"uscc": uscc, "result": input.result_code})),
            now,
        )
        .await?;
        tx.commit().await?;
        self.plan_detail(&plan, true).await
    }

    /// Publishes a plan's results once every drawn entity has one (公示; due within 20 working
    /// days of the last inspection, later publication is flagged).
    pub async fn publish_inspection(&self, ctx: &Ctx, plan_no: &str) -> Result<PlanDetail> {
        let plan = self.plan_row(plan_no).await?;
        let object = format!("inspection_plan:{}", plan.plan_no);
        self.insp_require(
            ctx,
            Permission::InspectionPlan,
            plan.department_id,
            object.clone(),
            "inspection.publish",
        )
        .await?;
        let mut c = self.db.clone();
        let draw = repo::draw_of(&mut c, plan.id).await?.ok_or_else(|| {
            field(
                "plan_no",
                "inspection.not_drawn",
                "该计划尚未抽取",
                "The plan is not drawn yet",
            )
        })?;
        let results = repo::results(&mut c, draw.id).await?;
        let missing: Vec<&str> = results
            .iter()
            .filter(|r| r.result_code.is_none())
            .map(|r| r.uscc.as_str())
            .collect();
        if !missing.is_empty() {
            return Err(field(
                "results",
                "inspection.results_missing",
                format!(
                    "尚有{}个检查对象未录入结果：{}",
                    missing.len(),
                    missing.join("、")
                ),
                format!(
                    "{} entities have no result yet: {}",
                    missing.len(),
                    missing.join(", ")
                ),
            ));
        }
        let finished: Date = results
            .iter()
            .filter_map(|r| r.inspected_on)
            .max()
            .unwrap_or_else(|| draw.drawn_at.date());
        let now = self.insp_now();
        let mut tx = self.db.write().await?;
        if repo::publish_plan(&mut tx, plan.id, finished, now).await? == 0 {
            return Err(field(
                "plan_no",
                "inspection.published",
                "结果已公示",
                "The results are already published",
            ));
        }
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "inspection.publish", object)
                .source(&ctx.source)
                .data(json!({"finished_on": finished.to_string(), "entities": results.len()})),
            now,
        )
        .await?;
        tx.commit().await?;
        let plan = self.plan_row(plan_no).await?;
        self.plan_detail(&plan, true).await
    }

    /// The time now (for callers outside the module, e.g. the demo's dates).
    pub fn inspection_today(&self) -> Date {
        day_of(self.insp_now())
    }
}

/// Parses a draw-input file (the JSON the public page offers: either a bare `DrawInput`, or a
/// `DrawView` with `input` and `outcome`).
pub fn parse_published(bytes: &[u8]) -> Result<(DrawInput, Option<DrawOutcome>)> {
    #[derive(serde::Deserialize)]
    struct Published {
        input: DrawInput,
        outcome: Option<DrawOutcome>,
    }
    if let Ok(p) = serde_json::from_slice::<Published>(bytes) {
        return Ok((p.input, p.outcome));
    }
    let input: DrawInput = serde_json::from_slice(bytes).map_err(|e| {
        field(
            "file",
            "inspection.input_json",
            format!("不是抽取输入JSON：{e}"),
            format!("Not a draw input JSON: {e}"),
        )
    })?;
    Ok((input, None))
}
