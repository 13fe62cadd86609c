//! What a bundle needs of an implementation item's published version ([`ItemSpec`]), and how
//! bundle definitions are found ([`BundleDefs`]): the bundles domain answers it from its
//! tables; the cases domain, which runs applications, only asks.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use yiwang_catalog::model::Elements;
use yiwang_kernel::Result;

use crate::model::{Bundle, ItemSpec};

/// The facts of an item's published version a bundle checks and counts. The promised limit
/// is in working days (`1`); calendar days (`2`) count as working days here (a bound used only
/// for the savings figure), hours as one day, months and years at 21 and 250 working days.
pub fn item_spec(code: &str, department_id: i64, e: &Elements) -> ItemSpec {
    let promised_days = if e.is_instant() {
        0
    } else {
        let n = e.promised_limit.max(0) as u32;
        match e.promised_unit.as_str() {
            "3" => n.min(1),
            "4" => n.saturating_mul(21),
            "5" => n.saturating_mul(250),
            _ => n,
        }
    };
    let person = e.service_objects.iter().any(|o| o == "1");
    let org = e.service_objects.iter().any(|o| o != "1");
    ItemSpec {
        code: code.to_string(),
        name: e.name.clone(),
        department_id,
        department_name: e.department_name.clone(),
        promised_days,
        form: e.form.clone(),
        materials: e
            .materials
            .iter()
            .map(|m| (m.key.clone(), m.name.clone(), m.required))
            .collect(),
        person_only: match (person, org) {
            (true, false) => Some(true),
            (false, true) => Some(false),
            _ => None,
        },
        online: e.applies_online(),
    }
}

/// A published version of a bundle (never changes).
#[derive(Debug, Clone, PartialEq)]
pub struct PublishedBundle {
    pub id: i64,
    pub code: String,
    pub version: i64,
    pub def: Bundle,
}

/// What [`BundleDefs`] answers.
pub type Found<'a> =
    Pin<Box<dyn Future<Output = Result<Option<Arc<PublishedBundle>>>> + Send + 'a>>;

/// Where the cases domain finds bundle definitions.
pub trait BundleDefs: Send + Sync + std::fmt::Debug {
    /// The current published version of `code`; `None` when unknown, retired or unpublished.
    fn published<'a>(&'a self, code: &'a str) -> Found<'a>;
    /// Version `version` of `code` once published (for the views of earlier applications).
    fn version<'a>(&'a self, code: &'a str, version: i64) -> Found<'a>;
}

/// Definitions held in memory: for tests, and for tools that check a definition file.
#[derive(Debug, Default, Clone)]
pub struct StaticDefs(pub Vec<Arc<PublishedBundle>>);

impl StaticDefs {
    /// Each definition as version 1 of a bundle numbered in order.
    pub fn of(defs: Vec<Bundle>) -> Self {
        StaticDefs(
            defs.into_iter()
                .enumerate()
                .map(|(i, def)| {
                    Arc::new(PublishedBundle {
                        id: i as i64 + 1,
                        code: def.code.clone(),
                        version: 1,
                        def,
                    })
                })
                .collect(),
        )
    }
}

impl BundleDefs for StaticDefs {
    fn published<'a>(&'a self, code: &'a str) -> Found<'a> {
        let found = self
            .0
            .iter()
            .filter(|b| b.code == code)
            .max_by_key(|b| b.version)
            .cloned();
        Box::pin(async move { Ok(found) })
    }

    fn version<'a>(&'a self, code: &'a str, version: i64) -> Found<'a> {
        let found = self
            .0
            .iter()
            .find(|b| b.code == code && b.version == version)
            .cloned();
        Box::pin(async move { Ok(found) })
    }
}
