//! 免申即享 from the command line: `huiqi match --db`, `huiqi runs …`, `huiqi export push`,
//! `huiqi whatif`, `huiqi grants import`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use clap::{Subcommand, ValueEnum};
use huiqi_match::{PushFilter, WhatIfReport, from_fen, whatif::Change};
use huiqi_policy::Pack;
use huiqi_store::Store;
use huiqi_store::matching::Run;

use crate::registry_cmd::{open_store, runtime};
use crate::rules_cmd::load_rules;
use crate::table;

/// The store, migrated: a registry created by an older huiqi gains the matching tables.
async fn store() -> Result<Store> {
    let store = open_store().await?;
    store.migrate().await?;
    Ok(store)
}

fn pack() -> Result<Pack> {
    huiqi_policy::builtin::default_pack().map_err(|e| anyhow::anyhow!("内置政策包无法加载：{e}"))
}

/// `huiqi match --db`: a full run over the registry.
pub fn match_db(at: NaiveDate, rules: Option<&PathBuf>) -> Result<ExitCode> {
    let rules = load_rules(rules)?;
    let pack = pack()?;
    runtime()?.block_on(async {
        let store = store().await?;
        let started = std::time::Instant::now();
        let run = huiqi_match::run(&store, &rules, &pack, at).await?;
        let results = store.run_results(run.id).await?;
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
        let rows: Vec<Vec<String>> = huiqi_match::totals(&results)
            .into_iter()
            .map(|t| {
                vec![
                    rules.measure(&t.measure).title.clone(),
                    t.measure,
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

async fn pick_run(store: &Store, id: Option<i64>) -> Result<Run> {
    let runs = store.runs().await?;
    match id {
        Some(id) => runs
            .into_iter()
            .find(|r| r.id == id)
            .with_context(|| format!("没有编号为 {id} 的匹配批次（huiqi runs list 查看）")),
        None => runs
            .into_iter()
            .next()
            .context("还没有匹配批次：请先运行 huiqi match --db"),
    }
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
                let c = huiqi_match::compare_runs(&store, old, new).await?;
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
                let count = |k: &str| c.diffs.iter().filter(|d| d.change == k).count();
                println!(
                    "新增符合 {} 项，不再符合 {} 项，金额变化 {} 项（企业 × 措施）",
                    count("became_eligible"),
                    count("dropped_out"),
                    count("amount_changed")
                );
                let label = |k: &str| match k {
                    "became_eligible" => "新增符合",
                    "dropped_out" => "不再符合",
                    _ => "金额变化",
                };
                let rows: Vec<Vec<String>> = c
                    .diffs
                    .iter()
                    .take(limit)
                    .map(|d| {
                        vec![
                            d.uscc.clone(),
                            d.measure.clone(),
                            label(d.change).into(),
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
                let reach = huiqi_match::not_reached(&store, &run).await?;
                println!("批次 {}（{} 年度）", run.id, run.year);
                println!("符合条件但未兑现：{} 项", reach.eligible_not_granted.len());
                let rows: Vec<Vec<String>> = reach
                    .eligible_not_granted
                    .iter()
                    .take(limit)
                    .map(|(u, m, a)| vec![u.clone(), m.clone(), format!("{a:.2}")])
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
    let rules = load_rules(None)?;
    let pack = pack()?;
    runtime()?.block_on(async {
        let store = store().await?;
        let run = pick_run(&store, run).await?;
        let filter = PushFilter {
            measure: measure.clone(),
            county: county.clone(),
            unit: unit.clone(),
        };
        let rows = huiqi_match::push_list(&store, &rules, &pack, &run, &filter).await?;
        let title = format!(
            "推送名单：{}（{}）｜{} 年度，参数取 {} 有效值，政策包 {} {}｜{}{}",
            rules.measure(&measure).title,
            measure,
            run.year,
            run.at,
            run.pack_id,
            run.pack_version,
            county
                .as_deref()
                .and_then(|c| pack.jurisdiction(c))
                .map_or("全市".to_string(), |j| j.name.clone()),
            unit.as_deref()
                .and_then(|u| pack.unit(u))
                .map_or(String::new(), |u| format!("｜{}", u.name))
        );
        let tmp = tempfile::NamedTempFile::new_in(
            file.parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(std::path::Path::new(".")),
        )?;
        huiqi_match::export::push_xlsx(&rows, &title, tmp.path())?;
        tmp.persist(&file)
            .with_context(|| format!("无法写入 {}", file.display()))?;
        let total: rust_decimal::Decimal = rows.iter().map(|r| r.amount).sum();
        println!(
            "{title}\n共 {} 户，金额合计 {total:.2} 元，已写入 {}",
            rows.len(),
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
    let changes = sets
        .iter()
        .map(|s| Change::parse(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(anyhow::Error::msg)?;
    let rules = load_rules(None)?;
    let pack = pack()?;
    runtime()?.block_on(async {
        let store = store().await?;
        let started = std::time::Instant::now();
        let report = huiqi_match::whatif(&store, &rules, &pack, at, changes).await?;
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
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => encoding_rs::GB18030.decode(e.as_bytes()).0.into_owned(),
    };
    let grants = match huiqi_match::parse_grants(&text) {
        Ok(g) => g,
        Err(errors) => {
            eprintln!(
                "{} 有 {} 处错误，未导入任何记录：",
                file.display(),
                errors.len()
            );
            for e in errors {
                eprintln!("  {e}");
            }
            return Ok(ExitCode::from(2));
        }
    };
    runtime()?.block_on(async {
        let store = store().await?;
        let name = file
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let new = store.add_grants(&grants, &name).await?;
        println!(
            "兑现记录 {} 条，其中新增 {new} 条、已有 {} 条",
            grants.len(),
            grants.len() - new
        );
        Ok(ExitCode::SUCCESS)
    })
}
