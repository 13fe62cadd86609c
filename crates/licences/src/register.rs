//! The business licences Yiwang holds, read as a register of legal persons (identity's
//! [`LegalPersonRegister`]): who is the legal representative (法定代表人) of an enterprise on
//! record. A licence counts when it is held by the enterprise (`holder_type = org`), is valid
//! today, its seal holds, and its face names a `legal_representative` — the business licence
//! (营业执照) and any licence type defined with that face field. The legal-person base library
//! of data sharing will be a second register.

use std::future::Future;
use std::pin::Pin;

use yiwang_identity::{LegalPersonRegister, RegisteredLegalPerson};
use yiwang_kernel::Result;

use crate::repo;
use crate::service::{HOLDER_CONTEXT, LicenceService, Row};

/// How many of an enterprise's newest valid licences are looked at.
const LOOK_AT: i64 = 50;

/// [`LegalPersonRegister`] over the licence register.
#[derive(Clone)]
pub struct LicenceRegister {
    licences: LicenceService,
}

impl std::fmt::Debug for LicenceRegister {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LicenceRegister")
    }
}

impl LicenceRegister {
    pub fn new(licences: LicenceService) -> Self {
        LicenceRegister { licences }
    }
}

impl LicenceService {
    /// The enterprise and its legal representative as the newest valid, intact licence held by
    /// `uscc` that names one says.
    pub async fn legal_person_on_record(
        &self,
        uscc: &str,
    ) -> Result<Option<RegisteredLegalPerson>> {
        let idx = self.keys.blind_index(HOLDER_CONTEXT, uscc)?;
        let mut db = self.db.clone();
        let rows: Vec<Row> = repo::licences::valid_of_org(&mut db, &idx, LOOK_AT).await?;
        let today = self.today();
        for r in rows {
            if r.valid_to.is_some_and(|d| d < today) {
                continue;
            }
            let face: serde_json::Value = serde_json::from_str(&r.face).unwrap_or_default();
            let Some(rep) = face
                .get("legal_representative")
                .and_then(|v| v.as_str())
                .map(str::trim)
                .filter(|s| !s.is_empty())
            else {
                continue;
            };
            if !self.seal_holds(&mut db, &r).await? {
                tracing::warn!(identifier = %r.identifier, "licence seal does not hold; not used as a register entry");
                continue;
            }
            return Ok(Some(RegisteredLegalPerson {
                name: r.holder_name.clone(),
                legal_representative: rep.to_string(),
                source: format!("licence:{}", r.identifier),
            }));
        }
        Ok(None)
    }
}

impl LegalPersonRegister for LicenceRegister {
    fn find<'a>(
        &'a self,
        uscc: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<Option<RegisteredLegalPerson>>> + Send + 'a>> {
        Box::pin(self.licences.legal_person_on_record(uscc))
    }
}
