//! The demo city's "one thing" bundles (一件事一次办), as their definitions would be written by
//! the 政务服务数据管理局: 开餐馆 (赤坎区 and city items), 新生儿出生一件事 (赤坎区) and 企业开办
//! (city). Implementation codes depend on the departments' codes, so the definitions are made
//! from a resolver (`code(basic, county)`). The items' forms are in
//! [`super::forms`] and [`super::bundle_forms`]; checklist entries are `M01`… in the order of
//! each item's materials.

use serde_json::{Value, json};
use yiwang_bundles::Bundle;
use yiwang_kernel::Error;

use super::CK;
use super::materials::{LT_HOUSEHOLD, LT_ID_CARD, LT_MARRIAGE};

/// Resolves a basic code (and county, `None` for the city) to its implementation code.
pub type Resolver<'a> = &'a dyn Fn(&'static str, Option<&'static str>) -> Result<String, Error>;

fn field(f: &str) -> Value {
    json!({"field": {"field": f}})
}

fn map(to: &str, from: &str) -> Value {
    json!({"to": to, "from": field(from)})
}

fn maps(pairs: &[(&str, &str)]) -> Vec<Value> {
    pairs.iter().map(|(to, from)| map(to, from)).collect()
}

fn mats(pairs: &[(&str, &str)]) -> Vec<Value> {
    pairs
        .iter()
        .map(|(entry, m)| json!({"entry": entry, "material": m}))
        .collect()
}

fn yes_no(key: &str, text: &str, text_en: &str, help: &str) -> Value {
    json!({"key": key, "text": text, "text_en": text_en, "help": help, "choices": [
        {"value": "yes", "label": "是", "label_en": "Yes"},
        {"value": "no", "label": "否", "label_en": "No"}
    ]})
}

fn when_yes(q: &str) -> Value {
    json!({"answer": {"question": q, "values": ["yes"]}})
}

fn parse(v: Value) -> Result<Bundle, Error> {
    serde_json::from_value(v).map_err(|e| Error::internal(format!("demo bundle: {e}")))
}

/// Every demo bundle.
pub fn all(code: Resolver) -> Result<Vec<Bundle>, Error> {
    Ok(vec![restaurant(code)?, newborn(code)?, company(code)?])
}

/// 开餐馆一件事: the business licence of a sole trader (赤坎区市场监管局), the small-catering
/// licence after it (its form takes the business licence's identifier), a shop sign (市城管局)
/// and the fire safety check of a public venue (市消防救援支队, on a pledge).
pub fn restaurant(code: Resolver) -> Result<Bundle, Error> {
    let premises = [
        ("premises_division", "premises_division"),
        ("premises_address", "premises_address"),
    ];
    let mut business = maps(&[
        ("trade_name", "trade_name"),
        ("business_scope", "business_scope"),
        ("capital", "capital"),
        ("staff_count", "staff_count"),
        ("organisation", "organisation"),
    ]);
    business.extend(maps(&premises));
    let mut catering = maps(&[
        ("trade_name", "trade_name"),
        ("premises_area", "premises_area"),
        ("business_items", "business_items"),
        ("safety_manager", "safety_manager"),
        ("staff_count", "staff_count"),
        ("opening_date", "opening_date"),
    ]);
    catering.extend(maps(&premises));
    catering.push(json!({"to": "business_licence", "from": {"result": {"part": "business", "value": "identifier"}}}));
    let mut sign = maps(&[
        ("owner", "trade_name"),
        ("sign_text", "sign_text"),
        ("width", "sign_width"),
        ("height", "sign_height"),
        ("lighting", "lighting"),
    ]);
    sign.extend(maps(&premises));
    let mut fire = maps(&[
        ("venue_name", "trade_name"),
        ("building_area", "premises_area"),
        ("commitment", "commitment"),
    ]);
    fire.extend(maps(&premises));
    fire.push(json!({"to": "venue_use", "from": {"const": {"value": "catering"}}}));
    parse(json!({
        "code": "open-restaurant",
        "name": "开餐馆一件事",
        "name_en": "Opening a restaurant",
        "theme": "开店经营",
        "summary": "开办个体餐馆一次申请：营业执照、小餐饮经营许可、户外招牌设置备案和公众聚集场所消防安全检查，一张表单、一套材料，各部门并联办理，结果统一送达。",
        "keywords": "开饭店, 餐馆, 餐饮, 小吃店, 开店, 个体户, 饭馆",
        "holder": "person",
        "promised_days": 10,
        "questions": [
            yes_no("sells_food", "是否现场制作或销售食品、饮品？", "Will you prepare or sell food or drinks on site?",
                   "制售热食、冷食、糕点或自制饮品的，须取得小餐饮经营许可；仅销售预包装食品的选“否”，办理备案即可。"),
            yes_no("sign", "是否在门店外设置招牌？", "Will you put up a sign outside the shop?",
                   "门头招牌、店招须向城市管理部门备案。")
        ],
        "fields": [
            {"key": "trade_name", "label": "店名（个体工商户名称）", "label_en": "Shop name", "kind": "text", "required": true, "max_len": 50,
             "help": "如：湛江市赤坎区老王面馆；同时用于营业执照、许可证、招牌和消防检查"},
            {"key": "premises_division", "label": "经营场所所在区划", "label_en": "Premises: division", "kind": "division", "required": true},
            {"key": "premises_address", "label": "经营场所", "label_en": "Premises", "kind": "address", "required": true,
             "help": "填写到门牌号，如：赤坎区海滨大道北1号首层"},
            {"key": "premises_area", "label": "经营场所面积（平方米）", "label_en": "Floor area (m²)", "kind": "number", "required": true, "min": 1.0, "max": 100000.0, "decimals": 2},
            {"key": "business_scope", "label": "经营范围", "label_en": "Business scope", "kind": "textarea", "required": true,
             "help": "如：餐饮服务；食品销售（仅销售预包装食品）"},
            {"key": "capital", "label": "资金数额（万元）", "label_en": "Capital (10,000 yuan)", "kind": "number", "required": true, "min": 0.01, "max": 100000.0, "decimals": 2},
            {"key": "staff_count", "label": "从业人数", "label_en": "Staff", "kind": "number", "required": true, "min": 1.0, "max": 1000.0, "decimals": 0},
            {"key": "organisation", "label": "组成形式", "label_en": "Form", "kind": "choice", "required": true, "options": [
                {"code": "individual", "label": "个人经营", "label_en": "Run by one person"},
                {"code": "family", "label": "家庭经营", "label_en": "Run by a family"}]},
            {"key": "business_items", "label": "经营项目", "label_en": "Business items", "kind": "multi_choice", "required": true, "options": [
                {"code": "hot", "label": "热食类食品制售", "label_en": "Hot food"},
                {"code": "cold", "label": "冷食类食品制售", "label_en": "Cold food"},
                {"code": "pastry", "label": "糕点类食品制售", "label_en": "Pastries"},
                {"code": "drinks", "label": "自制饮品制售", "label_en": "Home-made drinks"}]},
            {"key": "safety_manager", "label": "食品安全管理员", "label_en": "Food safety manager", "kind": "text", "required": true, "max_len": 20},
            {"key": "opening_date", "label": "拟开业日期", "label_en": "Planned opening date", "kind": "date"},
            {"key": "sign_text", "label": "招牌文字", "label_en": "Text on the sign", "kind": "text", "required": true, "max_len": 30},
            {"key": "sign_width", "label": "招牌宽度（米）", "label_en": "Sign width (m)", "kind": "number", "required": true, "min": 0.1, "max": 50.0, "decimals": 2},
            {"key": "sign_height", "label": "招牌高度（米）", "label_en": "Sign height (m)", "kind": "number", "required": true, "min": 0.1, "max": 10.0, "decimals": 2},
            {"key": "lighting", "label": "招牌照明方式", "label_en": "Sign lighting", "kind": "choice", "required": true, "options": [
                {"code": "none", "label": "无照明", "label_en": "None"},
                {"code": "internal", "label": "内透光", "label_en": "Lit from inside"},
                {"code": "external", "label": "外投光", "label_en": "Lit from outside"}]},
            {"key": "commitment", "label": "消防安全告知承诺", "label_en": "Fire safety pledge", "kind": "choice", "required": true, "options": [
                {"code": "pledged", "label": "本人承诺场所符合消防技术标准和管理规定，承担不实承诺的法律责任",
                 "label_en": "I pledge the venue meets the fire codes and answer for a false pledge"}]}
        ],
        "materials": [
            {"key": "id_card", "name": "经营者居民身份证", "notes": "已在电子证照库中的，选择电子证照即可，无需上传。", "licence_type": LT_ID_CARD},
            {"key": "application", "name": "开餐馆一件事联办申请表（经营者签字）", "notes": "在线填写后打印签字上传；一张表代替各事项的申请书。"},
            {"key": "premises", "name": "经营场所使用证明", "notes": "自有房产提交不动产权证书；租赁的提交租赁合同。"},
            {"key": "layout", "name": "经营场所平面布局图", "notes": "标明加工制作区、就餐区、消防通道和安全出口。"},
            {"key": "health", "name": "从业人员健康证明", "notes": "接触直接入口食品的从业人员的有效健康证明。"},
            {"key": "sign_design", "name": "招牌设计效果图", "notes": "标明尺寸、文字、材质和照明方式。"},
            {"key": "fire_pledge", "name": "消防安全检查告知承诺书", "notes": "经营者签字。"}
        ],
        "parts": [
            {"key": "business", "item": code("000117002001", Some(CK))?, "name": "个体工商户营业执照",
             "fields": business,
             "materials": mats(&[("M01", "id_card"), ("M02", "application"), ("M03", "premises")])},
            {"key": "catering", "item": code("000117010000", Some(CK))?, "name": "小餐饮经营许可",
             "when": when_yes("sells_food"), "after": ["business"], "fields": catering,
             "materials": mats(&[("M01", "application"), ("M02", "id_card"), ("M03", "premises"), ("M04", "layout"), ("M05", "health")])},
            {"key": "sign", "item": code("000126004000", None)?, "name": "户外招牌设置备案",
             "when": when_yes("sign"), "fields": sign,
             "materials": mats(&[("M01", "application"), ("M02", "sign_design"), ("M03", "premises")])},
            {"key": "fire", "item": code("000121003000", None)?, "name": "消防安全检查（告知承诺）",
             "fields": fire,
             "materials": mats(&[("M01", "application"), ("M02", "fire_pledge"), ("M03", "layout"), ("M04", "premises")])}
        ]
    }))
}

/// 新生儿出生一件事 (赤坎区): the first birth certificate (卫健局), then in parallel the birth
/// registration (公安分局), resident medical insurance (医保局) and the newborn's social
/// security card (人社局), each taking the certificate's identifier.
pub fn newborn(code: Resolver) -> Result<Bundle, Error> {
    let cert = json!({"result": {"part": "birth", "value": "identifier"}});
    let parents = [
        ("mother_name", "mother_name"),
        ("mother_id", "mother_id"),
        ("father_name", "father_name"),
        ("father_id", "father_id"),
    ];
    let mut birth = maps(&[
        ("baby_name", "baby_name"),
        ("baby_sex", "baby_sex"),
        ("born_on", "birth_date"),
        ("place", "birth_hospital"),
        ("birth_weight", "birth_weight"),
    ]);
    birth.extend(maps(&parents));
    let mut hukou = maps(&[
        ("baby_name", "baby_name"),
        ("baby_sex", "baby_sex"),
        ("birth_date", "birth_date"),
        ("follow", "follow"),
        ("hukou_address", "hukou_address"),
    ]);
    hukou.extend(maps(&parents));
    hukou.push(json!({"to": "birth_cert_no", "from": cert}));
    let insurance = vec![
        map("insured_name", "baby_name"),
        json!({"to": "insured_kind", "from": {"const": {"value": "newborn"}}}),
        json!({"to": "birth_cert_no", "from": cert}),
        map("insured_division", "hukou_division"),
    ];
    let card = vec![
        map("baby_name", "baby_name"),
        json!({"to": "birth_cert_no", "from": cert}),
        map("bank", "bank"),
        map("delivery", "card_delivery"),
    ];
    parse(json!({
        "code": "newborn",
        "name": "新生儿出生一件事",
        "name_en": "A baby is born",
        "theme": "生育收养",
        "summary": "宝宝出生后一次申请：出生医学证明、出生登记（落户）、城乡居民医保参保和社会保障卡，出生医学证明签发后其余事项自动启动，无需重复提交。",
        "keywords": "出生, 新生儿, 宝宝, 落户, 上户口, 出生证, 生孩子",
        "holder": "person",
        "promised_days": 8,
        "questions": [
            yes_no("married", "父母是否已办理结婚登记？", "Are the parents married?", "已办理的，结婚证可调用电子证照。"),
            yes_no("insurance", "是否为宝宝参加城乡居民基本医疗保险？", "Enrol the baby in resident medical insurance?",
                   "新生儿可凭出生医学证明先行参保，出生当年的医疗费用按规定报销。"),
            yes_no("card", "是否为宝宝申领社会保障卡？", "Apply for the baby's social security card?", "")
        ],
        "fields": [
            {"key": "baby_name", "label": "宝宝姓名", "label_en": "Baby's name", "kind": "text", "required": true, "max_len": 20},
            {"key": "baby_sex", "label": "宝宝性别", "label_en": "Baby's sex", "kind": "choice", "required": true, "options": [
                {"code": "1", "label": "男", "label_en": "Male"}, {"code": "2", "label": "女", "label_en": "Female"}]},
            {"key": "birth_date", "label": "出生日期", "label_en": "Date of birth", "kind": "date", "required": true},
            {"key": "birth_hospital", "label": "出生医院（助产机构）", "label_en": "Hospital of birth", "kind": "text", "required": true, "max_len": 60},
            {"key": "birth_weight", "label": "出生体重（克）", "label_en": "Birth weight (g)", "kind": "number", "required": true, "min": 300.0, "max": 8000.0, "decimals": 0},
            {"key": "mother_name", "label": "母亲姓名", "label_en": "Mother's name", "kind": "text", "required": true, "max_len": 20},
            {"key": "mother_id", "label": "母亲身份证号码", "label_en": "Mother's ID number", "kind": "id_number", "required": true},
            {"key": "father_name", "label": "父亲姓名", "label_en": "Father's name", "kind": "text", "max_len": 20},
            {"key": "father_id", "label": "父亲身份证号码", "label_en": "Father's ID number", "kind": "id_number"},
            {"key": "follow", "label": "随父或随母落户", "label_en": "Registered with", "kind": "choice", "required": true, "options": [
                {"code": "mother", "label": "随母落户", "label_en": "The mother"}, {"code": "father", "label": "随父落户", "label_en": "The father"}]},
            {"key": "hukou_division", "label": "落户地所在区划", "label_en": "Household: division", "kind": "division", "required": true},
            {"key": "hukou_address", "label": "落户地址", "label_en": "Household address", "kind": "address", "required": true},
            {"key": "bank", "label": "社保卡服务银行", "label_en": "Card bank", "kind": "choice", "required": true, "options": [
                {"code": "icbc", "label": "中国工商银行", "label_en": "ICBC"},
                {"code": "boc", "label": "中国银行", "label_en": "Bank of China"},
                {"code": "zjrcb", "label": "湛江农村商业银行", "label_en": "Zhanjiang Rural Commercial Bank"}]},
            {"key": "card_delivery", "label": "社保卡领取方式", "label_en": "Card delivery", "kind": "choice", "required": true, "options": [
                {"code": "counter", "label": "到即时制卡网点领取", "label_en": "Collect at a service point"},
                {"code": "post", "label": "邮寄到家", "label_en": "By post"}]}
        ],
        "materials": [
            {"key": "parents_id", "name": "父母双方居民身份证", "notes": "可调用电子证照。", "licence_type": LT_ID_CARD},
            {"key": "delivery_record", "name": "助产机构出具的分娩记录", "notes": "出院小结或分娩记录。"},
            {"key": "household_book", "name": "落户方居民户口簿", "notes": "人口库已有户籍信息的，无需提交。", "licence_type": LT_HOUSEHOLD},
            {"key": "marriage", "name": "结婚证", "notes": "可调用电子证照。", "licence_type": LT_MARRIAGE},
            {"key": "photo", "name": "宝宝数码相片", "notes": "可不提供。"}
        ],
        "parts": [
            {"key": "birth", "item": code("000119003003", Some(CK))?, "name": "出生医学证明",
             "fields": birth, "materials": mats(&[("M01", "parents_id"), ("M02", "delivery_record")])},
            {"key": "hukou", "item": code("000105001000", Some(CK))?, "name": "出生登记（落户）", "after": ["birth"],
             "fields": hukou,
             "materials": mats(&[("M02", "parents_id"), ("M03", "household_book"), ("M04", "marriage")])},
            {"key": "insurance", "item": code("000122001000", Some(CK))?, "name": "城乡居民医保参保", "after": ["birth"],
             "when": when_yes("insurance"), "fields": insurance,
             "materials": mats(&[("M01", "parents_id"), ("M02", "household_book")])},
            {"key": "card", "item": code("000109001003", Some(CK))?, "name": "社会保障卡申领", "after": ["birth"],
             "when": when_yes("card"), "fields": card,
             "materials": mats(&[("M01", "parents_id"), ("M02", "photo")])}
        ]
    }))
}

/// 企业开办 (city): business registration (市场监管局), seal engraving (公安局), new-taxpayer
/// matters (税务局) and employer social insurance (社保局), in parallel, one form.
pub fn company(code: Resolver) -> Result<Bundle, Error> {
    let firm = [("company_name", "company_name"), ("legal_rep", "legal_rep")];
    let mut registration = maps(&[
        ("company_type", "company_type"),
        ("registered_capital", "registered_capital"),
        ("domicile_division", "domicile_division"),
        ("domicile_address", "domicile_address"),
        ("business_scope", "business_scope"),
        ("legal_rep_id", "legal_rep_id"),
        ("shareholders", "shareholders"),
    ]);
    registration.extend(maps(&firm));
    let mut seal = maps(&[("seals", "seals")]);
    seal.extend(maps(&firm));
    seal.push(json!({"to": "engraver", "from": {"const": {"value": "free"}}}));
    let mut tax = maps(&[
        ("taxpayer_kind", "taxpayer_kind"),
        ("invoices", "invoices"),
        ("accountant", "accountant"),
        ("accountant_phone", "accountant_phone"),
    ]);
    tax.extend(maps(&firm));
    let mut social = maps(&[("employees", "employees")]);
    social.extend(maps(&firm));
    let shareholder_columns = json!([
        {"key": "name", "label": "股东名称或姓名", "label_en": "Shareholder", "kind": "text", "required": true},
        {"key": "id_kind", "label": "证件类型", "label_en": "Document type", "kind": "choice", "required": true, "options": [
            {"code": "id_card", "label": "居民身份证", "label_en": "Resident ID card"},
            {"code": "uscc", "label": "统一社会信用代码", "label_en": "Unified social credit code"},
            {"code": "other", "label": "其他有效证件", "label_en": "Other"}]},
        {"key": "id_no", "label": "证件号码", "label_en": "Document number", "kind": "text", "required": true, "max_len": 30},
        {"key": "subscribed", "label": "认缴出资额（万元）", "label_en": "Subscribed (10,000 yuan)", "kind": "number", "required": true,
         "min": 0.0001, "max": 10000000.0, "decimals": 4},
        {"key": "method", "label": "出资方式", "label_en": "Form of contribution", "kind": "choice", "required": true, "options": [
            {"code": "cash", "label": "货币", "label_en": "Cash"},
            {"code": "in_kind", "label": "实物", "label_en": "In kind"},
            {"code": "ip", "label": "知识产权", "label_en": "Intellectual property"},
            {"code": "land", "label": "土地使用权", "label_en": "Land use right"}]},
        {"key": "due", "label": "出资期限", "label_en": "Contribution due", "kind": "date"}
    ]);
    parse(json!({
        "code": "company-setup",
        "name": "企业开办一件事",
        "name_en": "Starting a company",
        "theme": "企业开办",
        "summary": "新开办企业一次申请：设立登记、公章刻制、新办纳税人涉税事项和用人单位社保登记，全流程1个工作日内办结，首套印章免费刻制。",
        "keywords": "开公司, 注册公司, 开办企业, 刻章, 税务登记, 社保开户, 营业执照",
        "holder": "person",
        "promised_days": 1,
        "questions": [
            yes_no("employees", "是否招用职工？", "Will the company employ staff?", "招用职工的，须自成立之日起三十日内办理社会保险登记。")
        ],
        "fields": [
            {"key": "company_name", "label": "企业名称", "label_en": "Company name", "kind": "text", "required": true, "max_len": 100,
             "help": "须先通过企业名称自主申报"},
            {"key": "company_type", "label": "企业类型", "label_en": "Company type", "kind": "choice", "required": true, "options": [
                {"code": "llc_sole", "label": "有限责任公司（自然人独资）", "label_en": "LLC (sole natural person)"},
                {"code": "llc", "label": "有限责任公司（自然人投资或控股）", "label_en": "LLC (natural persons)"},
                {"code": "joint_stock", "label": "股份有限公司（非上市）", "label_en": "Company limited by shares"},
                {"code": "sole_proprietorship", "label": "个人独资企业", "label_en": "Sole proprietorship"},
                {"code": "partnership", "label": "合伙企业", "label_en": "Partnership"}]},
            {"key": "registered_capital", "label": "注册资本（万元）", "label_en": "Registered capital (10,000 yuan)", "kind": "number", "required": true,
             "min": 0.0001, "max": 10000000.0, "decimals": 4},
            {"key": "domicile_division", "label": "住所所在区划", "label_en": "Domicile: division", "kind": "division", "required": true},
            {"key": "domicile_address", "label": "住所", "label_en": "Domicile", "kind": "address", "required": true},
            {"key": "business_scope", "label": "经营范围", "label_en": "Business scope", "kind": "textarea", "required": true},
            {"key": "legal_rep", "label": "法定代表人", "label_en": "Legal representative", "kind": "text", "required": true, "max_len": 20},
            {"key": "legal_rep_id", "label": "法定代表人身份证号码", "label_en": "Legal representative's ID number", "kind": "id_number", "required": true},
            {"key": "shareholders", "label": "股东（发起人）出资情况", "label_en": "Shareholders and contributions", "kind": "table", "required": true,
             "min_rows": 1, "max_rows": 50, "columns": shareholder_columns},
            {"key": "seals", "label": "刻制印章", "label_en": "Seals", "kind": "multi_choice", "required": true, "options": [
                {"code": "official", "label": "单位公章", "label_en": "Official seal"},
                {"code": "finance", "label": "财务专用章", "label_en": "Finance seal"},
                {"code": "invoice", "label": "发票专用章", "label_en": "Invoice seal"},
                {"code": "contract", "label": "合同专用章", "label_en": "Contract seal"},
                {"code": "legal_rep", "label": "法定代表人名章", "label_en": "Legal representative's seal"}]},
            {"key": "taxpayer_kind", "label": "增值税纳税人类型", "label_en": "VAT taxpayer kind", "kind": "choice", "required": true, "options": [
                {"code": "small", "label": "小规模纳税人", "label_en": "Small-scale"},
                {"code": "general", "label": "一般纳税人", "label_en": "General"}]},
            {"key": "invoices", "label": "申领发票", "label_en": "Invoices", "kind": "multi_choice", "options": [
                {"code": "digital", "label": "数电发票", "label_en": "Fully digital invoices"},
                {"code": "special", "label": "增值税专用发票", "label_en": "Special VAT invoices"}]},
            {"key": "accountant", "label": "办税人员", "label_en": "Tax officer of the company", "kind": "text", "required": true, "max_len": 20},
            {"key": "accountant_phone", "label": "办税人员电话", "label_en": "Tax officer's phone", "kind": "phone", "required": true},
            {"key": "employees", "label": "参保职工人数", "label_en": "Employees to insure", "kind": "number", "required": true, "min": 1.0, "max": 100000.0, "decimals": 0}
        ],
        "materials": [
            {"key": "application", "name": "企业开办一件事申请表（全体股东签署）", "notes": "一张表代替登记申请书、刻章备案表和涉税事项申请表。"},
            {"key": "articles", "name": "公司章程", "notes": "全体股东（发起人）签署；可使用章程参考文本。"},
            {"key": "shareholder_ids", "name": "股东（发起人）主体资格证明", "notes": "自然人股东提交身份证件；法人股东提交营业执照。"},
            {"key": "premises", "name": "住所使用证明", "notes": "实行住所申报承诺制的可以承诺代替。"},
            {"key": "rep_id", "name": "法定代表人居民身份证", "notes": "可调用电子证照。", "licence_type": LT_ID_CARD}
        ],
        "parts": [
            {"key": "registration", "item": code("000117001001", None)?, "name": "企业设立登记", "fields": registration,
             "materials": mats(&[("M01", "application"), ("M02", "articles"), ("M03", "shareholder_ids"), ("M04", "rep_id"), ("M05", "premises")])},
            {"key": "seal", "item": code("000105009000", None)?, "name": "公章刻制", "fields": seal,
             "materials": mats(&[("M01", "application"), ("M02", "rep_id")])},
            {"key": "tax", "item": code("000124005000", None)?, "name": "新办纳税人涉税事项", "fields": tax,
             "materials": mats(&[("M01", "application")])},
            {"key": "social", "item": code("000109010000", None)?, "name": "用人单位社会保险登记",
             "when": when_yes("employees"), "fields": social, "materials": []}
        ]
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake(basic: &'static str, county: Option<&'static str>) -> Result<String, Error> {
        Ok(format!("X{}{basic}", county.unwrap_or("")))
    }

    #[test]
    fn the_demo_bundles_are_well_formed() {
        let all = all(&fake).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(all.len(), 3);
        for b in &all {
            assert_eq!(yiwang_bundles::check::shape(b), vec![], "{}", b.code);
        }
    }
}
