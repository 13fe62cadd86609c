//! One document, two formats: the small tree every Open311 answer is built as, written as XML
//! (the specification's elements) or as JSON (the Spark convention: the root element's items
//! become a top-level array, an empty value becomes `null`).
//!
//! The XML writer escapes every text (`&`, `<`, `>`, `"`, `'`) and drops the characters XML 1.0
//! cannot carry (C0 controls other than tab, line feed and carriage return; U+FFFE, U+FFFF), so
//! whatever a citizen typed cannot break the document.

use serde_json::{Map, Value};

/// A value of an Open311 document.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// Text; empty text is `null` in JSON and an empty element in XML.
    Text(String),
    /// A number written as given (an id, a coordinate, an order).
    Number(String),
    Bool(bool),
    /// An element with named children, in order.
    Object(Vec<(&'static str, Node)>),
    /// A list: in XML a wrapper element holding one `item` element per entry; in JSON an array.
    List {
        item: &'static str,
        entries: Vec<Node>,
    },
}

impl Node {
    pub fn text(s: impl Into<String>) -> Node {
        Node::Text(s.into())
    }

    /// Text, or empty when absent.
    pub fn opt(s: Option<impl Into<String>>) -> Node {
        Node::Text(s.map(Into::into).unwrap_or_default())
    }

    pub fn number(n: impl ToString) -> Node {
        Node::Number(n.to_string())
    }

    fn to_json(&self) -> Value {
        match self {
            Node::Text(s) if s.is_empty() => Value::Null,
            Node::Text(s) => Value::String(s.clone()),
            Node::Number(n) => serde_json::from_str::<serde_json::Number>(n)
                .map(Value::Number)
                .unwrap_or_else(|_| Value::String(n.clone())),
            Node::Bool(b) => Value::Bool(*b),
            Node::Object(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(k, v)| ((*k).to_string(), v.to_json()))
                    .collect::<Map<String, Value>>(),
            ),
            Node::List { entries, .. } => Value::Array(entries.iter().map(Node::to_json).collect()),
        }
    }

    fn write_xml(&self, name: &str, out: &mut String) {
        match self {
            Node::Text(s) if s.is_empty() => {
                out.push('<');
                out.push_str(name);
                out.push_str("/>");
            }
            Node::Text(s) | Node::Number(s) => element(name, s, out),
            Node::Bool(b) => element(name, if *b { "true" } else { "false" }, out),
            Node::Object(fields) => {
                open(name, out);
                for (k, v) in fields {
                    v.write_xml(k, out);
                }
                close(name, out);
            }
            Node::List { item, entries } => {
                open(name, out);
                for e in entries {
                    e.write_xml(item, out);
                }
                close(name, out);
            }
        }
    }
}

/// A whole answer: its XML root element and its content.
#[derive(Debug, Clone, PartialEq)]
pub struct Doc {
    pub root: &'static str,
    pub body: Node,
}

impl Doc {
    /// A list answer (`<services><service>…</service></services>`, a JSON array).
    pub fn list(root: &'static str, item: &'static str, entries: Vec<Node>) -> Doc {
        Doc {
            root,
            body: Node::List { item, entries },
        }
    }

    /// A single object answer (`<discovery>…</discovery>`, a JSON object).
    pub fn object(root: &'static str, fields: Vec<(&'static str, Node)>) -> Doc {
        Doc {
            root,
            body: Node::Object(fields),
        }
    }

    pub fn xml(&self) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
        self.body.write_xml(self.root, &mut out);
        out
    }

    pub fn json(&self) -> String {
        // A list answer is a top-level array, even when it is empty.
        let v = match &self.body {
            Node::List { entries, .. } => Value::Array(entries.iter().map(Node::to_json).collect()),
            other => other.to_json(),
        };
        v.to_string()
    }
}

fn open(name: &str, out: &mut String) {
    out.push('<');
    out.push_str(name);
    out.push('>');
}

fn close(name: &str, out: &mut String) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

fn element(name: &str, text: &str, out: &mut String) {
    open(name, out);
    escape_into(text, out);
    close(name, out);
}

/// Appends `text` escaped for XML character data and attribute values.
pub fn escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Doc {
        Doc::list(
            "services",
            "service",
            vec![Node::Object(vec![
                ("service_code", Node::text("CG0101")),
                (
                    "service_name",
                    Node::text("占道经营 <摊贩> & \"噪音\" 'x'\u{1}"),
                ),
                ("metadata", Node::Bool(true)),
                ("group", Node::text("")),
                ("order", Node::number(1)),
            ])],
        )
    }

    #[test]
    fn xml_escapes_every_special_character() {
        let x = sample().xml();
        assert_eq!(
            x,
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><services><service>\
             <service_code>CG0101</service_code>\
             <service_name>占道经营 &lt;摊贩&gt; &amp; &quot;噪音&quot; &apos;x&apos;</service_name>\
             <metadata>true</metadata><group/><order>1</order></service></services>"
        );
    }

    #[test]
    fn json_is_a_top_level_array_with_null_for_empty() {
        let v: Value = serde_json::from_str(&sample().json()).unwrap();
        assert_eq!(v[0]["service_code"], "CG0101");
        assert_eq!(v[0]["group"], Value::Null);
        assert_eq!(v[0]["metadata"], true);
        assert_eq!(v[0]["order"], 1);
        assert_eq!(Doc::list("errors", "error", vec![]).json(), "[]");
        assert_eq!(
            Doc::list("errors", "error", vec![]).xml(),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><errors></errors>"
        );
    }
}
