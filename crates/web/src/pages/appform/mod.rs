//! Application forms on pages (申请表单): an item's form fields as inputs by kind, the submitted
//! multipart body turned into the form JSON the cases domain validates, material files
//! uploaded through [`yiwang_cases::CaseService::upload`], and each problem placed next to its
//! input and named by its label in the page's error summary.
//!
//! Input names: a field is `f.<key>` (a multiple choice repeats it), a table cell
//! `f.<key>.<row>.<column>`, a material's file `m.<entry>` with the ticket of a file already
//! uploaded in `t.<entry>` and its name in `tn.<entry>` (kept when the page is shown again
//! after a problem, so nothing is uploaded twice). Empty table rows are dropped and the rest
//! renumbered from 0 before validation, so a problem at `form.staff[1].name` is the second
//! non-empty row as shown again.
//!
//! Validation is the domain's: this module only reshapes what the browser sent (numbers stay
//! the strings typed; the server normalises them).
//!
//! By job: `read` (the submitted values; the multipart body itself is read by
//! [`crate::transfer::read_multipart`]), `errors` (problems on their inputs), `render`
//! (fields as inputs, forms shown read-only) and `uploads` (materials).

mod errors;
mod read;
mod render;
mod uploads;

pub(crate) use errors::input_of;
pub use errors::{ErrText, Errs, error_view, input_id, place_errors};
pub use read::{Values, changed_fields, editable, form_json, submitted_values, values_of_json};
pub use render::{division_choices, field_views, shown_form, shown_prefills};
pub use uploads::{
    mark_replaced, material_extras, material_views, offer_licences, upload_materials,
};

/// Rows of a table shown empty for the applicant to fill.
pub const EMPTY_ROWS: usize = 3;

/// The file types a material input offers (the server decides by content).
pub const ACCEPT: &str = ".pdf,.jpg,.jpeg,.png,.ofd";

/// A fresh idempotency key for one application form (sent back as a hidden field).
pub fn idempotency_key() -> String {
    let bytes: [u8; 16] = rand::random();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("page-{hex}")
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use serde_json::json;
    use yiwang_forms::FormField;
    use yiwang_kernel::i18n::Lang;
    use yiwang_kernel::{Error, FieldError};

    use super::errors::label_of_input;
    use super::render::{mask_id, mask_phone};
    use super::*;

    fn food() -> Vec<FormField> {
        serde_json::from_value(json!([
            {"key": "name", "label": "名称", "kind": "text", "required": true},
            {"key": "items", "label": "项目", "kind": "multi_choice", "options": [{"code": "a", "label": "A"}, {"code": "b", "label": "B"}]},
            {"key": "staff", "label": "从业人员", "kind": "table", "columns": [
                {"key": "name", "label": "姓名", "kind": "text", "required": true},
                {"key": "post", "label": "岗位", "kind": "text"}
            ]}
        ]))
        .unwrap()
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn empty_rows_are_dropped_and_the_rest_renumbered() {
        let f = food();
        let v = submitted_values(
            &f,
            &pairs(&[
                ("f.name", " 海滨 "),
                ("f.items", "a"),
                ("f.items", "b"),
                ("f.staff.0.name", ""),
                ("f.staff.0.post", ""),
                ("f.staff.1.name", "张三"),
                ("f.staff.2.post", "厨师"),
                ("other", "x"),
            ]),
        );
        assert_eq!(v.rows("staff"), 2);
        let j = form_json(&f, &v, &BTreeSet::new());
        assert_eq!(
            j,
            json!({"name": "海滨", "items": ["a", "b"], "staff": [{"name": "张三"}, {"post": "厨师"}]})
        );
        let skip = BTreeSet::from(["name".to_string()]);
        assert!(form_json(&f, &v, &skip).get("name").is_none());
        // The stored form shows again as the same values.
        let back = values_of_json(&f, &j);
        assert_eq!(form_json(&f, &back, &BTreeSet::new()), j);
        assert_eq!(changed_fields(&f, &back, &back), json!({}));
    }

    #[test]
    fn a_changed_field_is_sent_and_an_emptied_one_as_null() {
        let f = food();
        let before = values_of_json(&f, &json!({"name": "甲", "items": ["a"]}));
        let after = submitted_values(&f, &pairs(&[("f.name", "乙")]));
        assert_eq!(
            changed_fields(&f, &before, &after),
            json!({"name": "乙", "items": null})
        );
    }

    #[test]
    fn problems_land_on_their_inputs() {
        let refs = vec!["M01".to_string(), "M03".to_string()];
        for (path, input) in [
            ("form.name", "f.name"),
            ("form.items[1]", "f.items"),
            ("form.staff", "f.staff"),
            ("form.staff[2].name", "f.staff.2.name"),
            ("form.staff[0].tags[1]", "f.staff.0.tags"),
            ("form.staff[0]", "f.staff"),
            ("materials.M02", "m.M02"),
            ("materials[1].ticket", "m.M03"),
            ("materials[7].ticket", "materials"),
            ("applicant.cert_no", "applicant.cert_no"),
            ("items[0].reason", "items"),
            ("reason", "reason"),
        ] {
            assert_eq!(input_of(path, &refs), input, "{path}");
        }
        let e = Error::validation(vec![
            FieldError::required("form.name"),
            FieldError::max_chars("form.name", 3),
        ]);
        let errs = place_errors(&e, Lang::Zh, &[]);
        let t = &errs["f.name"];
        assert_eq!(t.id, "f-name-error");
        assert!(t.text.contains('；') && !t.text.is_ascii(), "{t:?}");
        let table = food();
        assert_eq!(
            label_of_input("f.staff.0.name", &table, &[], Lang::Zh),
            "从业人员第1行 · 姓名"
        );
        assert_eq!(label_of_input("f.name", &table, &[], Lang::Zh), "名称");
        assert_eq!(label_of_input("f.nothing", &table, &[], Lang::Zh), "");
    }

    #[test]
    fn numbers_are_masked_when_shown() {
        assert_eq!(mask_id("440802199001011238"), "440802********1238");
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("0759-1234567"), "0759-***4567");
        let f: Vec<FormField> = serde_json::from_value(json!([
            {"key": "id", "label": "身份证", "kind": "id_number"},
            {"key": "p", "label": "电话", "kind": "phone"}
        ]))
        .unwrap();
        let shown = shown_form(
            &f,
            &json!({"id": "440802199001011238", "p": "13812345678"}),
            Lang::Zh,
        );
        assert_eq!(shown[0].text, "440802********1238");
        assert_eq!(shown[1].text, "138****5678");
    }

    #[test]
    fn tables_show_three_empty_rows_or_one_more_than_filled() {
        let f = food();
        let views = field_views(
            &f,
            &Values::default(),
            &Errs::new(),
            Lang::Zh,
            &BTreeMap::new(),
            false,
        );
        assert_eq!(views[2].rows.len(), EMPTY_ROWS);
        assert_eq!(views[2].rows[1][0].name, "f.staff.1.name");
        assert_eq!(views[2].rows[1][0].id, "f-staff-1-name");
        let v = submitted_values(
            &f,
            &pairs(&[
                ("f.staff.0.name", "a"),
                ("f.staff.1.name", "b"),
                ("f.staff.2.name", "c"),
            ]),
        );
        let views = field_views(&f, &v, &Errs::new(), Lang::Zh, &BTreeMap::new(), false);
        assert_eq!(views[2].rows.len(), 4);
        assert!(views[1].options.iter().all(|o| !o.selected));
    }
}
