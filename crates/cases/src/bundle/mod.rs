//! Applications for "one thing" bundles (一件事一次办): one questionnaire, one merged form and
//! one set of materials make one parent application (`bundle_cases`) and one case per part
//! in each department's inbox, each running its own workflow and clock.
//!
//! By job: `submit` (online and at a window, in one write transaction), `start` (the hook of
//! [`CaseService::save_change`]: a part's case ended, waiting parts start with the values of
//! the results they need, the bundle concludes), `progress` (the one progress, lists),
//! `actions` (withdrawal, the one rating, supplements at bundle level), `stats`.
//!
//! Definitions come from a [`yiwang_bundles::BundleDefs`] given with
//! [`CaseService::with_bundles`]; without one every bundle call answers "not found".

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use yiwang_bundles::{BundleDefs, PublishedBundle};
use yiwang_kernel::auth::{Actor, AgentScope, Permission};
use yiwang_kernel::{Error, Result};

use crate::model::DataProvenance;
use crate::repo::NewMaterial;
use crate::repo::bundles::BundleCaseRow;
use crate::service::CaseService;

mod actions;
mod progress;
mod start;
mod stats;
mod submit;

pub use progress::BundleCaseFilter;
pub use yiwang_bundles::views::{
    BundleApplication, BundleCaseSummary, BundleCaseView, BundleMaterialRef, BundleStats,
};

/// The sealed form of an application: the merged form's values and, for each part still
/// waiting, its mapped item form and where its result fields come from.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct FormDoc {
    pub fields: Map<String, Value>,
    pub waiting: BTreeMap<String, WaitingForm>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct WaitingForm {
    /// The item form as validated at submission, without the fields a result fills.
    pub form: Map<String, Value>,
    /// (item field, earlier part, value of its result) of each field a result fills.
    pub results: Vec<(String, String, String)>,
}

/// A waiting part's material, kept until the part starts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PendingMaterial {
    pub entry: String,
    pub entry_name: String,
    pub file_name: String,
    pub sha: String,
    pub media_type: String,
    pub size: i64,
    pub source: String,
    pub licence_type: String,
    pub provenance: Option<DataProvenance>,
}

impl PendingMaterial {
    pub(crate) fn of(m: &NewMaterial) -> Self {
        PendingMaterial {
            entry: m.entry.clone(),
            entry_name: m.entry_name.clone(),
            file_name: m.file_name.clone(),
            sha: m.sha.clone(),
            media_type: m.media_type.clone(),
            size: m.size,
            source: m.source.to_string(),
            licence_type: m.licence_type.clone(),
            provenance: m.provenance.clone(),
        }
    }

    pub(crate) fn material(self) -> NewMaterial {
        let source = match self.source.as_str() {
            "licence" => "licence",
            "window" => "window",
            "data" => "data",
            _ => "application",
        };
        NewMaterial {
            entry: self.entry,
            entry_name: self.entry_name,
            file_name: self.file_name,
            sha: self.sha,
            media_type: self.media_type,
            size: self.size,
            source,
            licence_type: self.licence_type,
            provenance: self.provenance,
        }
    }
}

impl CaseService {
    /// The definitions source; none configured: "not found".
    pub(crate) fn defs(&self) -> Result<&Arc<dyn BundleDefs>> {
        self.bundles.as_ref().ok_or_else(Error::not_found)
    }

    /// The published version an application was filed under.
    pub(crate) async fn def_of(&self, row: &BundleCaseRow) -> Result<Arc<PublishedBundle>> {
        self.defs()?
            .version(&row.bundle_code, row.bundle_version)
            .await?
            .ok_or_else(|| Error::internal("bundle version of an application vanished"))
    }

    /// Whether the signed-in person owns the application (as for cases: their own, or the
    /// enterprise's they act for; to act an agent needs `apply`).
    pub(crate) fn owns_bundle(actor: &Actor, row: &BundleCaseRow, to_act: bool) -> bool {
        let Some(p) = actor.person() else {
            return false;
        };
        match &p.acting_for {
            None => row.org_id.is_none() && row.person_id == Some(p.person_id),
            Some(a) => {
                row.org_id == Some(a.org_id)
                    && (a.administrator
                        || a.scopes.contains(&AgentScope::Apply)
                        || (!to_act && a.scopes.contains(&AgentScope::Cases)))
            }
        }
    }

    /// Window clerks and supervisors see every application whole.
    pub(crate) fn sees_bundles(actor: &Actor) -> bool {
        actor.has(Permission::CaseReceive) || actor.has(Permission::CaseSupervise)
    }
}
