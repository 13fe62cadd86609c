//! Shared data in cases: materials replaced by base-library data (数据代替材料) and their
//! provenance on the case screens.

/// `(key, 简体中文, English)`.
pub(super) const MESSAGES: &[(&str, &str, &str)] = &[
    ("source.data", "数据代替材料", "Replaced by data"),
    ("case.provenance", "数据来源", "Data source"),
    (
        "case.provenance_line",
        "资源 {r}（{n}）信息项 {f}，{t} 起有效",
        "Resource {r} ({n}), data item {f}, valid since {t}",
    ),
    (
        "apply.replaced_kept",
        "无需上传；如上传文件，以文件为准",
        "No upload needed; a file you upload is used instead",
    ),
    (
        "material.replaced_by",
        "可由基础库数据代替（数据代替材料）",
        "May be replaced by base-library data",
    ),
    ("library.population", "人口库", "population library"),
    ("library.legal_person", "法人库", "legal-person library"),
    (
        "window.replaceable",
        "{l}有申请人记录时免收",
        "Not needed when the {l} holds the applicant's record",
    ),
];
