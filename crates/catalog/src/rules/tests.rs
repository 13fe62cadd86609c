use super::*;
use crate::model::{Faq, Fee, Material, ProcessStep};

/// A complete, quality-clean licensing item.
pub(crate) fn good() -> Elements {
    Elements {
        name: "食品经营许可证核发".into(),
        basic_code: "000117008000".into(),
        item_type: "01".into(),
        legal_basis: "《中华人民共和国食品安全法》第三十五条".into(),
        department_name: "湛江市市场监督管理局".into(),
        department_uscc: "11440800MB2C0000XX".into(),
        exercise_level: "3".into(),
        subject_nature: "1".into(),
        power_source: "1".into(),
        acceptance_conditions: "申请人取得营业执照等合法主体资格".into(),
        process: "申请—受理—审查—决定—送达".into(),
        process_steps: vec![
            ProcessStep {
                name: "受理".into(),
                limit: 1,
                description: String::new(),
            },
            ProcessStep {
                name: "审查".into(),
                limit: 5,
                description: String::new(),
            },
            ProcessStep {
                name: "决定".into(),
                limit: 1,
                description: String::new(),
            },
        ],
        statutory_limit: 20,
        statutory_unit: "1".into(),
        promised_limit: 7,
        promised_unit: "1".into(),
        case_type: "2".into(),
        result_type: "1".into(),
        result_name: "食品经营许可证".into(),
        result_sample: "https://zwfw.zhanjiang.gov.cn/samples/spjyxkz.pdf".into(),
        service_objects: vec!["2".into()],
        enterprise_themes: vec!["E02".into()],
        handling_forms: vec!["1".into(), "2".into()],
        online_depth: ["1", "2", "3", "4", "5", "6"].map(String::from).to_vec(),
        online_url: "https://www.gdzwfw.gov.cn/".into(),
        location: "湛江市政务服务中心二楼 A区 12号窗口".into(),
        hours: "工作日 上午8:30-12:00，下午14:30-17:30".into(),
        consult_phone: "0759-3388123".into(),
        supervise_phone: "0759-12345".into(),
        faqs: vec![Faq {
            question: "需要现场核查吗？".into(),
            answer: "仅经营场所变更时需要。".into(),
        }],
        materials: vec![Material {
            key: "M01".into(),
            name: "食品经营许可申请书".into(),
            source: "1".into(),
            originals: 1,
            format: "3".into(),
            required: true,
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn rules(v: &[FieldError]) -> Vec<(String, String)> {
    v.iter()
        .map(|e| (e.field.clone(), e.rule.clone()))
        .collect()
}

#[test]
fn a_good_item_passes_everything() {
    assert_eq!(rules(&for_submission(&good())), vec![]);
}

#[test]
fn rule_1_instant_matches_case_type() {
    let mut e = good();
    e.promised_limit = 0;
    e.process_steps.clear();
    assert!(rules(&for_submission(&e)).contains(&("case_type".into(), "q1.instant".into())));
}

#[test]
fn rule_2_result_type_follows_the_name() {
    let mut e = good();
    e.result_type = "2".into();
    assert!(rules(&for_submission(&e)).contains(&("result_type".into(), "q2.result_type".into())));
    e.result_name = "建设项目批复".into();
    e.result_type = "3".into();
    assert!(
        !rules(&for_submission(&e))
            .iter()
            .any(|(_, r)| r == "q2.result_type")
    );
    e.result_sample.clear();
    assert!(rules(&for_submission(&e)).contains(&("result_sample".into(), "q2.result".into())));
}

#[test]
fn rule_3_visits_need_a_reason() {
    let mut e = good();
    e.visits = 1;
    let r = rules(&for_submission(&e));
    assert!(r.contains(&("visits_reason".into(), "q3.visits_reason".into())));
    assert!(r.contains(&("visits".into(), "q5.full_online".into())));
}

#[test]
fn rule_4_zero_visits_offline_needs_post() {
    let mut e = good();
    e.handling_forms = vec!["1".into()];
    e.online_url.clear();
    assert!(
        rules(&for_submission(&e))
            .contains(&("handling_forms".into(), "q4.no_visit_channel".into()))
    );
    e.handling_forms.push("4".into());
    assert!(
        !rules(&for_submission(&e))
            .iter()
            .any(|(_, r)| r == "q4.no_visit_channel")
    );
}

#[test]
fn rule_6_fees() {
    let mut e = good();
    e.online_payment = true;
    assert!(rules(&for_submission(&e)).contains(&("online_payment".into(), "q6.fee".into())));
    e.is_fee = true;
    let r = rules(&for_submission(&e));
    assert!(r.contains(&("fee_basis".into(), "q6.fee".into())));
    assert!(r.contains(&("fees".into(), "q6.fee".into())));
    e.fee_basis = "粤价〔2019〕1号".into();
    e.fees = vec![Fee {
        name: "工本费".into(),
        standard: "每证10元".into(),
        ..Default::default()
    }];
    assert!(
        !rules(&for_submission(&e))
            .iter()
            .any(|(_, r)| r == "q6.fee")
    );
}

#[test]
fn rule_7_phones_location_hours() {
    let mut e = good();
    e.supervise_phone = e.consult_phone.clone();
    e.location = "湛江市".into();
    e.hours = "上午".into();
    let r = rules(&for_submission(&e));
    assert!(r.contains(&("supervise_phone".into(), "q7.same_phone".into())));
    assert!(r.contains(&("location".into(), "q7.location".into())));
    assert!(r.contains(&("hours".into(), "q7.hours".into())));
    e.consult_phone = "3388123".into();
    assert!(rules(&for_submission(&e)).contains(&("consult_phone".into(), "q7.area_code".into())));
}

#[test]
fn rule_8_themes_faq_and_steps() {
    let mut e = good();
    e.personal_themes = vec!["P05".into()];
    e.faqs.clear();
    e.process_steps[1].limit = 50;
    let r = rules(&for_submission(&e));
    assert!(r.contains(&("personal_themes".into(), "q8.themes".into())));
    assert!(r.contains(&("faqs".into(), "q8.faq".into())));
    assert!(r.contains(&("process_steps".into(), "q8.steps_limit".into())));
}

#[test]
fn shape_errors_name_nested_fields() {
    let mut e = good();
    e.materials[0].licence_type = "123".into();
    e.materials[0].originals = -1;
    e.materials[0].replaced_by = "credit".into();
    e.service_objects = vec!["9".into()];
    e.online_url = "ftp://x".into();
    let r = rules(&shape(&e));
    assert!(r.contains(&(
        "materials[0].licence_type".into(),
        "licence_type.format".into()
    )));
    assert!(r.contains(&("materials[0].originals".into(), "range".into())));
    assert!(r.contains(&(
        "materials[0].replaced_by".into(),
        "material.replaced_by".into()
    )));
    e.materials[0].replaced_by = "population".into();
    assert!(
        !rules(&shape(&e))
            .iter()
            .any(|(f, _)| f == "materials[0].replaced_by")
    );
    assert!(r.contains(&("service_objects[0]".into(), "code.unknown".into())));
    assert!(r.contains(&("online_url".into(), "url".into())));
}

#[test]
fn shape_checks_the_form_and_the_workflow() {
    let mut e = good();
    e.form = serde_json::from_value(serde_json::json!([
        {"key": "Bad", "label": "名称", "kind": "text"},
        {"key": "kind", "label": "类型", "kind": "choice"}
    ]))
    .unwrap();
    e.workflow = Some(
        serde_json::from_value(serde_json::json!({
            "code": "", "version": 1, "name": "流程", "stages": []
        }))
        .unwrap(),
    );
    let r = rules(&shape(&e));
    for (field, rule) in [
        ("form[0].key", "form.key"),
        ("form[1].options", "form.options_required"),
        ("workflow.code", "required"),
        ("workflow.stages", "workflow.no_stages"),
    ] {
        assert!(
            r.contains(&(field.into(), rule.into())),
            "{field} {rule}: {r:?}"
        );
    }
    assert_eq!(rules(&for_submission(&e)).len(), r.len());
}

#[test]
fn licence_type_codes() {
    assert!(licence_type_ok("11100000000013127D001"));
    assert!(!licence_type_ok("11100000000013127D00"));
    assert!(!licence_type_ok("11100000000013127X001"));
    assert!(!licence_type_ok("证照类型代码证照类型代"));
}
