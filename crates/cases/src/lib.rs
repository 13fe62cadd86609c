//! Applications and case handling (统一申办受理 / 办件): submission online or at the window,
//! pre-check and acceptance, the one-time notice of supplements, the workflow (crate
//! `yiwang-workflow`) with its steps, special procedures, decision, conclusion and delivery,
//! withdrawal; legal time limits in working days (crate `yiwang-calendar`) with warnings; the
//! process data (every transition an append-only event) and its export in the national
//! exchange shapes; ratings (好差评) with follow-ups and appeals.
//!
//! Authorisation is checked here for every action: applicants by ownership (their own cases,
//! or the enterprise's they act for with `apply`/`cases`), staff by permission and reach
//! (`case.receive` window clerks, `case.handle` officers — who may also act where the workflow
//! names them — `case.read`, `case.supervise`, `case.export`).
//!
//! Personal data: the applicant's certificate number and phone and the whole form are sealed
//! (SM4-GCM) with blind indexes for the progress query; views carry masks.

pub mod bundle;
pub mod deadline;
pub mod events;
pub mod export;
pub mod flow;
pub mod kpi_facts;
pub mod model;
pub mod query;
pub mod rating;
pub mod receipt;
pub mod repo;
pub mod service;
pub mod throttle;
pub mod transitions;
pub mod upload;

pub use model::{
    Application, CaseSummary, CaseView, DataProvenance, Decision, DeliveryMethod, MaterialRef,
    NoticeItem, Progress, Status, Warning, WindowApplicant, WindowApplication,
};
pub use query::{InboxFilter, SweepReport};
pub use rating::{AppealDecision, Followup, FollowupItem, FollowupStep, Rating, RatingInput};
pub use receipt::{Receipt, Site};
pub use service::base_prefill::{BaseFact, BasePrefills};
pub use service::credit::{
    CreditCheck, CreditCheckCounts, CreditCheckRecord, CreditListing, CreditStatus,
};
pub use service::data_materials::Replacement;
pub use service::shared_facts::SharedFacts;
pub use service::{CaseConfig, CaseService};
pub use transitions::{Allowed, StepAllowed, Transition};
pub use upload::UploadTicket;
