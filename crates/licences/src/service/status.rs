//! Public verification of a licence, its status changes (suspend, reinstate, revoke) and the
//! published status list.

use super::{Licence, LicenceService, Verification};

use serde_json::json;
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::{Ctx, Permission, Target};
use yiwang_kernel::{Error, ErrorCode, FieldError, Result};
use yiwang_org::service::department_in;

use crate::notice::{NoticeKind, notify};
use crate::repo;

impl LicenceService {
    /// Public verification (the QR code's page): valid / suspended / revoked / expired /
    /// tampered, who sealed it and when. No holder numbers.
    pub async fn verify(&self, identifier: &str) -> Result<Verification> {
        let mut db = self.db.clone();
        // One read: the row (its status as of now, whoever changed it), the seal key, the type.
        let found = repo::licences::for_verify(&mut db, identifier.trim()).await?;
        let Some(repo::licences::VerifyRow {
            row: r,
            public_key,
            type_name,
        }) = found
        else {
            return Ok(Verification {
                identifier: identifier.trim().to_string(),
                verdict: "unknown".into(),
                verdict_zh: "未找到该证照".into(),
                type_name: String::new(),
                holder_name: String::new(),
                issuer_name: String::new(),
                seal_key_id: String::new(),
                sealed_at: None,
                valid_to: None,
                copy: None,
            });
        };
        let intact = self.seal_check(&r, public_key.as_deref());
        let (verdict, zh) = if !intact {
            ("tampered", "证照数据与签章不符（已被篡改）")
        } else if r.status == "revoked" {
            ("revoked", "已注销")
        } else if r.status == "suspended" {
            ("suspended", "已暂停使用")
        } else if r.valid_to.is_some_and(|d| d < self.today()) {
            ("expired", "已过期")
        } else {
            ("valid", "有效")
        };
        Ok(Verification {
            identifier: r.identifier.clone(),
            verdict: verdict.into(),
            verdict_zh: zh.into(),
            type_name: type_name.unwrap_or_default(),
            holder_name: yiwang_vault::mask_name(&r.holder_name),
            issuer_name: r.issuer_name,
            seal_key_id: r.seal_key_id,
            sealed_at: Some(r.sealed_at),
            valid_to: r.valid_to,
            copy: None,
        })
    }

    /// Suspends, reinstates or revokes a licence (`licence.issue` over its issuer).
    pub async fn set_status(
        &self,
        ctx: &Ctx,
        identifier: &str,
        status: &str,
        reason: &str,
    ) -> Result<Licence> {
        let reason = yiwang_kernel::text::required("reason", reason, 500).map_err(Error::field)?;
        let (target, action, kind) = match status {
            "suspended" => ("suspended", "suspended", NoticeKind::Suspended),
            "valid" => ("valid", "reinstated", NoticeKind::Reinstated),
            "revoked" => ("revoked", "revoked", NoticeKind::Revoked),
            _ => {
                return Err(Error::field(FieldError::one_of(
                    "status",
                    &["suspended", "valid", "revoked"],
                )));
            }
        };
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        let Some(r) = self.row(&mut tx, identifier).await? else {
            return Err(Error::not_found());
        };
        let division = department_in(&mut tx, r.issuer_department_id)
            .await?
            .ok_or_else(|| Error::internal("licence without its issuing department"))?
            .division_code;
        ctx.actor.require_on(
            Permission::LicenceIssue,
            Target {
                department_id: Some(r.issuer_department_id),
                division: &division,
            },
        )?;
        if r.status == "revoked" {
            return Err(Error::new(ErrorCode::InvalidState)
                .with_detail("证照已注销", "The licence is revoked"));
        }
        if !repo::licences::set_status(&mut tx, r.id, r.revision, target, &reason, now).await? {
            return Err(Error::new(ErrorCode::Conflict));
        }
        notify(&mut tx, r.id, kind, &reason, now).await?;
        self.event(
            &mut tx,
            r.id,
            &ctx.actor.label(),
            action,
            &reason,
            None,
            json!({}),
        )
        .await?;
        record(
            &mut tx,
            &Entry::success(
                &ctx.actor,
                "licence.status",
                format!("licence:{}", r.identifier),
            )
            .source(&ctx.source)
            .data(json!({ "status": target })),
            now,
        )
        .await?;
        tx.commit().await?;
        self.licence_view(&r.identifier).await
    }
    /// The revocation status list: every suspended or revoked identifier (published).
    pub async fn status_list(&self) -> Result<Vec<(String, String)>> {
        let mut db = self.db.clone();
        repo::licences::status_list(&mut db).await
    }
}
