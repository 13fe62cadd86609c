//! A small builder for SQL with optional filters, numbering `$n` placeholders for both backends.

use crate::value::Value;

/// SQL text and its arguments, built piece by piece.
#[derive(Debug, Clone, Default)]
pub struct Sql {
    pub text: String,
    pub args: Vec<Value>,
}

impl Sql {
    pub fn new(base: &str) -> Sql {
        Sql {
            text: base.to_string(),
            args: Vec::new(),
        }
    }

    /// Appends literal SQL (no placeholders).
    pub fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    /// Appends a fragment whose `?` marks are replaced, in order, by `$n` placeholders bound to
    /// `values`. The fragment must not contain `?` for any other purpose.
    pub fn cond<I, V>(&mut self, fragment: &str, values: I) -> &mut Self
    where
        I: IntoIterator<Item = V>,
        V: Into<Value>,
    {
        let mut vals = values.into_iter();
        for (i, part) in fragment.split('?').enumerate() {
            if i > 0 {
                let v = vals.next().map(Into::into).unwrap_or(Value::Null);
                self.args.push(v);
                self.text.push_str(&format!("${}", self.args.len()));
            }
            self.text.push_str(part);
        }
        self
    }

    /// Appends `$n` bound to one value.
    pub fn bind(&mut self, v: impl Into<Value>) -> &mut Self {
        self.args.push(v.into());
        self.text.push_str(&format!("${}", self.args.len()));
        self
    }

    /// `(?, ?, …)` for a list of values; an empty list becomes `(NULL)` (matches nothing).
    pub fn list<I, V>(&mut self, values: I) -> &mut Self
    where
        I: IntoIterator<Item = V>,
        V: Into<Value>,
    {
        self.text.push('(');
        let mut first = true;
        for v in values {
            if !first {
                self.text.push_str(", ");
            }
            first = false;
            self.bind(v);
        }
        if first {
            self.text.push_str("NULL");
        }
        self.text.push(')');
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order() {
        let mut q = Sql::new("SELECT * FROM t WHERE 1 = 1");
        q.cond(" AND a = ?", [1i64])
            .cond(" AND b BETWEEN ? AND ?", [2i64, 3]);
        q.push(" AND c IN ").list(["x", "y"]);
        assert_eq!(
            q.text,
            "SELECT * FROM t WHERE 1 = 1 AND a = $1 AND b BETWEEN $2 AND $3 AND c IN ($4, $5)"
        );
        assert_eq!(q.args.len(), 5);
        let mut e = Sql::new("x IN ");
        e.list(Vec::<i64>::new());
        assert_eq!(e.text, "x IN (NULL)");
    }
}
