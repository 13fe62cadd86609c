//! Claiming an item through to publication in one transaction (`claim_through`) against a real
//! database (SQLite, or PostgreSQL when YIWANG_TEST_DATABASE_URL is set): the same item, history,
//! audit events and search entry as the four steps one by one; all or nothing when a step is
//! refused; each step's permission and the self-review rule still apply.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use yiwang_audit::Verdict;
use yiwang_catalog::search::SearchParams;
use yiwang_catalog::{ClaimInput, Elements, ItemStatus, Through};
use yiwang_kernel::ErrorCode;
use yiwang_kernel::auth::{Ctx, Role};
use yiwang_org::Department;

mod common;
use common::*;

fn claim(basic: &str, dept: &Department) -> ClaimInput {
    ClaimInput {
        basic_code: basic.into(),
        department_id: dept.id,
        ..Default::default()
    }
}

/// The draft a caller makes of the claimed defaults: the defaults kept, the rest filled in.
fn fill(tag: &'static str) -> impl FnOnce(&Elements) -> yiwang_kernel::Result<Elements> {
    move |open: &Elements| {
        let mut e = good(tag);
        e.exercise_level = open.exercise_level.clone();
        e.statutory_limit = open.statutory_limit;
        Ok(e)
    }
}

async fn actions(env: &Env, code: &str) -> Vec<String> {
    env.cat
        .history_of(&sys(), code)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.action)
        .collect()
}

async fn audit_actions(env: &Env) -> Vec<usize> {
    let mut n = Vec::new();
    for a in [
        "catalog.item.claim",
        "catalog.item.edit",
        "catalog.item.submit",
        "catalog.item.approve",
    ] {
        n.push(audit_count(env, a).await);
    }
    n
}

#[tokio::test]
async fn one_transaction_gives_what_the_four_steps_give() {
    let env = setup().await;
    let by_steps = publish(&env, BASIC_1, &env.a, "甲").await;
    let through = env
        .cat
        .claim_through(
            &sys(),
            &claim(BASIC_2, &env.a),
            fill("乙"),
            Through::Published("同意发布"),
        )
        .await
        .unwrap();
    let (a, b) = (item(&env, &by_steps).await, item(&env, &through).await);
    assert_eq!(b.status, ItemStatus::Published);
    assert_eq!(b.published_version, Some(1));
    assert_eq!(b.department_id, a.department_id);
    assert_eq!(b.division_code, a.division_code);
    assert!(b.open.is_none(), "no draft is left open");
    let published = b.published.expect("published version");
    assert_eq!(
        published.elements.name, "药品零售企业许可",
        "inherited from the basic item"
    );
    assert_eq!(published.elements.department_name, env.a.name);
    assert_eq!(
        actions(&env, &by_steps).await,
        actions(&env, &through).await
    );
    assert_eq!(audit_actions(&env).await, vec![2, 2, 2, 2]);
    assert!(matches!(
        yiwang_audit::verify(&env.t.db, None).await.unwrap(),
        Verdict::Intact { .. }
    ));
    // In the search index at once, like an approval one by one.
    let found = env
        .cat
        .search(&SearchParams {
            q: Some("药品零售".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        found
            .items
            .iter()
            .map(|i| i.code.as_str())
            .collect::<Vec<_>>(),
        vec![through.as_str()]
    );

    // Claimed again: refused as `claim` refuses it, nothing written.
    let again = env
        .cat
        .claim_through(
            &sys(),
            &claim(BASIC_2, &env.a),
            fill("乙"),
            Through::Published(""),
        )
        .await
        .unwrap_err();
    assert_eq!(again.code, ErrorCode::Duplicate);
    assert_eq!(item_count(&env).await, 2);

    // Only as far as asked.
    let submitted = env
        .cat
        .claim_through(
            &sys(),
            &claim(BASIC_3, &env.b),
            fill("丙"),
            Through::Submitted,
        )
        .await
        .unwrap();
    let s = item(&env, &submitted).await;
    assert_eq!(s.published_version, None);
    assert_eq!(
        actions(&env, &submitted).await,
        vec!["claim", "edit", "submit"]
    );
}

#[tokio::test]
async fn a_refused_step_leaves_nothing_behind() {
    let env = setup().await;
    // Elements that fail the submission rules: the claim and the draft are not kept either.
    let e = env
        .cat
        .claim_through(
            &sys(),
            &claim(BASIC_1, &env.a),
            |_: &Elements| Ok(Elements::default()),
            Through::Published("同意"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(e.code, ErrorCode::QualityRules | ErrorCode::Validation),
        "{e:?}"
    );
    // A draft maker that fails: nothing written.
    let e = env
        .cat
        .claim_through(
            &sys(),
            &claim(BASIC_1, &env.a),
            |_: &Elements| Err(yiwang_kernel::Error::internal("no draft")),
            Through::Draft,
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Internal);
    assert_eq!(item_count(&env).await, 0);
    assert_eq!(audit_actions(&env).await, vec![0, 0, 0, 0]);
}

#[tokio::test]
async fn every_step_is_authorised_and_no_one_reviews_their_own_submission() {
    let env = setup().await;
    // An editor of department A may claim, edit and submit, not approve.
    let editor: Ctx = staff(11, &env.a, &[Role::CatalogEditor]);
    let e = env
        .cat
        .claim_through(
            &editor,
            &claim(BASIC_1, &env.a),
            fill("甲"),
            Through::Published("同意"),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    assert_eq!(item_count(&env).await, 0);
    // Nor for another department.
    let e = env
        .cat
        .claim_through(&editor, &claim(BASIC_1, &env.b), fill("甲"), Through::Draft)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    // One who may edit and review still may not approve what they submitted.
    let both = staff(12, &env.a, &[Role::CatalogEditor, Role::CatalogReviewer]);
    let e = env
        .cat
        .claim_through(
            &both,
            &claim(BASIC_1, &env.a),
            fill("甲"),
            Through::Published("同意"),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::SelfReview);
    assert_eq!(item_count(&env).await, 0);
    // Up to submission it is theirs to do.
    env.cat
        .claim_through(
            &editor,
            &claim(BASIC_1, &env.a),
            fill("甲"),
            Through::Submitted,
        )
        .await
        .unwrap();
    assert_eq!(item_count(&env).await, 1);
}
