//! The user-interface string catalog: every visible string of the pages, in Simplified Chinese
//! and English. Templates call `t("key")`; a test checks that every key they use exists.

use yiwang_kernel::i18n::Lang;

/// `(key, 简体中文, English)`.
pub const MESSAGES: &[(&str, &str, &str)] = &[
    ("site.name", "一网通办", "Yiwang Government Services"),
    (
        "site.subtitle",
        "湛江市政务服务网",
        "Zhanjiang online government services",
    ),
    (
        "site.tagline",
        "湛江市政务服务和数据管理局 主办",
        "Run by the Zhanjiang Government Service and Data Administration",
    ),
    ("a11y.skip", "跳到主要内容", "Skip to main content"),
    ("nav.label", "主导航", "Main navigation"),
    ("nav.home", "首页", "Home"),
    ("nav.items", "办事服务", "Services"),
    ("nav.departments", "部门", "Departments"),
    ("nav.halls", "服务大厅", "Service halls"),
    ("nav.admin", "管理后台", "Administration"),
    ("prefs.elder_on", "长者模式", "Large text"),
    ("prefs.elder_off", "退出长者模式", "Normal text"),
    ("auth.sign_in", "登录", "Sign in"),
    ("auth.sign_out", "退出", "Sign out"),
    ("auth.staff_sign_in", "工作人员登录", "Staff sign-in"),
    ("auth.username", "账号", "Account"),
    ("auth.password", "密码", "Password"),
    ("auth.demo_accounts", "演示账号", "Demo accounts"),
    (
        "auth.demo_password",
        "演示环境中所有账号的密码均为 {p}",
        "In the demo every account's password is {p}",
    ),
    (
        "footer.hotline",
        "政务服务便民热线 12345",
        "Government service hotline 12345",
    ),
    (
        "footer.about",
        "Yiwang 一网通办平台",
        "Yiwang integrated government-service platform",
    ),
    ("footer.api", "开放接口（OpenAPI）", "Open API (OpenAPI)"),
    (
        "home.title",
        "一网通办，只进一扇门",
        "One platform for every government service",
    ),
    (
        "home.lead",
        "查询办事指南，了解所需材料、办理时限与地点。",
        "Find a service guide: the materials, time limits and places you need.",
    ),
    ("home.stat_items", "个已发布事项", "published services"),
    (
        "home.stat_online",
        "个全程网办事项",
        "fully online services",
    ),
    (
        "home.stat_licence_free",
        "个免证办事项",
        "services needing no paper licence",
    ),
    ("home.stat_departments", "个部门", "departments"),
    ("home.personal", "个人办事", "For individuals"),
    ("home.enterprise", "法人办事", "For enterprises"),
    ("home.popular", "热门搜索", "Popular searches"),
    ("home.filters_hint", "快速筛选：", "Quick filters:"),
    ("home.full_online", "全程网办", "Fully online"),
    ("home.licence_free", "免证办", "No paper licence needed"),
    ("home.instant", "即办件", "Instant"),
    ("home.cross_province", "跨省通办", "Across provinces"),
    ("search.title", "办事服务", "Services"),
    ("search.label", "搜索事项", "Search services"),
    (
        "search.placeholder",
        "输入关键词，如：营业执照、社保、公积金",
        "Keywords, e.g. 营业执照, 社保, 公积金",
    ),
    ("search.button", "搜索", "Search"),
    ("search.keywords", "关键词", "Keywords"),
    ("search.any", "全部", "Any"),
    ("search.reset", "清除条件", "Clear filters"),
    ("search.found", "共找到 {n} 个事项", "{n} services found"),
    (
        "search.none",
        "没有找到符合条件的事项，请换个关键词试试。",
        "No services match; try other keywords.",
    ),
    ("search.theme", "个人主题", "Personal theme"),
    ("search.enterprise_theme", "法人主题", "Enterprise theme"),
    ("pager.label", "分页", "Pages"),
    ("pager.prev", "上一页", "Previous"),
    ("pager.next", "下一页", "Next"),
    ("pager.total", "共 {n} 页", "{n} pages"),
    ("badge.instant", "即办", "Instant"),
    ("badge.promised", "承诺", "Promised"),
    ("badge.full_online", "全程网办", "Fully online"),
    ("badge.zero_visits", "零跑动", "No visit"),
    ("badge.licence_free", "免证办", "No paper licence"),
    ("badge.licence_ok", "可用电子证照", "E-licence accepted"),
    ("limit.instant", "即办", "Instant"),
    ("guide.title", "办事指南", "Service guide"),
    ("guide.version", "第{n}版", "version {n}"),
    ("guide.published", "发布于", "published"),
    ("guide.visits", "{n} 次", "{n}"),
    ("guide.none", "无", "None"),
    ("guide.not_applicable", "—", "—"),
    ("guide.apply_online", "在线办理", "Apply online"),
    ("guide.basic", "基本信息", "Basic information"),
    ("guide.materials", "申请材料", "Materials"),
    ("guide.no_materials", "无需提交材料", "No materials needed"),
    ("guide.limits", "办理时限", "Time limits"),
    ("guide.fees", "收费标准", "Fees"),
    ("guide.free", "不收费", "Free of charge"),
    (
        "guide.where",
        "办理地点、时间与咨询",
        "Where, when and whom to ask",
    ),
    ("guide.faq", "常见问题", "Frequently asked questions"),
    ("guide.versions", "版本记录", "Versions"),
    ("guide.sample", "结果样本", "Sample"),
    ("field.name", "事项名称", "Service name"),
    ("field.code", "实施编码", "Implementation code"),
    ("field.basic_code", "基本编码", "Basic code"),
    ("field.item_type", "事项类型", "Type"),
    ("field.legal_basis", "设定依据", "Legal basis"),
    ("field.department", "实施部门", "Department"),
    ("field.department_name", "实施主体", "Implementing body"),
    (
        "field.department_uscc",
        "实施主体编码",
        "Body's credit code",
    ),
    ("field.division", "行政区划", "Division"),
    ("field.exercise_level", "行使层级", "Level"),
    ("field.subject_nature", "实施主体性质", "Nature of the body"),
    ("field.power_source", "权力来源", "Source of power"),
    (
        "field.authority_division",
        "权限划分",
        "Division of authority",
    ),
    ("field.exercise_content", "行使内容", "Scope of exercise"),
    (
        "field.joint_departments",
        "共同实施部门",
        "Joint departments",
    ),
    ("field.handling_body", "承办机构", "Handling body"),
    (
        "field.acceptance_conditions",
        "受理条件",
        "Conditions for acceptance",
    ),
    ("field.process", "办理流程", "Process"),
    ("field.special_procedures", "特别程序", "Special procedures"),
    (
        "field.intermediary_services",
        "中介服务",
        "Intermediary services",
    ),
    ("field.quantity_limit", "数量限制", "Quantity limit"),
    (
        "field.statutory_limit",
        "法定办结时限",
        "Statutory time limit",
    ),
    (
        "field.statutory_note",
        "法定时限说明",
        "About the statutory limit",
    ),
    (
        "field.promised_limit",
        "承诺办结时限",
        "Promised time limit",
    ),
    (
        "field.promised_note",
        "承诺时限说明",
        "About the promised limit",
    ),
    ("field.reduction_rate", "时间压减率", "Time saved"),
    ("field.case_type", "办件类型", "Case type"),
    ("field.result", "审批结果", "Result"),
    ("field.result_type", "审批结果类型", "Result type"),
    ("field.result_name", "审批结果名称", "Result name"),
    (
        "field.result_sample",
        "结果样本地址",
        "Result sample address",
    ),
    ("field.is_fee", "是否收费", "Fee charged"),
    ("field.fee_basis", "收费依据", "Legal basis of fees"),
    ("field.service_objects", "服务对象", "Who can apply"),
    ("field.personal_themes", "自然人主题", "Personal themes"),
    ("field.enterprise_themes", "法人主题", "Enterprise themes"),
    ("field.keywords", "搜索关键词", "Search keywords"),
    ("field.handling_forms", "办理形式", "How to apply"),
    ("field.online_depth", "网上办理深度", "Online capabilities"),
    ("field.online_level", "网办深度", "Online level"),
    ("field.online_url", "网办地址", "Online address"),
    ("field.visits", "到办事现场次数", "Visits needed"),
    (
        "field.visits_reason",
        "必须现场办理原因",
        "Why a visit is needed",
    ),
    ("field.cross_scope", "通办范围", "Cross-region handling"),
    ("field.appointment", "支持预约办理", "Appointments"),
    ("field.online_payment", "支持网上支付", "Online payment"),
    ("field.express", "支持物流快递", "Delivery by post"),
    (
        "field.in_hall",
        "进驻政务服务大厅",
        "Offered at the service hall",
    ),
    ("field.location", "办理地点", "Location"),
    ("field.hours", "办理时间", "Opening hours"),
    ("field.consult_phone", "咨询电话", "Enquiries"),
    ("field.supervise_phone", "监督投诉电话", "Complaints"),
    ("material.name", "材料名称", "Material"),
    ("material.source", "来源渠道", "Source"),
    ("material.issuer", "出具机构", "Issued by"),
    ("material.counts", "原件/复印件", "Originals / copies"),
    ("material.originals", "原件 {n} 份", "{n} original(s)"),
    ("material.copies", "复印件 {n} 份", "{n} copy(ies)"),
    ("material.originals_label", "原件份数", "Originals"),
    ("material.copies_label", "复印件份数", "Copies"),
    ("material.format", "材料形式", "Form"),
    ("material.required", "必要性", "Required"),
    ("material.must", "必要", "Required"),
    ("material.optional", "非必要", "Optional"),
    ("material.condition", "情形说明", "When needed"),
    ("material.notes", "填报须知", "Notes"),
    ("material.blank_form", "空白表格", "Blank form"),
    ("material.sample", "示例样表", "Example"),
    (
        "material.licence_type",
        "可替代的电子证照类型代码",
        "E-licence type that can replace it",
    ),
    ("step.name", "环节名称", "Step"),
    ("step.limit", "环节时限", "Time limit"),
    ("step.description", "环节说明", "Description"),
    ("fee.name", "收费项目", "Fee"),
    ("fee.standard", "收费标准", "Amount"),
    ("fee.basis", "收费依据", "Legal basis"),
    ("fee.reducible", "允许减免", "Reducible"),
    ("faq.question", "问题", "Question"),
    ("faq.answer", "解答", "Answer"),
    ("version.no", "版本", "Version"),
    ("version.status", "状态", "Status"),
    ("dept.name", "部门名称", "Department"),
    (
        "dept.uscc",
        "统一社会信用代码",
        "Unified social credit code",
    ),
    ("dept.kind", "部门类型", "Kind"),
    ("dept.phone", "联系电话", "Phone"),
    ("dept.address", "办公地址", "Address"),
    (
        "dept.parent_uscc",
        "上级部门信用代码",
        "Parent's credit code",
    ),
    ("dept.items", "办事事项", "Services"),
    ("dept.new", "新增部门", "New department"),
    ("dept.create", "保存部门", "Save department"),
    ("halls.none", "暂无服务大厅信息", "No halls yet"),
    ("halls.windows", "{n} 个窗口", "{n} windows"),
    ("window.number", "窗口号", "Window"),
    ("window.name", "窗口名称", "Name"),
    ("window.kind", "窗口类型", "Kind"),
    (
        "window.all_departments",
        "综合受理（所有部门）",
        "All departments",
    ),
    ("admin.title", "管理后台", "Administration"),
    ("admin.tasks", "我的工作", "My work"),
    (
        "admin.no_tasks",
        "您的账号暂无可办理的工作。",
        "Your account has no tasks here.",
    ),
    ("admin.items", "事项管理", "Service items"),
    ("admin.claim", "认领事项", "Claim an item"),
    ("admin.basic", "基本目录", "Basic directory"),
    ("admin.org", "机构与大厅", "Departments and halls"),
    ("admin.import", "导入导出", "Import and export"),
    ("admin.drafts", "个草稿", "drafts"),
    ("admin.to_review", "个待审核", "awaiting review"),
    ("admin.published", "个已发布", "published"),
    (
        "admin.search_items",
        "事项名称或实施编码",
        "Name or implementation code",
    ),
    ("admin.any_status", "全部状态", "Any status"),
    ("admin.item_status", "事项状态", "Item status"),
    ("admin.latest", "最新版本", "Latest version"),
    ("admin.updated", "更新时间", "Updated"),
    ("admin.view_guide", "查看办事指南", "View the guide"),
    (
        "admin.in_progress",
        "第{n}版（办理中）",
        "Version {n} (in progress)",
    ),
    ("admin.submitted_by", "提交人", "Submitted by"),
    ("admin.review_note", "审核意见", "Review note"),
    ("admin.edit", "编辑", "Edit"),
    ("admin.edit_version", "编辑第{n}版", "Edit version {n}"),
    ("admin.submit", "提交审核", "Submit for review"),
    ("admin.discard", "删除草稿", "Discard draft"),
    ("admin.withdraw", "撤回", "Withdraw"),
    ("admin.approve", "审核通过并发布", "Approve and publish"),
    ("admin.reject", "退回修改", "Return for changes"),
    ("admin.preview", "预览本版要素", "Preview this version"),
    (
        "admin.published_version",
        "已发布：第{n}版",
        "Published: version {n}",
    ),
    (
        "admin.new_version",
        "修改（创建新版本）",
        "Change (start a new version)",
    ),
    ("admin.retire", "下线事项", "Retire"),
    ("admin.retire_reason", "下线理由", "Reason for retiring"),
    ("admin.versions", "版本", "Versions"),
    ("admin.created", "创建", "Created"),
    ("admin.reviewed", "审核", "Reviewed"),
    ("admin.history", "操作记录", "History"),
    ("admin.when", "时间", "When"),
    ("admin.who", "操作人", "Who"),
    ("admin.what", "操作", "What"),
    ("admin.note", "说明", "Note"),
    (
        "edit.inherited",
        "继承要素（三级四同）",
        "Inherited elements",
    ),
    (
        "edit.inherited_hint",
        "以下要素继承自基本目录，本地不能修改。",
        "These elements come from the basic directory and cannot be changed here.",
    ),
    ("edit.body", "实施主体", "Implementing body"),
    (
        "edit.conditions",
        "受理条件与流程",
        "Conditions and process",
    ),
    ("edit.steps", "办理环节", "Process steps"),
    ("edit.who", "服务对象与主题", "Who and which life events"),
    ("edit.channels", "办理渠道", "Channels"),
    (
        "edit.materials_hint",
        "留空的行不会保存。填写可替代的电子证照类型代码后，申请人可用电子证照代替该材料（免证办）。",
        "Empty rows are not saved. With an e-licence type, applicants can use that e-licence instead of the material.",
    ),
    ("edit.save", "保存草稿", "Save draft"),
    ("edit.cancel", "取消", "Cancel"),
    (
        "claim.hint",
        "从基本目录中选择事项，由本部门认领为实施清单。名称、编码、类型和设定依据将继承自基本目录。",
        "Choose an item of the basic directory to implement; its name, code, type and legal basis are inherited.",
    ),
    (
        "claim.search",
        "在基本目录中搜索",
        "Search the basic directory",
    ),
    (
        "claim.division_hint",
        "默认为部门所在区划",
        "Defaults to the department's division",
    ),
    ("claim.code_hint", "留空则自动生成", "Generated when empty"),
    ("basic.new", "新增基本目录事项", "New basic directory item"),
    ("basic.create", "保存", "Save"),
    (
        "import.hint",
        "支持CSV（UTF-8或GBK编码）和XLSX文件。文件中任何一行有误都不会导入，并逐行列出错误。",
        "CSV (UTF-8 or GBK) and XLSX files are accepted. If any row is wrong nothing is imported and every bad row is listed.",
    ),
    ("import.file", "选择文件", "Choose a file"),
    ("import.upload", "上传并导入", "Upload and import"),
    ("import.export", "导出", "Export"),
    (
        "import.items_file",
        "事项表（CSV或XLSX）",
        "Items (CSV or XLSX)",
    ),
    ("import.materials_file", "材料表（CSV）", "Materials (CSV)"),
    ("import.fees_file", "收费表（CSV）", "Fees (CSV)"),
    ("import.faqs_file", "常见问题表（CSV）", "FAQs (CSV)"),
    ("import.steps_file", "办理环节表（CSV）", "Steps (CSV)"),
    ("import.t_items", "事项", "items"),
    ("import.t_materials", "材料", "materials"),
    ("import.t_fees", "收费", "fees"),
    ("import.t_faqs", "常见问题", "FAQs"),
    ("import.t_steps", "办理环节", "steps"),
    ("import.sheet", "表", "Sheet"),
    ("import.line", "行号", "Line"),
    ("import.field", "字段", "Field"),
    ("import.problem", "问题", "Problem"),
    (
        "import.done",
        "导入成功：新增 {c} 条，更新 {u} 条（文件编码：{e}）。",
        "Imported: {c} created, {u} updated (encoding: {e}).",
    ),
    ("flash.saved", "草稿已保存。", "Draft saved."),
    ("flash.submitted", "已提交审核。", "Submitted for review."),
    (
        "flash.withdrawn",
        "已撤回，可继续编辑。",
        "Withdrawn; you can edit it again.",
    ),
    (
        "flash.new_version",
        "已创建新版本草稿。",
        "A new draft version was started.",
    ),
    ("flash.retired", "事项已下线。", "The item was retired."),
    (
        "flash.approved",
        "审核通过，已发布。",
        "Approved and published.",
    ),
    ("flash.rejected", "已退回修改。", "Returned for changes."),
    ("flash.discarded", "草稿已删除。", "Draft discarded."),
    ("flash.created", "已保存。", "Saved."),
    ("item_status.draft", "未发布", "not yet published"),
    ("item_status.published", "已发布", "published"),
    ("item_status.retired", "已下线", "retired"),
    ("history.claim", "认领", "claimed"),
    ("history.edit", "编辑", "edited"),
    ("history.new_version", "创建新版本", "started a new version"),
    ("history.submit", "提交审核", "submitted"),
    ("history.withdraw", "撤回", "withdrew"),
    (
        "history.approve",
        "审核通过并发布",
        "approved and published",
    ),
    ("history.reject", "退回修改", "returned"),
    ("history.retire", "下线", "retired"),
    ("history.discard", "删除草稿", "discarded a draft"),
    ("history.import", "导入", "imported"),
    ("yes", "是", "Yes"),
    ("no", "否", "No"),
    (
        "sso.title",
        "单点登录接入系统",
        "Single sign-on for department systems",
    ),
    (
        "sso.lead",
        "部门业务系统通过 OpenID Connect 接入后，工作人员用一网通办账号登录这些系统。",
        "Department systems registered here sign their staff in with their Yiwang account (OpenID Connect).",
    ),
    ("sso.discovery", "接入配置地址：", "Discovery document:"),
    ("sso.name", "系统名称", "System name"),
    ("sso.department", "所属部门", "Department"),
    (
        "sso.redirects",
        "回调地址（每行一个）",
        "Redirect addresses (one per line)",
    ),
    ("sso.kind", "类型", "Kind"),
    ("sso.public", "公开客户端", "Public client"),
    ("sso.confidential", "机密客户端", "Confidential client"),
    (
        "sso.public_hint",
        "公开客户端（无密钥，仅凭 PKCE，如桌面或移动应用）",
        "Public client (no secret, PKCE only: desktop or mobile apps)",
    ),
    ("sso.state", "状态", "State"),
    ("sso.active", "启用", "Active"),
    ("sso.inactive", "已停用", "Deactivated"),
    ("sso.deactivate", "停用", "Deactivate"),
    ("sso.none", "尚无接入系统。", "No system is registered yet."),
    ("sso.new", "注册接入系统", "Register a system"),
    ("sso.scopes", "授权范围", "Scopes"),
    ("sso.scope_profile", "姓名、账号", "name, account"),
    (
        "sso.scope_department",
        "所属部门、行政区划",
        "department, division",
    ),
    ("sso.register", "注册", "Register"),
    (
        "sso.created",
        "接入系统已注册。",
        "The system is registered.",
    ),
    (
        "sso.secret_once",
        "请立即将密钥交给该系统的管理员妥善保存：本平台只保存其摘要，此后不再显示。",
        "Hand the secret to the system's administrator now: Yiwang keeps only its hash and will not show it again.",
    ),
    (
        "sso.public_note",
        "公开客户端没有密钥，须使用 PKCE。",
        "A public client has no secret and must use PKCE.",
    ),
    (
        "sso.deactivated",
        "接入系统已停用。",
        "The system was deactivated.",
    ),
    (
        "sso.continue_title",
        "正在返回业务系统",
        "Returning to the department system",
    ),
    (
        "sso.continue_text",
        "您已登录，正在返回发起登录的业务系统。",
        "You are signed in and are being taken back to the department system.",
    ),
    ("sso.continue", "继续", "Continue"),
    ("admin.sso", "单点登录接入系统", "Single sign-on systems"),
    ("error.title.400", "请求有误", "Bad request"),
    ("error.title.401", "请先登录", "Please sign in"),
    ("error.title.403", "无权访问", "Not allowed"),
    ("error.title.404", "页面不存在", "Not found"),
    ("error.title.405", "请求方法不支持", "Method not allowed"),
    ("error.title.409", "操作冲突", "Conflict"),
    ("error.title.413", "内容过大", "Too large"),
    ("error.title.415", "类型不支持", "Unsupported type"),
    ("error.title.422", "内容有误", "Invalid input"),
    ("error.title.429", "请求过于频繁", "Too many requests"),
    ("error.title.500", "系统错误", "Internal error"),
    ("error.title.503", "服务暂不可用", "Unavailable"),
];

/// The text of `key` in `lang`; an unknown key shows itself (and fails the catalog test).
pub fn text(key: &str, lang: Lang) -> String {
    MESSAGES
        .iter()
        .find(|m| m.0 == key)
        .map(|m| lang.pick(m.1, m.2).to_string())
        .unwrap_or_else(|| key.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn keys_are_unique_and_translated() {
        let mut seen = HashSet::new();
        for (k, zh, en) in MESSAGES {
            assert!(seen.insert(*k), "duplicate key {k}");
            assert!(!zh.is_empty() && !en.is_empty(), "{k}");
        }
    }

    /// Every `t("…")` in every template names a key of the catalog.
    #[test]
    fn templates_use_known_keys() {
        let keys: HashSet<&str> = MESSAGES.iter().map(|m| m.0).collect();
        for (name, src) in crate::pages::template_sources() {
            for quote in ['"', '\''] {
                let pat = format!("t({quote}");
                let mut rest: &str = src;
                while let Some(i) = rest.find(&pat) {
                    let after = &rest[i + pat.len()..];
                    let end = after.find(quote).unwrap_or(0);
                    let key = &after[..end];
                    // `t(` also ends words like `select(`/`text(`: only dotted keys count.
                    let preceded_by_word = i > 0 && rest.as_bytes()[i - 1].is_ascii_alphanumeric();
                    if !preceded_by_word && key.contains('.') {
                        assert!(keys.contains(key), "{name}: unknown key {key}");
                    }
                    rest = &after[end..];
                }
            }
        }
    }

    #[test]
    fn dynamic_keys_exist() {
        let keys: HashSet<&str> = MESSAGES.iter().map(|m| m.0).collect();
        for s in ["draft", "published", "retired"] {
            assert!(keys.contains(format!("item_status.{s}").as_str()));
        }
        for a in [
            "claim",
            "edit",
            "new_version",
            "submit",
            "withdraw",
            "approve",
            "reject",
            "retire",
            "discard",
            "import",
        ] {
            assert!(keys.contains(format!("history.{a}").as_str()), "{a}");
        }
        for c in yiwang_kernel::ErrorCode::ALL {
            assert!(
                keys.contains(format!("error.title.{}", c.status()).as_str()),
                "{}",
                c.status()
            );
        }
        for f in [
            "saved",
            "submitted",
            "withdrawn",
            "new_version",
            "retired",
            "approved",
            "rejected",
            "discarded",
            "created",
        ] {
            assert!(keys.contains(format!("flash.{f}").as_str()), "{f}");
        }
    }
}
