//! Deliberately broken packs: one per kind of error the loader must catch.
//! Each case takes the built-in pack, breaks one file with a text edit, and
//! asserts the error names the file, the line and the offending id.

use huiqi_policy::{Pack, PackError, PackFiles, builtin, load};

struct Case {
    name: &'static str,
    file: &'static str,
    /// Text to replace (its first occurrence) …
    from: &'static str,
    /// … with this.
    to: &'static str,
    /// The id the error must name.
    id: Option<&'static str>,
    /// The line the error must name (None: no line expected).
    line: Option<usize>,
    /// A fragment of the Chinese message.
    message: &'static str,
}

const CASES: &[Case] = &[
    Case {
        name: "unknown key",
        file: "targets.yaml",
        from: "  value: \"150\"\n",
        to: "  value: \"150\"\n  valeu: \"1\"\n",
        id: Some("new_above_scale_industrial"),
        line: None,
        message: "未知字段 `valeu`",
    },
    Case {
        name: "duplicate target id",
        file: "targets.yaml",
        from: "- id: new_above_scale_services",
        to: "- id: new_above_scale_industrial",
        id: Some("new_above_scale_industrial"),
        line: None,
        message: "重复",
    },
    Case {
        name: "duplicate unit id",
        file: "units.yaml",
        from: "- id: commerce",
        to: "- id: tax",
        id: Some("tax"),
        line: None,
        message: "重复",
    },
    Case {
        name: "target names a unit that does not exist",
        file: "targets.yaml",
        from: "units: [commerce]",
        to: "units: [comerce]",
        id: Some("new_above_quota_trade"),
        line: None,
        message: "责任单位 comerce 在 units.yaml 中不存在",
    },
    Case {
        name: "task names a unit that does not exist",
        file: "tasks.yaml",
        from: "units: [data_resources]",
        to: "units: [data_bureau]",
        id: Some("government_services"),
        line: None,
        message: "责任单位 data_bureau 在 units.yaml 中不存在",
    },
    Case {
        name: "target without an article",
        file: "targets.yaml",
        from: "- id: new_listings\n  article: 1\n",
        to: "- id: new_listings\n",
        id: Some("new_listings"),
        line: None,
        message: "没有注明出处条款",
    },
    Case {
        name: "target citing an article that does not exist",
        file: "targets.yaml",
        from: "- id: new_listings\n  article: 1\n",
        to: "- id: new_listings\n  article: 21\n",
        id: Some("new_listings"),
        line: None,
        message: "第21条不存在",
    },
    Case {
        name: "value without a unit",
        file: "targets.yaml",
        from: "  value: \"245\"\n  unit: 亿元\n",
        to: "  value: \"245\"\n",
        id: Some("new_small_micro_loans"),
        line: None,
        message: "没有单位",
    },
    Case {
        name: "value written as a float",
        file: "targets.yaml",
        from: "  value: \"1.3\"\n",
        to: "  value: 1.3\n",
        id: Some("tech_sme_rd_ratio"),
        line: None,
        message: "浮点数",
    },
    Case {
        name: "unknown unit symbol",
        file: "targets.yaml",
        from: "  unit: 场\n",
        to: "  unit: 次\n",
        id: Some("entrepreneur_trainings"),
        line: None,
        message: "不在允许范围内",
    },
    Case {
        name: "duplicate article number",
        file: "articles.yaml",
        from: "- number: 19\n",
        to: "- number: 18\n",
        id: Some("18"),
        line: None,
        message: "条款编号 18 重复",
    },
    Case {
        name: "YAML syntax error",
        file: "units.yaml",
        from: "- id: finance\n  name: 市财政局\n",
        to: "- id: finance\n   name: 市财政局\n",
        id: Some("finance"),
        line: None,
        message: "YAML",
    },
];

fn pristine() -> PackFiles {
    builtin::files(builtin::DEFAULT).expect("built-in pack")
}

fn broken(case: &Case) -> PackFiles {
    let mut files = pristine();
    let text = files.files.get_mut(case.file).expect("file of the pack");
    assert!(
        text.contains(case.from),
        "case “{}”: the text to break is not in {}",
        case.name,
        case.file
    );
    *text = text.replacen(case.from, case.to, 1);
    files
}

fn line_of(files: &PackFiles, file: &str, needle: &str) -> usize {
    files.files[file]
        .lines()
        .position(|l| l.contains(needle))
        .map(|i| i + 1)
        .expect("needle in file")
}

#[test]
fn the_builtin_pack_is_valid() {
    let pack = builtin::default_pack().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(pack.articles.len(), 19);
    assert_eq!(pack.targets.len(), 16);
    assert_eq!(pack.jurisdictions.len(), 8);
    // 15 units named in 责任单位 clauses, plus the working-group office of article 16.
    assert_eq!(pack.units.len(), 16);
}

#[test]
fn every_broken_pack_is_refused_with_file_line_and_id() {
    for case in CASES {
        let files = broken(case);
        let errors = match load(&files) {
            Ok(_) => panic!("case “{}”: a broken pack loaded", case.name),
            Err(e) => e.0,
        };
        let hit: Option<&PackError> = errors.iter().find(|e| e.message.contains(case.message));
        let Some(e) = hit else {
            panic!(
                "case “{}”: no error says “{}”; got:\n{:#?}",
                case.name, case.message, errors
            )
        };
        assert!(
            e.file.ends_with(case.file),
            "case “{}”: error names file {}, expected {}",
            case.name,
            e.file,
            case.file
        );
        assert_eq!(
            e.id.as_deref(),
            case.id,
            "case “{}”: wrong id in {e}",
            case.name
        );
        assert!(e.line.is_some(), "case “{}”: no line in {e}", case.name);
        if let Some(line) = case.line {
            assert_eq!(e.line, Some(line), "case “{}”", case.name);
        }
        // The rendered message carries all three for the person reading it.
        let shown = e.to_string();
        assert!(
            shown.contains(case.file) && shown.contains('行'),
            "case “{}”: {shown}",
            case.name
        );
        if let Some(id) = case.id {
            assert!(shown.contains(id), "case “{}”: {shown}", case.name);
        }
    }
}

#[test]
fn errors_point_at_the_offending_line() {
    // The unit reference error points at the id line of the target that makes it.
    let case = CASES
        .iter()
        .find(|c| c.name.starts_with("target names a unit"))
        .unwrap();
    let files = broken(case);
    let errors = load(&files).unwrap_err().0;
    let expected = line_of(&files, "targets.yaml", "- id: new_above_quota_trade");
    assert_eq!(errors[0].line, Some(expected));

    // A duplicate id is reported at its second occurrence, the one to fix.
    let case = CASES
        .iter()
        .find(|c| c.name == "duplicate target id")
        .unwrap();
    let files = broken(case);
    let errors = load(&files).unwrap_err().0;
    let second = files.files["targets.yaml"]
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("- id: new_above_scale_industrial"))
        .nth(1)
        .map(|(i, _)| i + 1);
    assert_eq!(errors[0].line, second);
}

#[test]
fn all_errors_are_reported_at_once() {
    let mut files = pristine();
    let t = files.files.get_mut("targets.yaml").unwrap();
    *t = t
        .replacen("units: [commerce]", "units: [nobody]", 1)
        .replacen("units: [housing_construction]", "units: [nobody_else]", 1);
    let errors = load(&files).unwrap_err().0;
    assert_eq!(errors.len(), 2, "{errors:#?}");
}

#[test]
fn missing_and_unknown_files_are_named() {
    let mut files = pristine();
    files.files.remove("tasks.yaml");
    files.files.insert("extra.yaml".into(), "[]".into());
    let errors = load(&files).unwrap_err().0;
    assert!(
        errors
            .iter()
            .any(|e| e.file.ends_with("tasks.yaml") && e.message.contains("缺少文件"))
    );
    assert!(
        errors
            .iter()
            .any(|e| e.file.ends_with("extra.yaml") && e.message.contains("未知文件"))
    );
}

#[test]
fn a_pack_folder_on_disk_loads_and_a_broken_one_names_its_path() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in &pristine().files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let pack = Pack::load_dir(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(pack.manifest.version, "draft-2023");

    let targets = dir.path().join("targets.yaml");
    let text = std::fs::read_to_string(&targets).unwrap();
    std::fs::write(&targets, text.replacen("unit: 户", "unit: 个", 1)).unwrap();
    let errors = Pack::load_dir(dir.path()).unwrap_err();
    let shown = errors.to_string();
    assert!(shown.contains(&targets.display().to_string()), "{shown}");
    assert!(shown.contains("new_taxpaying_entities"), "{shown}");
}

#[test]
fn the_sixteen_targets_carry_the_values_and_units_of_the_text() {
    let pack = builtin::default_pack().unwrap();
    let expect = [
        ("new_taxpaying_entities", "15000", "户"),
        ("new_above_scale_industrial", "150", "家"),
        ("new_above_scale_services", "40", "家"),
        ("new_above_quota_trade", "100", "家"),
        ("new_qualified_construction", "35", "家"),
        ("new_listings", "20", "家"),
        ("new_tech_smes", "100", "家"),
        ("new_innovative_smes", "50", "户"),
        ("new_provincial_zjtx", "30", "户"),
        ("tech_sme_rd_ratio", "1.3", "%"),
        ("tech_sme_researcher_ratio", "8", "%"),
        ("new_small_micro_loans", "245", "亿元"),
        ("first_loan_accounts", "1500", "户"),
        ("first_loan_amount", "24", "亿元"),
        ("entrepreneur_trainings", "20", "场"),
        ("entrepreneur_trainees", "2000", "人次"),
    ];
    assert_eq!(pack.targets.len(), expect.len());
    for (id, value, unit) in expect {
        let t = pack.target(id).unwrap_or_else(|| panic!("target {id}"));
        assert_eq!(t.value.to_string(), value, "{id}");
        assert_eq!(t.unit().symbol(), unit, "{id}");
        // Every quote is a passage of its article's text.
        let article = pack.article(t.article()).unwrap();
        let first_words: String = t.quote.chars().take(6).collect();
        assert!(
            article.text.contains(&first_words),
            "{id}: quote not in article {}",
            article.number
        );
    }
}
