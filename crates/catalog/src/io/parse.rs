//! The tables parsed (no database): items and child rows by 实施编码, cell values, required
//! cells, duplicates, orphan child rows; the elements a row composes.

use super::*;

/// One row of the item table, read but not yet checked against the database.
#[derive(Debug, Clone)]
pub(super) struct ItemIn {
    pub(super) line: usize,
    /// 实施编码, upper-cased; usable only when `code_ok`.
    pub(super) code: String,
    pub(super) code_ok: bool,
    pub(super) basic_code: String,
    pub(super) name: String,
    pub(super) department_uscc: String,
    pub(super) division_code: String,
    /// The element values of the columns present in the file.
    pub(super) values: Map<String, Value>,
}

#[derive(Debug, Clone)]
pub(super) struct ChildIn<T> {
    pub(super) line: usize,
    pub(super) value: T,
}

/// The rows of a child table by 实施编码, in file order; `None` when the table was not supplied.
pub(super) type Children<T> = Option<HashMap<String, Vec<ChildIn<T>>>>;

#[derive(Debug, Default)]
pub(super) struct Parsed {
    pub(super) items: Vec<ItemIn>,
    pub(super) materials: Children<Material>,
    pub(super) fees: Children<Fee>,
    pub(super) faqs: Children<Faq>,
    pub(super) steps: Children<ProcessStep>,
    /// Data rows over all tables.
    pub(super) rows: usize,
    pub(super) errors: Vec<RowError>,
}

pub(super) fn parse_items(sheet: &Sheet, p: &mut Parsed) -> Option<HashSet<String>> {
    let layout = match Layout::resolve(sheet, &Table::Items.columns()) {
        Ok(l) => l,
        Err(es) => {
            p.errors.extend(es);
            return None;
        }
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    for row in &sheet.rows {
        p.rows += 1;
        let mut errs = Vec::new();
        let code = layout.get(row, "code").to_uppercase();
        let mut code_ok = false;
        if code.is_empty() {
            errs.push(FieldError::required("code"));
        } else if !rules::code_ok(&code, 36) {
            errs.push(FieldError::new(
                "code",
                "item_code.format",
                "实施编码应为1至36位数字或大写字母",
                "An implementation code has 1 to 36 digits or upper-case letters",
            ));
        } else if let Some(first) = seen.get(&code) {
            errs.push(FieldError::new(
                "code",
                "item_code.duplicate_in_file",
                format!("与第{first}行的实施编码重复"),
                format!("Same implementation code as line {first}"),
            ));
        } else {
            seen.insert(code.clone(), row.line);
            code_ok = true;
        }
        let basic_code = layout.get(row, "basic_code").to_uppercase();
        if basic_code.is_empty() {
            errs.push(FieldError::required("basic_code"));
        }
        let uscc = layout.get(row, "department_uscc").to_ascii_uppercase();
        if uscc.is_empty() {
            errs.push(FieldError::required("department_uscc"));
        } else if let Err(e) = Uscc::parse(&uscc) {
            errs.push(e.within("department_uscc"));
        }
        let mut values = Map::new();
        overlay(&mut values, &layout, row, ITEM_FIELDS, &mut errs);
        p.errors.extend(
            errs.into_iter()
                .map(|e| RowError::from_field(ITEMS_SHEET, row.line, e)),
        );
        p.items.push(ItemIn {
            line: row.line,
            code,
            code_ok,
            basic_code,
            name: layout.get(row, "name").to_string(),
            department_uscc: uscc,
            division_code: layout.get(row, "division_code").to_string(),
            values,
        });
    }
    Some(seen.into_keys().collect())
}

pub(super) fn parse_children<T: Serialize + DeserializeOwned + Default>(
    sheet: Option<&Sheet>,
    table: Table,
    items: Option<&HashSet<String>>,
    p: &mut Parsed,
) -> Result<Children<T>> {
    let Some(sheet) = sheet else {
        return Ok(None);
    };
    let mut out: HashMap<String, Vec<ChildIn<T>>> = HashMap::new();
    let layout = match Layout::resolve(sheet, &table.columns()) {
        Ok(l) => l,
        Err(es) => {
            p.errors.extend(es);
            return Ok(Some(out));
        }
    };
    let base = to_object(&T::default())?;
    for row in &sheet.rows {
        p.rows += 1;
        let mut errs = Vec::new();
        let code = layout.get(row, "code").to_uppercase();
        if code.is_empty() {
            errs.push(FieldError::required("code"));
        } else if let Some(items) = items
            && !items.contains(&code)
        {
            errs.push(FieldError::new(
                "code",
                "item.not_in_file",
                format!("实施编码“{code}”不在事项表中"),
                format!("The implementation code \"{code}\" is not in the item table"),
            ));
        }
        let mut obj = base.clone();
        overlay(&mut obj, &layout, row, table.fields(), &mut errs);
        let value: T = from_object(obj)?;
        p.errors.extend(
            errs.into_iter()
                .map(|e| RowError::from_field(table.sheet(), row.line, e)),
        );
        out.entry(code).or_default().push(ChildIn {
            line: row.line,
            value,
        });
    }
    Ok(Some(out))
}

/// Reads every table: cell values, required cells, duplicate codes, orphan child rows.
pub(super) fn parse_tables(t: &Tables) -> Result<Parsed> {
    let mut p = Parsed::default();
    let codes = parse_items(&t.items, &mut p);
    let codes = codes.as_ref();
    p.materials = parse_children(t.materials.as_ref(), Table::Materials, codes, &mut p)?;
    p.fees = parse_children(t.fees.as_ref(), Table::Fees, codes, &mut p)?;
    p.faqs = parse_children(t.faqs.as_ref(), Table::Faqs, codes, &mut p)?;
    p.steps = parse_children(t.steps.as_ref(), Table::Steps, codes, &mut p)?;
    Ok(p)
}

/// Lines of an item's child rows (`None`: the table was not supplied).
#[derive(Debug, Default)]
pub(super) struct ChildLines {
    pub(super) materials: Option<Vec<usize>>,
    pub(super) fees: Option<Vec<usize>>,
    pub(super) faqs: Option<Vec<usize>>,
    pub(super) steps: Option<Vec<usize>>,
}

pub(super) fn take_children<T: Clone>(
    children: &Children<T>,
    code: &str,
    target: &mut Vec<T>,
) -> Option<Vec<usize>> {
    let map = children.as_ref()?;
    let rows = map.get(code).map(Vec::as_slice).unwrap_or(&[]);
    *target = rows.iter().map(|c| c.value.clone()).collect();
    Some(rows.iter().map(|c| c.line).collect())
}

/// The elements of one row over `base`: the row's columns, then the supplied child tables.
/// Materials without a key keep the key of the base material with the same name.
pub(super) fn compose(base: &Elements, it: &ItemIn, p: &Parsed) -> Result<(Elements, ChildLines)> {
    let mut obj = to_object(base)?;
    for (k, v) in &it.values {
        obj.insert(k.clone(), v.clone());
    }
    let mut e: Elements = from_object(obj)?;
    let lines = ChildLines {
        materials: take_children(&p.materials, &it.code, &mut e.materials),
        fees: take_children(&p.fees, &it.code, &mut e.fees),
        faqs: take_children(&p.faqs, &it.code, &mut e.faqs),
        steps: take_children(&p.steps, &it.code, &mut e.process_steps),
    };
    let mut used: HashSet<String> = e
        .materials
        .iter()
        .filter(|m| !m.key.is_empty())
        .map(|m| m.key.clone())
        .collect();
    for m in &mut e.materials {
        if m.key.is_empty()
            && let Some(old) = base
                .materials
                .iter()
                .find(|o| o.name == m.name && !o.key.is_empty() && !used.contains(&o.key))
        {
            m.key = old.key.clone();
            used.insert(m.key.clone());
        }
    }
    e.assign_material_keys();
    Ok((e, lines))
}

/// Puts a shape error of the elements on the line that holds the value: `materials[2].name`
/// on the material's own line when the material table was supplied, else on the item's line.
pub(super) fn locate(e: FieldError, item_line: usize, lines: &ChildLines) -> RowError {
    let lists = [
        ("materials[", MATERIALS_SHEET, &lines.materials),
        ("fees[", FEES_SHEET, &lines.fees),
        ("faqs[", FAQS_SHEET, &lines.faqs),
        ("process_steps[", STEPS_SHEET, &lines.steps),
    ];
    for (prefix, sheet, ls) in lists {
        if let Some(rest) = e.field.strip_prefix(prefix)
            && let Some((idx, sub)) = rest.split_once(']')
            && let Ok(i) = idx.parse::<usize>()
            && let Some(line) = ls.as_ref().and_then(|v| v.get(i))
        {
            let sub = sub.trim_start_matches('.');
            let field = if sub.is_empty() {
                e.field.clone()
            } else {
                sub.to_string()
            };
            return RowError::from_field(sheet, *line, FieldError { field, ..e });
        }
    }
    RowError::from_field(ITEMS_SHEET, item_line, e)
}
