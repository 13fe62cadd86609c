//! The stores: round trip, idempotence, refusal of unaccepted content, corruption detection,
//! digests that try to leave the store's directory.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;

use bytes::Bytes;
use common::*;
use yiwang_files::{
    FileStore, Intake, Limits, LocalFileStore, MediaType, MemoryFileStore, Sm3Hex, Upload,
};
use yiwang_kernel::ErrorCode;

/// Every file in the tree under `dir`, relative.
fn tree(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

async fn round_trip(store: &dyn FileStore) {
    for (bytes, media) in [
        (pdf(), MediaType::Pdf),
        (png(), MediaType::Png),
        (jpeg(), MediaType::Jpeg),
        (ofd(), MediaType::Ofd),
    ] {
        let digest = Sm3Hex::of(&bytes);
        assert!(!store.exists(&digest).await.unwrap());
        assert_eq!(store.get(&digest).await.unwrap(), None);
        let stored = store.put(Bytes::from(bytes.clone())).await.unwrap();
        assert_eq!(stored.digest_sm3_hex, digest);
        assert_eq!(stored.size, bytes.len() as u64);
        assert_eq!(stored.media_type, media);
        assert!(store.exists(&digest).await.unwrap());
        assert_eq!(store.get(&digest).await.unwrap().unwrap(), bytes);
        // The same bytes again: the same answer, no error.
        assert_eq!(store.put(Bytes::from(bytes)).await.unwrap(), stored);
    }
}

async fn refuses_unaccepted(store: &dyn FileStore) {
    let html = Bytes::from_static(b"<!doctype html><script>alert(1)</script>");
    let e = store.put(html.clone()).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::UnsupportedMedia);
    assert!(!store.exists(&Sm3Hex::of(&html)).await.unwrap());
    let e = store.put(Bytes::new()).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::UnsupportedMedia);
}

#[tokio::test]
async fn memory_store_round_trip_and_refusals() {
    let store = MemoryFileStore::new();
    round_trip(&store).await;
    refuses_unaccepted(&store).await;
    assert_eq!(store.len(), 4);
}

#[tokio::test]
async fn local_store_round_trip_and_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalFileStore::open(dir.path()).unwrap();
    round_trip(&store).await;
    refuses_unaccepted(&store).await;
    // Four files, each at files/ab/cd/<digest>, no temporary files left behind.
    let files = tree(dir.path());
    assert_eq!(files.len(), 4, "{files:?}");
    for f in files {
        let parts: Vec<&str> = f.split('/').collect();
        assert_eq!(parts.len(), 4, "{f}");
        let (files_dir, ab, cd, name) = (parts[0], parts[1], parts[2], parts[3]);
        assert_eq!(files_dir, "files");
        assert!(Sm3Hex::parse(name).is_ok(), "{f}");
        assert_eq!((ab, cd), (&name[0..2], &name[2..4]));
    }
}

#[tokio::test]
async fn local_store_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let store = LocalFileStore::open(dir.path()).unwrap();
    let stored = store.put(Bytes::from(pdf())).await.unwrap();
    let mode = std::fs::metadata(store.path_of(&stored.digest_sm3_hex))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[tokio::test]
async fn concurrent_puts_of_the_same_bytes_make_one_copy() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(LocalFileStore::open(dir.path()).unwrap());
    let bytes = Bytes::from(jpeg());
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (store, bytes) = (store.clone(), bytes.clone());
            tokio::spawn(async move { store.put(bytes).await })
        })
        .collect();
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap().unwrap());
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(tree(dir.path()).len(), 1);
}

#[tokio::test]
async fn a_corrupted_file_is_never_served_and_a_new_put_heals_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalFileStore::open(dir.path()).unwrap();
    let bytes = png();
    let stored = store.put(Bytes::from(bytes.clone())).await.unwrap();
    let digest = stored.digest_sm3_hex.clone();
    let path = store.path_of(&digest);

    // One bit flipped on disk.
    let mut damaged = bytes.clone();
    damaged[40] ^= 0x01;
    std::fs::write(&path, &damaged).unwrap();
    let e = store.get(&digest).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Internal);
    assert!(e.internal.as_deref().unwrap().contains(digest.as_str()));
    assert!(
        !e.body().en.contains(digest.as_str()),
        "the cause stays in the log"
    );
    // Cut short.
    std::fs::write(&path, &bytes[..10]).unwrap();
    assert_eq!(
        store.get(&digest).await.unwrap_err().code,
        ErrorCode::Internal
    );
    // Emptied.
    std::fs::write(&path, b"").unwrap();
    assert_eq!(
        store.get(&digest).await.unwrap_err().code,
        ErrorCode::Internal
    );

    // Uploading the same content again replaces the damaged copy.
    assert_eq!(store.put(Bytes::from(bytes.clone())).await.unwrap(), stored);
    assert_eq!(store.get(&digest).await.unwrap().unwrap(), bytes);
}

#[tokio::test]
async fn memory_store_detects_corruption_too() {
    let store = MemoryFileStore::new();
    let stored = store.put(Bytes::from(pdf())).await.unwrap();
    store.overwrite_for_tests(
        &stored.digest_sm3_hex,
        Bytes::from_static(b"%PDF-1.7 other"),
    );
    let e = store.get(&stored.digest_sm3_hex).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Internal);
}

#[tokio::test]
async fn digests_cannot_leave_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let store = LocalFileStore::open(&data).unwrap();
    // A valid file just outside the store, named like a digest would be.
    let secret = pdf();
    let name = Sm3Hex::of(&secret).to_string();
    std::fs::write(dir.path().join(&name), &secret).unwrap();

    for attempt in [
        "../../../../etc/passwd".to_string(),
        format!("../../../../{name}"),
        format!("../../{}", &name[6..]),
        format!("/{}", &name[1..]),
        format!("{}/..", &name[..61]),
        format!("{}%2f", &name[..61]),
        name.to_uppercase(),
        format!("{name}\0"),
        format!("{name}.tmp"),
        String::new(),
    ] {
        let e = Sm3Hex::parse(&attempt).unwrap_err();
        assert_eq!(e.code, ErrorCode::Validation, "{attempt:?}");
        assert_eq!(e.fields[0].field, "digest");
        assert!(attempt.parse::<Sm3Hex>().is_err());
    }
    // Every path the store can form is inside files/ab/cd/.
    let d = Sm3Hex::parse(&name).unwrap();
    assert_eq!(
        store.path_of(&d),
        data.join("files")
            .join(&name[0..2])
            .join(&name[2..4])
            .join(&name)
    );
    assert_eq!(store.get(&d).await.unwrap(), None);
    assert!(!store.exists(&d).await.unwrap());
}

#[tokio::test]
async fn intake_links_the_stored_file_to_its_checklist_entry() {
    let store = Arc::new(MemoryFileStore::new());
    let intake = Intake::new(store.clone(), Limits::default());
    let upload = Upload {
        entry: "business-licence".into(),
        field: "materials[1].file".into(),
        file_name: "营业执照.ofd".into(),
        bytes: Bytes::from(ofd()),
    };
    let m = intake.accept(upload.clone(), 0).await.unwrap();
    assert_eq!(m.entry, "business-licence");
    assert_eq!(m.file_name, "营业执照.ofd");
    assert_eq!(m.file.media_type, MediaType::Ofd);
    assert!(store.exists(&m.file.digest_sm3_hex).await.unwrap());

    // Refused uploads store nothing.
    let spoofed = Upload {
        file_name: "营业执照.pdf".into(),
        ..upload.clone()
    };
    assert_eq!(
        intake.accept(spoofed, 0).await.unwrap_err().code,
        ErrorCode::Validation
    );
    let tight = Intake::new(
        store.clone(),
        Limits {
            max_file_bytes: 10,
            max_case_bytes: 100,
        },
    );
    let other = Upload {
        bytes: Bytes::from(png()),
        file_name: "x.png".into(),
        ..upload
    };
    assert_eq!(
        tight.accept(other, 0).await.unwrap_err().code,
        ErrorCode::PayloadTooLarge
    );
    assert_eq!(store.len(), 1);
}

/// What a crash before the rename leaves behind (a partial `.put-*.tmp`) is never read, and
/// the next `put` of those bytes proceeds as usual.
#[tokio::test]
async fn leftover_temporary_files_are_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalFileStore::open(dir.path()).unwrap();
    let bytes = pdf();
    let digest = Sm3Hex::of(&bytes);
    let path = store.path_of(&digest);
    let leaf = path.parent().unwrap();
    std::fs::create_dir_all(leaf).unwrap();
    std::fs::write(leaf.join(".put-abc123.tmp"), &bytes[..20]).unwrap();
    assert!(!store.exists(&digest).await.unwrap());
    assert_eq!(store.get(&digest).await.unwrap(), None);
    store.put(Bytes::from(bytes.clone())).await.unwrap();
    assert_eq!(store.get(&digest).await.unwrap().unwrap(), bytes);
}
