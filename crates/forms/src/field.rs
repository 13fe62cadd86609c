//! The field model: what a form declares ([`FormField`], its [`FieldKind`], the options of a
//! choice, where a prefill comes from). Plain data, (de)serialised as stored in item versions
//! and licence types; the rules about it live in `definition.rs`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One field of an application form.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct FormField {
    /// `^[a-z][a-z0-9_]{0,39}$`, unique within the form (or within a table's columns). The key
    /// of the submitted value.
    pub key: String,
    /// Chinese label, required, at most 50 characters.
    pub label: String,
    /// English label (optional).
    pub label_en: String,
    pub kind: FieldKind,
    pub required: bool,
    /// Help shown under the input, at most 200 characters.
    pub help: String,
    /// Longest value in characters (`text`, `textarea`, `address`; defaults 200, 2000, 200).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_len: Option<u32>,
    /// Smallest value (`number`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Largest value (`number`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Most decimal places (`number`, default 2; 0 for whole numbers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decimals: Option<u8>,
    /// The options of `choice` and `multi_choice` (at least one, codes unique).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<FormOption>,
    /// The columns of a `table` (at least one; a column is never itself a table).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(no_recursion)]
    pub columns: Vec<FormField>,
    /// Fewest rows of a `table` when it is filled in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_rows: Option<u32>,
    /// Most rows of a `table` (default 200).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_rows: Option<u32>,
    /// Filled by the portal from the signed-in applicant, so nothing is keyed in twice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefill: Option<Prefill>,
}

/// What kind of value a field holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// One line of text.
    #[default]
    Text,
    /// Several lines of text.
    Textarea,
    /// A decimal number, with `min`, `max` and `decimals`.
    Number,
    /// A date, `YYYY-MM-DD`.
    Date,
    /// One of the options.
    Choice,
    /// Any number of the options (distinct).
    MultiChoice,
    /// A citizen ID number (GB 11643).
    IdNumber,
    /// A unified social credit code (GB 32100).
    Uscc,
    /// A mobile or landline number (see the crate documentation).
    Phone,
    /// An administrative division that exists in the division registry, given by its code or
    /// its name (`霞山区`, `湛江市霞山区`); stored as the code.
    Division,
    /// A street address (text).
    Address,
    /// Rows of `columns`: an array of objects.
    Table,
}

impl FieldKind {
    pub const ALL: &'static [FieldKind] = &[
        FieldKind::Text,
        FieldKind::Textarea,
        FieldKind::Number,
        FieldKind::Date,
        FieldKind::Choice,
        FieldKind::MultiChoice,
        FieldKind::IdNumber,
        FieldKind::Uscc,
        FieldKind::Phone,
        FieldKind::Division,
        FieldKind::Address,
        FieldKind::Table,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Textarea => "textarea",
            FieldKind::Number => "number",
            FieldKind::Date => "date",
            FieldKind::Choice => "choice",
            FieldKind::MultiChoice => "multi_choice",
            FieldKind::IdNumber => "id_number",
            FieldKind::Uscc => "uscc",
            FieldKind::Phone => "phone",
            FieldKind::Division => "division",
            FieldKind::Address => "address",
            FieldKind::Table => "table",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            FieldKind::Text => "单行文本",
            FieldKind::Textarea => "多行文本",
            FieldKind::Number => "数字",
            FieldKind::Date => "日期",
            FieldKind::Choice => "单选",
            FieldKind::MultiChoice => "多选",
            FieldKind::IdNumber => "身份证号码",
            FieldKind::Uscc => "统一社会信用代码",
            FieldKind::Phone => "电话号码",
            FieldKind::Division => "行政区划",
            FieldKind::Address => "地址",
            FieldKind::Table => "表格",
        }
    }

    pub(crate) fn is_text(self) -> bool {
        matches!(
            self,
            FieldKind::Text | FieldKind::Textarea | FieldKind::Address
        )
    }

    pub(crate) fn is_choice(self) -> bool {
        matches!(self, FieldKind::Choice | FieldKind::MultiChoice)
    }

    /// Longest text when `max_len` is not set.
    pub(crate) fn default_max_len(self) -> u32 {
        match self {
            FieldKind::Textarea => 2000,
            _ => 200,
        }
    }

    /// Highest `max_len` a definition may set.
    pub(crate) fn max_max_len(self) -> u32 {
        match self {
            FieldKind::Textarea => 10_000,
            _ => 1000,
        }
    }
}

/// One option of a choice field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct FormOption {
    /// The submitted value: `^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$`, unique within the field.
    pub code: String,
    /// Chinese label, required, at most 50 characters.
    pub label: String,
    pub label_en: String,
}

/// Where the portal takes a field's value from (the signed-in applicant).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Prefill {
    /// The person's name (a `text` field).
    ApplicantName,
    /// The person's ID number (an `id_number` field).
    ApplicantIdNumber,
    /// The person's phone (a `phone` field).
    ApplicantPhone,
    /// The name of the legal person the applicant acts for (a `text` field).
    OrgName,
    /// The credit code of the legal person the applicant acts for (a `uscc` field).
    OrgUscc,
    /// The person's registered address (户籍地址) from the population base library (an
    /// `address` field; 数据代替材料).
    PersonAddress,
    /// The legal representative of the legal person the applicant acts for, from the
    /// legal-person base library (a `text` field).
    OrgLegalRepresentative,
    /// The address (住所) of the legal person the applicant acts for, from the legal-person
    /// base library (an `address` field).
    OrgAddress,
}

impl Prefill {
    pub fn as_str(self) -> &'static str {
        match self {
            Prefill::ApplicantName => "applicant_name",
            Prefill::ApplicantIdNumber => "applicant_id_number",
            Prefill::ApplicantPhone => "applicant_phone",
            Prefill::OrgName => "org_name",
            Prefill::OrgUscc => "org_uscc",
            Prefill::PersonAddress => "person_address",
            Prefill::OrgLegalRepresentative => "org_legal_representative",
            Prefill::OrgAddress => "org_address",
        }
    }

    /// The kind of field this prefill fits.
    pub fn kind(self) -> FieldKind {
        match self {
            Prefill::ApplicantName | Prefill::OrgName | Prefill::OrgLegalRepresentative => {
                FieldKind::Text
            }
            Prefill::PersonAddress | Prefill::OrgAddress => FieldKind::Address,
            Prefill::ApplicantIdNumber => FieldKind::IdNumber,
            Prefill::ApplicantPhone => FieldKind::Phone,
            Prefill::OrgUscc => FieldKind::Uscc,
        }
    }
}
