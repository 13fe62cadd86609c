//! Tiny but real files of each accepted type, built in the test (no binary fixtures).
#![allow(dead_code, clippy::unwrap_used)]

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;

/// A one-page PDF with a correct cross-reference table.
pub fn pdf() -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ];
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for o in offsets {
        out.extend(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend((data.len() as u32).to_be_bytes());
    out.extend(kind);
    out.extend(data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    out.extend(crc.finalize().to_be_bytes());
}

/// A 1×1 grey PNG; `comment` goes into a tEXt chunk (to make distinct files).
pub fn png_with(comment: &[u8]) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    // width 1, height 1, bit depth 8, colour type 0 (grey), deflate, filter 0, no interlace
    chunk(&mut out, b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
    if !comment.is_empty() {
        let mut text = b"Comment\0".to_vec();
        text.extend(comment);
        chunk(&mut out, b"tEXt", &text);
    }
    // zlib: header, one stored block holding [filter 0, pixel 0], Adler-32 of those two bytes.
    chunk(
        &mut out,
        b"IDAT",
        &[
            0x78, 0x01, 0x01, 0x02, 0x00, 0xFD, 0xFF, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01,
        ],
    );
    chunk(&mut out, b"IEND", &[]);
    out
}

pub fn png() -> Vec<u8> {
    png_with(b"")
}

/// A 1×1 grey baseline JPEG: one block whose DC difference and AC coefficients are all zero.
pub fn jpeg() -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8];
    // DQT: table 0, all ones.
    out.extend([0xFF, 0xDB, 0x00, 67, 0x00]);
    out.extend([1u8; 64]);
    // SOF0: 8-bit, 1×1, one component (id 1, 1×1 sampling, table 0).
    out.extend([0xFF, 0xC0, 0x00, 11, 8, 0, 1, 0, 1, 1, 1, 0x11, 0]);
    // DHT: DC table 0 and AC table 0, each one code of length 1 for symbol 0.
    for class in [0x00, 0x10] {
        out.extend([0xFF, 0xC4, 0x00, 20, class, 1]);
        out.extend([0u8; 15]);
        out.push(0);
    }
    // SOS: one component, tables 0/0, full spectrum.
    out.extend([0xFF, 0xDA, 0x00, 8, 1, 1, 0x00, 0, 63, 0]);
    // Entropy-coded data: "0" (DC category 0), "0" (EOB), padded with ones.
    out.push(0x3F);
    out.extend([0xFF, 0xD9]);
    out
}

/// A ZIP of the given entries, stored (not compressed).
pub fn zip_with(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, data) in entries {
        w.start_file(*name, options).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

pub const OFD_XML: &[u8] = br#"<?xml version="1.0" encoding="UTF-8"?>
<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0" DocType="OFD">
  <ofd:DocBody>
    <ofd:DocInfo><ofd:DocID>6f1a3c0e2b7d4d7c9a6b0e1f2a3b4c5d</ofd:DocID></ofd:DocInfo>
    <ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>
  </ofd:DocBody>
</ofd:OFD>
"#;

pub const DOCUMENT_XML: &[u8] = br#"<?xml version="1.0" encoding="UTF-8"?>
<ofd:Document xmlns:ofd="http://www.ofdspec.org/2016">
  <ofd:CommonData><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea><ofd:MaxUnitID>1</ofd:MaxUnitID></ofd:CommonData>
  <ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages>
</ofd:Document>
"#;

pub const CONTENT_XML: &[u8] = br#"<?xml version="1.0" encoding="UTF-8"?>
<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content/></ofd:Page>
"#;

/// An OFD container: `OFD.xml` at the root, one document with one empty page.
pub fn ofd() -> Vec<u8> {
    zip_with(&[
        ("OFD.xml", OFD_XML),
        ("Doc_0/Document.xml", DOCUMENT_XML),
        ("Doc_0/Pages/Page_0/Content.xml", CONTENT_XML),
    ])
}
