//! The columns of the five tables: key, Chinese header, accepted aliases and how cells are
//! read.

use super::*;

/// How a column's cells are read and written.
#[derive(Debug, Clone, Copy)]
pub(super) enum Kind {
    /// Identifies the row (实施编码, 基本编码, …): read by the importer itself.
    Key,
    Text,
    Code(&'static CodeTable),
    Codes(&'static CodeTable),
    Int,
    /// A time limit: a whole number, or 即办 for 0.
    Limit,
    Bool,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Field {
    pub(super) col: Column,
    pub(super) kind: Kind,
}

pub(super) const fn fd(key: &'static str, zh: &'static str, kind: Kind) -> Field {
    Field {
        col: Column::new(key, zh, false),
        kind,
    }
}

pub(super) const fn fa(
    key: &'static str,
    zh: &'static str,
    aliases: &'static [&'static str],
    kind: Kind,
) -> Field {
    Field {
        col: Column {
            aliases,
            ..Column::new(key, zh, false)
        },
        kind,
    }
}

pub(super) const fn required(mut f: Field) -> Field {
    f.col.required = true;
    f
}

pub(super) const ITEM_CODE: Field = required(fa("code", "实施编码", &["实施清单编码"], Kind::Key));

pub(super) const ITEM_FIELDS: &[Field] = &[
    ITEM_CODE,
    required(fa("basic_code", "基本编码", &["基本目录编码"], Kind::Key)),
    fd("name", "事项名称", Kind::Key),
    required(fa(
        "department_uscc",
        "实施部门统一社会信用代码",
        &["实施主体代码", "实施主体编码", "实施机构统一社会信用代码"],
        Kind::Key,
    )),
    fa(
        "division_code",
        "实施区划代码",
        &["行政区划代码", "区划代码"],
        Kind::Key,
    ),
    fa(
        "exercise_level",
        "行使层级",
        &["行使层级代码"],
        Kind::Code(&codes::LEVELS),
    ),
    fa(
        "subject_nature",
        "实施主体性质",
        &["实施主体性质代码"],
        Kind::Code(&codes::SUBJECT_NATURE),
    ),
    fd("power_source", "权力来源", Kind::Code(&codes::POWER_SOURCE)),
    fd("authority_division", "权限划分", Kind::Text),
    fd("exercise_content", "行使内容", Kind::Text),
    fa(
        "joint_departments",
        "共同实施部门",
        &["联办机构"],
        Kind::Text,
    ),
    fd("handling_body", "承办机构", Kind::Text),
    fd("acceptance_conditions", "受理条件", Kind::Text),
    fd("process", "办理流程", Kind::Text),
    fd("special_procedures", "特别程序", Kind::Text),
    fd("intermediary_services", "中介服务", Kind::Text),
    fd("quantity_limit", "数量限制", Kind::Text),
    fd("statutory_limit", "法定办结时限", Kind::Limit),
    fa(
        "statutory_unit",
        "法定时限单位",
        &["法定办结时限单位"],
        Kind::Code(&codes::TIME_UNITS),
    ),
    fa(
        "statutory_note",
        "法定时限说明",
        &["法定办结时限说明"],
        Kind::Text,
    ),
    fd("promised_limit", "承诺办结时限", Kind::Limit),
    fa(
        "promised_unit",
        "承诺时限单位",
        &["承诺办结时限单位"],
        Kind::Code(&codes::TIME_UNITS),
    ),
    fa(
        "promised_note",
        "承诺时限说明",
        &["承诺办结时限说明"],
        Kind::Text,
    ),
    fd("case_type", "办件类型", Kind::Code(&codes::CASE_TYPES)),
    fd(
        "result_type",
        "审批结果类型",
        Kind::Code(&codes::RESULT_TYPES),
    ),
    fa("result_name", "审批结果名称", &["结果名称"], Kind::Text),
    fd("result_sample", "结果样本", Kind::Text),
    fd("is_fee", "是否收费", Kind::Bool),
    fd("fee_basis", "收费依据", Kind::Text),
    fd(
        "service_objects",
        "服务对象",
        Kind::Codes(&codes::SERVICE_OBJECTS),
    ),
    fa(
        "personal_themes",
        "自然人主题",
        &["自然人服务主题"],
        Kind::Codes(&codes::PERSONAL_THEMES),
    ),
    fa(
        "enterprise_themes",
        "法人主题",
        &["法人服务主题"],
        Kind::Codes(&codes::ENTERPRISE_THEMES),
    ),
    fd("keywords", "关键词", Kind::Text),
    fd(
        "handling_forms",
        "办理形式",
        Kind::Codes(&codes::HANDLING_FORMS),
    ),
    fa(
        "online_depth",
        "网上办理深度",
        &["网办深度"],
        Kind::Codes(&codes::ONLINE_DEPTH),
    ),
    fd("online_url", "网办地址", Kind::Text),
    fa("visits", "到办事现场次数", &["到现场次数"], Kind::Int),
    fa(
        "visits_reason",
        "必须现场办理原因",
        &["必须现场办理原因说明"],
        Kind::Text,
    ),
    fd("cross_scope", "通办范围", Kind::Code(&codes::CROSS_SCOPES)),
    fa(
        "appointment",
        "是否支持预约",
        &["是否支持预约办理"],
        Kind::Bool,
    ),
    fd("online_payment", "是否支持网上支付", Kind::Bool),
    fd("express", "是否支持物流快递", Kind::Bool),
    fa(
        "in_hall",
        "是否进驻大厅",
        &["是否进驻政务服务大厅"],
        Kind::Bool,
    ),
    fd("location", "办理地点", Kind::Text),
    fd("hours", "办理时间", Kind::Text),
    fd("consult_phone", "咨询电话", Kind::Text),
    fa("supervise_phone", "监督投诉电话", &["监督电话"], Kind::Text),
];

pub(super) const MATERIAL_FIELDS: &[Field] = &[
    ITEM_CODE,
    fd("key", "材料编号", Kind::Text),
    required(fd("name", "材料名称", Kind::Text)),
    fa(
        "source",
        "来源渠道",
        &["材料来源"],
        Kind::Code(&codes::MATERIAL_SOURCES),
    ),
    fa("issuer", "出具机构", &["出具单位"], Kind::Text),
    fd("originals", "原件份数", Kind::Int),
    fd("copies", "复印件份数", Kind::Int),
    fa("required", "是否必要", &["是否必备材料"], Kind::Bool),
    fd("condition", "情形说明", Kind::Text),
    fd("format", "材料形式", Kind::Code(&codes::MATERIAL_FORMATS)),
    fa(
        "notes",
        "受理标准/填报须知",
        &["受理标准", "填报须知"],
        Kind::Text,
    ),
    fd("blank_form", "空白表格", Kind::Text),
    fd("sample", "示例样表", Kind::Text),
    fa(
        "licence_type",
        "可替代证照类型代码",
        &["证照类型代码"],
        Kind::Text,
    ),
    fa(
        "replaced_by",
        "可代替的基础库",
        &["数据代替材料"],
        Kind::Text,
    ),
];

pub(super) const FEE_FIELDS: &[Field] = &[
    ITEM_CODE,
    required(fd("name", "收费项目名称", Kind::Text)),
    fd("standard", "收费标准", Kind::Text),
    fd("basis", "收费依据", Kind::Text),
    fd("reducible", "是否允许减免", Kind::Bool),
];

pub(super) const FAQ_FIELDS: &[Field] = &[
    ITEM_CODE,
    required(fd("question", "问题", Kind::Text)),
    fa("answer", "解答", &["答案", "回答"], Kind::Text),
];

pub(super) const STEP_FIELDS: &[Field] = &[
    ITEM_CODE,
    required(fd("name", "环节名称", Kind::Text)),
    fd("limit", "环节时限", Kind::Limit),
    fd("description", "环节说明", Kind::Text),
];
