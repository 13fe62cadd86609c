//! The case workflow engine: workflow definitions as data, and a pure state machine over them.
//! No database, no HTTP: the caller loads a [`Definition`] and an [`Instance`] (both JSON),
//! calls [`apply`], stores the new instance and the returned [`Event`]s (process data).
//!
//! # The model
//!
//! A [`Definition`] is an ordered list of **stages**. A stage is a single [`Step`] or a
//! parallel group (并联) of branches, each a sequence of steps; the next stage starts only when
//! every branch of the group has finished approved. A step names its performer (a role in a
//! department, or in the item's department), its sign mode — `Single` (one handler), `All`
//! (会签: every current signer approves) or `Any` (或签: one approval is enough) — its initial
//! signers, a time limit in working days, the officer actions it allows, and optionally an
//! automatic rule (智能秒批).
//!
//! An [`Instance`] holds the current stage and, per branch, either `Done` or the active step's
//! [`Work`]: its signers and their decisions (approval, delegation), or the pool (role and
//! department) while a `Single` step without a named handler waits to be claimed (签收). It also
//! holds the form fields, the recall stack and the history of events.
//!
//! [`apply`] takes the definition, the instance, an [`Action`], the actor and the time, and
//! returns a new instance and events, or a [`WorkflowError`] (stable code, zh/en text, and a
//! kernel [`yiwang_kernel::ErrorCode`] kind: `Forbidden` when the actor has no part in the
//! step, `InvalidState` when the case or step does not allow it now, `Validation` for bad
//! arguments). It never changes its input and never panics; it checks that the stored
//! instance fits the definition before acting ([`Instance::check`]).
//!
//! # Semantics chosen
//!
//! * **Who acts.** Step actions need an officer taking part in an active step: approving needs
//!   the place's current decider (the signer, or their delegate while delegated); returning,
//!   refusing, transferring, delegating and requesting supplements need a signer who holds
//!   their own undecided place; adding/removing signers and copying need any signer of the
//!   step; claiming needs the pool's role in its department. [`apply`] finds the step the actor
//!   takes part in; [`apply_on`] names it when they take part in several (parallel branches).
//! * **Completion.** A step completes as soon as its condition holds — `Single`: its handler
//!   approved; `All`: every *current* signer approved; `Any`: one approved (the others' places
//!   lapse). The branch moves to its next step; when every branch is done the next stage
//!   starts; after the last stage the case is `Completed`.
//! * **退回 (Return).** Only to an earlier step: of the same branch (only that branch rewinds;
//!   sibling branches keep their state, finished or not), or of an earlier stage (every
//!   branch's pending work in the current stage is withdrawn — `step_cancelled` events — and the
//!   target's stage starts again; if that stage is a parallel group, the target's branch
//!   starts at the target and every other branch from its first step). Returning sideways to
//!   a sibling branch or forward is refused.
//! * **不予许可 (Refuse)** ends the case `Refused`, withdrawing other branches' work.
//! * **转办 (Transfer)** hands the actor's place to another officer; the actor is out.
//! * **委派 (Delegate)**: the delegate now holds the place; their `Approve` is a *report*
//!   (`reported` event, with their opinion) that gives the place back to the delegator, who
//!   then decides (approve, return, delegate again…). The delegation alone never completes a
//!   step.
//! * **加签/减签** on `All`/`Any` steps only (a `Single` step is transferred instead). Nobody
//!   can be on a step twice. Only undecided signers can be removed, and not by themselves;
//!   removing the last undecided signer of an `All` step whose other signers all approved
//!   completes it.
//! * **抄送 (CopyTo)** and **催办 (Urge)** are events only. Anyone may urge a running case;
//!   neither counts as "acting after" someone for recall.
//! * **撤回 (Recall)** undoes the actor's own last action as long as nobody acted after it
//!   (nobody claimed, signed, returned… since — so "the next step has not started"): the flow
//!   goes back exactly to what it was before (on an `All` step, the signature is withdrawn and
//!   the step re-opened, even if that signature had completed it and the next step had become
//!   active). Automatic decisions triggered by the action are part of it and are undone with
//!   it. Recalls stack: after B recalls, A may recall the action before B's. The step acted on
//!   must allow `recall`. Finished cases, requests for supplements and receipts of supplements
//!   cannot be recalled (they clear the stack); at most [`MAX_UNDO`] actions are remembered.
//! * **补正 (RequestSupplement / Supplemented)** pauses the whole case: nothing but the receipt
//!   of supplements is accepted (not even recall or urging). The receipt may update form
//!   fields and resumes exactly where the case stood. The caller decides who may report it
//!   (the applicant, or window staff) and stops the case clock meanwhile.
//! * **智能秒批 (automatic steps)** are evaluated when the step becomes active, on the instance's
//!   form fields and on the shared facts the caller read for the applicant ([`facts`]: the
//!   caller reads the resources a rule names — [`Evaluation::unread`] says which it missed —
//!   and calls [`start_with_facts`]/[`apply_with_facts`]). If the rule holds, the system approves (`auto_decided` records every check
//!   that held and every one that did not) and the case goes `on_pass`: next, completed at
//!   once, or a later step (skipped stages are recorded). If not, `on_fail`: the step's own
//!   performer handles it by hand, or a later manual step takes over.
//! * **After `Completed`/`Refused`** nothing is accepted.
//!
//! Time limits are recorded on each active step (`started_at`, `limit_days`); turning them
//! into due dates needs the working-day calendar and is the caller's business.

pub mod definition;
pub mod engine;
pub mod error;
pub mod facts;
pub mod instance;
pub mod rules;

pub use definition::{
    ActionKind, Auto, Branch, Definition, DepartmentRef, OfficerId, OnFail, OnPass, Parallel,
    Performer, Place, SignMode, Stage, Step,
};
pub use engine::{
    Action, Officer, Participant, apply, apply_on, apply_with_facts, start, start_with_facts,
};
pub use error::WorkflowError;
pub use facts::{Fact, FactCheck, Facts, Reason};
pub use instance::{
    BranchState, Event, Flow, Instance, MAX_UNDO, Position, Signer, Status, StatusCode, What, Who,
    Work,
};
pub use rules::{Check, Evaluation, Fields, Op, Rule};
