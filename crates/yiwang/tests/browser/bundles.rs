//! A "one thing" bundle over the demo city's items, for the layout check of the bundle pages:
//! two published items a person applies for online, every required field and material of each
//! asked once (the second part on a question), published through the bundles service.

use serde_json::{Value, json};
use yiwang_bundles::{Bundle, ItemSpec};
use yiwang_catalog::search::SearchParams;
use yiwang_kernel::auth::Ctx;
use yiwang_web::AppState;

/// The bundle's code.
pub const CODE: &str = "layout-check";

/// Publishes the bundle; answers its code.
pub async fn seed(state: &AppState) -> String {
    let page = state
        .catalog
        .search(&SearchParams {
            size: Some(100),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut specs: Vec<ItemSpec> = Vec::new();
    for i in &page.items {
        let probe: Bundle =
            serde_json::from_value(json!({"parts": [{"key": "x", "item": i.code}]})).unwrap();
        let found = state.bundles.item_specs(&probe).await.unwrap();
        if let Some(s) = found.get(&i.code)
            && s.online
            && s.person_only != Some(false)
        {
            specs.push(s.clone());
        }
        if specs.len() == 2 {
            break;
        }
    }
    assert_eq!(
        specs.len(),
        2,
        "the demo has two items a person applies for online"
    );
    let (mut fields, mut materials, mut parts) = (Vec::new(), Vec::new(), Vec::new());
    for (n, s) in specs.iter().enumerate() {
        let mut maps = Vec::new();
        for f in s.form.iter().filter(|f| f.required && f.prefill.is_none()) {
            let key = format!("p{n}_{}", f.key);
            let mut merged = serde_json::to_value(f).unwrap();
            merged["key"] = json!(key);
            fields.push(merged);
            maps.push(json!({"to": f.key, "from": {"field": {"field": key}}}));
        }
        let mut served = Vec::new();
        for (entry, name, required) in &s.materials {
            if *required {
                let key = format!("p{n}_{entry}");
                materials.push(json!({"key": key, "name": name}));
                served.push(json!({"entry": entry, "material": key}));
            }
        }
        let mut part: Value =
            json!({"key": format!("part{n}"), "item": s.code, "fields": maps, "materials": served});
        if n == 1 {
            part["when"] = json!({"answer": {"question": "second", "values": ["yes"]}});
        }
        parts.push(part);
    }
    let def: Bundle = serde_json::from_value(json!({
        "code": CODE,
        "name": "版面检查一件事",
        "theme": "版面检查",
        "summary": "两个事项合并申请，用于检查页面在手机和电脑上的版面。",
        "holder": "person",
        "promised_days": 10,
        "questions": [{"key": "second", "text": "是否同时办理第二个事项？", "choices": [
            {"value": "yes", "label": "是"}, {"value": "no", "label": "否"}]}],
        "fields": fields,
        "materials": materials,
        "parts": parts
    }))
    .unwrap();
    let sys = Ctx::system("layout");
    let v = state.bundles.create(&sys, &def).await.unwrap();
    state
        .bundles
        .submit(&sys, CODE, 1, v.revision)
        .await
        .unwrap_or_else(|e| panic!("the layout bundle does not fit the demo's items: {e:?}"));
    state.bundles.review(&sys, CODE, 1, true, "").await.unwrap();
    CODE.to_string()
}
