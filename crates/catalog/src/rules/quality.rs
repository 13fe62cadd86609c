//! The data-quality rules on submission (docs/standards/service-items.md §4.8): what a
//! complete item must also be consistent about.

use super::APPLICATION_TYPES;
use super::check::Check;
use crate::model::Elements;

/// The data-quality rules of docs/standards/service-items.md §4.8 (Wenzhou/Zhejiang item audit).
pub(super) fn quality(e: &Elements, c: &mut Check) {
    // 1. 承诺时限 = 即办 ⇔ 即办件.
    if e.promised_limit == 0 && e.case_type == "2" {
        c.push(
            "case_type",
            "q1.instant",
            "承诺办结时限为即办（0）时，办件类型应为即办件",
            "A promised limit of 0 (instant) requires the case type 'instant'",
        );
    }
    if e.promised_limit > 0 && e.case_type == "1" {
        c.push(
            "case_type",
            "q1.instant",
            "即办件的承诺办结时限应为即办（0）",
            "An instant item must have a promised limit of 0",
        );
    }
    // 2. Result name ⇒ result type and sample, and the type matches the name.
    if e.item_type == "01" && e.result_name.trim().is_empty() {
        c.push(
            "result_name",
            "q2.result",
            "行政许可事项须填写审批结果名称",
            "A licensing item needs a result name",
        );
    }
    let rn = e.result_name.trim();
    if !rn.is_empty() {
        if e.result_type.is_empty() {
            c.push(
                "result_type",
                "q2.result",
                "填写了审批结果名称时须选择审批结果类型",
                "A result name needs a result type",
            );
        }
        if e.result_sample.trim().is_empty() {
            c.push(
                "result_sample",
                "q2.result",
                "填写了审批结果名称时须提供结果样本",
                "A result name needs a result sample",
            );
        }
        let expect = if rn.contains("批复") || rn.contains("批文") {
            Some(("3", "审批办结"))
        } else if (rn.ends_with('证') || rn.ends_with("证书"))
            && !rn.ends_with("凭证")
            && !rn.ends_with("证明")
        {
            Some(("1", "出证办结"))
        } else if rn.ends_with('文') {
            Some(("2", "出文办结"))
        } else {
            None
        };
        if let Some((code, zh)) = expect
            && !e.result_type.is_empty()
            && e.result_type != code
        {
            c.push(
                "result_type",
                "q2.result_type",
                format!("结果名称“{rn}”对应的审批结果类型应为{zh}"),
                format!("The result \"{rn}\" implies result type {code}"),
            );
        }
    }
    // 3. Visits ⇔ reason.
    if e.visits > 0 && e.visits_reason.trim().is_empty() {
        c.push(
            "visits_reason",
            "q3.visits_reason",
            "到办事现场次数不为0时须说明必须现场办理的原因",
            "A visit count above 0 needs the reason why the visit is necessary",
        );
    }
    if e.visits == 0 && !e.visits_reason.trim().is_empty() {
        c.push(
            "visits_reason",
            "q3.visits_reason",
            "到办事现场次数为0时不应填写现场办理原因",
            "With no visits there is no reason for a visit",
        );
    }
    // 4. No visit and not online ⇒ by post.
    let online = e.handling_forms.iter().any(|f| f == "2" || f == "3");
    if APPLICATION_TYPES.contains(&e.item_type.as_str())
        && e.visits == 0
        && !online
        && !e.handling_forms.iter().any(|f| f == "4")
    {
        c.push(
            "handling_forms",
            "q4.no_visit_channel",
            "零跑动且不支持网办的事项，办理形式须包含快递申请",
            "With no visit and no online channel, the handling forms must include post",
        );
    }
    // 5. 全程网办 (Ⅳ) ⇒ 0 visits: guaranteed by the derivation of the level; a fully online
    //    capability set with visits is reported so the editor knows the level dropped to Ⅲ.
    let full = ["1", "2", "3", "4", "5", "6"]
        .iter()
        .all(|d| e.online_depth.iter().any(|x| x == d));
    if full && e.visits > 0 {
        c.push(
            "visits",
            "q5.full_online",
            "网办深度为全程网办时到办事现场次数应为0",
            "A fully online item needs 0 visits",
        );
    }
    // 6. Fees.
    if e.is_fee {
        if e.fee_basis.trim().is_empty() {
            c.push(
                "fee_basis",
                "q6.fee",
                "收费事项须填写收费依据",
                "A charged item needs the legal basis of the fee",
            );
        }
        if e.fees.is_empty() {
            c.push(
                "fees",
                "q6.fee",
                "收费事项须列出收费项目",
                "A charged item needs its fee items",
            );
        }
        for (i, f) in e.fees.iter().enumerate() {
            c.required(&format!("fees[{i}].name"), &f.name);
            c.required(&format!("fees[{i}].standard"), &f.standard);
        }
    } else {
        if e.online_payment {
            c.push(
                "online_payment",
                "q6.fee",
                "不收费事项不应支持网上支付",
                "An item without fees cannot offer online payment",
            );
        }
        if !e.fees.is_empty() {
            c.push(
                "fees",
                "q6.fee",
                "不收费事项不应有收费项目",
                "An item without fees cannot have fee items",
            );
        }
    }
    // 7. Phones differ and carry an area code; a precise address; hours mention working days.
    let area = |s: &str| {
        let s = s.trim();
        match s.split_once('-') {
            Some((a, n)) => {
                a.starts_with('0')
                    && (3..=4).contains(&a.len())
                    && a.bytes().all(|b| b.is_ascii_digit())
                    && (5..=8).contains(&n.len())
                    && n.bytes().all(|b| b.is_ascii_digit())
            }
            None => false,
        }
    };
    if !e.consult_phone.is_empty() && !area(&e.consult_phone) {
        c.push(
            "consult_phone",
            "q7.area_code",
            "咨询电话须带区号（如 0759-3388123）",
            "The enquiry phone needs its area code (e.g. 0759-3388123)",
        );
    }
    if !e.supervise_phone.is_empty() && !area(&e.supervise_phone) {
        c.push(
            "supervise_phone",
            "q7.area_code",
            "监督投诉电话须带区号（如 0759-12345）",
            "The complaints phone needs its area code (e.g. 0759-12345)",
        );
    }
    if !e.consult_phone.is_empty() && e.consult_phone.trim() == e.supervise_phone.trim() {
        c.push(
            "supervise_phone",
            "q7.same_phone",
            "监督投诉电话不能与咨询电话相同",
            "The complaints phone must differ from the enquiry phone",
        );
    }
    if !e.location.is_empty()
        && !["窗口", "室", "号", "楼", "层", "厅"]
            .iter()
            .any(|k| e.location.contains(k))
    {
        c.push(
            "location",
            "q7.location",
            "办理地点应精确到大厅、楼层、窗口或房间",
            "The location must be precise to the hall, floor, window or room",
        );
    }
    if !e.hours.is_empty()
        && !["工作日", "周一", "星期一", "24小时"]
            .iter()
            .any(|k| e.hours.contains(k))
    {
        c.push(
            "hours",
            "q7.hours",
            "办理时间应说明工作日及时段",
            "The hours must state the working days and times",
        );
    }
    // 8. Service objects agree with the themes; licensing items have FAQs and a step table
    //    whose durations fit in the promised limit.
    let has_obj = |codes: &[&str]| {
        e.service_objects
            .iter()
            .any(|o| codes.contains(&o.as_str()))
    };
    if !e.personal_themes.is_empty() && !has_obj(&["1"]) {
        c.push(
            "personal_themes",
            "q8.themes",
            "填写了自然人主题，服务对象须包含自然人",
            "Personal themes need the service object 'natural person'",
        );
    }
    if !e.enterprise_themes.is_empty() && !has_obj(&["2", "3", "4", "6"]) {
        c.push(
            "enterprise_themes",
            "q8.themes",
            "填写了法人主题，服务对象须包含法人或其他组织",
            "Enterprise themes need an organisation among the service objects",
        );
    }
    if has_obj(&["1"])
        && e.personal_themes.is_empty()
        && APPLICATION_TYPES.contains(&e.item_type.as_str())
    {
        c.push(
            "personal_themes",
            "q8.themes",
            "服务对象包含自然人时须选择自然人主题",
            "With natural persons among the service objects, choose a personal theme",
        );
    }
    if has_obj(&["2"])
        && e.enterprise_themes.is_empty()
        && APPLICATION_TYPES.contains(&e.item_type.as_str())
    {
        c.push(
            "enterprise_themes",
            "q8.themes",
            "服务对象包含企业法人时须选择法人主题",
            "With enterprises among the service objects, choose an enterprise theme",
        );
    }
    if e.item_type == "01" {
        if e.faqs.is_empty() {
            c.push(
                "faqs",
                "q8.faq",
                "行政许可事项至少需要一条常见问题",
                "A licensing item needs at least one FAQ",
            );
        }
        if e.process_steps.is_empty() {
            c.push(
                "process_steps",
                "q8.steps",
                "行政许可事项须以表格列出办理环节",
                "A licensing item needs its process as a table of steps",
            );
        }
    }
    let steps: i64 = e.process_steps.iter().map(|s| s.limit).sum();
    if !e.process_steps.is_empty() && steps > e.promised_limit {
        c.push(
            "process_steps",
            "q8.steps_limit",
            format!(
                "各环节时限之和（{steps}）超过承诺办结时限（{}）",
                e.promised_limit
            ),
            format!(
                "The steps take {steps} in total, more than the promised limit of {}",
                e.promised_limit
            ),
        );
    }
}
