//! 免申即享 from the command line: `huiqi match --db`, `huiqi runs …`, `huiqi export push`,
//! `huiqi whatif`, `huiqi grants import`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use clap::{Subcommand, ValueEnum};
use huiqi_app::matching::{self, Change, PushFilter, pick_run};
use huiqi_app::whatif::parse_changes;
use huiqi_match::{WhatIfReport, from_fen};

use crate::common::{migrated_store as store, pack, runtime};
use crate::table;

/// `huiqi match --db`: a full run over the registry.
pub fn match_db(at: NaiveDate, rules: Option<&PathBuf>) -> Result<ExitCode> {
    let rules = huiqi_app::load_rules(rules.map(PathBuf::as_path))?;
    let pack = pack()?;
    runtime()?.block_on(async {
        let store = store().await?;
        let started = std::time::Instant::now();
        let (run, totals) = matching::run_with_totals(&store, &rules, &pack, at).await?;
        println!(
            "匹配批次 {}：{} 户企业（{} 年度，参数取 {} 有效值，政策包 {} {}），用时 {:.2} 秒",
            run.id,
            run.enterprises,
            run.year,
            run.at,
            run.pack_id,
            run.pack_version,
            started.elapsed().as_secs_f64()
        );
        let rows: Vec<Vec<String>> = totals
            .into_iter()
            .map(|t| {
                vec![
                    t.measure.title().to_string(),
                    t.measure.as_str().to_string(),
                    t.eligible.to_string(),
                    format!("{:.2}", t.amount),
                ]
            })
            .collect();
        print!(
            "{}",
            table::render(&["措施", "id", "符合户数", "金额（元）"], &rows)
        );
        Ok(ExitCode::SUCCESS)
    })
}

#[derive(Subcommand)]
pub enum RunsCmd {
    /// 列出全部匹配批次
    List,
    /// 比较两个批次：参数变化、新增符合与不再符合的企业
    Compare {
        old: i64,
        new: i64,
        /// 最多列出多少条企业变化
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// 审计：符合条件但未兑现、已兑现但不符合条件（需先导入 granted 兑现记录）
    Reach {
        /// 批次编号（默认：最新）
        run: Option<i64>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
}

pub fn runs(cmd: RunsCmd) -> Result<ExitCode> {
    runtime()?.block_on(async {
        let store = store().await?;
        match cmd {
            RunsCmd::List => {
                let rows: Vec<Vec<String>> = store
                    .runs()
                    .await?
                    .into_iter()
                    .map(|r| {
                        vec![
                            r.id.to_string(),
                            r.started_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                            r.at.to_string(),
                            format!("{} {}", r.pack_id, r.pack_version),
                            r.enterprises.to_string(),
                            format!("{:.2}", from_fen(r.total_fen)),
                        ]
                    })
                    .collect();
                print!(
                    "{}",
                    table::render(
                        &[
                            "批次",
                            "运行时间（UTC）",
                            "适用日期",
                            "政策包",
                            "企业户数",
                            "减免合计（元）"
                        ],
                        &rows
                    )
                );
            }
            RunsCmd::Compare { old, new, limit } => {
                let c = matching::compare_runs(&store, old, new).await?;
                println!("批次 {old} → {new}");
                if let Some((a, b)) = &c.pack_change {
                    println!("政策包版本：{a} → {b}");
                }
                if c.parameter_changes.is_empty() {
                    println!("参数：无变化");
                } else {
                    println!("参数变化（原因）：");
                    for (id, a, b) in &c.parameter_changes {
                        println!("  {id}：{a} → {b}");
                    }
                }
                println!(
                    "新增符合 {} 项，不再符合 {} 项，金额变化 {} 项（企业 × 措施）",
                    c.count(Change::BecameEligible),
                    c.count(Change::DroppedOut),
                    c.count(Change::AmountChanged)
                );
                let rows: Vec<Vec<String>> = c
                    .diffs
                    .iter()
                    .take(limit)
                    .map(|d| {
                        vec![
                            d.uscc.clone(),
                            d.measure.to_string(),
                            d.change.label().into(),
                            format!("{:.2}", d.old),
                            format!("{:.2}", d.new),
                        ]
                    })
                    .collect();
                print!(
                    "{}",
                    table::render(
                        &["统一社会信用代码", "措施", "变化", "原金额", "新金额"],
                        &rows
                    )
                );
            }
            RunsCmd::Reach { run, limit } => {
                let run = pick_run(&store, run).await?;
                let reach = matching::not_reached(&store, &run).await?;
                println!("批次 {}（{} 年度）", run.id, run.year);
                println!("符合条件但未兑现：{} 项", reach.eligible_not_granted.len());
                let rows: Vec<Vec<String>> = reach
                    .eligible_not_granted
                    .iter()
                    .take(limit)
                    .map(|(u, m, a)| vec![u.clone(), m.to_string(), format!("{a:.2}")])
                    .collect();
                print!(
                    "{}",
                    table::render(&["统一社会信用代码", "措施", "应享金额（元）"], &rows)
                );
                println!(
                    "已兑现但不符合条件：{} 项",
                    reach.granted_not_eligible.len()
                );
                let rows: Vec<Vec<String>> = reach
                    .granted_not_eligible
                    .iter()
                    .take(limit)
                    .map(|(u, m, a)| vec![u.clone(), m.clone(), format!("{a:.2}")])
                    .collect();
                print!(
                    "{}",
                    table::render(&["统一社会信用代码", "措施", "已兑现金额（元）"], &rows)
                );
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

#[derive(Subcommand)]
pub enum ExportCmd {
    /// 推送名单（政策找企业）：某项措施的符合企业，可按辖区、责任单位筛选，写出 .xlsx
    Push {
        #[arg(long)]
        measure: String,
        /// 辖区代码（如 341502；开发区为 luan-etdz）
        #[arg(long)]
        county: Option<String>,
        /// 责任单位 id（如 tax）
        #[arg(long)]
        unit: Option<String>,
        /// 匹配批次（默认：最新）
        #[arg(long)]
        run: Option<i64>,
        /// 输出的 .xlsx 文件
        file: PathBuf,
    },
}

pub fn export(cmd: ExportCmd) -> Result<ExitCode> {
    let ExportCmd::Push {
        measure,
        county,
        unit,
        run,
        file,
    } = cmd;
    let rules = huiqi_rules::Rules::builtin();
    let pack = pack()?;
    let filter = PushFilter::parse(&pack, &measure, county.as_deref(), unit.as_deref())?;
    runtime()?.block_on(async {
        let store = store().await?;
        let run = pick_run(&store, run).await?;
        let rows = matching::push_list(&store, &rules, &pack, &run, &filter).await?;
        let title = matching::push_title(&pack, &run, &filter);
        let total: rust_decimal::Decimal = rows.iter().map(|r| r.amount).sum();
        let count = rows.len();
        let bytes = matching::push_xlsx(rows, title.clone()).await?;
        let tmp = crate::common::output_tempfile(&file)?;
        std::fs::write(tmp.path(), &bytes)
            .with_context(|| format!("无法写入 {}", file.display()))?;
        tmp.persist(&file)
            .with_context(|| format!("无法写入 {}", file.display()))?;
        println!(
            "{title}\n共 {count} 户，金额合计 {total:.2} 元，已写入 {}",
            file.display()
        );
        Ok(ExitCode::SUCCESS)
    })
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

/// `huiqi whatif`.
pub fn whatif(at: NaiveDate, sets: Vec<String>, format: Format) -> Result<ExitCode> {
    if sets.is_empty() {
        bail!("请至少给出一个 --set 参数=数值[@日期]（参数见 huiqi rules params --at {at}）");
    }
    let rules = huiqi_rules::Rules::builtin();
    let changes = parse_changes(&rules, sets.iter().map(String::as_str))?;
    let pack = pack()?;
    runtime()?.block_on(async {
        let store = store().await?;
        let started = std::time::Instant::now();
        let report = huiqi_app::whatif::whatif(&store, &rules, &pack, at, changes).await?;
        match format {
            Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
            Format::Table => print!(
                "{}",
                render_whatif(&report, started.elapsed().as_secs_f64())
            ),
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn render_whatif(r: &WhatIfReport, secs: f64) -> String {
    let mut out = String::new();
    let changes: Vec<String> = r
        .changes
        .iter()
        .map(|c| {
            format!(
                "{} = {}{}",
                c.param,
                c.value,
                c.from.map_or(String::new(), |d| format!("（自 {d}）"))
            )
        })
        .collect();
    out.push_str(&format!(
        "政策沙盘：{}；{} 年度 {} 户企业（用时 {secs:.2} 秒，未改动已存结果）\n",
        changes.join("，"),
        chrono::Datelike::year(&r.at),
        r.enterprises
    ));
    out.push_str(&format!(
        "减免合计 {:.2} → {:.2} 元（{:+.2}）；受益户数 {} → {}\n\n",
        r.total.cost_before,
        r.total.cost_after,
        r.total.cost_change(),
        r.total.beneficiaries_before,
        r.total.beneficiaries_after
    ));
    let section = |title: &str, rows: &[huiqi_match::whatif::Delta]| {
        let cells: Vec<Vec<String>> = rows
            .iter()
            .map(|d| {
                vec![
                    d.label.clone(),
                    d.beneficiaries_before.to_string(),
                    d.beneficiaries_after.to_string(),
                    format!("{:.2}", d.cost_before),
                    format!("{:.2}", d.cost_after),
                    format!("{:+.2}", d.cost_change()),
                ]
            })
            .collect();
        format!(
            "{title}\n{}\n",
            table::render(
                &[
                    "",
                    "受益户数（前）",
                    "受益户数（后）",
                    "金额（前）",
                    "金额（后）",
                    "变化"
                ],
                &cells
            )
        )
    };
    out.push_str(&section("按措施：", &r.measures));
    out.push_str(&section("按辖区：", &r.by_county));
    out.push_str(&section("按行业门类：", &r.by_section));
    out.push_str(&section("按企业规模：", &r.by_size_class));
    for (title, movers) in [
        ("受益增加最多：", &r.top_gainers),
        ("受益减少最多：", &r.top_losers),
    ] {
        let cells: Vec<Vec<String>> = movers
            .iter()
            .map(|m| {
                vec![
                    m.uscc.clone(),
                    m.name.clone(),
                    format!("{:.2}", m.before),
                    format!("{:.2}", m.after),
                    format!("{:+.2}", m.after - m.before),
                ]
            })
            .collect();
        out.push_str(&format!(
            "{title}\n{}\n",
            table::render(&["统一社会信用代码", "名称", "前", "后", "变化"], &cells)
        ));
    }
    out
}

/// `huiqi grants import FILE.csv`: benefits actually granted (source `granted`).
pub fn grants_import(file: PathBuf) -> Result<ExitCode> {
    let bytes = std::fs::read(&file).with_context(|| format!("无法读取 {}", file.display()))?;
    let name = file
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let outcome = runtime()?.block_on(async {
        let store = store().await?;
        anyhow::Ok(matching::add_grants(&store, bytes, &name).await?)
    })?;
    match outcome {
        matching::GrantsOutcome::Refused(errors) => {
            eprintln!(
                "{} 有 {} 处错误，未导入任何记录：",
                file.display(),
                errors.len()
            );
            for e in errors {
                eprintln!("  {e}");
            }
            Ok(ExitCode::from(2))
        }
        matching::GrantsOutcome::Added { rows, new } => {
            println!(
                "兑现记录 {rows} 条，其中新增 {new} 条、已有 {} 条",
                rows - new
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
