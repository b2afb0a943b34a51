//! Importing into the registry, on SQLite and (with HUIQI_TEST_POSTGRES_URL) PostgreSQL. The rows
//! are built here; reading files is huiqi-ingest's job and is tested there and in the CLI tests.

use chrono::NaiveDate;
use huiqi_domain::Uscc;
use huiqi_domain::registry::{ENTERPRISE_COLUMNS, HR_COLUMNS, Record, Source, TAX_COLUMNS, Value};
use huiqi_store::Store;
use huiqi_store::registry::{ImportMeta, ImportOutcome, Incoming};
use huiqi_store::testing::each_db;
use huiqi_store::testing::fixtures::import_outcome as run;
use tokio::sync::mpsc;

fn uscc(n: u32) -> Uscc {
    Uscc::from_parts("91", "341502", &format!("{n:08}")).unwrap()
}

fn market(row: u64, n: u32, name: &str) -> Record {
    market_in(row, n, name, "341502", NaiveDate::from_ymd_opt(2020, 5, 1))
}

/// A 市场监管 row of enterprise `n` in `county`, registered on `on` (None: no date in the file).
fn market_in(row: u64, n: u32, name: &str, county: &str, on: Option<NaiveDate>) -> Record {
    Record {
        row,
        uscc: uscc(n),
        values: vec![
            Value::Text(name.into()),
            Value::Text("enterprise".into()),
            Value::Text(county.into()),
            Value::Text("C3311".into()),
            on.map_or(Value::Null, Value::Date),
            Value::Text("active".into()),
            Value::Text("张三".into()),
            Value::Null,
        ],
    }
}

fn hr(row: u64, n: u32, employees_x100: i64) -> Record {
    Record {
        row,
        uscc: uscc(n),
        values: vec![Value::Int(employees_x100), Value::Text("none".into())],
    }
}

#[tokio::test]
async fn import_then_reimport_is_idempotent() {
    each_db(|db| async move {
        let rows = || vec![market(2, 1, "甲公司"), market(3, 2, "乙公司")];
        let out = run(&db.store, Source::Market, None, rows(), true).await;
        let ImportOutcome::Committed { counts, .. } = out else {
            panic!("{out:?}")
        };
        assert_eq!((counts.new, counts.updated, counts.unchanged), (2, 0, 0));
        let before = db.store.registry_counts().await.unwrap();
        assert_eq!(db.store.foreign_key_violations().await.unwrap(), 0);

        let out = run(&db.store, Source::Market, None, rows(), true).await;
        let ImportOutcome::Unchanged { counts } = out else {
            panic!("{out:?}")
        };
        assert_eq!((counts.new, counts.updated, counts.unchanged), (0, 0, 2));
        assert_eq!(db.store.registry_counts().await.unwrap(), before);
    })
    .await;
}

/// The bulk load into an empty registry (SQLite: INSERTs of 1,000 rows bound through its C API,
/// the last one shorter; PostgreSQL: COPY) and the look-ups of a second import (SQLite: its C
/// API, in groups of 900 codes, the last group shorter) keep every value as the row-by-row path
/// does: text with quotes, tabs, backslashes and Chinese, dates, NULLs; and a change in any group
/// is found.
#[tokio::test]
async fn the_bulk_paths_keep_every_value_and_find_every_change() {
    each_db(|db| async move {
        let names = [
            "甲公司",
            "O'Brien\t\"引号\"",
            "a\tb\\c\nd",
            "六安市某某有限责任公司",
        ];
        let record = |i: u32, name: &str| {
            let on = (!i.is_multiple_of(3)).then(|| {
                NaiveDate::from_ymd_opt(2000 + (i % 25) as i32, 1 + i % 12, 1 + i % 28).unwrap()
            });
            let mut r = market_in(
                u64::from(i) + 1,
                i,
                name,
                if i.is_multiple_of(2) {
                    "341502"
                } else {
                    "341503"
                },
                on,
            );
            if i.is_multiple_of(5) {
                r.values[6] = Value::Null;
                r.values[7] = Value::Text(format!("139{i:08}"));
            }
            r
        };
        let rows = |changed: &[u32]| -> Vec<Record> {
            (1..=2100)
                .map(|i| {
                    let name = if changed.contains(&i) {
                        format!("改名{i}")
                    } else {
                        names[i as usize % 4].to_string()
                    };
                    record(i, &name)
                })
                .collect()
        };
        let out = run(&db.store, Source::Market, None, rows(&[]), true).await;
        assert!(matches!(out, ImportOutcome::Committed { .. }), "{out:?}");
        let check = |changed: &'static [u32]| {
            let store = &db.store;
            async move {
                let expected = rows(changed);
                for r in expected.iter().filter(|r| {
                    r.row % 97 == 0 || changed.iter().any(|&c| u64::from(c) + 1 == r.row)
                }) {
                    for (column, want) in ENTERPRISE_COLUMNS.iter().zip(&r.values) {
                        let got = store.value_of(r.uscc.as_str(), None, column).await.unwrap();
                        assert_eq!(
                            got.as_ref(),
                            Some(want),
                            "{} {}",
                            r.uscc.as_str(),
                            column.db
                        );
                    }
                }
            }
        };
        check(&[]).await;
        if let Store::Sqlite(p) = &db.store {
            let types: Vec<(String, String, i64)> = sqlx::query_as(
                "SELECT typeof(registered_on), typeof(contact_phone), COUNT(*) FROM enterprises \
                 GROUP BY 1, 2 ORDER BY 1, 2",
            )
            .fetch_all(p)
            .await
            .unwrap();
            assert_eq!(
                types,
                [
                    ("null".into(), "null".into(), 560),
                    ("null".into(), "text".into(), 140),
                    ("text".into(), "null".into(), 1120),
                    ("text".into(), "text".into(), 280)
                ]
            );
        }
        let out = run(&db.store, Source::Market, None, rows(&[]), true).await;
        assert!(matches!(out, ImportOutcome::Unchanged { .. }), "{out:?}");
        // One change in the first group of 900 codes and two in the last (codes 1801–2100).
        let out = run(
            &db.store,
            Source::Market,
            None,
            rows(&[7, 1901, 2000]),
            true,
        )
        .await;
        let ImportOutcome::Committed { counts, .. } = out else {
            panic!("{out:?}")
        };
        assert_eq!(
            (
                counts.new,
                counts.updated,
                counts.unchanged,
                counts.changed_values
            ),
            (0, 3, 2097, 3)
        );
        check(&[7, 1901, 2000]).await;
        assert_eq!(db.store.foreign_key_violations().await.unwrap(), 0);
    })
    .await;
}

/// 日常调度's registration figure reads `registration_counts` (migration 0120), which every import
/// that writes enterprises rebuilds in its own transaction: new rows, a moved county and date, a
/// row without a date, and a refused import that changes nothing.
#[tokio::test]
async fn registration_counts_follow_every_import() {
    use huiqi_domain::figures::Figure;
    use huiqi_store::progress::Window;
    each_db(|db| async move {
        let s = &db.store;
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let year = |y| Window::Dates(day(y, 1, 1), day(y, 12, 31));
        let counts = |w| async move {
            let by_county = s.figure_by_county(Figure::Registrations, w).await.unwrap();
            let any = s.figure_has_data(Figure::Registrations, w).await.unwrap();
            (by_county.into_iter().collect::<Vec<_>>(), any)
        };
        let c = |county: &str, n: i64| (county.to_owned(), n);
        assert_eq!(counts(year(2020)).await, (vec![], false));

        let on = Some(day(2020, 5, 1));
        let rows = vec![
            market_in(2, 1, "甲公司", "341502", on),
            market_in(3, 2, "乙公司", "341502", on),
            market_in(4, 3, "丙公司", "341503", Some(day(2020, 12, 31))),
        ];
        run(s, Source::Market, None, rows, true).await;
        assert_eq!(
            counts(year(2020)).await,
            (vec![c("341502", 2), c("341503", 1)], true)
        );
        let may = Window::Dates(day(2020, 5, 1), day(2020, 5, 1));
        assert_eq!(counts(may).await, (vec![c("341502", 2)], true));

        // 乙 moves to 341503 and to 2021; 丁 comes without a date; 甲 and 丙 are unchanged.
        let rows = vec![
            market_in(2, 1, "甲公司", "341502", on),
            market_in(3, 2, "乙公司", "341503", Some(day(2021, 3, 1))),
            market_in(4, 3, "丙公司", "341503", Some(day(2020, 12, 31))),
            market_in(5, 4, "丁公司", "341504", None),
        ];
        run(s, Source::Market, None, rows, true).await;
        assert_eq!(
            counts(year(2020)).await,
            (vec![c("341502", 1), c("341503", 1)], true)
        );
        assert_eq!(counts(year(2021)).await, (vec![c("341503", 1)], true));
        assert!(
            s.registry_has_dates(day(2021, 3, 1), day(2021, 3, 1))
                .await
                .unwrap()
        );
        assert!(
            !s.registry_has_dates(day(2021, 3, 2), day(2021, 12, 31))
                .await
                .unwrap()
        );

        // A refused import (the reader found the file invalid) leaves the counts as they were.
        let rows = vec![market_in(2, 1, "甲公司", "341504", Some(day(2022, 1, 1)))];
        assert_eq!(
            run(s, Source::Market, None, rows, false).await,
            ImportOutcome::InvalidInput
        );
        assert_eq!(counts(year(2022)).await, (vec![], false));
        assert_eq!(
            counts(year(2020)).await,
            (vec![c("341502", 1), c("341503", 1)], true)
        );

        // The invariant: the table is the registry counted by day and county.
        let rows = |sql: &'static str| async move {
            let rows: Vec<(String, String, i64)> = match s {
                Store::Sqlite(p) => sqlx::query_as(sql).fetch_all(p).await.unwrap(),
                Store::Postgres(p) => sqlx::query_as(sql).fetch_all(p).await.unwrap(),
            };
            rows
        };
        let kept = rows(
            "SELECT CAST(registered_on AS TEXT), county, n FROM registration_counts ORDER BY 1, 2",
        )
        .await;
        let recounted = rows(
            "SELECT CAST(registered_on AS TEXT), county, COUNT(*) FROM enterprises \
             WHERE registered_on IS NOT NULL GROUP BY registered_on, county ORDER BY 1, 2",
        )
        .await;
        assert_eq!(kept, recounted);
        assert_eq!(kept.len(), 3);
    })
    .await;
}

#[tokio::test]
async fn a_changed_value_keeps_the_old_one_in_history() {
    each_db(|db| async move {
        run(
            &db.store,
            Source::Market,
            None,
            vec![market(2, 1, "甲公司")],
            true,
        )
        .await;
        let first = run(
            &db.store,
            Source::Hr,
            Some(2024),
            vec![hr(2, 1, 1200)],
            true,
        )
        .await;
        let ImportOutcome::Committed { id: first_id, .. } = first else {
            panic!("{first:?}")
        };
        let second = run(
            &db.store,
            Source::Hr,
            Some(2024),
            vec![hr(2, 1, 1550)],
            true,
        )
        .await;
        let ImportOutcome::Committed {
            id: second_id,
            counts,
        } = second
        else {
            panic!("{second:?}")
        };
        assert_eq!(
            (counts.new, counts.updated, counts.changed_values),
            (0, 1, 1)
        );

        let employees = &HR_COLUMNS[0];
        assert_eq!(
            db.store
                .value_of(uscc(1).as_str(), Some(2024), employees)
                .await
                .unwrap(),
            Some(Value::Int(1550))
        );
        let history = db.store.history_of(uscc(1).as_str()).await.unwrap();
        assert_eq!(history.len(), 1, "{history:?}");
        let h = &history[0];
        assert_eq!(h.field, "employees");
        assert_eq!(h.year, Some(2024));
        assert_eq!(h.old_value.as_deref(), Some("1200"));
        assert_eq!(h.old_import_id, Some(first_id));
        assert_eq!(h.new_value.as_deref(), Some("1550"));
        assert_eq!(h.new_import_id, second_id);

        // A renamed enterprise: the old name is kept too.
        run(
            &db.store,
            Source::Market,
            None,
            vec![market(2, 1, "甲有限公司")],
            true,
        )
        .await;
        let history = db.store.history_of(uscc(1).as_str()).await.unwrap();
        let rename = history.iter().find(|h| h.field == "name").unwrap();
        assert_eq!(rename.old_value.as_deref(), Some("甲公司"));
        assert_eq!(rename.year, None);
        assert_eq!(
            db.store
                .value_of(uscc(1).as_str(), None, &ENTERPRISE_COLUMNS[0])
                .await
                .unwrap(),
            Some(Value::Text("甲有限公司".into()))
        );
    })
    .await;
}

#[tokio::test]
async fn an_invalid_file_imports_nothing() {
    each_db(|db| async move {
        run(
            &db.store,
            Source::Market,
            None,
            vec![market(2, 1, "甲公司")],
            true,
        )
        .await;
        let before = db.store.registry_counts().await.unwrap();
        let out = run(
            &db.store,
            Source::Market,
            None,
            vec![market(2, 1, "改名"), market(3, 2, "乙")],
            false,
        )
        .await;
        assert_eq!(out, ImportOutcome::InvalidInput);
        assert_eq!(db.store.registry_counts().await.unwrap(), before);
        assert_eq!(
            db.store
                .value_of(uscc(1).as_str(), None, &ENTERPRISE_COLUMNS[0])
                .await
                .unwrap(),
            Some(Value::Text("甲公司".into()))
        );
    })
    .await;
}

#[tokio::test]
async fn a_reader_that_dies_imports_nothing() {
    each_db(|db| async move {
        let (tx, rx) = mpsc::channel(4);
        let meta = ImportMeta {
            source: Source::Market,
            year: None,
            file_name: "x.csv".into(),
            file_sha256: "00".into(),
        };
        tx.send(Incoming::Rows(vec![market(2, 1, "甲公司")]))
            .await
            .unwrap();
        drop(tx); // no End
        assert_eq!(
            db.store.import(&meta, rx).await.unwrap(),
            ImportOutcome::InvalidInput
        );
        assert_eq!(db.store.registry_counts().await.unwrap().enterprises, 0);
    })
    .await;
}

#[tokio::test]
async fn a_yearly_row_for_an_unknown_enterprise_is_rejected_by_row() {
    each_db(|db| async move {
        run(
            &db.store,
            Source::Market,
            None,
            vec![market(2, 1, "甲公司")],
            true,
        )
        .await;
        let before = db.store.registry_counts().await.unwrap();
        let out = run(
            &db.store,
            Source::Hr,
            Some(2024),
            vec![hr(2, 1, 300), hr(3, 9, 100)],
            true,
        )
        .await;
        let ImportOutcome::Rejected(errors) = out else {
            panic!("{out:?}")
        };
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].row, 3);
        assert!(errors[0].message.contains(uscc(9).as_str()));
        assert_eq!(db.store.registry_counts().await.unwrap(), before);
    })
    .await;
}

#[tokio::test]
async fn tax_and_hr_fill_one_row_with_their_own_provenance() {
    each_db(|db| async move {
        run(
            &db.store,
            Source::Market,
            None,
            vec![market(2, 1, "甲公司")],
            true,
        )
        .await;
        let mut tax_values = vec![Value::Int(0); TAX_COLUMNS.len()];
        tax_values[0] = Value::Int(12_345_678); // revenue in fen
        tax_values[3] = Value::Bool(false);
        tax_values[6] = Value::Bool(true);
        let tax = Record {
            row: 2,
            uscc: uscc(1),
            values: tax_values,
        };
        let ImportOutcome::Committed { counts, .. } =
            run(&db.store, Source::Tax, Some(2024), vec![tax.clone()], true).await
        else {
            panic!()
        };
        assert_eq!(counts.new, 1);
        let ImportOutcome::Committed { counts, .. } =
            run(&db.store, Source::Hr, Some(2024), vec![hr(2, 1, 500)], true).await
        else {
            panic!()
        };
        assert_eq!(
            counts.new, 1,
            "hr had not reported for this enterprise and year"
        );
        assert_eq!(
            db.store.registry_counts().await.unwrap().enterprise_facts,
            1
        );
        assert_eq!(db.store.registry_counts().await.unwrap().value_history, 0);
        assert_eq!(
            db.store
                .value_of(uscc(1).as_str(), Some(2024), &TAX_COLUMNS[0])
                .await
                .unwrap(),
            Some(Value::Int(12_345_678))
        );
        assert_eq!(db.store.foreign_key_violations().await.unwrap(), 0);
        let imports = db.store.imports().await.unwrap();
        assert_eq!(
            imports
                .iter()
                .map(|i| i.source.as_str())
                .collect::<Vec<_>>(),
            ["market", "tax", "hr"]
        );
    })
    .await;
}

/// PostgreSQL's bulk load into an empty registry drops the tables' keys, indexes and foreign
/// keys and builds them after the load: a committed load puts every one back (the foreign keys to
/// `imports` as NOT VALID, still enforced), and a refused, invalid or broken-off load rolls back to
/// the schema as it was. On SQLite the same imports run the ordinary path.
#[tokio::test]
async fn the_bulk_load_puts_back_every_key_index_and_foreign_key() {
    each_db(|db| async move {
        let s = &db.store;
        // (table, name, definition) of every key, index and foreign key the load touches.
        let schema = || async move {
            let p = match s {
                huiqi_store::Store::Postgres(p) => p,
                // SQLite: the two tables' indexes (their keys among them since migration 0840).
                huiqi_store::Store::Sqlite(p) => {
                    return sqlx::query_as::<_, (String, String, String)>(
                        "SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'index' \
                         AND tbl_name IN ('enterprises', 'enterprise_facts') ORDER BY name",
                    )
                    .fetch_all(p)
                    .await
                    .unwrap();
                }
            };
            let mut rows: Vec<(String, String, String)> = sqlx::query_as(
                "SELECT conrelid::regclass::text, conname::text, \
                   replace(pg_get_constraintdef(oid), ' NOT VALID', '') FROM pg_constraint \
                 WHERE contype IN ('p', 'u', 'f') AND (conrelid IN ('enterprises'::regclass, \
                   'enterprise_facts'::regclass) OR confrelid IN ('enterprises'::regclass, \
                   'enterprise_facts'::regclass)) \
                 UNION ALL SELECT tablename::text, indexname::text, indexdef FROM pg_indexes \
                 WHERE tablename IN ('enterprises', 'enterprise_facts')",
            )
            .fetch_all(p)
            .await
            .unwrap();
            rows.sort();
            rows
        };
        let before = schema().await;
        if matches!(s, huiqi_store::Store::Postgres(_)) {
            // Two keys, their indexes, the finance index, eight foreign keys (certifications' too).
            assert!(before.len() >= 13, "{before:?}");
        } else {
            // The two keys and the finance index.
            assert_eq!(before.len(), 3, "{before:?}");
        }
        // Refused (a yearly row for an enterprise not in the registry), invalid, broken off.
        let out = run(s, Source::Hr, Some(2024), vec![hr(2, 1, 300)], true).await;
        assert!(matches!(out, ImportOutcome::Rejected(_)), "{out:?}");
        let out = run(s, Source::Market, None, vec![market(2, 1, "甲公司")], false).await;
        assert_eq!(out, ImportOutcome::InvalidInput);
        let (tx, rx) = mpsc::channel(4);
        tx.send(Incoming::Rows(vec![market(2, 1, "甲公司")])).await.unwrap();
        drop(tx);
        let meta = ImportMeta {
            source: Source::Market,
            year: None,
            file_name: "x.csv".into(),
            file_sha256: "00".into(),
        };
        assert_eq!(s.import(&meta, rx).await.unwrap(), ImportOutcome::InvalidInput);
        assert_eq!(schema().await, before);
        assert_eq!(s.registry_counts().await.unwrap().enterprises, 0);

        // Committed: everything back, and the foreign keys refuse what they refused before.
        let out = run(s, Source::Market, None, vec![market(2, 1, "甲公司"), market(3, 2, "乙公司")], true).await;
        assert!(matches!(out, ImportOutcome::Committed { .. }), "{out:?}");
        assert_eq!(schema().await, before);
        let out = run(s, Source::Hr, Some(2024), vec![hr(2, 1, 300)], true).await;
        assert!(matches!(out, ImportOutcome::Committed { .. }), "{out:?}");
        assert_eq!(db.store.foreign_key_violations().await.unwrap(), 0);
        if let huiqi_store::Store::Sqlite(p) = s {
            // The rebuilt keys hold.
            sqlite_keys_refuse_a_second_row(p).await;
        }
        if let huiqi_store::Store::Postgres(p) = s {
            let refused = |sql: String| async move {
                sqlx::query(sqlx::AssertSqlSafe(sql)).execute(p).await.is_err()
            };
            let unknown = Uscc::from_parts("91", "341502", "99999999").unwrap();
            assert!(
                refused(format!(
                    "INSERT INTO enterprise_facts (uscc, year, hr_import_id) VALUES ('{unknown}', 2024, 1)"
                ))
                .await
            );
            assert!(refused("UPDATE enterprise_facts SET hr_import_id = 999".into()).await);
            assert!(refused("UPDATE enterprises SET import_id = 999".into()).await);
            // The unique keys hold: the same code again is refused.
            assert!(
                refused(format!(
                    "INSERT INTO enterprises (uscc, name, kind, county, industry, import_id) \
                     SELECT uscc, name, kind, county, industry, import_id FROM enterprises WHERE uscc = '{}'",
                    uscc(1)
                ))
                .await
            );
            // What the load re-added `NOT VALID` (trusted by construction) holds: PostgreSQL's own
            // check of each passes.
            let unchecked: Vec<(String, String)> = sqlx::query_as(
                "SELECT conrelid::regclass::text, conname::text FROM pg_constraint \
                 WHERE contype = 'f' AND NOT convalidated AND conrelid IN \
                   ('enterprises'::regclass, 'enterprise_facts'::regclass)",
            )
            .fetch_all(p)
            .await
            .unwrap();
            // Six to `imports` (the enterprise's, five of the facts' groups), the facts' code.
            assert_eq!(unchecked.len(), 7, "{unchecked:?}");
            for (table, name) in &unchecked {
                let sql = format!("ALTER TABLE {table} VALIDATE CONSTRAINT \"{name}\"");
                sqlx::query(sqlx::AssertSqlSafe(sql)).execute(p).await.unwrap();
            }
            // And the count of rows under such keys that point nowhere finds one when there is one.
            for sql in [
                "ALTER TABLE enterprise_facts DROP CONSTRAINT enterprise_facts_uscc_fkey".to_string(),
                format!("INSERT INTO enterprise_facts (uscc, year) VALUES ('{unknown}', 2024)"),
                "ALTER TABLE enterprise_facts ADD CONSTRAINT enterprise_facts_uscc_fkey \
                 FOREIGN KEY (uscc) REFERENCES enterprises (uscc) NOT VALID"
                    .to_string(),
            ] {
                sqlx::query(sqlx::AssertSqlSafe(sql)).execute(p).await.unwrap();
            }
            assert_eq!(db.store.foreign_key_violations().await.unwrap(), 1);
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM enterprise_facts WHERE uscc = '{unknown}'"
            )))
            .execute(p)
            .await
            .unwrap();
            assert_eq!(db.store.foreign_key_violations().await.unwrap(), 0);
        }
    })
    .await;
}

/// Migration 0840 rebuilds SQLite's two registry tables with their keys as unique indexes (a no-op
/// on PostgreSQL): rows, values and provenance written before it are all there after it, the keys
/// still refuse a second row, and later imports update through them.
#[tokio::test]
async fn the_registry_written_before_migration_0840_is_kept_whole() {
    huiqi_store::testing::each_db_until(Some(830), |db| async move {
        let s = &db.store;
        let out = run(
            s,
            Source::Market,
            None,
            vec![market(2, 1, "甲公司"), market(3, 2, "乙公司")],
            true,
        )
        .await;
        assert!(matches!(out, ImportOutcome::Committed { .. }), "{out:?}");
        let out = run(
            s,
            Source::Hr,
            Some(2024),
            vec![hr(2, 1, 300), hr(3, 2, 450)],
            true,
        )
        .await;
        assert!(matches!(out, ImportOutcome::Committed { .. }), "{out:?}");
        let before = s.registry_counts().await.unwrap();
        s.migrate().await.unwrap();
        assert_eq!(s.registry_counts().await.unwrap(), before);
        assert_eq!(s.foreign_key_violations().await.unwrap(), 0);
        let out = run(
            s,
            Source::Market,
            None,
            vec![market(2, 1, "甲公司（更名）"), market(3, 2, "乙公司")],
            true,
        )
        .await;
        let ImportOutcome::Committed { counts, .. } = out else {
            panic!("{out:?}")
        };
        assert_eq!((counts.new, counts.updated, counts.unchanged), (0, 1, 1));
        let out = run(
            s,
            Source::Hr,
            Some(2024),
            vec![hr(2, 1, 300), hr(3, 2, 500)],
            true,
        )
        .await;
        let ImportOutcome::Committed { counts, .. } = out else {
            panic!("{out:?}")
        };
        assert_eq!((counts.new, counts.updated, counts.unchanged), (0, 1, 1));
        let after = s.registry_counts().await.unwrap();
        assert_eq!((after.enterprises, after.enterprise_facts), (2, 2));
        assert_eq!(after.value_history, before.value_history + 2);
        if let Store::Sqlite(p) = s {
            let names: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'index' \
                 AND tbl_name IN ('enterprises', 'enterprise_facts') ORDER BY name",
            )
            .fetch_all(p)
            .await
            .unwrap();
            assert_eq!(
                names,
                [
                    "enterprise_facts_finance",
                    "enterprise_facts_key",
                    "enterprises_uscc"
                ]
            );
            sqlite_keys_refuse_a_second_row(p).await;
        }
    })
    .await;
}

/// SQLite's two registry keys (unique indexes since migration 0840) refuse a row with a code (and
/// year) already there.
async fn sqlite_keys_refuse_a_second_row(p: &sqlx::SqlitePool) {
    for sql in [
        "INSERT INTO enterprises (uscc, name, kind, county, industry, import_id) \
         SELECT uscc, name, kind, county, industry, import_id FROM enterprises LIMIT 1",
        "INSERT INTO enterprise_facts (uscc, year) SELECT uscc, year FROM enterprise_facts LIMIT 1",
    ] {
        let again = sqlx::query(sql).execute(p).await;
        assert!(again.is_err(), "{sql}: {again:?}");
    }
}
