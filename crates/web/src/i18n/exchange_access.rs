//! The data API's pages: the provider's access log, the subject's 用数记录, the case screen's
//! 共享数据核验 panel.

/// `(key, 简体中文, English)`.
pub(super) const MESSAGES: &[(&str, &str, &str)] = &[
    ("nav.data_uses", "用数记录", "Data use"),
    ("nav.exchange_calls", "调用记录", "Data reads"),
    (
        "data_uses.title",
        "用数记录：谁使用了我的数据",
        "Who used my data",
    ),
    (
        "data_uses.hint",
        "政府部门通过数据共享读取以您的身份证号为键的数据时，都会记录在这里：哪个部门、何时、为办理哪件事、读取了哪些信息项。",
        "Whenever a government department reads shared data keyed by your ID number, it is listed here: which department, when, for which case, and which items.",
    ),
    (
        "data_uses.hint_org",
        "政府部门通过数据共享读取以本企业统一社会信用代码为键的数据的记录",
        "Reads of shared data keyed by the enterprise's unified social credit code",
    ),
    ("data_uses.when", "时间", "When"),
    ("data_uses.department", "使用部门", "Department"),
    ("data_uses.resource", "数据资源", "Resource"),
    ("data_uses.provider", "提供部门", "Provided by"),
    ("data_uses.purpose", "用途", "Purpose"),
    ("data_uses.fields", "信息项", "Items"),
    (
        "data_uses.none",
        "还没有部门使用过您的数据。",
        "No department has used your data yet.",
    ),
    ("exchange_calls.title", "数据调用记录", "Reads of our data"),
    (
        "exchange_calls.hint",
        "其他部门（含其业务系统）依据共享授权读取本部门数据的每一次调用。",
        "Every read of this department's shared data by other departments (and their systems) under a grant.",
    ),
    ("exchange_calls.consumer", "使用部门", "Consumer"),
    ("exchange_calls.who", "调用者", "Caller"),
    ("exchange_calls.rows", "行数", "Rows"),
    ("exchange_calls.older", "更早的记录", "Older reads"),
    ("exchange_calls.none", "还没有调用记录。", "No reads yet."),
    (
        "verify_data.title",
        "共享数据核验",
        "Check with shared data",
    ),
    (
        "verify_data.hint",
        "依据本部门的共享授权，查询申请人在共享资源中的数据；每次查询都记录在本办件编号下。",
        "Looks up the applicant in a shared resource under your department's grant; every lookup is recorded against this case number.",
    ),
    ("verify_data.resource", "数据资源", "Resource"),
    (
        "verify_data.key",
        "查询键（身份证号或统一社会信用代码）",
        "Key (ID number or USCC)",
    ),
    ("verify_data.submit", "核验", "Check"),
    ("verify_data.found", "查询结果", "Result"),
    (
        "verify_data.not_found",
        "共享资源中没有该键的数据。",
        "The resource holds no row for this key.",
    ),
    (
        "verify_data.no_grants",
        "本部门还没有有效的共享授权。",
        "Your department holds no active grant.",
    ),
    (
        "verify_data.reads",
        "本办件的数据调用",
        "Reads for this case",
    ),
];
