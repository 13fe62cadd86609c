//! The staff side of bundle applications: window reception, the list, one application,
//! statistics, and the case screen's note of the bundle a case belongs to.

/// `(key, 简体中文, English)`.
pub(super) const MESSAGES: &[(&str, &str, &str)] = &[
    (
        "bstaff.window_title",
        "一件事窗口收件",
        "Receive a bundle at the window",
    ),
    (
        "bstaff.window_lead",
        "与申请人一起回答问题，一次录入合并表单、收取一套材料，系统分送各部门并联办理。",
        "Answer the questions with the applicant, type the merged form once and take one set of materials; the departments get their parts at once.",
    ),
    (
        "bstaff.none_published",
        "暂无已发布的一件事。",
        "No bundle is published.",
    ),
    ("bstaff.receive", "收件并分送", "Receive and dispatch"),
    ("bstaff.list_title", "一件事申办", "Bundle applications"),
    ("bstaff.filter", "筛选", "Filter"),
    ("bstaff.bundle", "一件事", "Bundle"),
    ("bstaff.none", "暂无记录。", "Nothing yet."),
    ("bstaff.stats_title", "一件事统计", "Bundle statistics"),
    (
        "bstaff.stats_lead",
        "办结用时按工作日计；“逐项时限”为所办事项承诺时限之和的平均值；减少的信息项和材料份数为逐项申请与一件事申请之差。",
        "Times are working days; \"items' time\" is the average sum of the applied items' promised limits; fields and materials saved are the difference between applying item by item and applying once.",
    ),
    ("bstaff.from", "自", "From"),
    ("bstaff.to", "至", "To"),
    ("bstaff.submitted", "申办", "Applied"),
    ("bstaff.concluded", "办结", "Concluded"),
    ("bstaff.on_time", "按时办结", "On time"),
    (
        "bstaff.avg_days",
        "平均用时 / 承诺",
        "Average days / promised",
    ),
    ("bstaff.items_days", "逐项时限之和", "Items' time"),
    ("bstaff.visits_saved", "减少跑动", "Visits saved"),
    ("bstaff.fields_saved", "减少填报项", "Fields saved"),
    ("bstaff.materials_saved", "减少材料", "Materials saved"),
    (
        "flash.bundle_received",
        "已收件，各事项已分送办理部门。",
        "Received; every part went to its department.",
    ),
    (
        "case.in_bundle",
        "本件属于一件事“{b}”",
        "This case is part of the bundle \"{b}\"",
    ),
    (
        "case.view_bundle",
        "查看整件事进度",
        "See the whole bundle's progress",
    ),
];
