//! The draft and the adopted text, loaded side by side and compared by target id.

use huiqi_policy::{TargetChange, builtin, compare, load};

fn pack(name: &str) -> huiqi_policy::Pack {
    load(&builtin::files(name).unwrap()).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn draft_and_adopted_compare_target_by_target() {
    let (draft, adopted) = (pack("luan-2023"), pack("luan-2023-adopted"));
    assert_eq!(draft.manifest.id, adopted.manifest.id);
    assert_ne!(draft.manifest.version, adopted.manifest.version);
    let changes = compare(&draft, &adopted).unwrap();
    let ids: Vec<&str> = changes.iter().map(|c| c.id()).collect();
    assert_eq!(
        ids,
        [
            "new_taxpaying_entities",
            "new_qualified_construction",
            "new_innovative_smes",
            "tech_sme_rd_ratio",
            "tech_sme_researcher_ratio",
            "new_small_micro_loans",
            "first_loan_accounts",
            "first_loan_amount",
            "new_high_tech_enterprises",
        ]
    );
    assert!(matches!(changes[2], TargetChange::Removed(_)));
    assert!(matches!(changes[8], TargetChange::Added(t) if t.value.to_string() == "70"));
    let TargetChange::Changed { fields, .. } = &changes[0] else {
        panic!()
    };
    assert_eq!(
        fields,
        &[("目标值", "≥ 15000户".to_string(), "≥ 14000户".to_string())]
    );
    // A pack compared with itself has no changes.
    assert!(compare(&draft, &draft).unwrap().is_empty());
}

#[test]
fn packs_of_different_policies_are_not_compared() {
    let draft = pack("luan-2023");
    let mut other = draft.clone();
    other.manifest.id = "hefei-2024".into();
    assert!(compare(&draft, &other).unwrap_err().0.contains("同一政策"));
}
