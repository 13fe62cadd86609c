//! The contract check: every answer an API test receives from `/api/v1` is checked against the
//! OpenAPI document the server publishes at `/openapi.json`, so the document and the code
//! cannot drift apart unnoticed. The harness calls [`check`] on every response; a mismatch
//! fails the test that made the request.
//!
//! The rule:
//! * the operation (method and path template) must be in the document — except when the
//!   answer is 404 or 405 (no such route);
//! * the status must be documented for the operation — except the **generic errors** every
//!   route may answer at the door, before its handler decides anything: 400 (malformed body,
//!   a NUL character), 401, 403, 404, 405, 413, 415 (not JSON), 429, 500, 503. Those must carry
//!   the error format (`ErrorResponse`). A 409 or a 422 is the handler's decision and must be
//!   documented for the operation;
//! * a JSON body must match the documented JSON schema of that status (types, required and
//!   *only documented* properties, enums, `date-time` and `date` formats, nullability);
//!   a documented status without content must carry no body at all;
//! * a body of another type (CSV, XLSX, PDF) must have one of the documented content types.
//!
//! And, for the operations no test happens to call with bad input: every operation that reads
//! a JSON body or query parameters documents 422 (a value of the wrong type is refused naming
//! the field, by `ApiJson` and `ApiQuery`).
//!
//! The validator covers the subset of JSON Schema (OpenAPI 3.1) that utoipa emits: `$ref` into
//! `#/components/schemas`, `type` (one or a list), `properties`, `required`,
//! `additionalProperties`, `items`, `prefixItems`, `allOf`, `oneOf`, `anyOf`, `enum`, `const`, `format`,
//! `minimum`/`maximum`, `minLength`/`maxLength`, `minItems`/`maxItems`. Anything else is
//! ignored (accepted).

use serde_json::{Map, Value};

/// Statuses any route may answer without listing them, in the error format.
pub const GENERIC_ERRORS: &[u16] = &[400, 401, 403, 404, 405, 413, 415, 429, 500, 503];

/// Checks one answer; `Err` names what breaks the document.
pub fn check(
    doc: &Value,
    method: &str,
    uri: &str,
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<(), String> {
    let path = uri.split(['?', '#']).next().unwrap_or("");
    if !path.starts_with("/api/v1/") {
        return Ok(());
    }
    let Some(op) = operation(doc, method, path) else {
        if status == 404 || status == 405 {
            return Ok(());
        }
        return Err(format!("{method} {path} is not in the OpenAPI document"));
    };
    let mime = content_type
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let is_json = mime == "application/json" || mime.ends_with("+json");
    let json = || -> Result<Value, String> {
        serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))
    };
    let response = op
        .get("responses")
        .and_then(|r| r.get(status.to_string()))
        .map(|r| resolve(doc, r));
    let Some(response) = response else {
        if GENERIC_ERRORS.contains(&status) {
            if !is_json {
                return Err(format!(
                    "{status} is not documented for {method} {path} and its body is not JSON ({mime})"
                ));
            }
            let schema = serde_json::json!({ "$ref": "#/components/schemas/ErrorResponse" });
            return validate(doc, &schema, &json()?, "")
                .map_err(|e| format!("{status} (generic error) of {method} {path}: {e}"));
        }
        return Err(format!(
            "{status} is not documented for {method} {path}: {}",
            String::from_utf8_lossy(&body[..body.len().min(300)])
        ));
    };
    let content = response.get("content").and_then(Value::as_object);
    let Some(content) = content.filter(|c| !c.is_empty()) else {
        if !body.is_empty() {
            return Err(format!(
                "{status} of {method} {path} is documented without content but has a body ({mime})"
            ));
        }
        return Ok(());
    };
    if is_json {
        let Some(media) = content
            .iter()
            .find(|(k, _)| *k == "application/json" || k.ends_with("+json"))
            .map(|(_, v)| v)
        else {
            return Err(format!(
                "{status} of {method} {path} answered JSON; the document says {:?}",
                content.keys().collect::<Vec<_>>()
            ));
        };
        match media.get("schema") {
            Some(schema) => validate(doc, schema, &json()?, "")
                .map_err(|e| format!("{status} of {method} {path}: {e}")),
            None => Ok(()),
        }
    } else if content
        .keys()
        .any(|k| k.eq_ignore_ascii_case(&mime) || k == "*/*" || k == "application/octet-stream")
        || body.is_empty()
    {
        Ok(())
    } else {
        Err(format!(
            "{status} of {method} {path} answered {mime:?}; the document says {:?}",
            content.keys().collect::<Vec<_>>()
        ))
    }
}

/// The operation whose path template matches `path`; literal segments beat parameters.
fn operation<'a>(doc: &'a Value, method: &str, path: &str) -> Option<&'a Value> {
    let segs: Vec<&str> = path.split('/').collect();
    let method = method.to_ascii_lowercase();
    let mut best: Option<(usize, &Value)> = None;
    for (template, item) in doc.get("paths")?.as_object()? {
        let t: Vec<&str> = template.split('/').collect();
        if t.len() != segs.len() {
            continue;
        }
        let mut literal = 0;
        let matches = t.iter().zip(&segs).all(|(t, s)| {
            if t.starts_with('{') && t.ends_with('}') {
                !s.is_empty()
            } else {
                literal += 1;
                t == s
            }
        });
        if let Some(op) = item.get(&method).filter(|_| matches)
            && best.is_none_or(|(n, _)| literal > n)
        {
            best = Some((literal, op));
        }
    }
    best.map(|(_, op)| op)
}

/// Follows a local `$ref` (`#/components/...`).
fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    let mut v = v;
    for _ in 0..20 {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => match r.strip_prefix('#').and_then(|p| doc.pointer(p)) {
                Some(t) => v = t,
                None => return v,
            },
            None => return v,
        }
    }
    v
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn type_ok(want: &str, v: &Value) -> bool {
    let got = type_name(v);
    want == got || (want == "number" && got == "integer")
}

/// Validates `v` against `schema`; `at` is the JSON pointer of `v` in the body.
pub fn validate(doc: &Value, schema: &Value, v: &Value, at: &str) -> Result<(), String> {
    let schema = resolve(doc, schema);
    let Some(s) = schema.as_object() else {
        // `true` or `{}` accept anything; `false` nothing.
        return if schema == &Value::Bool(false) {
            Err(format!("{at}: no value is allowed here"))
        } else {
            Ok(())
        };
    };
    let at_ = if at.is_empty() { "/" } else { at };
    if v.is_null() && s.get("nullable") == Some(&Value::Bool(true)) {
        return Ok(());
    }
    if let Some(t) = s.get("type") {
        let ok = match t {
            Value::String(t) => type_ok(t, v),
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).any(|t| type_ok(t, v)),
            _ => true,
        };
        if !ok {
            return Err(format!(
                "{at_}: expected type {t}, got {} {}",
                type_name(v),
                short(v)
            ));
        }
    }
    if let Some(e) = s.get("enum").and_then(Value::as_array)
        && !e.contains(v)
    {
        return Err(format!(
            "{at_}: {} is not one of {}",
            short(v),
            short(&Value::Array(e.clone()))
        ));
    }
    if let Some(c) = s.get("const")
        && c != v
    {
        return Err(format!("{at_}: {} is not {}", short(v), short(c)));
    }
    if let Some(all) = s.get("allOf").and_then(Value::as_array) {
        for sub in all {
            validate_open(doc, sub, v, at)?;
        }
    }
    if let Some(one) = s.get("oneOf").and_then(Value::as_array) {
        let errs: Vec<String> = one
            .iter()
            .filter_map(|sub| validate(doc, sub, v, at).err())
            .collect();
        let passed = one.len() - errs.len();
        if passed != 1 {
            return Err(format!(
                "{at_}: matches {passed} of the oneOf alternatives, not exactly one ({})",
                errs.join(" | ")
            ));
        }
    }
    if let Some(any) = s.get("anyOf").and_then(Value::as_array) {
        let errs: Vec<String> = any
            .iter()
            .filter_map(|sub| validate(doc, sub, v, at).err())
            .collect();
        if errs.len() == any.len() {
            return Err(format!(
                "{at_}: matches none of anyOf ({})",
                errs.join(" | ")
            ));
        }
    }
    match v {
        Value::Object(m) => object(doc, s, m, at, s.get("allOf").is_none())?,
        Value::Array(items) => {
            if let Some(n) = s.get("minItems").and_then(Value::as_u64)
                && (items.len() as u64) < n
            {
                return Err(format!("{at_}: fewer than {n} items"));
            }
            if let Some(n) = s.get("maxItems").and_then(Value::as_u64)
                && (items.len() as u64) > n
            {
                return Err(format!("{at_}: more than {n} items"));
            }
            // A tuple: `prefixItems` for the first items, `items` for the rest.
            let prefix = s
                .get("prefixItems")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            for (i, x) in items.iter().enumerate() {
                let here = format!("{at}/{i}");
                match (prefix.get(i), s.get("items")) {
                    (Some(p), _) => validate(doc, p, x, &here)?,
                    (None, Some(item)) => validate(doc, item, x, &here)?,
                    (None, None) => {}
                }
            }
        }
        Value::String(text) => {
            let n = text.chars().count() as u64;
            if let Some(min) = s.get("minLength").and_then(Value::as_u64)
                && n < min
            {
                return Err(format!("{at_}: shorter than {min}"));
            }
            if let Some(max) = s.get("maxLength").and_then(Value::as_u64)
                && n > max
            {
                return Err(format!("{at_}: longer than {max}"));
            }
            match s.get("format").and_then(Value::as_str) {
                Some("date-time") => {
                    time::OffsetDateTime::parse(
                        text,
                        &time::format_description::well_known::Rfc3339,
                    )
                    .map_err(|e| format!("{at_}: {text:?} is not an RFC 3339 date-time ({e})"))?;
                }
                Some("date") => {
                    let f = time::macros::format_description!("[year]-[month]-[day]");
                    time::Date::parse(text, &f)
                        .map_err(|e| format!("{at_}: {text:?} is not a date ({e})"))?;
                }
                _ => {}
            }
        }
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or(0.0);
            if let Some(min) = s.get("minimum").and_then(Value::as_f64)
                && x < min
            {
                return Err(format!("{at_}: {x} is below the minimum {min}"));
            }
            if let Some(max) = s.get("maximum").and_then(Value::as_f64)
                && x > max
            {
                return Err(format!("{at_}: {x} is above the maximum {max}"));
            }
        }
        _ => {}
    }
    Ok(())
}

/// An `allOf` part: its properties are checked, but properties of the other parts are not
/// "unknown" to it.
fn validate_open(doc: &Value, schema: &Value, v: &Value, at: &str) -> Result<(), String> {
    let schema = resolve(doc, schema);
    match (schema.as_object(), v.as_object()) {
        (Some(s), Some(m)) if s.contains_key("properties") => {
            let mut open = s.clone();
            open.remove("additionalProperties");
            object(doc, &open, m, at, false)?;
            let mut rest = s.clone();
            rest.remove("properties");
            rest.remove("required");
            validate(doc, &Value::Object(rest), v, at)
        }
        _ => validate(doc, schema, v, at),
    }
}

fn object(
    doc: &Value,
    s: &Map<String, Value>,
    m: &Map<String, Value>,
    at: &str,
    closed: bool,
) -> Result<(), String> {
    let at_ = if at.is_empty() { "/" } else { at };
    let props = s.get("properties").and_then(Value::as_object);
    if let Some(req) = s.get("required").and_then(Value::as_array) {
        for r in req.iter().filter_map(Value::as_str) {
            if !m.contains_key(r) {
                return Err(format!("{at_}: the required property {r:?} is missing"));
            }
        }
    }
    for (k, x) in m {
        let here = format!("{at}/{k}");
        match props.and_then(|p| p.get(k)) {
            Some(p) => validate(doc, p, x, &here)?,
            None => match s.get("additionalProperties") {
                Some(Value::Bool(false)) => {
                    return Err(format!("{here}: not allowed by the document"));
                }
                Some(Value::Bool(true)) => {}
                Some(extra) => validate(doc, extra, x, &here)?,
                // A property the document does not name: the code says more than the
                // document (closed objects only: the document lists properties).
                None if closed && props.is_some() && !s.contains_key("oneOf") => {
                    return Err(format!("{here}: the property is not in the document"));
                }
                None => {}
            },
        }
    }
    Ok(())
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 80 {
        format!("{}…", s.chars().take(80).collect::<String>())
    } else {
        s
    }
}

/// The document as the server builds it, without a world.
fn served_document() -> Value {
    let (_, doc) = yiwang_web::api::router().split_for_parts();
    serde_json::to_value(yiwang_web::api::finish(doc)).unwrap()
}

#[test]
fn operations_that_read_input_document_its_refusal() {
    let doc = served_document();
    let mut missing = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(responses) = op.get("responses") else {
                continue;
            };
            let json_body = op
                .pointer("/requestBody/content/application~1json")
                .is_some();
            let query = op["parameters"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"));
            if (json_body || query) && responses.get("422").is_none() {
                missing.push(format!("{method} {path}"));
            }
        }
    }
    assert!(missing.is_empty(), "no 422 documented: {missing:#?}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({
            "paths": {
                "/api/v1/things/{id}": { "get": { "responses": {
                    "200": { "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Thing" } } } },
                    "204": { "description": "none" }
                } } },
                "/api/v1/things/mine": { "get": { "responses": {
                    "200": { "content": { "text/csv": {} } }
                } } }
            },
            "components": { "schemas": {
                "Thing": { "type": "object", "required": ["at", "n"], "properties": {
                    "at": { "type": "string", "format": "date-time" },
                    "n": { "type": "integer", "minimum": 0 },
                    "note": { "type": ["string", "null"] },
                    "kind": { "oneOf": [{ "type": "null" }, { "type": "string", "enum": ["a", "b"] }] },
                    "pairs": { "type": "array", "items": { "type": "array", "items": false,
                        "prefixItems": [{ "type": "string" }, { "type": "integer" }] } }
                } },
                "ErrorResponse": { "type": "object", "required": ["error"], "properties": {
                    "error": { "type": "object", "required": ["code"], "properties": { "code": { "type": "string" } } }
                } }
            } }
        })
    }

    fn run(status: u16, ct: &str, body: Value) -> Result<(), String> {
        check(
            &doc(),
            "GET",
            "/api/v1/things/7?x=1",
            status,
            Some(ct),
            body.to_string().as_bytes(),
        )
    }

    #[test]
    fn the_validator_finds_what_the_contract_forbids() {
        let ok = json!({ "at": "2026-12-06T10:00:00Z", "n": 1, "note": null, "kind": "a", "pairs": [["a", 1]] });
        assert_eq!(run(200, "application/json", ok), Ok(()));
        for bad in [
            json!({ "at": [2026, 340, 10, 0, 0, 0, 0, 0, 0], "n": 1 }),
            json!({ "at": "6 Dec", "n": 1 }),
            json!({ "at": "2026-12-06T10:00:00Z" }),
            json!({ "at": "2026-12-06T10:00:00Z", "n": -1 }),
            json!({ "at": "2026-12-06T10:00:00Z", "n": 1.5 }),
            json!({ "at": "2026-12-06T10:00:00Z", "n": 1, "kind": "c" }),
            json!({ "at": "2026-12-06T10:00:00Z", "n": 1, "secret": 1 }),
            json!({ "at": "2026-12-06T10:00:00Z", "n": 1, "pairs": [["a", "b"]] }),
            json!({ "at": "2026-12-06T10:00:00Z", "n": 1, "pairs": [["a", 1, 2]] }),
        ] {
            assert!(run(200, "application/json", bad.clone()).is_err(), "{bad}");
        }
        // Undocumented statuses: generic errors in the error format only.
        assert_eq!(
            run(
                404,
                "application/json",
                json!({ "error": { "code": "not_found" } })
            ),
            Ok(())
        );
        assert!(run(404, "application/json", json!({ "oops": 1 })).is_err());
        assert!(
            run(
                409,
                "application/json",
                json!({ "error": { "code": "conflict" } })
            )
            .is_err()
        );
        assert!(run(204, "application/json", json!({ "n": 1 })).is_err());
        // The literal path wins over the template; a CSV where CSV is documented.
        assert_eq!(
            check(
                &doc(),
                "GET",
                "/api/v1/things/mine",
                200,
                Some("text/csv"),
                b"a,b"
            ),
            Ok(())
        );
        assert!(
            check(
                &doc(),
                "GET",
                "/api/v1/things/mine",
                200,
                Some("application/json"),
                b"{}"
            )
            .is_err()
        );
        // Undocumented operations, and routes that do not exist.
        assert!(
            check(
                &doc(),
                "POST",
                "/api/v1/things/7",
                200,
                Some("application/json"),
                b"{}"
            )
            .is_err()
        );
        assert_eq!(
            check(&doc(), "GET", "/api/v1/nothing", 404, None, b""),
            Ok(())
        );
        assert_eq!(
            check(&doc(), "GET", "/signin", 200, Some("text/html"), b"<p>"),
            Ok(())
        );
    }
}
