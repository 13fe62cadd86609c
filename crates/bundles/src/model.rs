//! The vocabulary of a "one thing" bundle (一件事): one version's definition as data.
//!
//! A bundle combines implementation items (实施清单事项) of several departments for one life or
//! business event (主题). The applicant answers a short questionnaire (情形引导) whose answers
//! decide which parts apply, fills one merged form (一张表单) whose fields are mapped to every
//! item field that needs them, and hands in one set of materials (一套材料) attached to every
//! part that needs each. A part may wait for another part's result and take values from it
//! (the business licence's number flows into the food licence form).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yiwang_forms::FormField;

/// Reads a definition from its JSON text (the export's and the editor's format). An error
/// names where it is (`parts[1].when`) and what is wrong; unknown keys are refused.
pub fn parse(text: &str) -> Result<Bundle, yiwang_kernel::FieldError> {
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize::<_, Bundle>(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let field = if path == "." { String::new() } else { path };
        if inner.is_syntax() || inner.is_eof() {
            yiwang_kernel::FieldError::new(
                field,
                "json.syntax",
                format!("JSON格式错误（第{}行第{}列）", inner.line(), inner.column()),
                format!(
                    "Malformed JSON (line {}, column {})",
                    inner.line(),
                    inner.column()
                ),
            )
        } else {
            yiwang_kernel::FieldError::new(
                field,
                "json.type",
                format!("取值不正确：{inner}"),
                format!("Wrong value: {inner}"),
            )
        }
    })
}

/// The JSON text of a definition (pretty-printed, the export's format).
pub fn to_text(b: &Bundle) -> String {
    serde_json::to_string_pretty(b).unwrap_or_default()
}

/// Who applies for a bundle.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Holder {
    /// A natural person applies for themselves (新生儿出生一件事, 开餐馆 as 个体工商户).
    #[default]
    Person,
    /// A signed-in person acting for an enterprise (企业开办 after the name is reserved).
    Org,
}

impl Holder {
    pub fn as_str(self) -> &'static str {
        match self {
            Holder::Person => "person",
            Holder::Org => "org",
        }
    }
}

/// One version of a bundle's definition. Stored as JSON; a published version never changes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Bundle {
    /// Stable code: lower-case letters, digits and `-` (`open-restaurant`), 3–40 characters.
    pub code: String,
    /// 一件事名称, e.g. 开餐馆一件事.
    pub name: String,
    pub name_en: String,
    /// 主题 (the life or business event it serves), e.g. 开店经营, 生育收养, 企业开办.
    pub theme: String,
    /// What the bundle does for the applicant, in one or two sentences.
    pub summary: String,
    /// Search words besides the name (comma-separated), e.g. 饭店, 餐饮, 开店.
    pub keywords: String,
    pub holder: Holder,
    /// Promised time of the whole bundle (承诺办结时限), working days from submission.
    pub promised_days: u32,
    /// The questionnaire (情形引导), asked before the form.
    pub questions: Vec<Question>,
    /// The merged form: each field asked once.
    pub fields: Vec<FormField>,
    /// The one set of materials.
    pub materials: Vec<BundleMaterial>,
    /// The items it combines, in the order the applicant sees them.
    pub parts: Vec<Part>,
}

/// One question of the questionnaire: exactly one of its choices is picked.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Question {
    /// Key (letters, digits, `_`), e.g. `sells_food`.
    pub key: String,
    pub text: String,
    pub text_en: String,
    /// Why it is asked / what counts (shown under the question).
    pub help: String,
    pub choices: Vec<Choice>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Choice {
    /// Stored answer, e.g. `yes`.
    pub value: String,
    pub label: String,
    pub label_en: String,
}

/// When a part applies: on the questionnaire's answers. No condition: always.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
// A condition holds conditions: the OpenAPI schema refers to itself instead of recurring.
#[schema(no_recursion)]
pub enum Condition {
    /// The answer to `question` is one of `values`.
    Answer {
        question: String,
        values: Vec<String>,
    },
    /// Every condition holds.
    All(Vec<Condition>),
    /// At least one condition holds.
    Any(Vec<Condition>),
}

/// One implementation item in the bundle.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Part {
    /// Key within the bundle (letters, digits, `_`), e.g. `business`.
    pub key: String,
    /// The implementation item's code (实施编码); its current published version is used.
    pub item: String,
    /// Shown name of the part (defaults to the item's name when empty).
    pub name: String,
    /// When the part applies; `None`: always.
    pub when: Option<Condition>,
    /// Parts whose result this one needs: it starts when they conclude granted.
    pub after: Vec<String>,
    /// How the item's form fields are filled: every field the item requires has a source.
    pub fields: Vec<FieldMap>,
    /// Which bundle material serves which of the item's checklist entries.
    pub materials: Vec<MaterialMap>,
}

/// An item form field and where its value comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldMap {
    /// The item's form field key.
    pub to: String,
    pub from: Source,
}

/// Where a mapped value comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Source {
    /// A merged-form field, optionally reshaped.
    Field {
        field: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        transform: Option<Transform>,
    },
    /// Several merged-form fields joined (empty ones skipped), e.g. an address from its parts.
    Join {
        fields: Vec<String>,
        separator: String,
    },
    /// The questionnaire's answer.
    Answer { question: String },
    /// A fixed value.
    Const { value: String },
    /// A value of an earlier part's result, available once that part concluded granted with a
    /// licence: `identifier` (the licence's identifier), `number` (its face field `number`,
    /// else the identifier) or `face.<key>` (a face field). The part must list `part` in `after`.
    Result { part: String, value: String },
}

/// A declared reshaping of one value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Transform {
    /// Replace by a table (e.g. the bundle's `yes`/`no` to the item's `1`/`0`); a value not in
    /// the table is refused at submission (the definition is incomplete).
    Map { table: Vec<(String, String)> },
    /// The first `n` characters.
    Take { n: usize },
    /// A number times a factor, e.g. square metres to hundreds (rounded to the item's decimals
    /// by the item form's validation).
    Scale { factor: f64 },
    /// `prefix` + value + `suffix`.
    Wrap { prefix: String, suffix: String },
}

/// One material of the one set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct BundleMaterial {
    /// Key within the bundle (letters, digits, `_`), e.g. `lease`.
    pub key: String,
    pub name: String,
    pub notes: String,
    /// The electronic licence type (证照类型代码) that may replace it (免证办); empty: none.
    pub licence_type: String,
}

/// A bundle material serving one checklist entry of the part's item.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct MaterialMap {
    /// The item's checklist entry (`Material::key`).
    pub entry: String,
    /// The bundle material's key.
    pub material: String,
}

/// What the definition checks need to know of one implementation item's published version.
#[derive(Debug, Clone, Default)]
pub struct ItemSpec {
    pub code: String,
    pub name: String,
    pub department_id: i64,
    pub department_name: String,
    /// Promised time limit (承诺时限) in working days; 0 when the item is instant (即办).
    pub promised_days: u32,
    pub form: Vec<FormField>,
    /// Checklist entries: key, name, required.
    pub materials: Vec<(String, String, bool)>,
    /// Whether the item takes applications from a person (`true`) or an enterprise (`false`),
    /// or both (`None`).
    pub person_only: Option<bool>,
    /// The item can be applied for online (the bundle is applied for online).
    pub online: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips_and_errors_name_the_path() {
        let b = crate::fixture::bundle();
        assert_eq!(parse(&to_text(&b)), Ok(b));
        let e = parse(r#"{"code": "x", "parts": [{"key": "a", "colour": 1}]}"#).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.rule.as_str()),
            ("parts[0].colour", "json.type")
        );
        assert!(e.en.contains("colour"), "{}", e.en);
        let e = parse(r#"{"promised_days": "five"}"#).unwrap_err();
        assert_eq!(e.field, "promised_days");
        let e = parse("{").unwrap_err();
        assert_eq!(e.rule, "json.syntax");
    }
}
