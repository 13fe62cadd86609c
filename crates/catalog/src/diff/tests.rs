use super::*;
use yiwang_forms::FieldKind;

fn base() -> Elements {
    Elements {
        name: "食品经营许可".into(),
        promised_limit: 10,
        promised_unit: "1".into(),
        is_fee: false,
        service_objects: vec!["1".into()],
        materials: vec![
            Material {
                key: "M01".into(),
                name: "申请书".into(),
                required: true,
                ..Default::default()
            },
            Material {
                key: "M02".into(),
                name: "营业执照".into(),
                ..Default::default()
            },
        ],
        form: vec![FormField {
            key: "shop".into(),
            label: "店名".into(),
            kind: FieldKind::Text,
            ..Default::default()
        }],
        fees: vec![Fee {
            name: "工本费".into(),
            standard: "每件10元".into(),
            ..Default::default()
        }],
        ..Default::default()
    }
}

#[test]
fn the_same_elements_have_no_changes() {
    assert_eq!(compare(&base(), &base()), Vec::new());
    assert_eq!(
        compare(&Elements::default(), &Elements::default()),
        Vec::new()
    );
}

#[test]
fn a_changed_field_shows_old_and_new() {
    let mut n = base();
    n.promised_limit = 5;
    n.acceptance_conditions = "年满十八周岁".into();
    n.is_fee = true;
    n.service_objects = vec!["1".into(), "2".into()];
    let c = compare(&base(), &n);
    assert_eq!(c.len(), 4, "{c:#?}");
    let limit = c.iter().find(|c| c.field == "promised_limit").unwrap();
    assert_eq!(limit.section, Section::Limits);
    assert_eq!(limit.kind, Kind::Changed);
    assert_eq!(
        (&limit.old, &limit.new),
        (&Shown::Number(10), &Shown::Number(5))
    );
    let cond = c
        .iter()
        .find(|c| c.field == "acceptance_conditions")
        .unwrap();
    assert_eq!(cond.old, Shown::None, "was empty");
    assert_eq!(cond.new, Shown::Text("年满十八周岁".into()));
    let fee = c.iter().find(|c| c.field == "is_fee").unwrap();
    assert_eq!(
        (&fee.old, &fee.new),
        (&Shown::Flag(false), &Shown::Flag(true))
    );
    let objects = c.iter().find(|c| c.field == "service_objects").unwrap();
    assert_eq!(
        objects.new,
        Shown::Codes {
            table: "service_object",
            codes: vec!["1".into(), "2".into()]
        }
    );
    // In the order of the editor's sections.
    let order: Vec<&str> = c.iter().map(|c| c.field).collect();
    assert_eq!(
        order,
        [
            "acceptance_conditions",
            "promised_limit",
            "is_fee",
            "service_objects"
        ]
    );
}

#[test]
fn materials_are_matched_by_key_added_removed_and_changed() {
    let mut n = base();
    // M01 renamed and made optional, M02 removed, a new M03 added before it.
    n.materials[0].name = "申请书（原件）".into();
    n.materials[0].required = false;
    n.materials.remove(1);
    n.materials.push(Material {
        key: "M03".into(),
        name: "场所平面图".into(),
        ..Default::default()
    });
    let c = compare(&base(), &n);
    let m: Vec<&Change> = c.iter().filter(|c| c.field == "materials").collect();
    assert_eq!(m.len(), 4, "{m:#?}");
    assert_eq!(m[0].part, Some("name"));
    assert_eq!(m[0].entry.as_ref().unwrap().key, "M01");
    assert_eq!(m[0].old, Shown::Text("申请书".into()));
    assert_eq!(m[0].new, Shown::Text("申请书（原件）".into()));
    assert_eq!(m[1].part, Some("required"));
    assert_eq!(
        (&m[1].old, &m[1].new),
        (&Shown::Flag(true), &Shown::Flag(false))
    );
    assert_eq!(m[2].kind, Kind::Added);
    assert_eq!(m[2].entry.as_ref().unwrap().key, "M03");
    assert_eq!(m[2].new, Shown::Text("场所平面图".into()));
    assert_eq!(m[3].kind, Kind::Removed);
    assert_eq!(m[3].entry.as_ref().unwrap().name, "营业执照");
    assert_eq!(
        (&m[3].old, &m[3].new),
        (&Shown::Text("营业执照".into()), &Shown::None)
    );
    // Reordering alone is no change.
    let mut r = base();
    r.materials.reverse();
    assert!(compare(&base(), &r).is_empty());
}

#[test]
fn form_fields_are_matched_by_key() {
    let mut n = base();
    n.form[0].required = true;
    n.form[0].max_len = Some(50);
    n.form.push(FormField {
        key: "area".into(),
        label: "经营面积".into(),
        kind: FieldKind::Number,
        ..Default::default()
    });
    let c = compare(&base(), &n);
    let f: Vec<(Option<&str>, Kind)> = c
        .iter()
        .filter(|c| c.field == "form")
        .map(|c| (c.part, c.kind))
        .collect();
    assert_eq!(
        f,
        [
            (Some("required"), Kind::Changed),
            (Some("settings"), Kind::Changed),
            (None, Kind::Added)
        ]
    );
    let mut gone = base();
    gone.form.clear();
    let c = compare(&base(), &gone);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].kind, Kind::Removed);
    assert_eq!(c[0].old, Shown::Text("店名".into()));
}

#[test]
fn rows_without_keys_are_compared_by_position() {
    let mut n = base();
    n.fees[0].standard = "每件20元".into();
    n.fees.push(Fee {
        name: "加急费".into(),
        ..Default::default()
    });
    n.process_steps.push(ProcessStep {
        name: "受理".into(),
        limit: 1,
        description: String::new(),
    });
    let c = compare(&base(), &n);
    let got: Vec<(&str, String, Option<&str>, Kind)> = c
        .iter()
        .map(|c| (c.field, c.entry.clone().unwrap().key, c.part, c.kind))
        .collect();
    assert_eq!(
        got,
        [
            ("process_steps", "1".to_string(), None, Kind::Added),
            ("fees", "1".to_string(), Some("standard"), Kind::Changed),
            ("fees", "2".to_string(), None, Kind::Added),
        ]
    );
}
