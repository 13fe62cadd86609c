//! OpenAPI schemas of the kernel's newtypes (they travel as plain strings).

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

use crate::codes::{DivisionCode, IdNumber, Uscc};

fn string(description: &str, pattern: &str, example: &str) -> RefOr<Schema> {
    RefOr::T(Schema::Object(
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(description))
            .pattern(Some(pattern))
            .examples([serde_json::Value::String(example.to_string())])
            .build(),
    ))
}

impl PartialSchema for Uscc {
    fn schema() -> RefOr<Schema> {
        string(
            "Unified social credit code (统一社会信用代码, GB 32100), 18 characters with check character",
            "^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$",
            "11440800MB2C94217X",
        )
    }
}
impl ToSchema for Uscc {}

impl PartialSchema for DivisionCode {
    fn schema() -> RefOr<Schema> {
        string(
            "Administrative division code (行政区划代码, GB/T 2260): 6 digits, or 9/12 for towns/villages",
            "^[0-9]{6}([0-9]{3}){0,2}$",
            "440802",
        )
    }
}
impl ToSchema for DivisionCode {}

impl PartialSchema for IdNumber {
    fn schema() -> RefOr<Schema> {
        string(
            "Citizen ID number (公民身份号码, GB 11643), 18 characters",
            "^[0-9]{17}[0-9X]$",
            "11010519491231002X",
        )
    }
}
impl ToSchema for IdNumber {}
