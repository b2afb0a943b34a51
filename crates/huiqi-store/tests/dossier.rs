//! 一企一档's queries (`huiqi-store/src/dossier.rs`) on SQLite and (with HUIQI_TEST_POSTGRES_URL)
//! PostgreSQL: one enterprise's registration, its facts of two years with the import behind each
//! department's group, its certifications with their list file, its grants and its result in two
//! matching runs — and nothing of its neighbour.

use chrono::{NaiveDate, Utc};
use huiqi_domain::Uscc;
use huiqi_domain::lists::{CertKind, Certification, ListRows};
use huiqi_domain::registry::{Group, Record, Source, Value};
use huiqi_store::Store;
use huiqi_store::lists::ListMeta;
use huiqi_store::matching::{Grant, ResultRow, Run};
use huiqi_store::registry::{ImportMeta, ImportOutcome, Incoming};
use huiqi_store::testing::each_db;
use tokio::sync::mpsc;

fn uscc(n: u32) -> Uscc {
    Uscc::from_parts("91", "341502", &format!("{n:08}")).unwrap()
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// Imports `rows` as one file; returns the import's id.
async fn import(
    store: &Store,
    source: Source,
    year: Option<i32>,
    file: &str,
    rows: Vec<Record>,
) -> i64 {
    let (tx, rx) = mpsc::channel(4);
    let meta = ImportMeta {
        source,
        year,
        file_name: file.into(),
        file_sha256: format!("sha-of-{file}"),
    };
    tx.send(Incoming::Rows(rows)).await.unwrap();
    tx.send(Incoming::End { valid: true }).await.unwrap();
    drop(tx);
    match store.import(&meta, rx).await.unwrap() {
        ImportOutcome::Committed { id, .. } => id,
        other => panic!("{other:?}"),
    }
}

fn market(row: u64, n: u32, name: &str) -> Record {
    Record {
        row,
        uscc: uscc(n),
        values: vec![
            Value::Text(name.into()),
            Value::Text("enterprise".into()),
            Value::Text("341502".into()),
            Value::Text("C3311".into()),
            Value::Date(date("2020-05-01")),
            Value::Text("active".into()),
            Value::Null,
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

fn run(at: &str) -> Run {
    Run {
        id: 0,
        started_at: Utc::now(),
        at: date(at),
        year: 2024,
        pack_id: "cn".into(),
        pack_version: "test".into(),
        parameters: "{}".into(),
        enterprises: 2,
        total_fen: 0,
        import_watermark: None,
    }
}

fn result(n: u32, size: &str, values: Vec<i64>) -> ResultRow {
    ResultRow {
        uscc: uscc(n).to_string(),
        county: "341502".into(),
        size_class: size.into(),
        values,
    }
}

#[tokio::test]
async fn one_enterprise_file_reads_its_own_rows_with_their_imports() {
    each_db(|db| async move {
        let s = &db.store;
        let me = uscc(1).to_string();
        let market_id = import(
            s,
            Source::Market,
            None,
            "登记.csv",
            vec![market(2, 1, "六安甲公司"), market(3, 2, "六安乙公司")],
        )
        .await;
        let hr_2023 = import(
            s,
            Source::Hr,
            Some(2023),
            "人社-2023.csv",
            vec![hr(2, 1, 1200), hr(3, 2, 900)],
        )
        .await;
        let hr_2024 = import(
            s,
            Source::Hr,
            Some(2024),
            "人社-2024.csv",
            vec![hr(2, 1, 1550)],
        )
        .await;

        let reg = s.registration_of(&me).await.unwrap().unwrap();
        assert_eq!(reg.name, "六安甲公司");
        assert_eq!(reg.county, "341502");
        assert_eq!(reg.industry, "C3311");
        assert_eq!(reg.registered_on, Some(date("2020-05-01")));
        assert_eq!(reg.import_id, market_id);
        assert!(s.registration_of(uscc(9).as_ref()).await.unwrap().is_none());

        // Facts newest year first; each group says which import delivered it, or none.
        let years = s.facts_by_year(&me).await.unwrap();
        assert_eq!(
            years.iter().map(|y| y.year).collect::<Vec<_>>(),
            [2024, 2023]
        );
        for (y, import_id, employees) in [(&years[0], hr_2024, 1550), (&years[1], hr_2023, 1200)] {
            let g = y.groups.iter().find(|g| g.group == Group::Hr).unwrap();
            assert_eq!(g.import_id, Some(import_id), "{}", y.year);
            assert_eq!(g.values[0].0.zh, "从业人数");
            assert_eq!(g.values[0].1, Value::Int(employees), "{}", y.year);
            let tax = y.groups.iter().find(|g| g.group == Group::Tax).unwrap();
            assert_eq!(tax.import_id, None, "税务 did not report {}", y.year);
        }
        // The neighbour has 2023 only.
        let other = s.facts_by_year(uscc(2).as_ref()).await.unwrap();
        assert_eq!(other.len(), 1);
        assert_eq!(other[0].year, 2023);

        // Certifications oldest first, with the list file.
        let meta = ListMeta {
            file_name: "认定名单-2023.csv".into(),
            file_sha256: "sha-certs".into(),
            uscc_header: "统一社会信用代码".into(),
        };
        let certs = ListRows::Certifications(vec![
            Certification {
                row: 2,
                uscc: uscc(1),
                kind: CertKind::ProvincialZjtx,
                certified_on: date("2023-08-01"),
                certificate_no: None,
            },
            Certification {
                row: 3,
                uscc: uscc(1),
                kind: CertKind::TechSme,
                certified_on: date("2023-03-01"),
                certificate_no: Some("KJ-1".into()),
            },
            Certification {
                row: 4,
                uscc: uscc(2),
                kind: CertKind::TechSme,
                certified_on: date("2023-01-01"),
                certificate_no: None,
            },
        ]);
        s.import_list(&meta, &certs).await.unwrap();
        let mine = s.certifications_of(&me).await.unwrap();
        assert_eq!(
            mine.iter()
                .map(|c| (c.kind.as_str(), c.certified_on))
                .collect::<Vec<_>>(),
            [
                (CertKind::TechSme.as_str(), date("2023-03-01")),
                (CertKind::ProvincialZjtx.as_str(), date("2023-08-01")),
            ]
        );
        assert_eq!(mine[0].certificate_no.as_deref(), Some("KJ-1"));
        assert!(mine.iter().all(|c| c.file_name == "认定名单-2023.csv"));

        // Grants newest first.
        let grant = |measure: &str, fen: i64, on: &str, n: u32| Grant {
            uscc: uscc(n).to_string(),
            measure: measure.into(),
            amount_fen: fen,
            granted_on: date(on),
        };
        s.add_grants(
            &[
                grant("cit_relief", 15_000_000, "2024-05-31", 1),
                grant("six_taxes_relief", 123_456, "2025-05-31", 1),
                grant("cit_relief", 99, "2024-05-31", 2),
            ],
            "兑现-2024.xlsx",
        )
        .await
        .unwrap();
        let grants = s.grants_of(&me).await.unwrap();
        assert_eq!(
            grants
                .iter()
                .map(|g| (g.measure.as_str(), g.amount_fen))
                .collect::<Vec<_>>(),
            [("six_taxes_relief", 123_456), ("cit_relief", 15_000_000)]
        );
        assert_eq!(grants[0].file_name, "兑现-2024.xlsx");

        // Two runs: the enterprise's size and benefits in each, zero amounts not stored.
        let measures = ["cit_relief", "six_taxes_relief"];
        let first = s
            .save_run(
                &run("2024-06-30"),
                &measures,
                &[
                    result(1, "small", vec![10_000, 0]),
                    result(2, "micro", vec![5, 6]),
                ],
            )
            .await
            .unwrap();
        let second = s
            .save_run(
                &run("2024-12-31"),
                &measures,
                &[result(1, "medium", vec![0, 4_200])],
            )
            .await
            .unwrap();
        let runs = s.run_results_of(&me).await.unwrap();
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[0].run_id, first);
        assert_eq!(runs[0].size_class, "small");
        assert_eq!(runs[0].benefits, [("cit_relief".to_string(), 10_000)]);
        assert_eq!(runs[1].run_id, second);
        assert_eq!(runs[1].size_class, "medium");
        assert_eq!(runs[1].benefits, [("six_taxes_relief".to_string(), 4_200)]);
        let neighbour = s.run_results_of(uscc(2).as_ref()).await.unwrap();
        assert_eq!(neighbour.len(), 1, "not in the second run");
        assert_eq!(neighbour[0].benefits.len(), 2);
    })
    .await;
}
