//! Licence types: defining one (the platform's catalog of types), listing them, finding one by name.

use super::{LicenceService, LicenceType};

use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::{Ctx, Permission};
use yiwang_kernel::{Error, FieldError, Result};

use crate::repo;

impl LicenceService {
    /// Defines (or updates) a licence type. The platform's catalog of types (`licence.manage`).
    pub async fn define_type(&self, ctx: &Ctx, t: &LicenceType) -> Result<LicenceType> {
        ctx.actor.require(Permission::LicenceManage)?;
        let mut errs = Vec::new();
        // The same rule as the catalog's materials (docs/standards/licences.md §7.2): a valid USCC + 3 digits.
        if !yiwang_catalog::rules::licence_type_ok(&t.code) {
            errs.push(FieldError::new(
                "code",
                "licence_type.code",
                "证照类型代码应为定义机构统一社会信用代码（18位，校验码正确）加 3 位数字（共 21 位）",
                "A type code is the defining body's USCC (18, with a correct check character) plus 3 digits (21)",
            ));
        }
        if let Err(e) = yiwang_kernel::text::required("name", &t.name, 100) {
            errs.push(e);
        }
        if t.holder_type != "person" && t.holder_type != "org" {
            errs.push(FieldError::one_of("holder_type", &["person", "org"]));
        }
        match serde_json::from_str::<Vec<yiwang_forms::FormField>>(&t.face_schema) {
            Ok(f) => errs.extend(
                yiwang_forms::check_definition(&f)
                    .into_iter()
                    .map(|e| e.within("face_schema")),
            ),
            Err(_) => errs.push(FieldError::new(
                "face_schema",
                "licence_type.face_schema",
                "照面信息应为表单字段定义（JSON 数组）",
                "The face schema must be a form definition (JSON array)",
            )),
        }
        if !(0..=100).contains(&t.validity_years) {
            errs.push(FieldError::range("validity_years", 0, 100));
        }
        if !errs.is_empty() {
            return Err(Error::validation(errs));
        }
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        repo::types::upsert(&mut tx, t, now).await?;
        record(
            &mut tx,
            &Entry::success(
                &ctx.actor,
                "licence.type.define",
                format!("licence_type:{}", t.code),
            )
            .source(&ctx.source),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(t.clone())
    }

    pub async fn types(&self) -> Result<Vec<LicenceType>> {
        let mut db = self.db.clone();
        repo::types::all(&mut db).await
    }

    pub async fn type_by_name(&self, name: &str) -> Result<Option<LicenceType>> {
        let mut db = self.db.clone();
        repo::types::by_name(&mut db, name).await
    }
}
