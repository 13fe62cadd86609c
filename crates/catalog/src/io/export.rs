//! The export sheets of published items.

use super::*;

/// One item as exported.
#[derive(Debug)]
pub(super) struct ExportItem<'a> {
    pub(super) code: &'a str,
    pub(super) division_code: &'a str,
    pub(super) department_uscc: String,
    pub(super) elements: &'a Elements,
}

pub(super) fn child_rows<T: Serialize>(
    code: &str,
    list: &[T],
    table: Table,
    out: &mut Vec<Vec<String>>,
) -> Result<()> {
    for v in list {
        let obj = to_object(v)?;
        out.push(
            table
                .fields()
                .iter()
                .map(|f| match f.col.key {
                    "code" => code.to_string(),
                    k => format_cell(f.kind, obj.get(k)),
                })
                .collect(),
        );
    }
    Ok(())
}

/// The five sheets of an export, in [`Table::ALL`] order.
pub(super) fn build_sheets(items: &[ExportItem<'_>]) -> Result<Vec<Sheet>> {
    let mut rows: [Vec<Vec<String>>; 5] = Default::default();
    for x in items {
        let obj = to_object(x.elements)?;
        rows[0].push(
            ITEM_FIELDS
                .iter()
                .map(|f| match f.col.key {
                    "code" => x.code.to_string(),
                    "division_code" => x.division_code.to_string(),
                    "department_uscc" => x.department_uscc.clone(),
                    k => format_cell(f.kind, obj.get(k)),
                })
                .collect(),
        );
        let e = x.elements;
        child_rows(x.code, &e.materials, Table::Materials, &mut rows[1])?;
        child_rows(x.code, &e.fees, Table::Fees, &mut rows[2])?;
        child_rows(x.code, &e.faqs, Table::Faqs, &mut rows[3])?;
        child_rows(x.code, &e.process_steps, Table::Steps, &mut rows[4])?;
    }
    Ok(Table::ALL
        .iter()
        .zip(rows)
        .map(|(t, r)| sheet_for(t.sheet(), &t.columns(), r))
        .collect())
}
