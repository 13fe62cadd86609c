//! The audit event catalog: every action the log records, with what it means in zh and en.

/// The audit event catalog: action, what it records (zh, en).
pub const EVENTS: &[(&str, &str, &str)] = &[
    ("auth.sign_in", "登录", "Signed in"),
    ("auth.sign_in_failed", "登录失败", "Sign-in failed"),
    ("auth.sign_out", "退出登录", "Signed out"),
    (
        "auth.denied",
        "越权访问被拒绝",
        "An action was refused for lack of permission",
    ),
    (
        "account.create",
        "创建工作人员账号",
        "Created a staff account",
    ),
    (
        "account.update",
        "修改工作人员账号",
        "Changed a staff account",
    ),
    (
        "auth.locked",
        "登录失败次数过多，账号名被临时锁定",
        "A login name was locked after repeated failures",
    ),
    (
        "auth.act_as",
        "切换办事身份（代表企业或本人）",
        "Switched to acting for an enterprise (or for oneself)",
    ),
    (
        "person.register",
        "自然人注册",
        "A natural person registered",
    ),
    (
        "org.register",
        "法人注册",
        "A legal person (enterprise) was registered",
    ),
    (
        "org.verify",
        "窗口核验企业身份（绑定法定代表人）",
        "An enterprise was bound to its legal representative at a window",
    ),
    (
        "agent.grant",
        "企业授权经办人",
        "An enterprise granted an agent",
    ),
    (
        "agent.revoke",
        "企业撤销经办人授权",
        "An enterprise revoked an agent's grant",
    ),
    (
        "account.roles",
        "授予或收回角色",
        "Granted or withdrew staff roles",
    ),
    (
        "account.deactivate",
        "停用工作人员账号",
        "Deactivated a staff account",
    ),
    (
        "account.activate",
        "启用工作人员账号",
        "Reactivated a staff account",
    ),
    (
        "account.change_requested",
        "提出管理员账号变更（待另一管理员确认）",
        "Requested a change to an administrator account (awaiting another administrator)",
    ),
    (
        "account.change_confirmed",
        "确认并执行管理员账号变更",
        "Confirmed and applied a change to an administrator account",
    ),
    (
        "account.change_rejected",
        "驳回或撤回管理员账号变更",
        "Rejected or withdrew a change to an administrator account",
    ),
    (
        "account.reset_issued",
        "签发一次性密码重置码（找回账号）",
        "Issued a one-time password-reset code (account recovery)",
    ),
    (
        "account.reset_used",
        "使用重置码重设密码",
        "Reset a password with a one-time code",
    ),
    (
        "account.reset_failed",
        "重置密码失败（账号或重置码不符）",
        "Password reset failed (account or code did not match)",
    ),
    ("token.create", "签发接口令牌", "Issued an API token"),
    ("token.revoke", "吊销接口令牌", "Revoked an API token"),
    (
        "people.lookup",
        "查询自然人（脱敏）",
        "Looked up a person (masked)",
    ),
    (
        "personal_data.reveal",
        "查看完整身份证号码或手机号码",
        "Revealed a full ID or phone number",
    ),
    (
        "keys.rotate",
        "轮换数据加密密钥",
        "Rotated the data encryption key",
    ),
    ("audit.search", "查询审计日志", "Searched the audit log"),
    ("org.department.create", "新增部门", "Created a department"),
    ("org.department.update", "修改部门", "Changed a department"),
    ("org.department.delete", "删除部门", "Deleted a department"),
    ("org.hall.create", "新增服务大厅", "Created a service hall"),
    ("org.hall.update", "修改服务大厅", "Changed a service hall"),
    (
        "org.window.save",
        "新增或修改窗口",
        "Created or changed a hall window",
    ),
    ("org.window.delete", "删除窗口", "Deleted a hall window"),
    ("org.import", "导入部门", "Imported departments"),
    ("org.export", "导出部门", "Exported departments"),
    (
        "calendar.import",
        "导入年度节假日安排",
        "Imported a year's official holiday arrangement into the working-day calendar",
    ),
    (
        "catalog.basic.create",
        "新增基本目录事项",
        "Created a basic directory item",
    ),
    (
        "catalog.basic.update",
        "修改基本目录事项",
        "Changed a basic directory item",
    ),
    (
        "catalog.item.claim",
        "认领事项（生成实施清单）",
        "Claimed an item (created an implementation item)",
    ),
    ("catalog.item.edit", "编辑事项草稿", "Edited an item draft"),
    (
        "catalog.item.new_version",
        "创建事项新版本",
        "Started a new version of an item",
    ),
    (
        "catalog.item.submit",
        "提交事项审核",
        "Submitted an item for review",
    ),
    (
        "catalog.item.withdraw",
        "撤回审核申请",
        "Withdrew an item from review",
    ),
    (
        "catalog.item.approve",
        "审核通过并发布事项",
        "Approved and published an item",
    ),
    (
        "catalog.item.reject",
        "审核退回事项",
        "Returned an item to its editor",
    ),
    ("catalog.item.retire", "事项下线（取消）", "Retired an item"),
    (
        "catalog.item.discard",
        "删除事项草稿",
        "Discarded an item draft",
    ),
    ("catalog.import", "导入事项", "Imported items"),
    ("catalog.export", "导出事项", "Exported items"),
    ("system.demo_loaded", "加载演示数据", "Loaded the demo city"),
    // Single sign-on for department systems (OpenID Connect); refusals have outcome `failure`.
    (
        "oidc.client.create",
        "注册单点登录接入系统",
        "Registered a department system for single sign-on",
    ),
    (
        "oidc.client.deactivate",
        "停用单点登录接入系统",
        "Deactivated a department system's single sign-on",
    ),
    (
        "oidc.code.issue",
        "签发单点登录授权码",
        "Issued a single sign-on authorization code",
    ),
    (
        "oidc.token.issue",
        "签发单点登录令牌",
        "Issued single sign-on tokens (ID and access token)",
    ),
    (
        "oidc.userinfo",
        "接入系统读取用户信息",
        "A department system read a signed-in user's profile",
    ),
    // Electronic licences (电子证照).
    (
        "licence.type.define",
        "定义证照类型",
        "Defined a licence type",
    ),
    ("licence.seal.rotate", "更换签章密钥", "Rotated a seal key"),
    ("licence.issue", "签发电子证照", "Issued a licence"),
    (
        "licence.use",
        "查看授权使用的电子证照",
        "Viewed a licence authorised for a case",
    ),
    (
        "licence.status",
        "变更证照状态",
        "Changed a licence's status",
    ),
    (
        "licence.copy",
        "制作电子证照加注件",
        "Made an annotated copy of a licence",
    ),
    (
        "licence.import.start",
        "提交电子证照批量导入（归集）",
        "Submitted a bulk import of licences",
    ),
    (
        "licence.import.end",
        "电子证照批量导入结束",
        "A bulk import of licences ended",
    ),
    // Cases (办件): staff actions; citizens' own submissions are process data, not audit.
    (
        "case.receive",
        "窗口收件",
        "Received an application at the window",
    ),
    ("case.accept", "受理办件", "Accepted a case"),
    ("case.not_accept", "不予受理", "Refused to accept a case"),
    (
        "case.request_supplements",
        "一次性告知补正",
        "Requested supplements (one-time notice)",
    ),
    (
        "case.supplement",
        "代为提交补正材料",
        "Handed in supplements for an applicant",
    ),
    ("case.act", "办件审批操作", "Acted on a case step"),
    (
        "case.special",
        "启动特别程序",
        "Started a special procedure",
    ),
    ("case.deliver", "送达办理结果", "Delivered a case result"),
    (
        "case.receipt",
        "打印受理回执",
        "Printed an acceptance receipt",
    ),
    (
        "case.material.read",
        "查阅申请材料",
        "Read an application material",
    ),
    ("case.sweep", "更新办件时限预警", "Swept case deadlines"),
    ("case.export", "导出办件过程数据", "Exported process data"),
    (
        "bundle_case.receive",
        "窗口收件：一件事申办",
        "Received a bundle application at a window",
    ),
    (
        "rating.followup",
        "差评核实整改",
        "Worked a bad-rating follow-up",
    ),
    (
        "rating.appeal.decide",
        "差评申诉复核",
        "Decided a rating appeal",
    ),
    (
        "oidc.key.create",
        "生成单点登录签名密钥",
        "Generated a single sign-on signing key",
    ),
    // Data sharing and exchange (数据共享交换). Each exchange module appends its events below.
    (
        "exchange.resource.create",
        "登记信息资源",
        "Registered an information resource",
    ),
    (
        "exchange.resource.publish",
        "发布信息资源目录",
        "Published an information resource",
    ),
    // Base libraries and the return flow (回流).
    (
        "exchange.base.read",
        "查询基础库",
        "Read a base library record",
    ),
    (
        "exchange.package.export",
        "导出回流数据包",
        "Exported a return-flow package",
    ),
    (
        "exchange.package.import",
        "导入回流数据包",
        "Imported a return-flow package",
    ),
    (
        "exchange.resource.edit",
        "修改信息资源草稿",
        "Edited a draft information resource",
    ),
    (
        "exchange.resource.version",
        "新建信息资源版本",
        "Started a new version of an information resource",
    ),
    (
        "exchange.resource.submit",
        "提交信息资源审核",
        "Submitted an information resource for review",
    ),
    (
        "exchange.resource.reject",
        "退回信息资源",
        "Rejected an information resource version",
    ),
    (
        "exchange.resource.retire",
        "停用信息资源",
        "Retired an information resource",
    ),
    (
        "exchange.resource.import",
        "导入信息资源目录",
        "Imported information resources",
    ),
    (
        "exchange.catalog.export",
        "导出信息资源目录",
        "Exported the information resource catalog",
    ),
    (
        "exchange.demand.create",
        "登记共享需求",
        "Registered a data demand",
    ),
    (
        "exchange.demand.assign",
        "分派共享需求",
        "Assigned a data demand to a provider department",
    ),
    (
        "exchange.demand.meet",
        "共享需求由已发布资源满足",
        "Marked a data demand met by a published resource",
    ),
    (
        "exchange.demand.claim",
        "认领共享需求",
        "Claimed a data demand",
    ),
    (
        "exchange.demand.provide",
        "共享需求已提供",
        "Marked a data demand provided",
    ),
    (
        "exchange.demand.decline",
        "不予提供共享需求",
        "Declined a data demand",
    ),
    (
        "exchange.request.submit",
        "提交数据共享申请",
        "Submitted a data sharing request",
    ),
    (
        "exchange.request.grant",
        "同意数据共享申请并授权",
        "Granted a data sharing request",
    ),
    (
        "exchange.request.refuse",
        "不予同意数据共享申请",
        "Refused a data sharing request",
    ),
    (
        "exchange.request.withdraw",
        "撤回数据共享申请",
        "Withdrew a data sharing request",
    ),
    (
        "exchange.grant.revoke",
        "撤销数据共享授权",
        "Revoked a data sharing grant",
    ),
    // The data API (数据调用): a consumer read rows of a resource under a grant.
    (
        "exchange.data.read",
        "调用共享数据",
        "Read shared data through the data API",
    ),
    (
        "exchange.load.start",
        "提交归集（文件或推送）",
        "Started a data load (file or push)",
    ),
    ("exchange.load.end", "归集结束", "A data load ended"),
    // "One thing" bundles (一件事): definitions reviewed like items.
    ("bundle.create", "新建一件事", "Created a bundle"),
    (
        "bundle.update",
        "修改一件事定义",
        "Edited a bundle's definition",
    ),
    (
        "bundle.submit",
        "提交一件事审核",
        "Submitted a bundle for review",
    ),
    ("bundle.publish", "发布一件事", "Published a bundle"),
    (
        "bundle.reject",
        "退回一件事",
        "Returned a bundle to its editor",
    ),
    ("bundle.retire", "下线一件事", "Retired a bundle"),
    // Appeals, the 12345 hotline and grids (12345 诉求 / 网格化) and Open311.
    (
        "appeal.submit",
        "受理诉求（工单）",
        "Took an appeal (work order)",
    ),
    (
        "appeal.answer",
        "直接办结诉求（知识库答复）",
        "Answered an appeal at once",
    ),
    ("appeal.dispatch", "派单", "Dispatched a work order"),
    ("appeal.sign", "签收工单", "Signed for a work order"),
    ("appeal.transfer", "转办工单", "Transferred a work order"),
    (
        "appeal.return",
        "退单",
        "Returned a work order to the dispatcher",
    ),
    (
        "appeal.request_extension",
        "申请延期",
        "Requested an extension",
    ),
    (
        "appeal.decide_extension",
        "审批延期",
        "Decided an extension",
    ),
    ("appeal.handle", "记录办理情况", "Recorded handling"),
    ("appeal.reply", "答复诉求人", "Replied to the appellant"),
    ("appeal.redo", "退回重办", "Sent a reply back to redo"),
    (
        "appeal.visit",
        "回访",
        "Recorded the follow-up (satisfaction)",
    ),
    ("appeal.reopen", "重新办理", "Reopened a work order"),
    (
        "appeal.redate",
        "重算办理时限",
        "Recomputed estimated due dates after a year's holiday arrangement was imported",
    ),
    ("appeal.supervise", "督办", "Supervised a work order"),
    (
        "appeal.merge",
        "合并重复工单",
        "Merged a duplicate work order",
    ),
    ("appeal.archive", "归档工单", "Archived a work order"),
    ("appeal.link", "关联工单", "Linked two work orders"),
    (
        "appeal.photo",
        "上传工单照片",
        "Added a photo to a work order",
    ),
    (
        "appeal.read_contact",
        "查看诉求人联系方式",
        "Read an appellant's contact",
    ),
    (
        "appeal.category.save",
        "保存诉求事项分类",
        "Saved an appeal category",
    ),
    (
        "appeal.knowledge.save",
        "保存知识库条目",
        "Saved a knowledge-base answer",
    ),
    (
        "appeal.time_limits",
        "修改诉求办理时限",
        "Changed the appeal time limits",
    ),
    ("appeal.grids.import", "导入网格", "Imported grids"),
    ("appeal.grids.workers", "设置网格员", "Set a grid's workers"),
    (
        "open311.key.issue",
        "签发 Open311 接口密钥",
        "Issued an Open311 api key",
    ),
    (
        "open311.key.revoke",
        "吊销 Open311 接口密钥",
        "Revoked an Open311 api key",
    ),
    (
        "open311.submit",
        "Open311 接口提交诉求",
        "An appeal was posted through Open311",
    ),
    ("kpi.refresh", "刷新考评指标数据", "Refreshed the KPI facts"),
    (
        "kpi.definition.save",
        "保存考评指标定义",
        "Saved a KPI definition",
    ),
    // Random inspection (双随机、一公开).
    (
        "inspection.item.save",
        "保存随机抽查事项",
        "Saved a random-inspection item",
    ),
    (
        "inspection.entities.import",
        "导入检查对象名录库",
        "Imported entities into the inspection pool",
    ),
    (
        "inspection.inspector.save",
        "保存执法检查人员",
        "Saved an inspector of the pool",
    ),
    (
        "inspection.conflict.declare",
        "登记检查回避关系",
        "Declared an inspector's conflict of interest",
    ),
    (
        "inspection.plan.create",
        "创建随机抽查计划",
        "Created a random-inspection plan",
    ),
    (
        "inspection.draw",
        "随机抽取检查对象和检查人员",
        "Drew the entities and inspectors of a plan",
    ),
    (
        "inspection.result.record",
        "录入抽查结果",
        "Recorded an inspection result",
    ),
    (
        "inspection.publish",
        "公示抽查结果",
        "Published a plan's inspection results",
    ),
    // Electronic supervision (电子监察, yiwang_supervision::watch).
    ("watch.scan", "电子监察扫描", "Ran the monitoring rules"),
    ("watch.rule.save", "保存监察规则", "Saved a monitoring rule"),
    ("watch.take", "受理监察预警", "Took a supervision warning"),
    (
        "watch.note",
        "记录监察预警处理情况",
        "Noted on a supervision warning",
    ),
    (
        "watch.directive",
        "发出督办",
        "Issued a supervision directive",
    ),
    (
        "watch.conclude",
        "办结监察预警",
        "Concluded a supervision warning",
    ),
    (
        "account.home_address",
        "申报家庭住址（回避）",
        "Declared a home address (conflict of interest)",
    ),
    (
        "credit.import",
        "导入信用红黑名单",
        "Imported credit red and black lists",
    ),
    (
        "credit.revoke",
        "撤销信用名单记录",
        "Revoked a credit list entry",
    ),
    (
        "credit.sync",
        "从数据共享交换同步信用红黑名单",
        "Synchronised the credit lists with the data exchange",
    ),
    (
        "case.credit_check",
        "办件申请人信用核查",
        "Checked a case's applicant against the credit lists",
    ),
    (
        "case.credit_acknowledge",
        "确认已阅知申请人失信黑名单记录",
        "Acknowledged a case applicant's black-list entries",
    ),
];
