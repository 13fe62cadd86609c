//! Staff accounts of the demo city. Every one signs in with [`crate::DEMO_PASSWORD`].

use yiwang_kernel::auth::Role;

use crate::DemoAccount;

/// The accounts as shown on the sign-in page and in the README.
pub static ACCOUNTS: [DemoAccount; 49] = [
    DemoAccount {
        username: "sysadmin",
        role_zh: "系统管理员",
        role_en: "system administrator",
        department: "湛江市政务服务和数据管理局",
    },
    DemoAccount {
        username: "auditor",
        role_zh: "审计管理员",
        role_en: "audit administrator",
        department: "湛江市政务服务和数据管理局",
    },
    DemoAccount {
        username: "reviewer",
        role_zh: "事项审核员",
        role_en: "catalog reviewer",
        department: "湛江市政务服务和数据管理局",
    },
    DemoAccount {
        username: "cataloger",
        role_zh: "目录管理员",
        role_en: "catalog administrator",
        department: "湛江市政务服务和数据管理局",
    },
    DemoAccount {
        username: "orgadmin",
        role_zh: "机构管理员",
        role_en: "organisation administrator",
        department: "湛江市政务服务和数据管理局",
    },
    DemoAccount {
        username: "scjg",
        role_zh: "事项编辑员",
        role_en: "catalog editor",
        department: "湛江市市场监督管理局",
    },
    DemoAccount {
        username: "gaj",
        role_zh: "事项编辑员",
        role_en: "catalog editor",
        department: "湛江市公安局",
    },
    DemoAccount {
        username: "rsj",
        role_zh: "事项编辑员",
        role_en: "catalog editor",
        department: "湛江市人力资源和社会保障局",
    },
    DemoAccount {
        username: "chikan_scjg",
        role_zh: "事项编辑员",
        role_en: "catalog editor",
        department: "湛江市赤坎区市场监督管理局",
    },
    DemoAccount {
        username: "chikan_reviewer",
        role_zh: "事项审核员",
        role_en: "catalog reviewer",
        department: "湛江市赤坎区政务服务数据管理局",
    },
    DemoAccount {
        username: "lianjiang_scjg",
        role_zh: "事项编辑员",
        role_en: "catalog editor",
        department: "廉江市市场监督管理局",
    },
    DemoAccount {
        username: "security",
        role_zh: "安全管理员",
        role_en: "security administrator",
        department: "湛江市政务服务和数据管理局",
    },
    DemoAccount {
        username: "idofficer",
        role_zh: "实名核验专员",
        role_en: "identity verification officer",
        department: "湛江市政务服务和数据管理局",
    },
    DemoAccount {
        username: "clerk",
        role_zh: "综合窗口受理员",
        role_en: "window clerk",
        department: "湛江市政务服务和数据管理局",
    },
    DemoAccount {
        username: "chikan_clerk",
        role_zh: "综合窗口受理员",
        role_en: "window clerk",
        department: "湛江市赤坎区政务服务数据管理局",
    },
    DemoAccount {
        username: "scjg_officer",
        role_zh: "审批人员",
        role_en: "case officer",
        department: "湛江市市场监督管理局",
    },
    DemoAccount {
        username: "scjg_officer2",
        role_zh: "审批人员",
        role_en: "case officer",
        department: "湛江市市场监督管理局",
    },
    DemoAccount {
        username: "chikan_officer",
        role_zh: "审批人员",
        role_en: "case officer",
        department: "湛江市赤坎区市场监督管理局",
    },
    DemoAccount {
        username: "cgj_officer",
        role_zh: "审批人员",
        role_en: "case officer",
        department: "湛江市城市管理和综合执法局",
    },
    DemoAccount {
        username: "xfzd_officer",
        role_zh: "审批人员",
        role_en: "case officer",
        department: "湛江市消防救援支队",
    },
    DemoAccount {
        username: "gaj_officer",
        role_zh: "审批人员",
        role_en: "case officer",
        department: "湛江市公安局",
    },
    DemoAccount {
        username: "wlj_officer",
        role_zh: "审批人员",
        role_en: "case officer",
        department: "湛江市文化广电旅游体育局",
    },
    DemoAccount {
        username: "rsj_officer",
        role_zh: "审批人员",
        role_en: "case officer",
        department: "湛江市人力资源和社会保障局",
    },
    DemoAccount {
        username: "ybj_officer",
        role_zh: "审批人员",
        role_en: "case officer",
        department: "湛江市医疗保障局",
    },
    DemoAccount {
        username: "supervisor",
        role_zh: "效能监督员",
        role_en: "efficiency supervisor",
        department: "湛江市政务服务和数据管理局",
    },
    DemoAccount {
        username: "licence",
        role_zh: "制证发证人员",
        role_en: "licence officer",
        department: "湛江市赤坎区市场监督管理局",
    },
    DemoAccount {
        username: "licenceadmin",
        role_zh: "电子证照管理员",
        role_en: "licence administrator",
        department: "湛江市政务服务和数据管理局",
    }, // Data sharing and exchange (数据共享交换): the resource catalog's steward and administrator.
    DemoAccount {
        username: "gaj_data",
        role_zh: "部门数据专员",
        role_en: "data steward",
        department: "湛江市公安局",
    },
    DemoAccount {
        username: "dataadmin",
        role_zh: "数据资源管理员",
        role_en: "data resource administrator",
        department: "湛江市政务服务和数据管理局",
    },
    // 12345 hotline (appeals, issue 15): the operator and the dispatcher.
    DemoAccount {
        username: "hotline",
        role_zh: "12345话务员",
        role_en: "hotline operator",
        department: "湛江市政务服务和数据管理局",
    },
    DemoAccount {
        username: "dispatcher",
        role_zh: "12345派单员",
        role_en: "appeal dispatcher",
        department: "湛江市政务服务和数据管理局",
    },
    DemoAccount {
        username: "gridadmin",
        role_zh: "网格化管理员",
        role_en: "appeal and grid administrator",
        department: "湛江市政务服务和数据管理局",
    },
    DemoAccount {
        username: "jiancha",
        role_zh: "电子监察员",
        role_en: "supervision officer",
        department: "湛江市政务服务和数据管理局",
    },
    DemoAccount {
        username: "xinyong",
        role_zh: "信用管理员",
        role_en: "credit officer",
        department: "湛江市政务服务和数据管理局",
    },
    // Supervision dashboards (issue 16): the city's leader (一屏全览) and a department head.
    DemoAccount {
        username: "leader",
        role_zh: "领导",
        role_en: "leader",
        department: "湛江市政务服务和数据管理局",
    },
    DemoAccount {
        username: "depthead",
        role_zh: "部门负责人",
        role_en: "department head",
        department: "湛江市市场监督管理局",
    },
    // 赤坎区's grid workers, one per street (created with the street offices, crate::grids;
    // data::grids::STREETS).
    DemoAccount {
        username: "wgy_zhonghua",
        role_zh: "网格员",
        role_en: "grid worker",
        department: "湛江市赤坎区中华街道办事处",
    },
    DemoAccount {
        username: "wgy_cunjin",
        role_zh: "网格员",
        role_en: "grid worker",
        department: "湛江市赤坎区寸金街道办事处",
    },
    DemoAccount {
        username: "wgy_minzhu",
        role_zh: "网格员",
        role_en: "grid worker",
        department: "湛江市赤坎区民主街道办事处",
    },
    DemoAccount {
        username: "wgy_zhongshan",
        role_zh: "网格员",
        role_en: "grid worker",
        department: "湛江市赤坎区中山街道办事处",
    },
    DemoAccount {
        username: "wgy_shawan",
        role_zh: "网格员",
        role_en: "grid worker",
        department: "湛江市赤坎区沙湾街道办事处",
    },
    DemoAccount {
        username: "wgy_tiaoshun",
        role_zh: "网格员",
        role_en: "grid worker",
        department: "湛江市赤坎区调顺街道办事处",
    },
    DemoAccount {
        username: "wgy_nanqiao",
        role_zh: "网格员",
        role_en: "grid worker",
        department: "湛江市赤坎区南桥街道办事处",
    },
    DemoAccount {
        username: "wgy_beiqiao",
        role_zh: "网格员",
        role_en: "grid worker",
        department: "湛江市赤坎区北桥街道办事处",
    },
    // Random inspection's organiser and inspectors (created with their certificate numbers by
    // crate::inspections).
    DemoAccount {
        username: "choucha",
        role_zh: "双随机抽查组织员",
        role_en: "inspection organiser",
        department: "湛江市市场监督管理局",
    },
    DemoAccount {
        username: "jiancha1",
        role_zh: "执法检查人员",
        role_en: "inspector",
        department: "湛江市市场监督管理局",
    },
    DemoAccount {
        username: "jiancha2",
        role_zh: "执法检查人员",
        role_en: "inspector",
        department: "湛江市市场监督管理局",
    },
    DemoAccount {
        username: "jiancha3",
        role_zh: "执法检查人员",
        role_en: "inspector",
        department: "湛江市市场监督管理局",
    },
    DemoAccount {
        username: "jiancha4",
        role_zh: "执法检查人员",
        role_en: "inspector",
        department: "湛江市市场监督管理局",
    },
];

/// What the loader needs beyond [`DemoAccount`]: the person's name, the role, and where the
/// department is (`None` = the city, else a county code) with its key.
#[derive(Debug, Clone, Copy)]
pub struct AccountDetail {
    pub username: &'static str,
    pub name: &'static str,
    pub role: Role,
    pub county: Option<&'static str>,
    pub dept: &'static str,
}

pub const DETAILS: [AccountDetail; 36] = [
    AccountDetail {
        username: "sysadmin",
        name: "陈建华",
        role: Role::SystemAdmin,
        county: None,
        dept: "zsj",
    },
    AccountDetail {
        username: "auditor",
        name: "林秀英",
        role: Role::AuditAdmin,
        county: None,
        dept: "zsj",
    },
    AccountDetail {
        username: "reviewer",
        name: "黄志明",
        role: Role::CatalogReviewer,
        county: None,
        dept: "zsj",
    },
    AccountDetail {
        username: "cataloger",
        name: "吴丽娟",
        role: Role::CatalogAdmin,
        county: None,
        dept: "zsj",
    },
    AccountDetail {
        username: "orgadmin",
        name: "梁国栋",
        role: Role::OrgAdmin,
        county: None,
        dept: "zsj",
    },
    AccountDetail {
        username: "scjg",
        name: "李婷",
        role: Role::CatalogEditor,
        county: None,
        dept: "scjg",
    },
    AccountDetail {
        username: "gaj",
        name: "张伟",
        role: Role::CatalogEditor,
        county: None,
        dept: "gaj",
    },
    AccountDetail {
        username: "rsj",
        name: "何晓峰",
        role: Role::CatalogEditor,
        county: None,
        dept: "rsj",
    },
    AccountDetail {
        username: "chikan_scjg",
        name: "莫晓燕",
        role: Role::CatalogEditor,
        county: Some("440802"),
        dept: "scjg",
    },
    AccountDetail {
        username: "chikan_reviewer",
        name: "陈海燕",
        role: Role::CatalogReviewer,
        county: Some("440802"),
        dept: "zsj",
    },
    AccountDetail {
        username: "lianjiang_scjg",
        name: "钟振宇",
        role: Role::CatalogEditor,
        county: Some("440881"),
        dept: "scjg",
    },
    AccountDetail {
        username: "security",
        name: "许志强",
        role: Role::SecurityAdmin,
        county: None,
        dept: "zsj",
    },
    AccountDetail {
        username: "idofficer",
        name: "蔡美玲",
        role: Role::IdentityOfficer,
        county: None,
        dept: "zsj",
    },
    AccountDetail {
        username: "clerk",
        name: "郑丽华",
        role: Role::CaseClerk,
        county: None,
        dept: "zsj",
    },
    AccountDetail {
        username: "chikan_clerk",
        name: "冯嘉欣",
        role: Role::CaseClerk,
        county: Some("440802"),
        dept: "zsj",
    },
    AccountDetail {
        username: "scjg_officer",
        name: "邓文杰",
        role: Role::CaseOfficer,
        county: None,
        dept: "scjg",
    },
    AccountDetail {
        username: "scjg_officer2",
        name: "谢婉婷",
        role: Role::CaseOfficer,
        county: None,
        dept: "scjg",
    },
    AccountDetail {
        username: "chikan_officer",
        name: "罗志坚",
        role: Role::CaseOfficer,
        county: Some("440802"),
        dept: "scjg",
    },
    AccountDetail {
        username: "cgj_officer",
        name: "邓海洋",
        role: Role::CaseOfficer,
        county: None,
        dept: "cgj",
    },
    AccountDetail {
        username: "xfzd_officer",
        name: "冯卫东",
        role: Role::CaseOfficer,
        county: None,
        dept: "xfzd",
    },
    AccountDetail {
        username: "gaj_officer",
        name: "韩永强",
        role: Role::CaseOfficer,
        county: None,
        dept: "gaj",
    },
    AccountDetail {
        username: "wlj_officer",
        name: "曾雅琪",
        role: Role::CaseOfficer,
        county: None,
        dept: "wlj",
    },
    AccountDetail {
        username: "rsj_officer",
        name: "彭立新",
        role: Role::CaseOfficer,
        county: None,
        dept: "rsj",
    },
    AccountDetail {
        username: "ybj_officer",
        name: "蒋慧敏",
        role: Role::CaseOfficer,
        county: None,
        dept: "ybj",
    },
    AccountDetail {
        username: "supervisor",
        name: "唐振华",
        role: Role::CaseSupervisor,
        county: None,
        dept: "zsj",
    },
    AccountDetail {
        username: "licence",
        name: "邓晓燕",
        role: Role::LicenceOfficer,
        county: Some("440802"),
        dept: "scjg",
    },
    AccountDetail {
        username: "licenceadmin",
        name: "方志强",
        role: Role::LicenceAdmin,
        county: None,
        dept: "zsj",
    },
    AccountDetail {
        username: "gaj_data",
        name: "黎国栋",
        role: Role::DataSteward,
        county: None,
        dept: "gaj",
    },
    AccountDetail {
        username: "dataadmin",
        name: "庞舒婷",
        role: Role::DataAdmin,
        county: None,
        dept: "zsj",
    },
    AccountDetail {
        username: "hotline",
        name: "麦晓琳",
        role: Role::HotlineOperator,
        county: None,
        dept: "zsj",
    },
    AccountDetail {
        username: "dispatcher",
        name: "符志刚",
        role: Role::AppealDispatcher,
        county: None,
        dept: "zsj",
    },
    AccountDetail {
        username: "gridadmin",
        name: "庞海燕",
        role: Role::AppealAdmin,
        county: None,
        dept: "zsj",
    },
    AccountDetail {
        username: "jiancha",
        name: "邝志坚",
        role: Role::SupervisionOfficer,
        county: None,
        dept: "zsj",
    },
    AccountDetail {
        username: "xinyong",
        name: "符信诚",
        role: Role::CreditOfficer,
        county: None,
        dept: "zsj",
    },
    AccountDetail {
        username: "leader",
        name: "梁国栋",
        role: Role::Leader,
        county: None,
        dept: "zsj",
    },
    AccountDetail {
        username: "depthead",
        name: "吴建平",
        role: Role::DepartmentHead,
        county: None,
        dept: "scjg",
    },
];

/// A citizen of the demo city (signs in with their ID number or mobile number and
/// [`crate::DEMO_PASSWORD`]).
#[derive(Debug, Clone, Copy)]
pub struct DemoPerson {
    pub name: &'static str,
    pub id_number: &'static str,
    pub phone: &'static str,
}

/// 陈小明 administers a restaurant company; 黄丽 is its agent (经办人).
pub const PEOPLE: [DemoPerson; 2] = [
    DemoPerson {
        name: "陈小明",
        id_number: "440802198805120013",
        phone: "13800759001",
    },
    DemoPerson {
        name: "黄丽",
        id_number: "440803199203180028",
        phone: "13800759002",
    },
];

/// The demo enterprise: body of its USCC (the check character is computed), name.
pub const ENTERPRISE: (&str, &str) = ("91440802MA4W8K2L5", "湛江市赤坎区海滨餐饮有限公司");
