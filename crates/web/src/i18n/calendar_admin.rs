//! The working-day calendar's administration page.

/// `(key, 简体中文, English)`.
pub(super) const MESSAGES: &[(&str, &str, &str)] = &[
    ("cal.title", "工作日历", "Working-day calendar"),
    (
        "cal.lead",
        "办件时限按工作日计算：周一至周五，除去法定节假日，加上调休上班日。每年的放假调休安排由国务院办公厅发布，须在此载入。",
        "Time limits count working days: Monday to Friday without the public holidays, plus the weekend days worked in exchange. Each year's arrangement is published by the State Council's General Office and must be loaded here.",
    ),
    (
        "cal.missing_title",
        "节假日安排尚未载入",
        "Holiday arrangement not loaded",
    ),
    (
        "cal.missing",
        "{y} 年的放假调休安排尚未载入：到期日落在该年度的办件将无法计算时限而被拒绝受理。请按国务院办公厅通知载入。",
        "The arrangement of {y} is not loaded: cases whose deadlines fall in that year cannot be given one and are refused. Load it from the State Council's notice.",
    ),
    ("cal.year", "年度", "Year"),
    ("cal.source", "来源", "Source"),
    ("cal.source.embedded", "内置", "Built in"),
    ("cal.source.imported", "已导入", "Imported"),
    ("cal.holidays", "放假日", "Days off"),
    ("cal.workdays", "调休上班日", "Weekend days worked"),
    ("cal.import", "载入年度安排", "Load a year's arrangement"),
    (
        "cal.import_lead",
        "CSV 文件（UTF-8 或 GBK），列：date（日期）、kind（holiday 放假 / workday 调休上班）、occasion_zh（节日）。全部行检查无误才写入。",
        "A CSV file (UTF-8 or GBK) with the columns date, kind (holiday / workday) and occasion_zh. Nothing is written unless every row is right.",
    ),
    ("cal.file", "CSV 文件", "CSV file"),
    ("cal.source_note", "依据", "Source"),
    (
        "cal.source_hint",
        "如：国办发明电〔2026〕X号",
        "e.g. the notice's number",
    ),
    ("cal.replace", "替换", "Replace"),
    (
        "cal.replace_hint",
        "替换已有的该年度安排",
        "Replace the year's arrangement already loaded",
    ),
    ("cal.upload", "载入", "Load"),
    (
        "flash.calendar_imported",
        "年度安排已载入。",
        "The year's arrangement was loaded.",
    ),
    (
        "start.q.calendar",
        "待载入的节假日安排",
        "Holiday arrangements to load",
    ),
];
