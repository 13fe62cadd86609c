//! The one progress of a bundle application and the lists of applications. The applicant
//! (and an agent of the enterprise) sees the whole, as do window clerks and supervisors; a
//! department clerk works on its part's case through the ordinary case screen.

use serde::Deserialize;
use serde_json::Value;
use yiwang_bundles::Savings;
use yiwang_bundles::views::{
    AnsweredQuestion, BundleCaseSummary, BundleCaseView, BundleRatingView, PartView, ResultView,
};
use yiwang_kernel::auth::{Actor, Ctx};
use yiwang_kernel::paging::{Page, Paged};
use yiwang_kernel::{Error, ErrorCode, FieldError, Result};

use crate::model::Status;
use crate::repo::bundles::{self as brepo, BundleCaseRow, ListFilter, SummaryRow};
use crate::repo::{self};
use crate::service::CaseService;

/// The staff's filter of bundle applications.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BundleCaseFilter {
    /// `handling`, `concluded` or `withdrawn`.
    pub status: Option<String>,
    /// A bundle's code.
    pub bundle: Option<String>,
}

fn summary(r: SummaryRow) -> BundleCaseSummary {
    BundleCaseSummary {
        bundle_no: r.bundle_no,
        bundle_code: r.bundle_code,
        bundle_name: r.bundle_name,
        applicant_name: r.applicant_name,
        status: r.status,
        outcome: r.outcome,
        parts: r.parts,
        parts_concluded: r.parts_concluded,
        submitted_at: r.submitted_at,
        promised_due: r.promised_due,
    }
}

impl CaseService {
    /// The one progress of an application: the applicant (or an agent of the enterprise),
    /// window clerks and supervisors; anyone else "not found".
    pub async fn bundle_view(&self, ctx: &Ctx, bundle_no: &str) -> Result<BundleCaseView> {
        self.defs()?;
        let mut db = self.db.clone();
        let row = brepo::by_no(&mut db, bundle_no.trim())
            .await?
            .ok_or_else(Error::not_found)?;
        if !Self::owns_bundle(&ctx.actor, &row, false) && !Self::sees_bundles(&ctx.actor) {
            return Err(Error::not_found());
        }
        self.bundle_view_of(&row).await
    }

    /// The view of an application as stored.
    pub(crate) async fn bundle_view_of(&self, row: &BundleCaseRow) -> Result<BundleCaseView> {
        let mut db = self.db.clone();
        let pb = self.def_of(row).await.ok();
        let def = pb.as_ref().map(|p| &p.def);
        let answers: std::collections::BTreeMap<String, String> =
            serde_json::from_str(&row.answers).unwrap_or_default();
        let answers = answers
            .into_iter()
            .map(|(k, v)| {
                let q = def.and_then(|d| d.questions.iter().find(|q| q.key == k));
                AnsweredQuestion {
                    question: q.map(|q| q.text.clone()).unwrap_or_else(|| k.clone()),
                    answer_label: q
                        .and_then(|q| q.choices.iter().find(|c| c.value == v))
                        .map(|c| c.label.clone())
                        .unwrap_or_else(|| v.clone()),
                    key: k,
                    answer: v,
                }
            })
            .collect();
        let concluded = row.status == "concluded";
        let rows = brepo::parts(&mut db, row.id).await?;
        let mut parts = Vec::with_capacity(rows.len());
        let mut results = Vec::new();
        for p in &rows {
            let pdef = def.and_then(|d| d.parts.iter().find(|x| x.key == p.part_key));
            let case = match &p.case_no {
                Some(no) => repo::by_no(&mut db, no).await?,
                None => None,
            };
            let info = self
                .info(&p.item_code, case.as_ref().map(|c| c.item_version))
                .await
                .ok();
            let item_name = info
                .as_ref()
                .map(|i| i.elements.name.clone())
                .unwrap_or_else(|| p.item_code.clone());
            let name = pdef
                .map(|x| x.name.trim().to_string())
                .filter(|n| !n.is_empty())
                .unwrap_or(item_name);
            let after: Vec<String> = serde_json::from_str(&p.after_parts).unwrap_or_default();
            let mut waits_for = Vec::new();
            for k in &after {
                waits_for.push(self.part_label(row, k).await);
            }
            let status = case.as_ref().and_then(|c| Status::parse(&c.status));
            let mut notice = None;
            if let (Some(c), Some(s)) = (&case, status)
                && matches!(s, Status::Supplement | Status::Paused)
            {
                let events = repo::events(&mut db, c.id).await?;
                let items: Vec<String> = events
                    .iter()
                    .rev()
                    .find(|e| e.action == "supplement_requested")
                    .and_then(|e| e.data.get("items").and_then(Value::as_array).cloned())
                    .unwrap_or_default()
                    .iter()
                    .map(|i| {
                        format!(
                            "{}{}",
                            i["entry"]
                                .as_str()
                                .map(|e| format!("[{e}] "))
                                .unwrap_or_default(),
                            i["reason"].as_str().unwrap_or_default()
                        )
                    })
                    .collect();
                if !items.is_empty() {
                    notice = Some(items.join("；"));
                }
            }
            let result = match (&p.result_identifier, concluded) {
                (Some(id), true) => {
                    let r = ResultView {
                        part: p.part_key.clone(),
                        licence_identifier: id.clone(),
                        licence_type: p.result_type.clone(),
                    };
                    results.push(r.clone());
                    Some(r)
                }
                _ => None,
            };
            let (mut reason_zh, mut reason_en) = (p.reason_zh.clone(), p.reason_en.clone());
            if p.state == "concluded" && !concluded && reason_zh.is_empty() {
                reason_zh = "已办结，结果随一件事统一送达".into();
                reason_en = "concluded; the results are delivered together".into();
            }
            parts.push(PartView {
                key: p.part_key.clone(),
                name,
                item_code: p.item_code.clone(),
                department_id: p.department_id,
                department_name: info
                    .as_ref()
                    .map(|i| i.elements.department_name.clone())
                    .unwrap_or_default(),
                state: p.state.clone(),
                reason_zh,
                reason_en,
                waits_for,
                case_no: p.case_no.clone(),
                case_status: status.map(|s| s.as_str().to_string()),
                case_status_zh: status.map(|s| s.zh().to_string()).unwrap_or_default(),
                case_status_en: status.map(|s| s.en().to_string()).unwrap_or_default(),
                promised_due: case.as_ref().and_then(|c| c.promised_due),
                decision: p.decision.clone(),
                opinion: case
                    .as_ref()
                    .map(|c| c.decision_opinion.clone())
                    .unwrap_or_default(),
                notice,
                result,
            });
        }
        let rating = brepo::rating(&mut db, row.id)
            .await?
            .map(|(score, comment, rated_at)| BundleRatingView {
                score,
                comment,
                rated_at,
            });
        let savings: Savings = serde_json::from_str(&row.savings).unwrap_or_default();
        Ok(BundleCaseView {
            bundle_no: row.bundle_no.clone(),
            bundle_code: row.bundle_code.clone(),
            bundle_name: row.bundle_name.clone(),
            bundle_version: row.bundle_version,
            theme: def.map(|d| d.theme.clone()).unwrap_or_default(),
            applicant_name: row.applicant_name.clone(),
            applicant_cert_mask: row.applicant_cert_mask.clone(),
            status: row.status.clone(),
            outcome: row.outcome.clone(),
            channel: row.channel.clone(),
            submitted_at: row.submitted_at,
            promised_due: row.promised_due,
            concluded_at: row.concluded_at,
            answers,
            parts,
            results,
            rating,
            savings,
            revision: row.revision,
        })
    }

    /// The signed-in person's bundle applications (or the enterprise's they act for).
    pub async fn my_bundles(&self, ctx: &Ctx, page: Page) -> Result<Paged<BundleCaseSummary>> {
        self.defs()?;
        let Some(p) = ctx.actor.person() else {
            return Err(match ctx.actor {
                Actor::Anonymous => Error::new(ErrorCode::Unauthenticated),
                _ => Error::forbidden(),
            });
        };
        let f = match &p.acting_for {
            None => ListFilter {
                person_id: Some(p.person_id),
                ..ListFilter::default()
            },
            Some(a) => {
                use yiwang_kernel::auth::AgentScope;
                if !a.administrator
                    && !a.scopes.contains(&AgentScope::Cases)
                    && !a.scopes.contains(&AgentScope::Apply)
                {
                    return Err(Error::new(ErrorCode::NotActingFor));
                }
                ListFilter {
                    org_id: Some(a.org_id),
                    ..ListFilter::default()
                }
            }
        };
        let page = brepo::list(&mut self.db.clone(), &f, page).await?;
        Ok(Paged {
            items: page.items.into_iter().map(summary).collect(),
            total: page.total,
            page: page.page,
            size: page.size,
        })
    }

    /// Every bundle application, for window clerks and supervisors.
    pub async fn bundle_cases(
        &self,
        ctx: &Ctx,
        filter: &BundleCaseFilter,
        page: Page,
    ) -> Result<Paged<BundleCaseSummary>> {
        self.defs()?;
        if !Self::sees_bundles(&ctx.actor) {
            return Err(match ctx.actor {
                Actor::Anonymous => Error::new(ErrorCode::Unauthenticated),
                _ => Error::forbidden(),
            });
        }
        let status = filter
            .status
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        if let Some(s) = status
            && !["handling", "concluded", "withdrawn"].contains(&s)
        {
            return Err(Error::field(FieldError::one_of(
                "status",
                &["handling", "concluded", "withdrawn"],
            )));
        }
        let f = ListFilter {
            status: status.map(String::from),
            bundle_code: filter
                .bundle
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from),
            ..ListFilter::default()
        };
        let page = brepo::list(&mut self.db.clone(), &f, page).await?;
        Ok(Paged {
            items: page.items.into_iter().map(summary).collect(),
            total: page.total,
            page: page.page,
            size: page.size,
        })
    }
}
