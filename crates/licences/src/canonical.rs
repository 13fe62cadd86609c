//! The canonical form of a licence: what the seal signs, byte for byte.
//!
//! Rules (deterministic, documented so an outside verifier can rebuild it):
//! * the licence is a JSON object; the canonical form is its JSON text, UTF-8, with no
//!   whitespace outside strings;
//! * object keys are sorted by their UTF-8 bytes, at every level;
//! * strings are escaped as JSON requires and nothing more (`"` `\` and control characters;
//!   non-ASCII characters are written as themselves, not `\u` escapes);
//! * numbers must be integers (written in decimal without a sign for non-negative values);
//!   fractions and exponents are refused — face fields carry amounts as strings;
//! * `null`, `true`, `false` as written.

use serde_json::Value;

/// Why a value has no canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotCanonical(pub String);

/// The canonical bytes of `v`.
pub fn canonical(v: &Value) -> Result<Vec<u8>, NotCanonical> {
    let mut out = String::new();
    write(v, &mut out)?;
    Ok(out.into_bytes())
}

fn write(v: &Value, out: &mut String) -> Result<(), NotCanonical> {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.push_str(&i.to_string());
            } else if let Some(u) = n.as_u64() {
                out.push_str(&u.to_string());
            } else {
                return Err(NotCanonical(format!("not an integer: {n}")));
            }
        }
        Value::String(s) => string(s, out),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(x, out)?;
            }
            out.push(']');
        }
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                string(k, out);
                out.push(':');
                if let Some(x) = m.get(k) {
                    write(x, out)?;
                }
            }
            out.push('}');
        }
    }
    Ok(())
}

fn string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn keys_are_sorted_and_nothing_else_changes() {
        let v = json!({"b": "营业执照", "a": {"z": 1, "y": [true, null, "x\"y"]}});
        assert_eq!(
            String::from_utf8(canonical(&v).unwrap()).unwrap(),
            r#"{"a":{"y":[true,null,"x\"y"],"z":1},"b":"营业执照"}"#
        );
        assert!(canonical(&json!({"x": 1.5})).is_err());
    }

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|i| json!(i)),
            "\\PC{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("\\PC{0,6}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// The canonical text is valid JSON meaning the same value, and canonical again.
        #[test]
        fn canonical_json_parses_back_to_the_same_value(v in arb_json()) {
            let bytes = canonical(&v).unwrap();
            let back: Value = serde_json::from_slice(&bytes).unwrap();
            prop_assert_eq!(&back, &v);
            prop_assert_eq!(canonical(&back).unwrap(), bytes);
        }
    }
}
