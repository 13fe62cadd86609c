//! The shared data resources an item's automatic rules read (智能秒批 on shared data): when a
//! draft is saved or items are imported, every resource code a workflow's fact check names
//! must be a resource published in the exchange catalog (only published resources are read). The exchange domain owns that
//! catalog; the platform wires a [`ResourceCodes`] in (`web::services`). Without one, only the
//! codes' shape is checked (by the workflow's own validation).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use yiwang_kernel::{FieldError, Result};

use super::CatalogService;
use crate::model::Elements;

/// Which resource codes name a published data resource.
pub trait ResourceCodes: Send + Sync + std::fmt::Debug {
    /// The codes among `codes` that name no published resource.
    fn unknown<'a>(
        &'a self,
        codes: &'a [String],
    ) -> Pin<Box<dyn Future<Output = Result<Vec<String>>> + Send + 'a>>;
}

pub(crate) type Source = Option<Arc<dyn ResourceCodes>>;

impl CatalogService {
    /// Checks automatic rules' resource codes through `source` on save and import.
    pub fn with_resource_codes(mut self, source: Arc<dyn ResourceCodes>) -> Self {
        self.resources = Some(source);
        self
    }

    /// One error per resource an item's workflow names that is not published.
    pub(crate) async fn unknown_resources(&self, e: &Elements) -> Result<Vec<FieldError>> {
        let (Some(source), Some(w)) = (&self.resources, &e.workflow) else {
            return Ok(Vec::new());
        };
        let codes = w.fact_resources();
        if codes.is_empty() {
            return Ok(Vec::new());
        }
        let unknown = source.unknown(&codes).await?;
        Ok(unknown
            .into_iter()
            .map(|code| {
                FieldError::new(
                    "workflow",
                    "workflow.unknown_resource",
                    format!("自动审批规则引用的共享数据资源“{code}”不存在或未发布"),
                    format!(
                        "The automatic rule reads data resource \"{code}\", which does not exist or is not published"
                    ),
                )
            })
            .collect())
    }
}
