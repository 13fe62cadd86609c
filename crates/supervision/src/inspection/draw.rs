//! The draw algorithm `yiwang-draw-v1` (docs/inspection-draw.md): plain Rust, no storage, no
//! clock. [`run`] takes the frozen inputs ([`DrawInput`], published as JSON) and gives the
//! same [`DrawOutcome`] on every machine: `yiwang inspection redraw FILE.json` and the Python
//! oracle (tests/draw_oracle.py) re-run it independently.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use sm3::{Digest, Sm3};
use yiwang_kernel::{Error, FieldError, Result};

/// The only algorithm this module runs.
pub const ALGORITHM: &str = "yiwang-draw-v1";

/// One entity of the frozen population (检查对象名录库 at draw time).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PopEntity {
    pub uscc: String,
    pub name: String,
    pub stratum: String,
}

/// One eligible inspector (执法检查人员名录库 at draw time).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PoolInspector {
    /// The staff account id.
    pub id: i64,
    pub name: String,
    /// 执法证号.
    pub cert_no: String,
}

/// How many entities a stratum gives: a fixed count, or a ratio in permille (rounded up).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Quota {
    Count(u64),
    RatioPermille(u64),
}

impl Quota {
    /// The number drawn from a stratum of `len` entities (capped at `len`).
    pub fn size(self, len: usize) -> usize {
        let len64 = len as u64;
        let k = match self {
            Quota::Count(n) => n,
            Quota::RatioPermille(r) => (u128::from(r) * u128::from(len64))
                .div_ceil(1000)
                .min(u128::from(len64)) as u64,
        };
        k.min(len64) as usize
    }
}

/// A declared conflict of interest (回避): this inspector may not inspect this entity.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
pub struct ConflictPair {
    pub staff_id: i64,
    pub uscc: String,
}

/// Everything a draw depends on, frozen and published (名单固化).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DrawInput {
    /// Always [`ALGORITHM`].
    pub algorithm: String,
    pub plan_no: String,
    /// The draw's instant, RFC 3339 in UTC, used verbatim in the seed.
    pub drawn_at: String,
    /// The public entropy (e.g. the next day's lottery numbers, witnessed dice), verbatim.
    pub public_entropy: String,
    /// Inspectors per drawn entity (≥ 2).
    pub team_size: u64,
    /// The quota of each stratum; a stratum without one gives no entity.
    pub quotas: BTreeMap<String, Quota>,
    /// Sorted by USCC.
    pub population: Vec<PopEntity>,
    /// Sorted by id.
    pub inspectors: Vec<PoolInspector>,
    pub conflicts: Vec<ConflictPair>,
}

/// One drawn entity and its team, in draw order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Pick {
    pub uscc: String,
    pub name: String,
    pub stratum: String,
    /// Staff ids, in drawn order.
    pub inspectors: Vec<i64>,
}

/// The outcome of a draw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DrawOutcome {
    pub population_hash: String,
    pub inspectors_hash: String,
    pub seed: String,
    pub picks: Vec<Pick>,
}

fn sm3_hex(bytes: &[u8]) -> String {
    hex::encode(Sm3::digest(bytes))
}

/// SM3 of the population lines `USCC|name|stratum` joined by "\n".
pub fn population_hash(population: &[PopEntity]) -> String {
    let lines: Vec<String> = population
        .iter()
        .map(|e| format!("{}|{}|{}", e.uscc, e.name, e.stratum))
        .collect();
    sm3_hex(lines.join("\n").as_bytes())
}

/// SM3 of the inspector lines `id|name|cert_no` joined by "\n".
pub fn inspectors_hash(inspectors: &[PoolInspector]) -> String {
    let lines: Vec<String> = inspectors
        .iter()
        .map(|i| format!("{}|{}|{}", i.id, i.name, i.cert_no))
        .collect();
    sm3_hex(lines.join("\n").as_bytes())
}

/// The seed: SM3 of "yiwang-draw-v1\n{plan_no}\n{drawn_at}\n{population_hash}\n
/// {inspectors_hash}\n{public_entropy}".
pub fn seed(input: &DrawInput, population_hash: &str, inspectors_hash: &str) -> String {
    sm3_hex(
        format!(
            "{ALGORITHM}\n{}\n{}\n{population_hash}\n{inspectors_hash}\n{}",
            input.plan_no, input.drawn_at, input.public_entropy
        )
        .as_bytes(),
    )
}

/// The deterministic stream: block i = SM3(seed ‖ i as u64 big-endian), four u64 per block.
pub struct Stream {
    seed: [u8; 32],
    block: u64,
    buf: [u64; 4],
    used: usize,
}

impl Stream {
    pub fn new(seed_hex: &str) -> Result<Stream> {
        let bytes = hex::decode(seed_hex).map_err(|_| bad("seed", "a hex string", "十六进制串"))?;
        let seed: [u8; 32] = bytes
            .try_into()
            .map_err(|_| bad("seed", "32 bytes", "32字节"))?;
        Ok(Stream {
            seed,
            block: 0,
            buf: [0; 4],
            used: 4,
        })
    }

    pub fn next_u64(&mut self) -> u64 {
        if self.used == 4 {
            let mut h = Sm3::new();
            h.update(self.seed);
            h.update(self.block.to_be_bytes());
            let d = h.finalize();
            for (k, chunk) in d.chunks_exact(8).enumerate() {
                let mut b = [0u8; 8];
                b.copy_from_slice(chunk);
                self.buf[k] = u64::from_be_bytes(b);
            }
            self.block += 1;
            self.used = 0;
        }
        let v = self.buf[self.used];
        self.used += 1;
        v
    }

    /// A uniform integer in `0..n` (n ≥ 1) by rejection: no modulo bias.
    pub fn uniform(&mut self, n: u64) -> u64 {
        let n = n.max(1);
        let span: u128 = 1u128 << 64;
        let limit = span - span % u128::from(n);
        loop {
            let r = self.next_u64();
            if u128::from(r) < limit {
                return r % n;
            }
        }
    }

    /// Partial Fisher–Yates: the first `k` of `items` after `k` swaps.
    pub fn choose<T: Clone>(&mut self, items: &[T], k: usize) -> Vec<T> {
        let mut v = items.to_vec();
        let k = k.min(v.len());
        for i in 0..k {
            let j = i + self.uniform((v.len() - i) as u64) as usize;
            v.swap(i, j);
        }
        v.truncate(k);
        v
    }
}

fn bad(field: &str, en: &str, zh: &str) -> Error {
    Error::field(FieldError::new(
        field,
        "inspection.draw_input",
        format!("抽取输入“{field}”应为{zh}"),
        format!("The draw input's {field} must be {en}"),
    ))
}

/// Checks the input's shape: algorithm, team size, sorted unique lists.
pub fn check(input: &DrawInput) -> Result<()> {
    if input.algorithm != ALGORITHM {
        return Err(bad("algorithm", ALGORITHM, ALGORITHM));
    }
    if input.team_size < 2 {
        return Err(bad("team_size", "at least 2", "不少于2"));
    }
    if input.population.windows(2).any(|w| w[0].uscc >= w[1].uscc) {
        return Err(bad(
            "population",
            "sorted by USCC without repeats",
            "按统一社会信用代码升序且不重复",
        ));
    }
    if input.inspectors.windows(2).any(|w| w[0].id >= w[1].id) {
        return Err(bad(
            "inspectors",
            "sorted by id without repeats",
            "按编号升序且不重复",
        ));
    }
    Ok(())
}

/// Runs the draw. Fails (naming the entity) when an entity has fewer conflict-free inspectors
/// than the team size.
pub fn run(input: &DrawInput) -> Result<DrawOutcome> {
    check(input)?;
    let population_hash = population_hash(&input.population);
    let inspectors_hash = inspectors_hash(&input.inspectors);
    let seed = seed(input, &population_hash, &inspectors_hash);
    let mut stream = Stream::new(&seed)?;
    let mut strata: BTreeMap<&str, Vec<&PopEntity>> = BTreeMap::new();
    for e in &input.population {
        strata.entry(e.stratum.as_str()).or_default().push(e);
    }
    let mut drawn: Vec<&PopEntity> = Vec::new();
    for (stratum, list) in &strata {
        let k = input.quotas.get(*stratum).map_or(0, |q| q.size(list.len()));
        drawn.extend(stream.choose(list, k));
    }
    let conflicts: BTreeSet<(i64, &str)> = input
        .conflicts
        .iter()
        .map(|c| (c.staff_id, c.uscc.as_str()))
        .collect();
    let team = input.team_size as usize;
    let mut picks = Vec::with_capacity(drawn.len());
    for e in drawn {
        let candidates: Vec<i64> = input
            .inspectors
            .iter()
            .map(|i| i.id)
            .filter(|id| !conflicts.contains(&(*id, e.uscc.as_str())))
            .collect();
        if candidates.len() < team {
            return Err(Error::field(FieldError::new(
                "inspectors",
                "inspection.team_short",
                format!(
                    "检查对象“{}”（{}）可选派的无回避检查人员只有{}名，少于每组{}名",
                    e.name,
                    e.uscc,
                    candidates.len(),
                    team
                ),
                format!(
                    "Entity {} ({}) has only {} inspectors without a conflict, fewer than the team size {}",
                    e.name,
                    e.uscc,
                    candidates.len(),
                    team
                ),
            )));
        }
        picks.push(Pick {
            uscc: e.uscc.clone(),
            name: e.name.clone(),
            stratum: e.stratum.clone(),
            inspectors: stream.choose(&candidates, team),
        });
    }
    Ok(DrawOutcome {
        population_hash,
        inspectors_hash,
        seed,
        picks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn input(n: usize, inspectors: usize, team: u64, conflicts: Vec<ConflictPair>) -> DrawInput {
        let population = (0..n)
            .map(|i| PopEntity {
                uscc: format!("91440800MA{i:08}"),
                name: format!("企业{i}"),
                stratum: ["A", "B", "C"][i % 3].to_string(),
            })
            .collect();
        let inspectors = (1..=inspectors as i64)
            .map(|i| PoolInspector {
                id: i,
                name: format!("检查员{i}"),
                cert_no: format!("44080{i:05}"),
            })
            .collect();
        let mut quotas = BTreeMap::new();
        quotas.insert("A".to_string(), Quota::RatioPermille(300));
        quotas.insert("B".to_string(), Quota::Count(2));
        quotas.insert("C".to_string(), Quota::RatioPermille(1000));
        DrawInput {
            algorithm: ALGORITHM.to_string(),
            plan_no: "CC2026-0001".to_string(),
            drawn_at: "2026-12-07T06:40:00Z".to_string(),
            public_entropy: "福彩3D 2026331: 4 7 1".to_string(),
            team_size: team,
            quotas,
            population,
            inspectors,
            conflicts,
        }
    }

    #[test]
    fn quota_sizes() {
        assert_eq!(Quota::RatioPermille(50).size(10), 1);
        assert_eq!(Quota::RatioPermille(50).size(0), 0);
        assert_eq!(Quota::RatioPermille(1).size(1001), 2);
        assert_eq!(Quota::RatioPermille(2000).size(7), 7);
        assert_eq!(Quota::Count(9).size(3), 3);
    }

    #[test]
    fn uniform_stays_in_range() {
        let mut s = Stream::new(&"ab".repeat(32)).unwrap();
        for n in [1u64, 2, 3, 7, 1000, u64::MAX] {
            for _ in 0..50 {
                assert!(s.uniform(n) < n);
            }
        }
    }

    #[test]
    fn too_few_inspectors_names_the_entity() {
        let conflicts = vec![ConflictPair {
            staff_id: 1,
            uscc: "91440800MA00000002".into(),
        }];
        let inp = input(3, 2, 2, conflicts);
        let e = run(&inp).unwrap_err();
        assert!(format!("{:?}", e).contains("91440800MA00000002"));
    }

    #[test]
    fn rejects_unsorted_population() {
        let mut inp = input(5, 3, 2, vec![]);
        inp.population.swap(0, 1);
        assert!(run(&inp).is_err());
    }

    proptest! {
        #[test]
        fn same_inputs_same_draw(n in 0usize..40, k in 2usize..8, team in 2u64..4, entropy in ".{0,20}") {
            prop_assume!(k as u64 >= team);
            let mut inp = input(n, k, team, vec![]);
            inp.public_entropy = entropy;
            let a = run(&inp).unwrap();
            let b = run(&inp.clone()).unwrap();
            prop_assert_eq!(a, b);
        }

        #[test]
        fn teams_are_sized_distinct_and_conflict_free(
            n in 1usize..40,
            k in 2usize..9,
            team in 2u64..4,
            raw in proptest::collection::vec((1i64..9, 0usize..40), 0..30),
        ) {
            let conflicts: Vec<ConflictPair> = raw
                .into_iter()
                .filter(|(s, e)| *s <= k as i64 && *e < n)
                .map(|(s, e)| ConflictPair { staff_id: s, uscc: format!("91440800MA{e:08}") })
                .collect();
            let inp = input(n, k, team, conflicts.clone());
            match run(&inp) {
                Ok(out) => {
                    let mut seen = BTreeSet::new();
                    for p in &out.picks {
                        prop_assert!(seen.insert(p.uscc.clone()), "entity drawn twice");
                        prop_assert_eq!(p.inspectors.len() as u64, team);
                        let distinct: BTreeSet<_> = p.inspectors.iter().collect();
                        prop_assert_eq!(distinct.len() as u64, team);
                        for id in &p.inspectors {
                            let pair = ConflictPair { staff_id: *id, uscc: p.uscc.clone() };
                            prop_assert!(!conflicts.contains(&pair), "conflicted inspector");
                        }
                    }
                    // per-stratum sizes follow the quotas
                    for (s, q) in &inp.quotas {
                        let len = inp.population.iter().filter(|e| &e.stratum == s).count();
                        let got = out.picks.iter().filter(|p| &p.stratum == s).count();
                        prop_assert_eq!(got, q.size(len));
                    }
                }
                Err(_) => {
                    // only when some entity really lacks enough conflict-free inspectors
                    let short = inp.population.iter().any(|e| {
                        let bad = conflicts.iter().filter(|c| c.uscc == e.uscc).map(|c| c.staff_id).collect::<BTreeSet<_>>();
                        (k - bad.len()) < team as usize
                    });
                    prop_assert!(short);
                }
            }
        }
    }
}
