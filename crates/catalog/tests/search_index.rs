//! The in-memory search index answers exactly like the reference SQL: random small catalogs are
//! written through the repo layer into a real database (SQLite, or PostgreSQL when
//! YIWANG_TEST_DATABASE_URL is set), then random queries (terms cut from the catalog's own text
//! plus noise, random filters and pages) are answered both ways, before and after the catalog
//! changes (retire, re-publish), which must bump the catalog generation.

// Helpers outside `#[test]` functions are test code too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use proptest::option::weighted;
use proptest::prelude::*;
use proptest::sample::{Index, select};
use time::OffsetDateTime;
use yiwang_catalog::index::CatalogIndex;
use yiwang_catalog::model::Material;
use yiwang_catalog::repo;
use yiwang_catalog::search::SearchParams;
use yiwang_catalog::{BasicItemInput, CatalogService, Elements};
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::clock::{Clock, SystemClock};
use yiwang_kernel::codes::Uscc;
use yiwang_org::{DepartmentInput, OrgService};
use yiwang_store::testing::TestDb;
use yiwang_store::{Backend, Conn, Db};

/// Characters of catalog text: a few common Chinese characters (so that bigrams collide often),
/// ASCII letters of both cases and a digit, the `" | "` field separator, `LIKE` wildcards and
/// the escape character, full-width letters, the ideographic space and keyword separators.
const ALPHABET: &[char] = &[
    '营', '业', '执', '照', '食', '品', '经', '许', '可', '社', '保', '证', '明', '登', '记', '办',
    '理', '户', '籍', 'a', 'A', 'b', 'B', '1', ' ', '|', '%', '_', '\\', 'Ａ', 'ｂ', '\u{3000}',
    '，', '、',
];

const DIVISIONS: &[&str] = &["440802", "440803", "440881", "440802001", "450100"];
const DIVISION_FILTERS: &[&str] = &["440000", "440800", "440802", "440802001", "450000"];
const OBJECTS: &[&str] = &["1", "2", "3"];
const PTHEMES: &[&str] = &["P01", "P02", "P08"];
const ETHEMES: &[&str] = &["E01", "E02", "E07"];
const ITEM_TYPES: &[&str] = &["01", "02", "07"];
const CROSS: &[&str] = &["", "1", "4"];

#[derive(Debug, Clone)]
struct Spec {
    name: String,
    keywords: String,
    result_name: String,
    division: usize,
    dept: usize,
    item_type: &'static str,
    case_type: &'static str,
    cross_scope: &'static str,
    objects: Vec<&'static str>,
    pthemes: Vec<&'static str>,
    ethemes: Vec<&'static str>,
    depth: Vec<&'static str>,
    visits: i64,
    licences: Vec<bool>,
}

fn text(min: usize, max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(select(ALPHABET), min..max).prop_map(|v| v.into_iter().collect())
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        (text(1, 10), text(0, 12), text(0, 6)),
        (0..DIVISIONS.len(), 0..2usize, select(ITEM_TYPES)),
        (select(&["1", "2"][..]), select(CROSS)),
        (
            proptest::sample::subsequence(OBJECTS, 0..=OBJECTS.len()),
            proptest::sample::subsequence(PTHEMES, 0..=2),
            proptest::sample::subsequence(ETHEMES, 0..=2),
        ),
        (
            proptest::sample::subsequence(&["1", "2", "3", "4", "5", "6"][..], 0..=6),
            0..2i64,
            proptest::collection::vec(any::<bool>(), 0..3),
        ),
    )
        .prop_map(
            |(
                (name, keywords, result_name),
                (division, dept, item_type),
                (case_type, cross_scope),
                (objects, pthemes, ethemes),
                (depth, visits, licences),
            )| Spec {
                name,
                keywords,
                result_name,
                division,
                dept,
                item_type,
                case_type,
                cross_scope,
                objects,
                pthemes,
                ethemes,
                depth,
                visits,
                licences,
            },
        )
}

fn elements(s: &Spec, lowercase_names: bool) -> Elements {
    let name = if lowercase_names {
        // PostgreSQL's LIKE is case-sensitive where SQLite's ignores ASCII case, and the index
        // follows SQLite; on PostgreSQL keep names where the two cannot differ.
        s.name.to_ascii_lowercase()
    } else {
        s.name.clone()
    };
    let strings = |v: &[&str]| v.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    Elements {
        name,
        keywords: s.keywords.clone(),
        result_name: s.result_name.clone(),
        item_type: s.item_type.into(),
        case_type: s.case_type.into(),
        cross_scope: s.cross_scope.into(),
        service_objects: strings(&s.objects),
        personal_themes: strings(&s.pthemes),
        enterprise_themes: strings(&s.ethemes),
        online_depth: strings(&s.depth),
        visits: s.visits,
        promised_limit: 5,
        promised_unit: "1".into(),
        statutory_limit: 20,
        statutory_unit: "1".into(),
        materials: s
            .licences
            .iter()
            .map(|&l| Material {
                name: "申请书".into(),
                licence_type: if l {
                    "11100000000013127D001".into()
                } else {
                    String::new()
                },
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

/// A query term: cut from an item's text, or noise.
#[derive(Debug, Clone)]
enum Term {
    Cut(Index, Index, Index, usize),
    Noise(String),
}

fn term() -> impl Strategy<Value = Term> {
    prop_oneof![
        3 => (any::<Index>(), any::<Index>(), any::<Index>(), 1..5usize)
            .prop_map(|(i, f, s, n)| Term::Cut(i, f, s, n)),
        1 => text(1, 4).prop_map(Term::Noise),
    ]
}

#[derive(Debug, Clone)]
struct Query {
    terms: Vec<Term>,
    ideographic_space: bool,
    division: Option<&'static str>,
    dept: Option<usize>,
    item_type: Option<&'static str>,
    object: Option<&'static str>,
    theme: Option<&'static str>,
    online_level: Option<i64>,
    cross_scope: Option<&'static str>,
    case_type: Option<&'static str>,
    licence_free: Option<bool>,
    page: u32,
    size: u32,
}

fn query() -> impl Strategy<Value = Query> {
    (
        (proptest::collection::vec(term(), 0..4), any::<bool>()),
        (
            weighted(0.2, select(DIVISION_FILTERS)),
            weighted(0.1, 0..2usize),
            weighted(0.15, select(ITEM_TYPES)),
            weighted(0.15, select(OBJECTS)),
            weighted(
                0.15,
                select(&["P01", "P02", "P08", "E01", "E02", "E07"][..]),
            ),
        ),
        (
            weighted(0.15, 0..5i64),
            weighted(0.1, select(&["1", "4"][..])),
            weighted(0.1, select(&["1", "2"][..])),
            weighted(0.1, any::<bool>()),
        ),
        (1..4u32, 1..8u32),
    )
        .prop_map(
            |(
                (terms, ideographic_space),
                (division, dept, item_type, object, theme),
                (online_level, cross_scope, case_type, licence_free),
                (page, size),
            )| Query {
                terms,
                ideographic_space,
                division,
                dept,
                item_type,
                object,
                theme,
                online_level,
                cross_scope,
                case_type,
                licence_free,
                page,
                size,
            },
        )
}

fn params(q: &Query, specs: &[Spec], depts: &[i64]) -> SearchParams {
    let words: Vec<String> = q
        .terms
        .iter()
        .map(|t| match t {
            Term::Noise(s) => s.clone(),
            Term::Cut(i, f, s, n) => {
                if specs.is_empty() {
                    return "营业".into();
                }
                let spec = &specs[i.index(specs.len())];
                let fields = [&spec.name, &spec.keywords, &spec.result_name];
                let chars: Vec<char> = fields[f.index(3)].chars().collect();
                if chars.is_empty() {
                    return "许可".into();
                }
                let start = s.index(chars.len());
                chars[start..(start + n).min(chars.len())].iter().collect()
            }
        })
        .collect();
    SearchParams {
        q: Some(words.join(if q.ideographic_space { "\u{3000}" } else { " " })),
        division: q.division.map(String::from),
        department_id: q.dept.map(|d| depts[d]),
        item_type: q.item_type.map(String::from),
        service_object: q.object.map(String::from),
        theme: q.theme.map(String::from),
        online_level: q.online_level,
        cross_scope: q.cross_scope.map(String::from),
        case_type: q.case_type.map(String::from),
        licence_free: q.licence_free,
        page: Some(q.page),
        size: Some(q.size),
    }
}

struct World {
    _t: TestDb,
    db: Db,
    depts: Vec<(i64, String)>,
    basics: Vec<i64>,
    lowercase_names: bool,
}

async fn world(items: usize) -> World {
    let t = TestDb::new().await.unwrap();
    let db = t.db.clone();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let org = OrgService::new(db.clone(), clock);
    let sys = Ctx::system("test");
    let mut depts = Vec::new();
    for (body, name) in [
        ("11440800MB2C00001", "湛江市市场监督管理局"),
        ("11440800MB2C00002", "湛江市交通运输局"),
    ] {
        let d = org
            .create_department(
                &sys,
                &DepartmentInput {
                    uscc: Uscc::from_body(body).unwrap().to_string(),
                    name: name.into(),
                    division_code: "440800".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        depts.push((d.id, d.name));
    }
    let mut tx = db.write().await.unwrap();
    let mut basics = Vec::new();
    for i in 0..items {
        let b = BasicItemInput {
            code: format!("{:012}", 117_000_000 + i),
            name: format!("基本事项{i}"),
            item_type: "01".into(),
            statutory_unit: "1".into(),
            ..Default::default()
        };
        basics.push(
            repo::insert_basic(&mut tx, &b, "test", OffsetDateTime::now_utc())
                .await
                .unwrap(),
        );
    }
    tx.commit().await.unwrap();
    World {
        lowercase_names: db.backend() == Backend::Postgres,
        _t: t,
        db,
        depts,
        basics,
    }
}

/// Publishes item `i` with `spec` (replacing its catalog rows if it is already published).
async fn publish(w: &World, tx: &mut impl Conn, i: usize, spec: &Spec) {
    let code = format!("ITEM{i:04}");
    let (dept, dept_name) = &w.depts[spec.dept];
    let row = match repo::item_by_code(tx, &code).await.unwrap() {
        Some(r) => r,
        None => {
            repo::insert_item(
                tx,
                &code,
                w.basics[i],
                *dept,
                DIVISIONS[spec.division],
                "test",
                OffsetDateTime::now_utc(),
            )
            .await
            .unwrap();
            repo::item_by_code(tx, &code).await.unwrap().unwrap()
        }
    };
    repo::index(
        tx,
        &row,
        1,
        &elements(spec, w.lowercase_names),
        dept_name,
        OffsetDateTime::now_utc(),
    )
    .await
    .unwrap();
}

/// Every query answered by the index and by the SQL, at the repo level and through the service.
async fn agree(w: &World, svc: &CatalogService, queries: &[Query], specs: &[Spec]) {
    let index = CatalogIndex::load(&w.db).await.unwrap();
    let mut c = w.db.clone();
    let depts: Vec<i64> = w.depts.iter().map(|d| d.0).collect();
    for q in queries {
        let p = params(q, specs, &depts);
        let s = CatalogService::validate_search(&p).unwrap();
        let sql = repo::search(&mut c, &s).await.unwrap();
        assert_eq!(index.search(&s), sql, "{p:?} → {s:?}");
        let by_service = svc.search(&p).await.unwrap();
        assert_eq!(
            (by_service.items, by_service.total),
            sql,
            "service, {p:?} → {s:?}"
        );
        let reference = svc.search_sql(&p).await.unwrap();
        assert_eq!((reference.items, reference.total), sql);
    }
}

#[derive(Debug, Clone)]
enum Change {
    Retire(Index),
    Republish(Index, Spec),
    Publish(Spec),
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        any::<Index>().prop_map(Change::Retire),
        (any::<Index>(), spec()).prop_map(|(i, s)| Change::Republish(i, s)),
        spec().prop_map(Change::Publish),
    ]
}

const MAX_ITEMS: usize = 24;
const MAX_CHANGES: usize = 6;

fn cases() -> u32 {
    // PostgreSQL needs a schema per case; keep that run shorter.
    if std::env::var(yiwang_store::testing::TEST_DATABASE_URL).is_ok_and(|u| !u.trim().is_empty()) {
        16
    } else {
        40
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn index_answers_exactly_like_the_sql(
        mut specs in proptest::collection::vec(spec(), 0..MAX_ITEMS),
        changes in proptest::collection::vec(change(), 0..MAX_CHANGES),
        queries in proptest::collection::vec(query(), 1..24),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let w = world(MAX_ITEMS + MAX_CHANGES).await;
            let mut tx = w.db.write().await.unwrap();
            for (i, s) in specs.iter().enumerate() {
                publish(&w, &mut tx, i, s).await;
            }
            tx.commit().await.unwrap();
            let svc = CatalogService::new(w.db.clone(), Arc::new(SystemClock));
            prop_assert_eq!(svc.index_generation(), None, "built on first use");
            agree(&w, &svc, &queries, &specs).await;
            let mut c = w.db.clone();
            let before = repo::catalog_generation(&mut c).await.unwrap();
            prop_assert_eq!(svc.index_generation(), Some(before));

            // Change the catalog behind the service's back (as another process would).
            let mut tx = w.db.write().await.unwrap();
            let mut changed = false;
            for ch in &changes {
                match ch {
                    Change::Retire(i) if !specs.is_empty() => {
                        let i = i.index(specs.len());
                        let row = repo::item_by_code(&mut tx, &format!("ITEM{i:04}"))
                            .await
                            .unwrap()
                            .unwrap();
                        repo::unindex(&mut tx, row.id).await.unwrap();
                        changed = true;
                    }
                    Change::Republish(i, s) if !specs.is_empty() => {
                        let i = i.index(specs.len());
                        // The item keeps its department and division; its elements change.
                        let s = Spec { dept: specs[i].dept, division: specs[i].division, ..s.clone() };
                        publish(&w, &mut tx, i, &s).await;
                        specs[i] = s;
                        changed = true;
                    }
                    Change::Publish(s) | Change::Republish(_, s) => {
                        publish(&w, &mut tx, specs.len(), s).await;
                        specs.push(s.clone());
                        changed = true;
                    }
                    Change::Retire(_) => {}
                }
            }
            tx.commit().await.unwrap();
            let after = repo::catalog_generation(&mut c).await.unwrap();
            prop_assert_eq!(after != before, changed, "every change bumps the generation");
            svc.refresh_index().await.unwrap();
            prop_assert_eq!(svc.index_generation(), Some(after));
            prop_assert!(!svc.refresh_index().await.unwrap(), "a second refresh has nothing to do");
            // Terms cut from retired items' text are still good queries; keep their specs.
            agree(&w, &svc, &queries, &specs).await;
            Ok(())
        })?;
    }
}
