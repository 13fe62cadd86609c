//! The flow of a work order: every lifecycle action through one entry point ([`act`]), photos
//! and links. Order of the checks: the order exists → the actor may take the action at all
//! (refusal audited) → the status allows it (409 `invalid_state`) → the revision is the one
//! read (409 `appeal.stale`) → the input (422 naming the field). The new state, its event and
//! the audit entry are written in one transaction, compare-and-set on the revision.
//!
//! [`act`]: AppealService::act

use bytes::Bytes;
use serde_json::json;
use yiwang_audit::{Entry, record};
use yiwang_files::Sm3Hex;
use yiwang_kernel::auth::{Ctx, Permission};
use yiwang_kernel::error::Problems;
use yiwang_kernel::{Error, ErrorCode, FieldError, Result, text};

use super::access::{self, Roles, roles_on};
use super::checks::{MAX_PHOTOS, screen_photo};
use super::view::status_of;
use super::{AppealService, day_of, due_after, stale};
use crate::lifecycle::{self, Action};
use crate::model::{Satisfaction, Status, TimeLimits};
use crate::repo::appeals::AppealRow;
use crate::repo::events::NewEvent;
use crate::repo::{self};
use crate::views::{ActInput, AppealView, PhotoUpload, PhotoView};

/// 督办 levels.
pub(crate) const SUPERVISE_LEVELS: &[&str] = &["一般", "重点", "挂牌"];

/// Where a dispatch or transfer sends the order.
#[derive(Debug, Clone, Default)]
struct Destination {
    grid_id: Option<i64>,
    grid_code: Option<String>,
    department_id: Option<i64>,
    assignee_id: Option<i64>,
}

impl AppealService {
    /// One action on an order (authorised, validated, recorded with its event and audit entry).
    pub async fn act(&self, ctx: &Ctx, appeal_no: &str, input: ActInput) -> Result<AppealView> {
        let row = self.row(appeal_no).await?;
        let roles = roles_on(ctx, &row, &self.home_division);
        self.act_as(ctx, row, roles, input).await
    }

    /// The action by a reader standing in `roles` (the tracking code's holder is an owner).
    pub(crate) async fn act_as(
        &self,
        ctx: &Ctx,
        row: AppealRow,
        roles: Roles,
        input: ActInput,
    ) -> Result<AppealView> {
        let action = input.action;
        let audit = format!("appeal.{}", action.as_str());
        let object = format!("appeal:{}", row.appeal_no);
        if !access::may(&roles, action) {
            let e = if matches!(ctx.actor, yiwang_kernel::auth::Actor::Anonymous) && !roles.owner {
                Error::new(ErrorCode::Unauthenticated)
            } else {
                Error::forbidden()
            };
            return Err(self.refuse(ctx, object, &audit, e).await);
        }
        let status = status_of(&row)?;
        if !access::state_allows(&row, status, action) {
            return Err(Error::new(ErrorCode::InvalidState).with_detail(
                format!("工单当前状态为“{}”，不能{}", status.zh(), action.zh()),
                format!("The order is {}; cannot {}", status.en(), action.en()),
            ));
        }
        if input.revision != row.revision {
            return Err(stale());
        }
        let to = lifecycle::next(status, action).unwrap_or(status);
        let now = self.now();
        let mut p = Problems::new();
        let text = if action.needs_text() {
            p.take(text::required("text", &input.text, 4000))
        } else {
            p.take(text::optional("text", &input.text, 4000))
        }
        .unwrap_or_default();
        let mut new = row.clone();
        new.status = to.as_str().into();
        new.updated_at = now;
        let mut data = json!({});
        let mut dest = Destination::default();
        let mut other: Option<AppealRow> = None;
        match action {
            Action::Dispatch | Action::Transfer => {
                dest = self.destination(&input, &mut p).await?;
                if dest.grid_id.is_none() && dest.department_id.is_none() {
                    p.push(FieldError::new(
                        "to_grid",
                        "appeal.destination_required",
                        "请选择派往的网格、部门或承办人",
                        "Choose the grid, department or person to send it to",
                    ));
                }
                new.grid_id = dest.grid_id;
                new.department_id = dest.department_id;
                new.assignee_id = dest.assignee_id;
                new.dispatched_at = Some(now);
                new.signed_at = None;
                data = json!({ "grid": dest.grid_code });
            }
            Action::Sign => {
                new.signed_at = Some(now);
                if let Some(s) = ctx.actor.staff() {
                    new.assignee_id = Some(s.user_id);
                }
            }
            Action::Return => {
                new.grid_id = None;
                new.department_id = None;
                new.assignee_id = None;
                new.signed_at = None;
                new.extension_pending = false;
            }
            Action::RequestExtension => {
                let days = self.extension_days(input.days, &mut p);
                new.extension_pending = true;
                data = json!({ "days": days });
            }
            Action::DecideExtension => {
                let Some(approve) = input.approve else {
                    p.push(FieldError::required("approve"));
                    return Err(Error::validation(p.0));
                };
                new.extension_pending = false;
                if approve {
                    let requested = self.requested_days(&row).await?;
                    let days = match input.days {
                        Some(d) => self.extension_days(Some(d), &mut p),
                        None => requested,
                    };
                    if days > 0 {
                        let cal = self.cal().await?;
                        new.due_at = due_after(&cal, day_of(row.due_at), days)?;
                        new.extended_days = row.extended_days + i64::from(days);
                    }
                    data = json!({ "approve": true, "days": days });
                } else {
                    data = json!({ "approve": false });
                }
            }
            Action::Handle => {
                data = json!({ "photos": input.photos });
            }
            Action::Reply => {
                new.reply = text.clone();
                new.replied_at = Some(now);
                new.closed_at = Some(now);
                data = json!({ "photos": input.photos });
            }
            Action::Redo | Action::Reopen => {
                new.closed_at = None;
                new.satisfaction = None;
                new.resolved = None;
                if action == Action::Reopen {
                    new.reopen_count = row.reopen_count + 1;
                    // A reopened order gets its time limit again, counted from today.
                    let cal = self.cal().await?;
                    let days = u32::try_from(row.limit_days).unwrap_or(TimeLimits::MAX_DAYS);
                    new.due_at = due_after(&cal, day_of(now), days)?;
                }
            }
            Action::Visit => {
                let level = match input.satisfaction {
                    Some(n) => match Satisfaction::from_level(n) {
                        Some(s) => Some(s),
                        None => {
                            p.push(FieldError::range("satisfaction", 1, 5));
                            None
                        }
                    },
                    None => {
                        p.push(FieldError::required("satisfaction"));
                        None
                    }
                };
                new.satisfaction = level.map(Satisfaction::level);
                new.resolved = input.resolved;
                new.visited_at = Some(now);
                data = json!({ "satisfaction": new.satisfaction, "resolved": input.resolved });
            }
            Action::Supervise => {
                let level = input.level.as_deref().map(str::trim).unwrap_or("一般");
                if !SUPERVISE_LEVELS.contains(&level) {
                    p.push(FieldError::one_of("level", SUPERVISE_LEVELS));
                }
                new.supervise_count = row.supervise_count + 1;
                data = json!({ "level": level, "overdue": now > row.due_at });
            }
            Action::Merge => {
                other = self
                    .merge_target(&row, input.other_no.as_deref(), &mut p)
                    .await?;
                new.merged_into = other.as_ref().map(|o| o.id);
                new.closed_at = Some(now);
                data = json!({ "into": other.as_ref().map(|o| o.appeal_no.clone()) });
            }
            Action::Archive => {}
        }
        if matches!(action, Action::Handle | Action::Reply) && !input.photos.is_empty() {
            self.check_cited(&row, &input.photos, &mut p).await?;
        }
        p.into_result()?;
        let actor = ctx.actor.label();
        let mut tx = self.db.write().await?;
        if !repo::appeals::save(&mut tx, &new).await? {
            tx.rollback().await?;
            return Err(stale());
        }
        let event = NewEvent {
            kind: action.as_str(),
            actor: &actor,
            from_status: Some(status.as_str()),
            to_status: Some(to.as_str()),
            to_grid_id: dest.grid_id,
            to_department_id: dest.department_id,
            to_user_id: dest.assignee_id,
            text: &text,
            data: data.to_string(),
        };
        let event_id = repo::events::insert(&mut tx, row.id, &event, now).await?;
        if !input.photos.is_empty() && matches!(action, Action::Handle | Action::Reply) {
            repo::appeals::cite_photos(&mut tx, row.id, event_id, &input.photos).await?;
        }
        if let Some(o) = &other {
            let e = NewEvent {
                kind: "link",
                actor: &actor,
                text: &format!("合并自工单 {}", row.appeal_no),
                data: json!({ "merged_from": row.appeal_no }).to_string(),
                ..NewEvent::default()
            };
            repo::events::insert(&mut tx, o.id, &e, now).await?;
            repo::appeals::insert_link(&mut tx, row.id, o.id, &actor, now).await?;
        }
        let mut audit_data = data.clone();
        if let Some(m) = audit_data.as_object_mut() {
            m.insert("from".into(), json!(status.as_str()));
            m.insert("to".into(), json!(to.as_str()));
        }
        record(
            &mut tx,
            &Entry::success(&ctx.actor, &audit, object)
                .source(&ctx.source)
                .data(audit_data),
            now,
        )
        .await?;
        tx.commit().await?;
        let mut c = self.db.clone();
        let fresh = repo::appeals::by_id(&mut c, row.id)
            .await?
            .ok_or_else(Error::not_found)?;
        self.view_as(&fresh, roles).await
    }

    /// A dispatch's or transfer's destination: a grid (its department and first worker), a
    /// department, or a member of staff (their department).
    async fn destination(&self, input: &ActInput, p: &mut Problems) -> Result<Destination> {
        let mut c = self.db.clone();
        let mut d = Destination::default();
        if let Some(code) = input
            .to_grid
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            match repo::routing::grid_by_code(&mut c, code).await? {
                Some(g) => {
                    d.grid_id = Some(g.id);
                    d.grid_code = Some(g.code);
                    d.department_id = g.department_id;
                    d.assignee_id = repo::routing::first_worker(&mut c, g.id).await?;
                }
                None => p.push(FieldError::new(
                    "to_grid",
                    "appeal.grid_unknown",
                    format!("没有网格“{code}”"),
                    format!("No grid \"{code}\""),
                )),
            }
        }
        if let Some(dept) = input.to_department {
            match yiwang_org::service::department_in(&mut c, dept).await? {
                Some(_) => {
                    if d.department_id != Some(dept) {
                        d.assignee_id = None;
                    }
                    d.department_id = Some(dept);
                }
                None => p.push(FieldError::new(
                    "to_department",
                    "appeal.department_unknown",
                    "没有该部门",
                    "No such department",
                )),
            }
        }
        if let Some(u) = input
            .to_user
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            match self.identity.active_staff_by_username(u).await? {
                Some(s)
                    if s.roles.iter().any(|r| {
                        yiwang_kernel::auth::Role::parse(r)
                            .is_some_and(|r| r.permissions().contains(&Permission::AppealHandle))
                    }) =>
                {
                    d.assignee_id = Some(s.id);
                    d.department_id = Some(s.department_id);
                }
                _ => p.push(FieldError::new(
                    "to_user",
                    "appeal.handler_unknown",
                    format!("“{u}”不是在岗的承办人员"),
                    format!("\"{u}\" is not an active handler"),
                )),
            }
        }
        Ok(d)
    }

    /// Extension days: 1..=60 working days.
    fn extension_days(&self, days: Option<u32>, p: &mut Problems) -> u32 {
        match days {
            Some(d) if (1..=TimeLimits::MAX_DAYS).contains(&d) => d,
            Some(_) => {
                p.push(FieldError::range(
                    "days",
                    1,
                    i64::from(TimeLimits::MAX_DAYS),
                ));
                0
            }
            None => {
                p.push(FieldError::required("days"));
                0
            }
        }
    }

    /// The days of the pending extension request.
    async fn requested_days(&self, row: &AppealRow) -> Result<u32> {
        let mut c = self.db.clone();
        let events = repo::events::of(&mut c, row.id).await?;
        Ok(events
            .iter()
            .rev()
            .find(|e| e.kind == Action::RequestExtension.as_str())
            .and_then(|e| serde_json::from_str::<serde_json::Value>(&e.data).ok())
            .and_then(|v| v.get("days").and_then(serde_json::Value::as_u64))
            .and_then(|d| u32::try_from(d).ok())
            .unwrap_or(0))
    }

    /// The order a duplicate is merged into: another, not merged, order.
    async fn merge_target(
        &self,
        row: &AppealRow,
        other_no: Option<&str>,
        p: &mut Problems,
    ) -> Result<Option<AppealRow>> {
        let Some(no) = other_no.map(str::trim).filter(|s| !s.is_empty()) else {
            p.push(FieldError::required("other_no"));
            return Ok(None);
        };
        let mut c = self.db.clone();
        match repo::appeals::by_no(&mut c, no).await? {
            Some(o) if o.id != row.id && o.status != Status::Merged.as_str() => Ok(Some(o)),
            _ => {
                p.push(FieldError::new(
                    "other_no",
                    "appeal.merge_target",
                    "请填写另一张未合并的工单编号",
                    "Give the number of another order that is not merged",
                ));
                Ok(None)
            }
        }
    }

    /// Cited photos must be the order's photos not yet tied to an event.
    async fn check_cited(&self, row: &AppealRow, cited: &[String], p: &mut Problems) -> Result<()> {
        let mut c = self.db.clone();
        let photos = repo::appeals::photos(&mut c, row.id).await?;
        for (i, d) in cited.iter().enumerate() {
            if !photos
                .iter()
                .any(|ph| &ph.digest == d && ph.event_id.is_none())
            {
                p.push(FieldError::new(
                    format!("photos[{i}]"),
                    "appeal.photo_unknown",
                    "该照片未上传到本工单",
                    "That photo was not added to this order",
                ));
            }
        }
        Ok(())
    }

    /// Adds a photo before Handle/Reply; returns its digest to cite in `ActInput.photos`.
    pub async fn add_photo(
        &self,
        ctx: &Ctx,
        appeal_no: &str,
        upload: PhotoUpload,
    ) -> Result<PhotoView> {
        let row = self.row(appeal_no).await?;
        let roles = roles_on(ctx, &row, &self.home_division);
        let object = format!("appeal:{}", row.appeal_no);
        let status = status_of(&row)?;
        if !(roles.handle || roles.system) {
            let e = ctx
                .actor
                .require(Permission::AppealHandle)
                .err()
                .unwrap_or_else(Error::forbidden);
            return Err(self.refuse(ctx, object, "appeal.photo", e).await);
        }
        if !matches!(status, Status::Signed | Status::Handling) {
            return Err(Error::new(ErrorCode::InvalidState).with_detail(
                "签收后、答复前才能上传办理照片",
                "Photos can be added between signing for and replying",
            ));
        }
        let media = screen_photo(&upload, "photo")?;
        let mut c = self.db.clone();
        if repo::appeals::photos(&mut c, row.id).await?.len() >= MAX_PHOTOS * 3 {
            return Err(Error::field(FieldError::new(
                "photo",
                "appeal.photos_max",
                "本工单照片已达上限",
                "This order holds as many photos as it may",
            )));
        }
        let name = text::optional("name", &upload.name, 200).unwrap_or_default();
        let file = self.files.put(upload.bytes).await?;
        let now = self.now();
        let actor = ctx.actor.label();
        let mut tx = self.db.write().await?;
        let ph = repo::appeals::insert_photo(
            &mut tx,
            row.id,
            file.digest_sm3_hex.as_str(),
            media.mime(),
            i64::try_from(file.size).unwrap_or(i64::MAX),
            &name,
            &actor,
            now,
        )
        .await?;
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "appeal.photo", object)
                .source(&ctx.source)
                .data(json!({ "digest": ph.digest, "size": ph.size })),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(PhotoView {
            digest: ph.digest,
            media_type: ph.media_type,
            name: ph.name,
            event_id: ph.event_id,
            added_at: ph.added_at,
        })
    }

    /// 关联: the dispatcher links two orders about the same matter (both stay as they are).
    pub async fn link(&self, ctx: &Ctx, appeal_no: &str, other_no: &str) -> Result<AppealView> {
        let row = self.row(appeal_no).await?;
        let roles = roles_on(ctx, &row, &self.home_division);
        let object = format!("appeal:{}", row.appeal_no);
        if !(roles.dispatch || roles.system) {
            let e = ctx
                .actor
                .require(Permission::AppealDispatch)
                .err()
                .unwrap_or_else(Error::forbidden);
            return Err(self.refuse(ctx, object, "appeal.link", e).await);
        }
        let mut c = self.db.clone();
        let other = match repo::appeals::by_no(&mut c, other_no.trim()).await? {
            Some(o) if o.id != row.id => o,
            _ => {
                return Err(Error::field(FieldError::new(
                    "other_no",
                    "appeal.link_target",
                    "请填写另一张工单的编号",
                    "Give the number of another order",
                )));
            }
        };
        let now = self.now();
        let actor = ctx.actor.label();
        let mut tx = self.db.write().await?;
        let (a, b) = if row.id < other.id {
            (row.id, other.id)
        } else {
            (other.id, row.id)
        };
        repo::appeals::insert_link(&mut tx, a, b, &actor, now).await?;
        for (on, with) in [(&row, &other), (&other, &row)] {
            let e = NewEvent {
                kind: "link",
                actor: &actor,
                text: &format!("关联工单 {}", with.appeal_no),
                data: json!({ "other": with.appeal_no }).to_string(),
                ..NewEvent::default()
            };
            repo::events::insert(&mut tx, on.id, &e, now).await?;
        }
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "appeal.link", object)
                .source(&ctx.source)
                .data(json!({ "other": other.appeal_no })),
            now,
        )
        .await?;
        tx.commit().await?;
        let fresh = repo::appeals::by_id(&mut c, row.id)
            .await?
            .ok_or_else(Error::not_found)?;
        self.view_as(&fresh, roles).await
    }

    /// A photo of an order the reader may see: its media type and bytes.
    pub async fn photo(&self, ctx: &Ctx, appeal_no: &str, digest: &str) -> Result<(String, Bytes)> {
        let row = self.row(appeal_no).await?;
        let roles = roles_on(ctx, &row, &self.home_division);
        if !roles.any() {
            let e = match ctx.actor {
                yiwang_kernel::auth::Actor::Anonymous => Error::new(ErrorCode::Unauthenticated),
                _ => Error::forbidden(),
            };
            return Err(self
                .refuse(
                    ctx,
                    format!("appeal:{}", row.appeal_no),
                    "appeal.photo.read",
                    e,
                )
                .await);
        }
        self.photo_bytes(&row, digest).await
    }

    pub(crate) async fn photo_bytes(
        &self,
        row: &AppealRow,
        digest: &str,
    ) -> Result<(String, Bytes)> {
        let mut c = self.db.clone();
        let photos = repo::appeals::photos(&mut c, row.id).await?;
        let Some(ph) = photos.into_iter().find(|p| p.digest == digest) else {
            return Err(Error::not_found());
        };
        let d = Sm3Hex::parse(&ph.digest)?;
        let bytes = self.files.get(&d).await?.ok_or_else(Error::not_found)?;
        Ok((ph.media_type, bytes))
    }
}
