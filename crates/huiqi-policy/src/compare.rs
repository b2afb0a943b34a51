//! Two versions of one policy compared target by target (ids are stable
//! across versions, so a target is the same target when its id is).

use crate::{Pack, Target};

/// How one target differs between two versions.
#[derive(Debug, Clone)]
pub enum TargetChange<'a> {
    Added(&'a Target),
    Removed(&'a Target),
    /// The same id with some fields changed: (field, old, new) in Chinese labels.
    Changed {
        old: &'a Target,
        new: &'a Target,
        fields: Vec<(&'static str, String, String)>,
    },
}

impl TargetChange<'_> {
    pub fn id(&self) -> &str {
        match self {
            TargetChange::Added(t) | TargetChange::Removed(t) => &t.id,
            TargetChange::Changed { new, .. } => &new.id,
        }
    }
}

/// Compares two versions of the same policy. Refuses packs of different policies.
/// Two packs that cannot be compared (not versions of one policy).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CompareError(pub String);

pub fn compare<'a>(old: &'a Pack, new: &'a Pack) -> Result<Vec<TargetChange<'a>>, CompareError> {
    if old.manifest.id != new.manifest.id {
        return Err(CompareError(format!(
            "只能比较同一政策的不同版本：{} 与 {} 不是同一政策",
            old.manifest.id, new.manifest.id
        )));
    }
    let mut changes = Vec::new();
    for o in &old.targets {
        match new.target(&o.id) {
            None => changes.push(TargetChange::Removed(o)),
            Some(n) => {
                let fields = diff(old, o, new, n);
                if !fields.is_empty() {
                    changes.push(TargetChange::Changed {
                        old: o,
                        new: n,
                        fields,
                    });
                }
            }
        }
    }
    changes.extend(
        new.targets
            .iter()
            .filter(|n| old.target(&n.id).is_none())
            .map(TargetChange::Added),
    );
    Ok(changes)
}

fn diff(
    old_pack: &Pack,
    o: &Target,
    new_pack: &Pack,
    n: &Target,
) -> Vec<(&'static str, String, String)> {
    let mut fields = Vec::new();
    let mut field = |name: &'static str, a: String, b: String| {
        if a != b {
            fields.push((name, a, b));
        }
    };
    field("指标", o.indicator.clone(), n.indicator.clone());
    field(
        "目标值",
        format!("{} {}{}", o.comparison.symbol(), o.value, o.unit().symbol()),
        format!("{} {}{}", n.comparison.symbol(), n.value, n.unit().symbol()),
    );
    field("期限", o.period.label(), n.period.label());
    field(
        "责任单位",
        old_pack.unit_names(&o.units),
        new_pack.unit_names(&n.units),
    );
    field("条", o.article().to_string(), n.article().to_string());
    fields
}
