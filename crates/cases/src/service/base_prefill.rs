//! Prefills from the base libraries (数据代替材料): an application form field declared with a
//! base-library prefill (`Prefill::PersonAddress`, `OrgLegalRepresentative`, `OrgAddress`) is
//! filled by the server from the population or legal-person library record of the applicant
//! (online: their own ID number and the USCC of the enterprise they act for; at a window: the
//! applicant being served), so the applicant does not type — or prove with a material — what
//! the government already holds. The same facts, with their provenance, replace materials
//! (`data_materials`).
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
use crate::model::DataProvenance;

/// A fact a base library holds about an applicant, as a prefill, with where it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct BaseFact {
    pub prefill: Prefill,
    pub value: String,
    pub provenance: DataProvenance,
}

/// What the base libraries hold about an applicant.
pub trait BasePrefills: Send + Sync + std::fmt::Debug {
    /// The facts among `wanted` for the person with `id_number` and, if `uscc` is given, the
    /// enterprise (the caller established both are the applicant's: the signed-in person's
    /// own, or the applicant a window clerk serves).
    fn facts<'a>(
        &'a self,
        wanted: &'a [Prefill],
        id_number: Option<&'a str>,
        uscc: Option<&'a str>,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<BaseFact>>> + Send + 'a>>;
}

pub(crate) type Source = Option<Arc<dyn BasePrefills>>;

/// The prefills the base libraries answer.
pub const FROM_LIBRARIES: [Prefill; 3] = [
    Prefill::PersonAddress,
    Prefill::OrgLegalRepresentative,
    Prefill::OrgAddress,
];

/// The base-library prefills `fields` declare.
fn wanted_fills(fields: &[FormField]) -> Vec<Prefill> {
    let mut wanted: Vec<Prefill> = Vec::new();
    for p in fields
        .iter()
        .filter_map(|f| f.prefill)
        .filter(|p| FROM_LIBRARIES.contains(p))
    {
        if !wanted.contains(&p) {
            wanted.push(p);
        }
    }
    wanted
}

/// Facts as form prefills.
fn fills_of(facts: Vec<BaseFact>) -> Vec<(Prefill, String)> {
    facts.into_iter().map(|f| (f.prefill, f.value)).collect()
}

/// Whose records the libraries are asked about: a person's ID number, an enterprise's USCC.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Subject<'a> {
    pub id_number: Option<&'a str>,
    pub uscc: Option<&'a str>,
}

impl<'a> Subject<'a> {
    pub(crate) fn of(who: &'a ApplicantIdentity) -> Subject<'a> {
        Subject {
            id_number: Some(who.id_number.as_str()),
            uscc: who.org.as_ref().map(|o| o.uscc.as_str()),
        }
    }
}

impl CaseService {
    /// Prefills form fields (and replaces materials) from the base libraries through `source`.
    pub fn with_base_prefills(mut self, source: Arc<dyn BasePrefills>) -> Self {
        self.base = Some(source);
        self
    }

    /// The library facts among `wanted` for `subject` (none without a source or a wish).
    pub(crate) async fn library_facts(
        &self,
        subject: Subject<'_>,
        wanted: &[Prefill],
    ) -> Result<Vec<BaseFact>> {
        match &self.base {
            Some(s) if !wanted.is_empty() => s.facts(wanted, subject.id_number, subject.uscc).await,
            _ => Ok(Vec::new()),
        }
    }

    /// The base-library prefills `fields` declare for `subject` (empty without a source, and
    /// no library is read when the form declares none).
    pub(crate) async fn base_fills(
        &self,
        subject: Subject<'_>,
        fields: &[FormField],
    ) -> Result<Vec<(Prefill, String)>> {
        let facts = self.library_facts(subject, &wanted_fills(fields)).await?;
        Ok(fills_of(facts))
    }

    /// What the base libraries hold for `subject` that an application of an item with `fields`
    /// and `materials` uses: the form's prefills and the materials data replaces, from **one**
    /// read of the libraries (each read is an audited, durable transaction of its own, so the
    /// prefills and the replacements are not read apart). Empty without a source; no library
    /// is read when the item declares neither.
    pub(crate) async fn applicant_facts(
        &self,
        subject: Subject<'_>,
        fields: &[FormField],
        materials: &[yiwang_catalog::model::Material],
    ) -> Result<(
        Vec<(Prefill, String)>,
        Vec<super::data_materials::Replacement>,
    )> {
        let for_fills = wanted_fills(fields);
        let for_materials = super::data_materials::wanted_facts(materials);
        let mut wanted = for_fills.clone();
        for p in &for_materials {
            if !wanted.contains(p) {
                wanted.push(*p);
            }
        }
        let facts = self.library_facts(subject, &wanted).await?;
        let replaced = super::data_materials::replacements_of(materials, &facts);
        let fills = fills_of(
            facts
                .into_iter()
                .filter(|f| for_fills.contains(&f.prefill))
                .collect(),
        );
        Ok((fills, replaced))
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
        self.base_fills(Subject::of(&who), fields).await
    }
}
