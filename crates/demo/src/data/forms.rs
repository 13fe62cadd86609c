//! Application forms (申请表单) and case workflows (办理流程) of some demo items, by basic code.
//! Every implementation of those basic items (city and counties) gets the same form; the
//! workflows name the implementing item's department (`item`) or a department of the same
//! division by its key (the public security bureau of the parallel review).
//!
//! | basic code | item | applicant | workflow |
//! |---|---|---|---|
//! | 000117008001 | 食品经营许可证核发 | enterprise (prefills name, USCC, phone) | — |
//! | 000117001001 | 企业设立登记 | person founding a company | — |
//! | 000118001000 | 娱乐场所从事娱乐场所经营活动审批 | enterprise | 受理 → 并联审查 (文广旅体局 ‖ 公安局) → 决定 → 送达 |
//! | 000105002001 | 户口迁移（省内迁移） | person (the current registered address prefilled from the population base library) | — |
//! | 000109001001 | 社会保障卡申领 | person | — |
//! | 000122002000 | 异地就医备案 | person | 智能秒批, failing rules go to 人工审核 |
//! | 000109003000 | 失业登记 | person (no form) | 智能秒批 on shared data: the applicant on record in 人口基本信息 (101001/000001, read at case time through the 人社局's grant), else 人工审核 |

use serde_json::json;
use yiwang_forms::{FieldKind, FormField, FormOption, Prefill};
use yiwang_kernel::Error;
use yiwang_workflow::{
    ActionKind, Auto, Branch, Check, Definition, DepartmentRef, FactCheck, OnFail, OnPass, Op,
    Parallel, Performer, Rule, SignMode, Stage, Step,
};

/// The population resource the 失业登记 rule reads (人口基本信息, the demo catalog's code).
pub const POPULATION_RESOURCE: &str = "101001/000001";

/// The role that handles cases (not a kernel role yet; a workflow role is a plain code).
pub const CASE_OFFICER: &str = "case_officer";

/// The Zhanjiang divisions whose insured persons the 异地就医备案 rule approves automatically.
pub const ZHANJIANG: &[&str] = &[
    "440800", "440802", "440803", "440804", "440811", "440823", "440825", "440881", "440882",
    "440883",
];

pub(super) fn field(key: &str, label: &str, label_en: &str, kind: FieldKind) -> FormField {
    FormField {
        key: key.into(),
        label: label.into(),
        label_en: label_en.into(),
        kind,
        ..Default::default()
    }
}

pub(super) fn text(key: &str, label: &str, label_en: &str) -> FormField {
    field(key, label, label_en, FieldKind::Text)
}

pub(super) fn choice(
    key: &str,
    label: &str,
    label_en: &str,
    options: &[(&str, &str, &str)],
) -> FormField {
    FormField {
        options: options
            .iter()
            .map(|(code, zh, en)| FormOption {
                code: (*code).into(),
                label: (*zh).into(),
                label_en: (*en).into(),
            })
            .collect(),
        ..field(key, label, label_en, FieldKind::Choice)
    }
}

pub(super) fn multi(
    key: &str,
    label: &str,
    label_en: &str,
    options: &[(&str, &str, &str)],
) -> FormField {
    FormField {
        kind: FieldKind::MultiChoice,
        ..choice(key, label, label_en, options)
    }
}

pub(super) fn number(
    key: &str,
    label: &str,
    label_en: &str,
    min: f64,
    max: f64,
    decimals: u8,
) -> FormField {
    FormField {
        min: Some(min),
        max: Some(max),
        decimals: Some(decimals),
        ..field(key, label, label_en, FieldKind::Number)
    }
}

pub(super) fn table(key: &str, label: &str, label_en: &str, columns: Vec<FormField>) -> FormField {
    FormField {
        columns,
        ..field(key, label, label_en, FieldKind::Table)
    }
}

/// Small modifiers on a field.
pub(super) trait Tune: Sized {
    fn req(self) -> Self;
    fn help(self, help: &str) -> Self;
    fn prefill(self, p: Prefill) -> Self;
    fn max_len(self, n: u32) -> Self;
    fn rows(self, min: u32, max: u32) -> Self;
}

impl Tune for FormField {
    fn req(self) -> Self {
        FormField {
            required: true,
            ..self
        }
    }
    fn help(self, help: &str) -> Self {
        FormField {
            help: help.into(),
            ..self
        }
    }
    fn prefill(self, p: Prefill) -> Self {
        FormField {
            prefill: Some(p),
            ..self
        }
    }
    fn max_len(self, n: u32) -> Self {
        FormField {
            max_len: Some(n),
            ..self
        }
    }
    fn rows(self, min: u32, max: u32) -> Self {
        FormField {
            min_rows: Some(min),
            max_rows: Some(max),
            ..self
        }
    }
}

/// The organisation applying (prefilled from the legal person the applicant acts for).
fn organisation() -> Vec<FormField> {
    vec![
        text("operator_name", "经营者名称", "Operator name")
            .req()
            .prefill(Prefill::OrgName)
            .help("与营业执照登记的名称一致"),
        field(
            "uscc",
            "统一社会信用代码",
            "Unified social credit code",
            FieldKind::Uscc,
        )
        .req()
        .prefill(Prefill::OrgUscc),
        text("legal_rep", "法定代表人（负责人）", "Legal representative").req(),
        field(
            "legal_rep_id",
            "法定代表人身份证号码",
            "Legal representative's ID number",
            FieldKind::IdNumber,
        )
        .req(),
        field(
            "contact_phone",
            "联系电话",
            "Contact phone",
            FieldKind::Phone,
        )
        .req()
        .prefill(Prefill::ApplicantPhone),
    ]
}

/// The person applying (prefilled from the signed-in person).
pub(super) fn person(name_label: &str, id_label: &str) -> Vec<FormField> {
    vec![
        text("name", name_label, "Name")
            .req()
            .prefill(Prefill::ApplicantName),
        field("id_number", id_label, "ID number", FieldKind::IdNumber)
            .req()
            .prefill(Prefill::ApplicantIdNumber),
        field("phone", "联系电话", "Phone", FieldKind::Phone)
            .req()
            .prefill(Prefill::ApplicantPhone),
    ]
}

pub(super) fn place(prefix: &str, zh: &str, en: &str) -> [FormField; 2] {
    [
        field(
            &format!("{prefix}_division"),
            &format!("{zh}所在区划"),
            &format!("{en}: division"),
            FieldKind::Division,
        )
        .req()
        .help("选择到县（市、区）或镇（街道）"),
        field(&format!("{prefix}_address"), zh, en, FieldKind::Address)
            .req()
            .help("填写到门牌号，如：赤坎区海滨大道北1号首层"),
    ]
}

fn food_licence() -> Vec<FormField> {
    let mut f = organisation();
    f.extend(place("premises", "经营场所", "Business premises"));
    f.extend([
        number(
            "premises_area",
            "经营场所面积（平方米）",
            "Floor area (m²)",
            1.0,
            100_000.0,
            2,
        )
        .req(),
        choice(
            "business_form",
            "主体业态",
            "Type of business",
            &[
                ("shop", "食品销售经营者", "Food retailer"),
                ("restaurant", "餐饮服务经营者", "Catering service"),
                ("canteen", "单位食堂", "Canteen"),
                ("central_kitchen", "中央厨房", "Central kitchen"),
                ("meal_delivery", "集体用餐配送单位", "Group meal supplier"),
            ],
        )
        .req(),
        multi(
            "business_items",
            "经营项目",
            "Business items",
            &[
                (
                    "prepacked",
                    "预包装食品销售（含冷藏冷冻食品）",
                    "Prepacked food",
                ),
                ("bulk", "散装食品销售（含冷藏冷冻食品）", "Bulk food"),
                ("special", "特殊食品销售", "Special foods"),
                ("hot", "热食类食品制售", "Hot food"),
                ("cold", "冷食类食品制售", "Cold food"),
                ("raw", "生食类食品制售", "Raw food"),
                ("pastry", "糕点类食品制售", "Pastries"),
                ("drinks", "自制饮品制售", "Home-made drinks"),
            ],
        )
        .req(),
        choice(
            "online_sales",
            "网络经营",
            "Online sales",
            &[
                ("none", "无", "None"),
                ("own_site", "自建网站", "Own website"),
                ("platform", "入网第三方平台", "Third-party platform"),
            ],
        ),
        text("safety_manager", "食品安全管理人员", "Food safety manager").req(),
        table(
            "staff",
            "从业人员",
            "Staff",
            vec![
                text("name", "姓名", "Name").req(),
                field("id_number", "身份证号码", "ID number", FieldKind::IdNumber).req(),
                text("health_cert", "健康证明编号", "Health certificate no.")
                    .req()
                    .max_len(40),
                text("post", "岗位", "Post"),
            ],
        )
        .req()
        .rows(1, 200)
        .help("接触直接入口食品的从业人员须持有有效健康证明"),
        field(
            "opening_date",
            "拟开业日期",
            "Planned opening date",
            FieldKind::Date,
        ),
    ]);
    f
}

fn company_registration() -> Vec<FormField> {
    let mut f = vec![
        text("company_name", "企业名称", "Company name")
            .req()
            .max_len(100)
            .help("须先通过企业名称自主申报"),
        choice(
            "company_type",
            "企业类型",
            "Company type",
            &[
                (
                    "llc_sole",
                    "有限责任公司（自然人独资）",
                    "LLC (sole natural person)",
                ),
                (
                    "llc",
                    "有限责任公司（自然人投资或控股）",
                    "LLC (natural persons)",
                ),
                (
                    "joint_stock",
                    "股份有限公司（非上市）",
                    "Company limited by shares",
                ),
                ("sole_proprietorship", "个人独资企业", "Sole proprietorship"),
                ("partnership", "合伙企业", "Partnership"),
            ],
        )
        .req(),
        number(
            "registered_capital",
            "注册资本（万元）",
            "Registered capital (10,000 yuan)",
            0.0001,
            10_000_000.0,
            4,
        )
        .req(),
    ];
    f.extend(place("domicile", "住所", "Domicile"));
    f.extend([
        field(
            "business_scope",
            "经营范围",
            "Business scope",
            FieldKind::Textarea,
        )
        .req()
        .help("按《经营范围登记规范表述目录》选择填写"),
        text("legal_rep", "法定代表人", "Legal representative").req(),
        field(
            "legal_rep_id",
            "法定代表人身份证号码",
            "Legal representative's ID number",
            FieldKind::IdNumber,
        )
        .req(),
        text("contact_name", "联系人", "Contact person")
            .req()
            .prefill(Prefill::ApplicantName),
        field(
            "contact_phone",
            "联系电话",
            "Contact phone",
            FieldKind::Phone,
        )
        .req()
        .prefill(Prefill::ApplicantPhone),
        table(
            "shareholders",
            "股东（发起人）出资情况",
            "Shareholders and contributions",
            vec![
                text("name", "股东名称或姓名", "Shareholder").req(),
                choice(
                    "id_kind",
                    "证件类型",
                    "Document type",
                    &[
                        ("id_card", "居民身份证", "Resident ID card"),
                        ("uscc", "统一社会信用代码", "Unified social credit code"),
                        ("other", "其他有效证件", "Other"),
                    ],
                )
                .req(),
                text("id_no", "证件号码", "Document number")
                    .req()
                    .max_len(30),
                number(
                    "subscribed",
                    "认缴出资额（万元）",
                    "Subscribed (10,000 yuan)",
                    0.0001,
                    10_000_000.0,
                    4,
                )
                .req(),
                choice(
                    "method",
                    "出资方式",
                    "Form of contribution",
                    &[
                        ("cash", "货币", "Cash"),
                        ("in_kind", "实物", "In kind"),
                        ("ip", "知识产权", "Intellectual property"),
                        ("land", "土地使用权", "Land use right"),
                    ],
                )
                .req(),
                field("due", "出资期限", "Contribution due", FieldKind::Date)
                    .help("有限责任公司认缴出资额应自成立之日起五年内缴足"),
            ],
        )
        .req()
        .rows(1, 50),
        multi(
            "also_apply",
            "一并申请事项",
            "Also apply for",
            &[
                ("seal", "公章刻制", "Company seal"),
                ("invoice", "发票申领", "Invoices"),
                (
                    "social_insurance",
                    "社保登记",
                    "Social insurance registration",
                ),
                (
                    "housing_fund",
                    "住房公积金缴存登记",
                    "Housing fund registration",
                ),
                ("bank", "银行开户预约", "Bank account appointment"),
            ],
        )
        .help("企业开办“一网通办”，勾选后同步推送有关部门办理"),
    ]);
    f
}

fn entertainment_licence() -> Vec<FormField> {
    let mut f = organisation();
    f.push(text("venue_name", "场所名称", "Venue name").req());
    f.extend(place("venue", "场所地址", "Venue address"));
    f.extend([
        choice(
            "venue_type",
            "场所类型",
            "Type of venue",
            &[
                ("ktv", "歌舞娱乐场所（KTV）", "Karaoke (KTV)"),
                ("dance_hall", "歌舞厅", "Dance hall"),
                ("arcade", "游艺娱乐场所", "Amusement arcade"),
            ],
        )
        .req(),
        number(
            "floor_area",
            "营业面积（平方米）",
            "Floor area (m²)",
            1.0,
            100_000.0,
            2,
        )
        .req(),
        number("rooms", "包房（厅）数量", "Number of rooms", 0.0, 500.0, 0),
        text("hours", "营业时间", "Opening hours")
            .req()
            .help("娱乐场所每日凌晨2时至上午8时不得营业"),
        table(
            "people",
            "投资人及负责人",
            "Investors and managers",
            vec![
                text("name", "姓名", "Name").req(),
                field("id_number", "身份证号码", "ID number", FieldKind::IdNumber).req(),
                choice(
                    "role",
                    "身份",
                    "Role",
                    &[
                        ("investor", "投资人", "Investor"),
                        ("legal_rep", "拟任法定代表人", "Legal representative"),
                        ("manager", "其他负责人", "Manager"),
                    ],
                )
                .req(),
            ],
        )
        .req()
        .rows(1, 20),
        choice(
            "fire_safety",
            "消防安全检查",
            "Fire safety inspection",
            &[
                ("passed", "已通过消防安全检查", "Passed"),
                ("pledged", "已作出告知承诺", "Pledge made"),
            ],
        )
        .req(),
    ]);
    f
}

fn household_move() -> Vec<FormField> {
    let mut f = person("申请人姓名", "申请人身份证号码");
    f.extend([
        field(
            "from_division",
            "迁出地",
            "Moving from",
            FieldKind::Division,
        )
        .req()
        .help("现户口所在地的县（市、区）或镇（街道）"),
        // 数据代替材料: the registered address comes from the population base library.
        field(
            "from_address",
            "现户籍地址",
            "Current registered address",
            FieldKind::Address,
        )
        .prefill(Prefill::PersonAddress)
        .help("由人口基础库自动填写，无需提供户口簿该页"),
        field("to_division", "迁入地", "Moving to", FieldKind::Division).req(),
        field(
            "to_address",
            "迁入地详细地址",
            "New address",
            FieldKind::Address,
        )
        .req(),
        choice(
            "basis",
            "迁移类型",
            "Grounds",
            &[
                ("housing", "合法稳定住所", "Own lawful residence"),
                ("employment", "合法稳定就业", "Stable employment"),
                ("spouse", "投靠配偶", "Joining spouse"),
                ("parent", "投靠父母", "Joining parents"),
                ("child", "投靠子女", "Joining children"),
                ("study", "升学", "Study"),
            ],
        )
        .req(),
        field("reason", "申请事由", "Reason", FieldKind::Textarea)
            .req()
            .max_len(500),
        table(
            "movers",
            "随迁人员",
            "Family members moving too",
            vec![
                text("name", "姓名", "Name").req(),
                field("id_number", "身份证号码", "ID number", FieldKind::IdNumber).req(),
                choice(
                    "relation",
                    "与申请人关系",
                    "Relation",
                    &[
                        ("spouse", "配偶", "Spouse"),
                        ("child", "子女", "Child"),
                        ("parent", "父母", "Parent"),
                        ("other", "其他", "Other"),
                    ],
                )
                .req(),
            ],
        )
        .rows(0, 10),
    ]);
    f
}

fn social_security_card() -> Vec<FormField> {
    let mut f = person("姓名", "身份证号码");
    f.extend([
        choice(
            "apply_type",
            "申领类型",
            "Application",
            &[
                ("first", "首次申领", "First card"),
                (
                    "upgrade",
                    "以旧换新（换领第三代社会保障卡）",
                    "Replace an old card",
                ),
            ],
        )
        .req(),
        choice(
            "bank",
            "服务银行",
            "Bank",
            &[
                ("icbc", "中国工商银行", "ICBC"),
                ("abc", "中国农业银行", "ABC"),
                ("boc", "中国银行", "Bank of China"),
                ("ccb", "中国建设银行", "CCB"),
                ("psbc", "中国邮政储蓄银行", "PSBC"),
                (
                    "zjrcb",
                    "湛江农村商业银行",
                    "Zhanjiang Rural Commercial Bank",
                ),
            ],
        )
        .req(),
        choice(
            "delivery",
            "领卡方式",
            "Delivery",
            &[
                (
                    "counter",
                    "到即时制卡网点领取",
                    "Collect at a service point",
                ),
                ("post", "邮寄到家", "By post"),
            ],
        )
        .req(),
        field(
            "mail_division",
            "邮寄地址所在区划",
            "Postal address: division",
            FieldKind::Division,
        )
        .help("选择邮寄到家时填写"),
        field(
            "mail_address",
            "邮寄地址",
            "Postal address",
            FieldKind::Address,
        )
        .help("选择邮寄到家时填写"),
        text("photo_receipt", "数码相片回执号", "Photo receipt no.")
            .max_len(30)
            .help("通过“粤省事”拍摄或在照相馆取得的相片回执号"),
    ]);
    f
}

fn medical_filing() -> Vec<FormField> {
    let mut f = person("参保人姓名", "参保人身份证号码");
    f.extend([
        field(
            "insured_division",
            "参保地",
            "Insured in",
            FieldKind::Division,
        )
        .req()
        .help("参加基本医疗保险所在的县（市、区）"),
        choice(
            "filing_type",
            "备案类型",
            "Filing type",
            &[
                (
                    "long_term_residence",
                    "异地长期居住人员",
                    "Living elsewhere long-term",
                ),
                ("remote_work", "常驻异地工作人员", "Working elsewhere"),
                ("referral", "异地转诊人员", "Referred elsewhere"),
                (
                    "temporary",
                    "临时外出就医人员",
                    "Temporary medical care elsewhere",
                ),
            ],
        )
        .req(),
        field(
            "destination_division",
            "就医地",
            "Treated in",
            FieldKind::Division,
        )
        .req()
        .help("选择到地级市或县（市、区）"),
        field("start_date", "备案开始日期", "Start date", FieldKind::Date).req(),
        field("end_date", "备案结束日期", "End date", FieldKind::Date)
            .help("临时外出就医人员填写；长期居住、常驻工作人员可不填"),
        text("referral_hospital", "转出医疗机构", "Referring hospital").help("异地转诊人员填写"),
        field(
            "residence_address",
            "就医地居住地址",
            "Address where treated",
            FieldKind::Address,
        ),
    ]);
    f
}

/// The application form of the items of a basic code (empty: the item declares none yet).
pub fn form(basic_code: &str) -> Vec<FormField> {
    match basic_code {
        "000117008001" => food_licence(),
        "000117001001" => company_registration(),
        "000118001000" => entertainment_licence(),
        "000105002001" => household_move(),
        "000109001001" => social_security_card(),
        "000122002000" => medical_filing(),
        other => super::bundle_forms::form(other),
    }
}

fn step(
    code: &str,
    name: &str,
    department: DepartmentRef,
    limit_days: u32,
    actions: &[ActionKind],
) -> Step {
    Step {
        code: code.into(),
        name: name.into(),
        performer: Performer {
            role: CASE_OFFICER.into(),
            department,
        },
        sign: SignMode::Single,
        signers: Vec::new(),
        limit_days,
        actions: actions.to_vec(),
        auto: None,
    }
}

fn check(code: &str, field: &str, op: Op, value: serde_json::Value) -> Rule {
    Rule::Check(Check {
        code: code.into(),
        field: field.into(),
        op,
        value,
    })
}

/// The case workflow of an implementation item (`item_code`) of a basic code, if it declares
/// one. `department` finds a department of the item's division by its demo key.
pub fn workflow(
    basic_code: &str,
    item_code: &str,
    item_name: &str,
    department: &dyn Fn(&'static str) -> Result<i64, Error>,
) -> Result<Option<Definition>, Error> {
    use ActionKind::*;
    let stages = match basic_code {
        // 并联审批: the culture bureau and the public security bureau review at the same time.
        "000118001000" => vec![
            Stage::Step(Box::new(step(
                "accept",
                "受理",
                DepartmentRef::Item,
                1,
                &[Approve, Refuse, Transfer, RequestSupplement],
            ))),
            Stage::Parallel(Parallel {
                code: "joint_review".into(),
                name: "并联审查".into(),
                branches: vec![
                    Branch {
                        steps: vec![step(
                            "culture_review",
                            "文化市场审查（含现场核查）",
                            DepartmentRef::Item,
                            2,
                            &[Approve, Return, Refuse, Transfer, Delegate, Recall],
                        )],
                    },
                    Branch {
                        steps: vec![step(
                            "police_review",
                            "治安审查",
                            DepartmentRef::Id(department("gaj")?),
                            2,
                            &[Approve, Return, Transfer, Recall],
                        )],
                    },
                ],
            }),
            Stage::Step(Box::new(step(
                "decide",
                "审批决定",
                DepartmentRef::Item,
                1,
                &[Approve, Return, Refuse, Recall],
            ))),
            Stage::Step(Box::new(step(
                "deliver",
                "制证送达",
                DepartmentRef::Item,
                1,
                &[Approve],
            ))),
        ],
        // 智能秒批: filings of insured Zhanjiang residents living or working elsewhere are
        // approved by the system; referrals, temporary stays and anything else go to an officer.
        "000122002000" => vec![
            Stage::Step(Box::new(Step {
                auto: Some(Auto {
                    rule: Rule::All(vec![
                        check(
                            "settled_elsewhere",
                            "filing_type",
                            Op::In,
                            json!(["long_term_residence", "remote_work"]),
                        ),
                        check("insured_here", "insured_division", Op::In, json!(ZHANJIANG)),
                        check(
                            "destination_given",
                            "destination_division",
                            Op::Present,
                            serde_json::Value::Null,
                        ),
                    ]),
                    on_pass: OnPass::Complete,
                    on_fail: OnFail::Step("manual_review".into()),
                }),
                ..step(
                    "auto_filing",
                    "智能备案（秒批）",
                    DepartmentRef::Item,
                    0,
                    &[Approve],
                )
            })),
            Stage::Step(Box::new(step(
                "manual_review",
                "人工审核",
                DepartmentRef::Item,
                0,
                &[Approve, Refuse, Transfer, RequestSupplement, CopyTo],
            ))),
        ],
        // 智能秒批 on shared data: an unemployment registration of a person on record in the
        // population resource (read when the step starts, through the 人社局's grant, recorded
        // against the case) completes at once; anyone else goes to an officer with the reason.
        "000109003000" => vec![
            Stage::Step(Box::new(Step {
                auto: Some(Auto {
                    rule: Rule::Fact(FactCheck {
                        code: "on_population_record".into(),
                        resource: POPULATION_RESOURCE.into(),
                        field: "name".into(),
                        op: Op::Present,
                        value: serde_json::Value::Null,
                    }),
                    on_pass: OnPass::Complete,
                    on_fail: OnFail::Step("manual_review".into()),
                }),
                ..step(
                    "auto_check",
                    "户籍核验（秒批）",
                    DepartmentRef::Item,
                    0,
                    &[Approve],
                )
            })),
            Stage::Step(Box::new(step(
                "manual_review",
                "人工审核",
                DepartmentRef::Item,
                0,
                &[Approve, Refuse, Transfer, RequestSupplement],
            ))),
        ],
        _ => return Ok(None),
    };
    Ok(Some(Definition {
        code: item_code.to_string(),
        version: 1,
        name: format!("{item_name}办理流程"),
        stages,
    }))
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};
    use time::macros::{date, datetime};
    use yiwang_forms::{check_definition, validate_on};
    use yiwang_kernel::codes::Uscc;
    use yiwang_workflow::{BranchState, Fields, Status, start};

    use super::*;
    use crate::data::accounts::{ENTERPRISE, PEOPLE};

    const CODES: [&str; 6] = [
        "000117008001",
        "000117001001",
        "000118001000",
        "000105002001",
        "000109001001",
        "000122002000",
    ];

    fn org() -> Value {
        let uscc = Uscc::from_body(ENTERPRISE.0).unwrap();
        json!({
            "operator_name": ENTERPRISE.1,
            "uscc": uscc.as_str(),
            "legal_rep": PEOPLE[0].name,
            "legal_rep_id": PEOPLE[0].id_number,
            "contact_phone": PEOPLE[0].phone,
        })
    }

    fn me() -> Value {
        json!({"name": PEOPLE[0].name, "id_number": PEOPLE[0].id_number, "phone": PEOPLE[0].phone})
    }

    fn with(mut base: Value, more: Value) -> Value {
        if let (Value::Object(b), Value::Object(m)) = (&mut base, more) {
            b.extend(m);
        }
        base
    }

    /// A realistic filled-in form per item.
    fn sample(code: &str) -> Value {
        match code {
            "000117008001" => with(
                org(),
                json!({
                    "premises_division": "440802",
                    "premises_address": "赤坎区海滨大道北1号首层",
                    "premises_area": "120.5",
                    "business_form": "restaurant",
                    "business_items": ["hot", "cold", "drinks"],
                    "online_sales": "platform",
                    "safety_manager": PEOPLE[1].name,
                    "staff": [
                        {"name": PEOPLE[1].name, "id_number": PEOPLE[1].id_number,
                         "health_cert": "JK440802-2025-0012", "post": "厨师"}
                    ],
                    "opening_date": "2026-05-01"
                }),
            ),
            "000117001001" => json!({
                "company_name": "湛江市海鲜餐饮管理有限公司",
                "company_type": "llc",
                "registered_capital": 100,
                "domicile_division": "440802",
                "domicile_address": "赤坎区海滨大道北1号",
                "business_scope": "餐饮服务；餐饮管理；食品销售（仅销售预包装食品）。",
                "legal_rep": PEOPLE[0].name,
                "legal_rep_id": PEOPLE[0].id_number,
                "contact_name": PEOPLE[1].name,
                "contact_phone": PEOPLE[1].phone,
                "shareholders": [
                    {"name": PEOPLE[0].name, "id_kind": "id_card", "id_no": PEOPLE[0].id_number,
                     "subscribed": 60, "method": "cash", "due": "2030-12-31"},
                    {"name": PEOPLE[1].name, "id_kind": "id_card", "id_no": PEOPLE[1].id_number,
                     "subscribed": "40", "method": "cash"}
                ],
                "also_apply": ["seal", "invoice", "social_insurance"]
            }),
            "000118001000" => with(
                org(),
                json!({
                    "venue_name": "海滨欢唱KTV",
                    "venue_division": "440802",
                    "venue_address": "赤坎区海滨大道北1号三楼",
                    "venue_type": "ktv",
                    "floor_area": 860,
                    "rooms": 24,
                    "hours": "每日10:00至次日02:00",
                    "people": [{"name": PEOPLE[0].name, "id_number": PEOPLE[0].id_number,
                                "role": "legal_rep"}],
                    "fire_safety": "pledged"
                }),
            ),
            "000105002001" => with(
                me(),
                json!({
                    "from_division": "440803",
                    "to_division": "440802",
                    "to_address": "赤坎区南桥南路12号501房",
                    "basis": "housing",
                    "reason": "在赤坎区购买住房，申请将户口由霞山区迁入赤坎区。",
                    "movers": [{"name": PEOPLE[1].name, "id_number": PEOPLE[1].id_number,
                                "relation": "spouse"}]
                }),
            ),
            "000109001001" => with(
                me(),
                json!({
                    "apply_type": "first",
                    "bank": "zjrcb",
                    "delivery": "post",
                    "mail_division": "440802",
                    "mail_address": "赤坎区南桥南路12号501房"
                }),
            ),
            _ => with(
                me(),
                json!({
                    "insured_division": "440802",
                    "filing_type": "long_term_residence",
                    "destination_division": "440106",
                    "start_date": "2026-04-01",
                    "residence_address": "天河区体育西路1号"
                }),
            ),
        }
    }

    #[test]
    fn every_form_is_valid_and_a_sample_passes() {
        for code in CODES {
            let f = form(code);
            assert!(!f.is_empty(), "{code}");
            assert_eq!(check_definition(&f), vec![], "{code}");
            let out = validate_on(&f, &sample(code), date!(2026 - 03 - 01));
            assert!(out.is_ok(), "{code}: {out:?}");
            // Every field prefilled from the applicant's account is required: the portal always
            // has the value. Base-library prefills (数据代替材料) are optional: a library may
            // not hold the applicant.
            let from_library = |p: Prefill| {
                matches!(
                    p,
                    Prefill::PersonAddress | Prefill::OrgLegalRepresentative | Prefill::OrgAddress
                )
            };
            assert!(
                f.iter()
                    .all(|x| x.prefill.is_none_or(from_library) || x.required),
                "{code}"
            );
        }
        assert!(form("000117014000").is_empty());
        let food = form("000117008001");
        let prefills: Vec<_> = food.iter().filter_map(|f| f.prefill).collect();
        assert_eq!(
            prefills,
            [Prefill::OrgName, Prefill::OrgUscc, Prefill::ApplicantPhone]
        );
        // An empty submission names every required field.
        let errs = validate_on(&food, &json!({}), date!(2026 - 03 - 01)).unwrap_err();
        assert!(
            errs.iter()
                .any(|e| e.field == "form.staff" && e.rule == "required")
        );
    }

    fn definition(code: &str) -> Definition {
        let d = workflow(
            code,
            "11440800MB2C0000XX3000122002000",
            "演示事项",
            &|k| {
                assert_eq!(k, "gaj");
                Ok(42)
            },
        )
        .unwrap()
        .unwrap();
        assert_eq!(d.validate(), Ok(()));
        d
    }

    fn fields(code: &str, v: Value) -> Fields {
        validate_on(&form(code), &v, date!(2026 - 03 - 01))
            .unwrap()
            .into_iter()
            .collect()
    }

    fn active(status: &Status, branches: &[BranchState]) -> Vec<String> {
        assert_eq!(*status, Status::Running);
        branches
            .iter()
            .filter_map(|b| match b {
                BranchState::Active(w) => Some(w.step.clone()),
                BranchState::Done => None,
            })
            .collect()
    }

    #[test]
    fn the_entertainment_licence_reviews_in_parallel() {
        let code = "000118001000";
        let d = definition(code);
        let Stage::Parallel(p) = &d.stages[1] else {
            panic!("no parallel group")
        };
        let performers: Vec<_> = p
            .branches
            .iter()
            .map(|b| {
                (
                    b.steps[0].performer.role.as_str(),
                    b.steps[0].performer.department,
                )
            })
            .collect();
        assert_eq!(
            performers,
            [
                (CASE_OFFICER, DepartmentRef::Item),
                (CASE_OFFICER, DepartmentRef::Id(42))
            ]
        );
        let (inst, _) = start(
            &d,
            5,
            fields(code, sample(code)),
            datetime!(2026-03-02 01:00 UTC),
        )
        .unwrap();
        assert_eq!(active(&inst.flow.status, &inst.flow.branches), ["accept"]);
        assert!(
            workflow("000117008001", "X", "x", &|_| Ok(1))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn unemployment_registrations_read_the_population_resource_of_the_demo_catalog() {
        let d = definition("000109003000");
        assert_eq!(d.fact_resources(), [POPULATION_RESOURCE]);
        let (class, seq) = POPULATION_RESOURCE.split_once('/').unwrap();
        assert!(
            crate::data::exchange_catalog::RESOURCES
                .iter()
                .any(|r| r.class == class && format!("{:06}", r.seq) == seq),
            "the demo catalog publishes {POPULATION_RESOURCE}"
        );
        // Without the shared facts (read at case time) an officer takes over.
        let at = datetime!(2026-03-02 01:00 UTC);
        let (inst, _) = start(&d, 5, Fields::new(), at).unwrap();
        assert_eq!(
            active(&inst.flow.status, &inst.flow.branches),
            ["manual_review"]
        );
    }

    #[test]
    fn medical_filings_are_approved_automatically_or_handed_to_an_officer() {
        let code = "000122002000";
        let d = definition(code);
        // The rule reads only fields of the form.
        let keys: Vec<String> = form(code).into_iter().map(|f| f.key).collect();
        let Stage::Step(s) = &d.stages[0] else {
            panic!()
        };
        let Some(Auto {
            rule: Rule::All(checks),
            ..
        }) = &s.auto
        else {
            panic!()
        };
        for c in checks {
            let Rule::Check(c) = c else { panic!() };
            assert!(keys.contains(&c.field), "{}", c.field);
        }
        let at = datetime!(2026-03-02 01:00 UTC);
        let (inst, _) = start(&d, 5, fields(code, sample(code)), at).unwrap();
        assert_eq!(inst.flow.status, Status::Completed);

        let referral = with(
            sample(code),
            json!({"filing_type": "referral", "referral_hospital": "湛江中心人民医院",
                   "destination_division": "440104"}),
        );
        let (inst, _) = start(&d, 5, fields(code, referral), at).unwrap();
        assert_eq!(
            active(&inst.flow.status, &inst.flow.branches),
            ["manual_review"]
        );

        let insured_elsewhere = with(sample(code), json!({"insured_division": "440106"}));
        let (inst, _) = start(&d, 5, fields(code, insured_elsewhere), at).unwrap();
        assert_eq!(
            active(&inst.flow.status, &inst.flow.branches),
            ["manual_review"]
        );
    }
}
