//! The schema and quality checks of one load (pure: no SQL). A [`Schema`] maps the file's
//! columns (信息项名称 or field names) to the resource's data items; a [`Checker`] turns one
//! row's cells into the stored document (values typed per §8.3 item type, keyed by field
//! name, canonical JSON with the key's blind index and the keyed digest the seal computes,
//! `repo::seal`) or into its problems, one per broken rule.
//!
//! Uniqueness within the load (the key — as its blind index, which is what a full load
//! compares with the stored keys —, and items with the `unique` rule) is kept as 64-bit
//! hashes of the values, so ten million keys cost about 160 MB, never the keys themselves; a
//! hash collision (about one in 10^12 at that size) would report a false duplicate, never
//! load one. References to other resources are left to the caller (they need the database).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hash, Hasher};

use serde::Serialize;
use serde_json::Value;
use time::Date;
use utoipa::ToSchema;

use crate::model::{DataItem, ItemType, QualityRule, ResourceMeta, parse_ymd};
use crate::repo::rows::join_key;
use crate::repo::seal::RowHasher;

/// One problem of one row (or of the file: line 1, or 0 for the file as a whole).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Issue {
    /// The line as the user sees it in the file (push: the row's number in the request).
    pub line: i64,
    /// The data item's name (信息项名称); empty for the whole row or file.
    pub item: String,
    /// The value, masked when the item is personal data.
    pub value: String,
    /// Stable rule identifier, e.g. `required`, `id_number`, `unique`, `type.date`.
    pub rule: String,
    pub message_zh: String,
    pub message_en: String,
}

impl Issue {
    pub fn new(line: i64, item: &str, value: &str, rule: &str, zh: String, en: String) -> Issue {
        Issue {
            line,
            item: item.to_string(),
            value: value.to_string(),
            rule: rule.to_string(),
            message_zh: zh,
            message_en: en,
        }
    }
}

/// Masks a personal value: the middle hidden, a quarter kept at each end (an ID number shows
/// its first and last four characters).
pub fn mask(v: &str) -> String {
    let chars: Vec<char> = v.chars().collect();
    let keep = chars.len() / 4;
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i < keep || i >= chars.len() - keep {
                *c
            } else {
                '*'
            }
        })
        .collect()
}

/// How the file's columns map onto the resource's items.
#[derive(Debug, Clone)]
pub struct Schema {
    /// Per file column: the item's index (`None`: an empty trailing header).
    pub columns: Vec<Option<usize>>,
}

fn header_name(h: &str) -> &str {
    h.trim().trim_start_matches('*').trim()
}

/// The item a header (or a JSON key) names: its 信息项名称 or its field name.
pub fn item_index(meta: &ResourceMeta, header: &str) -> Option<usize> {
    let h = header_name(header);
    meta.items
        .iter()
        .position(|i| i.name.trim() == h || i.field.eq_ignore_ascii_case(h))
}

impl Schema {
    /// Reads the header: every column must name an item, none twice, and every key item must
    /// be there. Problems are file problems (line 1): the load is refused whatever the mode.
    pub fn from_headers(meta: &ResourceMeta, headers: &[String]) -> Result<Schema, Vec<Issue>> {
        let mut issues = Vec::new();
        let mut columns = Vec::with_capacity(headers.len());
        let mut seen = HashSet::new();
        for h in headers {
            if header_name(h).is_empty() {
                columns.push(None);
                continue;
            }
            match item_index(meta, h) {
                Some(i) => {
                    if !seen.insert(i) {
                        issues.push(Issue::new(
                            1,
                            &meta.items[i].name,
                            h,
                            "exchange.duplicate_column",
                            format!("表头中信息项“{}”出现两次", meta.items[i].name),
                            format!("The header names item \"{}\" twice", meta.items[i].name),
                        ));
                    }
                    columns.push(Some(i));
                }
                None => {
                    issues.push(Issue::new(
                        1,
                        "",
                        h,
                        "exchange.unknown_column",
                        format!("表头“{h}”不是本资源的信息项名称或字段名"),
                        format!("Header \"{h}\" is neither an item name nor a field name of this resource"),
                    ));
                    columns.push(None);
                }
            }
        }
        for (i, it) in meta.items.iter().enumerate() {
            if it.key && !seen.contains(&i) {
                issues.push(Issue::new(
                    1,
                    &it.name,
                    "",
                    "exchange.missing_key_column",
                    format!("缺少主键信息项“{}”一列", it.name),
                    format!("The key item \"{}\" has no column", it.name),
                ));
            }
        }
        if issues.is_empty() {
            Ok(Schema { columns })
        } else {
            Err(issues)
        }
    }

    /// The row's cells in item order (absent columns give empty values).
    pub fn cells(&self, items: usize, row: Vec<String>) -> Vec<String> {
        let mut out = vec![String::new(); items];
        for (col, v) in row.into_iter().enumerate() {
            if let Some(Some(i)) = self.columns.get(col) {
                out[*i] = v;
            }
        }
        out
    }
}

/// A hasher that passes a `u64` through (the values are already hashes).
#[derive(Default)]
pub struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// A set of value hashes.
pub type HashSet64 = HashSet<u64, BuildHasherDefault<PassThrough>>;

/// The 64-bit hash of a value (fixed keys: the same in every process, so a resumed job
/// rebuilds the same sets).
pub fn hash64(s: &str) -> u64 {
    #[allow(deprecated)]
    let mut h = std::hash::SipHasher::new();
    s.hash(&mut h);
    h.finish()
}

/// A row that passed the checks.
#[derive(Debug, Clone)]
pub struct GoodRow {
    pub line: i64,
    /// The clear key.
    pub key: String,
    /// The key's blind index (the stored key).
    pub index: String,
    pub data: String,
    /// The keyed digest of `data`.
    pub digest: String,
    /// Values that must be current keys of other resources: (resource code, value, item).
    pub refs: Vec<(String, String, usize)>,
}

/// The checks of one load, with the state uniqueness needs.
pub struct Checker {
    items: Vec<DataItem>,
    patterns: HashMap<usize, regex::Regex>,
    today: Date,
    keys: HashSet64,
    unique: BTreeMap<usize, HashSet64>,
    hasher: RowHasher,
}

impl Checker {
    /// Compiles the patterns (a pattern that does not compile is a file problem: the catalog
    /// stored it without checking its syntax).
    pub fn new(meta: &ResourceMeta, today: Date, hasher: RowHasher) -> Result<Checker, Vec<Issue>> {
        let mut patterns = HashMap::new();
        let mut issues = Vec::new();
        let mut unique = BTreeMap::new();
        for (i, it) in meta.items.iter().enumerate() {
            for r in &it.rules {
                match r {
                    QualityRule::Pattern { pattern } => {
                        match regex::Regex::new(&format!("^(?:{pattern})$")) {
                            Ok(re) => {
                                patterns.insert(i, re);
                            }
                            Err(_) => issues.push(Issue::new(
                                0,
                                &it.name,
                                pattern,
                                "exchange.pattern_invalid",
                                format!("信息项“{}”的校验规则（正则表达式）无法使用", it.name),
                                format!("The pattern rule of item \"{}\" is not a valid regular expression", it.name),
                            )),
                        }
                    }
                    QualityRule::Unique if !it.key => {
                        unique.insert(i, HashSet64::default());
                    }
                    _ => {}
                }
            }
        }
        if !issues.is_empty() {
            return Err(issues);
        }
        Ok(Checker {
            items: meta.items.clone(),
            patterns,
            today,
            keys: HashSet64::default(),
            unique,
            hasher,
        })
    }

    pub fn items(&self) -> &[DataItem] {
        &self.items
    }

    /// Items with the `unique` rule other than key items (their current values are loaded
    /// into the checker before an incremental load: [`Checker::seed_unique`]).
    pub fn unique_fields(&self) -> Vec<String> {
        self.unique
            .keys()
            .map(|&i| self.items[i].field.clone())
            .collect()
    }

    /// A current row's values of the `unique` items (rows of keys the load rewrites are
    /// seeded too: a conflict with them is reported, the provider fixes one side).
    pub fn seed_unique(&mut self, values: &serde_json::Map<String, Value>) {
        for (&i, set) in self.unique.iter_mut() {
            if let Some(v) = values.get(&self.items[i].field) {
                set.insert(hash64(&scalar_text(v)));
            }
        }
    }

    /// Whether the key (its blind index, as stored) was seen in this load (for full loads:
    /// keys absent from the file).
    pub fn has_key(&self, index: &str) -> bool {
        self.keys.contains(&hash64(index))
    }

    pub fn key_count(&self) -> usize {
        self.keys.len()
    }

    /// Checks one row (cells in item order). Either the stored document or its problems.
    pub fn check(&mut self, line: i64, cells: &[String]) -> Result<GoodRow, Vec<Issue>> {
        let mut issues = Vec::new();
        let mut doc = serde_json::Map::new();
        let mut key_parts: Vec<String> = Vec::new();
        let mut refs = Vec::new();
        let mut uniq = Vec::new();
        for (i, it) in self.items.iter().enumerate() {
            let raw = cells.get(i).map(|s| s.trim()).unwrap_or("");
            let shown = if it.personal {
                mask(raw)
            } else {
                raw.to_string()
            };
            let mut bad = |rule: &str, zh: String, en: String| {
                issues.push(Issue::new(line, &it.name, &shown, rule, zh, en));
            };
            if raw.contains('\0') {
                bad(
                    "text.nul",
                    format!("“{}”含有空字符（NUL）", it.name),
                    format!("\"{}\" contains a NUL character", it.name),
                );
                continue;
            }
            if raw.is_empty() {
                if it.key || it.rules.contains(&QualityRule::Required) {
                    bad(
                        "required",
                        format!("“{}”必填", it.name),
                        format!("\"{}\" is required", it.name),
                    );
                }
                continue;
            }
            let Some((value, text)) = typed(it, raw, &mut bad) else {
                continue;
            };
            let mut text = text;
            let mut ok = true;
            if let Some(max) = it.length
                && matches!(
                    it.item_type,
                    ItemType::Char | ItemType::Memo | ItemType::General
                )
                && text.chars().count() > max as usize
            {
                ok = false;
                bad(
                    "max_length",
                    format!("“{}”超过数据长度 {max}", it.name),
                    format!("\"{}\" is longer than its length {max}", it.name),
                );
            }
            for r in &it.rules {
                match r {
                    QualityRule::Required | QualityRule::Unique => {}
                    QualityRule::MaxLength { max } => {
                        if text.chars().count() > *max as usize {
                            ok = false;
                            bad(
                                "max_length",
                                format!("“{}”不能超过 {max} 个字符", it.name),
                                format!("\"{}\" must be at most {max} characters", it.name),
                            );
                        }
                    }
                    QualityRule::Pattern { .. } => {
                        if self.patterns.get(&i).is_some_and(|re| !re.is_match(&text)) {
                            ok = false;
                            bad(
                                "pattern",
                                format!("“{}”格式不符合规则", it.name),
                                format!("\"{}\" does not match its pattern", it.name),
                            );
                        }
                    }
                    QualityRule::IdNumber => {
                        match yiwang_kernel::codes::id_number::IdNumber::parse(&text, self.today) {
                            Ok(id) => text = id.as_str().to_string(),
                            Err(e) => {
                                ok = false;
                                bad(
                                    "id_number",
                                    format!("“{}”不是有效的公民身份号码：{}", it.name, e.zh),
                                    format!("\"{}\" is not a valid ID number: {}", it.name, e.en),
                                );
                            }
                        }
                    }
                    QualityRule::Uscc => match yiwang_kernel::codes::uscc::Uscc::parse(&text) {
                        Ok(u) => text = u.as_str().to_string(),
                        Err(e) => {
                            ok = false;
                            bad(
                                "uscc",
                                format!("“{}”不是有效的统一社会信用代码：{}", it.name, e.zh),
                                format!("\"{}\" is not a valid USCC: {}", it.name, e.en),
                            );
                        }
                    },
                    QualityRule::CodeList { values } => {
                        if !values.iter().any(|v| v == &text) {
                            ok = false;
                            bad(
                                "code_list",
                                format!("“{}”的值不在代码表（{}）中", it.name, values.join("、")),
                                format!("\"{}\" is not one of {}", it.name, values.join(", ")),
                            );
                        }
                    }
                    QualityRule::DateRange { from, to } => {
                        let d = parse_ymd(&text[..text.len().min(10)]);
                        let lo = from.as_deref().and_then(parse_ymd);
                        let hi = to.as_deref().and_then(parse_ymd);
                        let inside = d.is_some_and(|d| {
                            lo.is_none_or(|lo| d >= lo) && hi.is_none_or(|hi| d <= hi)
                        });
                        if !inside {
                            ok = false;
                            let range = format!(
                                "{}–{}",
                                from.as_deref().unwrap_or(""),
                                to.as_deref().unwrap_or("")
                            );
                            bad(
                                "date_range",
                                format!("“{}”应为 {range} 之间的日期", it.name),
                                format!("\"{}\" must be a date within {range}", it.name),
                            );
                        }
                    }
                    QualityRule::Reference { resource } => {
                        refs.push((resource.clone(), text.clone(), i));
                    }
                }
            }
            if !ok {
                continue;
            }
            if self.unique.contains_key(&i) {
                uniq.push((i, hash64(&text)));
            }
            if it.key {
                key_parts.push(text.clone());
            }
            let value = match value {
                Value::String(_) => Value::String(text),
                v => v,
            };
            doc.insert(it.field.clone(), value);
        }
        if !issues.is_empty() {
            return Err(issues);
        }
        let key = join_key(key_parts.iter().map(String::as_str));
        let key_items: Vec<&DataItem> = self.items.iter().filter(|i| i.key).collect();
        let key_name = key_items
            .iter()
            .map(|i| i.name.as_str())
            .collect::<Vec<_>>()
            .join("+");
        let key_shown = if key_items.iter().any(|i| i.personal) {
            mask(&key)
        } else {
            key.clone()
        };
        let index = self.hasher.index(&key);
        if !self.keys.insert(hash64(&index)) {
            return Err(vec![Issue::new(
                line,
                &key_name,
                &key_shown,
                "unique",
                format!("主键“{key_name}”的值在本次归集中重复"),
                format!("The key \"{key_name}\" appears twice in this load"),
            )]);
        }
        for (i, h) in uniq {
            let Some(set) = self.unique.get_mut(&i) else {
                continue;
            };
            if !set.insert(h) {
                let it = &self.items[i];
                issues.push(Issue::new(
                    line,
                    &it.name,
                    &cells
                        .get(i)
                        .map(|c| c.trim().to_string())
                        .map(|c| if it.personal { mask(&c) } else { c })
                        .unwrap_or_default(),
                    "unique",
                    format!("“{}”的值与本次归集的其他行或现有数据重复", it.name),
                    format!(
                        "\"{}\" repeats a value of another row of this load or of the current data",
                        it.name
                    ),
                ));
            }
        }
        if !issues.is_empty() {
            return Err(issues);
        }
        let data = Value::Object(doc).to_string();
        let digest = self.hasher.digest(&data);
        Ok(GoodRow {
            line,
            key,
            index,
            data,
            digest,
            refs,
        })
    }
}

/// The text of a stored scalar, as a cell would hold it.
pub fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Reads a value per its item type: the stored JSON value and its canonical text (the text
/// the rules check). `None` after reporting a type problem.
fn typed(
    it: &DataItem,
    raw: &str,
    bad: &mut impl FnMut(&str, String, String),
) -> Option<(Value, String)> {
    let s = raw.to_string();
    match it.item_type {
        ItemType::Char | ItemType::Memo | ItemType::General => Some((Value::String(s.clone()), s)),
        ItemType::Numeric | ItemType::Currency => {
            if is_decimal(raw) {
                Some((Value::String(s.clone()), s))
            } else {
                bad(
                    "type.numeric",
                    format!("“{}”应为数值", it.name),
                    format!("\"{}\" must be a number", it.name),
                );
                None
            }
        }
        ItemType::Integer => match raw.parse::<i64>() {
            Ok(n) => Some((Value::from(n), n.to_string())),
            Err(_) => {
                bad(
                    "type.integer",
                    format!("“{}”应为整数", it.name),
                    format!("\"{}\" must be an integer", it.name),
                );
                None
            }
        },
        ItemType::Double | ItemType::Float => match raw.parse::<f64>() {
            Ok(f) if f.is_finite() => Some((Value::from(f), raw.to_string())),
            _ => {
                bad(
                    "type.numeric",
                    format!("“{}”应为数值", it.name),
                    format!("\"{}\" must be a number", it.name),
                );
                None
            }
        },
        ItemType::Date => match parse_ymd(raw) {
            Some(d) if raw.len() == 10 => {
                let t = d.to_string();
                Some((Value::String(t.clone()), t))
            }
            _ => {
                bad(
                    "type.date",
                    format!("“{}”应为日期（YYYY-MM-DD）", it.name),
                    format!("\"{}\" must be a date (YYYY-MM-DD)", it.name),
                );
                None
            }
        },
        ItemType::DateTime => match parse_datetime(raw) {
            Some(t) => Some((Value::String(t.clone()), t)),
            None => {
                bad(
                    "type.datetime",
                    format!("“{}”应为日期时间（YYYY-MM-DD HH:MM:SS）", it.name),
                    format!(
                        "\"{}\" must be a date and time (YYYY-MM-DD HH:MM:SS)",
                        it.name
                    ),
                );
                None
            }
        },
        ItemType::Logical => {
            let b = match raw.to_ascii_lowercase().as_str() {
                "1" | "true" | "t" | "y" | "yes" | "是" => Some(true),
                "0" | "false" | "f" | "n" | "no" | "否" => Some(false),
                _ => None,
            };
            match b {
                Some(b) => Some((Value::Bool(b), b.to_string())),
                None => {
                    bad(
                        "type.logical",
                        format!("“{}”应为逻辑值（是/否、1/0、true/false）", it.name),
                        format!("\"{}\" must be a logical value (true/false, 1/0)", it.name),
                    );
                    None
                }
            }
        }
    }
}

/// `-12`, `3.50`, `+0.1`: digits with an optional sign and fraction.
fn is_decimal(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (int, frac) = s.split_once('.').unwrap_or((s, "0"));
    !int.is_empty()
        && !frac.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

/// `YYYY-MM-DD HH:MM:SS` (or with `T`), normalised with a space.
fn parse_datetime(s: &str) -> Option<String> {
    let s = s.replacen('T', " ", 1);
    let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    time::PrimitiveDateTime::parse(&s, f).ok().map(|_| s)
}

#[cfg(test)]
#[path = "check_tests.rs"]
mod tests;
