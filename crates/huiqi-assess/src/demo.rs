//! Believable, deterministic demo data for 督办与考核: a year of task reports (most on time, one
//! jurisdiction often late, one that skips periods, a few 滞后), article 18's cases, the 督办单 the
//! working group would send, and a spending ledger for the awards (plus own-funded support where
//! there is no award). Pure: the caller writes it to the store.

use chrono::{Days, NaiveDate};
use huiqi_policy::Pack;
use rust_decimal::Decimal;

use crate::funds::Purpose;
use crate::money::{from_fen, to_fen};
use crate::supervision::{
    BoardRow, Colour, CyclePeriod, Line, ReportKind, ReportStatus, SupervisionConfig,
};

/// A report to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoReport {
    pub line: Line,
    pub period: CyclePeriod,
    pub kind: ReportKind,
    pub status: ReportStatus,
    pub title: String,
    pub progress: String,
    pub measures: String,
    pub figures: String,
    pub reporter: String,
    pub reported_on: NaiveDate,
}

/// A small deterministic hash of indexes (SplitMix64 finaliser).
fn mix(parts: &[u64]) -> u64 {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for p in parts {
        x ^= p.wrapping_add(0x9E37_79B9_7F4A_7C15).wrapping_add(x << 6);
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^= x >> 31;
    }
    x
}

/// Who writes a line's reports: the jurisdiction's counterpart of the unit (金安区 + 市税务局 →
/// 金安区税务局), or the jurisdiction's government for its own lines.
pub fn reporter(pack: &Pack, line: &Line) -> String {
    let Some(j) = pack.jurisdiction(&line.jurisdiction) else {
        return line.jurisdiction.clone();
    };
    match line.unit.as_deref().and_then(|u| pack.unit(u)) {
        None => j.government.clone(),
        Some(u) => {
            let short = u.name.strip_prefix('市').unwrap_or(&u.name);
            format!("{}{}", j.name, short)
        }
    }
}

/// Every progress report of `year` for every line whose period is due by `upto`, plus three
/// 典型案例/经验做法 under article 18's task.
pub fn reports(
    config: &SupervisionConfig,
    pack: &Pack,
    year: i32,
    upto: NaiveDate,
) -> Vec<DemoReport> {
    let mut out = Vec::new();
    let lines = config.lines(pack);
    for line in &lines {
        let ji = pack
            .jurisdictions
            .iter()
            .position(|j| j.id == line.jurisdiction)
            .unwrap_or(0) as u64;
        let ti = pack
            .tasks
            .iter()
            .position(|t| t.id == line.task)
            .unwrap_or(0) as u64;
        let ui = line
            .unit
            .as_deref()
            .and_then(|u| pack.units.iter().position(|x| x.id == u))
            .map_or(99, |i| i as u64);
        let task = pack.tasks.iter().find(|t| t.id == line.task);
        let title = task.map_or(line.task.as_str(), |t| t.title.as_str());
        for period in config.due_periods(&line.task, year, upto) {
            let h = mix(&[ji, ti, ui, period.index as u64, year as u64]);
            let due = period.due(config.due_days);
            // 舒城县 (index 4) skips about one period in six; others report.
            if ji == 4 && h.is_multiple_of(6) {
                continue;
            }
            let days_before = (h >> 8) % 6;
            let reported_on = match ji {
                // 金寨县 often reports 5–12 days late (yellow), sometimes on time.
                5 if !h.is_multiple_of(3) => due + Days::new(5 + (h >> 12) % 8),
                // 霍邱县 now and then 1–3 days late.
                3 if h.is_multiple_of(5) => due + Days::new(1 + (h >> 12) % 3),
                // 开发区: once in a while very late (red).
                7 if h.is_multiple_of(11) => due + Days::new(18 + (h >> 12) % 5),
                _ => due - Days::new(days_before),
            };
            let last = period.index == period.cycle.per_year();
            let status = match (h >> 16) % 100 {
                0..=6 => ReportStatus::Lagging,
                7..=9 if period.index == 1 => ReportStatus::NotStarted,
                _ if last && (h >> 24).is_multiple_of(2) => ReportStatus::Done,
                _ => ReportStatus::InProgress,
            };
            let (visits, solved, meetings) =
                (8 + (h >> 20) % 40, 1 + (h >> 28) % 9, 1 + (h >> 32) % 3);
            let progress = match status {
                ReportStatus::Lagging => format!(
                    "围绕“{title}”，{}进度落后于计划：走访企业 {visits} 户，协调解决问题 {solved} 个；主要困难是项目资金和人员不足，已报请协调。",
                    period.label()
                ),
                ReportStatus::NotStarted => format!(
                    "“{title}”{}尚在制定实施方案，已完成前期调研。",
                    period.label()
                ),
                ReportStatus::Done => format!(
                    "“{title}”年度任务已完成：全年走访企业 {} 户，协调解决问题 {} 个。",
                    visits * 4,
                    solved * 4
                ),
                ReportStatus::InProgress => format!(
                    "围绕“{title}”，{}召开推进会 {meetings} 次，走访企业 {visits} 户，协调解决问题 {solved} 个，工作按计划推进。",
                    period.label()
                ),
            };
            out.push(DemoReport {
                line: line.clone(),
                period,
                kind: ReportKind::Progress,
                status,
                title: String::new(),
                progress,
                measures: format!(
                    "建立工作台账，明确专人负责，{}调度一次",
                    config.cycle_of(&line.task).label()
                ),
                figures: format!(
                    "走访企业 {visits} 户；解决问题 {solved} 个；推进会 {meetings} 次"
                ),
                reporter: reporter(pack, line),
                reported_on,
            });
        }
    }
    // Article 18: cases and practices, reported with the third quarter.
    let cases = [
        (
            "341502",
            ReportKind::Case,
            "金安区“免申即享”让政策主动找企业",
            "依托企业库比对税务、人社数据，向 1,200 余户小微企业推送可享政策清单，六税两费减免做到应享尽享。",
        ),
        (
            "341504",
            ReportKind::Practice,
            "叶集区“企业吹哨、部门报到”助企纾困",
            "企业通过为企服务平台“吹哨”，相关部门 24 小时内报到，全年协调解决用工、用地、融资问题 86 个。",
        ),
        (
            "341525",
            ReportKind::Case,
            "霍山县小微企业园“一园一品”培育专精特新",
            "以石斛、竹木加工两个特色园区为载体，引导入园企业走专精特新道路，新增省级专精特新企业 6 户。",
        ),
    ];
    let q3 = CyclePeriod {
        year,
        cycle: crate::supervision::Cycle::Quarterly,
        index: 3,
    };
    if q3.due(config.due_days) <= upto {
        for (j, kind, title, text) in cases {
            let line = Line {
                task: "publicity_campaign".into(),
                unit: None,
                jurisdiction: j.into(),
            };
            if !lines.contains(&line) {
                continue;
            }
            out.push(DemoReport {
                reporter: reporter(pack, &line),
                line,
                period: q3,
                kind,
                status: ReportStatus::Done,
                title: title.into(),
                progress: text.into(),
                measures: "总结提炼做法，报送工作专班".into(),
                figures: String::new(),
                reported_on: q3.due(config.due_days) - Days::new(2),
            });
        }
    }
    out
}

/// The 督办单 the working group would send: to the first red line of the board (in the pack's
/// order), with its requirement.
pub fn order_for(rows: &[BoardRow], pack: &Pack) -> Option<(Line, CyclePeriod, String)> {
    let row = rows.iter().find(|r| r.signal.colour == Colour::Red)?;
    let task = pack
        .tasks
        .iter()
        .find(|t| t.id == row.line.task)
        .map_or(row.line.task.clone(), |t| t.title.clone());
    Some((
        row.line.clone(),
        row.period,
        format!(
            "“{task}”{}情况：{}。请于答复期限内书面说明原因、整改措施和完成时限，并附佐证材料。",
            row.period.label(),
            row.signal.reason
        ),
    ))
}

/// A ledger entry to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DemoFund {
    Spend {
        jurisdiction: String,
        date: NaiveDate,
        amount: Decimal,
        purpose: Purpose,
        project: String,
        recipient: String,
        document: String,
    },
    /// Reverse the jurisdiction's spend just before this entry (a correction); the caller knows
    /// its id.
    ReverseLast {
        jurisdiction: String,
        date: NaiveDate,
        reason: String,
    },
    Own {
        jurisdiction: String,
        date: NaiveDate,
        amount: Decimal,
        purpose: Purpose,
        project: String,
    },
}

fn project(p: Purpose, jname: &str) -> (String, String) {
    match p {
        Purpose::PublicServicePlatform => (
            format!("{jname}中小企业公共服务示范平台运营补助"),
            format!("{jname}中小企业服务中心"),
        ),
        Purpose::StartupCoaching => (
            format!("{jname}创业孵化基地入驻企业创业辅导"),
            format!("{jname}创业孵化基地"),
        ),
        Purpose::EntrepreneurTraining => (
            format!("{jname}企业家素质提升培训班"),
            "六安职业技术学院".to_string(),
        ),
        Purpose::ZjtxSupport => (
            format!("{jname}专精特新企业培育奖励"),
            "获评企业（按名单拨付）".to_string(),
        ),
        Purpose::InsuranceSubsidy => (
            format!("{jname}小微企业贷款保证保险保费补贴"),
            "承保保险机构（按清单拨付）".to_string(),
        ),
    }
}

/// Spending of each award of `year` (credited on `award_date`) over the following months, 55–85%
/// of it, on three or four purposes; one jurisdiction corrects a mistyped entry by reversal.
/// Jurisdictions without an award record own-funded support.
pub fn ledger(
    pack: &Pack,
    awards: &[(String, Decimal)],
    year: i32,
    award_date: NaiveDate,
) -> Vec<DemoFund> {
    let mut out = Vec::new();
    let mut corrected = false;
    for (ji, j) in pack.jurisdictions.iter().enumerate() {
        let award = awards
            .iter()
            .find(|(id, _)| *id == j.id)
            .map_or(Decimal::ZERO, |a| a.1);
        let h = mix(&[ji as u64, year as u64, 19]);
        if award.is_zero() {
            out.push(DemoFund::Own {
                jurisdiction: j.id.clone(),
                date: NaiveDate::from_ymd_opt(year, 11, 20).expect("date"),
                amount: Decimal::from(150_000 + (h % 6) * 50_000),
                purpose: Purpose::StartupCoaching,
                project: format!("{}自筹小微企业创业辅导与融资担保补助", j.name),
            });
            continue;
        }
        let award_fen = to_fen(award).unwrap_or(0);
        let share_pm = 550 + (h % 300) as i64; // per mille of the award spent
        let purposes: Vec<Purpose> = (0..3 + (h >> 8) % 2)
            .map(|k| Purpose::ALL[((h >> 12) as usize + k as usize * 2) % 5])
            .collect();
        let n = purposes.len() as i64;
        let total = award_fen * share_pm / 1000;
        for (k, p) in purposes.iter().enumerate() {
            // Whole 元 amounts, the last taking the rest.
            let each = if k as i64 == n - 1 {
                total - (total / n / 100 * 100) * (n - 1)
            } else {
                total / n / 100 * 100
            };
            let date = award_date + Days::new(30 + 45 * k as u64 + (h >> (16 + k)) % 20);
            let (proj, recipient) = project(*p, &j.name);
            let document = format!(
                "{}财〔{}〕{}号",
                j.name.chars().take(2).collect::<String>(),
                award_date.format("%Y"),
                10 + k as u64 + (h % 30)
            );
            if !corrected && k == 0 {
                // Mistyped by a factor of ten, reversed the next day, entered again.
                out.push(DemoFund::Spend {
                    jurisdiction: j.id.clone(),
                    date,
                    amount: from_fen(each / 10),
                    purpose: *p,
                    project: proj.clone(),
                    recipient: recipient.clone(),
                    document: document.clone(),
                });
                out.push(DemoFund::ReverseLast {
                    jurisdiction: j.id.clone(),
                    date: date + Days::new(1),
                    reason: "金额录入错误（少录一位），冲销后重新登记".into(),
                });
                corrected = true;
            }
            out.push(DemoFund::Spend {
                jurisdiction: j.id.clone(),
                date: date + Days::new(1),
                amount: from_fen(each),
                purpose: *p,
                project: proj,
                recipient,
                document,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::funds;
    use crate::supervision::{CyclePeriod, OrderFact, ReportFact, board};

    fn setup() -> (Pack, SupervisionConfig) {
        let pack = huiqi_policy::builtin::default_pack().unwrap();
        let cfg = crate::builtin::supervision(huiqi_policy::builtin::DEFAULT, &pack).unwrap();
        (pack, cfg)
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_year_of_reports_looks_like_a_real_one() {
        let (pack, cfg) = setup();
        let a = reports(&cfg, &pack, 2023, day("2024-01-31"));
        assert_eq!(
            a,
            reports(&cfg, &pack, 2023, day("2024-01-31")),
            "deterministic"
        );
        let progress: Vec<_> = a
            .iter()
            .filter(|r| r.kind == ReportKind::Progress)
            .collect();
        assert!(progress.len() > 1500, "{}", progress.len());
        let late = progress
            .iter()
            .filter(|r| r.reported_on > r.period.due(cfg.due_days))
            .count();
        let share = late * 100 / progress.len();
        assert!((3..=20).contains(&share), "{share}% late");
        assert!(progress.iter().any(|r| r.status == ReportStatus::Lagging));
        assert!(progress.iter().any(|r| r.status == ReportStatus::Done));
        assert_eq!(
            a.iter().filter(|r| r.kind != ReportKind::Progress).count(),
            3
        );
        assert_eq!(
            reporter(&pack, &progress[0].line),
            format!(
                "{}{}",
                pack.jurisdiction(&progress[0].line.jurisdiction)
                    .unwrap()
                    .name,
                "市场监管局"
            )
        );
        // The board at 2023-12 on 2024-01-20 has every colour, and a red line for the 督办单.
        let facts: Vec<ReportFact> = progress
            .iter()
            .map(|r| ReportFact {
                line: r.line.clone(),
                period: r.period,
                reported_on: r.reported_on,
                status: r.status,
            })
            .collect();
        let lines = cfg.lines(&pack);
        let rows = board(
            &cfg,
            &lines,
            day("2023-12-01"),
            &facts,
            &[] as &[OrderFact],
            day("2024-01-31"),
        );
        for c in [Colour::Green, Colour::Yellow, Colour::Red] {
            assert!(rows.iter().any(|r| r.signal.colour == c), "{c:?}");
        }
        let (line, period, text) = order_for(&rows, &pack).unwrap();
        assert_eq!(
            period,
            CyclePeriod::containing(cfg.cycle_of(&line.task), day("2023-12-01"))
        );
        assert!(text.contains("请于答复期限内"), "{text}");
    }

    #[test]
    fn the_ledger_spends_within_every_award() {
        let (pack, _) = setup();
        let awards: Vec<(String, Decimal)> = pack
            .jurisdictions
            .iter()
            .take(5)
            .map(|j| (j.id.clone(), Decimal::from(1_600_000)))
            .collect();
        let entries = ledger(&pack, &awards, 2023, day("2024-03-15"));
        assert_eq!(entries, ledger(&pack, &awards, 2023, day("2024-03-15")));
        assert_eq!(
            entries
                .iter()
                .filter(|e| matches!(e, DemoFund::ReverseLast { .. }))
                .count(),
            1
        );
        assert_eq!(
            entries
                .iter()
                .filter(|e| matches!(e, DemoFund::Own { .. }))
                .count(),
            3
        );
        for (j, award) in &awards {
            let spent: Decimal = entries
                .iter()
                .filter_map(|e| match e {
                    DemoFund::Spend {
                        jurisdiction,
                        amount,
                        ..
                    } if jurisdiction == j => Some(*amount),
                    _ => None,
                })
                .sum();
            // The reversed mistyped entry is a tenth of one spend: the rest is 55–85%.
            assert!(spent <= *award, "{j}: {spent} > {award}");
            assert!(spent >= *award * Decimal::new(55, 2), "{j}: {spent}");
        }
        // Every entry passes the ledger rules in order, as the store will apply them.
        for (j, award) in &awards {
            let mut book: Vec<funds::Entry> = Vec::new();
            let push = |book: &mut Vec<funds::Entry>, r: funds::Request| {
                let a = funds::check(j, 2023, book, &r).unwrap_or_else(|e| panic!("{j}: {e}"));
                book.push(funds::Entry {
                    id: book.len() as i64 + 1,
                    kind: a.kind,
                    date: a.date,
                    amount_fen: a.amount_fen,
                    purpose: a.purpose,
                    reverses: a.reverses,
                    reversed_kind: a.reversed_kind,
                });
            };
            let award_fen = to_fen(*award).unwrap();
            push(
                &mut book,
                funds::Request::Award {
                    date: day("2024-03-15"),
                    amount_fen: award_fen,
                },
            );
            let mut last_spend = None;
            for e in &entries {
                match e {
                    DemoFund::Spend {
                        jurisdiction,
                        date,
                        amount,
                        purpose,
                        ..
                    } if jurisdiction == j => {
                        push(
                            &mut book,
                            funds::Request::Spend {
                                date: *date,
                                amount_fen: to_fen(*amount).unwrap(),
                                purpose: *purpose,
                            },
                        );
                        last_spend = Some(book.len() as i64);
                    }
                    DemoFund::ReverseLast {
                        jurisdiction,
                        date,
                        reason,
                    } if jurisdiction == j => {
                        let entry = last_spend.expect("a spend before its reversal");
                        push(
                            &mut book,
                            funds::Request::Reversal {
                                date: *date,
                                entry,
                                reason: reason.clone(),
                            },
                        );
                    }
                    _ => {}
                }
            }
            assert!(funds::balance(&book) >= 0);
        }
    }
}
