//! Runs every YAML case of the built-in national pack; any mismatch fails.

use huiqi_rules::{Rules, cases};

#[test]
fn every_yaml_case_passes() {
    let rules = Rules::builtin();
    assert!(
        rules.tests.len() >= 7,
        "test files: {:?}",
        rules.tests.iter().map(|t| &t.0).collect::<Vec<_>>()
    );
    let report = cases::run(&rules);
    assert!(
        report.failures.is_empty(),
        "{} failed:\n{}",
        report.failures.len(),
        report.failures.join("\n")
    );
    assert!(report.passed >= 100, "only {} cases ran", report.passed);
}

#[test]
fn a_wrong_expectation_is_caught() {
    let mut rules = Rules::builtin();
    rules.tests = vec![(
        "inline.yaml".into(),
        r#"- { name: wrong, at: 2024-12-31, facts: { kind: individual_business, business_income: "80000", other_iit_relief: "2000" }, expect: { iit_business_relief: "2250.01" } }"#.into(),
    )];
    let report = cases::run(&rules);
    assert_eq!(report.passed, 0);
    assert!(
        report.failures[0].contains("应为 2250.01，实为 2250.00"),
        "{:?}",
        report.failures
    );
}

#[test]
fn measures_name_units_tasks_and_articles_of_the_city_pack() {
    let rules = Rules::builtin();
    let pack = huiqi_policy::builtin::default_pack().unwrap();
    for d in huiqi_rules::MEASURES {
        for u in d.units {
            assert!(pack.unit(u).is_some(), "{}: unit {u}", d.id);
        }
    }
    for m in &rules.measures {
        assert!(
            pack.article(m.city_article).is_some(),
            "{}: article {}",
            m.id,
            m.city_article
        );
        for t in &m.city_tasks {
            let task = pack.tasks.iter().find(|x| &x.id == t);
            assert!(task.is_some(), "{}: task {t}", m.id);
        }
    }
}

#[test]
fn measures_yaml_must_follow_the_measure_table() {
    let mut files: std::collections::BTreeMap<String, String> = huiqi_policy::builtin::tree("cn")
        .into_iter()
        .map(|(k, v)| (k, v.to_string()))
        .collect();
    let yaml = files["measures.yaml"].replace("- id: vat_relief", "- id: vat_relief_2025");
    files.insert("measures.yaml".into(), yaml);
    let e = Rules::from_files("cn", &files).unwrap_err().to_string();
    assert!(
        e.contains("cn/measures.yaml") && e.contains("措施表") && e.contains("vat_relief_2025"),
        "{e}"
    );
}
