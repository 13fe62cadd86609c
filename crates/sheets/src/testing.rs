//! Hostile workbooks for the tests of the crates that read files (built, not stored: each is
//! a small valid workbook with some parts replaced).

use std::io::{Cursor, Read, Write};

use yiwang_kernel::Error;

use crate::{Sheet, SheetRow, write_xlsx};

/// A valid one-sheet workbook (`headers`, then `rows`).
pub fn workbook(name: &str, headers: &[&str], rows: &[&[&str]]) -> Result<Vec<u8>, Error> {
    let sheet = Sheet {
        name: name.into(),
        headers: headers.iter().map(|s| s.to_string()).collect(),
        rows: rows
            .iter()
            .enumerate()
            .map(|(i, r)| SheetRow {
                line: i + 2,
                cells: r.iter().map(|s| s.to_string()).collect(),
            })
            .collect(),
    };
    write_xlsx(&[sheet])
}

/// `base` with the parts named in `replace` replaced (or added), zipped again with `method`.
pub fn rezip(
    base: &[u8],
    replace: &[(&str, Vec<u8>)],
    method: zip::CompressionMethod,
) -> Result<Vec<u8>, Error> {
    let mut src = zip::ZipArchive::new(Cursor::new(base)).map_err(Error::internal)?;
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(method);
    let mut done = Vec::new();
    for i in 0..src.len() {
        let mut f = src.by_index(i).map_err(Error::internal)?;
        let name = f.name().map_err(Error::internal)?.to_string();
        let mut data = Vec::new();
        f.read_to_end(&mut data).map_err(Error::internal)?;
        if let Some((_, d)) = replace.iter().find(|(n, _)| *n == name) {
            data = d.clone();
            done.push(name.clone());
        }
        out.start_file(name, opts).map_err(Error::internal)?;
        out.write_all(&data).map_err(Error::internal)?;
    }
    for (n, d) in replace {
        if !done.iter().any(|x| x == n) {
            out.start_file(n.to_string(), opts)
                .map_err(Error::internal)?;
            out.write_all(d).map_err(Error::internal)?;
        }
    }
    Ok(out.finish().map_err(Error::internal)?.into_inner())
}

const NS: &str = r#"xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main""#;

/// A worksheet part holding `cells` (`<row>` elements).
pub fn sheet_xml(cells: &str) -> Vec<u8> {
    format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet {NS}><sheetData>{cells}</sheetData></worksheet>"#).into_bytes()
}

/// A shared-strings part declaring `declared` strings and holding `strings`.
pub fn shared_xml(declared: &str, strings: &[&str]) -> Vec<u8> {
    let si: String = strings
        .iter()
        .map(|s| format!("<si><t>{s}</t></si>"))
        .collect();
    format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst {NS} count="{declared}" uniqueCount="{declared}">{si}</sst>"#).into_bytes()
}

/// The 1.8 KB workbook of the finding: its shared strings declare 10^12 entries (a reader
/// that believes it reserves terabytes and the process aborts). `headers` are its strings.
pub fn lying_shared_strings(sheet: &str, headers: &[&str]) -> Result<Vec<u8>, Error> {
    let base = workbook(sheet, headers, &[])?;
    rezip(
        &base,
        &[("xl/sharedStrings.xml", shared_xml("1000000000000", headers))],
        zip::CompressionMethod::Deflated,
    )
}

/// A workbook with cells at A1 and XFD1048576 (a reader that allocates the used range
/// allocates 17 billion cells).
pub fn giant_range(sheet: &str) -> Result<Vec<u8>, Error> {
    let base = workbook(sheet, &["a"], &[])?;
    rezip(
        &base,
        &[(
            "xl/worksheets/sheet1.xml",
            sheet_xml(
                r#"<dimension ref="A1:XFD1048576"/><row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row><row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>b</t></is></c></row>"#,
            ),
        )],
        zip::CompressionMethod::Deflated,
    )
}
