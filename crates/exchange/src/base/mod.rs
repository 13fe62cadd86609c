//! Base libraries (基础库): the population (人口) and legal-person (法人) libraries, assembled
//! at read time from several published resources by their key (the citizen ID number, the
//! USCC).
//!
//! A library is defined as data ([`LibraryDef`]): which published resource (by classification
//! and name) feeds which attribute from which of its fields, each source with an authority rank
//! (1 = the authoritative register for that attribute), and the attribute's declared conflict
//! rule ([`Conflict`]): `authority` — the best-ranked source holding a value wins, the newest
//! of equal rank — or `newest` — the most recently valid value wins whatever its rank. Every
//! attribute of an assembled record carries its provenance (resource code, field, rank and the
//! time the value became valid) and the values it overruled.
//!
//! Nothing is copied: the library reads the sources' rows (current or "as of") through
//! `repo::rows`, so a library is always as fresh as its sources and keeps their history. The
//! reads are audited (`exchange.base.read`); see [`BaseLibraries::lookup`] for who may read.

mod read;
pub mod register;
pub mod sources;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

pub use read::{BaseLibraries, ensure_source, load_rows};
pub use register::BaseRegister;

/// A base library.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Library {
    /// 人口基础库, keyed by the citizen ID number.
    Population,
    /// 法人基础库, keyed by the unified social credit code.
    LegalPerson,
}

impl Library {
    pub fn code(self) -> &'static str {
        match self {
            Library::Population => "population",
            Library::LegalPerson => "legal_person",
        }
    }

    pub fn parse(s: &str) -> Option<Library> {
        match s.trim() {
            "population" => Some(Library::Population),
            "legal_person" => Some(Library::LegalPerson),
            _ => None,
        }
    }

    /// The library's definition.
    pub fn definition(self) -> &'static LibraryDef {
        match self {
            Library::Population => &sources::POPULATION,
            Library::LegalPerson => &sources::LEGAL_PERSON,
        }
    }
}

/// How an attribute's value is chosen when its sources disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Conflict {
    /// The best-ranked source holding a value wins; among equal ranks the newest.
    Authority,
    /// The value valid most recently wins, whatever its source's rank (ties: the better rank).
    Newest,
}

/// One source of an attribute: a field of a published resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    /// The resource's classification (前段码) …
    pub classification: &'static str,
    /// … and its name (信息资源名称): the published resource with both.
    pub resource: &'static str,
    /// The data item (field) holding the value.
    pub field: &'static str,
    /// 1 = the authoritative register for the attribute; larger is less authoritative.
    pub rank: u8,
}

/// One attribute of a library.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttributeDef {
    pub attribute: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub conflict: Conflict,
    pub sources: &'static [Source],
}

/// A library's definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LibraryDef {
    pub library: Library,
    pub zh: &'static str,
    pub en: &'static str,
    pub attributes: &'static [AttributeDef],
}

impl LibraryDef {
    /// The distinct source resources (classification, name), in first-mention order.
    pub fn resources(&self) -> Vec<(&'static str, &'static str)> {
        let mut out: Vec<(&'static str, &'static str)> = Vec::new();
        for a in self.attributes {
            for s in a.sources {
                if !out.contains(&(s.classification, s.resource)) {
                    out.push((s.classification, s.resource));
                }
            }
        }
        out
    }
}

/// Where a value comes from (来源).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Provenance {
    /// The source resource's code (前段码/后段码).
    pub resource: String,
    pub resource_name: String,
    pub field: String,
    pub rank: u8,
    /// When the value became valid in the source (its row version's valid-from).
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
}

/// A value a source holds that the conflict rule did not choose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Overruled {
    pub value: serde_json::Value,
    pub source: Provenance,
}

/// One attribute of an assembled record, with its provenance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BaseAttribute {
    pub attribute: String,
    pub value: serde_json::Value,
    pub source: Provenance,
    pub rule: Conflict,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overruled: Vec<Overruled>,
}

/// A record of a base library as assembled from its sources.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BaseRecord {
    pub library: Library,
    pub key: String,
    /// The time the record was read as of; absent for the current values.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub as_of: Option<OffsetDateTime>,
    pub attributes: Vec<BaseAttribute>,
}

impl BaseRecord {
    /// The chosen value of an attribute, as text (numbers and logical values written out).
    pub fn text(&self, attribute: &str) -> Option<String> {
        let a = self.attributes.iter().find(|a| a.attribute == attribute)?;
        match &a.value {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Null => None,
            v => Some(v.to_string()),
        }
    }

    pub fn attribute(&self, attribute: &str) -> Option<&BaseAttribute> {
        self.attributes.iter().find(|a| a.attribute == attribute)
    }
}

/// A source's value for one attribute, before the conflict rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub value: serde_json::Value,
    pub source: Provenance,
}

fn is_empty(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Null => true,
        serde_json::Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// Chooses an attribute's value among its sources' by the declared rule (pure). Empty values
/// (null, blank text) are no value. `None` when no source holds one.
pub fn choose(attr: &AttributeDef, candidates: Vec<Candidate>) -> Option<BaseAttribute> {
    let mut c: Vec<Candidate> = candidates
        .into_iter()
        .filter(|c| !is_empty(&c.value))
        .collect();
    match attr.conflict {
        Conflict::Authority => c.sort_by(|a, b| {
            a.source
                .rank
                .cmp(&b.source.rank)
                .then(b.source.since.cmp(&a.source.since))
        }),
        Conflict::Newest => c.sort_by(|a, b| {
            b.source
                .since
                .cmp(&a.source.since)
                .then(a.source.rank.cmp(&b.source.rank))
        }),
    }
    let mut it = c.into_iter();
    let first = it.next()?;
    let overruled = it
        .filter(|o| o.value != first.value)
        .map(|o| Overruled {
            value: o.value,
            source: o.source,
        })
        .collect();
    Some(BaseAttribute {
        attribute: attr.attribute.to_string(),
        value: first.value,
        source: first.source,
        rule: attr.conflict,
        overruled,
    })
}

#[cfg(test)]
mod tests;
