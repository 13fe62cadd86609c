//! Intake: the citizen's web appeal, the operator's phone entry, Open311 posts, direct answers
//! from the knowledge base (直接办结), and the duplicates offered before filing.
//!
//! A new order is validated (every problem named), routed (`routing`), numbered (division ·
//! day · daily sequence), given its due time in working days, and written with its `create`
//! event, the routing's `dispatch` event, its photos and the audit entry in one transaction
//! (with the orders filed at the same moment: `filer`).

use serde_json::json;
use yiwang_kernel::auth::{Actor, Ctx, Permission};
use yiwang_kernel::codes::DivisionCode;
use yiwang_kernel::error::Problems;
use yiwang_kernel::{Error, ErrorCode, FieldError, Result, text};
use yiwang_vault::mask_phone;

use super::access::Roles;
use super::checks::{check, phone_key};
use super::filer::{NewOrder, OrderEvent, OrderPhoto, Outcome};
use super::routing::Routed;
use super::{AppealService, PHONE_CONTEXT, day_of, due_after, random_code};
use crate::duplicates::{DuplicateRule, Probe};
use crate::model::{AppealType, Channel, LonLat, Status, TimeLimits};
use crate::repo::appeals::AppealRow;
use crate::repo::settings::{CategoryRow, IntakeRow};
use crate::repo::{self};
use crate::views::{AppealBrief, AppealView, Filed, NewAppeal};

/// What filing under a category needs, read in one statement (`repo::settings::intake`): the
/// category (`None`: no such code), the time limits in force and the latest grid import.
#[derive(Debug, Clone)]
pub(crate) struct IntakeSettings {
    pub category: Option<CategoryRow>,
    pub limits: TimeLimits,
    pub grids_version: Option<i64>,
}

/// A new order as written: the row (with its id), its query code and the likely duplicates
/// the filer may see.
#[derive(Debug, Clone)]
pub(crate) struct Written {
    pub row: AppealRow,
    pub token: String,
    pub likely: Vec<AppealRow>,
}

/// Where a new order stands after routing: dispatched to a grid or department, or waiting.
fn initial_status(r: &Routed) -> Status {
    if r.grid.is_some() || r.department_id.is_some() {
        Status::Dispatched
    } else {
        Status::Received
    }
}

/// Who files, and how the order is kept.
pub(super) struct Filing<'a> {
    pub ctx: &'a Ctx,
    /// The Open311 key filing it, checked again inside the transaction.
    pub open311_key: Option<i64>,
    pub audit_action: &'static str,
    /// Answered at once (直接办结): the answer and the knowledge entry.
    pub answer: Option<(&'a str, Option<i64>)>,
}

/// Whether the filer sees confidential orders among the likely duplicates (staff working on
/// appeals do; the public does not).
fn sees_confidential(ctx: &Ctx) -> bool {
    ctx.actor.has(Permission::AppealIntake)
        || ctx.actor.has(Permission::AppealDispatch)
        || ctx.actor.has(Permission::AppealHandle)
        || ctx.actor.has(Permission::AppealSupervise)
}

impl AppealService {
    pub async fn submit(&self, ctx: &Ctx, input: NewAppeal) -> Result<Filed> {
        let object = "appeal:new".to_string();
        match input.channel {
            Channel::Web => {}
            Channel::Open311 => {
                return Err(Error::field(FieldError::one_of(
                    "channel",
                    &["web", "phone", "wechat", "letter", "window"],
                )));
            }
            _ => {
                if let Err(e) = ctx.actor.require(Permission::AppealIntake) {
                    return Err(self.refuse(ctx, object, "appeal.submit", e).await);
                }
            }
        }
        if matches!(ctx.actor, Actor::Client(_)) {
            return Err(self
                .refuse(ctx, object, "appeal.submit", Error::forbidden())
                .await);
        }
        let filing = Filing {
            ctx,
            open311_key: None,
            audit_action: "appeal.submit",
            answer: None,
        };
        self.file(filing, input).await
    }

    /// The id of the live Open311 key `api_key`, or 403 `open311.api_key` (the refusal
    /// audited), read from the database. The Open311 endpoint asks it when it refuses a POST
    /// at the edge, so a POST with a bad key answers 403 whatever else is wrong with it.
    pub async fn check_open311_key(&self, ctx: &Ctx, api_key: &str) -> Result<i64> {
        match self.live_key(api_key).await? {
            Some(key) => Ok(key),
            None => Err(self.open311_refused(ctx).await),
        }
    }

    /// Audits a refused Open311 key and answers 403 `open311.api_key`.
    pub(super) async fn open311_refused(&self, ctx: &Ctx) -> Error {
        yiwang_audit::denied(
            &self.db,
            ctx,
            "open311:requests",
            "open311.submit",
            self.now(),
        )
        .await;
        Error::new(ErrorCode::Open311ApiKey)
    }

    /// An Open311 POST answered with the whole order as the filer sees it: `api_key` must be
    /// a live key (else 403 `open311.api_key`). The endpoint itself uses
    /// [`AppealService::post_open311`], which answers from what was written.
    pub async fn submit_open311(
        &self,
        ctx: &Ctx,
        api_key: &str,
        mut input: NewAppeal,
    ) -> Result<Filed> {
        let key = self.open311_key(ctx, api_key).await?;
        input.channel = Channel::Open311;
        let filing = Filing {
            ctx,
            open311_key: Some(key),
            audit_action: "open311.submit",
            answer: None,
        };
        match self.file(filing, input).await {
            Err(e) if e.code != ErrorCode::Open311ApiKey => {
                Err(self.key_first(ctx, api_key, e).await)
            }
            other => other,
        }
    }

    /// 直接办结: the operator answers a 咨询 at once (from the knowledge base when cited).
    pub async fn answer_directly(
        &self,
        ctx: &Ctx,
        input: NewAppeal,
        knowledge_id: Option<i64>,
        answer: &str,
    ) -> Result<AppealView> {
        if let Err(e) = ctx.actor.require(Permission::AppealIntake) {
            return Err(self
                .refuse(ctx, "appeal:new".into(), "appeal.answer", e)
                .await);
        }
        let mut p = Problems::new();
        if input.appeal_type != AppealType::Consult {
            p.push(FieldError::new(
                "appeal_type",
                "appeal.direct_consult_only",
                "只有咨询类诉求可以直接办结",
                "Only enquiries (咨询) can be answered at once",
            ));
        }
        let answer = p.take(text::required("answer", answer, 4000));
        if let Some(k) = knowledge_id {
            let mut c = self.db.clone();
            if repo::settings::knowledge_by_id(&mut c, k).await?.is_none() {
                p.push(FieldError::new(
                    "knowledge_id",
                    "appeal.knowledge_unknown",
                    "知识库中没有该条目",
                    "No such knowledge-base entry",
                ));
            }
        }
        p.into_result()?;
        let answer = answer.unwrap_or_default();
        let filing = Filing {
            ctx,
            open311_key: None,
            audit_action: "appeal.answer",
            answer: Some((&answer, knowledge_id)),
        };
        Ok(self.file(filing, input).await?.appeal)
    }

    /// Likely duplicates of an appeal about to be filed: same category, within 100 m, filed in
    /// the last 72 hours. Public (no personal data; confidential orders are shown to staff only).
    pub async fn duplicates(
        &self,
        ctx: &Ctx,
        category: &str,
        point: Option<LonLat>,
    ) -> Result<Vec<AppealBrief>> {
        let Some(point) = point else {
            return Ok(Vec::new());
        };
        let now = self.now();
        let staff = sees_confidential(ctx);
        let rows = self.near(category.trim(), point, now, None).await?;
        let rows: Vec<AppealRow> = rows
            .into_iter()
            .filter(|r| staff || !r.confidential)
            .collect();
        self.briefs(&rows).await
    }

    /// Orders likely duplicating one of `category` at `point` filed at `at` (not `except`).
    pub(crate) async fn near(
        &self,
        category: &str,
        point: LonLat,
        at: time::OffsetDateTime,
        except: Option<i64>,
    ) -> Result<Vec<AppealRow>> {
        let rule = DuplicateRule::default();
        let mut c = self.db.clone();
        let rows =
            repo::appeals::near(&mut c, category, rule.bbox(point), rule.since(at), at).await?;
        let new = Probe {
            category,
            point: Some(point),
            at,
        };
        Ok(rows
            .into_iter()
            .filter(|r| Some(r.id) != except)
            .filter(|r| {
                let other = Probe {
                    category: &r.category_code,
                    point: super::view::point_of(r),
                    at: r.received_at,
                };
                rule.is_likely(&new, &other)
            })
            .collect())
    }

    /// The likely duplicates of a stored order (for the dispatcher's view).
    pub(crate) async fn duplicates_of(&self, row: &AppealRow) -> Result<Vec<AppealBrief>> {
        let Some(p) = super::view::point_of(row) else {
            return Ok(Vec::new());
        };
        if !Status::parse(&row.status).is_some_and(Status::is_open) {
            return Ok(Vec::new());
        }
        let rows = self
            .near(&row.category_code, p, row.received_at, Some(row.id))
            .await?;
        self.briefs(&rows).await
    }

    /// The settings filing under the category `code` needs, in one read.
    pub(crate) async fn intake_settings(&self, code: &str) -> Result<IntakeSettings> {
        let mut c = self.db.clone();
        let rows = repo::settings::intake(&mut c, code.trim()).await?;
        let mut limits = TimeLimits::guangdong();
        for r in &rows {
            if let (Some(t), Some(d)) = (
                r.limit_type.as_deref().and_then(AppealType::parse),
                r.limit_days.and_then(|d| u32::try_from(d).ok()),
            ) {
                limits.set(t, d);
            }
        }
        Ok(IntakeSettings {
            category: rows.first().map(IntakeRow::category),
            limits,
            grids_version: rows.first().map(|r| r.grids_version),
        })
    }

    /// Validates, routes, numbers and stores a new order; answers it as its filer sees it,
    /// with the likely duplicates.
    async fn file(&self, f: Filing<'_>, input: NewAppeal) -> Result<Filed> {
        let settings = self.intake_settings(&input.category).await?;
        let ctx = f.ctx;
        let w = self.write_order(&f, &input, settings).await?;
        let duplicates = self.briefs(&w.likely).await?;
        // The filer sees their own order; the operator sees it as intake staff.
        let roles = Roles {
            owner: true,
            intake: ctx.actor.has(Permission::AppealIntake),
            system: matches!(ctx.actor, Actor::System { .. }),
            ..Roles::default()
        };
        let appeal = self.view_as(&w.row, roles).await?;
        Ok(Filed {
            appeal,
            token: w.token,
            duplicates,
        })
    }

    /// Validates `input` against `settings`, routes, numbers and writes the new order with its
    /// events, photos and audit entry in one transaction — shared with the orders filed beside
    /// it (`filer`), one durable commit for all. Reads: the grid routed to (with its first
    /// worker) and the likely duplicates; nothing is read back.
    pub(super) async fn write_order(
        &self,
        f: &Filing<'_>,
        input: &NewAppeal,
        settings: IntakeSettings,
    ) -> Result<Written> {
        let ctx = f.ctx;
        let checked = check(input, settings.category)?;
        let now = self.now();
        let direct = f.answer.is_some();
        let routed = if direct {
            Routed {
                grid: None,
                department_id: checked.category.department_id,
                assignee_id: None,
            }
        } else {
            self.routed(
                Some(&checked.category),
                checked.point,
                settings.grids_version,
            )
            .await?
        };
        let status = if direct {
            Status::ClosedDirect
        } else {
            initial_status(&routed)
        };
        let division = checked
            .division
            .clone()
            .or_else(|| {
                routed
                    .grid
                    .as_ref()
                    .and_then(|g| DivisionCode::parse(&g.division).ok())
            })
            .unwrap_or_else(|| self.home_division.clone());
        let limit = settings.limits.days(checked.appeal_type);
        let cal = self.cal().await?;
        let due_at = due_after(&cal, day_of(now), limit)?;
        // Offered as the public list offers them (confidential ones to staff only).
        let likely = match (direct, checked.point) {
            (false, Some(p)) => {
                let staff = sees_confidential(ctx);
                self.near(&checked.category.code, p, now, None)
                    .await?
                    .into_iter()
                    .filter(|r| staff || !r.confidential)
                    .collect()
            }
            _ => Vec::new(),
        };
        // Photos are stored (content-addressed, durable) before the order that cites them.
        let mut stored = Vec::with_capacity(input.photos.len());
        for ph in &input.photos {
            let file = self.files.put(ph.bytes.clone()).await?;
            stored.push((file, ph.name.clone()));
        }
        let (phone_enc, phone_idx, phone_mask) = if checked.phone.is_empty() {
            (String::new(), String::new(), String::new())
        } else {
            (
                self.keys.seal(PHONE_CONTEXT, &checked.phone)?,
                self.keys
                    .blind_index(PHONE_CONTEXT, &phone_key(&checked.phone))?,
                mask_phone(&checked.phone),
            )
        };
        let actor = ctx.actor.label();
        let person_id = ctx.actor.person().map(|p| p.person_id);
        let token = random_code(16);
        let day = day_of(now);
        let day_code = format!(
            "{:04}{:02}{:02}",
            day.year(),
            u8::from(day.month()),
            day.day()
        );
        let div6: String = division.as_str().chars().take(6).collect();
        let answer = f.answer.map(|(a, _)| a.to_string()).unwrap_or_default();
        let knowledge_id = f.answer.and_then(|a| a.1);
        let row = AppealRow {
            id: 0,
            // Numbered when written (`filer`).
            appeal_no: String::new(),
            token: token.clone(),
            channel: checked.channel.as_str().into(),
            appeal_type: checked.appeal_type.as_str().into(),
            category_code: checked.category.code.clone(),
            title: checked.title,
            content: checked.content,
            address: checked.address,
            division: division.as_str().into(),
            lon: checked.point.map(|p| p.lon),
            lat: checked.point.map(|p| p.lat),
            contact_name: checked.contact_name,
            contact_phone_enc: phone_enc,
            contact_phone_idx: phone_idx,
            contact_phone_mask: phone_mask,
            contact_email: checked.email,
            anonymous: checked.anonymous,
            confidential: checked.confidential,
            person_id,
            open311_key_id: f.open311_key,
            media_url: checked.media_url,
            complained_unit: checked.complained_unit,
            status: status.as_str().into(),
            grid_id: routed.grid.as_ref().map(|g| g.id),
            department_id: routed.department_id,
            assignee_id: routed.assignee_id,
            received_by: actor.clone(),
            received_at: now,
            dispatched_at: (status == Status::Dispatched).then_some(now),
            signed_at: None,
            due_at,
            limit_days: i64::from(limit),
            extended_days: 0,
            extension_pending: false,
            reply: answer.clone(),
            replied_at: direct.then_some(now),
            closed_at: direct.then_some(now),
            satisfaction: None,
            resolved: None,
            visited_at: None,
            reopen_count: 0,
            supervise_count: 0,
            merged_into: None,
            revision: 1,
            updated_at: now,
        };
        // The `create` event and the routing's `dispatch` (or the direct answer).
        let mut events = vec![OrderEvent {
            kind: "create",
            actor: actor.clone(),
            to_status: Some(Status::Received.as_str()),
            data: json!({ "channel": checked.channel.as_str() }).to_string(),
            ..OrderEvent::default()
        }];
        if direct {
            events.push(OrderEvent {
                kind: "close_direct",
                actor: actor.clone(),
                from_status: Some(Status::Received.as_str()),
                to_status: Some(Status::ClosedDirect.as_str()),
                text: answer,
                data: json!({ "knowledge_id": knowledge_id }).to_string(),
                ..OrderEvent::default()
            });
        } else if status == Status::Dispatched {
            events.push(OrderEvent {
                kind: "dispatch",
                actor: "system:routing".into(),
                from_status: Some(Status::Received.as_str()),
                to_status: Some(Status::Dispatched.as_str()),
                to_grid_id: routed.grid.as_ref().map(|g| g.id),
                to_department_id: routed.department_id,
                to_user_id: routed.assignee_id,
                text: String::new(),
                data: json!({ "grid": routed.grid.as_ref().map(|g| g.code.as_str()), "routing": true })
                    .to_string(),
            });
        }
        let photos = stored
            .iter()
            .map(|(file, name)| OrderPhoto {
                digest: file.digest_sm3_hex.as_str().to_string(),
                media_type: file.media_type.mime(),
                size: i64::try_from(file.size).unwrap_or(i64::MAX),
                name: text::optional("name", name, 200).unwrap_or_default(),
            })
            .collect();
        let order = NewOrder {
            ctx: ctx.clone(),
            row,
            division: div6,
            day: day_code,
            events,
            photos,
            knowledge_id,
            open311_key: f.open311_key,
            audit_action: f.audit_action,
            audit_data: json!({
                "channel": checked.channel.as_str(),
                "type": checked.appeal_type.as_str(),
                "category": checked.category.code,
                "status": status.as_str(),
                "grid": routed.grid.as_ref().map(|g| g.code.clone()),
                "department_id": routed.department_id,
                "photos": stored.len(),
            }),
        };
        // Written with the orders filed beside it, in one durable commit (`filer`); the key
        // is checked again there, under the write lock: revoked since it was checked (by any
        // process), the order is not written.
        let row = match self.filer.file(&self.db, order).await? {
            Outcome::Written(row) => *row,
            Outcome::KeyRevoked(k) => {
                self.forget_key(k);
                return Err(self.open311_refused(ctx).await);
            }
        };
        Ok(Written { row, token, likely })
    }
}
