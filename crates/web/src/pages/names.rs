//! Names instead of ids: every staff page that shows who did something (case histories, the
//! audit log, item histories, account changes, tokens, imports) passes its rows through
//! [`actor_names`], which asks the identity domain ([`yiwang_identity::IdentityService::actor_names`])
//! once for the whole page.

use serde::Serialize;
use yiwang_kernel::Error;

use super::PageCx;
use crate::AppState;

/// `rows` as JSON values (for [`super::ser`]), where every field of `fields` holding an actor label
/// (`staff:reviewer`, `person:1`, `system:demo` …) gains a sibling `<field>_name` with the
/// display name in the page's language (the label itself stays, for filters and titles).
pub async fn actor_names<T: Serialize>(
    state: &AppState,
    cx: &PageCx,
    rows: &[T],
    fields: &[&str],
) -> Result<Vec<serde_json::Value>, Error> {
    let mut json: Vec<serde_json::Value> = rows
        .iter()
        .map(serde_json::to_value)
        .collect::<Result<_, _>>()
        .map_err(|e| Error::internal(e.to_string()))?;
    let labels: Vec<String> = json
        .iter()
        .flat_map(|r| {
            fields
                .iter()
                .filter_map(|f| r.get(*f)?.as_str().map(str::to_string))
        })
        .filter(|l| !l.is_empty())
        .collect();
    let names = state
        .identity
        .actor_names(labels.iter().map(String::as_str), cx.lang)
        .await?;
    for r in &mut json {
        let Some(obj) = r.as_object_mut() else {
            continue;
        };
        for f in fields {
            let name = obj
                .get(*f)
                .and_then(|v| v.as_str())
                .and_then(|l| names.get(l))
                .cloned();
            if let Some(n) = name {
                obj.insert(format!("{f}_name"), serde_json::Value::String(n));
            }
        }
    }
    Ok(json)
}
