//! The quality report of a load (质量报告): its counts per rule and its sample problems, as
//! JSON or as a table for CSV/XLSX download.

use serde::Serialize;
use utoipa::ToSchema;
use yiwang_sheets::{Sheet, SheetRow};

use super::LoadView;
use super::check::Issue;

/// A load's quality report.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Report {
    pub resource_code: String,
    pub resource_name: String,
    pub load: LoadView,
    /// Sample problems by line (at most [`super::SAMPLES_PER_RULE`] per rule; `load.counts`
    /// counts them all).
    pub issues: Vec<Issue>,
}

/// The rule's name as the report shows it.
pub fn rule_zh(rule: &str) -> &'static str {
    match rule {
        "required" => "必填",
        "max_length" => "长度",
        "pattern" => "格式",
        "id_number" => "公民身份号码校验",
        "uscc" => "统一社会信用代码校验",
        "code_list" => "代码表",
        "date_range" => "日期范围",
        "unique" => "唯一性",
        "reference" => "关联资源",
        r if r.starts_with("type.") => "数据类型",
        _ => "文件",
    }
}

impl Report {
    /// Two tables: the counts per rule, and the sample problems.
    pub fn sheets(&self) -> Vec<Sheet> {
        let counts = Sheet {
            name: "counts".into(),
            headers: vec!["规则 rule".into(), "规则名称".into(), "问题数 count".into()],
            rows: self
                .load
                .counts
                .iter()
                .enumerate()
                .map(|(n, (rule, count))| SheetRow {
                    line: n + 2,
                    cells: vec![rule.clone(), rule_zh(rule).into(), count.to_string()],
                })
                .collect(),
        };
        let issues = Sheet {
            name: "issues".into(),
            headers: vec![
                "行号 line".into(),
                "信息项 item".into(),
                "值 value".into(),
                "规则 rule".into(),
                "问题".into(),
                "problem".into(),
            ],
            rows: self
                .issues
                .iter()
                .enumerate()
                .map(|(n, i)| SheetRow {
                    line: n + 2,
                    cells: vec![
                        i.line.to_string(),
                        i.item.clone(),
                        i.value.clone(),
                        i.rule.clone(),
                        i.message_zh.clone(),
                        i.message_en.clone(),
                    ],
                })
                .collect(),
        };
        vec![counts, issues]
    }

    /// The sample problems as one CSV table (UTF-8 with BOM), a summary line first.
    pub fn csv(&self) -> Result<Vec<u8>, yiwang_kernel::Error> {
        let mut s = self.sheets().swap_remove(1);
        let summary: Vec<String> = self
            .load
            .counts
            .iter()
            .map(|(r, c)| format!("{r}={c}"))
            .collect();
        s.rows.insert(
            0,
            SheetRow {
                line: 2,
                cells: vec![
                    "0".into(),
                    String::new(),
                    String::new(),
                    "counts".into(),
                    format!(
                        "好行 {}，问题行 {}：{}",
                        self.load.good_rows,
                        self.load.bad_rows,
                        summary.join("；")
                    ),
                    format!(
                        "good rows {}, bad rows {}: {}",
                        self.load.good_rows,
                        self.load.bad_rows,
                        summary.join("; ")
                    ),
                ],
            },
        );
        yiwang_sheets::write_csv(&s)
    }

    pub fn xlsx(&self) -> Result<Vec<u8>, yiwang_kernel::Error> {
        yiwang_sheets::write_xlsx(&self.sheets())
    }
}
