//! What everyone sees: the published bundles (主题服务) with their parts, the search, one
//! bundle's current published version (cached per version: published versions never change;
//! which one is current is one indexed read), the items' facts a bundle checks and counts, the
//! plan of an application under a set of answers, and [`BundleDefs`] for the cases domain.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use yiwang_forms::FormField;
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::{Error, Result};

use super::{BundleService, parse_doc};
use crate::lifecycle;
use crate::model::{Bundle, ItemSpec};
use crate::repo;
use crate::rules::{self, Plan, Savings};
use crate::spec::{BundleDefs, Found, PublishedBundle, item_spec};

/// A published bundle as the list of 主题服务 shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BundleSummary {
    pub code: String,
    pub version: i64,
    pub name: String,
    pub name_en: String,
    pub theme: String,
    pub summary: String,
    /// The bundle's promised working days, and the sum of its items' promised days (as if
    /// applied for one by one).
    pub promised_days: u32,
    pub items_days: u32,
    pub parts: Vec<PartSummary>,
}

/// A published bundle's guide: its summary and its whole definition (the questions, the
/// merged form, the materials, the parts).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BundleGuide {
    pub summary: BundleSummary,
    pub def: Bundle,
    /// What the bundle saves when every part applies (the most it saves).
    pub savings: Savings,
    /// For each part (by key), the names of the parts it waits for.
    pub waits_for: Vec<(String, Vec<String>)>,
}

/// One part of a published bundle.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PartSummary {
    pub key: String,
    /// The part's name, else its item's.
    pub name: String,
    pub item: String,
    pub department_name: String,
    pub promised_days: u32,
    /// Applies only under some answers (情形).
    pub conditional: bool,
}

/// What an application under a set of answers asks and does: the public guide's plan.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlanView {
    pub code: String,
    pub version: i64,
    pub name: String,
    pub plan: Plan,
    /// The merged form's fields the plan asks, in order.
    pub fields: Vec<FormField>,
    pub materials: Vec<MaterialView>,
    pub parts: Vec<PlannedPart>,
    /// Names of the parts the answers leave out.
    pub dropped: Vec<String>,
    pub savings: Savings,
}

/// A bundle material the plan asks, once.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MaterialView {
    pub key: String,
    pub name: String,
    pub notes: String,
    pub required: bool,
    /// The electronic licence type that may replace it (免证办); empty: none.
    pub licence_type: String,
    /// Names of the parts it is attached to.
    pub parts: Vec<String>,
}

/// A part the plan applies for.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlannedPart {
    pub key: String,
    pub name: String,
    pub item: String,
    pub department_id: i64,
    pub department_name: String,
    pub promised_days: u32,
    /// Names of the parts whose result it waits for.
    pub waits_for: Vec<String>,
}

fn part_name(p: &crate::model::Part, items: &HashMap<String, ItemSpec>) -> String {
    if !p.name.trim().is_empty() {
        return p.name.clone();
    }
    items
        .get(&p.item)
        .map(|i| i.name.clone())
        .unwrap_or_else(|| p.item.clone())
}

/// Whether every query term occurs in the bundle's searched text (name, theme, keywords,
/// summary, part names): the item search's rule for two-character Chinese words.
pub fn matches(terms: &[String], s: &BundleSummary, keywords: &str) -> bool {
    let mut fields = vec![
        s.name.clone(),
        s.name_en.clone(),
        s.theme.clone(),
        keywords.to_string(),
        s.summary.clone(),
    ];
    fields.extend(s.parts.iter().map(|p| p.name.clone()));
    let text = yiwang_catalog::search::normalize(&fields.join("\u{1f}"));
    !terms.is_empty() && terms.iter().all(|t| text.contains(t.as_str()))
}

impl BundleService {
    /// The current published version of `code`; `None` when unknown, never published or
    /// retired.
    pub async fn published(&self, code: &str) -> Result<Option<Arc<PublishedBundle>>> {
        let mut c = self.db.clone();
        let Some(row) = repo::bundle_by_code(&mut c, code).await? else {
            return Ok(None);
        };
        match row.published_version {
            Some(no) if row.status == lifecycle::PUBLISHED => {
                self.frozen(&row.code, row.id, no).await
            }
            _ => Ok(None),
        }
    }

    /// Version `no` of `code` once published (also superseded or retired), from the cache.
    async fn frozen(&self, code: &str, id: i64, no: i64) -> Result<Option<Arc<PublishedBundle>>> {
        let key = (code.to_string(), no);
        if let Ok(g) = self.published.read()
            && let Some(b) = g.get(&key)
        {
            return Ok(Some(b.clone()));
        }
        let mut c = self.db.clone();
        let Some(v) = repo::version(&mut c, id, no).await? else {
            return Ok(None);
        };
        if !lifecycle::frozen(&v.status) {
            return Ok(None);
        }
        let b = Arc::new(PublishedBundle {
            id,
            code: code.to_string(),
            version: no,
            def: parse_doc(&v.doc)?,
        });
        if let Ok(mut g) = self.published.write() {
            g.insert(key, b.clone());
        }
        Ok(Some(b))
    }

    /// Version `no` of `code` if it was ever published.
    pub async fn published_version(
        &self,
        code: &str,
        no: i64,
    ) -> Result<Option<Arc<PublishedBundle>>> {
        let mut c = self.db.clone();
        let Some(row) = repo::bundle_by_code(&mut c, code).await? else {
            return Ok(None);
        };
        self.frozen(&row.code, row.id, no).await
    }

    /// The facts of the items a definition combines, from their current published versions
    /// (cached per item version); an item not published is absent.
    pub async fn item_specs(&self, b: &Bundle) -> Result<HashMap<String, ItemSpec>> {
        let mut out = HashMap::new();
        for p in &b.parts {
            if out.contains_key(&p.item) || p.item.trim().is_empty() {
                continue;
            }
            if let Some(s) = self.item_spec(&p.item).await? {
                out.insert(p.item.clone(), s);
            }
        }
        Ok(out)
    }

    async fn item_spec(&self, code: &str) -> Result<Option<ItemSpec>> {
        let Some(no) = self.catalog.published_version_no(code).await? else {
            return Ok(None);
        };
        let key = (code.to_string(), no);
        if let Ok(g) = self.specs.read()
            && let Some(s) = g.get(&key)
        {
            return Ok(Some(s.clone()));
        }
        let item = match self.catalog.item(&Ctx::anonymous(), code).await {
            Ok(i) => i,
            Err(e) if e.code == yiwang_kernel::ErrorCode::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let Some(v) = item.published.as_ref() else {
            return Ok(None);
        };
        let s = item_spec(&item.code, item.department_id, &v.elements);
        if let Ok(mut g) = self.specs.write() {
            g.insert((code.to_string(), v.version_no), s.clone());
        }
        Ok(Some(s))
    }

    fn summary(p: &PublishedBundle, items: &HashMap<String, ItemSpec>) -> BundleSummary {
        let b = &p.def;
        let parts: Vec<PartSummary> = b
            .parts
            .iter()
            .map(|x| {
                let i = items.get(&x.item);
                PartSummary {
                    key: x.key.clone(),
                    name: part_name(x, items),
                    item: x.item.clone(),
                    department_name: i.map(|i| i.department_name.clone()).unwrap_or_default(),
                    promised_days: i.map(|i| i.promised_days).unwrap_or(0),
                    conditional: x.when.is_some(),
                }
            })
            .collect();
        BundleSummary {
            code: p.code.clone(),
            version: p.version,
            name: b.name.clone(),
            name_en: b.name_en.clone(),
            theme: b.theme.clone(),
            summary: b.summary.clone(),
            promised_days: b.promised_days,
            items_days: parts.iter().map(|x| x.promised_days).sum(),
            parts,
        }
    }

    /// Every published bundle with its parts' items and departments (public), by theme and
    /// code.
    pub async fn published_list(&self) -> Result<Vec<BundleSummary>> {
        Ok(self
            .published_all()
            .await?
            .into_iter()
            .map(|(s, _)| s)
            .collect())
    }

    async fn published_all(&self) -> Result<Vec<(BundleSummary, String)>> {
        let mut c = self.db.clone();
        let rows = repo::published(&mut c).await?;
        let mut out = Vec::with_capacity(rows.len());
        for (code, v) in rows {
            let Some(p) = self.frozen(&code, v.bundle_id, v.version_no).await? else {
                continue;
            };
            let items = self.item_specs(&p.def).await?;
            out.push((Self::summary(&p, &items), p.def.keywords.clone()));
        }
        out.sort_by(|a, b| (&a.0.theme, &a.0.code).cmp(&(&b.0.theme, &b.0.code)));
        Ok(out)
    }

    /// The guide of the published bundle `code` (public); not found when it is not offered.
    pub async fn guide(&self, code: &str) -> Result<BundleGuide> {
        let p = self.published(code).await?.ok_or_else(Error::not_found)?;
        let b = &p.def;
        let items = self.item_specs(b).await?;
        let all = Plan {
            parts: b.parts.iter().map(|x| x.key.clone()).collect(),
            dropped: Vec::new(),
            fields: b.fields.iter().map(|f| f.key.clone()).collect(),
            materials: b
                .materials
                .iter()
                .map(|m| rules::PlannedMaterial {
                    key: m.key.clone(),
                    required: false,
                    parts: Vec::new(),
                })
                .collect(),
        };
        let name_of = |key: &str| {
            b.parts
                .iter()
                .find(|x| x.key == key)
                .map(|x| part_name(x, &items))
                .unwrap_or_else(|| key.to_string())
        };
        Ok(BundleGuide {
            summary: Self::summary(&p, &items),
            savings: rules::savings(b, &all, &items),
            waits_for: b
                .parts
                .iter()
                .map(|x| (x.key.clone(), x.after.iter().map(|k| name_of(k)).collect()))
                .collect(),
            def: b.clone(),
        })
    }

    /// Published bundles matching the words of `q` (every word in the name, theme, keywords,
    /// summary or a part's name; two-character Chinese words match). An empty query finds
    /// nothing.
    pub async fn search(&self, q: &str) -> Result<Vec<BundleSummary>> {
        let terms = yiwang_catalog::search::terms(q);
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self
            .published_all()
            .await?
            .into_iter()
            .filter(|(s, k)| matches(&terms, s, k))
            .map(|(s, _)| s)
            .collect())
    }

    /// The plan of an application for the published bundle `code` under `answers`: the parts
    /// that apply and those left out, the merged fields asked, the materials once, what each
    /// part waits for, and the savings. Unknown or unpublished: not found; answers that do not
    /// fit: `validation_failed` naming `answers.<key>`.
    pub async fn plan(&self, code: &str, answers: &Value) -> Result<PlanView> {
        let p = self.published(code).await?.ok_or_else(Error::not_found)?;
        let b = &p.def;
        let a = rules::read_answers(b, answers).map_err(Error::validation)?;
        let items = self.item_specs(b).await?;
        let plan = rules::plan(b, &a, &items).map_err(Error::validation)?;
        let fields = rules::planned_fields(b, &plan)
            .into_iter()
            .cloned()
            .collect();
        let name_of = |key: &str| {
            b.parts
                .iter()
                .find(|x| x.key == key)
                .map(|x| part_name(x, &items))
                .unwrap_or_else(|| key.to_string())
        };
        let materials = plan
            .materials
            .iter()
            .filter_map(|pm| {
                let m = b.materials.iter().find(|m| m.key == pm.key)?;
                Some(MaterialView {
                    key: m.key.clone(),
                    name: m.name.clone(),
                    notes: m.notes.clone(),
                    required: pm.required,
                    licence_type: m.licence_type.clone(),
                    parts: pm.parts.iter().map(|k| name_of(k)).collect(),
                })
            })
            .collect();
        let parts = b
            .parts
            .iter()
            .filter(|x| plan.parts.contains(&x.key))
            .map(|x| {
                let i = items.get(&x.item);
                PlannedPart {
                    key: x.key.clone(),
                    name: part_name(x, &items),
                    item: x.item.clone(),
                    department_id: i.map(|i| i.department_id).unwrap_or(0),
                    department_name: i.map(|i| i.department_name.clone()).unwrap_or_default(),
                    promised_days: i.map(|i| i.promised_days).unwrap_or(0),
                    waits_for: x.after.iter().map(|k| name_of(k)).collect(),
                }
            })
            .collect();
        let savings = rules::savings(b, &plan, &items);
        Ok(PlanView {
            code: p.code.clone(),
            version: p.version,
            name: b.name.clone(),
            dropped: plan.dropped.iter().map(|k| name_of(k)).collect(),
            fields,
            materials,
            parts,
            savings,
            plan,
        })
    }
}

impl BundleDefs for BundleService {
    fn published<'a>(&'a self, code: &'a str) -> Found<'a> {
        Box::pin(BundleService::published(self, code))
    }

    fn version<'a>(&'a self, code: &'a str, version: i64) -> Found<'a> {
        Box::pin(self.published_version(code, version))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary() -> BundleSummary {
        BundleSummary {
            code: "open-restaurant".into(),
            version: 1,
            name: "开餐馆一件事".into(),
            name_en: "Open a restaurant".into(),
            theme: "开店经营".into(),
            summary: "营业执照、食品经营许可一次办".into(),
            promised_days: 5,
            items_days: 30,
            parts: vec![PartSummary {
                key: "sign".into(),
                name: "户外招牌设置".into(),
                item: "X".into(),
                department_name: String::new(),
                promised_days: 5,
                conditional: true,
            }],
        }
    }

    #[test]
    fn every_word_must_occur_somewhere() {
        let s = summary();
        let t = |q: &str| yiwang_catalog::search::terms(q);
        assert!(matches(&t("餐馆"), &s, ""));
        assert!(matches(&t("开店 招牌"), &s, ""));
        assert!(matches(&t("饭店"), &s, "饭店,餐饮"));
        assert!(matches(&t("RESTAURANT"), &s, ""));
        assert!(!matches(&t("餐馆 社保"), &s, ""));
        assert!(!matches(&t(""), &s, "饭店"));
        // Words never match across two fields.
        assert!(!matches(&t("事开"), &s, ""));
    }
}
