//! `yiwang bench licences`: seals and verifications per second on this machine's cores, each
//! beside the bare `sm2` crate measured in the same run.
//!
//! - seal: build a realistic licence document, canonicalise it (`yiwang_licences::canonical`)
//!   and sign it with the department's seal key (`SealKey::sign`, DER) — vs bare
//!   `sm2::dsa::SigningKey::sign` of the same bytes;
//! - verify: canonicalise the stored document and verify the DER signature
//!   (`yiwang_licences::verify`) — vs bare `VerifyingKey::verify`;
//! - verify over the database: `LicenceService::verify` round-robin over licences issued here
//!   (one indexed read of the licence with its seal key and type name; the canonical form's
//!   digest `SM3(Z ‖ M)` and the parsed key kept from the previous check of the same stored
//!   bytes; SM2 on every call), and the same with nothing kept (a fresh service per call: the
//!   holder number opened, canonical form, key parsed, SM2).

use std::sync::Arc;

use serde_json::json;
use sm2::dsa::signature::{Signer, Verifier};
use yiwang_kernel::auth::Ctx;
use yiwang_licences::{DEFAULT_ID, IssueInput, LicenceService, LicenceType, SealKey, canonical};

use crate::load::{bare, cores, drive};
use crate::setup::{Scratch, clock, department, uscc};

/// Licences issued for the verification phases, verified round-robin.
const LICENCES: usize = 100;

fn document(i: u64) -> serde_json::Value {
    json!({
        "v": 1,
        "identifier": format!("1.2.156.3005.2.11100000MB0143235W001.11440800MB2C12340X.2026{i:010}.001.0"),
        "type_code": "11100000MB0143235W001",
        "number": format!("JY24408020{i:08}"),
        "holder_type": "org",
        "holder_name": "湛江市赤坎区海滨餐饮有限公司",
        "holder_code_type": "001",
        "holder_code": "91440802MA5XXXXX0X",
        "issuer_name": "湛江市市场监督管理局",
        "issuer_uscc": "11440800MB2C12340X",
        "issue_date": "2026-11-22",
        "valid_from": "2026-11-22",
        "valid_to": "2031-11-21",
        "face": {"经营场所": "湛江市赤坎区海滨大道北8号", "主体业态": "餐饮服务经营者", "经营项目": "热食类食品制售"},
        "previous_identifier": null,
    })
}

/// Runs the benchmark: `clients` concurrent clients, `seconds` per phase.
pub async fn run(clients: usize, seconds: u64) -> anyhow::Result<()> {
    let key = SealKey::generate().map_err(|_| anyhow::anyhow!("cannot generate a seal key"))?;
    let secret = sm2::SecretKey::from_slice(&key.to_bytes())?;
    let bare_key = sm2::dsa::SigningKey::new(DEFAULT_ID, &secret)?;
    let public = key.public_key();
    let doc = canonical(&document(1)).map_err(|e| anyhow::anyhow!(e.0))?;
    let sig_der = key.sign(&doc);
    let sig: sm2::dsa::Signature = sm2::dsa::Signature::from_der(&sig_der)?;
    let vk = sm2::dsa::VerifyingKey::from_sec1_bytes(DEFAULT_ID, &public)?;
    let key = Arc::new(key);

    println!(
        "licences: {clients} clients, {seconds} s per phase, {} cores",
        cores()
    );
    let bare_sign = {
        let (bk, doc) = (bare_key.clone(), doc.clone());
        bare(clients, seconds, move |_| {
            let s: sm2::dsa::Signature = bk.sign(&doc);
            s.to_bytes().len() == 64
        })?
    };
    let ours_sign = {
        let key = key.clone();
        bare(clients, seconds, move |i| match canonical(&document(i)) {
            Ok(bytes) => !key.sign(&bytes).is_empty(),
            Err(_) => false,
        })?
    };
    let bare_verify = {
        let (vk, doc, sig) = (vk.clone(), doc.clone(), sig);
        bare(clients, seconds, move |_| vk.verify(&doc, &sig).is_ok())?
    };
    let ours_verify = {
        let (public, sig_der) = (public.clone(), sig_der.clone());
        bare(clients, seconds, move |_| match canonical(&document(1)) {
            Ok(bytes) => yiwang_licences::verify(&public, &bytes, &sig_der).is_ok(),
            Err(_) => false,
        })?
    };

    // Verification over the database: a licence issued through the service.
    let scratch = Scratch::open(None, 16).await?;
    let db = scratch.db.clone();
    let clock = clock();
    let keys = yiwang_identity::Keys::ephemeral()?;
    let identity = yiwang_identity::IdentityService::new(
        db.clone(),
        clock.clone(),
        Default::default(),
        keys.clone(),
    );
    let sys = Ctx::system("bench");
    let dept = department(
        &db,
        clock.clone(),
        &uscc("11440800MB2C12340")?,
        "湛江市市场监督管理局",
        "0759-3100000",
    )
    .await?;
    let svc = LicenceService::new(db.clone(), clock.clone(), keys.clone(), identity.clone());
    svc.define_type(
        &sys,
        &LicenceType {
            code: "11100000MB0143235W001".into(),
            name: "食品经营许可证".into(),
            definer_name: "国家市场监督管理总局".into(),
            holder_type: "org".into(),
            face_schema: json!([{"key": "address", "label": "经营场所", "kind": "address", "required": true}]).to_string(),
            validity_years: 5,
        },
    )
    .await?;
    // Licences to verify round-robin, as a verification service sees many licences.
    let mut ids = Vec::with_capacity(LICENCES);
    for i in 0..LICENCES {
        let l = svc
            .issue(
                &sys,
                &IssueInput {
                    type_code: "11100000MB0143235W001".into(),
                    holder_name: format!("湛江市赤坎区海滨餐饮{i}号有限公司"),
                    holder_code: uscc(&format!("91440802MA5X{i:05}"))?,
                    face: json!({"address": format!("湛江市赤坎区海滨大道北{i}号")}),
                    issuer_department_id: dept,
                    ..Default::default()
                },
            )
            .await?;
        ids.push(l.identifier);
    }
    let ids = Arc::new(ids);
    let service_verify = {
        let (svc, ids) = (svc.clone(), ids.clone());
        drive(clients, seconds, move |_, i| {
            let (svc, ids) = (svc.clone(), ids.clone());
            async move {
                let id = &ids[(i as usize) % ids.len()];
                svc.verify(id)
                    .await
                    .map(|v| v.verdict == "valid")
                    .unwrap_or(false)
            }
        })
        .await?
    };
    // The same with nothing kept between checks: a fresh service (and memo) per call.
    let cold_verify = {
        let (db, clock, keys, identity) = (db.clone(), clock.clone(), keys.clone(), identity);
        drive(clients, seconds, move |_, i| {
            let svc =
                LicenceService::new(db.clone(), clock.clone(), keys.clone(), identity.clone());
            let ids = ids.clone();
            async move {
                let id = &ids[(i as usize) % ids.len()];
                svc.verify(id)
                    .await
                    .map(|v| v.verdict == "valid")
                    .unwrap_or(false)
            }
        })
        .await?
    };

    println!("{}", bare_sign.line("bare sm2 sign"));
    println!("{}", ours_sign.line("seal (canonical form + SM2)"));
    println!(
        "  seal = {:.1} % of bare signing",
        ours_sign.percent_of(&bare_sign)
    );
    println!("{}", bare_verify.line("bare sm2 verify"));
    println!("{}", ours_verify.line("verify (canonical form + SM2)"));
    println!(
        "  verify = {:.1} % of bare verification",
        ours_verify.percent_of(&bare_verify)
    );
    println!(
        "{}",
        service_verify.line("verify via service (SQLite read)")
    );
    println!("{}", cold_verify.line("  … nothing kept (first check)"));
    println!(
        "  verify via service = {:.1} % of bare verification (target ≥ 80 %: {}); {:.1} % with nothing kept",
        service_verify.percent_of(&bare_verify),
        if service_verify.percent_of(&bare_verify) >= 80.0 {
            "met"
        } else {
            "NOT met"
        },
        cold_verify.percent_of(&bare_verify)
    );
    db.close().await;
    Ok(())
}
