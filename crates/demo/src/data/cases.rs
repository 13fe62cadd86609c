//! The demo cases: who applied for what, and what happened since, in working days before the
//! day of the load (see [`crate::cases`]). City items unless a county is named.
//!
//! | key | item | applicant | where it ends |
//! |---|---|---|---|
//! | s01 | 社会保障卡申领 | 陈小明 online, today | submitted |
//! | s02 | 户口迁移（省内迁移） | 黄丽 at the window | received, awaiting acceptance |
//! | s03 | 食品经营许可证核发 (赤坎区) | the enterprise (陈小明) | one-time notice pending |
//! | s04 | 食品经营许可证核发 | the enterprise (agent 黄丽) | accepted, 审查 claimed |
//! | s05 | 娱乐场所经营活动审批 | the enterprise (陈小明) | parallel review: police done, culture open — at risk |
//! | s06 | 异地就医备案 | 陈小明 | 秒批 passed automatically, delivered electronically, rated 5 |
//! | s07 | 户口迁移（省内迁移） | 陈小明 | paused for supplements (clock stopped) |
//! | s08 | 异地就医备案 (referral) | 黄丽, today | the 秒批 rule failed: manual review — at risk |
//! | s09 | 食品经营许可证核发 | the enterprise (陈小明) | special procedure (on-site inspection) |
//! | s10 | 食品经营许可证核发 | the enterprise (agent 黄丽) | 决定 waiting, overdue, urged by the supervisor |
//! | s11 | 企业设立登记 | 黄丽 | accepted yesterday, due today — at risk |
//! | s12 | 企业设立登记 | 陈小明 | concluded, granted, awaiting delivery |
//! | s13 | 户口迁移（省内迁移） | 黄丽 | concluded, refused |
//! | s14 | 食品经营许可证核发 | the enterprise (agent 黄丽) | delivered by mail, rated 5 |
//! | s15 | 社会保障卡申领 | 黄丽 | delivered at the window, rated 2: follow-up verified and rectified, reply pending |
//! | s16 | 企业设立登记 | 陈小明 | withdrawn |
//! | s17 | 食品经营许可证核发 (赤坎区) | the enterprise at the 赤坎 window | not accepted |
//! | s18 | 企业设立登记 | 黄丽 | accepted and granted in the same minute: a fast-approval warning (电子监察) |
//! | s19 | 食品经营许可证核发 | a black-listed trader at the city window | awaiting acceptance: the clerk sees the credit basis and measures (联合奖惩) |

use serde_json::{Value, json};
use time::{Date, Duration};
use yiwang_workflow::Action;

use crate::cases::{Op, Scenario, Who, WindowWho, at};
use crate::data::accounts::PEOPLE;

const FOOD: &str = "000117008001";
const COMPANY: &str = "000117001001";
const VENUE: &str = "000118001000";
const HOUSEHOLD: &str = "000105002001";
const CARD: &str = "000109001001";
const MEDICAL: &str = "000122002000";
const CHIKAN: &str = "440802";

const CHEN: usize = 0;
const HUANG: usize = 1;

fn approve(opinion: &str) -> Action {
    Action::Approve {
        opinion: opinion.to_string(),
    }
}

fn with(mut base: Value, more: Value) -> Value {
    if let (Value::Object(b), Value::Object(m)) = (&mut base, more) {
        b.extend(m);
    }
    base
}

fn ymd(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// The enterprise's own fields (its name, USCC and phone are prefilled from the applicant).
fn enterprise() -> Value {
    json!({
        "legal_rep": PEOPLE[CHEN].name,
        "legal_rep_id": PEOPLE[CHEN].id_number,
    })
}

fn food(division: &str, address: &str, area: &str, items: &[&str], opening: Date) -> Value {
    with(
        enterprise(),
        json!({
            "premises_division": division,
            "premises_address": address,
            "premises_area": area,
            "business_form": if items == ["prepacked"] { "shop" } else { "restaurant" },
            "business_items": items,
            "online_sales": "platform",
            "safety_manager": PEOPLE[HUANG].name,
            "staff": [
                {"name": PEOPLE[HUANG].name, "id_number": PEOPLE[HUANG].id_number,
                 "health_cert": "JK440802-2025-0012", "post": "厨师"},
                {"name": PEOPLE[CHEN].name, "id_number": PEOPLE[CHEN].id_number,
                 "health_cert": "JK440802-2025-0047", "post": "店长"}
            ],
            "opening_date": ymd(opening),
        }),
    )
}

fn company(name: &str, capital: i64) -> Value {
    json!({
        "company_name": name,
        "company_type": "llc",
        "registered_capital": capital,
        "domicile_division": "440802",
        "domicile_address": "赤坎区海滨大道北1号",
        "business_scope": "餐饮服务；餐饮管理；食品销售（仅销售预包装食品）。",
        "legal_rep": PEOPLE[CHEN].name,
        "legal_rep_id": PEOPLE[CHEN].id_number,
        "shareholders": [
            {"name": PEOPLE[CHEN].name, "id_kind": "id_card", "id_no": PEOPLE[CHEN].id_number,
             "subscribed": capital * 3 / 5, "method": "cash"},
            {"name": PEOPLE[HUANG].name, "id_kind": "id_card", "id_no": PEOPLE[HUANG].id_number,
             "subscribed": capital * 2 / 5, "method": "cash"}
        ],
        "also_apply": ["seal", "invoice", "social_insurance"]
    })
}

fn household(from: &str, to: &str, address: &str, basis: &str, reason: &str) -> Value {
    json!({
        "from_division": from,
        "to_division": to,
        "to_address": address,
        "basis": basis,
        "reason": reason,
    })
}

fn card(delivery: &str) -> Value {
    let mut v = json!({"apply_type": "first", "bank": "zjrcb", "delivery": delivery});
    if delivery == "post" {
        v = with(
            v,
            json!({"mail_division": "440802", "mail_address": "赤坎区南桥南路12号501房"}),
        );
    }
    v
}

/// Every demo case, for a load on `today` (China).
pub(crate) fn scenarios(today: Date) -> Vec<Scenario> {
    let later = |days: i64| today + Duration::days(days);
    vec![
        Scenario {
            key: "s01",
            basic: CARD,
            county: None,
            form: card("post"),
            steps: vec![(at(0, 10), Op::Apply(Who::Person(CHEN)))],
        },
        Scenario {
            key: "s02",
            basic: HOUSEHOLD,
            county: None,
            form: household(
                "440803",
                "440802",
                "赤坎区南桥南路12号501房",
                "spouse",
                "与配偶陈小明共同居住，申请将户口由霞山区迁入赤坎区。",
            ),
            steps: vec![(at(1, 30), Op::Receive("clerk", WindowWho::Person(HUANG)))],
        },
        Scenario {
            key: "s03",
            basic: FOOD,
            county: Some(CHIKAN),
            form: food(
                "440802",
                "赤坎区海滨大道北1号首层",
                "120.5",
                &["hot", "cold", "drinks"],
                later(30),
            ),
            steps: vec![
                (at(2, 60), Op::Apply(Who::ForOrg(CHEN))),
                (
                    at(1, 120),
                    Op::Notice(
                        "chikan_clerk",
                        vec![
                            ("M04", "经营场所平面布局图未标明食品处理区、就餐区的面积和位置"),
                            ("M06", "食品安全管理人员基本情况未附培训考核合格证明"),
                            ("", "从业人员陈小明的健康证明编号与健康证不一致，请核对后更正"),
                        ],
                    ),
                ),
            ],
        },
        Scenario {
            key: "s04",
            basic: FOOD,
            county: None,
            form: food(
                "440803",
                "霞山区人民大道南58号首层",
                "86",
                &["hot", "drinks"],
                later(20),
            ),
            steps: vec![
                (at(3, 30), Op::Apply(Who::ForOrg(HUANG))),
                (at(2, 45), Op::Accept("clerk")),
                (at(1, 90), Op::Act("scjg_officer", None, Action::Claim)),
            ],
        },
        Scenario {
            key: "s05",
            basic: VENUE,
            county: None,
            form: with(
                enterprise(),
                json!({
                    "venue_name": "海滨欢唱KTV",
                    "venue_division": "440802",
                    "venue_address": "赤坎区海滨大道北1号三楼",
                    "venue_type": "ktv",
                    "floor_area": 860,
                    "rooms": 24,
                    "hours": "每日10:00至次日02:00",
                    "people": [{"name": PEOPLE[CHEN].name, "id_number": PEOPLE[CHEN].id_number,
                                "role": "legal_rep"}],
                    "fire_safety": "pledged"
                }),
            ),
            steps: vec![
                (at(4, 30), Op::Apply(Who::ForOrg(CHEN))),
                (at(4, 200), Op::Accept("clerk")),
                (at(3, 60), Op::Act("wlj_officer", Some("accept"), Action::Claim)),
                (
                    at(3, 90),
                    Op::Act(
                        "wlj_officer",
                        Some("accept"),
                        approve("材料齐全，转文化市场审查和治安审查并联办理"),
                    ),
                ),
                (
                    at(2, 60),
                    Op::Act("gaj_officer", Some("police_review"), Action::Claim),
                ),
                (
                    at(2, 150),
                    Op::Act(
                        "gaj_officer",
                        Some("police_review"),
                        approve("经查，投资人及拟任法定代表人无违法犯罪记录，同意"),
                    ),
                ),
                (
                    at(1, 60),
                    Op::Act("wlj_officer", Some("culture_review"), Action::Claim),
                ),
            ],
        },
        Scenario {
            key: "s06",
            basic: MEDICAL,
            county: None,
            form: json!({
                "insured_division": "440802",
                "filing_type": "long_term_residence",
                "destination_division": "440106",
                "start_date": ymd(later(7)),
                "residence_address": "天河区体育西路1号"
            }),
            steps: vec![
                (at(1, 20), Op::Apply(Who::Person(CHEN))),
                (at(1, 50), Op::Accept("clerk")),
                (at(1, 55), Op::Deliver("clerk", "electronic", "")),
                (
                    at(0, 30),
                    Op::Rate(
                        Who::Person(CHEN),
                        "conclude",
                        5,
                        &["501", "504"],
                        "网上申请几分钟就备案成功，不用跑腿，非常方便",
                    ),
                ),
            ],
        },
        Scenario {
            key: "s07",
            basic: HOUSEHOLD,
            county: None,
            form: household(
                "440811",
                "440802",
                "赤坎区南桥南路12号501房",
                "housing",
                "在赤坎区购买住房，申请将户口由麻章区迁入赤坎区。",
            ),
            steps: vec![
                (at(6, 100), Op::Apply(Who::Person(CHEN))),
                (at(5, 30), Op::Accept("clerk")),
                (at(4, 120), Op::Act("gaj_officer", None, Action::Claim)),
                (
                    at(4, 180),
                    Op::Act(
                        "gaj_officer",
                        None,
                        Action::RequestSupplement {
                            items: vec![
                                "请补充提交迁入地住房的不动产权证书或购房合同及备案证明".to_string(),
                            ],
                        },
                    ),
                ),
            ],
        },
        Scenario {
            key: "s08",
            basic: MEDICAL,
            county: None,
            form: json!({
                "insured_division": "440803",
                "filing_type": "referral",
                "destination_division": "440104",
                "start_date": ymd(today),
                "end_date": ymd(later(90)),
                "referral_hospital": "湛江中心人民医院"
            }),
            steps: vec![
                (at(0, 20), Op::Apply(Who::Person(HUANG))),
                (at(0, 40), Op::Accept("clerk")),
            ],
        },
        Scenario {
            key: "s09",
            basic: FOOD,
            county: None,
            form: food(
                "440811",
                "麻章区瑞云北路8号",
                "210",
                &["hot", "cold", "pastry"],
                later(40),
            ),
            steps: vec![
                (at(7, 60), Op::Apply(Who::ForOrg(CHEN))),
                (at(6, 60), Op::Accept("clerk")),
                (at(5, 30), Op::Act("scjg_officer2", None, Action::Claim)),
                (
                    at(5, 90),
                    Op::Special(
                        "scjg_officer2",
                        "2",
                        "现场核查",
                        "申请材料所附平面布局图与经营场所实际情况不一致，需组织现场核查",
                        5,
                    ),
                ),
            ],
        },
        Scenario {
            key: "s10",
            basic: FOOD,
            county: None,
            form: food(
                "440804",
                "坡头区南调路3号",
                "64",
                &["hot"],
                later(10),
            ),
            steps: vec![
                (at(10, 40), Op::Apply(Who::ForOrg(HUANG))),
                (at(9, 30), Op::Accept("clerk")),
                (at(8, 60), Op::Act("scjg_officer", None, Action::Claim)),
                (
                    at(5, 120),
                    Op::Act(
                        "scjg_officer",
                        None,
                        approve("材料齐全，经营场所符合要求，建议准予许可"),
                    ),
                ),
                (at(0, 60), Op::Act("supervisor", None, Action::Urge)),
            ],
        },
        Scenario {
            key: "s11",
            basic: COMPANY,
            county: None,
            form: company("湛江市海鲜餐饮管理有限公司", 100),
            steps: vec![
                (at(2, 300), Op::Apply(Who::Person(HUANG))),
                (at(1, 45), Op::Accept("clerk")),
                (at(0, 30), Op::Act("scjg_officer", None, Action::Claim)),
            ],
        },
        Scenario {
            key: "s12",
            basic: COMPANY,
            county: None,
            form: company("湛江市赤坎区小明海味食品有限公司", 50),
            steps: vec![
                (at(3, 20), Op::Apply(Who::Person(CHEN))),
                (at(3, 90), Op::Accept("clerk")),
                (at(2, 30), Op::Act("scjg_officer", None, Action::Claim)),
                (
                    at(2, 60),
                    Op::Act("scjg_officer", None, approve("申请材料齐全，符合法定形式")),
                ),
                (at(2, 120), Op::Act("scjg_officer2", None, Action::Claim)),
                (
                    at(2, 150),
                    Op::Act("scjg_officer2", None, approve("准予设立登记，核发营业执照")),
                ),
            ],
        },
        Scenario {
            key: "s13",
            basic: HOUSEHOLD,
            county: None,
            form: household(
                "440803",
                "440811",
                "麻章区瑞云北路8号",
                "employment",
                "在麻章区就业，申请将户口迁入单位集体户。",
            ),
            steps: vec![
                (at(8, 60), Op::Apply(Who::Person(HUANG))),
                (at(7, 30), Op::Accept("clerk")),
                (at(6, 60), Op::Act("gaj_officer", None, Action::Claim)),
                (
                    at(5, 60),
                    Op::Act("gaj_officer", None, approve("已核查申请人就业情况")),
                ),
                (at(4, 60), Op::Act("gaj_officer", None, Action::Claim)),
                (
                    at(4, 90),
                    Op::Act(
                        "gaj_officer",
                        None,
                        Action::Refuse {
                            opinion: "申请人劳动合同期限不足一年，且用人单位未设立集体户，不符合以合法稳定就业迁入的条件".to_string(),
                        },
                    ),
                ),
            ],
        },
        Scenario {
            key: "s14",
            basic: FOOD,
            county: None,
            form: food(
                "440802",
                "赤坎区中山二路16号",
                "150",
                &["hot", "cold", "drinks"],
                later(5),
            ),
            steps: vec![
                (at(12, 30), Op::Apply(Who::ForOrg(HUANG))),
                (at(11, 60), Op::Accept("clerk")),
                (at(10, 120), Op::Act("scjg_officer", None, Action::Claim)),
                (
                    at(9, 60),
                    Op::Act("scjg_officer", None, approve("经现场核查，场所布局合理，符合要求")),
                ),
                (at(8, 30), Op::Act("scjg_officer2", None, Action::Claim)),
                (
                    at(8, 60),
                    Op::Act("scjg_officer2", None, approve("准予许可，核发食品经营许可证")),
                ),
                (at(7, 120), Op::Deliver("clerk", "mail", "SF1402759881")),
                (
                    at(6, 60),
                    Op::Rate(
                        Who::ForOrg(HUANG),
                        "conclude",
                        5,
                        &["501", "601"],
                        "审批很快，现场核查的工作人员很专业，许可证寄到店里",
                    ),
                ),
            ],
        },
        Scenario {
            key: "s15",
            basic: CARD,
            county: None,
            form: card("counter"),
            steps: vec![
                (at(6, 60), Op::Apply(Who::Person(HUANG))),
                (at(6, 120), Op::Accept("clerk")),
                (at(6, 150), Op::Act("rsj_officer", None, Action::Claim)),
                (
                    at(6, 180),
                    Op::Act("rsj_officer", None, approve("信息核验通过，已提交银行制卡")),
                ),
                (at(3, 60), Op::Deliver("clerk", "window", "本人领取")),
                (
                    at(3, 90),
                    Op::Rate(
                        Who::Person(HUANG),
                        "conclude",
                        2,
                        &["502", "601"],
                        "通知可以领卡了，到窗口却说卡还没送到，跑了两次才领到",
                    ),
                ),
                (
                    at(2, 60),
                    Op::Followup(
                        "rsj_officer",
                        "verify",
                        "经核实，合作银行网点未按约定时间将卡片送达服务窗口，情况属实",
                    ),
                ),
                (
                    at(1, 120),
                    Op::Followup(
                        "rsj_officer",
                        "rectify",
                        "已与合作银行约定制卡后两个工作日内送达窗口，送达后再短信通知申请人领卡",
                    ),
                ),
            ],
        },
        Scenario {
            key: "s16",
            basic: COMPANY,
            county: None,
            form: company("湛江市海滨冷链配送有限公司", 200),
            steps: vec![
                (at(5, 60), Op::Apply(Who::Person(CHEN))),
                (
                    at(4, 30),
                    Op::Withdraw(Who::Person(CHEN), "企业名称需重新申报，撤回后重新申请"),
                ),
            ],
        },
        Scenario {
            key: "s17",
            basic: FOOD,
            county: Some(CHIKAN),
            form: food(
                "440802",
                "赤坎区海滨大道北1号首层东侧",
                "18",
                &["prepacked"],
                later(15),
            ),
            steps: vec![
                (at(3, 150), Op::Receive("chikan_clerk", WindowWho::Enterprise)),
                (
                    at(3, 170),
                    Op::NotAccept(
                        "chikan_clerk",
                        "经营项目仅为预包装食品销售，依法实行备案管理，无需申请食品经营许可，请办理仅销售预包装食品备案",
                    ),
                ),
            ],
        },
        // Electronic supervision's demo: both steps approved the minute the case was accepted,
        // so the `fast_approval` rule raises a red warning for the supervision officer.
        Scenario {
            key: "s18",
            basic: COMPANY,
            county: None,
            form: company("湛江市赤坎区丽华商贸有限公司", 30),
            steps: vec![
                (at(1, 100), Op::Apply(Who::Person(HUANG))),
                (at(1, 110), Op::Accept("clerk")),
                (at(1, 110), Op::Act("scjg_officer", None, Action::Claim)),
                (at(1, 110), Op::Act("scjg_officer", None, approve("同意"))),
                (at(1, 110), Op::Act("scjg_officer2", None, Action::Claim)),
                (at(1, 110), Op::Act("scjg_officer2", None, approve("准予设立登记"))),
            ],
        },
        // The black-listed trader's application awaits acceptance at the city window: the
        // clerk sees the credit basis and measures and must acknowledge them (credit lists).
        Scenario {
            key: "s19",
            basic: FOOD,
            county: None,
            form: food(
                "440803",
                "霞山区海宁路8号首层",
                "60",
                &["hot", "drinks"],
                later(25),
            ),
            steps: vec![(at(0, 90), Op::Receive("clerk", WindowWho::BlackListed))],
        },
    ]
}
