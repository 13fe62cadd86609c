//! An order as its reader may see it ([`AppealView`]) and in lists ([`AppealBrief`]): names of
//! the category, grid, department and people; the contact masked or hidden; the warning
//! (yellow: due within one working day; red: overdue) and the working days overdue.

use std::collections::{BTreeSet, HashMap};

use time::OffsetDateTime;
use yiwang_calendar::Calendar;
use yiwang_kernel::i18n::Lang;
use yiwang_kernel::{Error, Result};
use yiwang_store::Conn;

use super::access::{self, Roles};
use super::{AppealService, day_of};
use crate::model::{AppealType, Channel, LonLat, Status};
use crate::repo::{self, appeals::AppealRow};
use crate::views::{AppealBrief, AppealView, ContactView, DeptRef, EventView, GridRef, PhotoView};

/// The stored status (an unknown code is an internal error).
pub(crate) fn status_of(row: &AppealRow) -> Result<Status> {
    Status::parse(&row.status)
        .ok_or_else(|| Error::internal(format!("appeal status {}", row.status)))
}

pub(crate) fn type_of(row: &AppealRow) -> Result<AppealType> {
    AppealType::parse(&row.appeal_type)
        .ok_or_else(|| Error::internal(format!("appeal type {}", row.appeal_type)))
}

pub(crate) fn point_of(row: &AppealRow) -> Option<LonLat> {
    match (row.lon, row.lat) {
        (Some(lon), Some(lat)) => Some(LonLat { lon, lat }),
        _ => None,
    }
}

/// `red` when open and past due, `yellow` when open and due by the end of the next working
/// day; with the working days overdue.
pub(crate) fn warning(
    cal: Option<&Calendar>,
    status: Status,
    due_at: OffsetDateTime,
    now: OffsetDateTime,
) -> (Option<String>, i64) {
    if !status.is_open() {
        return (None, 0);
    }
    let (today, due) = (day_of(now), day_of(due_at));
    if now > due_at {
        let days = cal
            .and_then(|c| c.working_days_between_estimate(due, today).ok())
            .map_or(0, |e| e.value)
            .max(1);
        return (Some("red".into()), days);
    }
    let next = cal
        .and_then(|c| c.add_working_days_estimate(today, 1).ok())
        .map(|e| e.value);
    match next {
        Some(n) if due <= n => (Some("yellow".into()), 0),
        _ => (None, 0),
    }
}

/// Names looked up once per answer.
#[derive(Debug, Default)]
pub(crate) struct Names {
    categories: HashMap<String, String>,
    grids: HashMap<i64, (String, String)>,
    departments: HashMap<i64, String>,
}

impl Names {
    pub(crate) async fn load(c: &mut impl Conn, rows: &[AppealRow]) -> Result<Names> {
        let categories = repo::settings::categories(c)
            .await?
            .into_iter()
            .map(|r| (r.code, r.name))
            .collect();
        let grid_ids: BTreeSet<i64> = rows.iter().filter_map(|r| r.grid_id).collect();
        let grids = repo::routing::grids_by_ids(c, &grid_ids.into_iter().collect::<Vec<_>>())
            .await?
            .into_iter()
            .map(|g| (g.id, (g.code, g.name)))
            .collect();
        let mut names = Names {
            categories,
            grids,
            departments: HashMap::new(),
        };
        let depts: BTreeSet<i64> = rows.iter().filter_map(|r| r.department_id).collect();
        for d in depts {
            names.department(c, d).await?;
        }
        Ok(names)
    }

    pub(crate) fn category(&self, code: &str) -> String {
        self.categories
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_string())
    }

    pub(crate) fn grid(&self, id: Option<i64>) -> Option<GridRef> {
        let (code, name) = self.grids.get(&id?)?;
        Some(GridRef {
            code: code.clone(),
            name: name.clone(),
        })
    }

    pub(crate) async fn department(&mut self, c: &mut impl Conn, id: i64) -> Result<String> {
        if let Some(n) = self.departments.get(&id) {
            return Ok(n.clone());
        }
        let name = yiwang_org::service::department_in(c, id)
            .await?
            .map(|d| d.name)
            .unwrap_or_else(|| format!("#{id}"));
        self.departments.insert(id, name.clone());
        Ok(name)
    }

    pub(crate) fn department_known(&self, id: Option<i64>) -> Option<String> {
        self.departments.get(&id?).cloned()
    }

    pub(crate) async fn grid_by_id(
        &mut self,
        c: &mut impl Conn,
        id: i64,
    ) -> Result<Option<GridRef>> {
        if !self.grids.contains_key(&id)
            && let Some(g) = repo::routing::grid_by_id(c, id).await?
        {
            self.grids.insert(g.id, (g.code, g.name));
        }
        Ok(self.grid(Some(id)))
    }
}

impl AppealService {
    /// Orders in a list.
    pub(crate) async fn briefs(&self, rows: &[AppealRow]) -> Result<Vec<AppealBrief>> {
        let mut c = self.db.clone();
        let names = Names::load(&mut c, rows).await?;
        let cal = self.cal().await.ok();
        let now = self.now();
        rows.iter()
            .map(|r| brief(r, &names, cal.as_deref(), now))
            .collect()
    }

    /// The order as a reader standing in `roles` may see it.
    pub(crate) async fn view_as(&self, row: &AppealRow, roles: Roles) -> Result<AppealView> {
        let mut c = self.db.clone();
        let mut names = Names::load(&mut c, std::slice::from_ref(row)).await?;
        let status = status_of(row)?;
        let cal = self.cal().await.ok();
        let now = self.now();
        let (warning, overdue_days) = warning(cal.as_deref(), status, row.due_at, now);
        let events = repo::events::of(&mut c, row.id).await?;
        let labels: BTreeSet<&str> = events.iter().map(|e| e.actor.as_str()).collect();
        let actor_names = self.identity.actor_names(labels, Lang::Zh).await?;
        let mut event_views = Vec::with_capacity(events.len());
        for e in &events {
            let mut to = Vec::new();
            if let Some(g) = e.to_grid_id
                && let Some(g) = names.grid_by_id(&mut c, g).await?
            {
                to.push(g.name);
            }
            if let Some(d) = e.to_department_id {
                to.push(names.department(&mut c, d).await?);
            }
            if let Some(u) = e.to_user_id {
                to.push(self.staff_name(u).await?);
            }
            event_views.push(EventView {
                id: e.id,
                kind: e.kind.clone(),
                kind_zh: kind_zh(&e.kind).to_string(),
                actor: actor_names
                    .get(e.actor.as_str())
                    .cloned()
                    .unwrap_or_else(|| e.actor.clone()),
                text: e.text.clone(),
                to: to.join(" / "),
                data: serde_json::from_str(&e.data).unwrap_or(serde_json::Value::Null),
                at: e.at,
            });
        }
        let photos = repo::appeals::photos(&mut c, row.id)
            .await?
            .into_iter()
            .map(|p| PhotoView {
                digest: p.digest,
                media_type: p.media_type,
                name: p.name,
                event_id: p.event_id,
                added_at: p.added_at,
            })
            .collect();
        let links = repo::appeals::links(&mut c, row.id).await?;
        let merged_into = match row.merged_into {
            Some(id) => repo::appeals::by_id(&mut c, id).await?.map(|r| r.appeal_no),
            None => None,
        };
        let department = match row.department_id {
            Some(id) => Some(DeptRef {
                id,
                name: names.department(&mut c, id).await?,
            }),
            None => None,
        };
        let assignee = match row.assignee_id {
            Some(u) => Some(self.staff_name(u).await?),
            None => None,
        };
        let duplicates = if roles.dispatch || roles.system {
            self.duplicates_of(row).await?
        } else {
            Vec::new()
        };
        Ok(AppealView {
            appeal_no: row.appeal_no.clone(),
            channel: Channel::parse(&row.channel).unwrap_or(Channel::Web),
            appeal_type: type_of(row)?,
            category_code: row.category_code.clone(),
            category_name: names.category(&row.category_code),
            title: row.title.clone(),
            content: row.content.clone(),
            address: row.address.clone(),
            division: row.division.clone(),
            point: point_of(row),
            contact: contact(row, &roles),
            complained_unit: row.complained_unit.clone(),
            media_url: row.media_url.clone(),
            status,
            status_zh: status.zh().to_string(),
            status_en: status.en().to_string(),
            open311_status: status.open311().to_string(),
            grid: names.grid(row.grid_id),
            department,
            assignee,
            received_at: row.received_at,
            due_at: row.due_at,
            due_provisional: cal
                .as_deref()
                .is_some_and(|c| super::due_is_estimate(c, row.due_at)),
            limit_days: row.limit_days,
            extended_days: row.extended_days,
            extension_pending: row.extension_pending,
            warning,
            overdue_days,
            reply: row.reply.clone(),
            replied_at: row.replied_at,
            closed_at: row.closed_at,
            satisfaction: row.satisfaction,
            resolved: row.resolved,
            reopen_count: row.reopen_count,
            supervise_count: row.supervise_count,
            merged_into,
            links,
            revision: row.revision,
            events: event_views,
            photos,
            allowed: access::allowed(&roles, row, status),
            duplicates,
        })
    }

    /// A member of staff's display name (`#id` when unknown).
    pub(crate) async fn staff_name(&self, id: i64) -> Result<String> {
        Ok(self
            .identity
            .staff_by_id(id)
            .await?
            .map(|s| s.name)
            .unwrap_or_else(|| format!("#{id}")))
    }
}

fn brief(
    r: &AppealRow,
    names: &Names,
    cal: Option<&Calendar>,
    now: OffsetDateTime,
) -> Result<AppealBrief> {
    let status = status_of(r)?;
    Ok(AppealBrief {
        appeal_no: r.appeal_no.clone(),
        appeal_type: type_of(r)?,
        category_code: r.category_code.clone(),
        category_name: names.category(&r.category_code),
        title: r.title.clone(),
        status,
        status_zh: status.zh().to_string(),
        address: r.address.clone(),
        point: point_of(r),
        department_name: names.department_known(r.department_id),
        grid_name: names.grid(r.grid_id).map(|g| g.name),
        received_at: r.received_at,
        due_at: r.due_at,
        warning: warning(cal, status, r.due_at, now).0,
    })
}

/// The contact as the reader may see it.
fn contact(row: &AppealRow, roles: &Roles) -> ContactView {
    let hidden = !roles.sees_contact(row.confidential);
    let (name, phone) = if hidden {
        ("保密".to_string(), "保密".to_string())
    } else if row.anonymous && !roles.owner {
        ("匿名".to_string(), row.contact_phone_mask.clone())
    } else {
        (row.contact_name.clone(), row.contact_phone_mask.clone())
    };
    ContactView {
        name,
        phone_masked: phone,
        anonymous: row.anonymous,
        confidential: row.confidential,
        hidden,
    }
}

/// The Chinese name of an event kind.
pub(crate) fn kind_zh(kind: &str) -> &'static str {
    match kind {
        "create" => "受理",
        "close_direct" => "直接办结",
        "link" => "关联",
        "photo" => "上传照片",
        "redate" => "时限重算",
        k => crate::lifecycle::Action::parse(k).map_or("其他", |a| a.zh()),
    }
}
