//! Prefills from the base libraries (数据代替材料): an application form field declared with a
//! base-library prefill (`Prefill::PersonAddress`, `OrgLegalRepresentative`, `OrgAddress`) is
//! filled by the server from the population or legal-person library record of the signed-in
//! applicant (their own ID number, the USCC of the enterprise they act for), so the applicant
//! does not type — or prove with a material — what the government already holds.
//!
//! The libraries live in the exchange domain; the platform wires a [`BasePrefills`] in
//! (`web::services`), as identity's legal-person register is wired. Without one, nothing is
//! prefilled from them.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use yiwang_forms::{FormField, Prefill};
use yiwang_identity::people::ApplicantIdentity;
use yiwang_kernel::Result;
use yiwang_kernel::auth::Ctx;

use super::CaseService;

/// What the base libraries hold about an applicant, as prefills.
pub trait BasePrefills: Send + Sync + std::fmt::Debug {
    /// The prefills among `wanted` for the person with `id_number` acting, if `uscc` is
    /// given, for that enterprise (the caller established both are the signed-in applicant's
    /// own).
    fn prefills<'a>(
        &'a self,
        wanted: &'a [Prefill],
        id_number: &'a str,
        uscc: Option<&'a str>,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<(Prefill, String)>>> + Send + 'a>>;
}

pub(crate) type Source = Option<Arc<dyn BasePrefills>>;

/// The prefills the base libraries answer.
pub const FROM_LIBRARIES: [Prefill; 3] = [
    Prefill::PersonAddress,
    Prefill::OrgLegalRepresentative,
    Prefill::OrgAddress,
];

impl CaseService {
    /// Prefills form fields from the base libraries through `source`.
    pub fn with_base_prefills(mut self, source: Arc<dyn BasePrefills>) -> Self {
        self.base = Some(source);
        self
    }

    /// The base-library prefills `fields` declare for an applicant (empty without a source,
    /// and no library is read when the form declares none).
    pub(crate) async fn base_fills(
        &self,
        who: &ApplicantIdentity,
        fields: &[FormField],
    ) -> Result<Vec<(Prefill, String)>> {
        let wanted: Vec<Prefill> = fields
            .iter()
            .filter_map(|f| f.prefill)
            .filter(|p| FROM_LIBRARIES.contains(p))
            .collect();
        match &self.base {
            Some(s) if !wanted.is_empty() => {
                let uscc = who.org.as_ref().map(|o| o.uscc.as_str());
                s.prefills(&wanted, &who.id_number, uscc).await
            }
            _ => Ok(Vec::new()),
        }
    }

    /// The base-library prefills `fields` declare for the signed-in applicant, for the
    /// application page (the values the server will fill, shown read-only).
    pub async fn base_prefills(
        &self,
        ctx: &Ctx,
        fields: &[FormField],
    ) -> Result<Vec<(Prefill, String)>> {
        if self.base.is_none()
            || !fields
                .iter()
                .any(|f| f.prefill.is_some_and(|p| FROM_LIBRARIES.contains(&p)))
        {
            return Ok(Vec::new());
        }
        let who = self.identity.applicant(ctx).await?;
        self.base_fills(&who, fields).await
    }
}
