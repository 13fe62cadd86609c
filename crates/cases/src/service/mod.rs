//! The case lifecycle (docs/standards/cases.md §5.5): submission (online or at the window), pre-check,
//! acceptance or not, the one-time notice of supplements, the workflow steps, special
//! procedures, decision and conclusion, delivery and withdrawal.
//!
//! Every transition runs in one write transaction (`change`): load the case, answer "not
//! found" to a caller outside its reach (as for an unknown number), check the revision the
//! caller saw, ask [`crate::transitions`] whether the caller may take the action in this state,
//! change, append the events (process data), save with compare-and-set on the revision, write
//! the audit entry for staff actions, commit. Two officers acting at once: one commits, the
//! other gets `conflict` (409) and reloads.
//!
//! By job: `submit` (uploads, online submission), `window` (window reception), `accept` (pre-check, acceptance,
//! the one-time notice, supplements), `handle` (workflow steps), `special` (special
//! procedures), `conclude` (decision, conclusion, delivery, withdrawal), `change` (the frame).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use serde_json::{Map, Value};
use time::Date;
use yiwang_calendar::CalendarService;
use yiwang_catalog::CatalogService;
use yiwang_catalog::model::Elements;
use yiwang_files::Intake;
use yiwang_identity::{IdentityService, Keys};
use yiwang_kernel::auth::{Actor, Ctx};
use yiwang_kernel::clock::{CHINA_OFFSET, Clock};
use yiwang_kernel::{Error, ErrorCode, FieldError, Result, text};
use yiwang_store::Db;
use yiwang_workflow::{Definition, Instance};

use crate::flow;
use crate::repo::CaseRow;
use crate::throttle::ProgressPolicy;

mod accept;
pub mod base_prefill;
mod change;
mod conclude;
mod create;
pub mod credit;
pub mod data_materials;
mod handle;
pub mod shared_facts;
mod special;
mod submit;
pub mod watch_feed;
mod window;

pub(crate) use change::{Change, ClosePause, NewPause};
pub(crate) use create::code_date_prefix;
pub use submit::normalize_phone;
pub(crate) use submit::{NewCase, idempotency_key, same_request, sorted};
pub(crate) use window::read_applicant;

/// Sealed-column contexts (associated data) and blind-index contexts of the cases domain.
pub mod context {
    pub const CERT: &str = "cases.applicant_cert";
    pub const PHONE: &str = "cases.contact_phone";
    pub const FORM: &str = "cases.form";
    /// A bundle application's merged form and its waiting parts' item forms.
    pub const BUNDLE_FORM: &str = "bundle_cases.form";
    pub const BUNDLE_CERT: &str = "bundle_cases.applicant_cert";
    pub const BUNDLE_PHONE: &str = "bundle_cases.contact_phone";
    /// The values of a part's result (licence identifier and face) later parts take.
    pub const BUNDLE_RESULT: &str = "bundle_parts.result";
}

/// Settings of the cases domain.
#[derive(Debug, Clone)]
pub struct CaseConfig {
    /// Working days a department has to follow up a bad rating (docs/standards/ratings.md §6.4: default 15).
    pub followup_days: u32,
    /// `data_source` of the process-data export (3 digits; `111` default, docs/standards/ratings.md §6.3).
    pub data_source: String,
    /// Limits of the public progress query.
    pub progress: ProgressPolicy,
}

impl Default for CaseConfig {
    fn default() -> Self {
        CaseConfig {
            followup_days: 15,
            data_source: "111".to_string(),
            progress: ProgressPolicy::default(),
        }
    }
}

/// A published item version as cases need it (immutable, so cached).
#[derive(Debug)]
pub struct ItemInfo {
    pub item_id: i64,
    pub code: String,
    pub version: i64,
    pub department_id: i64,
    pub division_code: String,
    pub elements: Elements,
    pub definition: Definition,
}

/// The cases domain's entry point.
#[derive(Clone)]
pub struct CaseService {
    pub(crate) db: Db,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) keys: Keys,
    pub(crate) catalog: CatalogService,
    pub(crate) calendar: CalendarService,
    pub(crate) identity: IdentityService,
    pub(crate) intake: Intake,
    pub(crate) config: CaseConfig,
    pub(crate) licences: yiwang_licences::LicenceService,
    pub(crate) base: base_prefill::Source,
    pub(crate) facts: shared_facts::Source,
    /// Where bundle definitions are found (一件事); `None`: every bundle call answers 404.
    pub(crate) bundles: Option<Arc<dyn yiwang_bundles::BundleDefs>>,
    /// The credit red and black lists checked at acceptance (信用核查); `None`: unchecked.
    pub(crate) credit: credit::Source,
    /// New cases, written in groups (`create`).
    writer: create::CaseWriter,
    infos: Arc<RwLock<HashMap<(String, i64), Arc<ItemInfo>>>>,
}

pub(crate) fn invalid_state(zh: impl Into<String>, en: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidState).with_detail(zh, en)
}

/// An opinion or reason: required, at most `max` characters.
pub(crate) fn required_text(field: &str, s: &str, max: usize) -> Result<String> {
    text::required(field, s, max).map_err(Error::field)
}

pub(crate) fn optional_text(field: &str, s: &str, max: usize) -> Result<String> {
    text::optional(field, s, max).map_err(Error::field)
}

impl CaseService {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        db: Db,
        clock: Arc<dyn Clock>,
        keys: Keys,
        catalog: CatalogService,
        calendar: CalendarService,
        identity: IdentityService,
        intake: Intake,
        config: CaseConfig,
        licences: yiwang_licences::LicenceService,
    ) -> Self {
        CaseService {
            db,
            clock,
            keys,
            catalog,
            calendar,
            identity,
            intake,
            config,
            licences,
            base: None,
            facts: None,
            bundles: None,
            credit: None,
            writer: create::CaseWriter::default(),
            infos: Arc::new(RwLock::new(HashMap::new())),
        }
    }

    /// Runs bundle applications (一件事) with definitions from `defs`.
    pub fn with_bundles(mut self, defs: Arc<dyn yiwang_bundles::BundleDefs>) -> Self {
        self.bundles = Some(defs);
        self
    }

    pub fn config(&self) -> &CaseConfig {
        &self.config
    }

    pub fn intake(&self) -> &Intake {
        &self.intake
    }

    pub(crate) fn today(&self) -> Date {
        self.clock.now().to_offset(CHINA_OFFSET).date()
    }

    /// The published version `version` of item `code` (cached: published versions never
    /// change). `None` for the current published version: which one that is costs one indexed
    /// read of the item (`CatalogService::published_version_no`), so a new publication or a
    /// retirement is seen at once, by every node; its elements come from the cache.
    pub(crate) async fn info(&self, code: &str, version: Option<i64>) -> Result<Arc<ItemInfo>> {
        let wanted = match version {
            Some(v) => Some(v),
            None => self.catalog.published_version_no(code).await?,
        };
        if let Some(v) = wanted
            && let Ok(g) = self.infos.read()
            && let Some(i) = g.get(&(code.to_string(), v))
        {
            return Ok(i.clone());
        }
        let anon = Ctx::anonymous();
        let item = self.catalog.item(&anon, code).await.map_err(|e| {
            if e.code == ErrorCode::NotFound {
                Error::field(FieldError::new(
                    "item_code",
                    "item.not_published",
                    format!("事项“{code}”不存在或未发布，不能申请"),
                    format!("Item \"{code}\" does not exist or is not published; it cannot be applied for"),
                ))
            } else {
                e
            }
        })?;
        let ver = match version {
            Some(v) => self.catalog.version(&anon, code, v).await?,
            None => item.published.clone().ok_or_else(|| {
                Error::field(FieldError::new(
                    "item_code",
                    "item.not_published",
                    format!("事项“{code}”未发布，不能申请"),
                    format!("Item \"{code}\" is not published; it cannot be applied for"),
                ))
            })?,
        };
        let definition = flow::definition(&item.code, ver.version_no, &ver.elements);
        let info = Arc::new(ItemInfo {
            item_id: item.id,
            code: item.code.clone(),
            version: ver.version_no,
            department_id: item.department_id,
            division_code: item.division_code.clone(),
            definition,
            elements: ver.elements,
        });
        if let Ok(mut g) = self.infos.write() {
            g.insert((item.code, info.version), info.clone());
        }
        Ok(info)
    }

    pub(crate) fn form_fields_map(&self, row: &CaseRow) -> Result<Map<String, Value>> {
        let json = self.keys.open(context::FORM, &row.form_enc)?;
        match serde_json::from_str::<Value>(&json) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(Error::internal("stored form unreadable")),
        }
    }

    pub(crate) fn form_fields(&self, row: &CaseRow) -> Result<yiwang_workflow::Fields> {
        Ok(self.form_fields_map(row)?.into_iter().collect())
    }

    /// The stored workflow instance with its form fields put back.
    pub(crate) fn instance(&self, row: &CaseRow) -> Result<Instance> {
        let Some(f) = &row.flow else {
            return Err(invalid_state(
                "办件尚未受理",
                "The case is not accepted yet",
            ));
        };
        let mut inst: Instance = serde_json::from_str(f)
            .map_err(|e| Error::internal(format!("stored workflow unreadable: {e}")))?;
        inst.fields = self.form_fields(row)?;
        Ok(inst)
    }
}

pub(crate) fn actor_name(a: &Actor) -> String {
    match a {
        Actor::Staff(s) => s.name.clone(),
        Actor::Person(p) => yiwang_vault::mask_name(&p.name),
        Actor::Client(c) => c.name.clone(),
        Actor::System { task } => format!("系统（{task}）"),
        Actor::Anonymous => String::new(),
    }
}

#[cfg(test)]
mod context_tests {
    /// The identity crate rewraps these columns after a key rotation by name; they must agree.
    #[test]
    fn sealed_contexts_are_the_ones_rotation_knows() {
        assert_eq!(super::context::CERT, "cases.applicant_cert");
        assert_eq!(super::context::PHONE, "cases.contact_phone");
        assert_eq!(super::context::FORM, "cases.form");
        assert_eq!(super::context::BUNDLE_CERT, "bundle_cases.applicant_cert");
        assert_eq!(super::context::BUNDLE_PHONE, "bundle_cases.contact_phone");
        assert_eq!(super::context::BUNDLE_FORM, "bundle_cases.form");
        assert_eq!(super::context::BUNDLE_RESULT, "bundle_parts.result");
    }
}
