//! The Open311 api keys page (security administrator).

/// `(key, 简体中文, English)`.
pub(super) const MESSAGES: &[(&str, &str, &str)] = &[
    ("o311.title", "Open311接口密钥", "Open311 api keys"),
    (
        "o311.lead",
        "外部应用（城市App、媒体“随手拍”等）凭接口密钥通过 Open311 GeoReport v2 接口提交12345诉求；查询接口公开，无需密钥。密钥只在签发时显示一次，平台只保存其摘要。",
        "Outside apps (a city app, a newspaper's photo reports…) file 12345 appeals through Open311 GeoReport v2 with an api key; reading is public and needs none. A key is shown once, when issued; only its digest is kept.",
    ),
    ("o311.endpoint", "接口地址", "Endpoint"),
    ("o311.list", "已签发的密钥", "Keys issued"),
    ("o311.name", "应用名称", "App"),
    ("o311.contact", "联系人及电话", "Contact"),
    ("o311.prefix", "密钥开头", "Key begins"),
    ("o311.issued_at", "签发时间", "Issued"),
    ("o311.last_used", "最近使用", "Last used"),
    ("o311.status", "状态", "Status"),
    ("o311.active", "有效", "Active"),
    ("o311.revoked", "已吊销", "Revoked"),
    ("o311.revoke", "吊销", "Revoke"),
    ("o311.none", "尚未签发密钥", "No key issued yet"),
    ("o311.new", "签发新密钥", "Issue a key"),
    (
        "o311.name_placeholder",
        "如：湛江市民App",
        "e.g. Zhanjiang citizens' app",
    ),
    (
        "o311.contact_placeholder",
        "如：张工 0759-3100000",
        "e.g. Mr Zhang 0759-3100000",
    ),
    ("o311.issue", "签发", "Issue"),
    (
        "o311.issued",
        "已为“{n}”签发接口密钥：",
        "Api key issued for “{n}”:",
    ),
    (
        "o311.issued_once",
        "请立即复制并通过安全渠道交给对方：离开本页后将无法再次查看。",
        "Copy it now and hand it over through a safe channel: it cannot be shown again once you leave this page.",
    ),
    (
        "flash.open311_key_revoked",
        "密钥已吊销，使用它的提交将被拒绝（403）",
        "The key is revoked; posts with it are refused (403)",
    ),
];
