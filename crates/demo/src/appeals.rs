//! The 12345 hotline of the demo city, loaded through the appeals service as an appeal
//! administrator would: the categories (事项分类) owned by city departments, the knowledge base
//! (知识库), and 赤坎区's grids imported from the GeoJSON file `crate::grids` generates (street
//! offices and grid workers exist by then, `Loader::street_offices`). Each step skips what
//! exists (categories by code, answers by question, grids when any is stored).

use std::collections::HashMap;

use yiwang_appeals::AppealService;
use yiwang_appeals::views::{CategoryInput, KnowledgeInput};
use yiwang_kernel::Error;
use yiwang_kernel::auth::Ctx;

use crate::context;
use crate::data::grids::{CATEGORIES, KNOWLEDGE, PROFESSIONAL};
use crate::grids::{geojson, plan_uscc};

/// Loads what is missing; true when something was written.
pub(crate) async fn load(
    ctx: &Ctx,
    appeals: &AppealService,
    offices: &HashMap<&'static str, String>,
    dept_ids: &HashMap<String, i64>,
) -> Result<bool, Error> {
    let mut wrote = false;
    let dept = |key: &'static str| -> Result<Option<i64>, Error> {
        let uscc = plan_uscc(None, key)?;
        Ok(dept_ids.get(&uscc).copied())
    };
    for c in &CATEGORIES {
        if appeals.category(c.code).await?.is_some() {
            continue;
        }
        wrote = true;
        let input = CategoryInput {
            code: c.code.to_string(),
            name: c.name.to_string(),
            parent_code: c.parent.map(str::to_string),
            department_id: dept(c.dept)?,
            specialty: c.specialty.map(str::to_string),
            description: c.description.to_string(),
            keywords: c.keywords.to_string(),
            active: true,
        };
        appeals
            .save_category(ctx, input)
            .await
            .map_err(context(format!("appeal category {}", c.code)))?;
    }
    for a in &KNOWLEDGE {
        let found = appeals.knowledge(a.question, Some(a.category), 20).await?;
        if found.iter().any(|k| k.question == a.question) {
            continue;
        }
        wrote = true;
        let input = KnowledgeInput {
            id: None,
            category_code: Some(a.category.to_string()),
            question: a.question.to_string(),
            answer: a.answer.to_string(),
            keywords: a.keywords.to_string(),
            department_id: dept(a.dept)?,
            active: true,
        };
        appeals
            .save_knowledge(ctx, input)
            .await
            .map_err(context(format!("knowledge {}", a.question)))?;
    }
    if appeals.grids().await?.is_empty() {
        wrote = true;
        let mut bureaus = HashMap::new();
        for p in &PROFESSIONAL {
            bureaus.insert(p.dept, plan_uscc(None, p.dept)?);
        }
        let file = serde_json::to_vec(&geojson(offices, &bureaus)).map_err(Error::internal)?;
        appeals
            .import_grids(ctx, "chikan-grids.geojson", &file, true)
            .await
            .map_err(context("the grids of 赤坎区"))?;
    }
    Ok(wrote)
}
