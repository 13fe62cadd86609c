//! Importing credit lists from CSV (UTF-8 or GBK) or XLSX: every row is checked first and
//! nothing is written unless every row is valid; errors name the line and the column.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::json;
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::codes::{IdNumber, Uscc};
use yiwang_kernel::error::RowError;
use yiwang_kernel::{Error, FieldError, Result};
use yiwang_sheets::{Column, Format, Layout, Sheet, read_csv, read_xlsx};

use super::repo::{self, EntryRow};
use super::{FACILITATIONS, SUBJECT, mask_uscc};
use crate::SupervisionService;

const SHEET: &str = "信用名单";

/// The columns of a list file (Chinese headers, English keys accepted).
pub const COLUMNS: &[Column] = &[
    Column::new("list", "名单类型", true),
    Column::new("subject_kind", "主体类型", true),
    Column::new("subject_name", "主体名称", true),
    Column::new("subject_number", "统一社会信用代码或身份证号", true),
    Column::new("basis", "认定依据", true),
    Column::new("measures", "惩戒或激励措施", true),
    Column::new("facilitation", "便利措施", false),
    Column::new("authority", "认定部门", true),
    Column::new("valid_from", "有效期起", true),
    Column::new("valid_to", "有效期止", false),
];

/// What an import wrote.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreditImportReport {
    pub rows: usize,
    pub inserted: usize,
    pub updated: usize,
}

/// A valid row, before sealing.
pub(super) struct Parsed {
    line: usize,
    list: &'static str,
    kind: &'static str,
    name: String,
    number: String,
    basis: String,
    measures: String,
    facilitation: Vec<&'static str>,
    authority: String,
    valid_from: Date,
    valid_to: Option<Date>,
}

fn err(line: usize, field: &str, code: &str, zh: String, en: String) -> RowError {
    RowError::from_field(SHEET, line, FieldError::new(field, code, zh, en))
}

fn pick_sheet(bytes: &[u8]) -> Result<Sheet> {
    match Format::detect(bytes) {
        Format::Xlsx => read_xlsx(bytes)?.into_iter().next().ok_or_else(|| {
            Error::import_rejected(vec![])
                .with_detail("工作簿中没有工作表", "The workbook has no sheets")
        }),
        Format::Csv => Ok(read_csv(SHEET, bytes)?.0),
    }
}

/// A date cell (`None` when empty or wrong; a wrong one is pushed to `errors`).
fn date(line: usize, field: &str, s: &str, errors: &mut Vec<RowError>) -> Option<Date> {
    if s.is_empty() {
        return None;
    }
    let d = yiwang_calendar::data::parse_date(s);
    if d.is_none() {
        errors.push(err(
            line,
            field,
            "date.format",
            format!("日期“{s}”无效，应为 YYYY-MM-DD"),
            format!("Invalid date \"{s}\"; expected YYYY-MM-DD"),
        ));
    }
    d
}

fn required(line: usize, field: &str, s: &str, max: usize, errors: &mut Vec<RowError>) -> String {
    match yiwang_kernel::text::required(field, s, max) {
        Ok(v) => v,
        Err(e) => {
            errors.push(RowError::from_field(SHEET, line, e));
            String::new()
        }
    }
}

/// Checks every row of `sheet` as of `today` (an import file holds at least one row; a
/// synchronised resource may hold none: `allow_empty`).
pub(super) fn parse_rows(
    sheet: &Sheet,
    today: Date,
    allow_empty: bool,
) -> std::result::Result<Vec<Parsed>, Vec<RowError>> {
    let layout = Layout::resolve(sheet, COLUMNS)?;
    let mut errors = Vec::new();
    let mut out = Vec::new();
    let mut seen: HashMap<(String, String, String, Date), usize> = HashMap::new();
    if sheet.rows.is_empty() && !allow_empty {
        errors.push(err(
            1,
            "rows",
            "import.empty",
            "文件中没有名单记录".into(),
            "The file holds no entries".into(),
        ));
    }
    for row in &sheet.rows {
        let line = row.line;
        let before = errors.len();
        let list = match layout.get(row, "list") {
            "red" | "红名单" | "红" => "red",
            "black" | "黑名单" | "黑" => "black",
            other => {
                errors.push(err(
                    line,
                    "list",
                    "credit.list",
                    format!("名单类型“{other}”无效，应为红名单或黑名单"),
                    format!("Unknown list \"{other}\"; expected red (红名单) or black (黑名单)"),
                ));
                "black"
            }
        };
        let kind = match layout.get(row, "subject_kind") {
            "enterprise" | "企业" | "法人" | "法人和其他组织" => "enterprise",
            "person" | "个人" | "自然人" => "person",
            other => {
                errors.push(err(
                    line,
                    "subject_kind",
                    "credit.subject_kind",
                    format!("主体类型“{other}”无效，应为企业或个人"),
                    format!("Unknown subject kind \"{other}\"; expected enterprise (企业) or person (个人)"),
                ));
                "enterprise"
            }
        };
        let raw: String = layout
            .get(row, "subject_number")
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase();
        let number = match kind {
            "enterprise" => Uscc::parse(&raw).map(|u| u.as_str().to_string()),
            _ => IdNumber::parse(&raw, today).map(|i| i.as_str().to_string()),
        };
        let number = match number {
            Ok(n) => n,
            Err(mut e) => {
                e.field = "subject_number".into();
                errors.push(RowError::from_field(SHEET, line, e));
                String::new()
            }
        };
        let name = required(
            line,
            "subject_name",
            layout.get(row, "subject_name"),
            200,
            &mut errors,
        );
        let basis = required(line, "basis", layout.get(row, "basis"), 2000, &mut errors);
        let measures = required(
            line,
            "measures",
            layout.get(row, "measures"),
            2000,
            &mut errors,
        );
        let authority = required(
            line,
            "authority",
            layout.get(row, "authority"),
            200,
            &mut errors,
        );
        let mut facilitation = Vec::new();
        for f in layout
            .get(row, "facilitation")
            .split([',', '，', '、', ';', '；'])
            .map(str::trim)
            .filter(|f| !f.is_empty())
        {
            match FACILITATIONS.iter().find(|(c, zh, _)| *c == f || *zh == f) {
                Some((c, _, _)) => facilitation.push(*c),
                None => errors.push(err(
                    line,
                    "facilitation",
                    "credit.facilitation",
                    format!("便利措施“{f}”无效，可选：容缺受理、优先办理、减少检查频次"),
                    format!("Unknown facilitation \"{f}\"; expected tolerant_acceptance, priority or fewer_checks"),
                )),
            }
        }
        if list == "black" && !facilitation.is_empty() {
            errors.push(err(
                line,
                "facilitation",
                "credit.black_facilitation",
                "黑名单记录不能有便利措施".into(),
                "A black-list entry grants no facilitation".into(),
            ));
        }
        let raw_from = layout.get(row, "valid_from");
        if raw_from.is_empty() {
            errors.push(RowError::from_field(
                SHEET,
                line,
                FieldError::required("valid_from"),
            ));
        }
        let from = date(line, "valid_from", raw_from, &mut errors);
        let to = date(line, "valid_to", layout.get(row, "valid_to"), &mut errors);
        if let (Some(f), Some(t)) = (from, to)
            && t < f
        {
            errors.push(err(
                line,
                "valid_to",
                "credit.validity",
                "有效期止不能早于有效期起".into(),
                "The end of validity is before its start".into(),
            ));
        }
        if errors.len() > before {
            continue;
        }
        let Some(valid_from) = from else { continue };
        let key = (
            list.to_string(),
            number.clone(),
            authority.clone(),
            valid_from,
        );
        if let Some(first) = seen.insert(key, line) {
            errors.push(err(
                line,
                "subject_number",
                "credit.duplicate_in_file",
                format!("与第{first}行重复（同一名单、主体、认定部门和有效期起）"),
                format!("Same list, subject, authority and start as line {first}"),
            ));
            continue;
        }
        out.push(Parsed {
            line,
            list,
            kind,
            name,
            number,
            basis,
            measures,
            facilitation,
            authority,
            valid_from,
            valid_to: to,
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

impl SupervisionService {
    /// The entries to write for valid rows: the number sealed and blind-indexed, masked for
    /// display (a person's name too).
    pub(super) fn seal_rows(
        &self,
        rows: &[Parsed],
        source: &str,
        by: &str,
        now: OffsetDateTime,
    ) -> Result<Vec<EntryRow>> {
        let mut sealed = Vec::with_capacity(rows.len());
        for p in rows {
            sealed.push(EntryRow {
                id: 0,
                list_kind: p.list.into(),
                subject_kind: p.kind.into(),
                subject_idx: self.subject_index(&p.number)?,
                subject_enc: self.keys.seal(SUBJECT, &p.number)?,
                subject_mask: if p.kind == "person" {
                    yiwang_vault::mask_id_number(&p.number)
                } else {
                    mask_uscc(&p.number)
                },
                subject_name: if p.kind == "person" {
                    yiwang_vault::mask_name(&p.name)
                } else {
                    p.name.clone()
                },
                basis: p.basis.clone(),
                measures: p.measures.clone(),
                facilitation: p.facilitation.join(","),
                authority: p.authority.clone(),
                valid_from: p.valid_from,
                valid_to: p.valid_to,
                source: source.into(),
                status: "active".into(),
                revoked_reason: String::new(),
                revoked_by: None,
                revoked_at: None,
                created_by: by.into(),
                created_at: now,
            });
        }
        Ok(sealed)
    }

    /// Imports a list file (CSV or XLSX, columns [`COLUMNS`]): nothing is written unless every
    /// row is valid. An entry already held (same list, subject, authority and start) is
    /// updated. Audited with the counts.
    pub async fn import_credit(&self, ctx: &Ctx, bytes: &[u8]) -> Result<CreditImportReport> {
        self.require_credit(ctx, "credit_entries", "credit.import")
            .await?;
        let owned = bytes.to_vec();
        let today = self.clock.today();
        let rows = tokio::task::spawn_blocking(move || -> Result<Vec<Parsed>> {
            let sheet = pick_sheet(&owned)?;
            parse_rows(&sheet, today, false).map_err(Error::import_rejected)
        })
        .await
        .map_err(|e| Error::internal(format!("import task: {e}")))??;
        let now = self.clock.now();
        let sealed = self.seal_rows(&rows, "import", &ctx.actor.label(), now)?;
        let mut tx = self.db.write().await?;
        let (mut inserted, mut updated) = (0, 0);
        for r in &sealed {
            if repo::upsert(&mut tx, r, now).await? {
                inserted += 1;
            } else {
                updated += 1;
            }
        }
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "credit.import", "credit_entries")
                .source(&ctx.source)
                .data(json!({
                    "rows": rows.len(),
                    "inserted": inserted,
                    "updated": updated,
                    "lines": rows.iter().map(|p| p.line).max().unwrap_or(0),
                })),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(CreditImportReport {
            rows: rows.len(),
            inserted,
            updated,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const HEAD: &str = "名单类型,主体类型,主体名称,统一社会信用代码或身份证号,认定依据,惩戒或激励措施,便利措施,认定部门,有效期起,有效期止\n";

    fn uscc(body: &str) -> String {
        Uscc::from_body(&format!("{body:0<17}"))
            .unwrap()
            .to_string()
    }

    fn parse(csv: &str) -> std::result::Result<Vec<Parsed>, Vec<RowError>> {
        let sheet = read_csv(SHEET, csv.as_bytes()).unwrap().0;
        parse_rows(&sheet, time::macros::date!(2026 - 11 - 22), false)
    }

    #[test]
    fn good_rows_are_read_with_their_facilitations() {
        let csv = format!(
            "{HEAD}红名单,企业,甲公司,{},依据,激励,容缺受理、priority,税务局,2026-01-01,\n\
             黑名单,个人,张三,440802199001011238,依据,惩戒,,法院,2026-01-01,2027-01-01\n",
            uscc("91440800MA5RED")
        );
        let rows = parse(&csv).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[0].facilitation,
            vec!["tolerant_acceptance", "priority"]
        );
        assert_eq!(rows[0].valid_to, None);
        assert_eq!(rows[1].kind, "person");
        assert_eq!(rows[1].list, "black");
    }

    #[test]
    fn every_bad_row_is_named_by_line_and_column() {
        let u = uscc("91440800MA5BLACK");
        let csv = format!(
            "{HEAD}黑名单,企业,乙公司,{u},依据,惩戒,容缺受理,市场监管局,2026-01-01,\n\
             黑名单,企业,乙公司,12345,依据,惩戒,,市场监管局,2026-13-01,\n\
             黑名单,企业,乙公司,{u},依据,惩戒,,市场监管局,2026-02-01,2026-01-01\n\
             黑名单,企业,乙公司,{u},依据,惩戒,,市场监管局,2026-02-01,\n\
             黑名单,企业,乙公司,{u},依据,惩戒,,市场监管局,2026-02-01,\n"
        );
        let errs = parse(&csv).err().unwrap();
        let got: Vec<(usize, &str)> = errs.iter().map(|e| (e.line, e.field.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (2, "facilitation"),
                (3, "subject_number"),
                (3, "valid_from"),
                (4, "valid_to"),
                (6, "subject_number"),
            ]
        );
        assert_eq!(errs[4].rule, "credit.duplicate_in_file");
    }

    #[test]
    fn a_missing_column_is_line_one() {
        let errs = parse("名单类型,主体名称\n黑名单,乙\n").err().unwrap();
        assert!(errs.iter().all(|e| e.line == 1), "{errs:?}");
        assert!(errs.iter().any(|e| e.field == "authority"));
    }

    #[test]
    fn masks_keep_the_ends() {
        assert_eq!(
            super::super::mask_uscc("91440800MA5BLACK05"),
            "914408********CK05"
        );
    }
}
