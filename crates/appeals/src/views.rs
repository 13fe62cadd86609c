//! What the appeals service takes and gives (the API's and the pages' vocabulary). Timestamps
//! are RFC 3339; every type is a schema of the OpenAPI document.

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;

use crate::lifecycle::Action;
use crate::model::{AppealType, Channel, GridKind, LonLat, Status};

/// A new appeal, from any channel (web, hotline, Open311).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NewAppeal {
    pub channel: Channel,
    pub appeal_type: AppealType,
    /// 事项分类 code (Open311 `service_code`).
    pub category: String,
    /// 1..200 characters; the first 30 characters of the content when empty.
    #[serde(default)]
    pub title: String,
    pub content: String,
    #[serde(default)]
    pub address: String,
    /// 行政区划 of the place; the point's grid's division or the home division by default.
    #[serde(default)]
    pub division: Option<String>,
    #[serde(default)]
    pub point: Option<LonLat>,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub contact_phone: String,
    #[serde(default)]
    pub contact_email: String,
    #[serde(default)]
    pub anonymous: bool,
    /// 保密: handlers and supervisors do not see who appealed.
    #[serde(default)]
    pub confidential: bool,
    /// 被投诉单位/被投诉人 (complaints).
    #[serde(default)]
    pub complained_unit: String,
    /// Open311 `media_url`.
    #[serde(default)]
    pub media_url: String,
    /// Photos filed with the appeal (随手拍); multipart uploads only.
    #[serde(skip)]
    pub photos: Vec<PhotoUpload>,
}

/// One uploaded photo (JPEG or PNG, ≤ 10 MB, ≤ 9 per appeal).
#[derive(Debug, Clone, Default)]
pub struct PhotoUpload {
    pub name: String,
    pub bytes: Bytes,
}

/// A filed appeal.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Filed {
    pub appeal: AppealView,
    /// The query code (查询码): shown once; with the number, lets an anonymous filer follow
    /// the appeal at `/appeals/track`.
    pub token: String,
    /// Likely duplicates filed before it (same category, nearby, recent).
    pub duplicates: Vec<AppealBrief>,
}

/// What an Open311 POST answers ([`crate::AppealService::post_open311`]): made from what was
/// written, nothing read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// 工单编号 (Open311's `service_request_id`).
    pub appeal_no: String,
    /// The query code (查询码).
    pub token: String,
    pub status: Status,
    /// 承诺时限 (Open311's `expected_datetime`).
    pub due_at: OffsetDateTime,
    /// The numbers of likely duplicates filed before it (same category, nearby, recent; the
    /// public ones).
    pub duplicates: Vec<String>,
}

/// One action on an order ([`crate::AppealService::act`]).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ActInput {
    pub action: Action,
    /// The order's revision as read; a stale one is refused (409 `appeal.stale`).
    pub revision: i64,
    /// Reason, opinion, handling note, reply, 督办内容.
    #[serde(default)]
    pub text: String,
    /// Dispatch/transfer to a grid (its first worker).
    #[serde(default)]
    pub to_grid: Option<String>,
    /// Dispatch/transfer to a department.
    #[serde(default)]
    pub to_department: Option<i64>,
    /// Dispatch/transfer to a member of staff (username).
    #[serde(default)]
    pub to_user: Option<String>,
    /// Extension requested or granted, working days.
    #[serde(default)]
    pub days: Option<u32>,
    /// Extension decision.
    #[serde(default)]
    pub approve: Option<bool>,
    /// 督办 level: 一般 | 重点 | 挂牌.
    #[serde(default)]
    pub level: Option<String>,
    /// 回访 satisfaction 1–5.
    #[serde(default)]
    pub satisfaction: Option<i64>,
    /// 回访: whether the problem is solved.
    #[serde(default)]
    pub resolved: Option<bool>,
    /// Merge target (the order this one is a duplicate of).
    #[serde(default)]
    pub other_no: Option<String>,
    /// Digests from [`crate::AppealService::add_photo`], cited by Handle/Reply.
    #[serde(default)]
    pub photos: Vec<String>,
}

impl ActInput {
    /// An action with nothing but its revision.
    pub fn new(action: Action, revision: i64) -> ActInput {
        ActInput {
            action,
            revision,
            text: String::new(),
            to_grid: None,
            to_department: None,
            to_user: None,
            days: None,
            approve: None,
            level: None,
            satisfaction: None,
            resolved: None,
            other_no: None,
            photos: Vec::new(),
        }
    }

    pub fn with_text(mut self, text: &str) -> ActInput {
        self.text = text.to_string();
        self
    }
}

/// Who appealed, as the reader may see it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ContactView {
    pub name: String,
    pub phone_masked: String,
    pub anonymous: bool,
    pub confidential: bool,
    /// The reader may not see the contact (保密): name and phone read "保密".
    pub hidden: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GridRef {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeptRef {
    pub id: i64,
    pub name: String,
}

/// One event of the flow record.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EventView {
    pub id: i64,
    /// `create`, `close_direct`, an action code, `link`.
    pub kind: String,
    pub kind_zh: String,
    /// Display name of who acted.
    pub actor: String,
    pub text: String,
    /// Display of where it went (grid, department, person).
    pub to: String,
    pub data: serde_json::Value,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PhotoView {
    pub digest: String,
    pub media_type: String,
    pub name: String,
    /// The handling event citing it; `None` when filed with the appeal (or not yet cited).
    pub event_id: Option<i64>,
    #[serde(with = "time::serde::rfc3339")]
    pub added_at: OffsetDateTime,
}

/// A work order (工单) as the reader may see it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AppealView {
    pub appeal_no: String,
    pub channel: Channel,
    pub appeal_type: AppealType,
    pub category_code: String,
    pub category_name: String,
    pub title: String,
    pub content: String,
    pub address: String,
    pub division: String,
    pub point: Option<LonLat>,
    pub contact: ContactView,
    pub complained_unit: String,
    pub media_url: String,
    pub status: Status,
    pub status_zh: String,
    pub status_en: String,
    pub open311_status: String,
    pub grid: Option<GridRef>,
    pub department: Option<DeptRef>,
    pub assignee: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub due_at: OffsetDateTime,
    /// The due time is an estimate (暂定): it runs into a year whose holiday arrangement is not
    /// loaded yet; it is recomputed when that year is imported.
    pub due_provisional: bool,
    pub limit_days: i64,
    pub extended_days: i64,
    pub extension_pending: bool,
    /// `yellow` (due within one working day) or `red` (overdue).
    pub warning: Option<String>,
    /// Working days past due (GB/T 39046 #29); 0 when not overdue.
    pub overdue_days: i64,
    pub reply: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub replied_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    pub satisfaction: Option<i64>,
    pub resolved: Option<bool>,
    pub reopen_count: i64,
    pub supervise_count: i64,
    pub merged_into: Option<String>,
    pub links: Vec<String>,
    pub revision: i64,
    pub events: Vec<EventView>,
    pub photos: Vec<PhotoView>,
    /// What this reader may do now.
    pub allowed: Vec<Action>,
    /// Likely duplicates (for the dispatcher).
    pub duplicates: Vec<AppealBrief>,
}

/// A work order in a list.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AppealBrief {
    pub appeal_no: String,
    pub appeal_type: AppealType,
    pub category_code: String,
    pub category_name: String,
    pub title: String,
    pub status: Status,
    pub status_zh: String,
    pub address: String,
    pub point: Option<LonLat>,
    pub department_name: Option<String>,
    pub grid_name: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub due_at: OffsetDateTime,
    pub warning: Option<String>,
}

/// The staff queue's filter.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct QueueFilter {
    #[serde(default)]
    pub status: Option<Status>,
    /// Only open orders past due.
    #[serde(default)]
    pub overdue: bool,
    #[serde(default)]
    pub grid: Option<String>,
    #[serde(default)]
    pub department_id: Option<i64>,
    #[serde(default)]
    pub category: Option<String>,
    /// Number, title or address contains.
    #[serde(default)]
    pub q: Option<String>,
}

/// What statistics are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatsBy {
    Grid,
    Department,
    Category,
    Type,
}

impl StatsBy {
    pub fn parse(s: &str) -> Option<StatsBy> {
        match s {
            "grid" => Some(StatsBy::Grid),
            "department" => Some(StatsBy::Department),
            "category" => Some(StatsBy::Category),
            "type" => Some(StatsBy::Type),
            _ => None,
        }
    }
}

/// Orders received from `from` to `to` (inclusive, Asia/Shanghai days).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StatsQuery {
    pub from: Date,
    pub to: Date,
    pub by: StatsBy,
}

/// One group's figures (办结率、按时办结率、满意率).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StatRow {
    pub key: String,
    pub name: String,
    pub total: i64,
    pub merged: i64,
    pub concluded: i64,
    pub on_time: i64,
    pub overdue_open: i64,
    pub visited: i64,
    pub satisfied: i64,
    /// concluded / (total − merged); `None` when nothing counts.
    pub completion_rate: Option<f64>,
    /// concluded by due / concluded.
    pub on_time_rate: Option<f64>,
    /// levels ≥ 3 / visited.
    pub satisfaction_rate: Option<f64>,
}

/// Open311 `GET requests` arguments.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicQuery {
    /// `service_request_id` list: overrides every other argument.
    #[serde(default)]
    pub ids: Vec<String>,
    #[serde(default)]
    pub service_codes: Vec<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub start: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub end: Option<OffsetDateTime>,
    /// `open` | `closed`.
    #[serde(default)]
    pub statuses: Vec<String>,
    /// At most 1 000.
    pub limit: i64,
}

impl Default for PublicQuery {
    fn default() -> Self {
        PublicQuery {
            ids: Vec::new(),
            service_codes: Vec::new(),
            start: None,
            end: None,
            statuses: Vec::new(),
            limit: 1000,
        }
    }
}

/// An Open311 service request (no personal data).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicRequest {
    pub appeal_no: String,
    /// `open` | `closed`.
    pub status: String,
    pub status_notes: String,
    pub service_name: String,
    pub service_code: String,
    pub description: String,
    pub agency_responsible: String,
    pub service_notice: String,
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expected_at: OffsetDateTime,
    pub address: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub media_url: String,
}

/// 事项分类.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CategoryView {
    pub code: String,
    pub name: String,
    pub parent_code: Option<String>,
    /// The parent's name (Open311 `group`).
    pub group_name: Option<String>,
    pub department_id: Option<i64>,
    pub department_name: Option<String>,
    pub specialty: Option<String>,
    pub description: String,
    pub keywords: String,
    pub active: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CategoryInput {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub parent_code: Option<String>,
    #[serde(default)]
    pub department_id: Option<i64>,
    #[serde(default)]
    pub specialty: Option<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub keywords: String,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// 知识库 entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct KnowledgeView {
    pub id: i64,
    pub category_code: Option<String>,
    pub question: String,
    pub answer: String,
    pub keywords: String,
    pub department_id: Option<i64>,
    pub department_name: Option<String>,
    pub active: bool,
    pub used: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct KnowledgeInput {
    /// `None`: a new entry.
    #[serde(default)]
    pub id: Option<i64>,
    #[serde(default)]
    pub category_code: Option<String>,
    pub question: String,
    pub answer: String,
    #[serde(default)]
    pub keywords: String,
    #[serde(default)]
    pub department_id: Option<i64>,
    #[serde(default = "yes")]
    pub active: bool,
}

/// An Open311 api key as the security administrator sees it (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Open311KeyView {
    pub id: i64,
    pub name: String,
    pub contact: String,
    pub key_prefix: String,
    pub issued_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub issued_at: OffsetDateTime,
    pub revoked_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
}

/// Where routing sends a new order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RouteTarget {
    pub grid: Option<GridRef>,
    pub department_id: Option<i64>,
    pub assignee_id: Option<i64>,
}

/// A grid (网格) with its workers and geometry.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GridView {
    pub code: String,
    pub name: String,
    pub kind: GridKind,
    pub specialty: Option<String>,
    pub division: String,
    pub department_id: Option<i64>,
    pub department_name: Option<String>,
    /// Usernames, in routing order.
    pub workers: Vec<String>,
    pub worker_names: Vec<String>,
    /// `[min_lon, min_lat, max_lon, max_lat]`.
    pub bbox: [f64; 4],
    pub area_m2: f64,
    /// GeoJSON geometry.
    pub geometry: serde_json::Value,
}

/// A grid in a list (its geometry is in the one grid's answer).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GridSummary {
    pub code: String,
    pub name: String,
    pub kind: GridKind,
    pub specialty: Option<String>,
    pub division: String,
    pub department_id: Option<i64>,
    pub department_name: Option<String>,
    /// Usernames, in routing order (the first gets routed orders).
    pub workers: Vec<String>,
    pub worker_names: Vec<String>,
    /// `[min_lon, min_lat, max_lon, max_lat]`.
    pub bbox: [f64; 4],
    pub area_m2: f64,
}

impl From<GridView> for GridSummary {
    fn from(g: GridView) -> Self {
        GridSummary {
            code: g.code,
            name: g.name,
            kind: g.kind,
            specialty: g.specialty,
            division: g.division,
            department_id: g.department_id,
            department_name: g.department_name,
            workers: g.workers,
            worker_names: g.worker_names,
            bbox: g.bbox,
            area_m2: g.area_m2,
        }
    }
}

/// Which grids a list shows (every part optional).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GridFilter {
    pub kind: Option<GridKind>,
    /// A division code (2–12 digits): grids in it or under it.
    pub division: Option<String>,
}

/// One problem of a grid import.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct GridProblem {
    /// 0-based feature index.
    pub feature: usize,
    pub code: Option<String>,
    pub rule: String,
    pub zh: String,
    pub en: String,
}

/// Two grids of the same kind overlapping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Overlap {
    pub a: String,
    pub b: String,
    pub area_m2: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct GridImportReport {
    pub grids: usize,
    pub created: usize,
    pub updated: usize,
    pub errors: Vec<GridProblem>,
    pub overlaps: Vec<Overlap>,
    /// Active grids in the database that the file lacks (left as they are, not deactivated).
    pub absent: Vec<String>,
    pub committed: bool,
}

/// What the SVG map draws.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MapRequest {
    #[serde(default)]
    pub grids: bool,
    #[serde(default)]
    pub orders: bool,
    #[serde(default)]
    pub status: Option<Status>,
    /// The map picks a point (filing).
    #[serde(default)]
    pub pick: bool,
    #[serde(default)]
    pub marker: Option<LonLat>,
    pub width: u32,
}
