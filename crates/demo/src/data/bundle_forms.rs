//! Application forms of the items the demo's "one thing" bundles (一件事) combine, besides
//! those in [`super::forms`]: field keys are shared where items ask the same thing
//! (`trade_name`, `premises_division`/`premises_address`), so a bundle's merged form maps onto
//! them simply, and some differ on purpose (the signboard's `owner`, the fire check's
//! `venue_name`), so the bundles show their field maps.
//!
//! | basic code | item | applicant |
//! |---|---|---|
//! | 000117002001 | 个体工商户设立登记 | the operator (a person) |
//! | 000117010000 | 小餐饮经营许可 | the operator; needs the business licence |
//! | 000126004000 | 户外招牌设置备案 | person or enterprise |
//! | 000121003000 | 公众聚集场所投入使用、营业前消防安全检查 | person or enterprise (告知承诺) |
//! | 000119003003 | 出生医学证明首次签发 | a parent |
//! | 000105001000 | 出生登记 | a parent; needs the birth certificate |
//! | 000122001000 | 城乡居民基本医疗保险参保登记 | the insured or a guardian |
//! | 000109001003 | 社会保障卡申领（新生儿） | a guardian; needs the birth certificate |
//! | 000105009000 | 公章刻制备案 | the founder or the enterprise |
//! | 000124005000 | 新办纳税人涉税事项 | the founder or the enterprise |
//! | 000109010000 | 用人单位社会保险登记 | the founder or the enterprise |

use yiwang_forms::{FieldKind, FormField, Prefill};

use super::forms::{Tune, choice, field, multi, number, person, place, text};

/// The form of `basic_code` among the bundles' items (empty: none).
pub fn form(basic_code: &str) -> Vec<FormField> {
    match basic_code {
        "000117002001" => sole_trader(),
        "000117010000" => small_catering(),
        "000126004000" => signboard(),
        "000121003000" => fire_check(),
        "000119003003" => birth_certificate(),
        "000105001000" => birth_registration(),
        "000122001000" => resident_insurance(),
        "000109001003" => newborn_social_card(),
        "000105009000" => seal_filing(),
        "000124005000" => new_taxpayer(),
        "000109010000" => employer_insurance(),
        _ => Vec::new(),
    }
}

/// Room for an electronic licence's identifier (GB/T 36904: root, type code, issuer code,
/// serial, version and check — some 80 characters), which a bundle's result fills in.
const IDENTIFIER_LEN: u32 = 120;

fn trade_name() -> FormField {
    text("trade_name", "个体工商户名称", "Trade name")
        .req()
        .max_len(50)
        .help("如：湛江市赤坎区老王面馆；须符合名称登记规定")
}

fn area(key: &str, zh: &str, en: &str) -> FormField {
    number(key, zh, en, 1.0, 100_000.0, 2).req()
}

fn sole_trader() -> Vec<FormField> {
    let mut f = vec![trade_name()];
    f.extend(person("经营者姓名", "经营者身份证号码"));
    f.extend(place("premises", "经营场所", "Business premises"));
    f.extend([
        field(
            "business_scope",
            "经营范围",
            "Business scope",
            FieldKind::Textarea,
        )
        .req()
        .help("按《经营范围登记规范表述目录》填写，如：餐饮服务；食品销售"),
        number(
            "capital",
            "资金数额（万元）",
            "Capital (10,000 yuan)",
            0.01,
            100_000.0,
            2,
        )
        .req(),
        number("staff_count", "从业人数", "Staff", 1.0, 1_000.0, 0).req(),
        choice(
            "organisation",
            "组成形式",
            "Form",
            &[
                ("individual", "个人经营", "Run by one person"),
                ("family", "家庭经营", "Run by a family"),
            ],
        )
        .req(),
    ]);
    f
}

fn small_catering() -> Vec<FormField> {
    let mut f = vec![
        trade_name(),
        text(
            "business_licence",
            "营业执照电子证照标识",
            "Business licence (e-licence identifier)",
        )
        .req()
        .max_len(IDENTIFIER_LEN)
        .help("已取得营业执照的填写；通过一件事申请的，由系统在营业执照签发后自动填入"),
    ];
    f.extend(person("经营者姓名", "经营者身份证号码"));
    f.extend(place("premises", "经营场所", "Business premises"));
    f.extend([
        area("premises_area", "经营场所面积（平方米）", "Floor area (m²)"),
        multi(
            "business_items",
            "经营项目",
            "Business items",
            &[
                ("hot", "热食类食品制售", "Hot food"),
                ("cold", "冷食类食品制售", "Cold food"),
                ("pastry", "糕点类食品制售", "Pastries"),
                ("drinks", "自制饮品制售", "Home-made drinks"),
            ],
        )
        .req(),
        text("safety_manager", "食品安全管理员", "Food safety manager").req(),
        number("staff_count", "从业人数", "Staff", 1.0, 1_000.0, 0)
            .req()
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

fn signboard() -> Vec<FormField> {
    let mut f = vec![
        text("owner", "设置人（单位或个人）", "Owner of the sign")
            .req()
            .max_len(50),
        text("sign_text", "招牌文字", "Text on the sign")
            .req()
            .max_len(30),
    ];
    f.extend(place("premises", "设置地点", "Where the sign is set"));
    f.extend([
        number("width", "招牌宽度（米）", "Width (m)", 0.1, 50.0, 2).req(),
        number("height", "招牌高度（米）", "Height (m)", 0.1, 10.0, 2).req(),
        choice(
            "lighting",
            "照明方式",
            "Lighting",
            &[
                ("none", "无照明", "None"),
                ("internal", "内透光", "Lit from inside"),
                ("external", "外投光", "Lit from outside"),
            ],
        )
        .req(),
        field("phone", "联系电话", "Phone", FieldKind::Phone)
            .req()
            .prefill(Prefill::ApplicantPhone),
    ]);
    f
}

fn fire_check() -> Vec<FormField> {
    let mut f = vec![text("venue_name", "场所名称", "Venue").req().max_len(50)];
    f.extend(place("premises", "场所地址", "Venue address"));
    f.extend([
        area("building_area", "场所建筑面积（平方米）", "Floor area (m²)"),
        choice(
            "venue_use",
            "场所用途",
            "Use",
            &[
                ("catering", "餐饮场所", "Restaurant"),
                ("shop", "商店、市场", "Shop or market"),
                ("entertainment", "歌舞娱乐场所", "Entertainment venue"),
                ("hotel", "宾馆、饭店", "Hotel"),
            ],
        )
        .req(),
        text(
            "fire_manager",
            "消防安全责任人",
            "Person responsible for fire safety",
        )
        .req()
        .prefill(Prefill::ApplicantName),
        field("phone", "联系电话", "Phone", FieldKind::Phone)
            .req()
            .prefill(Prefill::ApplicantPhone),
        choice(
            "commitment",
            "告知承诺",
            "Commitment",
            &[(
                "pledged",
                "本人承诺场所符合消防技术标准和管理规定，承担不实承诺的法律责任",
                "I pledge the venue meets the fire codes and answer for a false pledge",
            )],
        )
        .req(),
    ]);
    f
}

fn baby() -> [FormField; 3] {
    [
        text("baby_name", "新生儿姓名", "Newborn's name")
            .req()
            .max_len(20),
        choice(
            "baby_sex",
            "新生儿性别",
            "Newborn's sex",
            &[("1", "男", "Male"), ("2", "女", "Female")],
        )
        .req(),
        field("birth_date", "出生日期", "Date of birth", FieldKind::Date).req(),
    ]
}

fn parents() -> [FormField; 4] {
    [
        text("mother_name", "母亲姓名", "Mother's name").req(),
        field(
            "mother_id",
            "母亲身份证号码",
            "Mother's ID number",
            FieldKind::IdNumber,
        )
        .req(),
        text("father_name", "父亲姓名", "Father's name"),
        field(
            "father_id",
            "父亲身份证号码",
            "Father's ID number",
            FieldKind::IdNumber,
        ),
    ]
}

/// The face of the 出生医学证明 licence type reads `born_on` and `place`.
fn birth_certificate() -> Vec<FormField> {
    let [name, sex, _] = baby();
    let mut f = vec![
        name,
        sex,
        field("born_on", "出生日期", "Date of birth", FieldKind::Date).req(),
    ];
    f.extend([
        text("place", "出生地点（助产机构）", "Place of birth (hospital)")
            .req()
            .max_len(60),
        number(
            "birth_weight",
            "出生体重（克）",
            "Birth weight (g)",
            300.0,
            8_000.0,
            0,
        )
        .req(),
    ]);
    f.extend(parents());
    f.extend(person("申请人姓名", "申请人身份证号码"));
    f
}

fn birth_registration() -> Vec<FormField> {
    let mut f = baby().to_vec();
    f.extend([
        text("birth_cert_no", "出生医学证明编号", "Birth certificate no.")
            .req()
            .max_len(IDENTIFIER_LEN)
            .help("通过一件事申请的，由系统在出生医学证明签发后自动填入"),
    ]);
    f.extend(parents());
    f.extend([
        choice(
            "follow",
            "随父或随母落户",
            "Registered with",
            &[
                ("mother", "随母落户", "The mother"),
                ("father", "随父落户", "The father"),
            ],
        )
        .req(),
        field(
            "hukou_address",
            "落户地址",
            "Household address",
            FieldKind::Address,
        )
        .req(),
    ]);
    f.extend(person("申请人姓名", "申请人身份证号码"));
    f
}

fn resident_insurance() -> Vec<FormField> {
    let mut f = vec![
        text("insured_name", "参保人姓名", "Insured person")
            .req()
            .max_len(20),
        choice(
            "insured_kind",
            "参保人员类别",
            "Category",
            &[
                ("newborn", "新生儿", "Newborn"),
                ("student", "在校学生", "Student"),
                ("resident", "其他城乡居民", "Other resident"),
            ],
        )
        .req(),
        field(
            "insured_id",
            "参保人身份证号码",
            "Insured person's ID number",
            FieldKind::IdNumber,
        )
        .help("新生儿尚未登记户口的，可凭出生医学证明编号先行参保"),
        text("birth_cert_no", "出生医学证明编号", "Birth certificate no.").max_len(IDENTIFIER_LEN),
        field(
            "insured_division",
            "参保地",
            "Where insured",
            FieldKind::Division,
        )
        .req(),
    ];
    f.extend(person("申请人（监护人）姓名", "申请人身份证号码"));
    f
}

fn newborn_social_card() -> Vec<FormField> {
    let mut f = vec![
        text("baby_name", "新生儿姓名", "Newborn's name")
            .req()
            .max_len(20),
        text("birth_cert_no", "出生医学证明编号", "Birth certificate no.")
            .req()
            .max_len(IDENTIFIER_LEN)
            .help("通过一件事申请的，由系统在出生医学证明签发后自动填入"),
        choice(
            "bank",
            "服务银行",
            "Bank",
            &[
                ("icbc", "中国工商银行", "ICBC"),
                ("boc", "中国银行", "Bank of China"),
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
    ];
    f.extend(person("监护人姓名", "监护人身份证号码"));
    f
}

fn company() -> [FormField; 2] {
    [
        text("company_name", "企业名称", "Company name")
            .req()
            .max_len(100),
        text("legal_rep", "法定代表人", "Legal representative").req(),
    ]
}

fn seal_filing() -> Vec<FormField> {
    let mut f = company().to_vec();
    f.extend([
        multi(
            "seals",
            "刻制印章",
            "Seals",
            &[
                ("official", "单位公章", "Official seal"),
                ("finance", "财务专用章", "Finance seal"),
                ("invoice", "发票专用章", "Invoice seal"),
                ("contract", "合同专用章", "Contract seal"),
                ("legal_rep", "法定代表人名章", "Legal representative's seal"),
            ],
        )
        .req(),
        choice(
            "engraver",
            "刻章企业",
            "Engraver",
            &[
                (
                    "free",
                    "政府免费刻章（首套）",
                    "Free first set from the government",
                ),
                ("own", "自选备案刻章企业", "An engraver of my choice"),
            ],
        )
        .req(),
        field("phone", "联系电话", "Phone", FieldKind::Phone)
            .req()
            .prefill(Prefill::ApplicantPhone),
    ]);
    f
}

fn new_taxpayer() -> Vec<FormField> {
    let mut f = company().to_vec();
    f.extend([
        choice(
            "taxpayer_kind",
            "增值税纳税人类型",
            "VAT taxpayer kind",
            &[
                ("small", "小规模纳税人", "Small-scale"),
                ("general", "一般纳税人", "General"),
            ],
        )
        .req(),
        multi(
            "invoices",
            "申领发票",
            "Invoices",
            &[
                ("digital", "数电发票", "Fully digital invoices"),
                ("special", "增值税专用发票", "Special VAT invoices"),
            ],
        ),
        text("accountant", "办税人员", "Tax officer of the company").req(),
        field(
            "accountant_phone",
            "办税人员电话",
            "Tax officer's phone",
            FieldKind::Phone,
        )
        .req(),
    ]);
    f
}

fn employer_insurance() -> Vec<FormField> {
    let mut f = company().to_vec();
    f.extend([
        number(
            "employees",
            "参保职工人数",
            "Employees to insure",
            0.0,
            100_000.0,
            0,
        )
        .req(),
        field("phone", "联系电话", "Phone", FieldKind::Phone)
            .req()
            .prefill(Prefill::ApplicantPhone),
    ]);
    f
}

#[cfg(test)]
mod tests {
    use yiwang_forms::check_definition;

    use super::*;

    #[test]
    fn every_form_is_valid() {
        for code in [
            "000117002001",
            "000117010000",
            "000126004000",
            "000121003000",
            "000119003003",
            "000105001000",
            "000122001000",
            "000109001003",
            "000105009000",
            "000124005000",
            "000109010000",
        ] {
            let f = form(code);
            assert!(!f.is_empty(), "{code}");
            assert_eq!(check_definition(&f), vec![], "{code}");
        }
    }
}
