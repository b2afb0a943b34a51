//! The `huiqi policy` commands as a user runs them.

mod common;
use common::huiqi;

#[test]
fn check_passes_on_the_builtin_pack() {
    let out = huiqi(&["policy", "check"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("校验通过"));
}

#[test]
fn targets_json_has_the_sixteen_targets() {
    let out = huiqi(&["policy", "targets", "--format", "json"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 16);
    let loans = rows
        .iter()
        .find(|r| r["id"] == "new_small_micro_loans")
        .unwrap();
    assert_eq!(loans["value"], "245");
    assert_eq!(loans["unit"], "亿元");
    assert_eq!(loans["article"], 3);
    assert_eq!(loans["period"], "added_by");
    assert_eq!(
        loans["units"],
        serde_json::json!(["local_finance", "nfra_luan"])
    );
    for r in rows {
        for key in [
            "id",
            "article",
            "indicator",
            "value",
            "unit",
            "period",
            "units",
        ] {
            assert!(!r[key].is_null(), "{key} missing in {r}");
        }
        assert!(
            r["value"].is_string(),
            "value must be a decimal string: {r}"
        );
    }
}

#[test]
fn check_fails_on_a_broken_folder_and_names_file_and_id() {
    let dir = tempfile::tempdir().unwrap();
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/../../policies/luan-2023");
    for entry in std::fs::read_dir(src).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
        }
    }
    let targets = dir.path().join("targets.yaml");
    let text = std::fs::read_to_string(&targets).unwrap();
    std::fs::write(
        &targets,
        text.replacen("units: [commerce]", "units: [nobody]", 1),
    )
    .unwrap();
    let out = huiqi(&["policy", "check", dir.path().to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("targets.yaml")
            && err.contains("new_above_quota_trade")
            && err.contains("nobody"),
        "{err}"
    );
}

#[test]
fn show_and_csv_work_and_a_missing_article_is_an_error() {
    let out = huiqi(&["policy", "show", "--article", "14"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("保障中小企业款项支付条例"));
    let out = huiqi(&["policy", "show", "--article", "99"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("没有第99条"));
    let out = huiqi(&["policy", "targets", "--format", "csv"]);
    let csv = String::from_utf8_lossy(&out.stdout);
    assert_eq!(csv.lines().count(), 17);
    assert!(
        csv.lines()
            .any(|l| l.starts_with("tech_sme_rd_ratio,2,")
                && l.contains(",1.3,%,by_date,2023-12-31,"))
    );
}

/// `policy check` also checks the pack's assess/ folder: the supervision rules and the assessment
/// schemes, naming file, line and id.
#[test]
fn check_covers_the_assessment_scheme_and_supervision_rules() {
    let out = huiqi(&["policy", "check"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("督办规则") && stdout.contains("考核方案"),
        "{stdout}"
    );

    let dir = tempfile::tempdir().unwrap();
    let src = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../policies/luan-2023"
    ));
    std::fs::create_dir(dir.path().join("assess")).unwrap();
    for sub in ["", "assess"] {
        for entry in std::fs::read_dir(src.join(sub)).unwrap() {
            let p = entry.unwrap().path();
            if p.is_file() {
                std::fs::copy(&p, dir.path().join(sub).join(p.file_name().unwrap())).unwrap();
            }
        }
    }
    let scheme = dir.path().join("assess/scheme-2023.yaml");
    let text = std::fs::read_to_string(&scheme).unwrap();
    std::fs::write(
        &scheme,
        text.replacen(
            "weight: \"15\"\n    rule: { kind: rate",
            "weight: 15.5\n    rule: { kind: rate",
            1,
        ),
    )
    .unwrap();
    std::fs::write(dir.path().join("assess/notes.yaml"), "a: 1\n").unwrap();
    let out = huiqi(&["policy", "check", dir.path().to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("scheme-2023.yaml 第")
            && err.contains("[task_reports]")
            && err.contains("浮点数"),
        "{err}"
    );
    assert!(err.contains("未知文件 notes.yaml"), "{err}");
}
