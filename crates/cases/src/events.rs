//! The names of case events (process data), in Chinese and English.

/// Case-level actions and the workflow's events (prefixed `wf.`).
pub const EVENTS: &[(&str, &str, &str)] = &[
    ("submitted", "网上申报", "applied online"),
    ("received", "窗口收件", "received at the window"),
    (
        "supplement_requested",
        "一次性告知补正",
        "one-time notice of what is missing",
    ),
    ("supplemented", "补正材料", "supplements handed in"),
    ("accepted", "受理", "accepted"),
    ("not_accepted", "不予受理", "not accepted"),
    (
        "special_started",
        "特别程序开始",
        "special procedure started",
    ),
    ("special_ended", "特别程序结束", "special procedure ended"),
    ("extended", "延长审批", "time limit extended"),
    ("decided", "作出决定", "decided"),
    ("concluded", "办结", "concluded"),
    ("delivered", "送达", "delivered"),
    ("withdrawn", "申请人撤回申请", "withdrawn by the applicant"),
    ("rated", "评价", "rated"),
    ("licence_issued", "签发电子证照", "licence issued"),
    (
        "licence_pending",
        "待人工制证",
        "licence to be issued by hand",
    ),
    ("wf.started", "进入审批流程", "entered the workflow"),
    ("wf.step_started", "环节开始", "step started"),
    ("wf.claimed", "签收", "claimed"),
    ("wf.approved", "通过", "approved"),
    ("wf.reported", "委派办理完毕", "delegate reported back"),
    ("wf.auto_decided", "智能审批", "automatic check"),
    ("wf.step_completed", "环节办结", "step completed"),
    ("wf.stage_skipped", "阶段跳过", "stage skipped"),
    ("wf.stage_completed", "阶段完成", "stage completed"),
    ("wf.returned", "退回", "returned"),
    ("wf.step_cancelled", "环节撤销", "step withdrawn"),
    ("wf.transferred", "转办", "transferred"),
    ("wf.delegated", "委派", "delegated"),
    ("wf.signer_added", "加签", "signer added"),
    ("wf.signer_removed", "减签", "signer removed"),
    ("wf.copied_to", "抄送", "copied"),
    ("wf.urged", "催办", "urged"),
    ("wf.recalled", "撤回", "recalled"),
    (
        "wf.supplement_requested",
        "补正告知",
        "supplements requested",
    ),
    ("wf.supplemented", "补正受理", "supplements received"),
    ("wf.completed", "审批通过", "approved in full"),
    ("wf.refused", "不予许可", "refused"),
];

/// Chinese and English name of an event (the code itself when unknown).
pub fn describe(action: &str) -> (&str, &str) {
    EVENTS
        .iter()
        .find(|e| e.0 == action)
        .map(|e| (e.1, e.2))
        .unwrap_or((action, action))
}
