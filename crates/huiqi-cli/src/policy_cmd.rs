//! `huiqi policy …`: check, show and list a policy pack.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::{Subcommand, ValueEnum};
use huiqi_policy::{Pack, PackErrors, Period, Target, TargetChange, builtin};
use serde::Serialize;

use crate::table;

#[derive(Subcommand)]
pub enum PolicyCmd {
    /// 校验政策包：通过返回 0，否则列出全部错误并返回非 0
    Check {
        /// 政策包目录（默认：内置的 luan-2023）
        dir: Option<PathBuf>,
    },
    /// 显示条款全文及其目标、责任单位（不加 --article 则显示全部 19 条）
    Show {
        /// 政策包目录（默认：内置的 luan-2023）
        dir: Option<PathBuf>,
        /// 只显示第 N 条
        #[arg(long)]
        article: Option<u8>,
    },
    /// 列出全部数值目标
    Targets {
        /// 政策包目录（默认：内置的 luan-2023）
        dir: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// 逐项比较同一政策的两个版本的数值目标（默认：征求意见稿 luan-2023 对正式稿 luan-2023-adopted）
    Compare {
        /// 旧版本：政策包目录或内置包名
        #[arg(default_value = "luan-2023")]
        old: String,
        /// 新版本：政策包目录或内置包名
        #[arg(default_value = "luan-2023-adopted")]
        new: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}

/// Loads the pack in `dir`, or the built-in default pack.
pub fn load_pack(dir: Option<&PathBuf>) -> Result<Pack, PackErrors> {
    match dir {
        Some(dir) => Pack::load_dir(dir),
        None => builtin::default_pack(),
    }
}

fn load_or_fail(dir: Option<&PathBuf>) -> Result<Pack> {
    load_pack(dir).map_err(|e| anyhow::anyhow!("{e}"))
}

/// A folder if one exists at that path, else the built-in pack of that name.
fn load_named(name: &str) -> Result<Pack> {
    let path = PathBuf::from(name);
    let loaded = if path.is_dir() {
        Pack::load_dir(&path)
    } else if let Some(files) = builtin::files(name) {
        huiqi_policy::load(&files)
    } else {
        bail!(
            "找不到政策包 “{name}”：既不是目录，也不是内置包（内置包：{}）",
            builtin::names().join("、")
        )
    };
    loaded.map_err(|e| anyhow::anyhow!("{e}"))
}

pub fn run(cmd: PolicyCmd) -> Result<ExitCode> {
    match cmd {
        PolicyCmd::Check { dir } => match load_pack(dir.as_ref()) {
            Ok(pack) => {
                let m = &pack.manifest;
                println!(
                    "政策包 {}（版本 {}，{}）校验通过：{} 条、{} 个责任单位、{} 个辖区、{} 项目标、{} 项任务。",
                    m.id,
                    m.version,
                    m.status.label(),
                    pack.articles.len(),
                    pack.units.len(),
                    pack.jurisdictions.len(),
                    pack.targets.len(),
                    pack.tasks.len()
                );
                check_assess(dir.as_ref(), &pack)
            }
            Err(errors) => {
                eprint!("{errors}");
                Ok(ExitCode::FAILURE)
            }
        },
        PolicyCmd::Show { dir, article } => {
            let pack = load_or_fail(dir.as_ref())?;
            print!("{}", show(&pack, article)?);
            Ok(ExitCode::SUCCESS)
        }
        PolicyCmd::Compare { old, new } => {
            let (old, new) = (load_named(&old)?, load_named(&new)?);
            print!("{}", compare(&old, &new)?);
            Ok(ExitCode::SUCCESS)
        }
        PolicyCmd::Targets { dir, format } => {
            let pack = load_or_fail(dir.as_ref())?;
            print!("{}", targets(&pack, format)?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn show(pack: &Pack, only: Option<u8>) -> Result<String> {
    let m = &pack.manifest;
    let mut out = String::new();
    let articles: Vec<_> = match only {
        Some(n) => match pack.article(n) {
            Some(a) => vec![a],
            None => bail!("没有第{n}条：本政策共 {} 条", pack.articles.len()),
        },
        None => {
            out.push_str(&format!(
                "《{}》（{}，{}）\n",
                m.title,
                m.issuer,
                m.status.label()
            ));
            out.push_str(&format!(
                "版本 {}；须落实全部任务的辖区：{}\n",
                m.version,
                pack.jurisdictions
                    .iter()
                    .map(|j| j.name.as_str())
                    .collect::<Vec<_>>()
                    .join("、")
            ));
            pack.articles.iter().collect()
        }
    };
    let mut section = None;
    for a in articles {
        if section != Some(a.section) {
            section = Some(a.section);
            out.push_str(&format!("\n{}\n", a.section.label()));
        }
        out.push_str(&format!("\n第{}条 {}\n{}\n", a.number, a.title, a.text));
        let targets: Vec<&Target> = pack.targets_of(a.number).collect();
        if !targets.is_empty() {
            out.push_str("  数值目标：\n");
            for t in targets {
                out.push_str(&format!(
                    "    - {}：{} {}{}（{}；责任单位：{}）[{}]\n",
                    t.indicator,
                    t.comparison.symbol(),
                    t.value,
                    t.unit().symbol(),
                    t.period.label(),
                    pack.unit_names(&t.units),
                    t.id
                ));
            }
        }
        let tasks: Vec<_> = pack.tasks_of(a.number).collect();
        if !tasks.is_empty() {
            out.push_str("  任务：\n");
            for t in tasks {
                let mut who = pack.unit_names(&t.units);
                if t.all_units {
                    who = if who.is_empty() {
                        "各地各部门".into()
                    } else {
                        format!("{who}；各地各部门")
                    };
                }
                out.push_str(&format!(
                    "    - {}（责任单位：{}）[{}]\n",
                    t.title, who, t.id
                ));
                for b in &t.legal_basis {
                    out.push_str(&format!("        依据：{}《{}》\n", b.document, b.title));
                }
            }
        }
    }
    Ok(out)
}

fn compare(old: &Pack, new: &Pack) -> Result<String> {
    let changes = huiqi_policy::compare(old, new)?;
    let mut out = format!(
        "{} 版本比较：{}（{}） → {}（{}），{} 项目标有变化\n\n",
        old.manifest.title,
        old.manifest.version,
        old.manifest.status.label(),
        new.manifest.version,
        new.manifest.status.label(),
        changes.len()
    );
    let mut rows = Vec::new();
    for c in &changes {
        match c {
            TargetChange::Added(t) => rows.push(vec![
                "新增".into(),
                t.id.clone(),
                t.indicator.clone(),
                String::new(),
                format!(
                    "{} {}{}，{}",
                    t.comparison.symbol(),
                    t.value,
                    t.unit().symbol(),
                    t.period.label()
                ),
            ]),
            TargetChange::Removed(t) => rows.push(vec![
                "删除".into(),
                t.id.clone(),
                t.indicator.clone(),
                format!(
                    "{} {}{}，{}",
                    t.comparison.symbol(),
                    t.value,
                    t.unit().symbol(),
                    t.period.label()
                ),
                String::new(),
            ]),
            TargetChange::Changed { new, fields, .. } => {
                for (field, a, b) in fields {
                    rows.push(vec![
                        format!("修改：{field}"),
                        new.id.clone(),
                        new.indicator.clone(),
                        a.clone(),
                        b.clone(),
                    ]);
                }
            }
        }
    }
    out.push_str(&table::render(&["变化", "id", "指标", "旧", "新"], &rows));
    Ok(out)
}

/// One target as the `targets` command exports it.
#[derive(Serialize)]
struct TargetRow<'a> {
    id: &'a str,
    article: u8,
    indicator: &'a str,
    subject: Option<&'a str>,
    comparison: &'a str,
    /// Exact decimal as a string.
    value: String,
    unit: &'a str,
    /// `each_year` | `by_date` | `added_by` | `cumulative`
    period: &'a str,
    /// The date for `by_date`, `added_by` and `cumulative` targets.
    period_end: Option<String>,
    /// Responsible unit ids.
    units: &'a [String],
    unit_names: String,
    quote: &'a str,
    pack: &'a str,
    version: &'a str,
}

fn rows(pack: &Pack) -> Vec<TargetRow<'_>> {
    pack.targets
        .iter()
        .map(|t| TargetRow {
            id: &t.id,
            article: t.article(),
            indicator: &t.indicator,
            subject: t.subject.as_deref(),
            comparison: t.comparison.code(),
            value: t.value.to_string(),
            unit: t.unit().symbol(),
            period: t.period.kind(),
            period_end: match t.period {
                Period::EachYear => None,
                Period::ByDate { date } | Period::AddedBy { date } => Some(date.to_string()),
                Period::Cumulative { until } => Some(until.to_string()),
            },
            units: &t.units,
            unit_names: pack.unit_names(&t.units),
            quote: &t.quote,
            pack: &pack.manifest.id,
            version: &pack.manifest.version,
        })
        .collect()
}

fn targets(pack: &Pack, format: Format) -> Result<String> {
    let rows = rows(pack);
    Ok(match format {
        Format::Json => serde_json::to_string_pretty(&rows)? + "\n",
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record([
                "id",
                "article",
                "indicator",
                "comparison",
                "value",
                "unit",
                "period",
                "period_end",
                "units",
            ])?;
            for r in &rows {
                w.write_record([
                    r.id,
                    &r.article.to_string(),
                    r.indicator,
                    r.comparison,
                    &r.value,
                    r.unit,
                    r.period,
                    r.period_end.as_deref().unwrap_or(""),
                    &r.units.join(";"),
                ])?;
            }
            String::from_utf8(w.into_inner()?)?
        }
        Format::Table => {
            let cells: Vec<Vec<String>> = pack
                .targets
                .iter()
                .zip(&rows)
                .map(|(t, r)| {
                    vec![
                        r.article.to_string(),
                        r.indicator.to_string(),
                        format!("{} {}{}", t.comparison.symbol(), r.value, r.unit),
                        t.period.label(),
                        r.unit_names.clone(),
                        r.id.to_string(),
                    ]
                })
                .collect();
            table::render(&["条", "指标", "目标值", "期限", "责任单位", "id"], &cells)
        }
    })
}

/// Checks the pack's `assess/` folder (督办规则 and 考核方案), if it has one.
fn check_assess(dir: Option<&PathBuf>, pack: &Pack) -> Result<ExitCode> {
    let files: Vec<(String, String, String)> = match dir {
        None => huiqi_assess::builtin::files(builtin::DEFAULT)
            .into_iter()
            .map(|(label, name, text)| (label, name, text.to_string()))
            .collect(),
        Some(dir) => {
            let folder = dir.join("assess");
            let mut files = Vec::new();
            if folder.is_dir() {
                for entry in std::fs::read_dir(&folder)? {
                    let path = entry?.path();
                    if path.is_file() {
                        let name = path
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default();
                        let text = std::fs::read_to_string(&path).map_err(|e| {
                            anyhow::anyhow!(
                                "无法读取 {}：{e}（文件须为 UTF-8 编码）",
                                path.display()
                            )
                        })?;
                        files.push((path.display().to_string(), name, text));
                    }
                }
            }
            files.sort();
            files
        }
    };
    if files.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    let borrowed: Vec<(String, String, &str)> = files
        .iter()
        .map(|(l, n, t)| (l.clone(), n.clone(), t.as_str()))
        .collect();
    match huiqi_assess::check_files(&borrowed, pack) {
        Ok(c) => {
            if let Some(s) = &c.supervision {
                println!(
                    "督办规则（版本 {}）校验通过：默认{}报送，报告期结束后 {} 天截止，{} 条督办线。",
                    s.version,
                    s.default_cycle.label(),
                    s.due_days,
                    s.lines(pack).len()
                );
            }
            for s in &c.schemes {
                println!(
                    "考核方案 {} {} 年度（版本 {}，{}）校验通过：{} 项指标，{} 个等次，奖补资金池 {} 元。",
                    s.id,
                    s.year,
                    s.version,
                    s.status.label(),
                    s.indicators.len(),
                    s.bands.len() + 1,
                    huiqi_assess::money::yuan(s.award.pool)
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(errors) => {
            eprint!("{errors}");
            Ok(ExitCode::FAILURE)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn show_one_article_lists_its_targets_and_units() {
        let pack = builtin::default_pack().unwrap();
        let text = show(&pack, Some(3)).unwrap();
        assert!(text.contains("第3条 资源供给更加充分"));
        assert!(text.contains("新增小微企业贷款：≥ 245亿元"));
        assert!(text.contains("国家金融监督管理总局六安监管分局"));
        assert!(
            show(&pack, Some(20))
                .unwrap_err()
                .to_string()
                .contains("没有第20条")
        );
    }
}
