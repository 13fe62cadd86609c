//! Grids (网格) of 赤坎区 (440802) and what the 12345 hotline of the demo city answers: the
//! district's eight streets (街道) with their street offices (街道办事处) and one grid worker
//! (网格员) each, one unit grid per community (社区/村), three professional grids, the appeal
//! categories (事项分类) and the knowledge base (知识库).
//!
//! The streets and their communities are the statistics bureau's (the embedded division
//! registry: 9-digit street codes, 12-digit community codes); where a street has more than
//! eight units only its first eight are gridded, and 调顺街道 has two (调港社区 and 调顺村) —
//! fewer than the others, as in the registry. The polygons are synthetic: a jittered lattice
//! over the district's box (`crate::grids`), not the real boundaries. Workers' names, the
//! street offices' addresses and telephone numbers, the categories and the answers are
//! illustrative; the answers paraphrase common national and Guangdong practice and are not
//! official guidance.

/// The district gridded.
pub const DISTRICT: &str = "440802";

/// The box the unit grids tile: `[minlon, minlat, maxlon, maxlat]` (WGS 84).
pub const BOX: [f64; 4] = [110.33, 21.25, 110.40, 21.32];

/// One street (街道) of 赤坎区.
#[derive(Debug, Clone, Copy)]
pub struct Street {
    /// 9-digit statistical code.
    pub code: &'static str,
    pub name: &'static str,
    /// Pinyin, for the grid worker's username (`wgy_<pinyin>`).
    pub pinyin: &'static str,
    /// The grid worker (网格员).
    pub worker: &'static str,
    pub address: &'static str,
    /// Communities: 12-digit code and short name (the registry's name without
    /// 居民委员会/村民委员会).
    pub communities: &'static [(&'static str, &'static str)],
}

impl Street {
    /// `湛江市赤坎区中华街道办事处`.
    pub fn office_name(&self) -> String {
        format!("湛江市赤坎区{}办事处", self.name)
    }

    /// `中华街道办`.
    pub fn office_short(&self) -> String {
        format!("{}办", self.name)
    }

    pub fn worker_username(&self) -> String {
        format!("wgy_{}", self.pinyin)
    }
}

pub const STREETS: [Street; 8] = [
    Street {
        code: "440802001",
        name: "中华街道",
        pinyin: "zhonghua",
        worker: "梁志勇",
        address: "湛江市赤坎区中华路28号",
        communities: &[
            ("440802001001", "南方社区"),
            ("440802001002", "新江社区"),
            ("440802001003", "前进社区"),
            ("440802001004", "中华社区"),
        ],
    },
    Street {
        code: "440802002",
        name: "寸金街道",
        pinyin: "cunjin",
        worker: "陈晓丽",
        address: "湛江市赤坎区寸金路16号",
        communities: &[
            ("440802002001", "寸金社区"),
            ("440802002002", "西苑社区"),
            ("440802002003", "拥军社区"),
            ("440802002004", "九二一社区"),
        ],
    },
    Street {
        code: "440802003",
        name: "民主街道",
        pinyin: "minzhu",
        worker: "黄永健",
        address: "湛江市赤坎区民主路52号",
        communities: &[
            ("440802003001", "三民社区"),
            ("440802003002", "海萍社区"),
            ("440802003003", "海棠社区"),
            ("440802003004", "海北社区"),
            ("440802003005", "金城社区"),
            ("440802003006", "兴盛社区"),
        ],
    },
    Street {
        code: "440802004",
        name: "中山街道",
        pinyin: "zhongshan",
        worker: "吴秀珍",
        address: "湛江市赤坎区中山一路9号",
        communities: &[
            ("440802004001", "三和社区"),
            ("440802004002", "文东社区"),
            ("440802004003", "向阳社区"),
            ("440802004004", "桥兴社区"),
        ],
    },
    Street {
        code: "440802005",
        name: "沙湾街道",
        pinyin: "shawan",
        worker: "林海波",
        address: "湛江市赤坎区沙湾路3号",
        communities: &[
            ("440802005001", "滨海社区"),
            ("440802005002", "金沙湾社区"),
            ("440802005003", "碧海社区"),
            ("440802005004", "海田社区"),
        ],
    },
    Street {
        code: "440802006",
        name: "调顺街道",
        pinyin: "tiaoshun",
        worker: "庞伟成",
        address: "湛江市赤坎区调顺路1号",
        communities: &[("440802006001", "调港社区"), ("440802006200", "调顺村")],
    },
    Street {
        code: "440802007",
        name: "南桥街道",
        pinyin: "nanqiao",
        worker: "杨丽萍",
        address: "湛江市赤坎区南桥南路30号",
        communities: &[
            ("440802007001", "康宁社区"),
            ("440802007002", "康顺社区"),
            ("440802007003", "百园社区"),
            ("440802007004", "梧阔社区"),
            ("440802007005", "霞海社区"),
            ("440802007006", "龙潮社区"),
            ("440802007007", "京基社区"),
            ("440802007008", "椹川北社区"),
        ],
    },
    Street {
        code: "440802008",
        name: "北桥街道",
        pinyin: "beiqiao",
        worker: "谭振华",
        address: "湛江市赤坎区北桥路66号",
        communities: &[
            ("440802008001", "新景社区"),
            ("440802008002", "振华社区"),
            ("440802008200", "大埠村"),
            ("440802008201", "福建村"),
            ("440802008202", "东山村"),
            ("440802008203", "新坡村"),
            ("440802008204", "后坑村"),
            ("440802008205", "丰厚村"),
        ],
    },
];

/// A professional grid (专业网格): a city bureau's area over the unit grids.
#[derive(Debug, Clone, Copy)]
pub struct ProfessionalGrid {
    pub code: &'static str,
    pub name: &'static str,
    pub specialty: &'static str,
    /// The city department answering for it (key in `departments::CITY_DEPTS`).
    pub dept: &'static str,
    /// Its polygon (closed).
    pub ring: &'static [[f64; 2]],
}

pub const PROFESSIONAL: [ProfessionalGrid; 3] = [
    ProfessionalGrid {
        code: "CK-ZY-CG",
        name: "赤坎区城管专业网格（老城区）",
        specialty: "city_management",
        dept: "cgj",
        ring: &[
            [110.345, 21.262],
            [110.385, 21.258],
            [110.392, 21.290],
            [110.372, 21.305],
            [110.348, 21.296],
            [110.345, 21.262],
        ],
    },
    ProfessionalGrid {
        code: "CK-ZY-HJ",
        name: "赤坎区生态环境专业网格（湾区沿岸）",
        specialty: "environment",
        dept: "sthj",
        ring: &[
            [110.382, 21.250],
            [110.400, 21.250],
            [110.400, 21.320],
            [110.386, 21.320],
            [110.378, 21.285],
            [110.382, 21.250],
        ],
    },
    ProfessionalGrid {
        code: "CK-ZY-JT",
        name: "赤坎区交通专业网格（椹川大道—海滨大道）",
        specialty: "traffic",
        dept: "jtj",
        ring: &[
            [110.333, 21.268],
            [110.398, 21.268],
            [110.398, 21.282],
            [110.333, 21.282],
            [110.333, 21.268],
        ],
    },
];

/// An appeal category (事项分类): code, name, parent group, owning city department (key in
/// `departments::CITY_DEPTS`), the professional specialty handling it, keywords.
#[derive(Debug, Clone, Copy)]
pub struct Category {
    pub code: &'static str,
    pub name: &'static str,
    /// `None` for a group.
    pub parent: Option<&'static str>,
    pub dept: &'static str,
    pub specialty: Option<&'static str>,
    pub description: &'static str,
    pub keywords: &'static str,
}

const fn group(code: &'static str, name: &'static str, dept: &'static str) -> Category {
    Category {
        code,
        name,
        parent: None,
        dept,
        specialty: None,
        description: "",
        keywords: "",
    }
}

const fn item(
    code: &'static str,
    name: &'static str,
    parent: &'static str,
    dept: &'static str,
    specialty: Option<&'static str>,
    description: &'static str,
    keywords: &'static str,
) -> Category {
    Category {
        code,
        name,
        parent: Some(parent),
        dept,
        specialty,
        description,
        keywords,
    }
}

/// Groups first (parents before children).
pub const CATEGORIES: [Category; 28] = [
    group("CG", "城市管理", "cgj"),
    group("HJ", "生态环境", "sthj"),
    group("JT", "交通出行", "jtj"),
    group("ZJ", "住房建设", "zjj"),
    group("SC", "市场监管", "scjg"),
    group("RS", "人社就业", "rsj"),
    group("GA", "公安户政", "gaj"),
    group("WJ", "卫生健康", "wjj"),
    item(
        "CG01",
        "占道经营",
        "CG",
        "cgj",
        Some("city_management"),
        "流动摊贩、店外经营占用道路或人行道",
        "占道,摊贩,店外经营",
    ),
    item(
        "CG02",
        "乱堆乱放与垃圾清运",
        "CG",
        "cgj",
        Some("city_management"),
        "建筑垃圾、生活垃圾未及时清运，杂物乱堆",
        "垃圾,清运,乱堆",
    ),
    item(
        "CG03",
        "违法建设",
        "CG",
        "cgj",
        Some("city_management"),
        "违章搭建、私自加建",
        "违建,搭建,加建",
    ),
    item(
        "CG04",
        "户外广告与招牌",
        "CG",
        "cgj",
        Some("city_management"),
        "广告牌、招牌破损或违规设置",
        "广告,招牌",
    ),
    item(
        "HJ01",
        "噪声扰民",
        "HJ",
        "sthj",
        Some("environment"),
        "施工、商业、娱乐场所噪声",
        "噪声,噪音,施工,扰民",
    ),
    item(
        "HJ02",
        "油烟污染",
        "HJ",
        "sthj",
        Some("environment"),
        "餐饮油烟直排",
        "油烟,餐饮",
    ),
    item(
        "HJ03",
        "水体污染",
        "HJ",
        "sthj",
        Some("environment"),
        "河涌、海湾排污、黑臭水体",
        "排污,污水,黑臭",
    ),
    item(
        "JT01",
        "道路破损与交通设施",
        "JT",
        "jtj",
        Some("traffic"),
        "路面坑洼、井盖缺失、交通标志损坏",
        "道路,坑洼,井盖,标志",
    ),
    item(
        "JT02",
        "公交线路与站点",
        "JT",
        "jtj",
        None,
        "公交线路、班次、站点设置",
        "公交,站点,班次",
    ),
    item(
        "JT03",
        "出租车与网约车",
        "JT",
        "jtj",
        None,
        "拒载、绕路、乱收费",
        "出租车,网约车,拒载",
    ),
    item(
        "ZJ01",
        "物业服务纠纷",
        "ZJ",
        "zjj",
        None,
        "物业服务质量、收费、维修资金",
        "物业,维修资金",
    ),
    item(
        "ZJ02",
        "房屋安全与老旧小区改造",
        "ZJ",
        "zjj",
        None,
        "危房、老旧小区改造",
        "危房,老旧小区,改造",
    ),
    item(
        "SC01",
        "食品安全",
        "SC",
        "scjg",
        None,
        "无证经营、过期食品、餐饮卫生",
        "食品,过期,卫生",
    ),
    item(
        "SC02",
        "消费维权",
        "SC",
        "scjg",
        None,
        "商品质量、价格欺诈、预付卡",
        "消费,退款,价格,预付卡",
    ),
    item(
        "RS01",
        "欠薪讨薪",
        "RS",
        "rsj",
        None,
        "拖欠工资、农民工工资",
        "欠薪,工资,农民工",
    ),
    item(
        "RS02",
        "社保业务",
        "RS",
        "sbj",
        None,
        "社会保险参保、缴费、待遇、社保卡",
        "社保,社保卡,养老",
    ),
    item(
        "RS03",
        "就业创业",
        "RS",
        "rsj",
        None,
        "就业登记、创业补贴、职业培训",
        "就业,创业,补贴,培训",
    ),
    item(
        "GA01",
        "户籍业务",
        "GA",
        "gaj",
        None,
        "户口迁移、落户、身份证办理",
        "户口,迁移,落户,身份证",
    ),
    item(
        "GA02",
        "治安秩序",
        "GA",
        "gaj",
        None,
        "非紧急治安问题（紧急情况请拨打110）",
        "治安,扰民",
    ),
    item(
        "WJ01",
        "医疗服务",
        "WJ",
        "wjj",
        None,
        "医院服务、预约挂号、医患纠纷",
        "医院,挂号,医疗",
    ),
];

/// A knowledge-base answer (知识库): category, question, answer, keywords, vouching department
/// (city key).
#[derive(Debug, Clone, Copy)]
pub struct Answer {
    pub category: &'static str,
    pub question: &'static str,
    pub answer: &'static str,
    pub keywords: &'static str,
    pub dept: &'static str,
}

pub const KNOWLEDGE: [Answer; 15] = [
    Answer {
        category: "RS02",
        question: "社保卡丢失了怎么补办？",
        answer: "可先通过粤省事、广东人社小程序或拨打12333办理挂失；再携带本人身份证到社保卡服务网点或合作银行网点申请补卡，部分银行网点可即时制卡。补卡期间医保结算可使用医保电子凭证。",
        keywords: "社保卡,补办,挂失,丢失",
        dept: "sbj",
    },
    Answer {
        category: "RS02",
        question: "灵活就业人员如何参加养老保险？",
        answer: "本市户籍及符合条件的灵活就业人员可在粤税通或税务窗口办理参保登记和缴费，缴费基数可在规定范围内自选。具体档次以当年公布标准为准。",
        keywords: "灵活就业,养老保险,参保,缴费",
        dept: "sbj",
    },
    Answer {
        category: "ZJ01",
        question: "住房公积金怎么提取？",
        answer: "购房、建房、租房、偿还房贷、离职等情形可提取住房公积金。可通过湛江住房公积金网上服务大厅、粤省事或到公积金管理中心窗口申请，需提供身份证及相应证明材料（如购房合同、租赁备案证明）。",
        keywords: "公积金,提取,租房,购房,贷款",
        dept: "gjj",
    },
    Answer {
        category: "GA01",
        question: "户口迁移需要办理哪些手续？",
        answer: "省内迁移可实行“一站式”办理：在迁入地派出所户籍窗口提交居民户口簿、身份证及落户依据（如房产证明、就业或亲属关系证明），无需回迁出地开具准迁证。跨省迁移按迁入地政策办理。",
        keywords: "户口,迁移,落户,准迁",
        dept: "gaj",
    },
    Answer {
        category: "GA01",
        question: "身份证过期或丢失怎么办理？",
        answer: "可到任一户政窗口办理换领或补领，携带户口簿（丢失补领）并现场采集照片和指纹；省内可异地办理。办理期间可申领临时身份证。",
        keywords: "身份证,补领,换领,丢失,过期",
        dept: "gaj",
    },
    Answer {
        category: "RS01",
        question: "被拖欠工资怎么投诉？",
        answer: "可向用工单位所在地的人力资源社会保障部门劳动保障监察机构投诉，或拨打12345、12333反映，需提供劳动合同、考勤、工资条等证据。涉及农民工工资的可通过“根治欠薪”线索平台反映。",
        keywords: "欠薪,拖欠工资,投诉,劳动监察",
        dept: "rsj",
    },
    Answer {
        category: "RS03",
        question: "创业担保贷款申请条件是什么？",
        answer: "符合条件的城镇登记失业人员、高校毕业生、退役军人等创业者可申请创业担保贷款，个人贷款额度和贴息标准以本年度政策为准，可到区人社部门或经办银行咨询申请。",
        keywords: "创业,担保贷款,贴息",
        dept: "rsj",
    },
    Answer {
        category: "SC02",
        question: "买到假冒伪劣商品怎么维权？",
        answer: "保留购物凭证和商品，先与经营者协商；协商不成可通过全国12315平台、拨打12315或12345向市场监管部门投诉举报。",
        keywords: "假冒伪劣,维权,12315,消费投诉",
        dept: "scjg",
    },
    Answer {
        category: "SC01",
        question: "发现餐馆卫生问题如何举报？",
        answer: "可拨打12345或通过12315平台举报，说明店名、地址、问题及时间，最好附照片；市场监管部门将核查处理并答复。",
        keywords: "餐馆,卫生,食品安全,举报",
        dept: "scjg",
    },
    Answer {
        category: "WJ01",
        question: "如何预约市内医院门诊？",
        answer: "可通过粤健通、各医院公众号或小程序预约挂号，也可拨打医院预约电话。",
        keywords: "预约,挂号,门诊,医院",
        dept: "wjj",
    },
    Answer {
        category: "JT02",
        question: "公交卡可以在哪里充值？",
        answer: "可在公交公司客服网点、部分便利店充值，或使用支持交通联合的手机NFC充值；也可用乘车码扫码乘车。",
        keywords: "公交卡,充值,乘车码",
        dept: "jtj",
    },
    Answer {
        category: "HJ01",
        question: "夜间施工噪声扰民怎么办？",
        answer: "晚上十点至次日六点禁止产生噪声的建筑施工作业（抢修、抢险及经批准的连续作业除外）。可拨打12345反映，说明施工地点和时间，由生态环境、住建或城管部门核查处理。",
        keywords: "夜间施工,噪声,噪音,扰民",
        dept: "sthj",
    },
    Answer {
        category: "CG02",
        question: "大件垃圾怎么处理？",
        answer: "家具等大件垃圾请勿随意堆放，可联系所在社区或物业预约清运，按指定时间放到指定地点。",
        keywords: "大件垃圾,清运,家具",
        dept: "cgj",
    },
    Answer {
        category: "ZJ01",
        question: "小区维修资金怎么申请使用？",
        answer: "由业主委员会或物业服务企业提出使用方案，经专有部分面积和人数双过半业主同意后，向住房城乡建设部门申请划拨；紧急维修可按应急程序办理。",
        keywords: "维修资金,物业,业主",
        dept: "zjj",
    },
    Answer {
        category: "GA02",
        question: "遇到紧急情况应该打12345吗？",
        answer: "不应。12345受理非紧急诉求；遇到治安、火灾、医疗急救、交通事故等紧急情况，请分别拨打110、119、120、122。",
        keywords: "紧急,110,119,120,122",
        dept: "gaj",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forty_communities_in_eight_streets() {
        let n: usize = STREETS.iter().map(|s| s.communities.len()).sum();
        assert_eq!(n, 40);
        for s in &STREETS {
            assert!(s.code.starts_with(DISTRICT));
            for (c, _) in s.communities {
                assert!(c.starts_with(s.code), "{c}");
            }
        }
    }

    #[test]
    fn categories_name_existing_parents() {
        for c in &CATEGORIES {
            if let Some(p) = c.parent {
                assert!(
                    CATEGORIES.iter().any(|g| g.code == p && g.parent.is_none()),
                    "{}",
                    c.code
                );
            }
        }
        for a in &KNOWLEDGE {
            assert!(
                CATEGORIES.iter().any(|c| c.code == a.category),
                "{}",
                a.question
            );
        }
        let specialties: Vec<&str> = CATEGORIES.iter().filter_map(|c| c.specialty).collect();
        for p in &PROFESSIONAL {
            assert!(specialties.contains(&p.specialty), "{}", p.code);
            assert_eq!(p.ring.first(), p.ring.last());
        }
    }
}
