//! 清欠 storage on SQLite and (with HUIQI_TEST_POSTGRES_URL) PostgreSQL: a complaint registered with
//! its contract and payments, its steps to 销号, refusals that write nothing, and append-only rows.

use chrono::NaiveDate;
use huiqi_arrears::PayerKind;
use huiqi_arrears::workflow::CaseState;
use huiqi_store::Store;
use huiqi_store::arrears::{ArrearsFilter, NewComplaint, NewContract, NewFile, NewStep};
use huiqi_store::testing::each_db;
use rust_decimal::Decimal;

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn contract(no: &str, county: &str, unit: &str) -> NewContract {
    NewContract {
        creditor_uscc: "91341500MA2N0XXX0X".into(),
        creditor_name: "六安市某某机械有限公司".into(),
        debtor_name: "某县交通运输局".into(),
        debtor_uscc: "11341500003000000X".into(),
        debtor_kind: PayerKind::Government,
        supervising_unit: unit.into(),
        county: county.into(),
        contract_no: no.into(),
        contract_date: day("2024-03-01"),
        amount_fen: 100_000_000,
        delivered_on: day("2024-03-10"),
        accepted_on: None,
        acceptance_days: Some(15),
        agreed_days: None,
        agreed_rate: Some(Decimal::new(345, 2)),
        settled_on: None,
        third_party_condition: true,
        regulation: "728".into(),
        start_on: day("2024-03-25"),
        due_on: Some(day("2024-04-24")),
        created_by: "tester".into(),
    }
}

fn step(to: CaseState, on: &str) -> NewStep {
    NewStep {
        to,
        on: day(on),
        unit: "市经信局".into(),
        note: "说明".into(),
        undisputed_fen: None,
        disputed_fen: None,
        payment_fen: None,
        by: "tester".into(),
        files: Vec::new(),
    }
}

#[tokio::test]
async fn a_complaint_from_registration_to_closing() {
    each_db(|db| async move {
        let s = &db.store;
        let complaint = NewComplaint {
            outstanding_fen: 60_000_000,
            description: "货款逾期未付".into(),
            on_behalf: false,
            registered_on: day("2024-06-03"),
            registered_by: "creditor".into(),
            unit: "六安市某某机械有限公司".into(),
            files: Vec::new(),
        };
        let c = contract("HT-2024-001", "341502", "housing_construction");
        let (cid, kid) = s
            .register_complaint(&c, &[(day("2024-05-01"), 40_000_000)], &complaint)
            .await
            .unwrap();
        // The same contract again is refused, and nothing of the second attempt is written.
        let e = s
            .register_complaint(&c, &[], &complaint)
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("已登记"), "{e}");
        let all = s
            .arrears_complaints(&ArrearsFilter::default())
            .await
            .unwrap();
        assert_eq!(all.len(), 1);
        let k = &all[0];
        assert_eq!(
            (k.id, k.contract.id, k.state),
            (kid, cid, CaseState::Complained)
        );
        assert_eq!(k.contract.c, c);
        assert_eq!(k.contract.payments, vec![(day("2024-05-01"), 40_000_000)]);

        // A step the state does not allow is refused.
        let e = s
            .case_step(kid, &step(CaseState::Paid, "2024-06-04"))
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("下一步可为"), "{e}");
        let mut verify = step(CaseState::Verified, "2024-06-05");
        verify.undisputed_fen = Some(50_000_000);
        verify.disputed_fen = Some(10_000_000);
        s.case_step(kid, &verify).await.unwrap();
        // A date before the last step's is refused.
        let e = s
            .case_step(kid, &step(CaseState::Accepted, "2024-06-04"))
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("早于上一步"), "{e}");
        for (to, on) in [
            (CaseState::Accepted, "2024-06-06"),
            (CaseState::HandedOn, "2024-06-07"),
            (CaseState::Advised, "2024-06-20"),
            (CaseState::Interviewed, "2024-07-01"),
            (CaseState::Enforced, "2024-07-05"),
        ] {
            assert_eq!(s.case_step(kid, &step(to, on)).await.unwrap(), to);
        }
        s.add_arrears_payment(cid, day("2024-07-10"), 60_000_000, "tester")
            .await
            .unwrap();
        let e = s
            .add_arrears_payment(cid, day("2024-03-01"), 1, "tester")
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("早于交付日"), "{e}");
        s.case_step(kid, &step(CaseState::Paid, "2024-07-10"))
            .await
            .unwrap();
        s.case_step(kid, &step(CaseState::Closed, "2024-07-12"))
            .await
            .unwrap();
        let e = s
            .case_step(kid, &step(CaseState::Advised, "2024-07-13"))
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("已销号"), "{e}");

        let k = &s
            .arrears_complaints(&ArrearsFilter {
                complaint_id: Some(kid),
                ..Default::default()
            })
            .await
            .unwrap()[0];
        assert_eq!(k.state, CaseState::Closed);
        assert_eq!(k.steps.len(), 9);
        assert_eq!(k.steps[1].undisputed_fen, Some(50_000_000));
        assert_eq!(k.contract.payments.len(), 2);

        // Filters by county, supervising unit and creditor.
        let none = ArrearsFilter {
            county: Some("341503".into()),
            ..Default::default()
        };
        assert!(s.arrears_complaints(&none).await.unwrap().is_empty());
        let unit = ArrearsFilter {
            supervising_unit: Some("housing_construction".into()),
            ..Default::default()
        };
        assert_eq!(s.arrears_contracts(&unit).await.unwrap().len(), 1);
        let other = ArrearsFilter {
            creditor_uscc: Some("X".into()),
            ..Default::default()
        };
        assert!(s.arrears_contracts(&other).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn contracts_in_bulk_and_rows_are_append_only() {
    each_db(|db| async move {
        let s = &db.store;
        let batch = vec![
            (
                contract("A-1", "341502", "finance"),
                vec![(day("2024-04-01"), 100_000_000)],
            ),
            (contract("A-2", "341503", "finance"), vec![]),
        ];
        let ids = s.add_contracts(&batch).await.unwrap();
        assert_eq!(ids.len(), 2);
        // A batch with one bad contract writes none of it.
        let bad = vec![
            (contract("B-1", "341502", "finance"), vec![]),
            (contract("A-1", "341502", "finance"), vec![]),
        ];
        assert!(s.add_contracts(&bad).await.is_err());
        assert_eq!(
            s.arrears_contracts(&ArrearsFilter::default())
                .await
                .unwrap()
                .len(),
            2
        );
        for sql in [
            "UPDATE arrears_contracts SET amount_fen = 1",
            "DELETE FROM arrears_payments",
            "DELETE FROM arrears_contracts",
        ] {
            let e = match s {
                Store::Sqlite(p) => sqlx::query(sql).execute(p).await.err(),
                Store::Postgres(p) => sqlx::query(sql).execute(p).await.err(),
            };
            assert!(e.unwrap().to_string().contains("只能追加"), "{sql}");
        }
    })
    .await;
}

fn pdf(name: &str, body: &[u8]) -> NewFile {
    NewFile {
        file_name: name.into(),
        content_type: "application/pdf".into(),
        bytes: body.to_vec(),
    }
}

/// Evidence given at registration and with a later step is kept in the shared file store: the
/// same bytes twice are stored once; a file over the limit is refused with the step, nothing
/// written.
#[tokio::test]
async fn evidence_files_in_the_shared_store() {
    each_db(|db| async move {
        let s = &db.store;
        let complaint = NewComplaint {
            outstanding_fen: 60_000_000,
            description: "货款逾期未付".into(),
            on_behalf: false,
            registered_on: day("2024-06-03"),
            registered_by: "creditor".into(),
            unit: "六安市某某机械有限公司".into(),
            files: vec![
                pdf("合同.pdf", b"%PDF-1.4 contract"),
                pdf("发票.pdf", b"%PDF-1.4 invoice"),
            ],
        };
        let c = contract("HT-2024-009", "341502", "housing_construction");
        let (_, kid) = s.register_complaint(&c, &[], &complaint).await.unwrap();
        let mut verify = step(CaseState::Verified, "2024-06-05");
        // The same contract bytes again under another name: one copy of the bytes.
        verify.files = vec![pdf("合同（复印件）.pdf", b"%PDF-1.4 contract")];
        s.case_step(kid, &verify).await.unwrap();
        let mut big = step(CaseState::Accepted, "2024-06-06");
        big.files = vec![pdf(
            "录像.pdf",
            &vec![b'%'; huiqi_store::files::MAX_FILE_BYTES + 1],
        )];
        let e = s.case_step(kid, &big).await.unwrap_err().to_string();
        assert!(e.contains("录像.pdf") && e.contains("10 MB"), "{e}");
        let with_steps = s.arrears_files(kid).await.unwrap();
        let names: Vec<(&str, i64)> = with_steps
            .iter()
            .map(|(f, seq)| (f.file_name.as_str(), *seq))
            .collect();
        assert_eq!(
            names,
            [("合同.pdf", 1), ("发票.pdf", 1), ("合同（复印件）.pdf", 2)]
        );
        let files: Vec<_> = with_steps.into_iter().map(|(f, _)| f).collect();
        assert!(files.iter().all(|f| f.owner_id == kid));
        assert_eq!(files[0].sha256, files[2].sha256);
        let (meta, bytes) = s.arrears_file(files[1].id).await.unwrap().unwrap();
        assert_eq!(
            (meta.file_name.as_str(), bytes.as_slice()),
            ("发票.pdf", &b"%PDF-1.4 invoice"[..])
        );
        assert_eq!(meta.size_bytes, 16);
        assert!(s.arrears_file(999_999).await.unwrap().is_none());
        // The refused step wrote nothing: the case is still 核实.
        let k = s
            .arrears_complaints(&ArrearsFilter::default())
            .await
            .unwrap();
        assert_eq!(k[0].state, CaseState::Verified);
        let kept: i64 = match s {
            Store::Sqlite(p) => sqlx::query_scalar("SELECT COUNT(*) FROM files")
                .fetch_one(p)
                .await
                .unwrap(),
            Store::Postgres(p) => sqlx::query_scalar("SELECT COUNT(*) FROM files")
                .fetch_one(p)
                .await
                .unwrap(),
        };
        assert_eq!(kept, 2, "the same bytes are kept once");
    })
    .await;
}
