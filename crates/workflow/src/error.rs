//! Why a workflow action was refused: a stable code, text in Chinese and English, and the
//! kind of refusal as a kernel [`ErrorCode`] (`InvalidState`, `Forbidden`, `Validation`).

use std::fmt;

use yiwang_kernel::{Error, ErrorCode, FieldError};

use crate::definition::OfficerId;

/// A refused action or an unusable definition or instance. Never a panic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkflowError {
    /// The definition breaks its rules (see the field errors).
    InvalidDefinition(Vec<FieldError>),
    /// The instance was started on another definition or version.
    DefinitionMismatch { expected: String, found: String },
    /// The stored instance does not fit its definition (edited by hand, or a bug).
    Corrupt(String),
    /// The case is completed or refused; nothing more is accepted.
    Finished,
    /// The case waits for supplements (补正); only their receipt is accepted.
    Paused,
    /// Supplements were reported but none were requested.
    NotPaused,
    /// The actor is not a current assignee, signer or delegate of the step.
    NotYourTurn,
    /// The actor does not hold the step's role in its department, so cannot claim it.
    NotEligible,
    /// The actor may act on several active steps; name the step.
    AmbiguousStep(Vec<String>),
    /// No step with that code in the definition.
    UnknownStep(String),
    /// The step is not active now.
    StepNotActive(String),
    /// The step does not allow the action, or a delegate tried something else than reporting back.
    ActionNotAllowed { step: String, action: &'static str },
    /// A return must go to an earlier step of the same branch or of an earlier stage.
    BadReturnTarget(String),
    /// The officer already takes part in the step.
    AlreadyOnStep(OfficerId),
    /// The officer is not a signer of the step.
    NotASigner(OfficerId),
    /// The signer has already decided and cannot be removed.
    SignerDecided(OfficerId),
    /// A signer cannot remove themselves (transfer instead).
    CannotRemoveSelf,
    /// Adding or removing signers needs an all-sign or any-sign step.
    SingleStep(String),
    /// The step is not waiting to be claimed.
    NotPooled(String),
    /// Nothing to recall.
    NothingToRecall,
    /// Someone else acted after the actor's last action.
    RecallNotLast,
    /// A required text (opinion, supplement list) is missing.
    Required(&'static str),
    /// A text is too long.
    TooLong { field: &'static str, max: usize },
}

impl WorkflowError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        use WorkflowError as E;
        match self {
            E::InvalidDefinition(_) => "workflow.invalid_definition",
            E::DefinitionMismatch { .. } => "workflow.definition_mismatch",
            E::Corrupt(_) => "workflow.corrupt_instance",
            E::Finished => "workflow.finished",
            E::Paused => "workflow.paused",
            E::NotPaused => "workflow.not_paused",
            E::NotYourTurn => "workflow.not_your_turn",
            E::NotEligible => "workflow.not_eligible",
            E::AmbiguousStep(_) => "workflow.ambiguous_step",
            E::UnknownStep(_) => "workflow.unknown_step",
            E::StepNotActive(_) => "workflow.step_not_active",
            E::ActionNotAllowed { .. } => "workflow.action_not_allowed",
            E::BadReturnTarget(_) => "workflow.bad_return_target",
            E::AlreadyOnStep(_) => "workflow.already_on_step",
            E::NotASigner(_) => "workflow.not_a_signer",
            E::SignerDecided(_) => "workflow.signer_decided",
            E::CannotRemoveSelf => "workflow.cannot_remove_self",
            E::SingleStep(_) => "workflow.single_step",
            E::NotPooled(_) => "workflow.not_pooled",
            E::NothingToRecall => "workflow.nothing_to_recall",
            E::RecallNotLast => "workflow.recall_not_last",
            E::Required(_) => "workflow.required",
            E::TooLong { .. } => "workflow.too_long",
        }
    }

    /// The kind of refusal, as a kernel error code.
    pub fn kind(&self) -> ErrorCode {
        use WorkflowError as E;
        match self {
            E::NotYourTurn | E::NotEligible => ErrorCode::Forbidden,
            E::InvalidDefinition(_)
            | E::AmbiguousStep(_)
            | E::UnknownStep(_)
            | E::BadReturnTarget(_)
            | E::AlreadyOnStep(_)
            | E::NotASigner(_)
            | E::CannotRemoveSelf
            | E::Required(_)
            | E::TooLong { .. } => ErrorCode::Validation,
            E::Corrupt(_) | E::DefinitionMismatch { .. } => ErrorCode::Internal,
            E::Finished
            | E::Paused
            | E::NotPaused
            | E::StepNotActive(_)
            | E::ActionNotAllowed { .. }
            | E::SignerDecided(_)
            | E::SingleStep(_)
            | E::NotPooled(_)
            | E::NothingToRecall
            | E::RecallNotLast => ErrorCode::InvalidState,
        }
    }

    /// The message in Chinese.
    pub fn zh(&self) -> String {
        use WorkflowError as E;
        match self {
            E::InvalidDefinition(_) => "流程定义有误".into(),
            E::DefinitionMismatch { expected, found } => {
                format!("办件按流程“{found}”启动，与当前流程“{expected}”不符")
            }
            E::Corrupt(_) => "办件流程数据与流程定义不一致".into(),
            E::Finished => "办件已办结，不能再办理".into(),
            E::Paused => "办件正在等待补正材料，暂不能办理".into(),
            E::NotPaused => "办件未处于补正状态".into(),
            E::NotYourTurn => "您不是当前环节的办理人".into(),
            E::NotEligible => "您不具备该环节的岗位，不能签收".into(),
            E::AmbiguousStep(steps) => {
                format!("您同时在多个环节（{}）办理，请指定环节", steps.join("、"))
            }
            E::UnknownStep(s) => format!("流程中没有环节“{s}”"),
            E::StepNotActive(s) => format!("环节“{s}”当前未在办理"),
            E::ActionNotAllowed { step, action } => {
                format!("环节“{step}”不允许此操作（{action}）")
            }
            E::BadReturnTarget(s) => {
                format!("只能退回到本分支或之前阶段中较早的环节，不能退回到“{s}”")
            }
            E::AlreadyOnStep(o) => format!("人员 {o} 已在本环节办理"),
            E::NotASigner(o) => format!("人员 {o} 不是本环节的签批人"),
            E::SignerDecided(o) => format!("人员 {o} 已签批，不能减签"),
            E::CannotRemoveSelf => "不能减去自己，请改用转办".into(),
            E::SingleStep(s) => format!("环节“{s}”为单人办理，不能加签或减签"),
            E::NotPooled(s) => format!("环节“{s}”已有办理人，无需签收"),
            E::NothingToRecall => "没有可以撤回的操作".into(),
            E::RecallNotLast => "已有他人在您之后办理，不能撤回".into(),
            E::Required(f) => format!("{f} 必填"),
            E::TooLong { field, max } => format!("{field} 不能超过 {max} 个字符"),
        }
    }

    /// The message in English.
    pub fn en(&self) -> String {
        use WorkflowError as E;
        match self {
            E::InvalidDefinition(_) => "The workflow definition is invalid".into(),
            E::DefinitionMismatch { expected, found } => {
                format!("The case was started on workflow \"{found}\", not on \"{expected}\"")
            }
            E::Corrupt(_) => "The case's workflow data does not fit its definition".into(),
            E::Finished => "The case is finished; nothing more can be done".into(),
            E::Paused => "The case waits for supplements; it cannot be handled now".into(),
            E::NotPaused => "The case is not waiting for supplements".into(),
            E::NotYourTurn => "You are not a current handler of this step".into(),
            E::NotEligible => "You do not hold this step's role, so cannot claim it".into(),
            E::AmbiguousStep(steps) => format!(
                "You take part in several steps ({}); name the step",
                steps.join(", ")
            ),
            E::UnknownStep(s) => format!("The workflow has no step \"{s}\""),
            E::StepNotActive(s) => format!("Step \"{s}\" is not active"),
            E::ActionNotAllowed { step, action } => {
                format!("Step \"{step}\" does not allow {action}")
            }
            E::BadReturnTarget(s) => format!(
                "A case can only be returned to an earlier step of the same branch or of an earlier stage, not to \"{s}\""
            ),
            E::AlreadyOnStep(o) => format!("Officer {o} already takes part in this step"),
            E::NotASigner(o) => format!("Officer {o} is not a signer of this step"),
            E::SignerDecided(o) => format!("Officer {o} has already signed and cannot be removed"),
            E::CannotRemoveSelf => "You cannot remove yourself; transfer instead".into(),
            E::SingleStep(s) => {
                format!("Step \"{s}\" has a single handler; signers cannot be added or removed")
            }
            E::NotPooled(s) => format!("Step \"{s}\" already has a handler"),
            E::NothingToRecall => "There is nothing to recall".into(),
            E::RecallNotLast => "Someone acted after you; your action cannot be recalled".into(),
            E::Required(f) => format!("{f} is required"),
            E::TooLong { field, max } => format!("{field} must be at most {max} characters"),
        }
    }

    /// The field errors of a validation refusal.
    fn fields(&self) -> Vec<FieldError> {
        use WorkflowError as E;
        let on = |field: &str| FieldError::new(field, self.code(), self.zh(), self.en());
        match self {
            E::InvalidDefinition(errs) => errs.clone(),
            E::AmbiguousStep(_) | E::UnknownStep(_) => vec![on("step")],
            E::BadReturnTarget(_) => vec![on("to_step")],
            E::AlreadyOnStep(_) | E::NotASigner(_) | E::CannotRemoveSelf => vec![on("who")],
            E::Required(f) | E::TooLong { field: f, .. } => vec![on(f)],
            _ => Vec::new(),
        }
    }
}

impl fmt::Display for WorkflowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.en())?;
        if let WorkflowError::Corrupt(why) = self {
            write!(f, " ({why})")?;
        }
        Ok(())
    }
}

impl std::error::Error for WorkflowError {}

impl From<WorkflowError> for Error {
    fn from(e: WorkflowError) -> Self {
        let mut out = Error::new(e.kind()).with_detail(e.zh(), e.en());
        out.fields = e.fields();
        if e.kind() == ErrorCode::Internal {
            // The details of an internal failure are for the log only.
            out = Error::internal(e.to_string());
        } else {
            out.internal = Some(e.code().into());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_to_kernel_errors() {
        let e: Error = WorkflowError::NotYourTurn.into();
        assert_eq!(e.code, ErrorCode::Forbidden);
        assert_eq!(
            e.message(yiwang_kernel::i18n::Lang::Zh),
            "您不是当前环节的办理人"
        );
        let e: Error = WorkflowError::BadReturnTarget("accept".into()).into();
        assert_eq!(e.code, ErrorCode::Validation);
        assert_eq!(e.fields[0].field, "to_step");
        assert_eq!(e.fields[0].rule, "workflow.bad_return_target");
        let e: Error = WorkflowError::Paused.into();
        assert_eq!(e.code, ErrorCode::InvalidState);
        let e: Error = WorkflowError::Corrupt("stage 9".into()).into();
        assert_eq!(e.code, ErrorCode::Internal);
        assert!(e.detail.is_none());
    }
}
