//! Settings of the division's appeals (`appeal.admin`): categories (事项分类, owned by a
//! department, optionally handled by a professional grid's specialty), the knowledge base
//! (知识库, searched by operators and citizens), time limits (Guangdong's by default).

use std::collections::HashMap;

use serde_json::json;
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::{Ctx, Permission};
use yiwang_kernel::error::Problems;
use yiwang_kernel::{Error, FieldError, Result, text};

use super::AppealService;
use crate::model::{AppealType, TimeLimits};
use crate::repo::settings::{CategoryRow, KnowledgeRow};
use crate::repo::{self};
use crate::views::{CategoryInput, CategoryView, KnowledgeInput, KnowledgeView};

/// A code: 1–32 letters, digits, `-` or `_`.
fn code_ok(s: &str) -> bool {
    (1..=32).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The search terms of a query: each word, and for a run of Chinese characters longer than
/// two, its overlapping pairs (bigrams) — "噪音扰民" finds "夜间施工噪音".
pub(crate) fn terms(query: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in query.split(|c: char| c.is_whitespace() || c == ',' || c == '，' || c == '、') {
        let w = w.trim();
        if w.is_empty() {
            continue;
        }
        let chars: Vec<char> = w.chars().collect();
        if chars.len() > 2 && chars.iter().all(|c| !c.is_ascii()) {
            for pair in chars.windows(2) {
                out.push(pair.iter().collect());
            }
        } else {
            out.push(w.to_string());
        }
    }
    out.sort();
    out.dedup();
    out.truncate(16);
    out
}

impl AppealService {
    async fn require_admin(&self, ctx: &Ctx, object: String, attempted: &str) -> Result<()> {
        match ctx.actor.require(Permission::AppealAdmin) {
            Ok(()) => Ok(()),
            Err(e) => Err(self.refuse(ctx, object, attempted, e).await),
        }
    }

    async fn category_views(&self, rows: Vec<CategoryRow>) -> Result<Vec<CategoryView>> {
        let mut c = self.db.clone();
        let all = repo::settings::categories(&mut c).await?;
        let names: HashMap<&str, &str> = all
            .iter()
            .map(|r| (r.code.as_str(), r.name.as_str()))
            .collect();
        let mut depts: HashMap<i64, String> = HashMap::new();
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let department_name = match r.department_id {
                Some(id) => match depts.get(&id) {
                    Some(n) => Some(n.clone()),
                    None => {
                        let n = yiwang_org::service::department_in(&mut c, id)
                            .await?
                            .map(|d| d.name)
                            .unwrap_or_default();
                        depts.insert(id, n.clone());
                        Some(n)
                    }
                },
                None => None,
            };
            out.push(CategoryView {
                group_name: r
                    .parent_code
                    .as_deref()
                    .and_then(|p| names.get(p))
                    .map(|s| s.to_string()),
                code: r.code,
                name: r.name,
                parent_code: r.parent_code,
                department_id: r.department_id,
                department_name,
                specialty: r.specialty,
                description: r.description,
                keywords: r.keywords,
                active: r.active,
            });
        }
        Ok(out)
    }

    /// Every category by code (public: the filing form and Open311's service list).
    pub async fn categories(&self, active_only: bool) -> Result<Vec<CategoryView>> {
        let mut c = self.db.clone();
        let rows = repo::settings::categories(&mut c)
            .await?
            .into_iter()
            .filter(|r| r.active || !active_only)
            .collect();
        self.category_views(rows).await
    }

    pub async fn category(&self, code: &str) -> Result<Option<CategoryView>> {
        let mut c = self.db.clone();
        let Some(r) = repo::settings::category(&mut c, code.trim()).await? else {
            return Ok(None);
        };
        Ok(self.category_views(vec![r]).await?.pop())
    }

    /// Creates or changes the category `input.code`.
    pub async fn save_category(&self, ctx: &Ctx, input: CategoryInput) -> Result<CategoryView> {
        let code = input.code.trim().to_string();
        let object = format!("appeal_category:{code}");
        self.require_admin(ctx, object.clone(), "appeal.category.save")
            .await?;
        let mut p = Problems::new();
        if !code_ok(&code) {
            p.push(FieldError::new(
                "code",
                "appeal.code_format",
                "编码应为1～32位字母、数字、“-”或“_”",
                "A code has 1–32 letters, digits, '-' or '_'",
            ));
        }
        let name = p.take(text::required("name", &input.name, 100));
        let description = p.take(text::optional("description", &input.description, 1000));
        let keywords = p.take(text::optional("keywords", &input.keywords, 500));
        let parent = input
            .parent_code
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        let mut c = self.db.clone();
        if let Some(pc) = &parent {
            let exists = repo::settings::category(&mut c, pc).await?.is_some();
            if pc == &code || !exists {
                p.push(FieldError::new(
                    "parent_code",
                    "appeal.parent_unknown",
                    format!("上级分类“{pc}”不存在"),
                    format!("No parent category \"{pc}\""),
                ));
            }
        }
        if let Some(d) = input.department_id
            && yiwang_org::service::department_in(&mut c, d)
                .await?
                .is_none()
        {
            p.push(FieldError::new(
                "department_id",
                "appeal.department_unknown",
                "没有该部门",
                "No such department",
            ));
        }
        let specialty = input
            .specialty
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        if let Some(s) = &specialty
            && !code_ok(s)
        {
            p.push(FieldError::new(
                "specialty",
                "appeal.code_format",
                "专业类别应为1～32位字母、数字、“-”或“_”",
                "A specialty has 1–32 letters, digits, '-' or '_'",
            ));
        }
        p.into_result()?;
        let row = CategoryRow {
            id: 0,
            code: code.clone(),
            name: name.unwrap_or_default(),
            parent_code: parent,
            department_id: input.department_id,
            specialty,
            description: description.unwrap_or_default(),
            keywords: keywords.unwrap_or_default(),
            active: input.active,
        };
        let now = self.now();
        let mut tx = self.db.write().await?;
        repo::settings::upsert_category(&mut tx, &row, now).await?;
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "appeal.category.save", object)
                .source(&ctx.source)
                .data(json!({
                    "name": row.name,
                    "department_id": row.department_id,
                    "specialty": row.specialty,
                    "active": row.active,
                })),
            now,
        )
        .await?;
        tx.commit().await?;
        self.category(&code)
            .await?
            .ok_or_else(|| Error::internal("category vanished"))
    }

    async fn knowledge_views(&self, rows: Vec<KnowledgeRow>) -> Result<Vec<KnowledgeView>> {
        let mut c = self.db.clone();
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let department_name = match r.department_id {
                Some(id) => yiwang_org::service::department_in(&mut c, id)
                    .await?
                    .map(|d| d.name),
                None => None,
            };
            out.push(KnowledgeView {
                id: r.id,
                category_code: r.category_code,
                question: r.question,
                answer: r.answer,
                keywords: r.keywords,
                department_id: r.department_id,
                department_name,
                active: r.active,
                used: r.used,
            });
        }
        Ok(out)
    }

    /// Public search of the knowledge base: entries matching most terms first, then the most
    /// used. An empty query lists the most used.
    pub async fn knowledge(
        &self,
        query: &str,
        category: Option<&str>,
        limit: i64,
    ) -> Result<Vec<KnowledgeView>> {
        let limit = limit.clamp(1, 50);
        let terms = terms(query);
        let category = category.map(str::trim).filter(|s| !s.is_empty());
        let mut c = self.db.clone();
        let mut rows = repo::settings::knowledge_search(&mut c, &terms, category, 200).await?;
        let score = |r: &KnowledgeRow| {
            terms
                .iter()
                .map(|t| {
                    usize::from(r.question.contains(t.as_str())) * 3
                        + usize::from(r.keywords.contains(t.as_str())) * 2
                        + usize::from(r.answer.contains(t.as_str()))
                })
                .sum::<usize>()
        };
        rows.sort_by(|a, b| {
            score(b)
                .cmp(&score(a))
                .then(b.used.cmp(&a.used))
                .then(a.id.cmp(&b.id))
        });
        rows.truncate(usize::try_from(limit).unwrap_or(10));
        self.knowledge_views(rows).await
    }

    /// Creates (`id` none) or changes an entry.
    pub async fn save_knowledge(&self, ctx: &Ctx, input: KnowledgeInput) -> Result<KnowledgeView> {
        let object = match input.id {
            Some(id) => format!("appeal_knowledge:{id}"),
            None => "appeal_knowledge:new".to_string(),
        };
        self.require_admin(ctx, object, "appeal.knowledge.save")
            .await?;
        let mut p = Problems::new();
        let question = p.take(text::required("question", &input.question, 500));
        let answer = p.take(text::required("answer", &input.answer, 4000));
        let keywords = p.take(text::optional("keywords", &input.keywords, 500));
        let category = input
            .category_code
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        let mut c = self.db.clone();
        if let Some(cat) = &category
            && repo::settings::category(&mut c, cat).await?.is_none()
        {
            p.push(FieldError::new(
                "category_code",
                "appeal.category_unknown",
                format!("没有事项分类“{cat}”"),
                format!("No category \"{cat}\""),
            ));
        }
        if let Some(d) = input.department_id
            && yiwang_org::service::department_in(&mut c, d)
                .await?
                .is_none()
        {
            p.push(FieldError::new(
                "department_id",
                "appeal.department_unknown",
                "没有该部门",
                "No such department",
            ));
        }
        let existing = match input.id {
            Some(id) => {
                let e = repo::settings::knowledge_by_id(&mut c, id).await?;
                if e.is_none() {
                    return Err(Error::not_found());
                }
                e
            }
            None => None,
        };
        p.into_result()?;
        let mut row = KnowledgeRow {
            id: input.id.unwrap_or(0),
            category_code: category,
            question: question.unwrap_or_default(),
            answer: answer.unwrap_or_default(),
            keywords: keywords.unwrap_or_default(),
            department_id: input.department_id,
            active: input.active,
            used: existing.as_ref().map_or(0, |e| e.used),
        };
        let now = self.now();
        let actor = ctx.actor.label();
        let mut tx = self.db.write().await?;
        if existing.is_some() {
            repo::settings::update_knowledge(&mut tx, &row, now).await?;
        } else {
            row.id = repo::settings::insert_knowledge(&mut tx, &row, &actor, now).await?;
        }
        record(
            &mut tx,
            &Entry::success(
                &ctx.actor,
                "appeal.knowledge.save",
                format!("appeal_knowledge:{}", row.id),
            )
            .source(&ctx.source)
            .data(json!({ "question": row.question, "active": row.active })),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(self.knowledge_views(vec![row]).await?.remove(0))
    }

    /// The limits in force: stored rows over Guangdong's defaults.
    pub async fn time_limits(&self) -> Result<TimeLimits> {
        let mut c = self.db.clone();
        let mut l = TimeLimits::guangdong();
        for (t, days) in repo::settings::time_limits(&mut c).await? {
            if let (Some(t), Ok(d)) = (AppealType::parse(&t), u32::try_from(days)) {
                l.set(t, d);
            }
        }
        Ok(l)
    }

    /// Sets every type's limit (1–60 working days each).
    pub async fn set_time_limits(&self, ctx: &Ctx, limits: TimeLimits) -> Result<TimeLimits> {
        self.require_admin(ctx, "appeal_time_limits".into(), "appeal.time_limits")
            .await?;
        let mut p = Problems::new();
        for t in AppealType::ALL {
            let d = limits.days(*t);
            if !(1..=TimeLimits::MAX_DAYS).contains(&d) {
                p.push(FieldError::range(
                    t.as_str(),
                    1,
                    i64::from(TimeLimits::MAX_DAYS),
                ));
            }
        }
        p.into_result()?;
        let now = self.now();
        let actor = ctx.actor.label();
        let before = self.time_limits().await?;
        let mut tx = self.db.write().await?;
        for t in AppealType::ALL {
            repo::settings::set_time_limit(
                &mut tx,
                t.as_str(),
                i64::from(limits.days(*t)),
                &actor,
                now,
            )
            .await?;
        }
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "appeal.time_limits", "appeal_time_limits")
                .source(&ctx.source)
                .data(json!({ "before": before, "after": limits })),
            now,
        )
        .await?;
        tx.commit().await?;
        self.time_limits().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_words_become_bigrams() {
        assert_eq!(terms("噪音扰民"), vec!["噪音", "扰民", "音扰"]);
        assert_eq!(terms("社保 卡"), vec!["卡", "社保"]);
        assert!(terms("  ").is_empty());
    }
}
