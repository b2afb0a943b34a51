//! The targets the registry computes where it has the data ([`COMPUTED_TARGETS`]): which
//! [`Figure`] each one is, in which unit, over which window, and how that reads in a 调度表 row's
//! reason. The store has the SQL of each figure; the application joins the two.

use huiqi_domain::figures::Figure;
use huiqi_domain::lists::CertKind;
use rust_decimal::Decimal;

/// A target whose value the registry computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ComputedTarget {
    /// The target id of the policy pack.
    pub target: &'static str,
    pub figure: Figure,
    /// The target's unit (a test checks it against the pack): amounts are converted to it.
    pub unit: &'static str,
    /// Counted from the policy's first year (累计) instead of within the period's year.
    pub cumulative: bool,
}

const fn computed(
    target: &'static str,
    figure: Figure,
    unit: &'static str,
    cumulative: bool,
) -> ComputedTarget {
    ComputedTarget {
        target,
        figure,
        unit,
        cumulative,
    }
}

/// Every target the registry computes where it has the data, and from what.
pub const COMPUTED_TARGETS: [ComputedTarget; 9] = [
    computed("new_taxpaying_entities", Figure::Registrations, "户", false),
    computed(
        "new_tech_smes",
        Figure::Certifications(CertKind::TechSme),
        "家",
        false,
    ),
    computed(
        "new_innovative_smes",
        Figure::Certifications(CertKind::InnovativeSme),
        "户",
        false,
    ),
    computed(
        "new_provincial_zjtx",
        Figure::Certifications(CertKind::ProvincialZjtx),
        "户",
        false,
    ),
    computed("new_small_micro_loans", Figure::NewLoans, "亿元", false),
    computed("first_loan_accounts", Figure::FirstLoanAccounts, "户", true),
    computed("first_loan_amount", Figure::FirstLoanAmount, "亿元", true),
    computed(
        "entrepreneur_trainings",
        Figure::TrainingSessions,
        "场",
        false,
    ),
    computed("entrepreneur_trainees", Figure::Trainees, "人次", false),
];

/// Whom the finance figures count: the targets are about 小微企业.
const SMALL_MICRO: &str =
    "仅计小型、微型企业（规模按该年度最新一次匹配批次的划型；未经匹配划型的企业不计）";

/// How a figure's value was computed over `window` (`2023-01-01 至 2023-06-30`, `2023 年度`), for
/// the reason of the 调度表 row.
pub fn how(figure: Figure, window: &str) -> String {
    match figure {
        Figure::Registrations => {
            format!("企业库中 {window} 新登记的经营主体数（市场监管登记信息）")
        }
        Figure::Certifications(kind) => format!(
            "科技局、经信局认定名单中 {window} 认定的{}数，按企业在企业库中的所属辖区",
            kind.label()
        ),
        Figure::TrainingSessions => {
            format!("人社局、经信局企业家培训台账中 {window} 举办的培训场次数")
        }
        Figure::Trainees => {
            format!(
                "人社局、经信局企业家培训台账中 {window} 各场培训参训的企业家和企业高管人次之和"
            )
        }
        Figure::NewLoans => format!(
            "金融部门数据中 {window}各企业“本年新增贷款”之和，折算为亿元（按辖区四舍五入到万元）；{SMALL_MICRO}"
        ),
        Figure::FirstLoanAccounts => {
            format!("金融部门数据中 {window}标为首贷户的户数；{SMALL_MICRO}")
        }
        Figure::FirstLoanAmount => format!(
            "金融部门数据中 {window}首贷户“本年新增贷款”之和，折算为亿元（按辖区四舍五入到万元）；{SMALL_MICRO}"
        ),
    }
}

/// A figure's stored number in the target's unit: a count as it is, fen as 亿元 (10^10 fen) to
/// the 万元 (four decimals).
pub fn in_target_unit(figure: Figure, n: i64) -> Decimal {
    if figure.is_money() {
        Decimal::new(n, 10).round_dp(4).normalize()
    } else {
        Decimal::from(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn computed_targets_exist_in_the_pack_with_their_unit_and_period() {
        let pack = huiqi_policy::builtin::default_pack().unwrap();
        let mut seen = std::collections::BTreeSet::new();
        for c in COMPUTED_TARGETS {
            let t = pack
                .target(c.target)
                .unwrap_or_else(|| panic!("{} is not a target of the pack", c.target));
            assert_eq!(t.unit().symbol(), c.unit, "{}", c.target);
            assert_eq!(
                matches!(t.period, huiqi_policy::Period::Cumulative { .. }),
                c.cumulative,
                "{}",
                c.target
            );
            assert!(seen.insert(c.target), "{} twice", c.target);
        }
    }

    #[test]
    fn fen_become_yi_yuan_to_the_wan_yuan() {
        assert_eq!(
            in_target_unit(Figure::NewLoans, 1_234_560_000).to_string(),
            "0.1235"
        );
        assert_eq!(in_target_unit(Figure::Trainees, 125), Decimal::from(125));
    }
}
