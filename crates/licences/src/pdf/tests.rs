use super::layout::*;
use super::writer::*;
use super::*;
use crate::service::Licence;
use serde_json::json;
use time::macros::{date, datetime};
use yiwang_forms::FormField;

pub(crate) fn sample() -> (Licence, Vec<FormField>) {
    let schema: Vec<FormField> = serde_json::from_value(json!([
        {"key": "address", "label": "经营场所", "kind": "address", "required": true},
        {"key": "kind", "label": "主体业态", "kind": "choice", "required": true,
         "options": [{"code": "cy", "label": "餐饮服务经营者"}]},
        {"key": "missing", "label": "未填", "kind": "text"}
    ]))
    .unwrap();
    let l = Licence {
        identifier: "1.2.156.3005.2.11100000MB0143235W001.11440800MB2C12345X.20260000000001.001.7"
            .into(),
        type_code: "11100000MB0143235W001".into(),
        type_name: "食品经营许可证".into(),
        number: "JY14408020000001".into(),
        holder_type: "org".into(),
        holder_name: "湛江市赤坎区海滨餐饮有限公司".into(),
        holder_code: "91440802MA5XXXXX0X".into(),
        issuer_name: "湛江市市场监督管理局".into(),
        issuer_uscc: "11440800MB2C12345X".into(),
        issue_date: date!(2026 - 11 - 22),
        valid_from: date!(2026 - 11 - 22),
        valid_to: Some(date!(2031 - 11 - 22)),
        face: json!({"address": "湛江市赤坎区海滨大道北8号（𠀀）", "kind": "cy"}),
        status: "valid".into(),
        status_reason: String::new(),
        previous_identifier: None,
        case_no: None,
        seal_key_id: "seal-1-0123456789abcdef".into(),
        signature: "3045022100aabbccddeeff00112233445566778899aabbccddeeff0011223344556677889902200123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef".into(),
        sealed_at: datetime!(2026-11-22 02:00 UTC),
    };
    (l, schema)
}

/// The file as text, byte for byte (offsets stay right): everything but the binary
/// comment of the header is ASCII.
pub(crate) fn text_of(pdf: &[u8]) -> String {
    pdf.iter()
        .map(|&b| if b.is_ascii() { char::from(b) } else { '?' })
        .collect()
}

/// The content stream of object 6.
fn content(pdf: &str) -> &str {
    let start = pdf.find("6 0 obj\n").unwrap();
    let s = &pdf[start..];
    let a = s.find("stream\n").unwrap() + 7;
    let b = s.find("\nendstream").unwrap();
    &s[a..b]
}

#[test]
fn xref_offsets_point_at_their_objects() {
    let (l, schema) = sample();
    let url = verify_url("https://zwfw.example.gov.cn/", &l.identifier, None);
    let pdf = licence_pdf(&l, &schema, &url, datetime!(2026-11-23 01:02:03 UTC), None).unwrap();
    assert!(pdf.starts_with(b"%PDF-1.7\n"));
    assert!(pdf.ends_with(b"%%EOF\n"));
    let text = text_of(&pdf);
    let sx = text.rfind("startxref\n").unwrap();
    let xref: usize = text[sx + 10..].lines().next().unwrap().parse().unwrap();
    assert!(text[xref..].starts_with("xref\n0 10\n0000000000 65535 f \n"));
    let entries: Vec<&str> = text[xref..].lines().skip(3).take(9).collect();
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(e.len(), 19, "{e:?}"); // 20 bytes with the newline
        let off: usize = e[..10].parse().unwrap();
        assert!(
            text[off..].starts_with(&format!("{} 0 obj\n", i + 1)),
            "object {} is not at {off}",
            i + 1
        );
    }
    // The stream's /Length is its byte length.
    let c = content(&text);
    assert!(text.contains(&format!("<< /Length {} >>", c.len())));
    assert!(text.contains("/CreationDate (D:20261123090203+08'00')"));
    assert!(text.contains("/Encoding /UniGB-UCS2-H"));
    assert!(text.contains("/Registry (Adobe) /Ordering (GB1) /Supplement 2"));
}

#[test]
fn the_page_carries_the_fields_in_utf16() {
    let (l, schema) = sample();
    let url = verify_url("http://127.0.0.1:8080", &l.identifier, None);
    let at = datetime!(2026-11-23 01:02:03 UTC);
    let pdf = licence_pdf(&l, &schema, &url, at, None).unwrap();
    let text = text_of(&pdf);
    let c = content(&text);
    // The holder's name, a label, a choice shown by its label, the non-BMP character as □.
    assert_eq!(utf16_hex("湛江"), "6E5B6C5F");
    for s in [
        "湛江市赤坎区海滨餐饮有限公司",
        "经营场所",
        "餐饮服务经营者",
        "（□）",
        "有效",
    ] {
        assert!(c.contains(&utf16_hex(s)), "{s} missing");
    }
    assert!(!c.contains(&utf16_hex("未填")));
    assert!(c.contains("(seal-1-0123456789abcdef)"));
    assert!(c.contains("(3045022100aa...456789abcdef)"));
    // Same input, same bytes; another time, another document.
    assert_eq!(pdf, licence_pdf(&l, &schema, &url, at, None).unwrap());
    assert_ne!(
        pdf,
        licence_pdf(&l, &schema, &url, at + time::Duration::seconds(1), None).unwrap()
    );
}

/// Reads the rectangles between the `% qr` markers back into a module matrix.
pub(crate) fn drawn_matrix(pdf: &[u8]) -> (usize, Vec<bool>) {
    let text = text_of(pdf);
    let c = content(&text);
    let a = c.find("% qr begin\n").unwrap();
    let b = c.find("% qr end").unwrap();
    let mut lines = c[a..b].lines().skip(1);
    let head: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    // "q 0 0 0 rg % qr <n> <module> <x0> <y0>"
    let n: usize = head[7].parse().unwrap();
    let m: f64 = head[8].parse().unwrap();
    let x0: f64 = head[9].parse().unwrap();
    let y0: f64 = head[10].parse().unwrap();
    let mut grid = vec![false; n * n];
    for line in lines {
        let p: Vec<&str> = line.split_whitespace().collect();
        if p.last() != Some(&"re") {
            continue;
        }
        let v: Vec<f64> = p[..4].iter().map(|x| x.parse().unwrap()).collect();
        let col = ((v[0] - x0) / m).round() as usize;
        let row = n - 1 - ((v[1] - y0) / m).round() as usize;
        let len = (v[2] / m).round() as usize;
        for k in col..col + len {
            assert!(!grid[row * n + k], "module drawn twice");
            grid[row * n + k] = true;
        }
    }
    (n, grid)
}

#[test]
fn the_qr_code_drawn_is_the_matrix_of_the_verification_url() {
    let (l, schema) = sample();
    let url = verify_url(
        "https://zwfw.example.gov.cn",
        &l.identifier,
        Some("ABCD2345"),
    );
    assert_eq!(
        url,
        format!(
            "https://zwfw.example.gov.cn/verify?id={}&copy=ABCD2345",
            l.identifier
        )
    );
    let a = Annotation {
        purpose: "办理公积金提取".into(),
        recipient: "湛江市住房公积金管理中心".into(),
        valid_until: datetime!(2026-12-01 15:59:59 UTC),
        code: "ABCD2345".into(),
    };
    let pdf = licence_pdf(
        &l,
        &schema,
        &url,
        datetime!(2026-11-23 01:02:03 UTC),
        Some(&a),
    )
    .unwrap();
    assert_eq!(drawn_matrix(&pdf), qr_matrix(&url).unwrap());
    // `YIWANG_PDF_OUT=/tmp/copy.pdf` keeps the file to look at.
    if let Ok(out) = std::env::var("YIWANG_PDF_OUT") {
        std::fs::write(out, &pdf).unwrap();
    }
    let text = text_of(&pdf);
    let c = content(&text);
    assert!(c.contains(&utf16_hex(
        "仅供办理公积金提取使用，有效期至2026-12-01 23:59，他用无效"
    )));
    assert!(c.contains(&utf16_hex("加注件编号：ABCD2345")));
    assert!(c.contains(&utf16_hex("提交给：湛江市住房公积金管理中心")));
}

/// The matrix drawn, rasterised with its quiet zone, decodes back to the address (rqrr, an
/// independent decoder).
#[test]
fn the_qr_code_drawn_decodes_to_the_verification_url() {
    let (l, schema) = sample();
    let url = verify_url(
        "http://127.0.0.1:8080",
        &l.identifier,
        Some("K7QW3ZP9M2XD5RTH8BNC"),
    );
    let pdf = licence_pdf(&l, &schema, &url, datetime!(2026-11-23 01:02:03 UTC), None).unwrap();
    let (n, grid) = drawn_matrix(&pdf);
    let scale = 4;
    let side = (n + 2 * QUIET) * scale;
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(side, side, |x, y| {
        let (mx, my) = (x / scale, y / scale);
        let dark = (QUIET..QUIET + n).contains(&mx)
            && (QUIET..QUIET + n).contains(&my)
            && grid[(my - QUIET) * n + (mx - QUIET)];
        if dark { 0 } else { 255 }
    });
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1);
    let (_, text) = grids[0].decode().unwrap();
    assert_eq!(text, url);
}

#[test]
fn helpers() {
    assert_eq!(
        verify_url("http://h/", "a b&c", None),
        "http://h/verify?id=a%20b%26c"
    );
    assert_eq!(latin_literal("a(b)\\c中"), "a\\(b\\)\\\\c?");
    let lines = wrap("一二三四五六七八九十", 10.0, 35.0);
    assert_eq!(lines, vec!["一二三", "四五六", "七八九", "十"]);
    assert_eq!(wrap("", 10.0, 35.0), vec![""]);
    assert_eq!(wrap_mono("abcdefg", 10.0, 18.0), vec!["abc", "def", "g"]);
    assert_eq!(width("ab中", 10.0), 20.0);
}
