//! Issuing and sealing a licence, by staff or inside a concluding case's transaction.

use super::{
    HOLDER_CONTEXT, IssueInput, Licence, LicenceService, LicenceType, numbers_as_text,
    signed_document,
};

use serde_json::{Map, Value, json};
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::{Actor, Ctx, Permission, Target};
use yiwang_kernel::{Error, ErrorCode, FieldError, Result};
use yiwang_org::service::department_in;
use yiwang_store::Tx;

use crate::identifier::Identifier;
use crate::notice::{NoticeKind, notify};
use crate::repo;

impl LicenceService {
    /// Issues and seals a licence. Staff need `licence.issue` over the issuing department;
    /// the platform itself issues when a case concludes with a grant.
    pub async fn issue(&self, ctx: &Ctx, input: &IssueInput) -> Result<Licence> {
        let mut tx = self.db.write().await?;
        let l = self.issue_in(&mut tx, ctx, input).await?;
        tx.commit().await?;
        Ok(l)
    }

    /// [`Self::issue`] inside the caller's transaction (so a concluded case and its licence
    /// commit together).
    pub async fn issue_in(&self, tx: &mut Tx, ctx: &Ctx, input: &IssueInput) -> Result<Licence> {
        let department = department_in(tx, input.issuer_department_id)
            .await?
            .ok_or_else(|| {
                Error::field(FieldError::new(
                    "issuer_department_id",
                    "department.unknown",
                    "发证部门不存在",
                    "No such issuing department",
                ))
            })?;
        let dept_name = department.name;
        let dept_uscc = department.uscc.as_str().to_string();
        let division = department.division_code;
        if !matches!(ctx.actor, Actor::System { .. }) {
            ctx.actor.require_on(
                Permission::LicenceIssue,
                Target {
                    department_id: Some(input.issuer_department_id),
                    division: &division,
                },
            )?;
        }
        let t: LicenceType = repo::types::by_code(tx, input.type_code.as_str())
            .await?
            .ok_or_else(|| {
                Error::field(FieldError::new(
                    "type_code",
                    "licence_type.unknown",
                    "证照类型不存在",
                    "No such licence type",
                ))
            })?;
        let today = self.today();
        let mut errs = Vec::new();
        let holder_code = if t.holder_type == "person" {
            yiwang_kernel::codes::IdNumber::parse(&input.holder_code, today)
                .map(|i| i.as_str().to_string())
                .map_err(|e| errs.push(e.within("holder_code")))
                .ok()
        } else {
            yiwang_kernel::codes::Uscc::parse(&input.holder_code)
                .map(|u| u.as_str().to_string())
                .map_err(|e| errs.push(e.within("holder_code")))
                .ok()
        };
        let holder_name = yiwang_kernel::text::required("holder_name", &input.holder_name, 100)
            .map_err(|e| errs.push(e))
            .ok();
        let schema: Vec<yiwang_forms::FormField> =
            serde_json::from_str(&t.face_schema).unwrap_or_default();
        let face = match yiwang_forms::validate_on(&schema, &input.face, today) {
            Ok(m) => m,
            Err(es) => {
                errs.extend(es.into_iter().map(|e| e.within("face")));
                Map::new()
            }
        };
        if !errs.is_empty() {
            return Err(Error::validation(errs));
        }
        let (Some(holder_code), Some(holder_name)) = (holder_code, holder_name) else {
            return Err(Error::new(ErrorCode::Validation));
        };
        let now = self.clock.now();
        let (kid, key) = self.seal_key(tx, input.issuer_department_id).await?;
        let seq = repo::licences::next_serial(
            tx,
            &format!("{}:{}", input.issuer_department_id, today.year()),
        )
        .await?;
        let serial = format!("{:04}{:010}", today.year(), seq);
        let (version, previous) = match &input.previous_identifier {
            Some(p) => {
                let prev = repo::licences::id_of(tx, p.as_str()).await?;
                let Some((_, prev)) = prev else {
                    return Err(Error::field(FieldError::new(
                        "previous_identifier",
                        "licence.unknown",
                        "被换发的证照不存在",
                        "The licence to renew does not exist",
                    )));
                };
                (2, Some(prev))
            }
            None => (1, None),
        };
        let id = Identifier::new(&t.code, &dept_uscc, &serial, version).map_err(Error::field)?;
        let identifier = id.to_string();
        let number = if input.number.trim().is_empty() {
            format!("{}{}", &dept_uscc[..dept_uscc.len().min(8)], serial)
        } else {
            input.number.trim().to_string()
        };
        let valid_to = if t.validity_years > 0 {
            today
                .replace_year(today.year() + i32::try_from(t.validity_years).unwrap_or(0))
                .ok()
        } else {
            None
        };
        // Amounts are kept as text on the face (the canonical form has integers only).
        let face = numbers_as_text(Value::Object(face));
        let doc = signed_document(
            &identifier,
            &t.code,
            &number,
            &t.holder_type,
            &holder_name,
            &holder_code,
            &dept_name,
            &dept_uscc,
            today,
            today,
            valid_to,
            &face,
            previous.as_deref(),
        );
        let bytes = crate::canonical(&doc).map_err(|e| Error::internal(e.0))?;
        let signature = hex::encode(key.sign(&bytes));
        let mask = if t.holder_type == "person" {
            yiwang_vault::mask_id_number(&holder_code)
        } else {
            holder_code.clone()
        };
        let lid = repo::licences::insert(
            tx,
            repo::licences::NewLicence {
                identifier: &identifier,
                type_code: &t.code,
                number: &number,
                holder_type: &t.holder_type,
                holder_name: &holder_name,
                holder_code_enc: self.keys.seal(HOLDER_CONTEXT, &holder_code)?,
                holder_code_idx: self.keys.blind_index(HOLDER_CONTEXT, &holder_code)?,
                holder_code_mask: &mask,
                issuer_department_id: input.issuer_department_id,
                issuer_name: &dept_name,
                issuer_uscc: &dept_uscc,
                issue_date: today,
                valid_to,
                face: face.to_string(),
                previous_identifier: previous.clone(),
                case_no: input.case_no.clone(),
                seal_key_id: &kid,
                signature: &signature,
                sealed_at: now,
            },
        )
        .await?;
        if let Some(p) = &previous {
            repo::licences::revoke_renewed(tx, p, &format!("已换发：{identifier}"), now).await?;
        }
        let (kind, why) = match &previous {
            Some(p) => (NoticeKind::Renewed, p.as_str()),
            None => (NoticeKind::Issued, ""),
        };
        notify(tx, lid, kind, why, now).await?;
        self.event(
            tx,
            lid,
            &ctx.actor.label(),
            "issued",
            "",
            input.case_no.as_deref(),
            json!({}),
        )
        .await?;
        record(
            tx,
            &Entry::success(&ctx.actor, "licence.issue", format!("licence:{identifier}"))
                .source(&ctx.source)
                .data(json!({ "type": t.code, "case": input.case_no })),
            now,
        )
        .await?;
        Ok(Licence {
            identifier,
            type_code: t.code,
            type_name: t.name,
            number,
            holder_type: t.holder_type,
            holder_name,
            holder_code: mask,
            issuer_name: dept_name,
            issuer_uscc: dept_uscc,
            issue_date: today,
            valid_from: today,
            valid_to,
            face,
            status: "valid".to_string(),
            status_reason: String::new(),
            previous_identifier: previous,
            case_no: input.case_no.clone(),
            seal_key_id: kid,
            signature,
            sealed_at: now,
        })
    }
}
