//! Demo cases (办件): applications of the demo citizens and their enterprise in every state a
//! visitor should see, made through [`yiwang_cases::CaseService`] by the people and staff who
//! would make them (each signs in with [`crate::DEMO_PASSWORD`]).
//!
//! **Time.** Each scenario is a timeline of steps dated in working days before the day of the
//! load ([`When`]). The loader runs every step of every scenario in date order on a
//! [`FixedClock`] set to the step's date, shared by a `CaseService` and an `IdentityService`
//! built for the purpose: submissions, acceptances, workflow steps, pauses and ratings carry
//! those dates, so due dates come out of the real working-day calendar and some cases are
//! overdue (red) or about to be (yellow) on the day of the load. A final sweep with the real
//! clock sets today's warning colours (the server sweeps again every 10 minutes).
//!
//! **Idempotence.** A scenario's case is found again by the SM3 of its first material file
//! (the demo's files are deterministic), through the system's inbox; a step is skipped when the
//! case is already past it: every case transition raises the case's revision by exactly one,
//! so step *j* of a scenario is done when the revision is above *j*; ratings count ratings,
//! follow-up steps the follow-up's revision. A second load finds everything done and writes
//! nothing; an interrupted load is completed.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;
use time::{Date, Duration, OffsetDateTime, Time};
use yiwang_calendar::{Calendar, CalendarService};
use yiwang_cases::{
    Application, CaseConfig, CaseService, CaseView, FollowupStep, InboxFilter, MaterialRef,
    NoticeItem, RatingInput, WindowApplicant, WindowApplication,
};
use yiwang_catalog::CatalogService;
use yiwang_files::{FileStore, Intake, Limits, Sm3Hex};
use yiwang_identity::Keys;
use yiwang_identity::service::{IdentityConfig, IdentityService};
use yiwang_kernel::Error;
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::clock::{CHINA_OFFSET, Clock, FixedClock};
use yiwang_kernel::paging::Page;
use yiwang_store::Db;
use yiwang_workflow::Action;

use crate::data::accounts::{ENTERPRISE, PEOPLE};
use crate::data::cases::scenarios;
use crate::{DEMO_PASSWORD, context};

/// Who acts: a member of staff by user name, a demo citizen (index into `PEOPLE`) for
/// themselves, or a demo citizen acting for the demo enterprise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Who {
    Staff(&'static str),
    Person(usize),
    ForOrg(usize),
}

/// When a step happens: `days` working days before the day of the load, `minute` minutes
/// after 09:00 (China). Steps of the load day itself happen in the two hours before the load:
/// `minute` (below 120) counts from two hours ago.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct When {
    pub days: u32,
    pub minute: u32,
}

pub(crate) const fn at(days: u32, minute: u32) -> When {
    When { days, minute }
}

/// The applicant entered by a window clerk.
#[derive(Debug, Clone, Copy)]
pub(crate) enum WindowWho {
    Person(usize),
    Enterprise,
    /// The black-listed enterprise of the demo credit lists (`credit`).
    BlackListed,
}

/// One step of a scenario.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    /// Uploads the item's materials and applies online (with an idempotency key).
    Apply(Who),
    /// A window clerk uploads the materials and files the application for the applicant.
    Receive(&'static str, WindowWho),
    Accept(&'static str),
    NotAccept(&'static str, &'static str),
    /// 一次性告知: (checklist entry or "", reason).
    Notice(&'static str, Vec<(&'static str, &'static str)>),
    /// An officer acts on a step (named when several are open).
    Act(&'static str, Option<&'static str>, Action),
    /// 特别程序: (officer, type, name, reason, days).
    Special(&'static str, &'static str, &'static str, &'static str, i64),
    /// 送达: (clerk, method, reference).
    Deliver(&'static str, &'static str, &'static str),
    Withdraw(Who, &'static str),
    /// 好差评: (who, service, level, indicators, comment).
    Rate(
        Who,
        &'static str,
        i64,
        &'static [&'static str],
        &'static str,
    ),
    /// A follow-up step on the case's bad rating: (officer, step, text).
    Followup(&'static str, &'static str, &'static str),
}

impl Op {
    /// Raises the case's revision by one (creation sets it to 1).
    fn is_transition(&self) -> bool {
        !matches!(self, Op::Rate(..) | Op::Followup(..))
    }
}

/// A demo case: the item (basic code, and the county implementing it or the city), the form
/// as the applicant fills it in (prefilled fields come from the applicant), and the steps.
#[derive(Debug, Clone)]
pub(crate) struct Scenario {
    pub key: &'static str,
    pub basic: &'static str,
    pub county: Option<&'static str>,
    pub form: Value,
    pub steps: Vec<(When, Op)>,
}

/// A one-page PDF (Helvetica, ASCII text): a stand-in for a scanned material.
pub(crate) fn pdf(lines: &[String]) -> Vec<u8> {
    let esc = |s: &str| {
        s.chars()
            .filter(|c| c.is_ascii() && !c.is_ascii_control())
            .map(|c| match c {
                '(' | ')' | '\\' => format!("\\{c}"),
                c => c.to_string(),
            })
            .collect::<String>()
    };
    let mut content = String::from("BT /F1 14 Tf 72 770 Td 22 TL\n");
    for l in lines {
        content.push_str(&format!("({}) Tj T*\n", esc(l)));
    }
    content.push_str("ET\n");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>".to_string(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}endstream", content.len()),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n{o}\nendobj\n", i + 1).bytes());
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).bytes());
    for off in offsets {
        out.extend(format!("{off:010} 00000 n \n").bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .bytes(),
    );
    out
}

/// The file of a scenario's material (`round` 0 with the application, 1 a supplement).
fn material_file(scenario: &str, item_code: &str, entry: &str, round: u32) -> Vec<u8> {
    pdf(&[
        "Yiwang demo material".to_string(),
        format!("Item {item_code}"),
        format!("Checklist entry {entry}"),
        format!(
            "Demo case {scenario}{}",
            if round > 0 { " (supplement)" } else { "" }
        ),
    ])
}

/// The `n`-th working day before `d` (Monday to Friday when the calendar lacks the year).
fn working_days_before(cal: &Calendar, d: Date, n: u32) -> Date {
    let mut day = d;
    let mut left = n;
    while left > 0 {
        let Some(prev) = day.previous_day() else {
            return day;
        };
        day = prev;
        let working = cal.is_working_day(day).unwrap_or_else(|_| {
            !matches!(
                day.weekday(),
                time::Weekday::Saturday | time::Weekday::Sunday
            )
        });
        if working {
            left -= 1;
        }
    }
    day
}

/// The instant of a step for a load at `now`.
pub(crate) fn instant(cal: &Calendar, now: OffsetDateTime, w: When) -> OffsetDateTime {
    if w.days == 0 {
        return now - Duration::minutes(120 - i64::from(w.minute.min(119)));
    }
    let day = working_days_before(cal, now.to_offset(CHINA_OFFSET).date(), w.days);
    let t =
        Time::from_hms(9, 0, 0).unwrap_or(Time::MIDNIGHT) + Duration::minutes(i64::from(w.minute));
    day.with_time(t)
        .assume_offset(CHINA_OFFSET)
        .to_offset(time::UtcOffset::UTC)
}

/// What the case loader needs from the demo loader.
pub(crate) struct Env<'a> {
    pub db: &'a Db,
    pub clock: Arc<dyn Clock>,
    pub keys: Keys,
    pub store: Arc<dyn FileStore>,
    /// Implementation item code of (basic code, county).
    pub item_code: &'a dyn Fn(&'static str, Option<&'static str>) -> Result<String, Error>,
}

/// A signed-in actor of the demo.
struct Signed {
    token: String,
    ctx: Ctx,
}

struct Run<'a> {
    env: &'a Env<'a>,
    at: FixedClock,
    cases: CaseService,
    identity: IdentityService,
    catalog: CatalogService,
    actors: HashMap<Who, Signed>,
    /// Case number of each scenario found or created.
    numbers: HashMap<&'static str, String>,
    wrote: bool,
}

fn system() -> Ctx {
    Ctx::system(crate::TASK)
}

/// Creates the demo cases that are missing and moves each to where its scenario ends; answers
/// whether anything was written.
pub(crate) async fn load(env: &Env<'_>) -> Result<bool, Error> {
    let now = env.clock.now();
    let at = FixedClock::new(now);
    let demo_clock: Arc<dyn Clock> = Arc::new(at.clone());
    let catalog = CatalogService::new(env.db.clone(), demo_clock.clone());
    let calendar = CalendarService::new(env.db.clone(), env.clock.clone());
    let identity = IdentityService::new(
        env.db.clone(),
        demo_clock.clone(),
        IdentityConfig::default(),
        env.keys.clone(),
    );
    let cases = CaseService::new(
        env.db.clone(),
        demo_clock,
        env.keys.clone(),
        catalog.clone(),
        calendar.clone(),
        identity.clone(),
        Intake::new(env.store.clone(), Limits::default()),
        CaseConfig::default(),
        yiwang_licences::LicenceService::new(
            env.db.clone(),
            env.clock.clone(),
            env.keys.clone(),
            identity.clone(),
        ),
    );
    let cal = calendar.current().await?;
    let all = scenarios(now.to_offset(CHINA_OFFSET).date());
    let mut plan: Vec<(OffsetDateTime, usize, usize)> = Vec::new();
    for (si, s) in all.iter().enumerate() {
        for (i, (w, _)) in s.steps.iter().enumerate() {
            plan.push((instant(&cal, now, *w), si, i));
        }
    }
    plan.sort();
    let mut run = Run {
        env,
        at,
        cases,
        identity,
        catalog,
        actors: HashMap::new(),
        numbers: HashMap::new(),
        wrote: false,
    };
    for (t, si, i) in plan {
        let s = &all[si];
        run.at.set(t);
        run.step(s, i)
            .await
            .map_err(context(format!("demo case {} step {}", s.key, i + 1)))?;
    }
    // Sessions end; their times have long passed on the real clock, so they simply go.
    run.at.set(now);
    for (_, a) in run.actors.drain() {
        run.identity.sign_out(&a.token, "").await?;
    }
    if run.wrote {
        // Today's warning colours, on the real clock.
        let real = CaseService::new(
            env.db.clone(),
            env.clock.clone(),
            env.keys.clone(),
            CatalogService::new(env.db.clone(), env.clock.clone()),
            calendar.clone(),
            run.identity.clone(),
            Intake::new(env.store.clone(), Limits::default()),
            CaseConfig::default(),
            yiwang_licences::LicenceService::new(
                env.db.clone(),
                env.clock.clone(),
                env.keys.clone(),
                run.identity.clone(),
            ),
        );
        real.sweep().await?;
    }
    Ok(run.wrote)
}

/// The number of cases in the database (for the report).
pub(crate) async fn count(db: &Db, clock: Arc<dyn Clock>, keys: Keys) -> Result<i64, Error> {
    Ok(service(db, clock, keys)
        .inbox(
            &system(),
            &InboxFilter::default(),
            Page { page: 1, size: 1 },
        )
        .await?
        .total)
}

/// The first hundred cases, newest first (the data API's demo reads name their numbers).
pub(crate) async fn summaries(
    db: &Db,
    clock: Arc<dyn Clock>,
    keys: Keys,
) -> Result<Vec<yiwang_cases::CaseSummary>, Error> {
    Ok(service(db, clock, keys)
        .inbox(
            &system(),
            &InboxFilter::default(),
            Page { page: 1, size: 100 },
        )
        .await?
        .items)
}

/// A case service on `clock` (its files in memory: for reading, never for uploads).
fn service(db: &Db, clock: Arc<dyn Clock>, keys: Keys) -> CaseService {
    let catalog = CatalogService::new(db.clone(), clock.clone());
    let identity = IdentityService::new(
        db.clone(),
        clock.clone(),
        IdentityConfig::default(),
        keys.clone(),
    );
    CaseService::new(
        db.clone(),
        clock.clone(),
        keys.clone(),
        catalog,
        CalendarService::new(db.clone(), clock.clone()),
        identity.clone(),
        Intake::new(
            Arc::new(yiwang_files::MemoryFileStore::new()),
            Limits::default(),
        ),
        CaseConfig::default(),
        yiwang_licences::LicenceService::new(db.clone(), clock, keys.clone(), identity),
    )
}

impl Run<'_> {
    async fn actor(&mut self, who: Who) -> Result<Ctx, Error> {
        if let Some(a) = self.actors.get(&who) {
            return Ok(a.ctx.clone());
        }
        let (token, session) = match who {
            Who::Staff(u) => self.identity.sign_in(u, DEMO_PASSWORD, "").await?,
            Who::Person(i) | Who::ForOrg(i) => {
                let p = PEOPLE
                    .get(i)
                    .ok_or_else(|| Error::internal("demo: no such person"))?;
                self.identity
                    .sign_in_person(p.id_number, DEMO_PASSWORD, "")
                    .await?
            }
        };
        let mut ctx = Ctx::new(session.actor, "");
        if let Who::ForOrg(_) = who {
            let org = self
                .identity
                .org_id_by_uscc(&enterprise_uscc()?)
                .await?
                .ok_or_else(|| Error::internal("demo: the enterprise is missing"))?;
            self.identity.act_as(&ctx, &token, Some(org)).await?;
            let s = self
                .identity
                .session(&token)
                .await?
                .ok_or_else(|| Error::internal("demo: session lost"))?;
            ctx = Ctx::new(s.actor, "");
        }
        self.wrote = true;
        self.actors.insert(
            who,
            Signed {
                token,
                ctx: ctx.clone(),
            },
        );
        Ok(ctx)
    }

    fn scenario_marker(s: &Scenario, item_code: &str, first_entry: &str) -> Sm3Hex {
        Sm3Hex::of(&material_file(s.key, item_code, first_entry, 0))
    }

    /// The entries to hand in with an application: every required one (without a condition
    /// or a shared licence), at least the first.
    async fn entries(&self, code: &str) -> Result<Vec<(String, String)>, Error> {
        let item = self.catalog.item(&system(), code).await?;
        let e = item
            .published
            .map(|v| v.elements)
            .ok_or_else(|| Error::internal(format!("demo: {code} is not published")))?;
        let mut out: Vec<(String, String)> = e
            .materials
            .iter()
            .filter(|m| {
                m.required && m.condition.trim().is_empty() && m.licence_type.trim().is_empty()
            })
            .map(|m| (m.key.clone(), m.name.clone()))
            .collect();
        if out.is_empty()
            && let Some(m) = e.materials.first()
        {
            out.push((m.key.clone(), m.name.clone()));
        }
        if out.is_empty() {
            return Err(Error::internal(format!("demo: {code} lists no materials")));
        }
        Ok(out)
    }

    /// The scenario's case, if it exists (found by its first material).
    async fn find(&mut self, s: &Scenario, code: &str) -> Result<Option<CaseView>, Error> {
        if let Some(no) = self.numbers.get(s.key) {
            return Ok(Some(self.cases.case(&system(), no).await?));
        }
        let entries = self.entries(code).await?;
        let marker = Self::scenario_marker(s, code, &entries[0].0);
        let filter = InboxFilter {
            item_code: Some(code.to_string()),
            ..Default::default()
        };
        let mut page = 1;
        loop {
            let list = self
                .cases
                .inbox(&system(), &filter, Page { page, size: 100 })
                .await?;
            for c in &list.items {
                let v = self.cases.case(&system(), &c.case_no).await?;
                if v.materials.iter().any(|m| m.sha == marker.as_str()) {
                    self.numbers.insert(s.key, v.case_no.clone());
                    return Ok(Some(v));
                }
            }
            if list.items.len() < 100 {
                return Ok(None);
            }
            page += 1;
        }
    }

    async fn upload_all(
        &mut self,
        ctx: &Ctx,
        s: &Scenario,
        code: &str,
    ) -> Result<Vec<MaterialRef>, Error> {
        let mut refs = Vec::new();
        for (key, name) in self.entries(code).await? {
            let bytes = material_file(s.key, code, &key, 0);
            let t = self
                .cases
                .upload(ctx, &format!("{name}.pdf"), bytes.into())
                .await?;
            refs.push(MaterialRef {
                entry: key,
                ticket: t.ticket,
                ..Default::default()
            });
        }
        Ok(refs)
    }

    async fn step(&mut self, s: &Scenario, i: usize) -> Result<(), Error> {
        let code = (self.env.item_code)(s.basic, s.county)?;
        let (_, op) = &s.steps[i];
        let existing = self.find(s, &code).await?;
        // Which transition this is (creation is the first).
        let nth = s.steps[..i]
            .iter()
            .filter(|(_, o)| o.is_transition())
            .count();
        if op.is_transition() {
            let revision = existing.as_ref().map(|v| v.revision).unwrap_or(0);
            if revision > i64::try_from(nth).unwrap_or(i64::MAX) {
                return Ok(());
            }
        }
        let rev = existing.as_ref().map(|v| v.revision);
        let no = existing
            .as_ref()
            .map(|v| v.case_no.clone())
            .unwrap_or_default();
        match op {
            Op::Apply(who) => {
                let ctx = self.actor(*who).await?;
                let materials = self.upload_all(&ctx, s, &code).await?;
                let input = Application {
                    item_code: code.clone(),
                    form: s.form.clone(),
                    materials,
                    channel: "2".to_string(),
                };
                let key = format!("demo-{}", s.key);
                let (v, _) = self.cases.submit(&ctx, &input, Some(&key)).await?;
                self.numbers.insert(s.key, v.case_no);
            }
            Op::Receive(clerk, applicant) => {
                let ctx = self.actor(Who::Staff(clerk)).await?;
                let materials = self.upload_all(&ctx, s, &code).await?;
                let applicant = match applicant {
                    WindowWho::Person(i) => {
                        let p = PEOPLE
                            .get(*i)
                            .ok_or_else(|| Error::internal("demo: no such person"))?;
                        WindowApplicant {
                            kind: "person".into(),
                            name: p.name.into(),
                            cert_no: p.id_number.into(),
                            contact_name: p.name.into(),
                            contact_phone: p.phone.into(),
                            legal_representative: String::new(),
                        }
                    }
                    WindowWho::Enterprise => WindowApplicant {
                        kind: "org".into(),
                        name: ENTERPRISE.1.into(),
                        cert_no: enterprise_uscc()?,
                        contact_name: PEOPLE[1].name.into(),
                        contact_phone: PEOPLE[1].phone.into(),
                        legal_representative: PEOPLE[0].name.into(),
                    },
                    WindowWho::BlackListed => crate::credit::black_applicant()?,
                };
                let v = self
                    .cases
                    .receive(
                        &ctx,
                        &WindowApplication {
                            item_code: code.clone(),
                            applicant,
                            form: s.form.clone(),
                            materials,
                        },
                    )
                    .await?;
                self.numbers.insert(s.key, v.case_no);
            }
            Op::Accept(clerk) => {
                let ctx = self.actor(Who::Staff(clerk)).await?;
                self.cases.accept(&ctx, &no, rev).await?;
            }
            Op::NotAccept(clerk, reason) => {
                let ctx = self.actor(Who::Staff(clerk)).await?;
                self.cases.not_accept(&ctx, &no, rev, reason).await?;
            }
            Op::Notice(clerk, items) => {
                let ctx = self.actor(Who::Staff(clerk)).await?;
                let items: Vec<NoticeItem> = items
                    .iter()
                    .map(|(entry, reason)| NoticeItem {
                        entry: (*entry).to_string(),
                        reason: (*reason).to_string(),
                    })
                    .collect();
                self.cases
                    .request_supplements(&ctx, &no, rev, &items)
                    .await?;
            }
            Op::Act(officer, step, action) => {
                let ctx = self.actor(Who::Staff(officer)).await?;
                self.cases
                    .act(&ctx, &no, rev, *step, action.clone())
                    .await?;
            }
            Op::Special(officer, ty, name, reason, days) => {
                let ctx = self.actor(Who::Staff(officer)).await?;
                self.cases
                    .start_special(&ctx, &no, rev, ty, name, reason, *days)
                    .await?;
            }
            Op::Deliver(clerk, method, reference) => {
                let ctx = self.actor(Who::Staff(clerk)).await?;
                self.cases
                    .deliver(&ctx, &no, rev, method, reference)
                    .await?;
            }
            Op::Withdraw(who, reason) => {
                let ctx = self.actor(*who).await?;
                self.cases.withdraw(&ctx, &no, rev, reason).await?;
            }
            Op::Rate(who, service, level, indicators, comment) => {
                let nth_rating = s.steps[..i]
                    .iter()
                    .filter(|(_, o)| matches!(o, Op::Rate(..)))
                    .count();
                let have = self.cases.ratings_of(&system(), &no).await?.len();
                if have > nth_rating {
                    return Ok(());
                }
                let ctx = self.actor(*who).await?;
                self.cases
                    .rate(
                        &ctx,
                        &no,
                        &RatingInput {
                            service: (*service).to_string(),
                            level: *level,
                            indicators: indicators.iter().map(|s| (*s).to_string()).collect(),
                            comment: (*comment).to_string(),
                            channel: "2".to_string(),
                        },
                    )
                    .await?;
            }
            Op::Followup(officer, step, text) => {
                let nth_step = s.steps[..i]
                    .iter()
                    .filter(|(_, o)| matches!(o, Op::Followup(..)))
                    .count();
                let f = self
                    .cases
                    .ratings_of(&system(), &no)
                    .await?
                    .into_iter()
                    .find_map(|r| r.followup)
                    .ok_or_else(|| Error::internal("demo: no follow-up to work"))?;
                if f.revision > i64::try_from(nth_step).unwrap_or(i64::MAX) + 1 {
                    return Ok(());
                }
                let ctx = self.actor(Who::Staff(officer)).await?;
                self.cases
                    .followup_step(
                        &ctx,
                        f.id,
                        &FollowupStep {
                            step: (*step).to_string(),
                            text: (*text).to_string(),
                            revision: Some(f.revision),
                        },
                    )
                    .await?;
            }
        }
        self.wrote = true;
        Ok(())
    }
}

/// The demo enterprise's USCC.
fn enterprise_uscc() -> Result<String, Error> {
    yiwang_kernel::codes::Uscc::from_body(ENTERPRISE.0)
        .map(|u| u.to_string())
        .map_err(|e| Error::internal(e.en))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn material_files_are_pdfs() {
        let f = material_file("s01", "X", "M01", 0);
        assert!(yiwang_files::detect(&f).is_ok());
        assert_ne!(f, material_file("s01", "X", "M01", 1));
    }

    #[test]
    fn every_scenario_is_in_date_order_and_starts_with_a_submission() {
        let all = scenarios(time::macros::date!(2026 - 03 - 02));
        let mut keys = std::collections::HashSet::new();
        for s in &all {
            assert!(keys.insert(s.key), "{}", s.key);
            assert!(
                matches!(s.steps.first(), Some((_, Op::Apply(_) | Op::Receive(..)))),
                "{}",
                s.key
            );
            let mut last = None;
            for (w, _) in &s.steps {
                // Later steps happen fewer working days before the load (or later that day).
                let order = (std::cmp::Reverse(w.days), w.minute);
                assert!(last.is_none_or(|l| l <= order), "{} out of order", s.key);
                assert!(
                    w.minute < 480 && (w.days > 0 || w.minute < 120),
                    "{}",
                    s.key
                );
                last = Some(order);
            }
        }
    }
}
