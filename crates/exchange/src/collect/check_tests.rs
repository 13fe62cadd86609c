use super::*;
use crate::fixtures::population_meta;
use crate::model::ShareType;

fn today() -> Date {
    time::macros::date!(2026 - 12 - 01)
}

fn seal() -> crate::repo::rows::RowSeal {
    crate::repo::rows::RowSeal::new(yiwang_identity::Keys::ephemeral().unwrap())
}

fn bad_check(id: &str) -> String {
    let last = if id.ends_with('0') { '1' } else { '0' };
    format!("{}{last}", &id[..17])
}

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|s| s.to_string()).collect()
}

#[test]
fn headers_are_item_names_or_fields() {
    let meta = population_meta(ShareType::Unconditional);
    let s = Schema::from_headers(&meta, &row(&["姓名", "id_number", "性别"])).unwrap();
    assert_eq!(s.columns, vec![Some(1), Some(0), Some(2)]);
    let e = Schema::from_headers(&meta, &row(&["姓名", "身高"])).unwrap_err();
    let rules: Vec<&str> = e.iter().map(|i| i.rule.as_str()).collect();
    assert_eq!(
        rules,
        ["exchange.unknown_column", "exchange.missing_key_column"]
    );
}

#[test]
fn rows_become_documents_or_problems() {
    let meta = population_meta(ShareType::Unconditional);
    let seal = seal();
    let mut c = Checker::new(&meta, today(), seal.hasher().unwrap()).unwrap();
    let id = crate::collect::sample::id_number(5);
    let good = c
        .check(
            2,
            &row(&[&id.to_lowercase(), "张三", "1", "1990-01-01", "", "440802"]),
        )
        .unwrap();
    assert_eq!(good.key, id);
    assert_eq!(
        good.data,
        format!(
            r#"{{"birth_date":"1990-01-01","division":"440802","id_number":"{id}","name":"张三","sex":"1"}}"#
        )
    );
    // The stored key is the blind index, the digest keyed: neither holds the number.
    assert_eq!(good.index, seal.index(&id).unwrap());
    assert_eq!(good.digest, seal.digest(&good.data).unwrap());
    assert!(!good.index.contains(&id) && !good.digest.contains(&id));
    assert!(c.has_key(&good.index) && !c.has_key(&id));
    // Same key again: a duplicate within the load.
    let dup = c
        .check(3, &row(&[&id, "李四", "2", "", "", ""]))
        .unwrap_err();
    assert_eq!(dup[0].rule, "unique");
    assert_eq!(dup[0].value, crate::collect::check::mask(&id));
    assert!(dup[0].value.starts_with("4408**"));
    let bad = c
        .check(4, &row(&[&bad_check(&id), "", "7", "1990-13-01", "", ""]))
        .unwrap_err();
    let rules: Vec<&str> = bad.iter().map(|i| i.rule.as_str()).collect();
    assert_eq!(rules, ["id_number", "required", "code_list", "type.date"]);
    assert_eq!(bad[0].item, "公民身份号码");
}

#[test]
fn types_and_rules() {
    let mut meta = population_meta(ShareType::Unconditional);
    meta.items[5].rules = vec![
        QualityRule::Pattern {
            pattern: "44[0-9]{4}".into(),
        },
        QualityRule::Unique,
    ];
    meta.items[3].rules = vec![QualityRule::DateRange {
        from: Some("1900-01-01".into()),
        to: Some("2026-12-01".into()),
    }];
    let mut c = Checker::new(&meta, today(), seal().hasher().unwrap()).unwrap();
    let id = crate::collect::sample::id_number(7);
    let ok = [id.as_str(), "张三", "1", "1990-01-01", "", "440802"];
    assert!(c.check(2, &row(&ok)).is_ok());
    let e = c
        .check(
            3,
            &row(&[
                &crate::collect::sample::id_number(8),
                "王五",
                "",
                "1899-12-31",
                "",
                "440802",
            ]),
        )
        .unwrap_err();
    let rules: Vec<&str> = e.iter().map(|i| i.rule.as_str()).collect();
    // A row with a problem claims no value: only its own problems are reported.
    assert_eq!(rules, ["date_range"]);
    let e = c
        .check(
            5,
            &row(&[
                &crate::collect::sample::id_number(10),
                "赵六",
                "",
                "",
                "",
                "440802",
            ]),
        )
        .unwrap_err();
    assert_eq!(e[0].rule, "unique");
    let e = c
        .check(
            4,
            &row(&[
                &crate::collect::sample::id_number(9),
                "王五",
                "",
                "",
                "",
                "110101",
            ]),
        )
        .unwrap_err();
    assert_eq!(e[0].rule, "pattern");
    meta.items[5].rules = vec![QualityRule::Pattern {
        pattern: "(".into(),
    }];
    assert!(Checker::new(&meta, today(), seal().hasher().unwrap()).is_err());
}

#[test]
fn masks_keep_a_quarter_at_each_end() {
    assert_eq!(mask("44080219900101123X"), "4408**********123X");
    assert_eq!(mask("张三"), "**");
    assert_eq!(mask("欧阳小明"), "欧**明");
    assert!(is_decimal("-12.50") && !is_decimal("1.") && !is_decimal("1e3"));
    assert_eq!(
        parse_datetime("2026-01-02T03:04:05").as_deref(),
        Some("2026-01-02 03:04:05")
    );
}
