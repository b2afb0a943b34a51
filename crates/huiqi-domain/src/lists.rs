//! Lists a department keeps outside the per-enterprise registry columns (issue 7, 日常调度):
//! `certifications` (科技局/经信局 认定名单: one row per enterprise and kind of certification) and
//! `trainings` (人社局/经信局 企业家培训台账 of article 8 — 企业家分类短训, 新徽商培训 for
//! entrepreneurs and executives, not article 4's 创业培训: one row per session, not keyed by
//! enterprise). Their
//! rows feed the targets the registry can compute (新增科技型中小企业, 开展企业家培训, …).

use chrono::NaiveDate;

use crate::Uscc;
use crate::registry::{Column, FieldType, USCC_COLUMN, col};

crate::vocabulary! {
    /// A list that can be imported.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum ListSource {
        /// 科技局/经信局：认定名单
        Certifications = ("certifications", "科技局/经信局（认定名单）"),
        /// 人社局/经信局：企业家培训台账（第8条：企业家分类短训、新徽商培训，培训企业家和企业高管）
        Trainings = ("trainings", "人社局/经信局（企业家培训台账）"),
    }
}

impl ListSource {
    /// Every column of the file, in template order (the first is the key).
    pub fn columns(self) -> &'static [Column] {
        match self {
            ListSource::Certifications => &CERTIFICATION_COLUMNS,
            ListSource::Trainings => &TRAINING_COLUMNS,
        }
    }

    /// Whether an empty cell is allowed in the column at `index` of [`ListSource::columns`].
    pub fn optional(self, index: usize) -> bool {
        matches!(
            (self, index),
            (ListSource::Certifications, 3) | (ListSource::Trainings, 4)
        )
    }

    /// What one row is, for messages (“每户企业每种认定一行”).
    pub fn row_rule(self) -> &'static str {
        match self {
            ListSource::Certifications => "每户企业每种认定一行",
            ListSource::Trainings => "每场培训一行，场次编号不得重复",
        }
    }
}

/// 认定名单: uscc, kind, certified_on, certificate_no (optional).
pub const CERTIFICATION_COLUMNS: [Column; 4] = [
    USCC_COLUMN,
    col("kind", "认定类型", FieldType::CertKind),
    col("certified_on", "认定日期", FieldType::Date),
    col("certificate_no", "证书编号", FieldType::Text),
];

/// 培训台账: session_id, held_on, county, title, organiser (optional), attendees.
pub const TRAINING_COLUMNS: [Column; 6] = [
    col("session_id", "场次编号", FieldType::Text),
    col("held_on", "日期", FieldType::Date),
    col("county", "辖区", FieldType::County),
    col("title", "培训名称", FieldType::Name),
    col("organiser", "主办单位", FieldType::Text),
    col("attendees", "参训人数", FieldType::Count),
];

crate::vocabulary! {
    /// A kind of certification (认定类型).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum CertKind {
        /// 科技型中小企业
        TechSme = ("tech_sme", "科技型中小企业"),
        /// 创新型中小企业
        InnovativeSme = ("innovative_sme", "创新型中小企业"),
        /// 省级专精特新（中小企业）
        ProvincialZjtx = ("provincial_zjtx", "省级专精特新"),
    }
}

impl CertKind {
    /// The English id or the Chinese name (also 省级专精特新中小企业).
    pub fn parse_text(text: &str) -> Option<CertKind> {
        match text.trim() {
            "省级专精特新中小企业" => Some(CertKind::ProvincialZjtx),
            t => CertKind::parse_any(t),
        }
    }

    /// The accepted values, for messages.
    pub fn describe() -> String {
        CertKind::ids()
    }
}

/// One validated row of a certifications file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certification {
    /// The row number in the file (header = 1), for messages.
    pub row: u64,
    pub uscc: Uscc,
    pub kind: CertKind,
    pub certified_on: NaiveDate,
    pub certificate_no: Option<String>,
}

/// One validated row of a trainings register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainingSession {
    pub row: u64,
    pub session_id: String,
    pub held_on: NaiveDate,
    /// A jurisdiction id of the policy pack.
    pub county: String,
    pub title: String,
    pub organiser: Option<String>,
    pub attendees: i64,
}

/// The rows of a list file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListRows {
    Certifications(Vec<Certification>),
    Trainings(Vec<TrainingSession>),
}

impl ListRows {
    /// No rows of `list`.
    pub fn empty(list: ListSource) -> ListRows {
        match list {
            ListSource::Certifications => ListRows::Certifications(Vec::new()),
            ListSource::Trainings => ListRows::Trainings(Vec::new()),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            ListRows::Certifications(v) => v.len(),
            ListRows::Trainings(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn source(&self) -> ListSource {
        match self {
            ListRows::Certifications(_) => ListSource::Certifications,
            ListRows::Trainings(_) => ListSource::Trainings,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_in_both_languages() {
        for k in CertKind::ALL {
            assert_eq!(CertKind::parse_text(k.as_str()), Some(*k));
            assert_eq!(CertKind::parse_text(&format!(" {} ", k.label())), Some(*k));
        }
        assert_eq!(
            CertKind::parse_text("省级专精特新中小企业"),
            Some(CertKind::ProvincialZjtx)
        );
        assert_eq!(CertKind::parse_text("高新技术企业"), None);
    }

    #[test]
    fn headers_are_unique_within_a_list() {
        for s in ListSource::ALL.iter().copied() {
            let mut seen = std::collections::HashSet::new();
            for c in s.columns() {
                assert!(seen.insert(c.name), "{s}: {}", c.name);
                assert!(seen.insert(c.zh), "{s}: {}", c.zh);
            }
        }
    }
}
