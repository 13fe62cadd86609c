use super::errors::form_field;
use super::*;

/// Every template renders on its own — with nothing but the common context, for an
/// anonymous visitor, a member of staff and a person acting for an enterprise, in both
/// languages and in elder mode — so a template error never waits for a page test to find
/// the one route that shows it.
#[test]
fn every_template_renders() {
    let t = Templates::new().unwrap();
    let staff = UserView {
        name: "张三".into(),
        username: "zhangsan".into(),
        department: "湛江市市场监督管理局".into(),
        roles: "事项编辑员".into(),
    };
    let person = PersonView {
        name: "李四".into(),
        acting_for: Some(ActingView {
            org_id: 1,
            name: "湛江市示例有限公司".into(),
            uscc: "91440800MA4UXXXX0X".into(),
            administrator: true,
        }),
    };
    let mut failures = Vec::new();
    for (name, src) in template_sources() {
        let page = src.contains("{% extends");
        for lang in ["zh", "en"] {
            for (who, user, person) in [
                ("anonymous", None, None),
                ("staff", Some(&staff), None),
                ("person", None, Some(&person)),
            ] {
                let ctx = context! {
                    lang, elder => lang == "en", csrf => "t", path => "/x",
                    user => ser(&user), person => ser(&person), nav => "",
                    error => ser(&ErrorView::of(&Error::field(yiwang_kernel::FieldError::required("name")), Lang::Zh)),
                    // The least a page about one item needs.
                    name => "示例事项",
                    e => ser(&yiwang_catalog::Elements::default()),
                    item => context! { code => "11440800MB2C12340X4000117008000", status => "published", division_name => "湛江市" },
                    version => context! { version_no => 1 },
                };
                let html = match t.render(name, ctx) {
                    Ok(h) => h,
                    Err(e) => {
                        failures.push(format!("{name} ({lang}, {who}): {e}"));
                        continue;
                    }
                };
                if page {
                    assert!(html.contains("</html>"), "{name} ({lang}, {who})");
                }
                if who == "person" && page {
                    assert!(
                        html.contains("湛江市示例有限公司"),
                        "{name}: acting-for banner"
                    );
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn field_problems_are_grouped_by_form_field() {
    let e = Error::validation(vec![
        yiwang_kernel::FieldError::required("scopes[0]"),
        yiwang_kernel::FieldError::required("name"),
    ]);
    let v = ErrorView::of(&e, Lang::Zh);
    assert!(v.by_field.contains_key("scopes"));
    assert!(v.by_field.contains_key("name"));
    assert_eq!(form_field("materials[2].name"), "materials");
    assert_eq!(form_field("id_number"), "id_number");
}
