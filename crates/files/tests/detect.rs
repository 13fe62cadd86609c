//! Detection from content: real minimal files, refusals, spoofed names, limits, and a property
//! test that no input makes `detect` panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use bytes::Bytes;
use common::*;
use proptest::prelude::*;
use yiwang_files::{Limits, MediaType, OtherKind, Refusal, Upload, detect, screen, sniff};
use yiwang_kernel::ErrorCode;

#[test]
fn accepts_real_minimal_files() {
    let table: [(&str, Vec<u8>, MediaType); 4] = [
        ("pdf", pdf(), MediaType::Pdf),
        ("png", png(), MediaType::Png),
        ("jpeg", jpeg(), MediaType::Jpeg),
        ("ofd", ofd(), MediaType::Ofd),
    ];
    for (what, bytes, want) in table {
        assert_eq!(
            detect(&bytes).map_err(|e| e.to_string()),
            Ok(want),
            "{what}"
        );
    }
}

#[test]
fn tolerated_variations() {
    // Trailing bytes after the end marker: phone trailers on JPEG, anything after IEND.
    let mut j = jpeg();
    j.extend(b"SEFT trailer from a phone camera");
    assert_eq!(sniff(&j), Ok(MediaType::Jpeg));
    let mut p = png();
    p.extend([0u8; 100]);
    assert_eq!(sniff(&p), Ok(MediaType::Png));
    // PDF: padding after %%EOF within the last 1024 bytes, and an incremental update.
    let mut d = pdf();
    d.extend([b'\n'; 900]);
    assert_eq!(sniff(&d), Ok(MediaType::Pdf));
    let mut d = pdf();
    d.extend(b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\nstartxref\n9\n%%EOF\r\n");
    assert_eq!(sniff(&d), Ok(MediaType::Pdf));
    // JPEG: fill bytes before a marker, a restart marker and stuffed bytes inside the scan.
    let mut j = jpeg();
    let eoi = j.len() - 2;
    j.splice(
        eoi - 1..eoi,
        [0x3F, 0xFF, 0x00, 0xFF, 0xD0, 0x3F, 0xFF, 0xFF],
    );
    assert_eq!(sniff(&j), Ok(MediaType::Jpeg));
    // OFD with more entries and a different order.
    let o = zip_with(&[("Doc_0/Document.xml", DOCUMENT_XML), ("OFD.xml", OFD_XML)]);
    assert_eq!(sniff(&o), Ok(MediaType::Ofd));
}

fn damaged(r: Result<MediaType, Refusal>) -> MediaType {
    match r {
        Err(Refusal::Damaged { kind, .. }) => kind,
        other => panic!("expected a damaged file, got {other:?}"),
    }
}

#[test]
fn truncated_and_malformed_files_are_refused_as_damaged() {
    let p = pdf();
    assert_eq!(damaged(sniff(&p[..p.len() - 10])), MediaType::Pdf);
    assert_eq!(damaged(sniff(b"%PDF-")), MediaType::Pdf);
    assert_eq!(damaged(sniff(b"%PDF-x.y\n%%EOF")), MediaType::Pdf);
    let mut far = pdf();
    far.extend([b' '; 2000]);
    assert_eq!(
        damaged(sniff(&far)),
        MediaType::Pdf,
        "%%EOF not in the last 1 KiB"
    );
    let mut prefixed = b"HTTP/1.1 200 OK\r\n\r\n".to_vec();
    prefixed.extend(pdf());
    assert_eq!(
        damaged(sniff(&prefixed)),
        MediaType::Pdf,
        "header not at offset 0"
    );

    let g = png();
    for cut in [8, 20, 33, 40, g.len() - 1] {
        assert_eq!(damaged(sniff(&g[..cut])), MediaType::Png, "cut at {cut}");
    }
    let mut no_ihdr = g.clone();
    no_ihdr[12..16].copy_from_slice(b"IDAT");
    assert_eq!(damaged(sniff(&no_ihdr)), MediaType::Png);
    let mut zero_width = g.clone();
    zero_width[16..20].copy_from_slice(&[0, 0, 0, 0]);
    assert_eq!(damaged(sniff(&zero_width)), MediaType::Png);

    let j = jpeg();
    for cut in [3, 4, 10, 100, j.len() - 2, j.len() - 1] {
        assert_eq!(damaged(sniff(&j[..cut])), MediaType::Jpeg, "cut at {cut}");
    }
    // EOI straight after the header: no image.
    assert_eq!(damaged(sniff(&[0xFF, 0xD8, 0xFF, 0xD9])), MediaType::Jpeg);
    // An EXIF thumbnail's FF D9 inside an APP1 segment does not end the file early.
    let mut with_thumb = vec![0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x06, 0xFF, 0xD8, 0xFF, 0xD9];
    with_thumb.extend(&j[2..]);
    assert_eq!(sniff(&with_thumb), Ok(MediaType::Jpeg));
    assert_eq!(damaged(sniff(&with_thumb[..20])), MediaType::Jpeg);
}

fn other(r: Result<MediaType, Refusal>) -> OtherKind {
    match r {
        Err(Refusal::Other(kind)) => kind,
        other => panic!("expected another kind, got {other:?}"),
    }
}

#[test]
fn other_kinds_are_refused_and_named() {
    let table: Vec<(&[u8], OtherKind)> = vec![
        (
            b"<!DOCTYPE html><html><body>hi</body></html>",
            OtherKind::Html,
        ),
        (b"\xef\xbb\xbf  \n<html lang=zh>", OtherKind::Html),
        (b"<script>alert(1)</script>", OtherKind::Html),
        (b"<!-- x --><HTML>", OtherKind::Html),
        (
            b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>",
            OtherKind::Svg,
        ),
        (
            b"<?xml version=\"1.0\"?>\n<!DOCTYPE svg>\n<svg></svg>",
            OtherKind::Svg,
        ),
        (b"<?xml version=\"1.0\"?><root/>", OtherKind::Xml),
        (
            b"MZ\x90\x00\x03\x00\x00\x00PE\0\0",
            OtherKind::WindowsExecutable,
        ),
        (b"\x7fELF\x02\x01\x01\x00", OtherKind::ElfExecutable),
        (
            b"\xcf\xfa\xed\xfe\x07\x00\x00\x01",
            OtherKind::MachOExecutable,
        ),
        (b"#!/bin/sh\nrm -rf /\n", OtherKind::Script),
        (b"GIF89a\x01\x00\x01\x00", OtherKind::Gif),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", OtherKind::Webp),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", OtherKind::Heif),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00",
            OtherKind::OfficeLegacy,
        ),
        (b"\x1f\x8b\x08\x00", OtherKind::Gzip),
        (
            "身份证号码 440802199001011238\n".as_bytes(),
            OtherKind::Text,
        ),
        (b"PK\x03\x04 not really a zip", OtherKind::DamagedZip),
    ];
    for (bytes, want) in table {
        assert_eq!(
            other(sniff(bytes)),
            want,
            "{:?}",
            String::from_utf8_lossy(bytes)
        );
    }
    let docx = zip_with(&[
        ("[Content_Types].xml", b"<Types/>"),
        ("word/document.xml", b"<w/>"),
    ]);
    assert_eq!(other(sniff(&docx)), OtherKind::OfficeOpenXml);
    let plain = zip_with(&[("readme.txt", b"hello")]);
    assert_eq!(other(sniff(&plain)), OtherKind::Zip);
    // OFD.xml must be at the root, with exactly that name.
    let nested = zip_with(&[("sub/OFD.xml", OFD_XML)]);
    assert_eq!(other(sniff(&nested)), OtherKind::Zip);
    let folder = zip_with(&[("OFD.xml/", b""), ("OFD.xml/x", OFD_XML)]);
    assert_eq!(other(sniff(&folder)), OtherKind::Zip);
    assert_eq!(other(sniff(&zip_with(&[]))), OtherKind::Zip);
}

#[test]
fn empty_and_unknown() {
    assert_eq!(sniff(b""), Err(Refusal::Empty));
    assert_eq!(sniff(&[0u8, 1, 2, 3, 200, 201]), Err(Refusal::Unrecognised));
    assert_eq!(sniff(b"\x89PN"), Err(Refusal::Unrecognised));
}

#[test]
fn refusals_say_what_was_found_in_both_languages() {
    let e = detect(b"<!doctype html><p>hi").unwrap_err();
    assert_eq!(e.code, ErrorCode::UnsupportedMedia);
    assert_eq!(e.status(), 415);
    let d = e.detail.as_ref().unwrap();
    assert!(
        d.zh.contains("HTML 网页") && d.zh.contains("PDF、JPEG、PNG、OFD"),
        "{}",
        d.zh
    );
    assert!(
        d.en.contains("an HTML page") && d.en.contains("PDF, JPEG, PNG and OFD"),
        "{}",
        d.en
    );

    let e = detect(b"").unwrap_err();
    assert!(e.detail.as_ref().unwrap().zh.contains("文件为空"));
    assert!(e.detail.as_ref().unwrap().en.contains("empty"));

    let p = pdf();
    let e = detect(&p[..p.len() - 7]).unwrap_err();
    let d = e.detail.as_ref().unwrap();
    assert!(
        d.zh.contains("PDF 文档") && d.zh.contains("%%EOF"),
        "{}",
        d.zh
    );
    assert!(
        d.en.contains("a PDF document") && d.en.contains("%%EOF"),
        "{}",
        d.en
    );
}

/// An archive whose central directory claims a 4 GiB `OFD.xml` (deflated): detection reads the
/// directory only and never inflates, so it answers at once.
#[test]
fn zip_bomb_is_never_decompressed() {
    let mut z = ofd();
    let cd = z.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    assert_eq!(&z[cd + 46..cd + 53], b"OFD.xml");
    z[cd + 10..cd + 12].copy_from_slice(&8u16.to_le_bytes()); // method: deflate
    z[cd + 24..cd + 28].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes()); // uncompressed size
    let started = std::time::Instant::now();
    assert_eq!(sniff(&z), Ok(MediaType::Ofd));
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
}

fn upload(name: &str, bytes: Vec<u8>) -> Upload {
    Upload {
        entry: "id-card".into(),
        field: "materials[0].file".into(),
        file_name: name.into(),
        bytes: Bytes::from(bytes),
    }
}

#[test]
fn the_name_is_checked_against_the_content() {
    let l = Limits::default();
    // A PNG named .pdf: a field error naming the file.
    let e = screen(&upload("营业执照.pdf", png()), &l, 0).unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    let f = &e.fields[0];
    assert_eq!(
        (f.field.as_str(), f.rule.as_str()),
        ("materials[0].file", "file.type_mismatch")
    );
    assert!(
        f.zh.contains("营业执照.pdf") && f.zh.contains(".pdf") && f.zh.contains("PNG 图片"),
        "{}",
        f.zh
    );
    assert!(
        f.en.contains("营业执照.pdf") && f.en.contains("a PNG image"),
        "{}",
        f.en
    );
    // A PDF named .jpg, an OFD named .zip.
    assert_eq!(
        screen(&upload("a.jpg", pdf()), &l, 0).unwrap_err().fields[0].rule,
        "file.type_mismatch"
    );
    assert_eq!(
        screen(&upload("a.zip", ofd()), &l, 0).unwrap_err().fields[0].rule,
        "file.type_mismatch"
    );
    // Matching names in any case, aliases, and names without an extension pass.
    for (name, bytes, want) in [
        ("scan.PDF", pdf(), MediaType::Pdf),
        ("photo.jpeg", jpeg(), MediaType::Jpeg),
        ("photo.JFIF", jpeg(), MediaType::Jpeg),
        ("photo.jpg", jpeg(), MediaType::Jpeg),
        ("截图.png", png(), MediaType::Png),
        ("电子证照.ofd", ofd(), MediaType::Ofd),
        ("scan", pdf(), MediaType::Pdf),
        ("身份证.正面", jpeg(), MediaType::Jpeg),
    ] {
        assert_eq!(
            screen(&upload(name, bytes), &l, 0).map_err(|e| e.to_string()),
            Ok(want),
            "{name}"
        );
    }
}

#[test]
fn a_good_name_does_not_save_bad_content() {
    let l = Limits::default();
    let e = screen(
        &upload("invoice.pdf", b"<html><script>x</script>".to_vec()),
        &l,
        0,
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::UnsupportedMedia);
    assert_eq!(e.fields[0].rule, "file.unsupported");
    assert_eq!(e.fields[0].field, "materials[0].file");
    let d = e.detail.as_ref().unwrap();
    assert!(
        d.zh.contains("invoice.pdf") && d.zh.contains("HTML"),
        "{}",
        d.zh
    );
    assert!(
        d.en.contains("invoice.pdf") && d.en.contains("HTML"),
        "{}",
        d.en
    );
    let e = screen(&upload("setup.png", b"MZ\x90\x00".to_vec()), &l, 0).unwrap_err();
    assert!(e.detail.as_ref().unwrap().en.contains("Windows executable"));
    let e = screen(&upload("empty.pdf", Vec::new()), &l, 0).unwrap_err();
    assert_eq!(e.code, ErrorCode::UnsupportedMedia);
}

#[test]
fn limits_are_checked_before_the_content() {
    let l = Limits {
        max_file_bytes: 1024,
        max_case_bytes: 4096,
    };
    let mut big = pdf();
    big.resize(2000, b' ');
    let e = screen(&upload("big.pdf", big), &l, 0).unwrap_err();
    assert_eq!(e.code, ErrorCode::PayloadTooLarge);
    assert_eq!(e.status(), 413);
    assert_eq!(e.fields[0].rule, "file.max_size");
    let d = e.detail.as_ref().unwrap();
    assert!(
        d.zh.contains("big.pdf") && d.zh.contains("1 KiB"),
        "{}",
        d.zh
    );
    assert!(
        d.en.contains("big.pdf") && d.en.contains("1 KiB"),
        "{}",
        d.en
    );
    // Fits alone, but not with what the case already holds.
    let e = screen(&upload("a.png", png()), &l, 4090).unwrap_err();
    assert_eq!(e.code, ErrorCode::PayloadTooLarge);
    assert!(e.detail.as_ref().unwrap().en.contains("4 KiB per case"));
    assert!(screen(&upload("a.png", png()), &l, 100).is_ok());
}

const SIGNATURES: &[&[u8]] = &[
    b"",
    b"%PDF-1.7\n",
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR",
    b"\xff\xd8\xff",
    b"\xff\xd8\xff\xc0\x00\x0b",
    b"\xff\xd8\xff\xda\x00\x08",
    b"PK\x03\x04",
    b"PK\x05\x06",
    b"<",
    b"\xef\xbb\xbf<?xml",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn detect_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let _ = detect(&bytes);
    }

    #[test]
    fn detect_never_panics_past_a_known_header(
        prefix in proptest::sample::select(SIGNATURES),
        tail in proptest::collection::vec(any::<u8>(), 0..2048),
    ) {
        let mut bytes = prefix.to_vec();
        bytes.extend(tail);
        let _ = detect(&bytes);
    }

    /// Damaging a real file anywhere (one byte changed, or cut short) never panics either.
    #[test]
    fn detect_never_panics_on_damaged_real_files(
        which in 0usize..4,
        at in any::<prop::sample::Index>(),
        value in any::<u8>(),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut bytes = [pdf(), png(), jpeg(), ofd()][which].clone();
        let i = at.index(bytes.len());
        bytes[i] = value;
        let _ = detect(&bytes);
        let n = cut.index(bytes.len());
        let _ = detect(&bytes[..n]);
    }
}
