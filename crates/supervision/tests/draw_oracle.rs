//! The draw `yiwang-draw-v1` against its independent Python oracle (tests/draw_oracle.py,
//! written from docs/inspection-draw.md): same inputs → the same hashes, seed, entities and
//! teams. Skipped with a printed reason when python3 (with SM3 in hashlib) is missing, except
//! under CI=true where that fails.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use yiwang_supervision::inspection::draw::{
    self, ConflictPair, DrawInput, DrawOutcome, PoolInspector, PopEntity, Quota,
};

/// Runs the oracle on `input`; `None` (skip) when Python with SM3 is unavailable off CI.
fn oracle(input: &DrawInput) -> Option<DrawOutcome> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/draw_oracle.py");
    let file = std::env::temp_dir().join(format!(
        "yiwang-draw-{}-{}.json",
        std::process::id(),
        input.plan_no
    ));
    std::fs::write(&file, serde_json::to_vec(input).unwrap()).unwrap();
    let out = Command::new("python3").arg(&script).arg(&file).output();
    let _ = std::fs::remove_file(&file);
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    match out {
        Ok(o) if o.status.success() => Some(serde_json::from_slice(&o.stdout).unwrap()),
        Ok(o) => {
            let err = String::from_utf8_lossy(&o.stderr);
            if err.contains("unsupported hash type") && !ci {
                eprintln!("SKIPPED: python3's hashlib has no SM3 ({err})");
                return None;
            }
            panic!("oracle failed: {err}");
        }
        Err(e) if !ci => {
            eprintln!("SKIPPED: python3 not runnable ({e})");
            None
        }
        Err(e) => panic!("CI=true and python3 not runnable: {e}"),
    }
}

fn input(plan_no: &str, n: usize, inspectors: i64, team: u64, entropy: &str) -> DrawInput {
    let strata = ["A", "B", "C", "高风险"];
    let mut population: Vec<PopEntity> = (0..n)
        .map(|i| PopEntity {
            uscc: format!("91440802MA{:08}", (i * 7919) % 100_000_000),
            name: format!("湛江市测试企业{i}有限公司"),
            stratum: strata[i % strata.len()].to_string(),
        })
        .collect();
    population.sort_by(|a, b| a.uscc.cmp(&b.uscc));
    population.dedup_by(|a, b| a.uscc == b.uscc);
    let inspectors: Vec<PoolInspector> = (1..=inspectors)
        .map(|i| PoolInspector {
            id: i * 3,
            name: format!("检查员{i}"),
            cert_no: format!("粤执{i:06}"),
        })
        .collect();
    let conflicts: Vec<ConflictPair> = population
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 5 == 0)
        .map(|(i, e)| ConflictPair {
            staff_id: inspectors[i % inspectors.len()].id,
            uscc: e.uscc.clone(),
        })
        .collect();
    let mut quotas = BTreeMap::new();
    quotas.insert("A".into(), Quota::RatioPermille(50));
    quotas.insert("B".into(), Quota::Count(3));
    quotas.insert("C".into(), Quota::RatioPermille(333));
    quotas.insert("高风险".into(), Quota::RatioPermille(1000));
    DrawInput {
        algorithm: draw::ALGORITHM.into(),
        plan_no: plan_no.into(),
        drawn_at: "2026-12-07T02:30:00Z".into(),
        public_entropy: entropy.into(),
        team_size: team,
        quotas,
        population,
        inspectors,
        conflicts,
    }
}

#[test]
fn rust_and_python_draw_the_same() {
    let cases = [
        input("CC2026-0001", 12, 4, 2, "福彩3D 第2026331期：4 7 1"),
        input("CC2026-0002", 400, 9, 3, "dice 3 5 6 1"),
        input("CC2026-0003", 2000, 25, 2, ""),
        input("CC2026-0004", 1, 3, 2, "x"),
    ];
    for inp in &cases {
        let rust = draw::run(inp).unwrap();
        assert!(!rust.picks.is_empty());
        let Some(py) = oracle(inp) else { return };
        assert_eq!(rust, py, "plan {}", inp.plan_no);
    }
}

#[test]
fn empty_population_draws_nothing_in_both() {
    let inp = input("CC2026-0009", 0, 3, 2, "e");
    let rust = draw::run(&inp).unwrap();
    assert!(rust.picks.is_empty());
    if let Some(py) = oracle(&inp) {
        assert_eq!(rust, py);
    }
}

/// Pins the first values of the stream and a seed, so a change of the algorithm shows.
#[test]
fn stream_and_seed_are_pinned() {
    let inp = input("CC2026-0001", 12, 4, 2, "福彩3D 第2026331期：4 7 1");
    let out = draw::run(&inp).unwrap();
    assert_eq!(out.population_hash, draw::population_hash(&inp.population));
    assert_eq!(
        out.seed,
        draw::seed(&inp, &out.population_hash, &out.inspectors_hash)
    );
    assert_eq!(out.seed.len(), 64);
    // Block 0 of an all-zero seed: SM3(32 zero bytes ‖ 8 zero bytes), first 8 bytes.
    let mut s = draw::Stream::new(&"00".repeat(32)).unwrap();
    let first = s.next_u64();
    use sm3::Digest;
    let d = sm3::Sm3::digest([0u8; 40]);
    assert_eq!(first.to_be_bytes(), d[..8]);
}
