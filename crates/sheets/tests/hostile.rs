//! Hostile files are refused with a rule, in bounded time and memory, never obeyed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Cursor, Read};
use std::time::{Duration, Instant};

use yiwang_kernel::ErrorCode;
use yiwang_sheets::testing::{self, shared_xml, sheet_xml};
use yiwang_sheets::{
    CsvStream, Encoding, Sheet, SheetRow, read_csv, read_xlsx, write_csv, write_xlsx,
};

fn small_workbook() -> Vec<u8> {
    let sheet = Sheet {
        name: "证照".into(),
        headers: vec!["证照编号".into(), "持证主体".into()],
        rows: vec![SheetRow {
            line: 2,
            cells: vec!["A-1".into(), "湛江".into()],
        }],
    };
    write_xlsx(&[sheet]).unwrap()
}

fn rezip(base: &[u8], replace: &[(&str, Vec<u8>)], method: zip::CompressionMethod) -> Vec<u8> {
    testing::rezip(base, replace, method).unwrap()
}

fn rule(e: &yiwang_kernel::Error) -> &str {
    e.rows.first().map(|r| r.rule.as_str()).unwrap_or("")
}

#[track_caller]
fn refused(bytes: &[u8], expected: &str) {
    let t = Instant::now();
    let e = read_xlsx(bytes).unwrap_err();
    assert_eq!(e.code, ErrorCode::FileRefused, "{e:?}");
    assert_eq!(rule(&e), expected, "{e:?}");
    assert!(!e.message(yiwang_kernel::i18n::Lang::Zh).is_empty());
    assert!(t.elapsed() < Duration::from_secs(10));
}

const DEFLATE: zip::CompressionMethod = zip::CompressionMethod::Deflated;

#[test]
fn a_lying_shared_strings_count_is_refused_before_anything_is_reserved() {
    let base = small_workbook();
    // 10^12 strings declared, two held: the reader would reserve 24 TB.
    let bad = rezip(
        &base,
        &[(
            "xl/sharedStrings.xml",
            shared_xml("1000000000000", &["证照编号", "持证主体", "A-1", "湛江"]),
        )],
        DEFLATE,
    );
    refused(&bad, "xlsx.shared_strings_count");
    // The same file telling the truth reads.
    let good = rezip(
        &base,
        &[(
            "xl/sharedStrings.xml",
            shared_xml("4", &["证照编号", "持证主体", "A-1", "湛江"]),
        )],
        DEFLATE,
    );
    assert!(read_xlsx(&good).is_ok());
}

#[test]
fn a_sparse_giant_range_is_refused_and_a_sparse_tall_one_reads() {
    let base = small_workbook();
    let giant = rezip(
        &base,
        &[(
            "xl/worksheets/sheet1.xml",
            sheet_xml(
                r#"<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row><row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>b</t></is></c></row>"#,
            ),
        )],
        DEFLATE,
    );
    refused(&giant, "xlsx.too_many_columns");
    let tall = rezip(
        &base,
        &[(
            "xl/worksheets/sheet1.xml",
            sheet_xml(
                r#"<dimension ref="A1:XFD1048576"/><row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row><row r="1048576"><c r="B1048576" t="inlineStr"><is><t>b</t></is></c></row>"#,
            ),
        )],
        DEFLATE,
    );
    let sheets = read_xlsx(&tall).unwrap();
    assert_eq!(sheets[0].headers, vec!["a".to_string()]);
    assert_eq!(sheets[0].rows[0].line, 1_048_576);
    assert_eq!(sheets[0].rows[0].cells, vec!["".to_string(), "b".into()]);
}

#[test]
fn wide_sparse_rows_count_their_blanks() {
    // 1,100 rows each with one cell in column 1,000 (and one in A1): 1.1 million cells held.
    let cells: String = r#"<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row>"#
        .to_string()
        + &(2..=1100)
            .map(|r| {
                format!(r#"<row r="{r}"><c r="ALL{r}" t="inlineStr"><is><t>x</t></is></c></row>"#)
            })
            .collect::<String>();
    let bad = rezip(
        &small_workbook(),
        &[("xl/worksheets/sheet1.xml", sheet_xml(&cells))],
        DEFLATE,
    );
    refused(&bad, "xlsx.too_many_cells");
}

#[test]
fn one_long_string_repeated_is_capped_by_the_text_budget() {
    // A 40 KB shared string in 2,000 cells: 80 MB of text from a file of a few KB.
    let long = "长".repeat(13_000);
    let cells: String = (1..=2000)
        .map(|r| format!(r#"<row r="{r}"><c r="A{r}" t="s"><v>0</v></c></row>"#))
        .collect();
    let bad = rezip(
        &small_workbook(),
        &[
            ("xl/sharedStrings.xml", shared_xml("1", &[&long])),
            ("xl/worksheets/sheet1.xml", sheet_xml(&cells)),
        ],
        DEFLATE,
    );
    refused(&bad, "xlsx.too_much_text");
}

#[test]
fn zip_bombs_and_oversized_parts_are_refused() {
    // 16 MiB of zeros deflate a thousand times.
    let bomb = rezip(
        &small_workbook(),
        &[("xl/media/zeros.bin", vec![0u8; 16 << 20])],
        DEFLATE,
    );
    assert!(bomb.len() < 100_000);
    refused(&bomb, "xlsx.compression_ratio");
    // Stored (not compressed), but past the inflated budget.
    let big = rezip(
        &small_workbook(),
        &[("xl/media/big.bin", vec![7u8; 65 << 20])],
        zip::CompressionMethod::Stored,
    );
    refused(&big, "xlsx.uncompressed_size");
}

/// Rewrites the uncompressed size a zip declares for `name` (local and central headers).
fn declare_size(zip: &mut [u8], name: &str, size: u32) {
    let n = name.as_bytes();
    let mut i = 0;
    while i + 46 < zip.len() {
        let sig = &zip[i..i + 4];
        let (size_at, name_len_at, name_at) = if sig == b"PK\x03\x04" {
            (22, 26, 30)
        } else if sig == b"PK\x01\x02" {
            (24, 28, 46)
        } else {
            i += 1;
            continue;
        };
        let len = u16::from_le_bytes([zip[i + name_len_at], zip[i + name_len_at + 1]]) as usize;
        if zip.get(i + name_at..i + name_at + len) == Some(n) {
            zip[i + size_at..i + size_at + 4].copy_from_slice(&size.to_le_bytes());
        }
        i += 1;
    }
}

#[test]
fn a_part_that_inflates_beyond_its_declared_size_is_refused() {
    let rows: String = (1..=200)
        .map(|r| {
            format!(r#"<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>row {r}</t></is></c></row>"#)
        })
        .collect();
    let mut bytes = rezip(
        &small_workbook(),
        &[("xl/worksheets/sheet1.xml", sheet_xml(&rows))],
        DEFLATE,
    );
    assert_eq!(read_xlsx(&bytes).unwrap()[0].rows.len(), 199);
    declare_size(&mut bytes, "xl/worksheets/sheet1.xml", 100);
    let e = read_xlsx(&bytes).unwrap_err();
    // Refused by our count, or by the zip reader's own check: never read past the declaration.
    assert!(
        matches!(e.code, ErrorCode::FileRefused | ErrorCode::ImportRejected),
        "{e:?}"
    );
}

#[test]
fn garbage_is_refused() {
    assert!(read_xlsx(b"PK\x03\x04garbage").is_err());
    let half = small_workbook();
    assert!(read_xlsx(&half[..half.len() / 2]).is_err());
}

#[test]
fn an_unclosed_quote_is_refused_in_linear_time() {
    // 200,000 lines after the quote took minutes before (every line re-counted the quotes).
    let mut text = "a,b\n1,\"x\n".to_string();
    for i in 0..200_000 {
        text.push_str(&format!("{i},line\n"));
    }
    let t = Instant::now();
    let s = CsvStream::new(text.as_bytes(), Encoding::Utf8).unwrap();
    let results: Vec<_> = s.collect();
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    let e = results.last().unwrap().as_ref().unwrap_err();
    assert_eq!(e.code, ErrorCode::FileRefused);
    assert_eq!(rule(e), "csv.record_too_long");
    assert_eq!(e.rows[0].line, 2);
    // A quote left open at the end of a short file names the line too.
    let s = CsvStream::new("a,b\n1,\"x\n2,y\n".as_bytes(), Encoding::Utf8).unwrap();
    let e = s.last().unwrap().unwrap_err();
    assert_eq!(rule(&e), "csv.unclosed_quote");
    // One endless line (no line break at all) is refused too, without quadratic rescans.
    let endless = format!("a,b\n1,{}", "x".repeat(8 << 20));
    let t = Instant::now();
    let e = CsvStream::new(endless.as_bytes(), Encoding::Utf8)
        .unwrap()
        .last()
        .unwrap()
        .unwrap_err();
    assert_eq!(rule(&e), "csv.record_too_long");
    assert!(t.elapsed() < Duration::from_secs(5));
}

#[test]
fn exports_neutralise_formulas_and_imports_do_not_make_them() {
    let cells = [
        "=1+1",
        "+8675912345678",
        "-2",
        "@SUM(A1:A2)",
        "\t=3",
        "\r=4",
        "甲",
    ];
    let sheet = Sheet {
        name: "d".into(),
        headers: (0..cells.len()).map(|i| format!("h{i}")).collect(),
        rows: vec![SheetRow {
            line: 2,
            cells: cells.iter().map(|c| c.to_string()).collect(),
        }],
    };
    let csv = write_csv(&sheet).unwrap();
    let text = String::from_utf8(csv.clone()).unwrap();
    let data_line = text.lines().nth(1).unwrap();
    for field in data_line.split(',') {
        let f = field.trim_start_matches('"');
        assert!(f.starts_with('\'') || f == "甲", "{field:?} in {text:?}");
    }
    // Reading our own export gives the values back.
    let (back, _) = read_csv("d", &csv).unwrap();
    assert_eq!(
        back.rows[0].cells[..4],
        cells[..4].iter().map(|c| c.to_string()).collect::<Vec<_>>()[..]
    );
    // XLSX: strings with Excel's quote prefix, read back as they were.
    let x = write_xlsx(std::slice::from_ref(&sheet)).unwrap();
    let mut zip = zip::ZipArchive::new(Cursor::new(&x)).unwrap();
    let mut styles = String::new();
    zip.by_name("xl/styles.xml")
        .unwrap()
        .read_to_string(&mut styles)
        .unwrap();
    assert!(styles.contains("quotePrefix=\"1\""), "{styles}");
    let mut ws = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut ws)
        .unwrap();
    assert!(!ws.contains("<f>"), "no formula is ever written");
    let back = read_xlsx(&x).unwrap();
    assert_eq!(
        back[0].rows[0].cells[..4],
        cells[..4].iter().map(|c| c.to_string()).collect::<Vec<_>>()[..]
    );
    // A tab in front of a formula is not trimmed into one (whole read and stream alike).
    let input = "a,b\n\t=1+1,\t甲\n";
    let (s, _) = read_csv("d", input.as_bytes()).unwrap();
    assert_eq!(s.rows[0].cells, vec!["\t=1+1".to_string(), "甲".into()]);
    let rows: Vec<SheetRow> = CsvStream::new(input.as_bytes(), Encoding::Utf8)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows[0].cells, s.rows[0].cells);
}
