//! Licence types (`licence_types`).

use time::OffsetDateTime;
use yiwang_kernel::Result;
use yiwang_store::{Conn, args};

use crate::service::LicenceType;

const COLS: &str = "code, name, definer_name, holder_type, face_schema, validity_years";

/// Defines type `t`, or updates the one with its code.
pub(crate) async fn upsert(c: &mut impl Conn, t: &LicenceType, now: OffsetDateTime) -> Result<()> {
    c.execute(
        "INSERT INTO licence_types (code, name, definer_name, holder_type, face_schema, validity_years, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (code) DO UPDATE SET name = $2, definer_name = $3, holder_type = $4, \
         face_schema = $5, validity_years = $6",
        args![
            t.code.as_str(),
            t.name.trim(),
            t.definer_name.trim(),
            t.holder_type.as_str(),
            t.face_schema.as_str(),
            t.validity_years,
            now
        ],
    )
    .await?;
    Ok(())
}

pub(crate) async fn all(c: &mut impl Conn) -> Result<Vec<LicenceType>> {
    c.fetch_all(
        &format!("SELECT {COLS} FROM licence_types ORDER BY code"),
        args![],
    )
    .await
}

pub(crate) async fn by_name(c: &mut impl Conn, name: &str) -> Result<Option<LicenceType>> {
    c.fetch_optional(
        &format!("SELECT {COLS} FROM licence_types WHERE name = $1"),
        args![name],
    )
    .await
}

pub(crate) async fn by_code(c: &mut impl Conn, code: &str) -> Result<Option<LicenceType>> {
    c.fetch_optional(
        &format!("SELECT {COLS} FROM licence_types WHERE code = $1"),
        args![code],
    )
    .await
}

/// The name of type `code` (empty when there is none).
pub(crate) async fn name(c: &mut impl Conn, code: &str) -> Result<String> {
    let r: Option<(String,)> = c
        .fetch_optional(
            "SELECT name FROM licence_types WHERE code = $1",
            args![code],
        )
        .await?;
    Ok(r.map(|r| r.0).unwrap_or_default())
}

/// The face schema (JSON) of type `code`, if there is such a type.
pub(crate) async fn face_schema(c: &mut impl Conn, code: &str) -> Result<Option<String>> {
    let r: Option<(String,)> = c
        .fetch_optional(
            "SELECT face_schema FROM licence_types WHERE code = $1",
            args![code],
        )
        .await?;
    Ok(r.map(|r| r.0))
}
