//! A workflow definition: the stages of one item's case handling, as data.
//!
//! A definition is stored and exchanged as JSON (serde) and checked by
//! [`Definition::validate`], which names every broken rule with its field path
//! (`stages[1].branches[0].steps[2].sign`) and a stable rule identifier.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use yiwang_kernel::FieldError;

use crate::rules::Rule;

/// Longest step, group or definition code.
pub const MAX_CODE: usize = 64;
/// Longest name.
pub const MAX_NAME: usize = 100;
/// Longest time limit of one step, in working days.
pub const MAX_LIMIT_DAYS: u32 = 365;

/// An officer (a member of staff), by account id.
pub type OfficerId = i64;

/// The workflow of one item: an ordered list of stages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Definition {
    /// Stable code, e.g. the item's implementation code or a shared process code.
    pub code: String,
    /// Version of this definition; an instance remembers the version it was started on.
    pub version: u32,
    /// Name (Chinese).
    pub name: String,
    pub stages: Vec<Stage>,
}

/// One stage: a single step, or a parallel group (并联) whose branches all must finish
/// approved before the next stage starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Stage {
    Step(Box<Step>),
    Parallel(Parallel),
}

/// A parallel group (并联审批).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parallel {
    pub code: String,
    pub name: String,
    /// At least two branches; each is a sequence of steps handled independently.
    pub branches: Vec<Branch>,
}

/// One branch of a parallel group: its steps, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Branch {
    pub steps: Vec<Step>,
}

/// One step (环节), e.g. 受理, 审查, 审核, 决定.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// Unique within the definition.
    pub code: String,
    /// Name (Chinese).
    pub name: String,
    pub performer: Performer,
    pub sign: SignMode,
    /// The initial signers. `Single`: none (the step goes to the performer's pool and an
    /// officer claims it) or exactly one; `All`/`Any`: at least one.
    #[serde(default)]
    pub signers: Vec<OfficerId>,
    /// Time limit in working days (0: none of its own).
    #[serde(default)]
    pub limit_days: u32,
    /// What officers may do at this step. `approve` is always required.
    pub actions: Vec<ActionKind>,
    /// An automatic step (智能秒批): decides by rules when it starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto: Option<Auto>,
}

/// Who performs a step: a role in a department.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Performer {
    /// Role code (e.g. `case_reviewer`).
    pub role: String,
    pub department: DepartmentRef,
}

/// The performing department.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DepartmentRef {
    /// The department that owns the item (the instance's department).
    Item,
    /// A named department.
    Id(i64),
}

/// How many signers must approve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignMode {
    /// One handler (the assignee).
    Single,
    /// 会签: every current signer must approve.
    All,
    /// 或签: one approval is enough.
    Any,
}

/// The officer actions a step may allow. Urging (催办) and reporting supplements are
/// case-level and always possible while the case runs; claiming a pooled step is implied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Approve,
    Return,
    Refuse,
    Transfer,
    Delegate,
    AddSigner,
    RemoveSigner,
    CopyTo,
    Recall,
    RequestSupplement,
}

impl ActionKind {
    pub const ALL: &'static [ActionKind] = &[
        ActionKind::Approve,
        ActionKind::Return,
        ActionKind::Refuse,
        ActionKind::Transfer,
        ActionKind::Delegate,
        ActionKind::AddSigner,
        ActionKind::RemoveSigner,
        ActionKind::CopyTo,
        ActionKind::Recall,
        ActionKind::RequestSupplement,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Approve => "approve",
            ActionKind::Return => "return",
            ActionKind::Refuse => "refuse",
            ActionKind::Transfer => "transfer",
            ActionKind::Delegate => "delegate",
            ActionKind::AddSigner => "add_signer",
            ActionKind::RemoveSigner => "remove_signer",
            ActionKind::CopyTo => "copy_to",
            ActionKind::Recall => "recall",
            ActionKind::RequestSupplement => "request_supplement",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            ActionKind::Approve => "通过",
            ActionKind::Return => "退回",
            ActionKind::Refuse => "不予许可",
            ActionKind::Transfer => "转办",
            ActionKind::Delegate => "委派",
            ActionKind::AddSigner => "加签",
            ActionKind::RemoveSigner => "减签",
            ActionKind::CopyTo => "抄送",
            ActionKind::Recall => "撤回",
            ActionKind::RequestSupplement => "补正告知",
        }
    }
}

/// An automatic step (智能秒批): when it starts, its rule is evaluated on the form fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Auto {
    pub rule: Rule,
    /// Where the case goes when the rule holds (the step is approved by the system).
    #[serde(default)]
    pub on_pass: OnPass,
    /// Who takes over when it does not (the reason is recorded).
    #[serde(default)]
    pub on_fail: OnFail,
}

/// Where an automatic step sends a case whose rule holds.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "to", content = "step", rename_all = "snake_case")]
pub enum OnPass {
    /// The next step of the branch, or the next stage.
    #[default]
    Next,
    /// The case is completed at once (秒批即办结). Top-level steps only.
    Complete,
    /// A later top-level single step; the stages in between are skipped. Top-level steps only.
    Step(String),
}

/// Who takes over a case whose automatic rule fails.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "to", content = "step", rename_all = "snake_case")]
pub enum OnFail {
    /// The step's own performer handles it by hand (its signers, or its pool).
    #[default]
    Manual,
    /// A later top-level single manual step; the stages in between are skipped. Top-level
    /// steps only.
    Step(String),
}

/// Where a step sits in a definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Place {
    pub stage: usize,
    pub branch: usize,
    pub index: usize,
}

impl Stage {
    /// The branches of this stage; a single step is one branch of one step.
    pub fn branches(&self) -> Vec<&[Step]> {
        match self {
            Stage::Step(s) => vec![std::slice::from_ref(&**s)],
            Stage::Parallel(p) => p.branches.iter().map(|b| b.steps.as_slice()).collect(),
        }
    }

    pub fn code(&self) -> &str {
        match self {
            Stage::Step(s) => &s.code,
            Stage::Parallel(p) => &p.code,
        }
    }

    pub fn is_parallel(&self) -> bool {
        matches!(self, Stage::Parallel(_))
    }
}

impl Step {
    pub fn allows(&self, kind: ActionKind) -> bool {
        self.actions.contains(&kind)
    }
}

impl Definition {
    /// The shared data resources its automatic rules read (智能秒批 on shared data), each once,
    /// in declaration order.
    pub fn fact_resources(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for stage in &self.stages {
            for branch in stage.branches() {
                for auto in branch.iter().filter_map(|s| s.auto.as_ref()) {
                    for r in auto.rule.resources() {
                        if !out.iter().any(|x| x == r) {
                            out.push(r.to_string());
                        }
                    }
                }
            }
        }
        out
    }

    /// Finds a step by code.
    pub fn find(&self, code: &str) -> Option<(Place, &Step)> {
        for (si, stage) in self.stages.iter().enumerate() {
            for (bi, steps) in stage.branches().into_iter().enumerate() {
                for (i, step) in steps.iter().enumerate() {
                    if step.code == code {
                        return Some((
                            Place {
                                stage: si,
                                branch: bi,
                                index: i,
                            },
                            step,
                        ));
                    }
                }
            }
        }
        None
    }

    /// The step at a place.
    pub fn step_at(&self, p: Place) -> Option<&Step> {
        let stage = self.stages.get(p.stage)?;
        stage.branches().get(p.branch)?.get(p.index)
    }

    /// Every step with its place, in definition order.
    pub fn steps(&self) -> Vec<(Place, &Step)> {
        let mut out = Vec::new();
        for (si, stage) in self.stages.iter().enumerate() {
            for (bi, steps) in stage.branches().into_iter().enumerate() {
                for (i, step) in steps.iter().enumerate() {
                    out.push((
                        Place {
                            stage: si,
                            branch: bi,
                            index: i,
                        },
                        step,
                    ));
                }
            }
        }
        out
    }

    /// Checks the definition; every problem is reported with its field path and rule.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errs = Vec::new();
        check_code(&mut errs, "code", &self.code);
        check_name(&mut errs, "name", &self.name);
        if self.stages.is_empty() {
            errs.push(FieldError::new(
                "stages",
                "workflow.no_stages",
                "流程至少需要一个阶段",
                "A workflow needs at least one stage",
            ));
        }
        // Codes of steps and groups share one namespace.
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        let mut unique = |errs: &mut Vec<FieldError>, path: String, code: &str| {
            if let Some(first) = seen.get(code) {
                errs.push(FieldError::new(
                    path,
                    "workflow.duplicate_code",
                    format!("编码“{code}”与 {first} 重复"),
                    format!("Code \"{code}\" is already used by {first}"),
                ));
            } else {
                seen.insert(code.to_string(), path);
            }
        };
        for (si, stage) in self.stages.iter().enumerate() {
            match stage {
                Stage::Step(step) => {
                    let path = format!("stages[{si}]");
                    unique(&mut errs, format!("{path}.code"), &step.code);
                    self.check_step(&mut errs, &path, step, si, false);
                }
                Stage::Parallel(p) => {
                    let path = format!("stages[{si}]");
                    check_code(&mut errs, &format!("{path}.code"), &p.code);
                    check_name(&mut errs, &format!("{path}.name"), &p.name);
                    unique(&mut errs, format!("{path}.code"), &p.code);
                    if p.branches.len() < 2 {
                        errs.push(FieldError::new(
                            format!("{path}.branches"),
                            "workflow.parallel_branches",
                            "并联阶段至少需要两个分支",
                            "A parallel stage needs at least two branches",
                        ));
                    }
                    for (bi, b) in p.branches.iter().enumerate() {
                        let bpath = format!("{path}.branches[{bi}]");
                        if b.steps.is_empty() {
                            errs.push(FieldError::new(
                                format!("{bpath}.steps"),
                                "workflow.empty_branch",
                                "分支至少需要一个环节",
                                "A branch needs at least one step",
                            ));
                        }
                        for (i, step) in b.steps.iter().enumerate() {
                            let spath = format!("{bpath}.steps[{i}]");
                            unique(&mut errs, format!("{spath}.code"), &step.code);
                            self.check_step(&mut errs, &spath, step, si, true);
                        }
                    }
                }
            }
        }
        if errs.is_empty() { Ok(()) } else { Err(errs) }
    }

    fn check_step(
        &self,
        errs: &mut Vec<FieldError>,
        path: &str,
        step: &Step,
        stage: usize,
        in_group: bool,
    ) {
        check_code(errs, &format!("{path}.code"), &step.code);
        check_name(errs, &format!("{path}.name"), &step.name);
        if step.performer.role.trim().is_empty() {
            errs.push(FieldError::required(format!("{path}.performer.role")));
        } else if step.performer.role.chars().count() > MAX_CODE {
            errs.push(FieldError::max_chars(
                format!("{path}.performer.role"),
                MAX_CODE,
            ));
        }
        if let DepartmentRef::Id(id) = step.performer.department
            && id <= 0
        {
            errs.push(FieldError::new(
                format!("{path}.performer.department"),
                "workflow.department_id",
                "部门编号应为正整数",
                "The department id must be a positive number",
            ));
        }
        let distinct: BTreeSet<_> = step.signers.iter().collect();
        if distinct.len() != step.signers.len() {
            errs.push(FieldError::new(
                format!("{path}.signers"),
                "workflow.duplicate_signer",
                "签批人重复",
                "A signer is listed twice",
            ));
        }
        match step.sign {
            SignMode::Single if step.signers.len() > 1 => errs.push(FieldError::new(
                format!("{path}.signers"),
                "workflow.single_signers",
                "单人办理的环节最多指定一名办理人（不指定则由岗位人员签收）",
                "A single-handler step names at most one handler (none: an officer of the role claims it)",
            )),
            SignMode::All | SignMode::Any if step.signers.is_empty() => {
                errs.push(FieldError::new(
                    format!("{path}.signers"),
                    "workflow.signers_required",
                    "会签或或签环节至少需要一名签批人",
                    "An all-sign or any-sign step needs at least one signer",
                ))
            }
            _ => {}
        }
        if step.limit_days > MAX_LIMIT_DAYS {
            errs.push(FieldError::range(
                format!("{path}.limit_days"),
                0,
                i64::from(MAX_LIMIT_DAYS),
            ));
        }
        if !step.allows(ActionKind::Approve) {
            errs.push(FieldError::new(
                format!("{path}.actions"),
                "workflow.approve_required",
                "每个环节都必须允许“通过”",
                "Every step must allow approve",
            ));
        }
        let acts: BTreeSet<_> = step.actions.iter().collect();
        if acts.len() != step.actions.len() {
            errs.push(FieldError::new(
                format!("{path}.actions"),
                "workflow.duplicate_action",
                "操作重复",
                "An action is listed twice",
            ));
        }
        if let Some(auto) = &step.auto {
            let apath = format!("{path}.auto");
            auto.rule.validate(&format!("{apath}.rule"), errs);
            let mut codes = BTreeSet::new();
            auto.rule
                .check_codes(&format!("{apath}.rule"), &mut codes, errs);
            match &auto.on_pass {
                OnPass::Next => {}
                OnPass::Complete if in_group => errs.push(top_level_only(&apath, "on_pass")),
                OnPass::Complete => {}
                OnPass::Step(target) => {
                    if in_group {
                        errs.push(top_level_only(&apath, "on_pass"));
                    } else {
                        self.check_jump(errs, &format!("{apath}.on_pass"), target, stage, false);
                    }
                }
            }
            if let OnFail::Step(target) = &auto.on_fail {
                if in_group {
                    errs.push(top_level_only(&apath, "on_fail"));
                } else {
                    self.check_jump(errs, &format!("{apath}.on_fail"), target, stage, true);
                }
            }
        }
    }

    /// A jump goes to a later top-level single step (for `on_fail`, a manual one).
    fn check_jump(
        &self,
        errs: &mut Vec<FieldError>,
        path: &str,
        target: &str,
        from: usize,
        manual: bool,
    ) {
        let ok = self.stages.iter().enumerate().any(|(si, s)| {
            si > from
                && matches!(s, Stage::Step(step)
                    if step.code == target && !(manual && step.auto.is_some()))
        });
        if !ok {
            errs.push(FieldError::new(
                path,
                "workflow.jump_target",
                format!("跳转目标“{target}”应为后续阶段的单一环节（转人工时应为人工环节）"),
                format!(
                    "The jump target \"{target}\" must be a later stage's single step (a manual one when handing over)"
                ),
            ));
        }
    }
}

fn top_level_only(path: &str, field: &str) -> FieldError {
    FieldError::new(
        format!("{path}.{field}"),
        "workflow.jump_in_group",
        "并联分支中的自动环节只能继续本分支或转人工办理",
        "An automatic step inside a parallel branch can only continue its branch or hand over to its performer",
    )
}

fn check_code(errs: &mut Vec<FieldError>, path: &str, code: &str) {
    if code.is_empty() {
        errs.push(FieldError::required(path));
    } else if code.chars().count() > MAX_CODE {
        errs.push(FieldError::max_chars(path, MAX_CODE));
    } else if !code
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
    {
        errs.push(FieldError::new(
            path,
            "workflow.code_chars",
            "编码只能包含英文字母、数字、下划线、连字符和点",
            "A code may contain only ASCII letters, digits, '_', '-' and '.'",
        ));
    }
}

fn check_name(errs: &mut Vec<FieldError>, path: &str, name: &str) {
    if name.trim().is_empty() {
        errs.push(FieldError::required(path));
    } else if name.chars().count() > MAX_NAME {
        errs.push(FieldError::max_chars(path, MAX_NAME));
    }
}
