//! Submission: uploads and their tickets, online applications (with idempotency keys) and the
//! new case's row (window reception in `window`; the writing of new cases in `create`).

use serde_json::{Map, Value, json};
use time::Date;
use yiwang_catalog::model::Elements;
use yiwang_kernel::auth::{Actor, Ctx, Permission};
use yiwang_kernel::error::Problems;
use yiwang_kernel::{Error, ErrorCode, FieldError, Result};
use yiwang_vault::{mask_id_number, mask_phone};

use super::base_prefill::Subject;
use super::data_materials::Replacement;
use super::{CaseService, ItemInfo, context};
use crate::model::{Application, CaseView, MaterialRef, Status, Warning};
use crate::repo::{self, CaseRow, NewMaterial};
use crate::upload;

pub(crate) fn idempotency_key(raw: &str) -> Result<String> {
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

/// What an application asked for, as a digest kept with its idempotency key: the item, the
/// channel, the form (object keys in order) and the materials (entry, licence, and the uploaded
/// file's SM3 rather than its ticket, which a page issues anew when it re-uploads the file).
fn request_digest(input: &Application) -> String {
    let materials: Vec<Value> = input
        .materials
        .iter()
        .map(|m| {
            let ticket = m.ticket.trim();
            let file = upload::ticket_sha(ticket).unwrap_or_else(|| ticket.to_string());
            json!([m.entry.trim(), m.licence.trim(), file])
        })
        .collect();
    let v = json!({
        "item": input.item_code.trim(),
        "channel": input.channel.trim(),
        "form": sorted(&input.form),
        "materials": materials,
    });
    yiwang_files::Sm3Hex::of(v.to_string().as_bytes())
        .as_str()
        .to_string()
}

/// `v` with every object's keys in order, so the digest does not depend on how a client
/// orders them.
pub(crate) fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut pairs: Vec<(&String, &Value)> = m.iter().collect();
            pairs.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                pairs
                    .into_iter()
                    .map(|(k, v)| (k.clone(), sorted(v)))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
        x => x.clone(),
    }
}

/// A retry with the same idempotency key must ask for the same thing (`first` empty: a case
/// filed before digests were kept).
pub(crate) fn same_request(first: &str, digest: &str) -> Result<()> {
    if first.is_empty() || first == digest {
        return Ok(());
    }
    Err(Error::field(FieldError::new(
        "Idempotency-Key",
        "idempotency_key.reused",
        "该幂等键已用于另一份不同的申请；提交新的申请请使用新的幂等键",
        "This Idempotency-Key was used for a different application; use a new key for a new application",
    )))
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

    /// Checks the materials of an application against the item's checklist; `replaced` are
    /// the entries base-library data stands in for (数据代替材料), kept unless a file is given.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn check_materials(
        &self,
        owner: &str,
        e: &Elements,
        refs: &[MaterialRef],
        replaced: &[Replacement],
        already: i64,
        require_all: bool,
        source: &'static str,
        p: &mut Problems,
    ) -> Result<Vec<NewMaterial>> {
        let now = self.clock.now();
        let mut out: Vec<NewMaterial> = replaced
            .iter()
            .filter(|r| !refs.iter().any(|x| x.entry.trim() == r.entry))
            .map(Replacement::material)
            .collect();
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
                    provenance: None,
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
                    provenance: None,
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
    pub(crate) fn check_form(
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
        let digest = request_digest(input);
        if let Some(k) = &idem_key
            && let Some((row, first)) = repo::by_idem(&mut self.db.clone(), k).await?
        {
            same_request(&first, &digest)?;
            // Answered from a commit another request made: on disk before it is confirmed.
            self.db.durable().await?;
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
        let (library_fills, replaced) = self
            .applicant_facts(Subject::of(&who), &e.form, &e.materials)
            .await?;
        fills.extend(library_fills);
        let form = Self::check_form(e, &input.form, &fills, self.today(), &mut p);
        let materials = self.check_materials(
            &label,
            e,
            &input.materials,
            &replaced,
            0,
            true,
            "application",
            &mut p,
        )?;
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
        self.create(ctx, row, shown, materials, "submitted", &digest)
            .await
    }

    pub(crate) fn new_row(&self, info: &ItemInfo, n: NewCase) -> Result<CaseRow> {
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
            bundle_no: None,
        })
    }
}

pub(crate) struct NewCase {
    pub channel: &'static str,
    pub applicant_type: &'static str,
    pub name: String,
    pub cert_type: &'static str,
    pub cert: String,
    pub contact_name: String,
    pub phone: String,
    pub person_id: Option<i64>,
    pub org_id: Option<i64>,
    pub submitted_by: String,
    pub form: Map<String, Value>,
    pub idem_key: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones() {
        assert_eq!(normalize_phone("138 0075 9001"), Some("13800759001".into()));
        assert_eq!(normalize_phone("0759-1234567"), Some("0759-1234567".into()));
        assert_eq!(normalize_phone("759-1234567"), None);
        assert_eq!(normalize_phone("12345"), None);
    }

    #[test]
    fn request_digests_ignore_key_order_and_ticket_renewal() {
        let a = Application {
            item_code: "X1".into(),
            form: json!({"a": 1, "b": {"y": 2, "x": 3}}),
            materials: Vec::new(),
            channel: String::new(),
        };
        let mut b = a.clone();
        b.form = serde_json::from_str(r#"{"b": {"x": 3, "y": 2}, "a": 1}"#).unwrap_or_default();
        assert_eq!(request_digest(&a), request_digest(&b));
        b.form = json!({"a": 2, "b": {"y": 2, "x": 3}});
        assert_ne!(request_digest(&a), request_digest(&b));
        assert!(same_request("", "x").is_ok());
        assert!(same_request("x", "x").is_ok());
        assert!(same_request("x", "y").is_err());
    }

    #[test]
    fn idempotency_keys() {
        assert!(idempotency_key("a-1_b.c:d").is_ok());
        assert!(idempotency_key("").is_err());
        assert!(idempotency_key("有").is_err());
        assert!(idempotency_key(&"a".repeat(101)).is_err());
    }
}
