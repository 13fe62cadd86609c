//! Which kind of file is this? Decided from the bytes alone.
//!
//! The file name and the content type a browser declares are not trusted: browsers derive the
//! declared type from the name, and a name is whatever the sender typed. [`detect`] looks at the
//! content and answers one of the four accepted [`MediaType`]s, or refuses with
//! `unsupported_media` naming what it found when it can tell (an HTML page, an executable, a
//! ZIP archive that is not OFD, a PDF cut short…).
//!
//! # The rules
//!
//! | type | accepted when |
//! |---|---|
//! | PDF | starts with `%PDF-d.d` at offset 0, and `%%EOF` occurs in the last 1024 bytes (the rule PDF readers use: incremental updates append a new `%%EOF`, and writers often add a newline or padding after it) |
//! | JPEG | starts `FF D8 FF`; the marker segments parse (each length fits in the file) through a frame header (SOFn) and at least one scan (SOS), whose entropy-coded data is skipped to the next marker, up to the end-of-image marker `FF D9` |
//! | PNG | the 8-byte signature, then an `IHDR` chunk of length 13 with a non-zero width and height, then whole chunks (each length fits) with at least one `IDAT`, up to `IEND` |
//! | OFD | a ZIP (local header `PK\x03\x04` at offset 0) whose central directory lists an entry named exactly `OFD.xml` (GB/T 33190: the container's entry point sits at the root) |
//!
//! **Trailing bytes.** Bytes after a JPEG's end-of-image or a PNG's `IEND` are tolerated: phones
//! append maker trailers and multi-picture (MPF) images there, and refusing a citizen's photo of
//! their ID card for it helps nobody. Within a PDF, trailing bytes after the last `%%EOF` are
//! tolerated up to the 1024-byte window. The stored bytes are only ever served back as the
//! detected type (with `nosniff`), so a trailer cannot make the file act as something else, and
//! the digest covers every byte.
//!
//! **Zip bombs.** The OFD check reads the ZIP central directory only (entry names, read-only)
//! and never decompresses an entry, so a tiny archive claiming gigabytes costs nothing here.
//! Chunk CRCs and image data are not checked: this is type detection, not validation of the
//! whole document.

use std::io::Cursor;

use serde::{Deserialize, Serialize};
use yiwang_kernel::{Error, ErrorCode};

/// The kinds of material accepted. The string form ([`MediaType::as_str`]) is stable (it is
/// what a database column keeps).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaType {
    Pdf,
    Jpeg,
    Png,
    /// 开放版式文档 (GB/T 33190-2016), a ZIP container with `OFD.xml` at its root.
    Ofd,
}

impl MediaType {
    pub const ALL: [MediaType; 4] = [
        MediaType::Pdf,
        MediaType::Jpeg,
        MediaType::Png,
        MediaType::Ofd,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MediaType::Pdf => "pdf",
            MediaType::Jpeg => "jpeg",
            MediaType::Png => "png",
            MediaType::Ofd => "ofd",
        }
    }

    pub fn parse(s: &str) -> Option<MediaType> {
        MediaType::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// The `Content-Type` to serve the bytes with.
    pub fn mime(self) -> &'static str {
        match self {
            MediaType::Pdf => "application/pdf",
            MediaType::Jpeg => "image/jpeg",
            MediaType::Png => "image/png",
            // No IANA registration; this is what OFD readers and Chinese e-government systems use.
            MediaType::Ofd => "application/ofd",
        }
    }

    /// The extension to give a downloaded copy.
    pub fn extension(self) -> &'static str {
        self.extensions()[0]
    }

    /// Every file-name extension (lower case, without the dot) that names this type.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            MediaType::Pdf => &["pdf"],
            MediaType::Jpeg => &["jpg", "jpeg", "jpe", "jfif"],
            MediaType::Png => &["png"],
            MediaType::Ofd => &["ofd"],
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            MediaType::Pdf => "PDF 文档",
            MediaType::Jpeg => "JPEG 图片",
            MediaType::Png => "PNG 图片",
            MediaType::Ofd => "OFD 版式文档",
        }
    }

    /// The English name with its article ("a PDF document", "an OFD document").
    pub fn en(self) -> &'static str {
        match self {
            MediaType::Pdf => "a PDF document",
            MediaType::Jpeg => "a JPEG image",
            MediaType::Png => "a PNG image",
            MediaType::Ofd => "an OFD document",
        }
    }
}

impl std::fmt::Display for MediaType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something recognised that is not an accepted type (named in the refusal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtherKind {
    Html,
    Svg,
    Xml,
    Text,
    WindowsExecutable,
    ElfExecutable,
    MachOExecutable,
    Script,
    Gif,
    Bmp,
    Tiff,
    Webp,
    Heif,
    Zip,
    /// A ZIP whose central directory cannot be read.
    DamagedZip,
    /// Word/Excel/PowerPoint 2007+ (a ZIP with `[Content_Types].xml`).
    OfficeOpenXml,
    /// Word/Excel 97–2003 (an OLE2 compound file).
    OfficeLegacy,
    Rar,
    SevenZip,
    Gzip,
}

impl OtherKind {
    pub fn zh(self) -> &'static str {
        match self {
            OtherKind::Html => "HTML 网页",
            OtherKind::Svg => "SVG 矢量图",
            OtherKind::Xml => "XML 文档",
            OtherKind::Text => "纯文本",
            OtherKind::WindowsExecutable => "Windows 可执行程序",
            OtherKind::ElfExecutable => "Linux 可执行程序",
            OtherKind::MachOExecutable => "macOS 可执行程序",
            OtherKind::Script => "脚本程序",
            OtherKind::Gif => "GIF 图片",
            OtherKind::Bmp => "BMP 图片",
            OtherKind::Tiff => "TIFF 图片",
            OtherKind::Webp => "WebP 图片",
            OtherKind::Heif => "HEIF/HEIC 图片",
            OtherKind::Zip => "ZIP 压缩包（不是 OFD 文档）",
            OtherKind::DamagedZip => "已损坏的 ZIP 压缩包",
            OtherKind::OfficeOpenXml => "Office 文档（docx/xlsx/pptx）",
            OtherKind::OfficeLegacy => "Office 97–2003 文档（doc/xls/ppt）",
            OtherKind::Rar => "RAR 压缩包",
            OtherKind::SevenZip => "7z 压缩包",
            OtherKind::Gzip => "gzip 压缩文件",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            OtherKind::Html => "an HTML page",
            OtherKind::Svg => "an SVG drawing",
            OtherKind::Xml => "an XML document",
            OtherKind::Text => "plain text",
            OtherKind::WindowsExecutable => "a Windows executable",
            OtherKind::ElfExecutable => "a Linux executable",
            OtherKind::MachOExecutable => "a macOS executable",
            OtherKind::Script => "a script",
            OtherKind::Gif => "a GIF image",
            OtherKind::Bmp => "a BMP image",
            OtherKind::Tiff => "a TIFF image",
            OtherKind::Webp => "a WebP image",
            OtherKind::Heif => "a HEIF/HEIC image",
            OtherKind::Zip => "a ZIP archive (not an OFD document)",
            OtherKind::DamagedZip => "a damaged ZIP archive",
            OtherKind::OfficeOpenXml => "an Office document (docx/xlsx/pptx)",
            OtherKind::OfficeLegacy => "an Office 97–2003 document (doc/xls/ppt)",
            OtherKind::Rar => "a RAR archive",
            OtherKind::SevenZip => "a 7z archive",
            OtherKind::Gzip => "a gzip file",
        }
    }
}

/// Why [`sniff`] refused the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Empty,
    /// Nothing we know.
    Unrecognised,
    /// Recognised, but not an accepted type.
    Other(OtherKind),
    /// Starts like an accepted type but is cut short or malformed.
    Damaged {
        kind: MediaType,
        zh: &'static str,
        en: &'static str,
    },
}

const ACCEPTED_ZH: &str = "仅接受 PDF、JPEG、PNG、OFD 格式的文件";
const ACCEPTED_EN: &str = "only PDF, JPEG, PNG and OFD files are accepted";

impl Refusal {
    pub fn zh(&self) -> String {
        match self {
            Refusal::Empty => format!("文件为空，{ACCEPTED_ZH}"),
            Refusal::Unrecognised => format!("无法识别文件内容，{ACCEPTED_ZH}"),
            Refusal::Other(k) => format!("文件内容是{}，{ACCEPTED_ZH}", k.zh()),
            Refusal::Damaged { kind, zh, .. } => {
                format!("文件不完整或已损坏：{}{zh}", kind.zh())
            }
        }
    }

    pub fn en(&self) -> String {
        match self {
            Refusal::Empty => format!("The file is empty; {ACCEPTED_EN}"),
            Refusal::Unrecognised => {
                format!("The content is not recognised; {ACCEPTED_EN}")
            }
            Refusal::Other(k) => format!("The content is {}; {ACCEPTED_EN}", k.en()),
            Refusal::Damaged { kind, en, .. } => {
                format!("The file is incomplete or damaged: {} {en}", kind.en())
            }
        }
    }

    /// The `unsupported_media` error carrying this explanation.
    pub fn into_error(self) -> Error {
        Error::new(ErrorCode::UnsupportedMedia).with_detail(self.zh(), self.en())
    }
}

/// The accepted type of `bytes`, or `unsupported_media` saying what was found instead.
pub fn detect(bytes: &[u8]) -> Result<MediaType, Error> {
    sniff(bytes).map_err(Refusal::into_error)
}

/// Like [`detect`], with the refusal as data.
pub fn sniff(b: &[u8]) -> Result<MediaType, Refusal> {
    if b.is_empty() {
        return Err(Refusal::Empty);
    }
    if b.starts_with(b"%PDF-") {
        return pdf(b);
    }
    if b.starts_with(PNG_SIGNATURE) {
        return png(b);
    }
    if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return jpeg(b);
    }
    if b.starts_with(b"PK\x03\x04") || b.starts_with(b"PK\x05\x06") {
        return zip(b);
    }
    if let Some(kind) = other_by_magic(b) {
        return Err(Refusal::Other(kind));
    }
    if find(&b[..b.len().min(1024)], b"%PDF-").is_some() {
        return Err(damaged(
            MediaType::Pdf,
            "的文件头不在文件开头",
            "whose header is not at the start of the file",
        ));
    }
    Err(markup_or_text(b).map_or(Refusal::Unrecognised, Refusal::Other))
}

fn damaged(kind: MediaType, zh: &'static str, en: &'static str) -> Refusal {
    Refusal::Damaged { kind, zh, en }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn be16(b: &[u8], at: usize) -> Option<usize> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(usize::from(u16::from_be_bytes([s[0], s[1]])))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

fn pdf(b: &[u8]) -> Result<MediaType, Refusal> {
    let version_ok = matches!(b.get(5..8), Some([major, b'.', minor])
        if major.is_ascii_digit() && minor.is_ascii_digit());
    if !version_ok {
        return Err(damaged(
            MediaType::Pdf,
            "的版本号无效",
            "with an invalid version in its header",
        ));
    }
    let tail = &b[b.len().saturating_sub(1024)..];
    if find(tail, b"%%EOF").is_none() {
        return Err(damaged(
            MediaType::Pdf,
            "缺少结束标记 %%EOF（可能被截断）",
            "without its %%EOF end marker (cut short?)",
        ));
    }
    Ok(MediaType::Pdf)
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

fn png(b: &[u8]) -> Result<MediaType, Refusal> {
    let truncated = || damaged(MediaType::Png, "被截断", "that is cut short");
    let ihdr_ok = be32(b, 8) == Some(13)
        && b.get(12..16) == Some(b"IHDR")
        && be32(b, 16).is_some_and(|w| w > 0)
        && be32(b, 20).is_some_and(|h| h > 0);
    if !ihdr_ok {
        return Err(if b.len() < 33 {
            truncated()
        } else {
            damaged(
                MediaType::Png,
                "缺少有效的 IHDR 文件头",
                "without a valid IHDR header chunk",
            )
        });
    }
    let mut at = 8usize;
    let mut seen_data = false;
    loop {
        let (Some(len), Some(kind)) = (be32(b, at), b.get(at + 4..at + 8)) else {
            return Err(truncated());
        };
        if len > 0x7FFF_FFFF || !kind.iter().all(u8::is_ascii_alphabetic) {
            return Err(damaged(
                MediaType::Png,
                "的数据块结构无效",
                "with an invalid chunk structure",
            ));
        }
        // length + type + data + CRC
        let end = usize::try_from(len)
            .ok()
            .and_then(|l| at.checked_add(12)?.checked_add(l))
            .filter(|&end| end <= b.len())
            .ok_or_else(truncated)?;
        match kind {
            b"IDAT" => seen_data = true,
            b"IEND" if seen_data => return Ok(MediaType::Png),
            b"IEND" => {
                return Err(damaged(
                    MediaType::Png,
                    "没有图像数据",
                    "without image data",
                ));
            }
            _ => {}
        }
        at = end;
    }
}

fn jpeg(b: &[u8]) -> Result<MediaType, Refusal> {
    let truncated = || {
        damaged(
            MediaType::Jpeg,
            "被截断（缺少图像结束标记）",
            "that is cut short (no end-of-image marker)",
        )
    };
    let malformed = || {
        damaged(
            MediaType::Jpeg,
            "的段结构无效",
            "with an invalid segment structure",
        )
    };
    let mut at = 2usize;
    let mut frame = false;
    let mut scan = false;
    loop {
        match b.get(at) {
            None => return Err(truncated()),
            Some(0xFF) => {}
            Some(_) => return Err(malformed()),
        }
        // Any number of 0xFF fill bytes may precede a marker.
        while b.get(at) == Some(&0xFF) {
            at += 1;
        }
        let Some(&marker) = b.get(at) else {
            return Err(truncated());
        };
        at += 1;
        match marker {
            0xD9 if frame && scan => return Ok(MediaType::Jpeg),
            0xD9 => {
                return Err(damaged(
                    MediaType::Jpeg,
                    "没有图像数据",
                    "without image data",
                ));
            }
            0x00 | 0xD8 => return Err(malformed()),
            // Markers without a length (TEM, restart markers).
            0x01 | 0xD0..=0xD7 => {}
            _ => {
                let len = be16(b, at).ok_or_else(truncated)?;
                if len < 2 {
                    return Err(malformed());
                }
                at += len;
                if at > b.len() {
                    return Err(truncated());
                }
                if matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
                    frame = true;
                }
                if marker == 0xDA {
                    if !frame {
                        return Err(malformed());
                    }
                    scan = true;
                    at = after_entropy_coded_data(b, at).ok_or_else(truncated)?;
                }
            }
        }
    }
}

/// Skips a scan's entropy-coded data from `at`: the position of the next marker's `FF`
/// (`FF 00` is a stuffed data byte, `FF D0`–`FF D7` are restart markers inside the scan).
fn after_entropy_coded_data(b: &[u8], mut at: usize) -> Option<usize> {
    loop {
        let ff = at + b.get(at..)?.iter().position(|&x| x == 0xFF)?;
        match *b.get(ff + 1)? {
            0x00 | 0xD0..=0xD7 => at = ff + 2,
            0xFF => at = ff + 1,
            _ => return Some(ff),
        }
    }
}

fn zip(b: &[u8]) -> Result<MediaType, Refusal> {
    // Reads the end-of-central-directory record and the central directory (names, sizes,
    // offsets) only; no entry is read or decompressed.
    let Ok(archive) = zip::ZipArchive::new(Cursor::new(b)) else {
        return Err(Refusal::Other(OtherKind::DamagedZip));
    };
    if archive.index_for_name_raw(b"OFD.xml").is_some() {
        Ok(MediaType::Ofd)
    } else if archive.index_for_name_raw(b"[Content_Types].xml").is_some() {
        Err(Refusal::Other(OtherKind::OfficeOpenXml))
    } else {
        Err(Refusal::Other(OtherKind::Zip))
    }
}

/// Names a refused file by its leading bytes when we can.
fn other_by_magic(b: &[u8]) -> Option<OtherKind> {
    const MAGIC: &[(&[u8], OtherKind)] = &[
        (b"MZ", OtherKind::WindowsExecutable),
        (b"\x7fELF", OtherKind::ElfExecutable),
        (b"\xfe\xed\xfa\xce", OtherKind::MachOExecutable),
        (b"\xfe\xed\xfa\xcf", OtherKind::MachOExecutable),
        (b"\xce\xfa\xed\xfe", OtherKind::MachOExecutable),
        (b"\xcf\xfa\xed\xfe", OtherKind::MachOExecutable),
        (b"\xca\xfe\xba\xbe", OtherKind::MachOExecutable),
        (b"#!", OtherKind::Script),
        (b"GIF87a", OtherKind::Gif),
        (b"GIF89a", OtherKind::Gif),
        (b"BM", OtherKind::Bmp),
        (b"II*\x00", OtherKind::Tiff),
        (b"MM\x00*", OtherKind::Tiff),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", OtherKind::OfficeLegacy),
        (b"Rar!\x1a\x07", OtherKind::Rar),
        (b"7z\xbc\xaf\x27\x1c", OtherKind::SevenZip),
        (b"\x1f\x8b", OtherKind::Gzip),
    ];
    if let Some((_, kind)) = MAGIC.iter().find(|(m, _)| b.starts_with(m)) {
        return Some(*kind);
    }
    if b.starts_with(b"RIFF") && b.get(8..12) == Some(b"WEBP") {
        return Some(OtherKind::Webp);
    }
    if b.get(4..8) == Some(b"ftyp")
        && b.get(8..12).is_some_and(|brand| {
            [b"heic", b"heix", b"heif", b"mif1", b"msf1", b"avif"]
                .iter()
                .any(|b| b.as_slice() == brand)
        })
    {
        return Some(OtherKind::Heif);
    }
    None
}

fn markup_or_text(b: &[u8]) -> Option<OtherKind> {
    let head = &b[..b.len().min(1024)];
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let start = head.iter().position(|c| !c.is_ascii_whitespace())?;
    let lower = head[start..].to_ascii_lowercase();
    if lower.starts_with(b"<") {
        if find(&lower, b"<svg").is_some() {
            return Some(OtherKind::Svg);
        }
        const HTML: &[&[u8]] = &[
            b"<!doctype html",
            b"<html",
            b"<head",
            b"<body",
            b"<script",
            b"<iframe",
            b"<meta",
            b"<title",
            b"<div",
            b"<p>",
            b"<a ",
            b"<img",
            b"<style",
            b"<form",
        ];
        if HTML.iter().any(|tag| lower.starts_with(tag)) || find(&lower, b"<html").is_some() {
            return Some(OtherKind::Html);
        }
        if lower.starts_with(b"<?xml") {
            return Some(OtherKind::Xml);
        }
    }
    // Valid UTF-8 without control characters other than whitespace, allowing a character cut
    // at the 1024-byte boundary.
    let text_ok = match std::str::from_utf8(head) {
        Ok(s) => Some(s),
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&head[..e.valid_up_to()]).ok(),
        Err(_) => None,
    };
    text_ok
        .filter(|s| s.chars().all(|c| !c.is_control() || c.is_whitespace()))
        .map(|_| OtherKind::Text)
}
