//! Data instead of materials (数据代替材料): a material of an item may be declared replaceable by
//! a base library (`Material::replaced_by`: `population` — the applicant's registered address
//! in the population library, e.g. for 户口簿 or a residence certificate —, `legal_person` —
//! the enterprise's registration in the legal-person library, e.g. for 营业执照). When the
//! library holds the applicant's record, the material is not asked for: the application page
//! says so instead of offering an upload, and the case records, in place of the file, the fact
//! used with its provenance (source resource, data item, valid since) — never the value. When
//! the library lacks the record, the material is asked for as before. The rule is decided here
//! once, for online applications (the signed-in applicant) and window reception (the applicant
//! served); pages only show it.

use serde::Serialize;
use yiwang_catalog::model::{DATA_REPLACEMENTS, Material};
use yiwang_forms::Prefill;
use yiwang_kernel::Result;
use yiwang_kernel::auth::Ctx;

use super::CaseService;
use super::base_prefill::{BaseFact, Subject};
use crate::model::DataProvenance;
use crate::repo::NewMaterial;

/// The `source` of a case material replaced by base-library data.
pub const DATA_SOURCE: &str = "data";

/// The library fact that proves a material declared replaceable by `library`.
fn fact_of(library: &str) -> Option<Prefill> {
    match library.trim() {
        "population" => Some(Prefill::PersonAddress),
        "legal_person" => Some(Prefill::OrgLegalRepresentative),
        _ => None,
    }
}

/// The library facts that would replace some of `materials`.
pub(crate) fn wanted_facts(materials: &[Material]) -> Vec<Prefill> {
    let mut wanted: Vec<Prefill> = Vec::new();
    for p in materials.iter().filter_map(|m| fact_of(&m.replaced_by)) {
        if !wanted.contains(&p) {
            wanted.push(p);
        }
    }
    wanted
}

/// The materials among `materials` that `facts` replace.
pub(crate) fn replacements_of(materials: &[Material], facts: &[BaseFact]) -> Vec<Replacement> {
    materials
        .iter()
        .filter_map(|m| {
            let library = m.replaced_by.trim();
            let p = fact_of(library)?;
            let f = facts.iter().find(|f| f.prefill == p)?;
            let (_, zh, en) = DATA_REPLACEMENTS.iter().find(|(c, _, _)| *c == library)?;
            Some(Replacement {
                entry: m.key.clone(),
                entry_name: m.name.clone(),
                zh: format!("已由{zh}数据代替"),
                en: format!("replaced by {en} data"),
                provenance: DataProvenance {
                    library: library.to_string(),
                    ..f.provenance.clone()
                },
            })
        })
        .collect()
}

/// A material a base library's record replaces for this applicant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Replacement {
    /// The checklist entry's key and name.
    pub entry: String,
    pub entry_name: String,
    /// What the page says instead of asking (`已由人口库数据代替`).
    pub zh: String,
    pub en: String,
    pub provenance: DataProvenance,
}

impl Replacement {
    /// The case material recorded in place of the file.
    pub(crate) fn material(&self) -> NewMaterial {
        let p = &self.provenance;
        NewMaterial {
            entry: self.entry.clone(),
            entry_name: self.entry_name.clone(),
            file_name: format!("{}（{} {}）", self.zh, p.resource, p.resource_name),
            sha: String::new(),
            media_type: DATA_SOURCE.to_string(),
            size: 0,
            source: DATA_SOURCE,
            licence_type: String::new(),
            provenance: Some(p.clone()),
        }
    }
}

impl CaseService {
    /// The materials among `materials` that the base libraries replace for `subject`.
    pub(crate) async fn replacements(
        &self,
        subject: Subject<'_>,
        materials: &[Material],
    ) -> Result<Vec<Replacement>> {
        let facts = self
            .library_facts(subject, &wanted_facts(materials))
            .await?;
        Ok(replacements_of(materials, &facts))
    }

    /// The materials the base libraries replace for the signed-in applicant (the application
    /// page shows them instead of upload inputs).
    pub async fn replaced_materials(
        &self,
        ctx: &Ctx,
        materials: &[Material],
    ) -> Result<Vec<Replacement>> {
        if self.base.is_none() || !materials.iter().any(|m| fact_of(&m.replaced_by).is_some()) {
            return Ok(Vec::new());
        }
        let who = self.identity.applicant(ctx).await?;
        self.replacements(Subject::of(&who), materials).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_declared_library_has_a_fact() {
        for (code, _, _) in DATA_REPLACEMENTS {
            assert!(fact_of(code).is_some(), "{code}");
        }
        assert_eq!(fact_of("credit"), None);
        assert_eq!(fact_of(""), None);
    }
}
