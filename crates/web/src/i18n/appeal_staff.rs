//! The staff pages of appeals (12345 诉求): the hotline operator's screen, the work-order queue
//! and one order, the statistics, the grids and the administrator's settings; the start page's
//! appeal queues and the header links.

/// `(key, 简体中文, English)`.
pub(super) const MESSAGES: &[(&str, &str, &str)] = &[
    ("nav.hotline", "12345受理", "Hotline"),
    ("nav.appeals_staff", "工单", "Work orders"),
    ("perm.appeal.intake", "12345话务受理", "Take hotline calls"),
    ("perm.appeal.dispatch", "工单派单", "Dispatch work orders"),
    ("perm.appeal.handle", "工单办理", "Handle work orders"),
    ("perm.appeal.supervise", "工单督办", "Supervise work orders"),
    (
        "perm.appeal.admin",
        "网格与诉求设置",
        "Manage grids and appeal settings",
    ),
    (
        "start.q.appeal_dispatch",
        "待派单工单",
        "Orders waiting for dispatch",
    ),
    ("start.q.appeal_sign", "待签收工单", "Orders to sign for"),
    ("start.q.appeal_in_hand", "办理中工单", "Orders in hand"),
    (
        "start.q.appeal_overdue",
        "超期工单（红灯）",
        "Overdue orders (red)",
    ),
    // The operator's screen.
    ("ah.title", "12345热线受理", "12345 hotline intake"),
    ("ah.caller", "来电人", "Caller"),
    ("ah.phone", "来电号码", "Caller's number"),
    ("ah.lookup", "查询来电记录", "Look up"),
    (
        "ah.history",
        "该号码的历史工单",
        "Earlier orders from this number",
    ),
    (
        "ah.history_none",
        "该号码没有历史工单。",
        "No earlier orders from this number.",
    ),
    ("ah.categories", "事项分类", "Categories"),
    ("ah.category_search", "搜索分类", "Search categories"),
    ("ah.search", "搜索", "Search"),
    ("ah.use_category", "用于登记", "Use for the order"),
    (
        "ah.category_none",
        "没有匹配的分类。",
        "No category matches.",
    ),
    ("ah.kb", "知识库", "Knowledge base"),
    ("ah.kb_search", "搜索知识库", "Search the knowledge base"),
    (
        "ah.kb_none",
        "知识库中没有匹配的答案。",
        "No answer in the knowledge base matches.",
    ),
    ("ah.used", "引用次数", "Times used"),
    ("ah.answer_with", "用此答案答复", "Answer with this"),
    ("ah.answer_close", "答复并直接办结", "Answer and close"),
    ("ah.question", "问题", "Question"),
    ("ah.answer", "答复内容", "Answer"),
    ("ah.contact_name", "来电人姓名", "Caller's name"),
    ("ah.intake", "登记工单", "File a work order"),
    (
        "ah.title_hint",
        "可不填，默认取内容前30字。",
        "Optional; the first 30 characters of the content by default.",
    ),
    ("ah.point", "发生地点坐标", "Point"),
    ("ah.lon", "经度", "Longitude"),
    ("ah.lat", "纬度", "Latitude"),
    (
        "ah.point_hint",
        "可不填；填写时经纬度都要填（WGS 84）。",
        "Optional; give both longitude and latitude (WGS 84).",
    ),
    ("ah.complained_unit", "被投诉单位", "Unit complained about"),
    ("ah.flags", "诉求人意愿", "Caller's wishes"),
    ("ah.file", "登记并分派", "File and route"),
    (
        "ah.file_anyway",
        "仍然登记为新工单",
        "File as a new order anyway",
    ),
    (
        "ah.duplicates",
        "可能重复：附近近期有同类工单",
        "Likely duplicates: orders of the same category nearby, recently",
    ),
    (
        "ah.duplicates_hint",
        "如属同一问题，请告知来电人已有工单编号；如确为新问题，请再次提交。",
        "If it is the same problem, give the caller the existing number; if it is new, submit again.",
    ),
    ("ah.filed", "工单已登记", "Order filed"),
    ("ah.answered", "已答复并直接办结", "Answered and closed"),
    ("ah.routed_to", "分派至", "Routed to"),
    (
        "ah.to_dispatcher",
        "待派单员派单",
        "waiting for the dispatcher",
    ),
    ("ah.open_order", "查看工单", "Open the order"),
    // The queue and one order.
    ("aw.queue_title", "12345工单", "12345 work orders"),
    (
        "aw.who.dispatcher",
        "派单员视图：本辖区全部工单。",
        "Dispatcher: every order of the division.",
    ),
    (
        "aw.who.handler",
        "承办视图：派给您或本单位的工单。",
        "Handler: the orders given to you or your department.",
    ),
    (
        "aw.who.supervisor",
        "督办视图：全部工单，超期在前。",
        "Supervisor: every order, overdue first.",
    ),
    (
        "aw.who.operator",
        "话务员视图：本辖区工单。",
        "Operator: the orders of the division.",
    ),
    ("aw.status", "状态", "Status"),
    ("aw.grid", "网格", "Grid"),
    ("aw.department", "承办单位", "Department"),
    ("aw.category", "事项分类", "Category"),
    ("aw.text_search", "关键词", "Text"),
    ("aw.overdue_only", "只看超期", "Overdue only"),
    ("aw.filter", "筛选", "Filter"),
    ("aw.total", "共 {n} 件", "{n} orders"),
    ("aw.none", "没有符合条件的工单。", "No order matches."),
    ("aw.no", "工单编号", "Order no."),
    ("aw.title", "标题", "Title"),
    ("aw.type", "诉求类型", "Type"),
    ("aw.type.consult", "咨询", "Enquiry"),
    ("aw.type.help", "求助", "Request for help"),
    ("aw.type.complaint", "投诉", "Complaint"),
    ("aw.type.report", "举报", "Report"),
    ("aw.type.suggestion", "建议", "Suggestion"),
    ("aw.type.praise", "表扬", "Praise"),
    ("aw.type.other", "其他", "Other"),
    ("aw.channel.phone", "电话", "Telephone"),
    ("aw.channel.web", "网站", "Website"),
    ("aw.channel.open311", "Open311接口", "Open311 API"),
    ("aw.channel.wechat", "微信/小程序", "WeChat"),
    ("aw.channel.letter", "信件/邮件", "Letter or e-mail"),
    ("aw.channel.window", "窗口", "Service window"),
    ("aw.handled_by", "承办", "Handled by"),
    ("aw.assignee", "承办人", "Handler"),
    ("aw.due", "办理时限", "Due"),
    ("aw.due_provisional", "暂定", "provisional"),
    (
        "aw.due_provisional_hint",
        "该年度节假日安排尚未载入，时限按周一至周五及法定固定假日估算，载入后自动重算",
        "That year's holiday arrangement is not loaded yet: the due date is estimated from Monday–Friday and the fixed-date statutory holidays, and recomputed once it is imported",
    ),
    ("aw.warning", "预警", "Warning"),
    ("aw.warning.none", "正常", "On time"),
    (
        "aw.warning.yellow",
        "黄灯：1个工作日内到期",
        "Yellow: due within one working day",
    ),
    ("aw.warning.red", "红灯：已超期", "Red: overdue"),
    (
        "aw.overdue_days",
        "超期 {n} 个工作日",
        "{n} working days overdue",
    ),
    ("aw.received", "受理时间", "Received"),
    (
        "aw.limit_days",
        "时限 {n} 个工作日",
        "Limit {n} working days",
    ),
    (
        "aw.extended",
        "已延期 {n} 个工作日",
        "Extended by {n} working days",
    ),
    ("aw.extension", "延期", "Extension"),
    (
        "aw.extension_pending",
        "延期申请待审批",
        "Extension request waiting",
    ),
    ("aw.supervised", "督办次数", "Supervised"),
    ("aw.merged_into", "已并入", "Merged into"),
    ("aw.content", "诉求内容", "Content"),
    ("aw.address", "发生地址", "Address"),
    ("aw.contact", "诉求人", "Caller"),
    ("aw.anonymous", "匿名", "Anonymous"),
    ("aw.confidential", "保密", "Confidential"),
    ("aw.links", "关联工单", "Linked orders"),
    ("aw.reply", "答复", "Reply"),
    ("aw.satisfaction", "满意度", "Satisfaction"),
    ("aw.sat.5", "非常满意", "Very satisfied"),
    ("aw.sat.4", "满意", "Satisfied"),
    ("aw.sat.3", "基本满意", "Fairly satisfied"),
    ("aw.sat.2", "不满意", "Dissatisfied"),
    ("aw.sat.1", "非常不满意", "Very dissatisfied"),
    ("aw.resolved", "问题是否解决", "Solved"),
    ("aw.photos", "照片", "Photos"),
    ("aw.map", "位置", "Location"),
    (
        "aw.likely_duplicates",
        "可能重复的工单",
        "Likely duplicates",
    ),
    ("aw.actions", "办理", "Actions"),
    ("aw.to_grid", "派往网格", "To grid"),
    ("aw.to_department", "派往单位", "To department"),
    (
        "aw.to_user",
        "指定承办人（用户名，可不填）",
        "Handler (username, optional)",
    ),
    ("aw.days", "申请延期工作日数", "Working days asked"),
    (
        "aw.days_granted",
        "批准工作日数（不填按申请）",
        "Working days granted (as asked if empty)",
    ),
    ("aw.decision", "审批意见", "Decision"),
    ("aw.approve", "同意", "Approve"),
    ("aw.refuse", "不同意", "Refuse"),
    ("aw.level", "督办级别", "Level"),
    ("aw.merge_into", "并入工单编号", "Merge into order no."),
    (
        "aw.add_photos",
        "照片（可多张）",
        "Photos (several allowed)",
    ),
    (
        "aw.photos_hint",
        "JPEG 或 PNG，每张不超过 10 MB，每件工单最多 9 张。",
        "JPEG or PNG, at most 10 MB each and 9 per order.",
    ),
    ("aw.flow", "流转记录", "Flow record"),
    ("aw.text_for.dispatch", "派单意见", "Note"),
    (
        "aw.text_for.transfer",
        "转办理由",
        "Reason for the transfer",
    ),
    ("aw.text_for.return", "退单理由", "Reason for the return"),
    (
        "aw.text_for.request_extension",
        "延期理由",
        "Reason for the extension",
    ),
    ("aw.text_for.decide_extension", "审批说明", "Note"),
    ("aw.text_for.handle", "办理情况", "What was done"),
    ("aw.text_for.reply", "答复内容", "Reply"),
    ("aw.text_for.redo", "退回重办理由", "Why it must be redone"),
    ("aw.text_for.visit", "回访记录", "Follow-up note"),
    ("aw.text_for.reopen", "重新办理理由", "Why it is reopened"),
    ("aw.text_for.supervise", "督办内容", "Supervision note"),
    ("flash.appeal_dispatch", "已派单。", "Dispatched."),
    ("flash.appeal_sign", "已签收。", "Signed for."),
    ("flash.appeal_transfer", "已转办。", "Transferred."),
    ("flash.appeal_return", "已退单。", "Returned."),
    (
        "flash.appeal_request_extension",
        "延期申请已提交。",
        "Extension requested.",
    ),
    (
        "flash.appeal_decide_extension",
        "延期申请已审批。",
        "Extension decided.",
    ),
    (
        "flash.appeal_handle",
        "办理记录已保存。",
        "Handling recorded.",
    ),
    ("flash.appeal_reply", "已答复。", "Replied."),
    ("flash.appeal_redo", "已退回重办。", "Sent back to redo."),
    ("flash.appeal_visit", "回访已记录。", "Follow-up recorded."),
    ("flash.appeal_reopen", "已重新办理。", "Reopened."),
    (
        "flash.appeal_supervise",
        "督办已记录。",
        "Supervision recorded.",
    ),
    ("flash.appeal_merge", "已合并。", "Merged."),
    ("flash.appeal_archive", "已归档。", "Archived."),
    (
        "flash.appeal_category",
        "事项分类已保存。",
        "Category saved.",
    ),
    (
        "flash.appeal_knowledge",
        "知识库条目已保存。",
        "Knowledge entry saved.",
    ),
    (
        "flash.appeal_limits",
        "办理时限已保存。",
        "Time limits saved.",
    ),
    ("flash.grids_imported", "网格已导入。", "Grids imported."),
    (
        "flash.grid_workers",
        "网格员已保存。",
        "Grid workers saved.",
    ),
    // Statistics, grids, settings.
    ("aa.stats_title", "工单统计", "Work-order statistics"),
    (
        "aa.stats_lead",
        "按受理日期统计。办结率 = 办结数 ÷（受理数 − 合并数）；按时办结率 = 按时办结数 ÷ 办结数；满意率 = 基本满意及以上 ÷ 回访数。分母为 0 时显示“不适用”。",
        "By the day received. Completion = concluded ÷ (received − merged); on time = concluded by the due date ÷ concluded; satisfaction = fairly satisfied or better ÷ followed up. \"n/a\" when the denominator is 0.",
    ),
    (
        "aa.stats_none",
        "该期间没有工单。",
        "No order in this period.",
    ),
    ("aa.from", "开始日期", "From"),
    ("aa.to", "结束日期", "To"),
    ("aa.by", "统计维度", "Group by"),
    ("aa.by.grid", "网格", "Grid"),
    ("aa.by.department", "承办单位", "Department"),
    ("aa.by.category", "事项分类", "Category"),
    ("aa.by.type", "诉求类型", "Type"),
    ("aa.total", "受理数", "Received"),
    ("aa.concluded", "办结数", "Concluded"),
    ("aa.completion", "办结率", "Completion rate"),
    ("aa.on_time", "按时办结数", "Concluded on time"),
    ("aa.on_time_rate", "按时办结率", "On-time rate"),
    ("aa.overdue_open", "超期未办结", "Overdue and open"),
    ("aa.visited", "回访数", "Followed up"),
    ("aa.satisfaction_rate", "满意率", "Satisfaction rate"),
    ("aa.grids_title", "网格", "Grids"),
    ("aa.grid_list", "网格清单", "Grid list"),
    ("aa.grids_none", "尚未导入网格。", "No grid imported yet."),
    ("aa.code", "代码", "Code"),
    ("aa.name", "名称", "Name"),
    ("aa.kind", "类型", "Kind"),
    ("aa.kind.unit", "单元网格", "Unit grid"),
    ("aa.kind.professional", "专业网格", "Professional grid"),
    ("aa.workers", "网格员", "Grid workers"),
    ("aa.no_workers", "未配置网格员", "No worker assigned"),
    (
        "aa.workers_edit",
        "网格员用户名（每行一个）",
        "Workers' usernames (one a line)",
    ),
    (
        "aa.workers_hint",
        "第一位为自动分派的承办人。",
        "The first receives the orders routed to the grid.",
    ),
    ("aa.area", "面积", "Area"),
    ("aa.hectare", "公顷", "ha"),
    ("aa.import", "导入网格（GeoJSON）", "Import grids (GeoJSON)"),
    (
        "aa.import_hint",
        "先试导入查看报告（错误与重叠），确认无误后勾选“确认写入”再提交。有错误时不写入任何网格。",
        "Try first to see the report (errors and overlaps), then tick \"write\" and submit again. Nothing is written while the file has errors.",
    ),
    ("aa.file", "GeoJSON 文件", "GeoJSON file"),
    ("aa.commit", "确认写入", "Write the grids"),
    ("aa.import_submit", "导入", "Import"),
    ("aa.report", "导入报告", "Import report"),
    (
        "aa.report_counts",
        "共 {n} 个网格：新增 {c} 个，更新 {u} 个。",
        "{n} grids: {c} new, {u} updated.",
    ),
    (
        "aa.report_errors",
        "错误（不会写入）",
        "Errors (nothing written)",
    ),
    ("aa.report_overlaps", "重叠", "Overlaps"),
    (
        "aa.report_ok",
        "没有错误；勾选“确认写入”后再次提交即可导入。",
        "No errors: tick \"write\" and submit again to import.",
    ),
    ("aa.feature", "要素序号", "Feature"),
    ("aa.problem", "问题", "Problem"),
    ("aa.grid_a", "网格甲", "Grid A"),
    ("aa.grid_b", "网格乙", "Grid B"),
    ("aa.save", "保存", "Save"),
    ("aa.settings_title", "诉求设置", "Appeal settings"),
    ("aa.categories", "事项分类", "Categories"),
    ("aa.categories_none", "尚无事项分类。", "No category yet."),
    ("aa.add_category", "新增分类", "Add a category"),
    ("aa.parent", "上级分类", "Parent"),
    ("aa.specialty", "专业", "Specialty"),
    (
        "aa.specialty_hint",
        "填写时，发生在该专业网格内的诉求派往专业网格。",
        "When given, appeals inside a professional grid of this specialty go to that grid.",
    ),
    ("aa.description", "说明", "Description"),
    ("aa.keywords", "关键词", "Keywords"),
    ("aa.active", "启用", "Active"),
    ("aa.edit", "编辑", "Edit"),
    ("aa.knowledge", "知识库", "Knowledge base"),
    (
        "aa.knowledge_none",
        "知识库为空。",
        "The knowledge base is empty.",
    ),
    ("aa.add_knowledge", "新增知识条目", "Add an entry"),
    ("aa.limits", "办理时限", "Time limits"),
    (
        "aa.limits_hint",
        "自受理之日起按工作日计算（默认按广东省规定：咨询2个、求助和建议10个、投诉和举报15个工作日）。",
        "Working days from receipt (Guangdong's by default: enquiries 2, help and suggestions 10, complaints and reports 15).",
    ),
    ("aa.working_days", "个工作日", "working days"),
];

#[cfg(test)]
mod tests {
    use super::MESSAGES;

    fn has(k: &str) -> bool {
        MESSAGES.iter().any(|m| m.0 == k)
    }

    /// The keys the pages build from codes (`tk(...)`, `done=appeal_<action>`).
    #[test]
    fn dynamic_keys_exist() {
        for t in yiwang_appeals::AppealType::ALL {
            assert!(has(&format!("aw.type.{}", t.as_str())), "{t:?}");
        }
        for c in yiwang_appeals::Channel::ALL {
            assert!(has(&format!("aw.channel.{}", c.as_str())), "{c:?}");
        }
        for a in yiwang_appeals::lifecycle::Action::ALL {
            assert!(has(&format!("flash.appeal_{}", a.as_str())), "{a:?}");
            if a.needs_text() {
                assert!(has(&format!("aw.text_for.{}", a.as_str())), "{a:?}");
            }
        }
        for n in 1..=5 {
            assert!(has(&format!("aw.sat.{n}")));
        }
        for w in ["yellow", "red", "none"] {
            assert!(has(&format!("aw.warning.{w}")));
        }
        for k in yiwang_appeals::model::GridKind::ALL {
            assert!(has(&format!("aa.kind.{}", k.as_str())), "{k:?}");
        }
    }
}
