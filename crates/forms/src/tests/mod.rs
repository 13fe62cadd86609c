//! Unit tests of the forms crate: shared fixtures here, one file per job beside it.

use serde_json::{Map, Value};
use time::Date;
use time::macros::date;
use yiwang_kernel::FieldError;

use crate::*;

mod definition;
mod props;
mod values;

const TODAY: Date = date!(2026 - 03 - 01);

fn fld(key: &str, label: &str, kind: FieldKind) -> FormField {
    FormField {
        key: key.into(),
        label: label.into(),
        kind,
        ..Default::default()
    }
}

fn req(f: FormField) -> FormField {
    FormField {
        required: true,
        ..f
    }
}

fn opts(codes: &[(&str, &str)]) -> Vec<FormOption> {
    codes
        .iter()
        .map(|(c, l)| FormOption {
            code: (*c).into(),
            label: (*l).into(),
            label_en: String::new(),
        })
        .collect()
}

/// A form with every kind of field.
fn every_kind() -> Vec<FormField> {
    vec![
        FormField {
            prefill: Some(Prefill::OrgName),
            ..req(fld("name", "经营者名称", FieldKind::Text))
        },
        fld("note", "备注", FieldKind::Textarea),
        FormField {
            min: Some(0.0),
            max: Some(10000.0),
            ..fld("capital", "注册资本（万元）", FieldKind::Number)
        },
        FormField {
            decimals: Some(0),
            min: Some(1.0),
            ..fld("staff", "从业人数", FieldKind::Number)
        },
        fld("start", "开业日期", FieldKind::Date),
        FormField {
            options: opts(&[("shop", "食品销售经营者"), ("restaurant", "餐饮服务经营者")]),
            ..req(fld("format", "主体业态", FieldKind::Choice))
        },
        FormField {
            options: opts(&[
                ("prepacked", "预包装食品"),
                ("bulk", "散装食品"),
                ("hot", "热食类食品"),
            ]),
            ..fld("items", "经营项目", FieldKind::MultiChoice)
        },
        fld("legal_id", "法定代表人身份证号", FieldKind::IdNumber),
        FormField {
            prefill: Some(Prefill::OrgUscc),
            ..fld("uscc", "统一社会信用代码", FieldKind::Uscc)
        },
        FormField {
            prefill: Some(Prefill::ApplicantPhone),
            ..fld("phone", "联系电话", FieldKind::Phone)
        },
        fld("division", "经营场所区划", FieldKind::Division),
        fld("address", "经营场所", FieldKind::Address),
        FormField {
            columns: vec![
                req(fld("name", "姓名", FieldKind::Text)),
                req(fld("id_number", "身份证号", FieldKind::IdNumber)),
                fld("health_cert", "健康证号", FieldKind::Text),
            ],
            max_rows: Some(3),
            ..fld("staff_list", "从业人员", FieldKind::Table)
        },
    ]
}

fn rules(errs: &[FieldError]) -> Vec<(String, String)> {
    errs.iter()
        .map(|e| (e.field.clone(), e.rule.clone()))
        .collect()
}

fn has(errs: &[FieldError], field: &str, rule: &str) -> bool {
    errs.iter().any(|e| e.field == field && e.rule == rule)
}

fn check(v: Value) -> Result<Map<String, Value>, Vec<FieldError>> {
    validate_on(&every_kind(), &v, TODAY)
}
