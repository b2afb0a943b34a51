//! Runs every YAML case of the built-in standards; any mismatch fails.

use huiqi_cultivate::{Standard, Standards, cases};

#[test]
fn every_yaml_case_passes() {
    let standards = Standards::builtin();
    let files = cases::builtin_files();
    assert_eq!(
        files.len(),
        3,
        "{:?}",
        files.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    let report = cases::run(&standards, &files);
    assert!(
        report.failures.is_empty(),
        "{} failed:\n{}",
        report.failures.len(),
        report.failures.join("\n")
    );
    assert!(report.passed >= 200, "only {} cases ran", report.passed);
}

#[test]
fn a_wrong_expectation_is_caught() {
    let standards = Standards::builtin();
    let text = r#"- { name: wrong, standard: tech_sme, at: 2024-06-30, input: { ip_class2: 3 }, expect: { parts: { ip: 24 } } }"#;
    let report = cases::run(&standards, &[("inline.yaml".into(), text)]);
    assert_eq!(report.passed, 0);
    assert!(
        report.failures[0].contains("parts.ip 应为 24，实为 Some(18)"),
        "{:?}",
        report.failures
    );
}

#[test]
fn every_band_edge_of_the_data_has_a_case() {
    // A case exactly at a band's threshold is tagged `[table@threshold]` in its name (the cases
    // are written from the reference); every threshold of every table of every version needs one.
    let standards = Standards::builtin();
    let files = cases::builtin_files();
    let mut missing = Vec::new();
    for v in &standards.versions {
        let text = files
            .iter()
            .find(|f| f.0.ends_with(&format!("{}.yaml", v.standard.as_str())))
            .map(|f| f.1)
            .unwrap_or_default();
        for t in &v.bands {
            for b in t.at_least.iter().chain(&t.below) {
                let tag = format!("[{}@{}]", t.id, b.from.normalize());
                if !text.contains(&tag) {
                    missing.push(format!("{} {} {tag}", v.standard.as_str(), v.version));
                }
            }
        }
    }
    assert!(missing.is_empty(), "band edges without a case: {missing:?}");
}

#[test]
fn no_version_before_the_first_document() {
    let standards = Standards::builtin();
    let at = chrono::NaiveDate::from_ymd_opt(2022, 5, 31).unwrap();
    let e = huiqi_cultivate::score(
        &standards,
        Standard::InnovativeSme,
        at,
        &Default::default(),
        false,
    )
    .unwrap_err();
    assert!(e.to_string().contains("没有有效的版本"), "{e}");
}

#[test]
fn bad_data_is_refused_with_its_place() {
    let base = huiqi_cultivate::data::builtin_file("standards.yaml")
        .unwrap()
        .1;
    let e = Standards::load(
        "x.yaml",
        &base.replacen(
            "- { from: \"0.25\", points: 16 }",
            "- { from: \"0.35\", points: 16 }",
            1,
        ),
    )
    .unwrap_err();
    assert!(e.to_string().contains("tech_staff_share"), "{e}");
    let e = Standards::load(
        "x.yaml",
        &base.replacen("id: max_sales", "id: max_salez", 1),
    )
    .unwrap_err();
    assert!(e.to_string().contains("缺少参数 max_sales"), "{e}");
    let e = Standards::load(
        "x.yaml",
        &base.replacen("until: 2026-03-31", "until: 2026-04-01", 1),
    )
    .unwrap_err();
    assert!(e.to_string().contains("日期重叠"), "{e}");
    let e = Standards::load(
        "x.yaml",
        &base.replacen("value: \"500\"", "value: 500.5", 1),
    )
    .unwrap_err();
    assert!(e.to_string().contains("x.yaml"), "{e}");
}

#[test]
fn bad_input_names_the_field() {
    let e = huiqi_cultivate::Profile::from_json(r#"{"employes": 3}"#).unwrap_err();
    assert!(e.to_string().contains("不认识的字段 `employes`"), "{e}");
    let e = huiqi_cultivate::Profile::from_json(r#"{"rd_expense": 1.5}"#).unwrap_err();
    assert!(e.to_string().contains("第 1 行"), "{e}");
}

#[test]
fn trace_cites_documents_and_says_pending() {
    let standards = Standards::builtin();
    let at = chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
    let o =
        huiqi_cultivate::score(&standards, Standard::Zjtx, at, &Default::default(), true).unwrap();
    let t = o.trace.unwrap().join("\n");
    assert!(
        t.contains("工信部企业〔2026〕2号") && t.contains("待核实"),
        "{t}"
    );
    assert_eq!(o.version, "2026（待核实）");
}
