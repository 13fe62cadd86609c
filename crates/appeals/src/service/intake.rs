//! Intake: the citizen's web appeal, the operator's phone entry, Open311 posts, direct answers
//! from the knowledge base (直接办结), and the duplicates offered before filing.
//!
//! A new order is validated (every problem named), routed (`routing`), numbered (division ·
//! day · daily sequence), given its due time in working days, and written with its `create`
//! event, the routing's `dispatch` event, its photos and the audit entry in one transaction.

use serde_json::json;
use yiwang_audit::{Entry, record};
use yiwang_files::{MediaType, Upload, screen};
use yiwang_kernel::auth::{Actor, Ctx, Permission};
use yiwang_kernel::codes::DivisionCode;
use yiwang_kernel::error::Problems;
use yiwang_kernel::{Error, ErrorCode, FieldError, Result, text};
use yiwang_vault::mask_phone;

use super::access::Roles;
use super::routing::Routed;
use super::{AppealService, PHONE_CONTEXT, day_of, due_after, random_code};
use crate::duplicates::{DuplicateRule, Probe};
use crate::model::{AppealType, Channel, LonLat, Status};
use crate::repo::appeals::AppealRow;
use crate::repo::events::NewEvent;
use crate::repo::settings::CategoryRow;
use crate::repo::{self};
use crate::views::{AppealBrief, AppealView, Filed, NewAppeal, PhotoUpload};

/// At most this many photos per order.
pub(crate) const MAX_PHOTOS: usize = 9;
/// At most this size per photo.
pub(crate) const MAX_PHOTO_BYTES: u64 = 10 * 1024 * 1024;

/// A validated appeal, ready to route and store.
#[derive(Debug, Clone)]
pub(crate) struct Checked {
    pub appeal_type: AppealType,
    pub channel: Channel,
    pub category: CategoryRow,
    pub title: String,
    pub content: String,
    pub address: String,
    pub division: Option<DivisionCode>,
    pub point: Option<LonLat>,
    pub contact_name: String,
    /// Normalised (spaces removed), or empty.
    pub phone: String,
    pub email: String,
    pub anonymous: bool,
    pub confidential: bool,
    pub complained_unit: String,
    pub media_url: String,
}

/// Whether `s` holds something that looks like an HTML tag (`<a…>`, `</…>`, `<!…>`).
fn has_tag(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        c == b'<'
            && b.get(i + 1)
                .is_some_and(|n| n.is_ascii_alphabetic() || *n == b'/' || *n == b'!')
            && b[i + 1..].contains(&b'>')
    })
}

/// A phone as people write it: digits with an optional area-code dash, spaces dropped, a
/// leading +86 taken off.
pub(crate) fn normalize_phone(s: &str) -> String {
    let t: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    let t = t.strip_prefix("+86").unwrap_or(&t);
    t.to_string()
}

/// The blind-index form of a phone: its digits.
pub(crate) fn phone_key(s: &str) -> String {
    normalize_phone(s)
        .chars()
        .filter(|c| c.is_ascii_digit())
        .collect()
}

/// Validates `input` (every problem at once). `category` is the stored category, if any.
pub(crate) fn check(input: &NewAppeal, category: Option<CategoryRow>) -> Result<Checked> {
    let mut p = Problems::new();
    let content = p.take(text::required("content", &input.content, 4000));
    if let Some(c) = &content
        && has_tag(c)
    {
        p.push(FieldError::new(
            "content",
            "text.html",
            "内容不能包含 HTML 标签",
            "The content may not contain HTML tags",
        ));
    }
    let title = match text::clean(&input.title) {
        Some(_) => p.take(text::required("title", &input.title, 200)),
        None => content
            .as_ref()
            .map(|c| c.chars().take(30).collect::<String>().trim().to_string()),
    };
    let category = match category {
        Some(c) if c.active => Some(c),
        _ => {
            p.push(FieldError::new(
                "category",
                "appeal.category_unknown",
                format!("没有可受理的事项分类“{}”", input.category.trim()),
                format!("No open appeal category \"{}\"", input.category.trim()),
            ));
            None
        }
    };
    let address = p.take(text::optional("address", &input.address, 200));
    let point = match input.point {
        Some(pt) => match LonLat::new(pt.lon, pt.lat) {
            Some(ok) => Some(ok),
            None => {
                p.push(FieldError::new(
                    "point",
                    "geo.lonlat",
                    "位置坐标无效：经度应在 −180～180，纬度应在 −90～90",
                    "The point is invalid: longitude −180..180, latitude −90..90",
                ));
                None
            }
        },
        None => None,
    };
    if input.channel != Channel::Phone
        && point.is_none()
        && input.point.is_none()
        && address.as_deref().is_some_and(str::is_empty)
    {
        p.push(FieldError::new(
            "address",
            "appeal.place_required",
            "请在地图上选择位置或填写地址",
            "Pick a point on the map or give an address",
        ));
    }
    let division = match input.division.as_deref().map(str::trim) {
        Some(d) if !d.is_empty() => p.take(DivisionCode::parse(d).map_err(|e| FieldError {
            field: "division".into(),
            ..e
        })),
        _ => None,
    };
    let contact_name = p.take(text::optional("contact_name", &input.contact_name, 50));
    let phone = normalize_phone(&input.contact_phone);
    if phone.is_empty() {
        if !input.anonymous {
            p.push(FieldError::new(
                "contact_phone",
                "required",
                "请填写联系电话（或选择匿名反映）",
                "Give a contact phone (or file anonymously)",
            ));
        }
    } else if !text::is_phone(&phone) {
        p.push(FieldError::new(
            "contact_phone",
            "phone.format",
            "联系电话应为11位手机号码或带区号的固定电话（如 0759-1234567）",
            "The phone must be an 11-digit mobile number or a landline with its area code (e.g. 0759-1234567)",
        ));
    }
    let email = p.take(text::optional("contact_email", &input.contact_email, 100));
    if let Some(e) = &email
        && !e.is_empty()
        && (!e.contains('@') || e.contains(char::is_whitespace))
    {
        p.push(FieldError::new(
            "contact_email",
            "email.format",
            "电子邮箱格式不正确",
            "The e-mail address is malformed",
        ));
    }
    let complained_unit = p.take(text::optional(
        "complained_unit",
        &input.complained_unit,
        200,
    ));
    let media_url = p.take(text::optional("media_url", &input.media_url, 500));
    if let Some(u) = &media_url
        && !u.is_empty()
        && !(u.starts_with("https://") || u.starts_with("http://"))
    {
        p.push(FieldError::new(
            "media_url",
            "url.format",
            "图片地址应以 http:// 或 https:// 开头",
            "The media URL must start with http:// or https://",
        ));
    }
    if input.photos.len() > MAX_PHOTOS {
        p.push(FieldError::new(
            "photos",
            "appeal.photos_max",
            format!("最多上传 {MAX_PHOTOS} 张照片"),
            format!("At most {MAX_PHOTOS} photos"),
        ));
    }
    for (i, ph) in input.photos.iter().enumerate() {
        if let Err(e) = screen_photo(ph, &format!("photos[{i}]")) {
            p.extend(e.fields);
        }
    }
    p.into_result()?;
    match (title, content, category, address, contact_name, email) {
        (Some(title), Some(content), Some(category), Some(address), Some(name), Some(email)) => {
            Ok(Checked {
                appeal_type: input.appeal_type,
                channel: input.channel,
                category,
                title,
                content,
                address,
                division,
                point,
                contact_name: if input.anonymous { String::new() } else { name },
                phone: if input.anonymous {
                    String::new()
                } else {
                    phone
                },
                email: if input.anonymous {
                    String::new()
                } else {
                    email
                },
                anonymous: input.anonymous,
                confidential: input.confidential,
                complained_unit: complained_unit.unwrap_or_default(),
                media_url: media_url.unwrap_or_default(),
            })
        }
        _ => Err(Error::new(ErrorCode::Validation)),
    }
}

/// A photo: JPEG or PNG only, at most 10 MB (screened like case materials).
pub(crate) fn screen_photo(ph: &PhotoUpload, field: &str) -> Result<MediaType> {
    let limits = yiwang_files::Limits {
        max_file_bytes: MAX_PHOTO_BYTES,
        max_case_bytes: u64::MAX,
    };
    let upload = Upload {
        entry: "photo".into(),
        field: field.into(),
        file_name: ph.name.clone(),
        bytes: ph.bytes.clone(),
    };
    let media = screen(&upload, &limits, 0)?;
    if !matches!(media, MediaType::Jpeg | MediaType::Png) {
        return Err(Error::field(FieldError::new(
            field,
            "appeal.photo_type",
            format!("照片“{}”应为 JPEG 或 PNG 图片", ph.name),
            format!("The photo “{}” must be a JPEG or PNG image", ph.name),
        )));
    }
    Ok(media)
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
struct Filing<'a> {
    ctx: &'a Ctx,
    open311_key: Option<i64>,
    audit_action: &'static str,
    /// Answered at once (直接办结): the answer and the knowledge entry.
    answer: Option<(&'a str, Option<i64>)>,
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
    /// audited). The Open311 endpoint asks it first, so a POST with a bad key answers 403
    /// whatever else is wrong with it.
    pub async fn check_open311_key(&self, ctx: &Ctx, api_key: &str) -> Result<i64> {
        match self.live_key(api_key).await? {
            Some(key) => Ok(key),
            None => {
                yiwang_audit::denied(
                    &self.db,
                    ctx,
                    "open311:requests",
                    "open311.submit",
                    self.now(),
                )
                .await;
                Err(Error::new(ErrorCode::Open311ApiKey))
            }
        }
    }

    /// An Open311 POST: `api_key` must be a live key (else 403 `open311.api_key`).
    pub async fn submit_open311(
        &self,
        ctx: &Ctx,
        api_key: &str,
        mut input: NewAppeal,
    ) -> Result<Filed> {
        let key = self.check_open311_key(ctx, api_key).await?;
        input.channel = Channel::Open311;
        let filing = Filing {
            ctx,
            open311_key: Some(key),
            audit_action: "open311.submit",
            answer: None,
        };
        self.file(filing, input).await
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
        let staff = ctx.actor.has(Permission::AppealIntake)
            || ctx.actor.has(Permission::AppealDispatch)
            || ctx.actor.has(Permission::AppealHandle)
            || ctx.actor.has(Permission::AppealSupervise);
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

    /// Validates, routes, numbers and stores a new order.
    async fn file(&self, f: Filing<'_>, input: NewAppeal) -> Result<Filed> {
        let ctx = f.ctx;
        let mut c = self.db.clone();
        let category = repo::settings::category(&mut c, input.category.trim()).await?;
        let checked = check(&input, category)?;
        let now = self.now();
        let direct = f.answer.is_some();
        let routed = if direct {
            Routed {
                grid: None,
                department_id: checked.category.department_id,
                assignee_id: None,
            }
        } else {
            self.routed(&checked.category.code, checked.point).await?
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
        let limits = self.time_limits().await?;
        let limit = limits.days(checked.appeal_type);
        let cal = self.cal().await?;
        let due_at = due_after(&cal, day_of(now), limit)?;
        // Offered as the public list offers them (confidential ones to staff only).
        let duplicates = match (direct, checked.point) {
            (false, Some(p)) => {
                self.duplicates(ctx, &checked.category.code, Some(p))
                    .await?
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
        let mut tx = self.db.write().await?;
        let seq = repo::appeals::next_sequence(&mut tx, &div6, &day_code).await?;
        let appeal_no = format!("{div6}{day_code}{seq:06}");
        let row = AppealRow {
            id: 0,
            appeal_no: appeal_no.clone(),
            token: token.clone(),
            channel: checked.channel.as_str().into(),
            appeal_type: checked.appeal_type.as_str().into(),
            category_code: checked.category.code.clone(),
            title: checked.title.clone(),
            content: checked.content.clone(),
            address: checked.address.clone(),
            division: division.as_str().into(),
            lon: checked.point.map(|p| p.lon),
            lat: checked.point.map(|p| p.lat),
            contact_name: checked.contact_name.clone(),
            contact_phone_enc: phone_enc,
            contact_phone_idx: phone_idx,
            contact_phone_mask: phone_mask,
            contact_email: checked.email.clone(),
            anonymous: checked.anonymous,
            confidential: checked.confidential,
            person_id,
            open311_key_id: f.open311_key,
            media_url: checked.media_url.clone(),
            complained_unit: checked.complained_unit.clone(),
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
        let id = repo::appeals::insert(&mut tx, &row).await?;
        let create = NewEvent {
            kind: "create",
            actor: &actor,
            to_status: Some(Status::Received.as_str()),
            data: json!({ "channel": checked.channel.as_str() }).to_string(),
            ..NewEvent::default()
        };
        repo::events::insert(&mut tx, id, &create, now).await?;
        if direct {
            let e = NewEvent {
                kind: "close_direct",
                actor: &actor,
                from_status: Some(Status::Received.as_str()),
                to_status: Some(Status::ClosedDirect.as_str()),
                text: &answer,
                data: json!({ "knowledge_id": f.answer.and_then(|a| a.1) }).to_string(),
                ..NewEvent::default()
            };
            repo::events::insert(&mut tx, id, &e, now).await?;
            if let Some(k) = f.answer.and_then(|a| a.1) {
                repo::settings::knowledge_used(&mut tx, k).await?;
            }
        } else if status == Status::Dispatched {
            let grid_code = routed.grid.as_ref().map(|g| g.code.clone());
            let e = NewEvent {
                kind: "dispatch",
                actor: "system:routing",
                from_status: Some(Status::Received.as_str()),
                to_status: Some(Status::Dispatched.as_str()),
                to_grid_id: routed.grid.as_ref().map(|g| g.id),
                to_department_id: routed.department_id,
                to_user_id: routed.assignee_id,
                text: "",
                data: json!({ "grid": grid_code, "routing": true }).to_string(),
            };
            repo::events::insert(&mut tx, id, &e, now).await?;
        }
        for (file, name) in &stored {
            repo::appeals::insert_photo(
                &mut tx,
                id,
                file.digest_sm3_hex.as_str(),
                file.media_type.mime(),
                i64::try_from(file.size).unwrap_or(i64::MAX),
                &text::optional("name", name, 200).unwrap_or_default(),
                &actor,
                now,
            )
            .await?;
        }
        if let Some(k) = f.open311_key {
            repo::keys::touch(&mut tx, k, now).await?;
        }
        record(
            &mut tx,
            &Entry::success(&ctx.actor, f.audit_action, format!("appeal:{appeal_no}"))
                .source(&ctx.source)
                .data(json!({
                    "channel": checked.channel.as_str(),
                    "type": checked.appeal_type.as_str(),
                    "category": checked.category.code,
                    "status": status.as_str(),
                    "grid": routed.grid.as_ref().map(|g| g.code.clone()),
                    "department_id": routed.department_id,
                    "photos": stored.len(),
                })),
            now,
        )
        .await?;
        tx.commit().await?;
        let row = AppealRow { id, ..row };
        // The filer sees their own order; the operator sees it as intake staff.
        let roles = Roles {
            owner: true,
            intake: ctx.actor.has(Permission::AppealIntake),
            system: matches!(ctx.actor, Actor::System { .. }),
            ..Roles::default()
        };
        let appeal = self.view_as(&row, roles).await?;
        Ok(Filed {
            appeal,
            token,
            duplicates,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_spotted() {
        assert!(has_tag("hello <script>x</script>"));
        assert!(has_tag("<b>"));
        assert!(!has_tag("1 < 2 and 3 > 2"));
        assert!(!has_tag("a <- b"));
    }

    #[test]
    fn phones_normalise() {
        assert_eq!(normalize_phone("+86 138 0013 8000"), "13800138000");
        assert_eq!(phone_key("0759-1234567"), "07591234567");
    }
}
