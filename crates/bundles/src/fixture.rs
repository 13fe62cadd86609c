//! A small bundle and its items for the unit tests (a restaurant: the business licence, the
//! food licence after it, a signboard permit on a question).

use std::collections::HashMap;

use serde_json::json;

use crate::model::{Bundle, ItemSpec};

pub fn bundle() -> Bundle {
    let v = json!({
        "code": "open-shop",
        "name": "开店一件事",
        "theme": "开店经营",
        "holder": "person",
        "promised_days": 5,
        "questions": [
            {"key": "sells_food", "text": "是否销售食品？", "choices": [
                {"value": "yes", "label": "是"}, {"value": "no", "label": "否"}]},
            {"key": "sign", "text": "是否设置招牌？", "choices": [
                {"value": "yes", "label": "是"}, {"value": "no", "label": "否"}]}
        ],
        "fields": [
            {"key": "shop_name", "label": "店名", "kind": "text", "required": true, "max_len": 50},
            {"key": "street", "label": "街道", "kind": "text", "required": true, "max_len": 50},
            {"key": "number", "label": "门牌号", "kind": "text", "required": true, "max_len": 20},
            {"key": "area", "label": "面积（平方米）", "kind": "number", "required": true, "min": 1, "max": 10000},
            {"key": "sign_text", "label": "招牌文字", "kind": "text", "max_len": 20},
            {"key": "kind", "label": "经营类别", "kind": "choice", "required": true,
             "options": [{"code": "meal", "label": "餐饮"}, {"code": "retail", "label": "零售"}]}
        ],
        "materials": [
            {"key": "lease", "name": "经营场所使用证明"},
            {"key": "layout", "name": "经营场所平面图"}
        ],
        "parts": [
            {"key": "business", "item": "A1", "fields": [
                {"to": "name", "from": {"field": {"field": "shop_name"}}},
                {"to": "address", "from": {"join": {"fields": ["street", "number"], "separator": ""}}}
             ], "materials": [{"entry": "M01", "material": "lease"}]},
            {"key": "food", "item": "B1", "after": ["business"],
             "when": {"answer": {"question": "sells_food", "values": ["yes"]}},
             "fields": [
                {"to": "licence_no", "from": {"result": {"part": "business", "value": "number"}}},
                {"to": "category", "from": {"field": {"field": "kind", "transform": {"map": {"table": [["meal", "01"], ["retail", "02"]]}}}}},
                {"to": "area_h", "from": {"field": {"field": "area", "transform": {"scale": {"factor": 0.01}}}}}
             ], "materials": [{"entry": "M01", "material": "lease"}, {"entry": "M02", "material": "layout"}]},
            {"key": "sign", "item": "C1",
             "when": {"answer": {"question": "sign", "values": ["yes"]}},
             "fields": [
                {"to": "text", "from": {"field": {"field": "sign_text"}}},
                {"to": "source", "from": {"const": {"value": "一件事"}}}
             ], "materials": [{"entry": "M01", "material": "layout"}]}
        ]
    });
    serde_json::from_value(v).unwrap_or_default()
}

pub fn items() -> HashMap<String, ItemSpec> {
    let form = |v: serde_json::Value| serde_json::from_value(v).unwrap_or_default();
    let mut m = HashMap::new();
    m.insert("A1".to_string(), ItemSpec {
        code: "A1".into(), name: "个体工商户设立登记".into(), department_id: 1, promised_days: 3, online: true,
        person_only: Some(true),
        form: form(json!([
            {"key": "name", "label": "名称", "kind": "text", "required": true},
            {"key": "address", "label": "经营场所", "kind": "text", "required": true},
            {"key": "operator", "label": "经营者", "kind": "text", "required": true, "prefill": "applicant_name"}
        ])),
        materials: vec![("M01".into(), "经营场所证明".into(), true), ("M09".into(), "委托书".into(), false)],
        ..ItemSpec::default()
    });
    m.insert("B1".to_string(), ItemSpec {
        code: "B1".into(), name: "食品经营许可证核发".into(), department_id: 1, promised_days: 10, online: true,
        form: form(json!([
            {"key": "licence_no", "label": "营业执照号", "kind": "text", "required": true},
            {"key": "category", "label": "类别", "kind": "choice", "required": true,
             "options": [{"code": "01", "label": "餐饮服务"}, {"code": "02", "label": "食品销售"}]},
            {"key": "area_h", "label": "面积（百平方米）", "kind": "number", "decimals": 2}
        ])),
        materials: vec![("M01".into(), "场所证明".into(), true), ("M02".into(), "平面图".into(), true)],
        ..ItemSpec::default()
    });
    m.insert(
        "C1".to_string(),
        ItemSpec {
            code: "C1".into(),
            name: "招牌设置".into(),
            department_id: 2,
            promised_days: 5,
            online: true,
            form: form(json!([
                {"key": "text", "label": "招牌文字", "kind": "text", "required": true},
                {"key": "source", "label": "来源", "kind": "text"}
            ])),
            materials: vec![("M01".into(), "效果图".into(), false)],
            ..ItemSpec::default()
        },
    );
    m
}
