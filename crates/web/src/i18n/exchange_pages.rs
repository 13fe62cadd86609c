//! Data sharing's navigation, the new-resource form and quality rules of the resource editor
//! (`pages::exchange_editor`), the demand list's forms (`pages::exchange_lists`) and the start
//! page's data-sharing queues and tasks.

/// `(key, 简体中文, English)`.
pub(super) const MESSAGES: &[(&str, &str, &str)] = &[
    ("nav.exchange", "数据共享", "Data sharing"),
    ("xnav.label", "数据共享导航", "Data sharing navigation"),
    ("excat.register", "登记信息资源", "Register a resource"),
    (
        "excat.register_lead",
        "登记后为草稿，可继续修改，提交审核后由数据资源管理员发布。",
        "A registered resource is a draft you can keep editing; once submitted, the data administrator publishes it.",
    ),
    (
        "excat.class_hint",
        "前段码：类（1 位：1 基础、2 主题、3 部门）+ 项（2 位）+ 目（3 位）+ 细目（0–6 位），如 301001",
        "Classification: category (1 digit: 1 base, 2 theme, 3 department) + item (2) + entry (3) + sub-entry (0–6), e.g. 301001",
    ),
    ("excat.sequence", "后段码", "Sequence"),
    (
        "excat.sequence_hint",
        "留空则自动取下一个顺序号",
        "Leave blank for the next free number",
    ),
    (
        "excat.items_hint",
        "每行一个信息项；至少一个主键。展开“质量规则”设置归集时的校验。保存后会再多出一行空行。",
        "One data item per row, at least one of them a key. Open “Quality rules” to set the checks applied on loading. Saving adds another blank row.",
    ),
    (
        "excat.register_save",
        "登记（保存为草稿）",
        "Register (save as draft)",
    ),
    ("excat.rules", "质量规则", "Quality rules"),
    ("excat.rule.required", "必填", "Required"),
    ("excat.rule.id_number", "身份证号校验", "ID number check"),
    ("excat.rule.uscc", "统一社会信用代码校验", "USCC check"),
    ("excat.rule.unique", "不得重复", "Unique"),
    ("excat.rule.max_length", "长度上限", "Maximum length"),
    (
        "excat.rule.pattern",
        "格式（正则表达式）",
        "Pattern (regular expression)",
    ),
    (
        "excat.rule.code_list",
        "代码表取值（以“、”分隔）",
        "Code list (separated by 、 or commas)",
    ),
    (
        "excat.rule.reference",
        "引用信息资源代码",
        "References resource (code)",
    ),
    ("excat.rule.date_from", "日期不早于", "Date from"),
    ("excat.rule.date_to", "日期不晚于", "Date to"),
    (
        "excat.demands_lead",
        "各部门需要但尚无信息资源提供的数据；数据资源管理员分派给提供部门、标记已由资源满足或说明理由不予提供。",
        "Data departments need that no resource provides yet; the data administrator assigns each to a provider, marks it met by a resource, or declines it with a reason.",
    ),
    ("excat.demand_file", "登记共享需求", "File a data demand"),
    ("excat.demand_name", "需求名称", "What data"),
    ("excat.demand_fields", "所需信息项", "Data items wanted"),
    (
        "excat.demand_fields_hint",
        "每行一个，或以“、”分隔",
        "One per line, or separated by 、 or commas",
    ),
    ("excat.demand_basis", "需求依据", "Basis"),
    ("excat.demand_description", "需求说明", "Description"),
    ("excat.demand_submit", "提交需求", "File the demand"),
    ("excat.demand_assign", "分派", "Assign"),
    ("excat.demand_meet", "已由资源满足", "Met by a resource"),
    ("excat.demand_decline", "不予提供", "Decline"),
    ("excat.demand_claim", "认领", "Claim"),
    ("excat.demand_provided", "标记已提供", "Mark provided"),
    (
        "flash.excat_created",
        "信息资源已登记为草稿",
        "Resource registered as a draft",
    ),
    ("flash.excat_demand_filed", "共享需求已登记", "Demand filed"),
    ("flash.excat_demand_assign", "需求已分派", "Demand assigned"),
    (
        "flash.excat_demand_meet",
        "需求已标记为已提供",
        "Demand marked as met",
    ),
    (
        "flash.excat_demand_decline",
        "需求已不予提供",
        "Demand declined",
    ),
    ("flash.excat_demand_claim", "需求已认领", "Demand claimed"),
    (
        "flash.excat_demand_provided",
        "需求已提供",
        "Demand provided",
    ),
    (
        "start.q.exchange_inbox",
        "待决定的共享申请",
        "Sharing requests to decide",
    ),
    ("start.q.exchange_drafts", "信息资源草稿", "Resource drafts"),
    (
        "start.q.exchange_review",
        "待审核的信息资源",
        "Resources to review",
    ),
    (
        "start.q.exchange_red",
        "超期未决的共享申请",
        "Overdue sharing decisions",
    ),
    (
        "start.q.exchange_demands",
        "待处理的共享需求",
        "Demands to work",
    ),
    ("admin.exchange", "数据共享", "Data sharing"),
];
