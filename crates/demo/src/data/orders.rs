//! Demo work orders (工单) of 赤坎区: about twenty-five appeals across channels, types and
//! categories, in every state a visitor should see — waiting for dispatch after a return,
//! dispatched, signed for, in hand (with a handling record and photo), replied, followed up,
//! archived, answered at once from the knowledge base, merged — with overdue ones, one with
//! an approved extension, one transferred, one returned and one supervised (督办).
//!
//! Categories are named by words of their name or keywords (the demo's categories are the
//! grids' loader's, `data::grids`), grids by their place among the unit grids sorted by code,
//! so the orders follow whatever the demo grids are. Callers (phone numbers, names) are
//! invented.

use yiwang_appeals::{AppealType, Channel};

use crate::cases::{When, at};

/// Who acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Who {
    /// A demo citizen (index into `PEOPLE`), signed in.
    Person(usize),
    /// Somebody on the web without an account.
    Anonymous,
    /// A member of staff by user name.
    Staff(&'static str),
    /// The order's handler: the first worker of its grid.
    Handler,
}

/// The 12345 hotline operator of the demo.
pub(crate) const OPERATOR: &str = "hotline";
/// The dispatcher (派单员) of the demo.
pub(crate) const DISPATCHER: &str = "dispatcher";
/// The efficiency supervisor (督办).
pub(crate) const SUPERVISOR: &str = "supervisor";

/// One appeal as filed.
#[derive(Debug, Clone)]
pub(crate) struct Filing {
    pub who: Who,
    pub channel: Channel,
    pub kind: AppealType,
    /// Words of the category's name or keywords, the first match wins.
    pub topic: &'static [&'static str],
    pub title: &'static str,
    pub content: &'static str,
    /// The unit grid (by place) the point lies in; `None`: an address only.
    pub grid: Option<usize>,
    /// Metres north of the grid's centre (two orders of the same place stay apart).
    pub offset_m: f64,
    pub address: &'static str,
    /// A caller's name and phone (phone intake); the citizen's own for `Who::Person`.
    pub caller: (&'static str, &'static str),
    pub photo: bool,
    pub anonymous: bool,
    pub confidential: bool,
}

/// One step of a scenario after filing.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    File(Filing),
    /// 直接办结: the operator files a 咨询 and answers it from the knowledge base entry found
    /// by the words.
    Answer(Filing, &'static str),
    /// The dispatcher sends the order to the unit grid at this place.
    Dispatch(usize),
    Sign,
    /// A handling record, with a photo of the site when `true`.
    Handle(&'static str, bool),
    Reply(&'static str),
    /// 回访: (who, satisfaction 1–5, solved, comment).
    Visit(Who, i64, bool, &'static str),
    Reopen(Who, &'static str),
    /// 转办 to the unit grid at this place, with the reason.
    Transfer(usize, &'static str),
    /// 退单, with the reason.
    Return(&'static str),
    RequestExtension(u32, &'static str),
    DecideExtension(bool, &'static str),
    /// 督办: (level, text).
    Supervise(&'static str, &'static str),
    /// Merged into the order of another scenario.
    Merge(&'static str),
    Archive,
}

/// A demo order: its key (for logs), and its steps in date order, filing first.
#[derive(Debug, Clone)]
pub(crate) struct Scenario {
    pub key: &'static str,
    pub steps: Vec<(When, Op)>,
}

const NONE: (&str, &str) = ("", "");

fn web(
    who: Who,
    kind: AppealType,
    topic: &'static [&'static str],
    title: &'static str,
    content: &'static str,
    grid: Option<usize>,
    address: &'static str,
) -> Filing {
    Filing {
        who,
        channel: Channel::Web,
        kind,
        topic,
        title,
        content,
        grid,
        offset_m: 0.0,
        address,
        caller: NONE,
        photo: false,
        anonymous: matches!(who, Who::Anonymous),
        confidential: false,
    }
}

fn phone(
    caller: (&'static str, &'static str),
    kind: AppealType,
    topic: &'static [&'static str],
    title: &'static str,
    content: &'static str,
    grid: Option<usize>,
    address: &'static str,
) -> Filing {
    Filing {
        who: Who::Staff(OPERATOR),
        channel: Channel::Phone,
        kind,
        topic,
        title,
        content,
        grid,
        offset_m: 0.0,
        address,
        caller,
        photo: false,
        anonymous: false,
        confidential: false,
    }
}

fn with_photo(mut f: Filing) -> Filing {
    f.photo = true;
    f
}

const ROAD: &[&str] = &["占道", "摆摊", "市容", "城管"];
const GARBAGE: &[&str] = &["垃圾", "环卫", "卫生"];
const NOISE: &[&str] = &["噪声", "噪音", "生态", "环境"];
const LIGHTS: &[&str] = &["路灯", "市政", "设施"];
const PARKING: &[&str] = &["停车", "交通", "违停"];
const FOOD: &[&str] = &["食品", "市场", "价格"];
const BUILDING: &[&str] = &["违建", "住建", "物业", "建筑"];
const WAGES: &[&str] = &["工资", "人社", "劳动"];
const SOCIAL: &[&str] = &["社保", "人社"];
const HEALTH: &[&str] = &["医", "卫健", "卫生"];
const SECURITY: &[&str] = &["治安", "公安", "户口"];

/// Every demo order.
pub(crate) fn scenarios() -> Vec<Scenario> {
    use AppealType as T;
    use Op::*;
    use Who::{Anonymous, Person, Staff};
    vec![
        // Returned (退单) by the grid worker: back with the dispatcher, waiting (待派单).
        Scenario {
            key: "a01-returned",
            steps: vec![
                (
                    at(2, 30),
                    File(web(
                        Person(1),
                        T::Help,
                        LIGHTS,
                        "寸金路口路灯不亮",
                        "寸金路与南方路交叉口的两盏路灯已经连续三晚不亮，晚上行人过马路很危险，请尽快维修。",
                        Some(5),
                        "赤坎区寸金路与南方路交叉口",
                    )),
                ),
                (
                    at(1, 60),
                    Return("路灯属市政设施，应由市城市管理部门维修，本网格无法处置"),
                ),
            ],
        },
        // Dispatched today, with a photo, waiting to be signed for.
        Scenario {
            key: "a02-dispatched",
            steps: vec![(
                at(0, 20),
                File(with_photo(web(
                    Person(0),
                    T::Complaint,
                    ROAD,
                    "中山二路人行道被摊档占用",
                    "中山二路菜市场门口人行道每天傍晚被水果摊档占满，行人只能走机动车道，存在安全隐患。",
                    Some(2),
                    "赤坎区中山二路菜市场门口",
                ))),
            )],
        },
        // Dispatched long ago, never signed for: overdue, then supervised (督办).
        Scenario {
            key: "a03-overdue-supervised",
            steps: vec![
                (
                    at(14, 40),
                    File(phone(
                        ("李桂芳", "13902591234"),
                        T::Help,
                        GARBAGE,
                        "福建村巷道垃圾堆积",
                        "福建村三巷口垃圾桶满溢，垃圾堆到路中间已有一周无人清运，气味很大。",
                        Some(8),
                        "赤坎区福建村三巷口",
                    )),
                ),
                (
                    at(1, 90),
                    Supervise(
                        "重点",
                        "该工单已超期未签收，请网格员立即签收处置并于两个工作日内答复。",
                    ),
                ),
            ],
        },
        // Signed for yesterday.
        Scenario {
            key: "a04-signed",
            steps: vec![
                (
                    at(1, 10),
                    File(web(
                        Anonymous,
                        T::Report,
                        ROAD,
                        "北桥公园旁流动摊贩夜间经营",
                        "北桥公园东门外每晚有十多个流动摊贩经营烧烤，油烟和垃圾影响周边居民。",
                        Some(11),
                        "赤坎区北桥公园东门外",
                    )),
                ),
                (at(0, 30), Sign),
            ],
        },
        // In hand, with a handling record and a photo of the site.
        Scenario {
            key: "a05-handling-photo",
            steps: vec![
                (
                    at(3, 15),
                    File(with_photo(web(
                        Person(1),
                        T::Complaint,
                        GARBAGE,
                        "沙湾路段建筑垃圾乱倒",
                        "沙湾路靠近加油站的空地上有人夜间倾倒建筑垃圾，已经堆了半米高。",
                        Some(14),
                        "赤坎区沙湾路加油站旁空地",
                    ))),
                ),
                (at(3, 120), Sign),
                (
                    at(2, 60),
                    Handle(
                        "已到现场核实，约5立方米建筑垃圾，已联系环卫作业公司安排车辆清运，并设置禁止倾倒警示牌。",
                        true,
                    ),
                ),
            ],
        },
        // In hand and past its limit (complaint, 15 working days): overdue.
        Scenario {
            key: "a06-handling-overdue",
            steps: vec![
                (
                    at(18, 30),
                    File(phone(
                        ("王建国", "13622660987"),
                        T::Complaint,
                        NOISE,
                        "调顺路工地夜间施工噪声扰民",
                        "调顺路某工地连续多晚施工到凌晨一点，打桩声音很大，严重影响休息。",
                        Some(20),
                        "赤坎区调顺路与椹川大道交叉口工地",
                    )),
                ),
                (at(17, 60), Sign),
                (
                    at(15, 30),
                    Handle(
                        "已约谈施工单位，要求夜间22时后停止高噪声作业，待生态环境部门联合检查。",
                        false,
                    ),
                ),
                (
                    at(1, 120),
                    Supervise("一般", "已超过办理时限，请尽快答复市民。"),
                ),
            ],
        },
        // An extension requested and approved: more working days, not overdue.
        Scenario {
            key: "a07-extension",
            steps: vec![
                (
                    at(14, 20),
                    File(web(
                        Person(0),
                        T::Complaint,
                        BUILDING,
                        "民主路小区天台违章搭建",
                        "民主路某小区顶楼住户在天台搭建铁皮房，已向物业反映无果，担心影响楼顶防水和消防。",
                        Some(23),
                        "赤坎区民主路某小区7栋",
                    )),
                ),
                (at(13, 50), Sign),
                (
                    at(12, 45),
                    Handle(
                        "已现场查看，违建约20平方米，已向业主送达限期整改通知。",
                        false,
                    ),
                ),
                (
                    at(2, 30),
                    RequestExtension(
                        10,
                        "需等待业主自行拆除期限届满后组织强制拆除，申请延期10个工作日。",
                    ),
                ),
                (
                    at(1, 50),
                    DecideExtension(true, "同意延期，请按期拆除并答复市民。"),
                ),
            ],
        },
        // Replied: the demo citizen 陈小明 can rate it.
        Scenario {
            key: "a08-replied",
            steps: vec![
                (
                    at(6, 10),
                    File(with_photo(web(
                        Person(0),
                        T::Help,
                        LIGHTS,
                        "南桥街道小区门口井盖松动",
                        "南桥南路某小区门口的井盖松动，车辆经过时响声很大，担心有人踩空。",
                        Some(29),
                        "赤坎区南桥南路小区门口",
                    ))),
                ),
                (at(6, 90), Sign),
                (
                    at(5, 40),
                    Handle("已到现场，井盖底座破损，已联系市政维修单位更换。", true),
                ),
                (
                    at(4, 60),
                    Reply(
                        "您反映的井盖松动问题已由市政维修单位更换新井盖，现已恢复正常。感谢您的监督。",
                    ),
                ),
            ],
        },
        // Followed up: satisfied and solved.
        Scenario {
            key: "a09-visited",
            steps: vec![
                (
                    at(10, 30),
                    File(web(
                        Person(1),
                        T::Help,
                        GARBAGE,
                        "寸金桥公园公厕无人打扫",
                        "寸金桥公园北门公厕地面湿滑、有异味，好几天没有保洁。",
                        Some(6),
                        "赤坎区寸金桥公园北门公厕",
                    )),
                ),
                (at(10, 120), Sign),
                (
                    at(9, 30),
                    Handle("已通知公园管理处增加保洁频次，每日早中晚三次。", false),
                ),
                (
                    at(8, 60),
                    Reply("已督促公园管理处落实每日三次保洁，并安排专人巡查。"),
                ),
                (at(7, 20), Visit(Person(1), 5, true, "处理很及时，谢谢。")),
            ],
        },
        // Followed up unsatisfied, then reopened by the citizen: in hand again.
        Scenario {
            key: "a10-reopened",
            steps: vec![
                (
                    at(12, 30),
                    File(web(
                        Person(0),
                        T::Complaint,
                        PARKING,
                        "海滨大道北路段长期违停",
                        "海滨大道北靠近市民服务中心路段，长期有车辆占用非机动车道停放，电动车只能绕行。",
                        Some(33),
                        "赤坎区海滨大道北市民服务中心路段",
                    )),
                ),
                (at(12, 100), Sign),
                (
                    at(11, 30),
                    Reply("已通知交警部门加强巡查，对违停车辆进行劝离。"),
                ),
                (
                    at(9, 10),
                    Visit(Person(0), 2, false, "答复后第二天又停满了，问题没有解决。"),
                ),
                (
                    at(9, 40),
                    Reopen(
                        Person(0),
                        "违停情况没有改变，希望设置隔离桩或者安排固定巡查。",
                    ),
                ),
            ],
        },
        // Phone, replied, followed up by the operator, archived.
        Scenario {
            key: "a11-archived",
            steps: vec![
                (
                    at(22, 10),
                    File(phone(
                        ("陈志强", "13822551100"),
                        T::Help,
                        LIGHTS,
                        "中华街道小巷积水",
                        "中华街道东堤社区小巷雨后积水很深，排水口被堵。",
                        Some(1),
                        "赤坎区东堤社区二横巷",
                    )),
                ),
                (at(22, 60), Sign),
                (
                    at(21, 30),
                    Handle("已疏通排水口，清理淤泥约1立方米。", false),
                ),
                (at(21, 90), Reply("排水口已疏通，雨后积水已能正常排走。")),
                (
                    at(19, 30),
                    Visit(Staff(OPERATOR), 4, true, "电话回访：市民表示已解决。"),
                ),
                (at(18, 30), Archive),
            ],
        },
        // Answered at once from the knowledge base (直接办结).
        Scenario {
            key: "a12-answered",
            steps: vec![(
                at(1, 200),
                Answer(
                    phone(
                        ("黄小燕", "13729876543"),
                        T::Consult,
                        SOCIAL,
                        "社保卡丢失如何补办",
                        "社保卡不见了，想问一下怎么补办，要带什么材料。",
                        None,
                        "赤坎区",
                    ),
                    "社保卡",
                ),
            )],
        },
        Scenario {
            key: "a13-answered",
            steps: vec![(
                at(0, 40),
                Answer(
                    phone(
                        ("梁伟明", "13500001234"),
                        T::Consult,
                        SOCIAL,
                        "提取公积金需要什么条件",
                        "想咨询一下租房提取住房公积金需要什么条件和材料。",
                        None,
                        "赤坎区",
                    ),
                    "公积金",
                ),
            )],
        },
        // A duplicate of a05 (same category, 20 m away, the same day): merged into it.
        Scenario {
            key: "a14-merged",
            steps: vec![
                (
                    at(3, 200),
                    File(Filing {
                        offset_m: 20.0,
                        ..web(
                            Anonymous,
                            T::Complaint,
                            GARBAGE,
                            "沙湾路空地有人倒垃圾",
                            "沙湾路加油站旁边空地上堆了很多建筑垃圾。",
                            Some(14),
                            "赤坎区沙湾路加油站旁",
                        )
                    }),
                ),
                (at(2, 20), Merge("a05-handling-photo")),
            ],
        },
        // Transferred by the first worker to the neighbouring grid, signed there, in hand.
        Scenario {
            key: "a15-transferred",
            steps: vec![
                (
                    at(4, 20),
                    File(web(
                        Person(1),
                        T::Help,
                        GARBAGE,
                        "民主街道绿化带枯树倒伏",
                        "民主路绿化带有一棵枯树倒在人行道上，已经两天了。",
                        Some(24),
                        "赤坎区民主路绿化带",
                    )),
                ),
                (
                    at(4, 100),
                    Transfer(25, "地点位于相邻社区辖区，转相邻网格处置"),
                ),
                (at(3, 60), Sign),
                (at(2, 90), Handle("已联系园林绿化班组清理倒伏枯树。", false)),
            ],
        },
        // Anonymous on the web with a photo, dispatched.
        Scenario {
            key: "a16-anonymous",
            steps: vec![(
                at(1, 150),
                File(with_photo(web(
                    Anonymous,
                    T::Report,
                    FOOD,
                    "中山一路小吃店卫生差",
                    "中山一路某小吃店后厨污水直接排到街上，苍蝇很多。",
                    Some(3),
                    "赤坎区中山一路小吃街",
                ))),
            )],
        },
        // Confidential report, in hand.
        Scenario {
            key: "a17-confidential",
            steps: vec![
                (
                    at(5, 20),
                    File(Filing {
                        confidential: true,
                        ..web(
                            Person(1),
                            T::Report,
                            SECURITY,
                            "出租屋疑似聚众赌博",
                            "北桥街道某出租屋每晚有很多人进出，疑似聚众赌博，请核查。",
                            Some(12),
                            "赤坎区北桥街道某出租屋",
                        )
                    }),
                ),
                (at(5, 80), Sign),
                (at(4, 30), Handle("已联合社区民警上门核查。", false)),
            ],
        },
        // A suggestion by phone: replied, followed up, archived.
        Scenario {
            key: "a18-suggestion",
            steps: vec![
                (
                    at(16, 30),
                    File(phone(
                        ("何丽华", "13433334444"),
                        T::Suggestion,
                        LIGHTS,
                        "建议在南桥公园增设健身器材",
                        "南桥公园老人很多，现有健身器材太少，建议增加。",
                        Some(30),
                        "赤坎区南桥公园",
                    )),
                ),
                (at(16, 80), Sign),
                (
                    at(14, 30),
                    Reply("您的建议已转公园管理处，计划在下季度增设一组健身器材。"),
                ),
                (
                    at(12, 30),
                    Visit(Staff(OPERATOR), 4, true, "电话回访：市民满意。"),
                ),
                (at(11, 30), Archive),
            ],
        },
        // A consult on the web due tomorrow or today: yellow.
        Scenario {
            key: "a19-due-soon",
            steps: vec![(
                at(1, 30),
                File(web(
                    Person(0),
                    T::Consult,
                    HEALTH,
                    "社区卫生服务中心周末是否开诊",
                    "想咨询寸金街道社区卫生服务中心周末是否有门诊，儿童疫苗接种时间是什么时候。",
                    Some(7),
                    "赤坎区寸金街道社区卫生服务中心",
                )),
            )],
        },
        // Praise by phone: replied, followed up, archived.
        Scenario {
            key: "a20-praise",
            steps: vec![
                (
                    at(9, 20),
                    File(phone(
                        ("郑国华", "13411112222"),
                        T::Praise,
                        GARBAGE,
                        "表扬调顺网格员及时清理垃圾",
                        "调顺街道网格员上周很快清理了我们巷口的垃圾，特此表扬。",
                        Some(19),
                        "赤坎区调顺街道",
                    )),
                ),
                (at(9, 70), Sign),
                (
                    at(8, 30),
                    Reply("感谢您对网格工作的肯定，我们会继续做好服务。"),
                ),
                (
                    at(7, 30),
                    Visit(Staff(OPERATOR), 5, true, "电话回访：市民满意。"),
                ),
                (at(6, 30), Archive),
            ],
        },
        // Returned, re-dispatched by the dispatcher to another grid, signed there.
        Scenario {
            key: "a21-redispatched",
            steps: vec![
                (
                    at(5, 40),
                    File(web(
                        Anonymous,
                        T::Help,
                        ROAD,
                        "沙湾街道人行道砖块破损",
                        "沙湾街道某路段人行道砖块破损翘起，老人容易绊倒。",
                        Some(15),
                        "赤坎区沙湾街道",
                    )),
                ),
                (at(5, 120), Return("该路段属相邻社区网格，请重新派单")),
                (at(4, 40), Dispatch(16)),
                (at(3, 30), Sign),
            ],
        },
        // Overdue in hand, supervised at the highest level (挂牌).
        Scenario {
            key: "a22-overdue-listed",
            steps: vec![
                (
                    at(25, 30),
                    File(phone(
                        ("吴海燕", "13566667777"),
                        T::Report,
                        WAGES,
                        "装修公司拖欠工人工资",
                        "中华街道某装修公司拖欠我们十几个工人三个月工资。",
                        Some(0),
                        "赤坎区中华街道",
                    )),
                ),
                (at(25, 90), Sign),
                (
                    at(22, 30),
                    Handle("已联系人社部门劳动监察大队介入调查。", false),
                ),
                (
                    at(1, 60),
                    Supervise(
                        "挂牌",
                        "欠薪问题社会影响大，挂牌督办，请三个工作日内办结答复。",
                    ),
                ),
            ],
        },
        // Replied by phone about noise, waiting for the follow-up call.
        Scenario {
            key: "a23-replied-phone",
            steps: vec![
                (
                    at(7, 30),
                    File(phone(
                        ("林志华", "13688889999"),
                        T::Complaint,
                        NOISE,
                        "广场舞音响声音过大",
                        "北桥公园广场舞每晚音响开得很大，十点后还在跳。",
                        Some(11),
                        "赤坎区北桥公园广场",
                    )),
                ),
                (at(7, 90), Sign),
                (
                    at(6, 40),
                    Handle("已与广场舞队负责人沟通，约定音量控制和结束时间。", false),
                ),
                (
                    at(5, 30),
                    Reply("已约定晚上九点半前结束并控制音量，社区将持续巡查。"),
                ),
            ],
        },
        // A letter, dispatched and signed for.
        Scenario {
            key: "a24-letter",
            steps: vec![
                (
                    at(2, 50),
                    File(Filing {
                        channel: Channel::Letter,
                        ..phone(
                            ("张秀兰", "0759-3211234"),
                            T::Suggestion,
                            PARKING,
                            "建议在学校门口设置接送车位",
                            "寸金路小学放学时段门口交通拥堵，建议设置临时接送车位。",
                            Some(9),
                            "赤坎区寸金路小学门口",
                        )
                    }),
                ),
                (at(1, 40), Sign),
            ],
        },
        // Followed up dissatisfied but solved; archived.
        Scenario {
            key: "a25-visited-neutral",
            steps: vec![
                (
                    at(11, 30),
                    File(web(
                        Person(1),
                        T::Help,
                        FOOD,
                        "菜市场电子秤疑似短斤少两",
                        "南桥菜市场有摊位电子秤不准，买一斤菜少了一两多。",
                        Some(31),
                        "赤坎区南桥菜市场",
                    )),
                ),
                (at(11, 90), Sign),
                (
                    at(10, 40),
                    Handle(
                        "已会同市场监管所对市场电子秤进行抽检，查处2台不合格电子秤。",
                        false,
                    ),
                ),
                (
                    at(9, 30),
                    Reply("已查处不合格电子秤并责令整改，市场设置了公平秤。"),
                ),
                (
                    at(8, 30),
                    Visit(Person(1), 3, true, "问题解决了，但希望经常检查。"),
                ),
            ],
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::When;

    #[test]
    fn every_scenario_files_first_and_runs_in_date_order() {
        let all = scenarios();
        assert!(all.len() >= 25);
        let mut keys = std::collections::HashSet::new();
        let mut titles = std::collections::HashSet::new();
        for s in &all {
            assert!(keys.insert(s.key), "{}", s.key);
            match s.steps.first() {
                Some((_, Op::File(f) | Op::Answer(f, _))) => {
                    assert!(titles.insert(f.title), "{} title", s.key);
                }
                _ => panic!("{} does not start by filing", s.key),
            }
            let mut last: Option<(std::cmp::Reverse<u32>, u32)> = None;
            for (w, _) in &s.steps {
                let When { days, minute } = *w;
                let order = (std::cmp::Reverse(days), minute);
                assert!(last.is_none_or(|l| l <= order), "{} out of order", s.key);
                assert!(minute < 480 && (days > 0 || minute < 120), "{}", s.key);
                last = Some(order);
            }
        }
    }
}
