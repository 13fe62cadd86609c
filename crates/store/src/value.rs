//! Bind values that both backends understand.

use time::{Date, OffsetDateTime};

/// One bind argument. Timestamps are UTC with microsecond precision; on SQLite they are stored
/// as fixed-width RFC 3339 text (`2026-11-22T07:15:17.000000Z`) so that text order is time order.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    I64(i64),
    F64(f64),
    Bool(bool),
    Text(String),
    Bytes(Vec<u8>),
    Time(OffsetDateTime),
    Date(Date),
}

impl Value {
    /// The SQLite text form of a timestamp.
    pub fn sqlite_time(t: OffsetDateTime) -> String {
        let t = yiwang_kernel::clock::normalize(t);
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.microsecond()
        )
    }
}

macro_rules! from {
    ($t:ty, $v:ident, $conv:expr) => {
        impl From<$t> for Value {
            fn from($v: $t) -> Self {
                $conv
            }
        }
    };
}

from!(i64, v, Value::I64(v));
from!(i32, v, Value::I64(i64::from(v)));
from!(u32, v, Value::I64(i64::from(v)));
from!(u16, v, Value::I64(i64::from(v)));
from!(u8, v, Value::I64(i64::from(v)));
from!(usize, v, Value::I64(i64::try_from(v).unwrap_or(i64::MAX)));
from!(f64, v, Value::F64(v));
from!(bool, v, Value::Bool(v));
from!(String, v, Value::Text(v));
from!(&String, v, Value::Text(v.clone()));
from!(&str, v, Value::Text(v.to_string()));
from!(Vec<u8>, v, Value::Bytes(v));
from!(&[u8], v, Value::Bytes(v.to_vec()));
from!(OffsetDateTime, v, Value::Time(v));
from!(Date, v, Value::Date(v));
from!(&Value, v, v.clone());

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        match v {
            Some(v) => v.into(),
            None => Value::Null,
        }
    }
}
