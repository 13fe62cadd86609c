//! KPIs (考评指标): a refresh materialises the domains' facts; the leader's screen shows the
//! figures and every figure equals the sums of its drill-down's members; a new refresh
//! replaces what changed; readers stay within their reach; definitions are validated and
//! audited.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde_json::{Value, json};
use time::Date;
use time::macros::date;
use yiwang_identity::StaffInput;
use yiwang_kernel::Result;
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::facts::{Aggregation, FactMember, FactRow, Measure, MemberQuery};
use yiwang_kernel::paging::Page;
use yiwang_supervision::kpi::{BoxFuture, FactSource, Period, RefreshMode, Scope};

use crate::harness::{PASSWORD, World};

const FAKE_MEASURES: &[Measure] = &[
    Measure {
        code: "cases.concluded",
        zh: "办结量",
        en: "concluded",
        aggregation: Aggregation::Sum,
    },
    Measure {
        code: "cases.concluded_on_time",
        zh: "按时办结量",
        en: "concluded on time",
        aggregation: Aggregation::Sum,
    },
    Measure {
        code: "items.published",
        zh: "已发布事项",
        en: "published items",
        aggregation: Aggregation::Last,
    },
    Measure {
        code: "items.online",
        zh: "网上可办事项",
        en: "online items",
        aggregation: Aggregation::Last,
    },
];

/// A stand-in domain: its members are the truth; facts are their sums per day and department
/// (Last measures: every member, on `to`).
struct Fake {
    members: Vec<FactMember>,
}

fn last(code: &str) -> bool {
    code.starts_with("items.")
}

impl Fake {
    fn case(day: Date, dept: i64, no: &str, on_time: bool) -> FactMember {
        let mut values = BTreeMap::new();
        values.insert("cases.concluded", 1);
        if on_time {
            values.insert("cases.concluded_on_time", 1);
        }
        FactMember {
            day,
            department_id: dept,
            kind: "case",
            reference: no.into(),
            label: "食品经营许可证核发".into(),
            href: Some(format!("/staff/cases/{no}")),
            values,
        }
    }

    fn item(dept: i64, code: &str, online: bool) -> FactMember {
        let mut values = BTreeMap::new();
        values.insert("items.published", 1);
        if online {
            values.insert("items.online", 1);
        }
        FactMember {
            day: date!(2026 - 11 - 22),
            department_id: dept,
            kind: "item",
            reference: code.into(),
            label: "事项".into(),
            href: None,
            values,
        }
    }

    fn selected(&self, q: &MemberQuery) -> Vec<FactMember> {
        self.members
            .iter()
            .filter(|m| m.values.keys().any(|k| q.measures.contains(k)))
            .filter(|m| {
                q.departments
                    .as_ref()
                    .is_none_or(|d| d.contains(&m.department_id))
            })
            .filter(|m| m.values.keys().any(|k| last(k)) || (m.day >= q.from && m.day <= q.to))
            .cloned()
            .collect()
    }
}

impl FactSource for Fake {
    fn name(&self) -> &'static str {
        "fake"
    }
    fn measures(&self) -> &'static [Measure] {
        FAKE_MEASURES
    }
    fn facts<'a>(
        &'a self,
        _ctx: &'a Ctx,
        from: Date,
        to: Date,
    ) -> BoxFuture<'a, Result<Vec<FactRow>>> {
        Box::pin(async move {
            let mut sums: BTreeMap<(Date, i64, &'static str), i64> = BTreeMap::new();
            for m in &self.members {
                for (k, v) in &m.values {
                    let day = if last(k) { to } else { m.day };
                    if day >= from && day <= to {
                        *sums.entry((day, m.department_id, k)).or_default() += v;
                    }
                }
            }
            Ok(sums
                .into_iter()
                .map(|((day, department_id, measure), value)| FactRow {
                    day,
                    department_id,
                    measure,
                    value,
                })
                .collect())
        })
    }
    fn members<'a>(
        &'a self,
        _ctx: &'a Ctx,
        q: &'a MemberQuery,
    ) -> BoxFuture<'a, Result<(Vec<FactMember>, i64)>> {
        Box::pin(async move {
            let all = self.selected(q);
            let total = all.len() as i64;
            let page = all
                .into_iter()
                .skip(q.offset as usize)
                .take(q.limit as usize)
                .collect();
            Ok((page, total))
        })
    }
}

async fn staff(w: &World, username: &str, dept: i64, role: &str) -> crate::harness::Client {
    w.state
        .identity
        .create_staff(
            &Ctx::system("test"),
            &StaffInput {
                username: username.into(),
                name: format!("测试{username}"),
                department_id: dept,
                roles: vec![role.into()],
                password: PASSWORD.into(),
            },
        )
        .await
        .unwrap();
    w.sign_in(username).await
}

fn figure<'a>(screen: &'a Value, code: &str) -> &'a Value {
    screen["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["def"]["code"] == code)
        .unwrap_or_else(|| panic!("no figure {code}"))
}

/// The fake's data: cases in October and November across three departments, items now.
fn world_data(w: &World) -> Fake {
    let (city, zsj, chikan) = (w.city_scjg, w.city_zsj, w.chikan_scjg);
    let mut members = Vec::new();
    for i in 0..7 {
        members.push(Fake::case(
            date!(2026 - 11 - 02),
            city,
            &format!("C-11-{i}"),
            i % 3 != 0,
        ));
    }
    for i in 0..4 {
        members.push(Fake::case(
            date!(2026 - 11 - 20),
            chikan,
            &format!("K-11-{i}"),
            i != 0,
        ));
    }
    for i in 0..5 {
        members.push(Fake::case(
            date!(2026 - 10 - 15),
            city,
            &format!("C-10-{i}"),
            true,
        ));
    }
    members.push(Fake::case(date!(2026 - 11 - 21), zsj, "Z-11-0", false));
    for i in 0..6 {
        members.push(Fake::item(city, &format!("I-{i}"), i < 4));
    }
    for i in 0..3 {
        members.push(Fake::item(chikan, &format!("J-{i}"), i < 1));
    }
    Fake { members }
}

#[tokio::test]
async fn screen_figures_equal_their_drill_down_sums() {
    let w = World::new().await;
    let sup = &w.state.supervision;
    let fake = world_data(&w);
    let sys = Ctx::system("test");
    let r = sup
        .refresh_with(
            &sys,
            RefreshMode::Full {
                from: date!(2026 - 01 - 01),
            },
            &[&fake],
        )
        .await
        .unwrap();
    assert_eq!(r.to, date!(2026 - 11 - 22));
    assert!(r.rows > 0 && r.months == 11, "{r:?}");

    let leader = staff(&w, "leader1", w.city_zsj, "leader").await;
    let s = w
        .get(&leader, "/api/v1/supervision/screen?month=2026-11")
        .await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.text());
    let s = s.json();
    assert_eq!(s["scope"], "440800");
    assert!(s["as_of"].is_string());
    let on_time = figure(&s, "on_time_rate");
    assert_eq!(on_time["numerator"], 4 + 3);
    assert_eq!(on_time["denominator"], 7 + 4 + 1);
    assert_eq!(on_time["value"], 58.33);
    let online = figure(&s, "online_rate");
    assert_eq!(online["numerator"], 5);
    assert_eq!(online["denominator"], 9);
    // The trend: October has its five cases, all on time.
    let trend = s["trends"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == "on_time_rate")
        .unwrap();
    let points = trend["points"].as_array().unwrap();
    assert_eq!(points.len(), 12);
    assert_eq!(points[10]["month"], "2026-10");
    assert_eq!(points[10]["value"], 100.0);

    // Every figure of the fake's measures equals its drill-down's sums, in every scope.
    for scope in [
        Scope::Division(yiwang_kernel::codes::DivisionCode::parse("440800").unwrap()),
        Scope::Division(yiwang_kernel::codes::DivisionCode::parse("440802").unwrap()),
        Scope::Department(w.city_scjg),
    ] {
        let path = format!(
            "/api/v1/supervision/screen?month=2026-11&scope={}",
            scope.as_param()
        );
        let screen = w.get(&leader, &path).await.json();
        for code in ["on_time_rate", "online_rate"] {
            let f = figure(&screen, code);
            let def = sup.definition(&sys, code).await.unwrap();
            let d = sup
                .drill_with(
                    &def,
                    scope.clone(),
                    Period::Month(2026, 11),
                    Page::new(Some(1), Some(5)).unwrap(),
                    &[&fake],
                )
                .await
                .unwrap();
            assert_eq!(f["numerator"], d.numerator_sum, "{code} {scope:?}");
            assert_eq!(f["denominator"], d.denominator_sum, "{code} {scope:?}");
            assert_eq!(d.figure.numerator, d.numerator_sum);
            assert_eq!(d.figure.denominator, d.denominator_sum);
            assert!(d.members.len() <= 5);
            assert!(d.total as usize >= d.members.len());
        }
    }

    // League: Chikan (3 of 4 on time, 75 %) ranks before the city bureau (4 of 7).
    let league = w
        .get(
            &leader,
            "/api/v1/supervision/kpis/on_time_rate/league?month=2026-11",
        )
        .await
        .json();
    let rows = league.as_array().unwrap();
    assert_eq!(rows[0]["department_id"], w.chikan_scjg);
    assert_eq!(rows[0]["rank"], 1);
    assert_eq!(rows[1]["department_id"], w.city_scjg);
    // The map: the city's departments and Chikan's.
    let map = w
        .get(
            &leader,
            "/api/v1/supervision/kpis/on_time_rate/divisions?month=2026-11",
        )
        .await
        .json();
    let codes: Vec<&str> = map
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["division"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["440800", "440802"]);
    // The scorecard of Chikan: rank 1 of 3 on the on-time rate.
    let card = w
        .get(
            &leader,
            &format!(
                "/api/v1/supervision/departments/{}/scorecard?month=2026-11",
                w.chikan_scjg
            ),
        )
        .await;
    assert_eq!(card.status, StatusCode::OK, "{}", card.text());
    let card = card.json();
    let row = card["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["figure"]["def"]["code"] == "on_time_rate")
        .unwrap();
    assert_eq!(row["rank"], 1);
    assert_eq!(row["ranked"], 3);
}

#[tokio::test]
async fn a_refresh_replaces_what_changed() {
    let w = World::new().await;
    let sup = &w.state.supervision;
    let sys = Ctx::system("test");
    let mut fake = world_data(&w);
    sup.refresh_with(&sys, RefreshMode::Incremental, &[&fake])
        .await
        .unwrap();
    // A case is taken back (no longer concluded), an item goes offline.
    fake.members.retain(|m| m.reference != "K-11-0");
    for m in &mut fake.members {
        if m.reference == "I-0" {
            m.values.remove("items.online");
        }
    }
    let r = sup
        .refresh_with(&sys, RefreshMode::Incremental, &[&fake])
        .await
        .unwrap();
    assert_eq!(r.mode, "incremental");
    assert_eq!(r.from, date!(2026 - 11 - 22) - time::Duration::days(45));
    let leader = staff(&w, "leader2", w.city_zsj, "leader").await;
    let s = w
        .get(&leader, "/api/v1/supervision/screen?month=2026-11")
        .await
        .json();
    assert_eq!(figure(&s, "on_time_rate")["denominator"], 11);
    assert_eq!(figure(&s, "on_time_rate")["numerator"], 7);
    assert_eq!(figure(&s, "online_rate")["numerator"], 4);
    // Both refreshes are in the audit log.
    let n: Vec<(i64,)> = {
        use yiwang_store::Conn;
        let mut c = w.state.db.clone();
        c.fetch_all(
            "SELECT seq FROM audit_log WHERE action = $1",
            yiwang_store::args!["kpi.refresh"],
        )
        .await
        .unwrap()
    };
    assert_eq!(n.len(), 2);
}

#[tokio::test]
async fn readers_stay_within_their_reach() {
    let w = World::new().await;
    let head = staff(&w, "head1", w.chikan_scjg, "department_head").await;
    // A department head: their department only.
    let r = w.get(&head, "/api/v1/supervision/screen").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["scope"], format!("department:{}", w.chikan_scjg));
    for path in [
        "/api/v1/supervision/screen?scope=440800".to_string(),
        format!(
            "/api/v1/supervision/screen?scope=department:{}",
            w.city_scjg
        ),
        format!("/api/v1/supervision/departments/{}/scorecard", w.city_scjg),
    ] {
        let r = w.get(&head, &path).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}: {}", r.text());
    }
    let r = w.get(&head, "/api/v1/supervision/claim-progress").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // A county leader reaches the county, not the city.
    let county = staff(&w, "leader3", w.chikan_scjg, "leader").await;
    let r = w
        .get(&county, "/api/v1/supervision/screen?scope=440800")
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = w
        .get(&county, "/api/v1/supervision/screen?scope=440802")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    // Bad parameters name their field.
    let r = w
        .get(&county, "/api/v1/supervision/screen?month=2026-13")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["fields"][0]["field"], "month");
    let r = w
        .get(
            &county,
            "/api/v1/supervision/kpis/on_time_rate/drill?period=2026-99",
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["fields"][0]["field"], "period");
    // Nobody else reads figures; refusals are audited.
    let clerk = w.sign_in("clerk").await;
    let r = w.get(&clerk, "/api/v1/supervision/screen").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = w.get(&w.anonymous(), "/api/v1/supervision/screen").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn definitions_are_validated_and_audited() {
    let w = World::new().await;
    let admin = staff(&w, "kpiadmin", w.city_zsj, "supervision_admin").await;
    let defs = w.get(&admin, "/api/v1/supervision/kpi-definitions").await;
    assert_eq!(defs.status, StatusCode::OK);
    let defs = defs.json();
    assert_eq!(defs.as_array().unwrap().len(), 21);
    let r = w
        .put(
            &admin,
            "/api/v1/supervision/kpi-definitions/on_time_rate",
            json!({"kind": "count", "direction": "up", "denominator": "cases.concluded"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let fields: Vec<String> = r.json()["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_string())
        .collect();
    for f in ["name_zh", "numerator", "denominator"] {
        assert!(fields.contains(&f.to_string()), "{f}: {fields:?}");
    }
    // A leader reads but does not edit.
    let leader = staff(&w, "leader4", w.city_zsj, "leader").await;
    let r = w
        .put(
            &leader,
            "/api/v1/supervision/kpi-definitions/on_time_rate",
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let measures = w.get(&leader, "/api/v1/supervision/measures").await;
    assert_eq!(measures.status, StatusCode::OK);
    if let Some(m) = measures.json().as_array().and_then(|a| a.first().cloned()) {
        // With the domains' measures known: a valid change is saved and audited.
        let code = m["code"].as_str().unwrap();
        let r = w
            .put(
                &admin,
                "/api/v1/supervision/kpi-definitions/test_count",
                json!({"name_zh": "测试", "name_en": "Test", "numerator": code, "kind": "count",
                       "direction": "up", "unit_zh": "件", "unit_en": "items", "active": true,
                       "position": 500}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["numerator"], code);
    }
}

/// The real domains: an item published and cases filed, a full refresh, then every figure of
/// the leader's screen equals its drill-down's sums (members read live from the domains).
#[tokio::test]
async fn the_domains_figures_equal_their_drill_downs() {
    use crate::cases::{apply, person_elements};
    use crate::harness::{publish_item_with, register_person};
    let w = World::new().await;
    let code = publish_item_with(&w, person_elements()).await;
    let citizen = register_person(&w, "陈小明", "440802199001011238", "13800000009").await;
    for n in 0..3 {
        apply(&w, &citizen, &code, n).await;
    }
    w.state
        .supervision
        .refresh(
            &Ctx::system("test"),
            RefreshMode::Full {
                from: date!(2026 - 01 - 01),
            },
        )
        .await
        .unwrap();
    let leader = staff(&w, "leader5", w.city_zsj, "leader").await;
    let screen = w
        .get(&leader, "/api/v1/supervision/screen?month=2026-11")
        .await;
    assert_eq!(screen.status, StatusCode::OK, "{}", screen.text());
    let screen = screen.json();
    let figures = screen["figures"].as_array().unwrap();
    assert_eq!(figures.len(), 21);
    for f in figures {
        let code = f["def"]["code"].as_str().unwrap();
        let d = w
            .get(
                &leader,
                &format!("/api/v1/supervision/kpis/{code}/drill?period=2026-11&size=5"),
            )
            .await;
        assert_eq!(d.status, StatusCode::OK, "{code}: {}", d.text());
        let d = d.json();
        assert_eq!(d["numerator_sum"], f["numerator"], "{code}: {d}");
        assert_eq!(d["denominator_sum"], f["denominator"], "{code}: {d}");
        assert_eq!(d["figure"]["numerator"], f["numerator"], "{code}");
    }
    if !yiwang_supervision::kpi::measures().is_empty() {
        // With the domains' facts wired: the three online applications and the item count.
        let f = figure(&screen, "online_application_rate");
        assert_eq!(f["denominator"], 3, "{f}");
        assert_eq!(f["numerator"], 3, "{f}");
        assert!(
            figure(&screen, "online_rate")["denominator"]
                .as_i64()
                .unwrap()
                >= 1
        );
    }
}
