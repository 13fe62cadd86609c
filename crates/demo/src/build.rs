//! Turns a directory entry ([`Def`]) into what the services take: the basic item input and,
//! for one implementing department, the elements of its implementation item.

use yiwang_catalog::model::{Elements, Faq, Fee, Material, ProcessStep};
use yiwang_catalog::{BasicItemInput, rules};
use yiwang_kernel::Error;

use crate::data::departments::County;
use crate::data::departments::Desk;
use crate::data::forms;
use crate::data::halls::{CITY_HOURS, COUNTY_HOURS, city_location, county_location};
use crate::data::materials::material;
use crate::data::{Def, Online};

/// Where sample results, blank forms and filled-in examples are published.
pub const SAMPLES: &str = "https://www.zhanjiang.gov.cn/zwfw/samples";
/// The provincial online service portal.
pub const PORTAL: &str = "https://www.gdzwfw.gov.cn/portal/v2/guide";
/// The 12345 hotline, the complaints channel of every item.
pub const SUPERVISE_PHONE: &str = "0759-12345";

/// The department implementing an item, as the element builder needs it.
#[derive(Debug, Clone)]
pub struct Implementer {
    pub name: String,
    pub phone: String,
    pub address: String,
    pub desk: Desk,
    /// The department's usual handling office (承办机构 suffix).
    pub office: &'static str,
    /// `None` for the city.
    pub county: Option<&'static County>,
    /// Name of the joint department (共同实施部门), when the item has one.
    pub joint: String,
}

/// The basic directory input of an entry.
pub fn basic_input(d: &Def) -> BasicItemInput {
    BasicItemInput {
        code: d.code.to_string(),
        name: d.name.to_string(),
        item_type: d.ty.to_string(),
        legal_basis: d.basis.to_string(),
        parent_code: d.parent.to_string(),
        levels: d.levels().to_string(),
        statutory_limit: d.statutory,
        statutory_unit: if d.statutory.is_some() {
            d.unit.to_string()
        } else {
            String::new()
        },
    }
}

fn unit_text(unit: &str) -> &'static str {
    match unit {
        "2" => "日",
        "3" => "小时",
        "4" => "个月",
        "5" => "年",
        _ => "个工作日",
    }
}

/// 审批结果类型 from the result's name, following quality rule 2 (docs/standards/service-items.md §4.8).
pub fn result_type(name: &str) -> &'static str {
    if name.contains("批复") || name.contains("批文") {
        "3"
    } else if name.ends_with("证明") || name.ends_with("凭证") || name.ends_with('文') {
        "2"
    } else if ["证", "证书", "执照", "护照", "簿", "卡"]
        .iter()
        .any(|s| name.ends_with(s))
    {
        "1"
    } else if [
        "决定书",
        "通知书",
        "意见书",
        "告知书",
        "回执",
        "确认书",
        "同意书",
    ]
    .iter()
    .any(|s| name.ends_with(s))
    {
        "2"
    } else {
        "9"
    }
}

fn applied_for(d: &Def) -> bool {
    rules::APPLICATION_TYPES.contains(&d.ty)
}

/// Parses the material specs of an entry (see [`Def::materials`]).
pub fn materials(d: &Def) -> Result<Vec<Material>, Error> {
    let mut out = Vec::with_capacity(d.materials.len());
    for (i, spec) in d.materials.iter().enumerate() {
        let n = i + 1;
        let (required, rest) = match spec.strip_prefix('?') {
            Some(r) => (false, r),
            None => (true, *spec),
        };
        let (spec, condition) = match rest.split_once('|') {
            Some((s, c)) => (s, c),
            None if required => (rest, ""),
            None => (rest, "视具体情形提交"),
        };
        let m = if let Some(name) = spec.strip_prefix('@') {
            Material {
                name: name.to_string(),
                source: "1".into(),
                originals: 1,
                format: "3".into(),
                notes: "可在线填写；窗口提供空白表格和填写示例。".into(),
                blank_form: format!("{SAMPLES}/{}/form-{n:02}.docx", d.code),
                sample: format!("{SAMPLES}/{}/form-{n:02}-example.pdf", d.code),
                ..Default::default()
            }
        } else if let Some(name) = spec.strip_prefix('+') {
            Material {
                name: name.to_string(),
                source: "1".into(),
                originals: 1,
                format: "3".into(),
                ..Default::default()
            }
        } else {
            let m = material(spec).ok_or_else(|| {
                Error::internal(format!("demo: {} names unknown material {spec}", d.code))
            })?;
            Material {
                name: m.name.to_string(),
                source: m.source.to_string(),
                issuer: m.issuer.to_string(),
                originals: m.originals,
                copies: m.copies,
                format: m.format.to_string(),
                notes: m.notes.to_string(),
                licence_type: m.licence_type.to_string(),
                replaced_by: crate::data::materials::DATA_REPLACED
                    .iter()
                    .find(|(k, _)| *k == spec)
                    .map(|(_, l)| l.to_string())
                    .unwrap_or_default(),
                ..Default::default()
            }
        };
        out.push(Material {
            required,
            condition: condition.to_string(),
            ..m
        });
    }
    Ok(out)
}

/// The steps of the handling process by item type, with their limits summing to `promised`.
fn steps(ty: &str, promised: i64, handler: &str, unit: &str) -> Vec<ProcessStep> {
    let names: &[(&str, &str)] = match ty {
        "01" => &[
            (
                "受理",
                "窗口核验申请材料，齐全、符合法定形式的予以受理，不齐全的一次性告知补正内容",
            ),
            ("审查", "对申请材料进行实质审查，需要现场核查的组织核查"),
            ("决定", "作出准予或者不予许可的决定，不予许可的书面说明理由"),
            ("送达", "窗口领取或邮寄送达，电子证照同步推送"),
        ],
        "05" => &[
            ("受理", "核验申请人身份和申请材料"),
            ("审核", "核对申请人资格条件，必要时入户调查或公示"),
            ("审批", "作出给付或不予给付的决定"),
            ("发放", "按月或一次性发放至申请人社会保障卡金融账户"),
        ],
        "07" => &[
            ("受理", "核验申请人身份和申请材料"),
            ("审核", "审核申请事项的真实性和合法性"),
            ("确认登记", "对符合条件的予以确认并登记"),
            ("办结", "发放证件或告知结果"),
        ],
        "08" => &[
            ("申报受理", "形式审查申报材料"),
            ("评审", "组织专家评审"),
            ("公示", "在门户网站公示评审结果"),
            ("决定", "报批并公布奖励决定"),
        ],
        "09" => &[
            ("受理", "审查申请是否符合受理条件"),
            ("调查", "调查取证、勘验现场"),
            ("调解", "组织当事人调解"),
            ("裁决", "调解不成的依法作出处理决定并送达"),
        ],
        "10" => &[
            ("提交", "在线或窗口提交备案信息"),
            ("核对", "核对备案信息的完整性"),
            ("备案", "予以备案并出具备案结果"),
        ],
        _ => &[
            ("受理", "核验申请人身份和申请材料"),
            ("办理", "按规定办理"),
            ("办结", "告知结果或发放凭证"),
        ],
    };
    let n = names.len();
    let mut limits = vec![0i64; n];
    let mut left = promised;
    limits[0] = left.min(1);
    left -= limits[0];
    if n >= 4 && left >= 2 {
        limits[2] = 1;
        left -= 1;
    }
    limits[1] += left;
    names
        .iter()
        .zip(limits)
        .map(|((name, desc), limit)| ProcessStep {
            name: (*name).to_string(),
            limit,
            description: if limit == 0 {
                format!("{desc}（即时）")
            } else {
                format!("{desc}（{limit}{}，{handler}）", unit_text(unit))
            },
        })
        .collect()
}

fn process_text(d: &Def, online: bool, location: &str, handler: &str) -> String {
    let apply = if online {
        format!("申请人通过广东政务服务网（湛江）、“粤省事”移动端在线申请，或到{location}提交申请")
    } else {
        format!("申请人到{location}提交申请")
    };
    let accept = if d.promised == 0 {
        "受理并办结：材料齐全、符合条件的当场办结，不符合的一次性告知原因或需补正的全部内容"
    } else {
        "受理：材料齐全、符合法定形式的予以受理，不齐全的一次性告知需要补正的全部内容"
    };
    let middle = match d.ty {
        "01" => format!(
            "审查与决定：{handler}依法审查，作出准予或者不予许可的决定；不予许可的书面说明理由，并告知申请人享有依法申请行政复议或者提起行政诉讼的权利"
        ),
        "05" => format!("审核与发放：{handler}核对资格条件，符合条件的按规定发放"),
        "07" => format!("审核与确认：{handler}审核后对符合条件的予以确认登记"),
        "08" => format!("评审与决定：{handler}组织评审、公示后作出奖励决定"),
        "09" => format!("调查与裁决：{handler}调查取证、组织调解，调解不成的依法作出处理决定"),
        "10" => format!("核对与备案：{handler}核对备案信息，予以备案"),
        _ => format!("办理：{handler}按规定办理"),
    };
    let deliver = if d.express {
        "送达：窗口领取或免费邮寄送达，电子证照同步推送至申请人的“粤省事”卡包"
    } else {
        "送达：通过窗口领取或线上告知办理结果"
    };
    format!("1. 申请：{apply}。\n2. {accept}。\n3. {middle}。\n4. {deliver}。")
}

fn generic_faqs(d: &Def, phone: &str) -> Vec<Faq> {
    let mut v = vec![Faq {
        question: "如何查询办理进度？".into(),
        answer: format!(
            "可登录广东政务服务网（湛江）“我的办件”、使用“粤省事”小程序查询，或拨打咨询电话{phone}。"
        ),
    }];
    if d.materials.iter().any(|m| m.contains("wts")) {
        v.push(Faq {
            question: "可以委托他人代为办理吗？".into(),
            answer: "可以。委托他人办理的，受托人须提交授权委托书和本人有效身份证件。".into(),
        });
    }
    v
}

/// The elements of the implementation item of `d` by `imp`, starting from what the claim
/// filled in (`claimed`: inherited elements, department, levels).
pub fn elements(
    d: &Def,
    imp: &Implementer,
    item_code: &str,
    claimed: &Elements,
) -> Result<Elements, Error> {
    let mut e = claimed.clone();
    let applied = applied_for(d);
    let desk = imp.desk;
    let office = if d.office.is_empty() {
        imp.office
    } else {
        d.office
    };
    let handler = if office.starts_with("湛江市") {
        office.to_string()
    } else {
        format!("{}{office}", imp.name)
    };
    let location = match imp.county {
        _ if !applied => format!("{}（{}）", handler, imp.address),
        None if !d.place.is_empty() => d.place.to_string(),
        None if desk == Desk::Office => format!("{}办事窗口（{}）", imp.name, imp.address),
        None => city_location(desk).to_string(),
        Some(c) => county_location(c, desk),
    };
    let hours = if imp.county.is_some() {
        COUNTY_HOURS
    } else {
        CITY_HOURS
    };
    let visits = i64::from(!d.visit.is_empty());

    e.authority_division = match imp.county {
        None => format!("市级：由{}负责湛江市本级的受理和办理", imp.name),
        Some(c) => format!("县级：由{}负责{}辖区内的受理和办理", imp.name, c.name),
    };
    e.exercise_content = d.name.to_string();
    e.handling_body = handler.clone();
    e.joint_departments = imp.joint.clone();
    e.intermediary_services = if d.intermediary.is_empty() {
        "无".into()
    } else {
        d.intermediary.to_string()
    };
    e.quantity_limit = if d.quantity.is_empty() {
        "无数量限制".into()
    } else {
        d.quantity.to_string()
    };
    e.special_procedures = if !d.special.is_empty() {
        d.special.to_string()
    } else if d.ty == "01" {
        "依法需要听证、检验、检测、鉴定和专家评审的，所需时间不计算在承诺办结时限内，并书面告知申请人。".into()
    } else {
        String::new()
    };

    e.statutory_limit = d.statutory.unwrap_or(0);
    e.statutory_unit = d.unit.to_string();
    e.statutory_note = if !d.statutory_note.is_empty() {
        d.statutory_note.to_string()
    } else if e.statutory_limit > 0 {
        format!("法定办结时限为{}{}", e.statutory_limit, unit_text(d.unit))
    } else {
        "即办".into()
    };
    e.promised_limit = d.promised;
    e.promised_unit = d.unit.to_string();
    e.promised_note = if !d.promised_note.is_empty() {
        d.promised_note.to_string()
    } else if d.promised == 0 {
        "即来即办".into()
    } else {
        format!("自受理之日起{}{}内办结", d.promised, unit_text(d.unit))
    };
    e.case_type = if d.promised == 0 { "1" } else { "2" }.into();

    if !d.result.is_empty() {
        e.result_name = d.result.to_string();
        e.result_type = result_type(d.result).into();
        e.result_sample = format!("{SAMPLES}/{}/result.pdf", d.code);
    }

    let mut objects: Vec<String> = Vec::new();
    let mut add = |o: &str| {
        if !objects.iter().any(|x| x == o) {
            objects.push(o.to_string());
        }
    };
    if !d.pthemes.is_empty() {
        add("1");
    }
    if !d.ethemes.is_empty() {
        add("2");
    }
    for o in &d.objects {
        add(o);
    }
    e.service_objects = objects;
    e.personal_themes = d.pthemes.iter().map(|s| s.to_string()).collect();
    e.enterprise_themes = d.ethemes.iter().map(|s| s.to_string()).collect();
    e.keywords = d.keywords.to_string();

    e.location = location.clone();
    e.hours = hours.to_string();
    e.consult_phone = imp.phone.clone();
    e.supervise_phone = SUPERVISE_PHONE.to_string();
    e.in_hall = applied && desk != Desk::Office && (imp.county.is_some() || d.place.is_empty());

    if !applied {
        // Powers exercised ex officio (处罚, 强制, 征收, 检查): no application, no channels.
        e.process = "依职权启动：立案（发现问题）→调查取证→审查→作出决定→送达执行；当事人依法享有陈述、申辩、听证、行政复议和行政诉讼的权利。".into();
        return Ok(e);
    }

    let mut forms: Vec<&str> = match d.online {
        Online::Full | Online::Accept => vec!["1", "2", "3"],
        Online::Precheck => vec!["1", "2"],
        Online::Counter => vec!["1"],
    };
    if d.express || (d.online == Online::Counter && visits == 0) {
        forms.push("4");
    }
    let online = forms.iter().any(|f| *f == "2" || *f == "3");
    let mut depth: Vec<&str> = match d.online {
        Online::Full => vec!["1", "2", "3", "4", "5", "6"],
        Online::Accept => vec!["1", "2", "3", "4"],
        Online::Precheck => vec!["1", "2", "3"],
        Online::Counter => vec!["1"],
    };
    if d.online == Online::Full && e.result_type == "1" {
        depth.push("7");
    }
    e.handling_forms = forms.iter().map(|s| s.to_string()).collect();
    e.online_depth = depth.iter().map(|s| s.to_string()).collect();
    e.online_url = if online {
        format!("{PORTAL}/{item_code}")
    } else {
        String::new()
    };
    e.visits = visits;
    e.visits_reason = d.visit.to_string();
    e.cross_scope = d.cross.to_string();
    e.express = d.express;
    e.appointment = d.appointment || (visits > 0 && e.in_hall);

    e.acceptance_conditions = d.conditions.to_string();
    e.process = process_text(d, online, &location, &handler);
    e.process_steps = steps(d.ty, d.promised, &handler, d.unit);

    match &d.fee {
        Some(f) => {
            e.is_fee = true;
            e.fee_basis = f.basis.to_string();
            e.fees = f
                .items
                .iter()
                .map(|(name, standard)| Fee {
                    name: (*name).to_string(),
                    standard: (*standard).to_string(),
                    basis: f.basis.to_string(),
                    reducible: f.reducible,
                })
                .collect();
            e.online_payment = online;
        }
        None => {
            e.is_fee = false;
            e.fee_basis = String::new();
            e.fees = Vec::new();
            e.online_payment = false;
        }
    }

    e.faqs = d
        .faqs
        .iter()
        .map(|(q, a)| Faq {
            question: (*q).to_string(),
            answer: (*a).to_string(),
        })
        .collect();
    e.faqs.extend(generic_faqs(d, &imp.phone));
    e.materials = materials(d)?;
    e.form = forms::form(d.code);
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_types_follow_rule_2() {
        assert_eq!(result_type("营业执照"), "1");
        assert_eq!(result_type("食品经营许可证"), "1");
        assert_eq!(result_type("无犯罪记录证明"), "2");
        assert_eq!(result_type("项目核准批复文件"), "3");
        assert_eq!(result_type("准予注销登记通知书"), "2");
        assert_eq!(result_type("生育登记服务单"), "9");
    }

    #[test]
    fn step_limits_sum_to_the_promise() {
        for ty in ["01", "05", "07", "08", "09", "10", "20"] {
            for p in 0..30 {
                let s = steps(ty, p, "x", "1");
                assert_eq!(s.iter().map(|s| s.limit).sum::<i64>(), p, "{ty} {p}");
                assert!(s.iter().all(|s| s.limit >= 0));
            }
        }
    }
}
