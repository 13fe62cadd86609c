//! The case lifecycle (STANDARDS §5.5): submission (online or at the window), pre-check,
//! acceptance or not, the one-time notice of supplements, the workflow steps, special
//! procedures, decision and conclusion, delivery and withdrawal.
//!
//! Every transition runs in one write transaction: load the case, authorise, check the
//! revision the caller saw, change, append the events (process data), save with
//! compare-and-set on the revision, write the audit entry for staff actions, commit. Two
//! officers acting at once: one commits, the other gets `conflict` (409) and reloads.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use serde_json::{Map, Value, json};
use time::{Date, OffsetDateTime};
use yiwang_audit::{Entry, record};
use yiwang_calendar::{Calendar, CalendarService, PauseReason};
use yiwang_catalog::CatalogService;
use yiwang_catalog::model::Elements;
use yiwang_files::Intake;
use yiwang_identity::{IdentityService, Keys};
use yiwang_kernel::auth::{Actor, AgentScope, Ctx, Permission, Target};
use yiwang_kernel::clock::{CHINA_OFFSET, Clock};
use yiwang_kernel::codes::{DivisionCode, IdNumber, Uscc};
use yiwang_kernel::error::Problems;
use yiwang_kernel::{Error, ErrorCode, FieldError, Result, text};
use yiwang_store::{Db, Tx};
use yiwang_vault::{mask_id_number, mask_phone};
use yiwang_workflow::{Action, Definition, Instance, Officer, Participant};

use crate::deadline::{self, Limit, Stop, Unit};
use crate::flow;
use crate::model::{
    Application, CaseEvent, CaseMaterial, CaseView, Decision, DeliveryMethod, MaterialRef,
    Milestone, NoticeItem, Status, Warning, WindowApplication, result_code,
};
use crate::repo::{self, CaseRow, NewEvent, NewMaterial, PauseRow, Task};
use crate::upload;

/// Sealed-column contexts (associated data) and blind-index contexts of the cases domain.
pub mod context {
    pub const CERT: &str = "cases.applicant_cert";
    pub const PHONE: &str = "cases.contact_phone";
    pub const FORM: &str = "cases.form";
}

/// Settings of the cases domain.
#[derive(Debug, Clone)]
pub struct CaseConfig {
    /// Working days a department has to follow up a bad rating (STANDARDS §6.4: default 15).
    pub followup_days: u32,
    /// `data_source` of the process-data export (3 digits; `111` default, §6.3).
    pub data_source: String,
}

impl Default for CaseConfig {
    fn default() -> Self {
        CaseConfig {
            followup_days: 15,
            data_source: "111".to_string(),
        }
    }
}

/// A published item version as cases need it (immutable, so cached).
#[derive(Debug)]
pub struct ItemInfo {
    pub item_id: i64,
    pub code: String,
    pub version: i64,
    pub department_id: i64,
    pub division_code: String,
    pub elements: Elements,
    pub definition: Definition,
}

/// The cases domain's entry point.
#[derive(Clone)]
pub struct CaseService {
    pub(crate) db: Db,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) keys: Keys,
    pub(crate) catalog: CatalogService,
    pub(crate) calendar: CalendarService,
    pub(crate) identity: IdentityService,
    pub(crate) intake: Intake,
    pub(crate) config: CaseConfig,
    pub(crate) licences: yiwang_licences::LicenceService,
    infos: Arc<RwLock<HashMap<(String, i64), Arc<ItemInfo>>>>,
}

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
    pub events: Vec<NewEvent>,
    pub milestones: Vec<(String, String)>,
    pub tasks: Option<Vec<Task>>,
    pub materials: Vec<NewMaterial>,
    pub open_pause: Option<NewPause>,
    pub close_pause: Option<ClosePause>,
    pub audit: Option<(&'static str, Value)>,
}

/// A stop to end: by id, or (`None`) whichever is still open.
pub(crate) struct ClosePause {
    id: Option<i64>,
    result: String,
    opinion: String,
}

pub(crate) struct NewPause {
    kind: &'static str,
    special_type: String,
    name: String,
    reason: String,
    expected_days: i64,
}

fn invalid_state(zh: impl Into<String>, en: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidState).with_detail(zh, en)
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

/// An opinion or reason: required, at most `max` characters.
pub(crate) fn required_text(field: &str, s: &str, max: usize) -> Result<String> {
    text::required(field, s, max).map_err(Error::field)
}

pub(crate) fn optional_text(field: &str, s: &str, max: usize) -> Result<String> {
    text::optional(field, s, max).map_err(Error::field)
}

/// Fixed-width parts of case numbers: the implementation code's letters and digits, upper-case.
fn number_prefix(code: &str, today: Date) -> String {
    let code: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .take(36)
        .collect();
    format!(
        "{code}{:04}{:02}{:02}",
        today.year(),
        u8::from(today.month()),
        today.day()
    )
}

/// Maximum daily sequence (six digits): the case number stays within 50 characters.
const MAX_SEQUENCE: i64 = 999_999;

fn idempotency_key(raw: &str) -> Result<String> {
    let k = raw.trim();
    if k.is_empty()
        || k.len() > 100
        || !k
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
    {
        return Err(Error::field(FieldError::new(
            "Idempotency-Key",
            "idempotency_key.format",
            "幂等键应为 1–100 个字母、数字或 - _ . : 字符",
            "The Idempotency-Key must be 1–100 letters, digits or - _ . :",
        )));
    }
    Ok(k.to_string())
}

/// A mainland mobile number or a landline (`0759-1234567`, 3–4 digit area code, 7–8 digits).
pub fn normalize_phone(s: &str) -> Option<String> {
    if let Some(m) = yiwang_identity::people::normalize_mobile(s) {
        return Some(m);
    }
    let t = s.trim();
    let (area, num) = t.split_once('-')?;
    let ok = area.starts_with('0')
        && (3..=4).contains(&area.len())
        && (7..=8).contains(&num.len())
        && area.bytes().chain(num.bytes()).all(|b| b.is_ascii_digit());
    ok.then(|| format!("{area}-{num}"))
}

impl CaseService {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        db: Db,
        clock: Arc<dyn Clock>,
        keys: Keys,
        catalog: CatalogService,
        calendar: CalendarService,
        identity: IdentityService,
        intake: Intake,
        config: CaseConfig,
        licences: yiwang_licences::LicenceService,
    ) -> Self {
        CaseService {
            db,
            clock,
            keys,
            catalog,
            calendar,
            identity,
            intake,
            config,
            licences,
            infos: Arc::new(RwLock::new(HashMap::new())),
        }
    }

    pub fn config(&self) -> &CaseConfig {
        &self.config
    }

    pub fn intake(&self) -> &Intake {
        &self.intake
    }

    pub(crate) fn today(&self) -> Date {
        self.clock.now().to_offset(CHINA_OFFSET).date()
    }

    /// The published version `version` of item `code` (cached: published versions never
    /// change). `None` for the current published version: which one that is costs one indexed
    /// read of the item (`CatalogService::published_version_no`), so a new publication or a
    /// retirement is seen at once, by every node; its elements come from the cache.
    pub(crate) async fn info(&self, code: &str, version: Option<i64>) -> Result<Arc<ItemInfo>> {
        let wanted = match version {
            Some(v) => Some(v),
            None => self.catalog.published_version_no(code).await?,
        };
        if let Some(v) = wanted
            && let Ok(g) = self.infos.read()
            && let Some(i) = g.get(&(code.to_string(), v))
        {
            return Ok(i.clone());
        }
        let anon = Ctx::anonymous();
        let item = self.catalog.item(&anon, code).await.map_err(|e| {
            if e.code == ErrorCode::NotFound {
                Error::field(FieldError::new(
                    "item_code",
                    "item.not_published",
                    format!("事项“{code}”不存在或未发布，不能申请"),
                    format!("Item \"{code}\" does not exist or is not published; it cannot be applied for"),
                ))
            } else {
                e
            }
        })?;
        let ver = match version {
            Some(v) => self.catalog.version(&anon, code, v).await?,
            None => item.published.clone().ok_or_else(|| {
                Error::field(FieldError::new(
                    "item_code",
                    "item.not_published",
                    format!("事项“{code}”未发布，不能申请"),
                    format!("Item \"{code}\" is not published; it cannot be applied for"),
                ))
            })?,
        };
        let definition = flow::definition(&item.code, ver.version_no, &ver.elements);
        let info = Arc::new(ItemInfo {
            item_id: item.id,
            code: item.code.clone(),
            version: ver.version_no,
            department_id: item.department_id,
            division_code: item.division_code.clone(),
            definition,
            elements: ver.elements,
        });
        if let Ok(mut g) = self.infos.write() {
            g.insert((item.code, info.version), info.clone());
        }
        Ok(info)
    }

    /// Uploads a file for a later application (the signed-in person) or window reception
    /// (a clerk): screened, stored durably, answered with a ticket.
    pub async fn upload(
        &self,
        ctx: &Ctx,
        file_name: &str,
        bytes: bytes::Bytes,
    ) -> Result<upload::UploadTicket> {
        match &ctx.actor {
            Actor::Person(_) => {}
            Actor::Staff(_) | Actor::Client(_) => ctx.actor.require(Permission::CaseReceive)?,
            Actor::Anonymous => return Err(Error::new(ErrorCode::Unauthenticated)),
            Actor::System { .. } => {}
        }
        let name = file_name.trim();
        if name.is_empty() {
            return Err(Error::field(FieldError::required("name")));
        }
        let up = yiwang_files::intake::Upload {
            entry: String::new(),
            field: "file".to_string(),
            file_name: name.to_string(),
            bytes,
        };
        let m = self.intake.accept(up, 0).await?;
        upload::issue(
            &self.keys,
            &ctx.actor.label(),
            m.file.digest_sm3_hex.as_str(),
            m.file.media_type.as_str(),
            m.file.size,
            &m.file_name,
            self.clock.now(),
        )
    }

    /// Checks the materials of an application against the item's checklist.
    fn check_materials(
        &self,
        owner: &str,
        e: &Elements,
        refs: &[MaterialRef],
        already: i64,
        require_all: bool,
        source: &'static str,
        p: &mut Problems,
    ) -> Result<Vec<NewMaterial>> {
        let now = self.clock.now();
        let mut out = Vec::new();
        if refs.len() > 100 {
            p.push(FieldError::new(
                "materials",
                "materials.too_many",
                "一次最多提交 100 个文件",
                "At most 100 files at once",
            ));
            return Ok(out);
        }
        for (i, r) in refs.iter().enumerate() {
            let Some(entry) = e.materials.iter().find(|m| m.key == r.entry.trim()) else {
                p.push(FieldError::new(
                    format!("materials[{i}].entry"),
                    "material.unknown_entry",
                    format!("材料清单中没有“{}”", r.entry),
                    format!("The checklist has no entry \"{}\"", r.entry),
                ));
                continue;
            };
            if !r.licence.trim().is_empty() {
                if entry.licence_type.trim().is_empty() {
                    p.push(FieldError::new(
                        format!("materials[{i}].licence"),
                        "material.no_licence",
                        format!("材料“{}”不能以电子证照代替", entry.name),
                        format!(
                            "The material \"{}\" cannot be replaced by a licence",
                            entry.name
                        ),
                    ));
                    continue;
                }
                out.push(NewMaterial {
                    entry: entry.key.clone(),
                    entry_name: entry.name.clone(),
                    file_name: String::new(),
                    sha: r.licence.trim().to_string(),
                    media_type: "licence".to_string(),
                    size: 0,
                    source: "licence",
                    licence_type: entry.licence_type.trim().to_string(),
                });
                continue;
            }
            match upload::verify(
                &self.keys,
                owner,
                r.ticket.trim(),
                now,
                &format!("materials[{i}].ticket"),
            ) {
                Ok(t) => out.push(NewMaterial {
                    entry: entry.key.clone(),
                    entry_name: entry.name.clone(),
                    file_name: t.file_name,
                    sha: t.sha,
                    media_type: t.media_type,
                    size: i64::try_from(t.size).unwrap_or(i64::MAX),
                    source,
                    licence_type: String::new(),
                }),
                Err(err) if err.code == ErrorCode::Forbidden => return Err(err),
                Err(err) => p.extend(err.fields),
            }
        }
        if require_all {
            for m in &e.materials {
                if m.required
                    && m.condition.trim().is_empty()
                    && m.licence_type.trim().is_empty()
                    && !out.iter().any(|x| x.entry == m.key)
                {
                    p.push(FieldError::new(
                        format!("materials.{}", m.key),
                        "material.required",
                        format!("请提交必要材料“{}”", m.name),
                        format!("The required material \"{}\" is missing", m.name),
                    ));
                }
            }
        }
        let total: i64 = out.iter().map(|m| m.size).sum::<i64>() + already;
        self.intake
            .limits()
            .check_case(0, u64::try_from(total).unwrap_or(u64::MAX))?;
        Ok(out)
    }

    /// Validates the form, filling the fields the item marks as prefilled from the applicant.
    fn check_form(
        e: &Elements,
        values: &Value,
        fills: &[(yiwang_forms::Prefill, String)],
        today: Date,
        p: &mut Problems,
    ) -> Map<String, Value> {
        let mut values = match values {
            Value::Object(m) => m.clone(),
            Value::Null => Map::new(),
            _ => {
                p.push(FieldError::new(
                    "form",
                    "form.object",
                    "表单应为对象（字段名 → 值）",
                    "The form must be an object (field key → value)",
                ));
                return Map::new();
            }
        };
        for f in &e.form {
            if let Some(pre) = &f.prefill {
                let empty = match values.get(&f.key) {
                    None | Some(Value::Null) => true,
                    Some(Value::String(s)) => s.trim().is_empty(),
                    _ => false,
                };
                if empty && let Some((_, v)) = fills.iter().find(|(k, _)| k == pre) {
                    values.insert(f.key.clone(), Value::String(v.clone()));
                }
            }
        }
        match yiwang_forms::validate_on(&e.form, &Value::Object(values), today) {
            Ok(m) => m,
            Err(errs) => {
                p.extend(errs);
                Map::new()
            }
        }
    }

    /// An online application by the signed-in person (for themselves or the enterprise they act
    /// for). With an idempotency key, a retry returns the case the first attempt created
    /// (`false`: not created now).
    pub async fn submit(
        &self,
        ctx: &Ctx,
        input: &Application,
        idem: Option<&str>,
    ) -> Result<(CaseView, bool)> {
        let who = self.identity.applicant(ctx).await?;
        let label = ctx.actor.label();
        let idem_key = match idem {
            Some(k) => Some(format!("{label}|{}", idempotency_key(k)?)),
            None => None,
        };
        if let Some(k) = &idem_key
            && let Some(row) = repo::by_idem(&mut self.db.clone(), k).await?
        {
            return Ok((self.view_of(ctx, row).await?, false));
        }
        let info = self.info(input.item_code.trim(), None).await?;
        let e = &info.elements;
        let mut p = Problems::new();
        use yiwang_forms::Prefill;
        let mut fills = vec![
            (Prefill::ApplicantName, who.name.clone()),
            (Prefill::ApplicantIdNumber, who.id_number.clone()),
            (Prefill::ApplicantPhone, who.phone.clone()),
        ];
        if let Some(o) = &who.org {
            fills.push((Prefill::OrgName, o.name.clone()));
            fills.push((Prefill::OrgUscc, o.uscc.clone()));
        }
        let form = Self::check_form(e, &input.form, &fills, self.today(), &mut p);
        let materials =
            self.check_materials(&label, e, &input.materials, 0, true, "application", &mut p)?;
        let channel = match input.channel.trim() {
            "" | "2" => "2",
            "3" => "3",
            _ => {
                p.push(FieldError::one_of("channel", &["2", "3"]));
                "2"
            }
        };
        p.into_result()?;
        let (applicant_type, name, cert_type, cert, person_id, org_id) = match &who.org {
            Some(o) => (
                "2",
                o.name.clone(),
                "001",
                o.uscc.clone(),
                Some(who.person_id),
                Some(o.org_id),
            ),
            None => (
                "1",
                who.name.clone(),
                "111",
                who.id_number.clone(),
                Some(who.person_id),
                None,
            ),
        };
        let shown = form.clone();
        let row = self.new_row(
            &info,
            NewCase {
                channel,
                applicant_type,
                name,
                cert_type,
                cert,
                contact_name: who.name.clone(),
                phone: who.phone.clone(),
                person_id,
                org_id,
                submitted_by: label,
                form,
                idem_key,
            },
        )?;
        self.create(ctx, row, shown, materials, "submitted").await
    }

    /// A window clerk receives an application on the applicant's behalf (窗口收件): one window
    /// for every department of the clerk's division.
    pub async fn receive(&self, ctx: &Ctx, input: &WindowApplication) -> Result<CaseView> {
        ctx.actor.require(Permission::CaseReceive)?;
        let info = self.info(input.item_code.trim(), None).await?;
        let division = DivisionCode::parse(&info.division_code).map_err(Error::field)?;
        ctx.actor.require_on(
            Permission::CaseReceive,
            Target {
                department_id: Some(info.department_id),
                division: &division,
            },
        )?;
        let a = &input.applicant;
        let mut p = Problems::new();
        let today = self.today();
        let kind = a.kind.trim();
        let name = p.take(text::required("applicant.name", &a.name, 100));
        let cert = match kind {
            "person" => p.take(
                IdNumber::parse(&a.cert_no, today)
                    .map(|i| i.as_str().to_string())
                    .map_err(|e| e.within("applicant.cert_no")),
            ),
            "org" => p.take(
                Uscc::parse(&a.cert_no)
                    .map(|u| u.as_str().to_string())
                    .map_err(|e| e.within("applicant.cert_no")),
            ),
            _ => {
                p.push(FieldError::one_of("applicant.kind", &["person", "org"]));
                None
            }
        };
        let contact = if a.contact_name.trim().is_empty() {
            name.clone()
        } else {
            p.take(text::required(
                "applicant.contact_name",
                &a.contact_name,
                50,
            ))
        };
        let phone = normalize_phone(&a.contact_phone);
        if phone.is_none() {
            p.push(FieldError::new(
                "applicant.contact_phone",
                "phone.format",
                "联系电话应为手机号码或带区号的固定电话（如 0759-1234567）",
                "The contact phone must be a mobile number or a landline with its area code (e.g. 0759-1234567)",
            ));
        }
        let mut fills = Vec::new();
        use yiwang_forms::Prefill;
        if let (Some(n), Some(c)) = (&name, &cert) {
            if kind == "person" {
                fills.push((Prefill::ApplicantName, n.clone()));
                fills.push((Prefill::ApplicantIdNumber, c.clone()));
            } else {
                fills.push((Prefill::OrgName, n.clone()));
                fills.push((Prefill::OrgUscc, c.clone()));
            }
        }
        if let Some(ph) = &phone {
            fills.push((Prefill::ApplicantPhone, ph.clone()));
        }
        let form = Self::check_form(&info.elements, &input.form, &fills, today, &mut p);
        let label = ctx.actor.label();
        let materials = self.check_materials(
            &label,
            &info.elements,
            &input.materials,
            0,
            true,
            "window",
            &mut p,
        )?;
        p.into_result()?;
        let (Some(name), Some(cert), Some(contact), Some(phone)) = (name, cert, contact, phone)
        else {
            return Err(Error::new(ErrorCode::Validation));
        };
        let (person_id, org_id) = if kind == "person" {
            (self.identity.person_id_by_id_number(&cert).await?, None)
        } else {
            (None, self.identity.org_id_by_uscc(&cert).await?)
        };
        let shown = form.clone();
        let row = self.new_row(
            &info,
            NewCase {
                channel: "1",
                applicant_type: if kind == "person" { "1" } else { "2" },
                name,
                cert_type: if kind == "person" { "111" } else { "001" },
                cert,
                contact_name: contact,
                phone,
                person_id,
                org_id,
                submitted_by: label,
                form,
                idem_key: None,
            },
        )?;
        Ok(self.create(ctx, row, shown, materials, "received").await?.0)
    }

    fn new_row(&self, info: &ItemInfo, n: NewCase) -> Result<CaseRow> {
        let now = self.clock.now();
        let cert_mask = if n.cert_type == "111" {
            mask_id_number(&n.cert)
        } else {
            n.cert.clone()
        };
        let form_json = Value::Object(n.form).to_string();
        Ok(CaseRow {
            id: 0,
            case_no: String::new(),
            item_id: info.item_id,
            item_code: info.code.clone(),
            item_version: info.version,
            item_name: info.elements.name.clone(),
            department_id: info.department_id,
            division_code: info.division_code.clone(),
            case_type: if info.elements.is_instant() { "1" } else { "2" }.to_string(),
            channel: n.channel.to_string(),
            applicant_type: n.applicant_type.to_string(),
            applicant_name: n.name,
            applicant_cert_type: n.cert_type.to_string(),
            applicant_cert_enc: self.keys.seal(context::CERT, &n.cert)?,
            applicant_cert_idx: self.keys.blind_index(context::CERT, &n.cert)?,
            applicant_cert_mask: cert_mask,
            contact_name: n.contact_name,
            contact_phone_enc: self.keys.seal(context::PHONE, &n.phone)?,
            contact_phone_idx: self.keys.blind_index(context::PHONE, &n.phone)?,
            contact_phone_mask: mask_phone(&n.phone),
            person_id: n.person_id,
            org_id: n.org_id,
            submitted_by: n.submitted_by,
            form_enc: self.keys.seal(context::FORM, &form_json)?,
            flow: None,
            status: Status::Submitted.as_str().to_string(),
            notice_given: false,
            submitted_at: now,
            accepted_at: None,
            accept_date: None,
            promised_days: None,
            statutory_days: None,
            extension_days: 0,
            promised_due: None,
            statutory_due: None,
            warning: Warning::None.as_str().to_string(),
            decision: None,
            decision_opinion: String::new(),
            decided_at: None,
            result_code: None,
            concluded_at: None,
            delivery_method: None,
            delivery_ref: String::new(),
            delivered_at: None,
            milestones: "[]".to_string(),
            idem_key: n.idem_key,
            revision: 1,
            updated_at: now,
        })
    }

    /// Stores a new case (`form` is the validated form in clear, sealed in `row`) and answers
    /// its view from what was written.
    async fn create(
        &self,
        ctx: &Ctx,
        mut row: CaseRow,
        form: Map<String, Value>,
        materials: Vec<NewMaterial>,
        action: &str,
    ) -> Result<(CaseView, bool)> {
        let now = row.submitted_at;
        let (zh, en) = crate::events::describe(action);
        row.milestones = serde_json::to_string(&[Milestone {
            at: now,
            zh: zh.to_string(),
            en: en.to_string(),
        }])
        .map_err(Error::internal)?;
        let mut tx = self.db.write().await?;
        if let Some(k) = &row.idem_key
            && let Some(existing) = repo::by_idem(&mut tx, k).await?
        {
            tx.rollback().await?;
            return Ok((self.view_of(ctx, existing).await?, false));
        }
        let prefix = number_prefix(&row.item_code, now.to_offset(CHINA_OFFSET).date());
        let seq = repo::next_sequence(&mut tx, &prefix).await?;
        if seq > MAX_SEQUENCE {
            tx.rollback().await?;
            return Err(Error::unavailable("daily case-number sequence exhausted"));
        }
        row.case_no = format!("{prefix}{seq:06}");
        let id = match repo::insert(&mut tx, &row).await {
            Ok(id) => id,
            Err(e) if e.code == ErrorCode::Duplicate && row.idem_key.is_some() => {
                // Another request with the same key won the race (PostgreSQL): answer its case.
                tx.rollback().await?;
                let k = row.idem_key.clone().unwrap_or_default();
                let existing = repo::by_idem(&mut self.db.clone(), &k)
                    .await?
                    .ok_or_else(|| Error::internal("idempotent case vanished"))?;
                return Ok((self.view_of(ctx, existing).await?, false));
            }
            Err(e) => return Err(e),
        };
        row.id = id;
        let by = ctx.actor.label();
        let mut attached = Vec::with_capacity(materials.len());
        for (i, m) in materials.iter().enumerate() {
            match self.attach(&mut tx, &row, m, i, &by).await {
                Ok(m) => attached.push(m),
                Err(e) => {
                    tx.rollback().await?;
                    return Err(e);
                }
            }
        }
        repo::insert_materials(&mut tx, id, &attached, now, &by).await?;
        let ev = NewEvent {
            actor: by.clone(),
            actor_name: actor_name(&ctx.actor),
            department_id: ctx.actor.staff().map(|s| s.department_id),
            action: action.to_string(),
            from_status: String::new(),
            to_status: Status::Submitted.as_str().to_string(),
            data: json!({
                "channel": row.channel,
                "materials": materials.iter().map(|m| json!({"entry": m.entry, "sha": m.sha})).collect::<Vec<_>>(),
            }),
            ..NewEvent::default()
        };
        repo::insert_event(&mut tx, id, 1, now, &ev).await?;
        if ctx.actor.staff().is_some() {
            record(
                &mut tx,
                &Entry::success(&ctx.actor, "case.receive", format!("case:{}", row.case_no))
                    .source(&ctx.source)
                    .data(json!({ "item": row.item_code })),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        // What `view_of` would read back: the materials in order (licences named after their
        // type), the one event, no stops.
        let materials = attached
            .into_iter()
            .map(|m| CaseMaterial {
                entry: m.entry,
                entry_name: m.entry_name,
                file_name: m.file_name,
                sha: m.sha,
                media_type: m.media_type,
                size: m.size,
                source: m.source.to_string(),
                added_at: now,
            })
            .collect();
        let event = CaseEvent {
            seq: 1,
            at: now,
            actor: ev.actor,
            actor_name: ev.actor_name,
            action: ev.action,
            action_zh: zh.to_string(),
            action_en: en.to_string(),
            from_status: ev.from_status,
            to_status: ev.to_status,
            step_code: ev.step_code,
            step_name: ev.step_name,
            opinion: ev.opinion,
            data: ev.data,
        };
        let view = Self::assemble_view(row, form, materials, vec![event], Vec::new(), Vec::new())?;
        Ok((view, true))
    }

    // ----- transitions -----

    /// Opens a transition: loads the case in a write transaction and checks the revision the
    /// caller saw (when given).
    pub(crate) async fn begin(
        &self,
        ctx: &Ctx,
        case_no: &str,
        expected: Option<i64>,
    ) -> Result<Change> {
        let mut tx = self.db.write().await?;
        let Some(row) = repo::by_no(&mut tx, case_no.trim()).await? else {
            tx.rollback().await?;
            return Err(Error::not_found());
        };
        if let Some(r) = expected
            && r != row.revision
        {
            tx.rollback().await?;
            return Err(stale(&row));
        }
        let info = self.info(&row.item_code, Some(row.item_version)).await?;
        let cal = self.calendar.current().await?;
        let now = self.clock.now();
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
            events: Vec::new(),
            milestones: Vec::new(),
            tasks: None,
            materials: Vec::new(),
            open_pause: None,
            close_pause: None,
            audit: None,
        })
    }

    /// Saves a transition (compare-and-set on the revision) and answers the case.
    pub(crate) async fn finish(&self, ctx: &Ctx, mut c: Change) -> Result<CaseView> {
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
            self.issue_result_licence(&mut c).await?;
        }
        if !repo::save(&mut c.tx, &c.row, expected).await? {
            c.tx.rollback().await?;
            let mut db = self.db.clone();
            let current = repo::by_no(&mut db, &c.row.case_no)
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
        c.tx.commit().await?;
        self.view_of(ctx, c.row).await
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

    fn target_division(row: &CaseRow) -> Result<DivisionCode> {
        DivisionCode::parse(&row.division_code)
            .map_err(|_| Error::internal("stored case division is invalid"))
    }

    /// Requires `perm` over the case's department and division. A refusal ends the
    /// transition's transaction first, then is audited (in a transaction of its own, which on
    /// SQLite could not start while the transition's is open).
    pub(crate) async fn require_on(
        &self,
        ctx: &Ctx,
        c: Change,
        perm: Permission,
    ) -> Result<Change> {
        let division = Self::target_division(&c.row)?;
        if ctx.actor.may_on(
            perm,
            Target {
                department_id: Some(c.row.department_id),
                division: &division,
            },
        ) {
            return Ok(c);
        }
        Err(self.refuse(ctx, c, perm.as_str()).await)
    }

    /// Rolls the transition back and audits the refusal.
    async fn refuse(&self, ctx: &Ctx, c: Change, attempted: &str) -> Error {
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
        let entry = Entry::failure(&ctx.actor, "auth.denied", format!("case:{case_no}"))
            .source(&ctx.source)
            .data(json!({ "attempted": attempted }));
        if let Err(e) = yiwang_audit::record_now(&self.db, &entry, self.clock.now()).await {
            tracing::warn!(error = %e, "could not audit a refusal");
        }
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

    fn step(c: &mut Change, action: &str, to: Status, opinion: &str, data: Value) {
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

    fn milestone(c: &mut Change, zh: impl Into<String>, en: impl Into<String>) {
        c.milestones.push((zh.into(), en.into()));
    }

    /// 受理: the pre-check passed; the workflow starts and the clock runs from tomorrow.
    pub async fn accept(
        &self,
        ctx: &Ctx,
        case_no: &str,
        expected: Option<i64>,
    ) -> Result<CaseView> {
        let c = self.begin(ctx, case_no, expected).await?;
        let mut c = self.require_on(ctx, c, Permission::CaseReceive).await?;
        if c.before != Status::Submitted {
            return Err(invalid_state(
                format!("办件当前为“{}”，不能受理", c.before.zh()),
                format!("The case is {}; it cannot be accepted", c.before.en()),
            ));
        }
        let e = &c.info.elements;
        c.row.accepted_at = Some(c.now);
        c.row.accept_date = Some(c.today);
        c.row.promised_days = Some(e.promised_limit.max(0));
        c.row.statutory_days = Some(e.statutory_limit.max(0));
        let doc_no = format!("{}SL", c.row.case_no);
        Self::step(
            &mut c,
            "accepted",
            Status::Handling,
            "",
            json!({ "accept_doc_no": doc_no }),
        );
        Self::milestone(&mut c, "已受理", "accepted");
        let fields = self.form_fields(&c.row)?;
        let (inst, events) =
            yiwang_workflow::start(&c.info.definition, c.row.department_id, fields, c.now)?;
        self.absorb(&mut c, inst, events)?;
        c.audit = Some(("case.accept", json!({ "accept_doc_no": doc_no })));
        self.finish(ctx, c).await
    }

    /// 不予受理, with the reason.
    pub async fn not_accept(
        &self,
        ctx: &Ctx,
        case_no: &str,
        expected: Option<i64>,
        reason: &str,
    ) -> Result<CaseView> {
        let reason = required_text("reason", reason, 1000)?;
        let c = self.begin(ctx, case_no, expected).await?;
        let mut c = self.require_on(ctx, c, Permission::CaseReceive).await?;
        if c.before != Status::Submitted && c.before != Status::Supplement {
            return Err(invalid_state(
                format!("办件当前为“{}”，不能作不予受理", c.before.zh()),
                format!(
                    "The case is {}; it cannot be refused acceptance",
                    c.before.en()
                ),
            ));
        }
        Self::step(
            &mut c,
            "not_accepted",
            Status::NotAccepted,
            &reason,
            json!({}),
        );
        Self::milestone(&mut c, format!("不予受理：{reason}"), "not accepted");
        c.row.concluded_at = Some(c.now);
        c.tasks = Some(Vec::new());
        c.audit = Some(("case.not_accept", json!({ "reason": reason })));
        self.finish(ctx, c).await
    }

    /// 一次性告知: before acceptance, one notice listing everything missing. Only once per case.
    pub async fn request_supplements(
        &self,
        ctx: &Ctx,
        case_no: &str,
        expected: Option<i64>,
        items: &[NoticeItem],
    ) -> Result<CaseView> {
        let mut p = Problems::new();
        if items.is_empty() {
            p.push(FieldError::required("items"));
        }
        let mut list = Vec::new();
        for (i, it) in items.iter().enumerate() {
            if let Some(r) = p.take(text::required(
                &format!("items[{i}].reason"),
                &it.reason,
                200,
            )) {
                list.push(NoticeItem {
                    entry: it.entry.trim().to_string(),
                    reason: r,
                });
            }
        }
        p.into_result()?;
        let c = self.begin(ctx, case_no, expected).await?;
        let mut c = self.require_on(ctx, c, Permission::CaseReceive).await?;
        if c.before != Status::Submitted {
            return Err(invalid_state(
                format!("办件当前为“{}”，不能要求补正", c.before.zh()),
                format!(
                    "The case is {}; supplements cannot be requested",
                    c.before.en()
                ),
            ));
        }
        if c.row.notice_given {
            return Err(Error::new(ErrorCode::InvalidState).with_detail(
                "补正材料应一次性告知：本件已发出过补正告知，请作出受理或不予受理决定",
                "Everything missing must be notified at once: this case already had its notice; accept it or refuse acceptance",
            ));
        }
        for it in &list {
            if !it.entry.is_empty() && !c.info.elements.materials.iter().any(|m| m.key == it.entry)
            {
                return Err(Error::field(FieldError::new(
                    "items.entry",
                    "material.unknown_entry",
                    format!("材料清单中没有“{}”", it.entry),
                    format!("The checklist has no entry \"{}\"", it.entry),
                )));
            }
        }
        c.row.notice_given = true;
        Self::step(
            &mut c,
            "supplement_requested",
            Status::Supplement,
            "",
            json!({ "items": list }),
        );
        Self::milestone(&mut c, "一次性告知补正材料", "supplements requested");
        c.audit = Some(("case.request_supplements", json!({ "items": list.len() })));
        self.finish(ctx, c).await
    }

    /// The applicant (or a clerk on their behalf) hands in supplements: files and changed form
    /// fields. Before acceptance the case goes back to pre-check; during handling the workflow
    /// resumes where it stood.
    pub async fn supplement(
        &self,
        ctx: &Ctx,
        case_no: &str,
        expected: Option<i64>,
        form: &Value,
        materials: &[MaterialRef],
    ) -> Result<CaseView> {
        let mut c = self.begin(ctx, case_no, expected).await?;
        let by_owner = Self::owns(&ctx.actor, &c.row, true);
        if !by_owner {
            c = self.require_on(ctx, c, Permission::CaseReceive).await?;
        }
        if c.before != Status::Supplement && c.before != Status::Paused {
            return Err(invalid_state(
                format!("办件当前为“{}”，无需补正", c.before.zh()),
                format!("The case is {}; no supplements are expected", c.before.en()),
            ));
        }
        let mut p = Problems::new();
        // Changed fields are merged into the form and the whole form validated again.
        let mut merged = self.form_fields_map(&c.row)?;
        let mut changed = Vec::new();
        if let Value::Object(m) = form {
            for (k, v) in m {
                merged.insert(k.clone(), v.clone());
                changed.push(k.clone());
            }
        } else if !form.is_null() {
            p.push(FieldError::new(
                "form",
                "form.object",
                "表单应为对象（字段名 → 值）",
                "The form must be an object (field key → value)",
            ));
        }
        let merged = Self::check_form(
            &c.info.elements,
            &Value::Object(merged),
            &[],
            c.today,
            &mut p,
        );
        let already = repo::material_bytes(&mut c.tx, c.row.id).await?;
        let files = self.check_materials(
            &c.actor,
            &c.info.elements,
            materials,
            already,
            false,
            "supplement",
            &mut p,
        )?;
        if files.is_empty() && changed.is_empty() {
            p.push(FieldError::new(
                "materials",
                "supplement.empty",
                "请提交补正材料或修改表单内容",
                "Hand in at least one file or changed form field",
            ));
        }
        p.into_result()?;
        c.row.form_enc = self
            .keys
            .seal(context::FORM, &Value::Object(merged.clone()).to_string())?;
        let data = json!({
            "fields": changed,
            "materials": files.iter().map(|m| json!({"entry": m.entry, "sha": m.sha})).collect::<Vec<_>>(),
        });
        c.materials = files;
        if c.before == Status::Supplement {
            Self::step(&mut c, "supplemented", Status::Submitted, "", data);
            Self::milestone(&mut c, "已补正材料，待受理", "supplements handed in");
        } else {
            Self::step(&mut c, "supplemented", Status::Handling, "", data);
            let inst = self.instance(&c.row)?;
            let fields: yiwang_workflow::Fields = merged
                .into_iter()
                .filter(|(k, _)| changed.contains(k))
                .collect();
            let participant = if by_owner {
                Participant::Applicant
            } else {
                Participant::System
            };
            let (inst, events) = yiwang_workflow::apply(
                &c.info.definition,
                &inst,
                Action::Supplemented { fields },
                &participant,
                c.now,
            )?;
            self.absorb(&mut c, inst, events)?;
            Self::milestone(&mut c, "已补正材料，继续办理", "supplements received");
        }
        if !by_owner {
            c.audit = Some(("case.supplement", json!({})));
        }
        self.finish(ctx, c).await
    }

    /// An officer's workflow action (approve, return, transfer, delegate, add or remove a
    /// signer, copy, urge, recall, request supplements, claim), optionally on a named step.
    pub async fn act(
        &self,
        ctx: &Ctx,
        case_no: &str,
        expected: Option<i64>,
        step: Option<&str>,
        action: Action,
    ) -> Result<CaseView> {
        let Some(staff) = ctx.actor.staff().cloned() else {
            return Err(match ctx.actor {
                Actor::Anonymous => Error::new(ErrorCode::Unauthenticated),
                _ => Error::forbidden(),
            });
        };
        let urging = matches!(action, Action::Urge);
        let perm = if urging {
            Permission::CaseSupervise
        } else {
            Permission::CaseHandle
        };
        if !(ctx.actor.has(perm) || urging && ctx.actor.has(Permission::CaseHandle)) {
            return Err(self.denied(ctx, case_no, perm.as_str()).await);
        }
        let mut c = self.begin(ctx, case_no, expected).await?;
        if urging {
            // Urging reaches within the supervisor's (or officer's) reach.
            let division = Self::target_division(&c.row)?;
            let target = Target {
                department_id: Some(c.row.department_id),
                division: &division,
            };
            if !ctx.actor.may_on(Permission::CaseSupervise, target)
                && !ctx.actor.may_on(Permission::CaseHandle, target)
            {
                c.tx.rollback().await?;
                return Err(self.denied(ctx, case_no, perm.as_str()).await);
            }
        }
        if !matches!(c.before, Status::Handling | Status::Paused) {
            return Err(invalid_state(
                format!("办件当前为“{}”，不在审批环节", c.before.zh()),
                format!("The case is {}; no step is open", c.before.en()),
            ));
        }
        // Transfer, delegation, added signers and copies go to case officers only.
        if let Action::Transfer { to }
        | Action::Delegate { to }
        | Action::AddSigner { who: to }
        | Action::CopyTo { who: to } = &action
        {
            self.check_officer(*to).await?;
        }
        let inst = self.instance(&c.row)?;
        let officer = Participant::Officer(Officer::from_staff(&staff));
        let what = action.name();
        let (inst, events) = match step {
            Some(s) if action.is_step_action() => {
                yiwang_workflow::apply_on(&c.info.definition, &inst, s, action, &officer, c.now)?
            }
            _ => yiwang_workflow::apply(&c.info.definition, &inst, action, &officer, c.now)?,
        };
        self.absorb(&mut c, inst, events)?;
        c.audit = Some(("case.act", json!({ "action": what, "step": step })));
        self.finish(ctx, c).await
    }

    /// A transfer/delegation/signer target must be an active member of staff who can handle
    /// cases.
    async fn check_officer(&self, id: i64) -> Result<()> {
        let mut db = self.db.clone();
        let row: Option<(String,)> = yiwang_store::Conn::fetch_optional(
            &mut db,
            "SELECT roles FROM staff_accounts WHERE id = $1 AND active = TRUE",
            yiwang_store::args![id],
        )
        .await?;
        let handles = row.is_some_and(|(roles,)| {
            roles.split(',').any(|r| {
                yiwang_kernel::auth::Role::parse(r.trim())
                    .is_some_and(|r| r.permissions().contains(&Permission::CaseHandle))
            })
        });
        if handles {
            Ok(())
        } else {
            Err(Error::field(FieldError::new(
                "to",
                "case.officer_required",
                "只能转给（委派给、加签、抄送给）在岗的审批人员",
                "The target must be an active case officer",
            )))
        }
    }

    /// Takes the engine's new instance and events into the case: process data, the inbox, the
    /// supplement wait, and the decision when the workflow finished.
    fn absorb(
        &self,
        c: &mut Change,
        mut inst: Instance,
        events: Vec<yiwang_workflow::Event>,
    ) -> Result<()> {
        use yiwang_workflow::{Status as WfStatus, What};
        let to = match &inst.flow.status {
            WfStatus::Running => Status::Handling,
            WfStatus::Paused(_) => Status::Paused,
            WfStatus::Completed | WfStatus::Refused => Status::Concluded,
        };
        let from = c.row.status.clone();
        let mut refusal = String::new();
        for e in &events {
            let mut ne = flow::to_case_event(
                &c.info.definition,
                e,
                (&c.actor, &c.actor_name),
                c.department_id,
                &from,
                to.as_str(),
            );
            if ne.actor.starts_with("system:") {
                ne.department_id = None;
            }
            match &e.what {
                What::StepCompleted => {
                    c.milestones.push((
                        format!("{}：完成", ne.step_name),
                        format!("{}: done", ne.step_code),
                    ));
                }
                What::Returned { .. } => {
                    c.milestones
                        .push((format!("{}：退回", ne.step_name), "returned".to_string()));
                }
                What::AutoDecided { passed, .. } => {
                    c.milestones.push((
                        if *passed {
                            "智能审批通过"
                        } else {
                            "智能审批转人工"
                        }
                        .to_string(),
                        if *passed {
                            "approved automatically"
                        } else {
                            "handed to an officer"
                        }
                        .to_string(),
                    ));
                }
                What::SupplementRequested { items } => {
                    c.open_pause = Some(NewPause {
                        kind: "supplement",
                        special_type: String::new(),
                        name: "补正".to_string(),
                        reason: items.join("；"),
                        expected_days: 0,
                    });
                    c.milestones.push((
                        "补正告知（计时暂停）".to_string(),
                        "supplements requested".to_string(),
                    ));
                }
                What::Refused => {
                    refusal = ne.opinion.clone();
                }
                _ => {}
            }
            c.events.push(ne);
        }
        if c.before == Status::Paused && to != Status::Paused {
            // The wait for supplements ends.
            c.close_pause = Some(ClosePause {
                id: None,
                result: "已补正".to_string(),
                opinion: String::new(),
            });
        }
        c.tasks = Some(flow::tasks(&c.info.definition, &inst));
        c.row.status = to.as_str().to_string();
        match inst.flow.status {
            WfStatus::Completed => self.decide(c, Decision::Grant, ""),
            WfStatus::Refused => self.decide(c, Decision::Refuse, &refusal),
            _ => {}
        }
        inst.fields = Default::default();
        c.row.flow = Some(serde_json::to_string(&inst).map_err(Error::internal)?);
        Ok(())
    }

    /// The decision and the conclusion (办结) with its result code.
    fn decide(&self, c: &mut Change, d: Decision, opinion: &str) {
        c.row.decision = Some(d.as_str().to_string());
        c.row.decision_opinion = opinion.to_string();
        c.row.decided_at = Some(c.now);
        let code = match d {
            Decision::Grant => result_code::GRANTED,
            Decision::Refuse => result_code::REFUSED,
        };
        c.row.result_code = Some(code.to_string());
        c.row.concluded_at = Some(c.now);
        let base = NewEvent {
            actor: c.actor.clone(),
            actor_name: c.actor_name.clone(),
            department_id: c.department_id,
            from_status: Status::Handling.as_str().to_string(),
            to_status: Status::Concluded.as_str().to_string(),
            opinion: opinion.to_string(),
            ..NewEvent::default()
        };
        c.events.push(NewEvent {
            action: "decided".to_string(),
            data: json!({ "decision": d.as_str() }),
            ..base.clone()
        });
        c.events.push(NewEvent {
            action: "concluded".to_string(),
            data: json!({ "result_code": code }),
            ..base
        });
        c.milestones.push((
            format!("已办结（{}）", result_code::zh(code)),
            format!(
                "concluded ({})",
                if d == Decision::Grant {
                    "granted"
                } else {
                    "refused"
                }
            ),
        ));
        c.tasks = Some(Vec::new());
    }

    /// A material as stored: a file as is; a licence once the applicant's use of it is
    /// authorised for this case (免证办, 用证授权), named after its type.
    async fn attach(
        &self,
        tx: &mut Tx,
        row: &CaseRow,
        m: &NewMaterial,
        i: usize,
        by: &str,
    ) -> Result<NewMaterial> {
        let mut m = m.clone();
        if m.source == "licence" {
            let cert = self.keys.open(context::CERT, &row.applicant_cert_enc)?;
            m.file_name = self
                .licences
                .authorise_in(
                    tx,
                    &m.sha,
                    &cert,
                    &m.licence_type,
                    &row.case_no,
                    row.department_id,
                    &m.entry,
                    by,
                    &format!("materials[{i}].licence"),
                )
                .await?;
        }
        Ok(m)
    }

    /// A granted case whose item's result is a licence (出证办结) issues and seals it in the
    /// same transaction: type by the item's result name, holder the applicant, face fields
    /// from the form fields of the same keys. If the form lacks a face field, the case still
    /// concludes and an event asks for the licence to be issued by hand.
    async fn issue_result_licence(&self, c: &mut Change) -> Result<()> {
        let e = &c.info.elements;
        if e.result_type != "1" || e.result_name.trim().is_empty() {
            return Ok(());
        }
        let Some(t) = self.licences.type_by_name(e.result_name.trim()).await? else {
            return Ok(());
        };
        let holder_is_org = c.row.applicant_type != "1";
        if (t.holder_type == "org") != holder_is_org {
            return Ok(());
        }
        let cert = self.keys.open(context::CERT, &c.row.applicant_cert_enc)?;
        let form = self.form_fields_map(&c.row)?;
        let schema: Vec<yiwang_forms::FormField> =
            serde_json::from_str(&t.face_schema).unwrap_or_default();
        let face: Map<String, Value> = schema
            .iter()
            .filter_map(|f| form.get(&f.key).map(|v| (f.key.clone(), v.clone())))
            .collect();
        let input = yiwang_licences::IssueInput {
            type_code: t.code.clone(),
            holder_name: c.row.applicant_name.clone(),
            holder_code: cert.to_string(),
            face: Value::Object(face),
            issuer_department_id: c.row.department_id,
            case_no: Some(c.row.case_no.clone()),
            ..Default::default()
        };
        let sys = Ctx::system("cases");
        match self.licences.issue_in(&mut c.tx, &sys, &input).await {
            Ok(l) => {
                c.row.result_code = Some(result_code::ISSUED.to_string());
                c.events.push(NewEvent {
                    actor: "system:licences".into(),
                    actor_name: "系统".into(),
                    action: "licence_issued".into(),
                    from_status: Status::Concluded.as_str().into(),
                    to_status: Status::Concluded.as_str().into(),
                    data: json!({ "identifier": l.identifier, "type": t.name }),
                    ..NewEvent::default()
                });
                c.milestones.push((
                    format!("已签发电子证照：{}", t.name),
                    "licence issued".into(),
                ));
            }
            Err(err) if err.code == ErrorCode::Validation => {
                c.events.push(NewEvent {
                    actor: "system:licences".into(),
                    actor_name: "系统".into(),
                    action: "licence_pending".into(),
                    from_status: Status::Concluded.as_str().into(),
                    to_status: Status::Concluded.as_str().into(),
                    data: json!({ "type": t.name, "missing": err.fields.iter().map(|f| f.field.clone()).collect::<Vec<_>>() }),
                    ..NewEvent::default()
                });
            }
            Err(err) => return Err(err),
        }
        Ok(())
    }

    /// 特别程序: type `1` extends the time limit by `days` working days; type `2` (hearing,
    /// inspection, testing, expert review …) stops the clock until it ends.
    #[allow(clippy::too_many_arguments)]
    pub async fn start_special(
        &self,
        ctx: &Ctx,
        case_no: &str,
        expected: Option<i64>,
        special_type: &str,
        name: &str,
        reason: &str,
        days: i64,
    ) -> Result<CaseView> {
        let mut p = Problems::new();
        if special_type != "1" && special_type != "2" {
            p.push(FieldError::one_of("special_type", &["1", "2"]));
        }
        let name = p
            .take(text::optional("name", name, 100))
            .unwrap_or_default();
        let reason = p.take(text::required("reason", reason, 1000));
        if !(1..=60).contains(&days) {
            p.push(FieldError::range("days", 1, 60));
        }
        p.into_result()?;
        let reason = reason.unwrap_or_default();
        let c = self.begin(ctx, case_no, expected).await?;
        let mut c = self.require_handler(ctx, c).await?;
        if c.before != Status::Handling {
            return Err(invalid_state(
                format!("办件当前为“{}”，不能启动特别程序", c.before.zh()),
                format!(
                    "The case is {}; a special procedure cannot start",
                    c.before.en()
                ),
            ));
        }
        let pauses = repo::pauses(&mut c.tx, c.row.id).await?;
        if pauses.iter().any(|p| p.ended_at.is_none()) {
            return Err(invalid_state(
                "已有进行中的特别程序或补正",
                "A special procedure or a wait for supplements is already running",
            ));
        }
        let name = if name.is_empty() {
            if special_type == "1" {
                "延长审批"
            } else {
                "特别程序"
            }
            .to_string()
        } else {
            name
        };
        let data = json!({ "special_type": special_type, "name": name, "days": days });
        if special_type == "1" {
            c.row.extension_days += days;
            Self::step(&mut c, "extended", Status::Handling, &reason, data);
            Self::milestone(
                &mut c,
                format!("延长审批 {days} 个工作日"),
                format!("extended by {days} working days"),
            );
            // Recorded as a special procedure that started and ended at once (表7).
            repo::open_pause(
                &mut c.tx, c.row.id, "special", "1", &name, &reason, days, c.now, c.today, &c.actor,
            )
            .await?;
            let open = repo::pauses(&mut c.tx, c.row.id).await?;
            if let Some(last) = open.iter().rev().find(|p| p.ended_at.is_none()) {
                repo::close_pause(
                    &mut c.tx,
                    last.id,
                    c.now,
                    c.today,
                    &c.actor,
                    &format!("延长 {days} 个工作日"),
                    "",
                )
                .await?;
            }
        } else {
            Self::step(&mut c, "special_started", Status::Special, &reason, data);
            Self::milestone(
                &mut c,
                format!("{name}（计时暂停）"),
                "special procedure (clock stopped)",
            );
            c.open_pause = Some(NewPause {
                kind: "special",
                special_type: special_type.to_string(),
                name,
                reason: reason.clone(),
                expected_days: days,
            });
            c.tasks = Some(Vec::new());
        }
        c.audit = Some(("case.special", json!({ "special_type": special_type })));
        self.finish(ctx, c).await
    }

    /// Ends the running special procedure with its result; the workflow continues.
    pub async fn end_special(
        &self,
        ctx: &Ctx,
        case_no: &str,
        expected: Option<i64>,
        result: &str,
        opinion: &str,
    ) -> Result<CaseView> {
        let result = required_text("result", result, 1000)?;
        let opinion = optional_text("opinion", opinion, 1000)?;
        let c = self.begin(ctx, case_no, expected).await?;
        let mut c = self.require_handler(ctx, c).await?;
        if c.before != Status::Special {
            return Err(invalid_state(
                "没有进行中的特别程序",
                "No special procedure is running",
            ));
        }
        let pauses = repo::pauses(&mut c.tx, c.row.id).await?;
        let Some(open) = pauses
            .iter()
            .find(|p| p.kind == "special" && p.ended_at.is_none())
        else {
            return Err(Error::internal("special status without an open procedure"));
        };
        c.close_pause = Some(ClosePause {
            id: Some(open.id),
            result: result.clone(),
            opinion: opinion.clone(),
        });
        Self::step(
            &mut c,
            "special_ended",
            Status::Handling,
            &opinion,
            json!({ "result": result }),
        );
        Self::milestone(&mut c, "特别程序结束，继续办理", "special procedure ended");
        let inst = self.instance(&c.row)?;
        c.tasks = Some(flow::tasks(&c.info.definition, &inst));
        self.finish(ctx, c).await
    }

    /// Who may start and end special procedures: a case officer of the item's department, or
    /// an officer holding an active step of the case.
    async fn require_handler(&self, ctx: &Ctx, c: Change) -> Result<Change> {
        let division = Self::target_division(&c.row)?;
        let target = Target {
            department_id: Some(c.row.department_id),
            division: &division,
        };
        if ctx.actor.may_on(Permission::CaseHandle, target) {
            return Ok(c);
        }
        if let Some(s) = ctx.actor.staff()
            && ctx.actor.has(Permission::CaseHandle)
            && let Ok(inst) = self.instance(&c.row)
            && flow::tasks(&c.info.definition, &inst)
                .iter()
                .any(|t| t.officer_id == Some(s.user_id))
        {
            return Ok(c);
        }
        Err(self.refuse(ctx, c, "case.handle").await)
    }

    /// 送达: the result reaches the applicant (window pickup, mail with its tracking number,
    /// or electronically).
    pub async fn deliver(
        &self,
        ctx: &Ctx,
        case_no: &str,
        expected: Option<i64>,
        method: &str,
        reference: &str,
    ) -> Result<CaseView> {
        let Some(m) = DeliveryMethod::parse(method.trim()) else {
            return Err(Error::field(FieldError::one_of(
                "method",
                &["window", "mail", "electronic"],
            )));
        };
        let reference = if m == DeliveryMethod::Mail {
            let r = required_text("reference", reference, 50)?;
            if !r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                return Err(Error::field(FieldError::new(
                    "reference",
                    "tracking.format",
                    "快递单号只能包含字母、数字和连字符",
                    "A tracking number may contain only letters, digits and '-'",
                )));
            }
            r
        } else {
            optional_text("reference", reference, 50)?
        };
        let c = self.begin(ctx, case_no, expected).await?;
        let mut c = self.require_on(ctx, c, Permission::CaseReceive).await?;
        if c.before != Status::Concluded {
            return Err(invalid_state(
                format!("办件当前为“{}”，不能送达", c.before.zh()),
                format!("The case is {}; it cannot be delivered", c.before.en()),
            ));
        }
        c.row.delivery_method = Some(m.as_str().to_string());
        c.row.delivery_ref = reference.clone();
        c.row.delivered_at = Some(c.now);
        Self::step(
            &mut c,
            "delivered",
            Status::Delivered,
            "",
            json!({ "method": m.as_str(), "reference": reference }),
        );
        Self::milestone(
            &mut c,
            format!("已送达（{}）", m.zh()),
            format!("delivered ({})", m.as_str()),
        );
        c.audit = Some(("case.deliver", json!({ "method": m.as_str() })));
        self.finish(ctx, c).await
    }

    /// The applicant withdraws the application before the decision.
    pub async fn withdraw(
        &self,
        ctx: &Ctx,
        case_no: &str,
        expected: Option<i64>,
        reason: &str,
    ) -> Result<CaseView> {
        let reason = optional_text("reason", reason, 500)?;
        let mut c = self.begin(ctx, case_no, expected).await?;
        if !Self::owns(&ctx.actor, &c.row, true) {
            c.tx.rollback().await?;
            return Err(Error::not_found());
        }
        if !c.before.may_withdraw() {
            return Err(invalid_state(
                format!("办件当前为“{}”，已不能撤回", c.before.zh()),
                format!(
                    "The case is {}; it can no longer be withdrawn",
                    c.before.en()
                ),
            ));
        }
        let pauses = repo::pauses(&mut c.tx, c.row.id).await?;
        if let Some(open) = pauses.iter().find(|p| p.ended_at.is_none()) {
            c.close_pause = Some(ClosePause {
                id: Some(open.id),
                result: "申请人撤回".to_string(),
                opinion: String::new(),
            });
        }
        c.row.result_code = Some(result_code::VOID.to_string());
        c.row.concluded_at = Some(c.now);
        Self::step(&mut c, "withdrawn", Status::Withdrawn, &reason, json!({}));
        Self::milestone(&mut c, "申请人已撤回申请", "withdrawn");
        c.tasks = Some(Vec::new());
        self.finish(ctx, c).await
    }

    // ----- helpers -----

    pub(crate) fn form_fields_map(&self, row: &CaseRow) -> Result<Map<String, Value>> {
        let json = self.keys.open(context::FORM, &row.form_enc)?;
        match serde_json::from_str::<Value>(&json) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(Error::internal("stored form unreadable")),
        }
    }

    fn form_fields(&self, row: &CaseRow) -> Result<yiwang_workflow::Fields> {
        Ok(self.form_fields_map(row)?.into_iter().collect())
    }

    /// The stored workflow instance with its form fields put back.
    pub(crate) fn instance(&self, row: &CaseRow) -> Result<Instance> {
        let Some(f) = &row.flow else {
            return Err(invalid_state(
                "办件尚未受理",
                "The case is not accepted yet",
            ));
        };
        let mut inst: Instance = serde_json::from_str(f)
            .map_err(|e| Error::internal(format!("stored workflow unreadable: {e}")))?;
        inst.fields = self.form_fields(row)?;
        Ok(inst)
    }
}

struct NewCase {
    channel: &'static str,
    applicant_type: &'static str,
    name: String,
    cert_type: &'static str,
    cert: String,
    contact_name: String,
    phone: String,
    person_id: Option<i64>,
    org_id: Option<i64>,
    submitted_by: String,
    form: Map<String, Value>,
    idem_key: Option<String>,
}

pub(crate) fn actor_name(a: &Actor) -> String {
    match a {
        Actor::Staff(s) => s.name.clone(),
        Actor::Person(p) => yiwang_vault::mask_name(&p.name),
        Actor::Client(c) => c.name.clone(),
        Actor::System { task } => format!("系统（{task}）"),
        Actor::Anonymous => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn case_numbers_are_code_date_sequence() {
        let p = number_prefix("11440800MB2C91234X4442117008000", date!(2026 - 11 - 22));
        assert_eq!(p, "11440800MB2C91234X444211700800020261122");
        assert!(format!("{p}{:06}", MAX_SEQUENCE).len() <= 50 + 14);
        let long = number_prefix(&"A".repeat(60), date!(2026 - 01 - 02));
        assert_eq!(format!("{long}{:06}", 1).len(), 50);
    }

    #[test]
    fn phones() {
        assert_eq!(normalize_phone("138 0075 9001"), Some("13800759001".into()));
        assert_eq!(normalize_phone("0759-1234567"), Some("0759-1234567".into()));
        assert_eq!(normalize_phone("759-1234567"), None);
        assert_eq!(normalize_phone("12345"), None);
    }

    #[test]
    fn idempotency_keys() {
        assert!(idempotency_key("a-1_b.c:d").is_ok());
        assert!(idempotency_key("").is_err());
        assert!(idempotency_key("有").is_err());
        assert!(idempotency_key(&"a".repeat(101)).is_err());
    }
}

#[cfg(test)]
mod context_tests {
    /// The identity crate rewraps these columns after a key rotation by name; they must agree.
    #[test]
    fn sealed_contexts_are_the_ones_rotation_knows() {
        assert_eq!(super::context::CERT, "cases.applicant_cert");
        assert_eq!(super::context::PHONE, "cases.contact_phone");
        assert_eq!(super::context::FORM, "cases.form");
    }
}
