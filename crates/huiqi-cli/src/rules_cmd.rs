//! `huiqi rules …` (evaluate one enterprise, run the YAML cases, list parameters)
//! and `huiqi match --input … --output …` (every enterprise of a CSV file).

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use huiqi_domain::Facts;
use huiqi_domain::facts_csv::{FactError, FactsHeader};
use huiqi_domain::text::thousands;
use huiqi_rules::batch::{self, BlockResult};
use huiqi_rules::{Engine, Rules, cases};
use rayon::prelude::*;

#[derive(Subcommand)]
pub enum RulesCmd {
    /// 计算一户企业的划型与减免（事实为 JSON 文件，- 为标准输入）
    Eval {
        /// 适用日期：取该日有效的参数，事实为该年度的
        #[arg(long)]
        at: NaiveDate,
        /// 同时输出计算过程（条件、参数及其依据、算式）
        #[arg(long)]
        trace: bool,
        /// 事实 JSON 文件，或 - 表示标准输入
        file: PathBuf,
        /// 国家规则包目录（默认：内置 policies/cn）
        #[arg(long)]
        rules: Option<PathBuf>,
    },
    /// 运行规则包中的 YAML 测试用例
    Test {
        /// 国家规则包目录（默认：内置 policies/cn）
        dir: Option<PathBuf>,
    },
    /// 列出某日有效的全部参数及其依据
    Params {
        #[arg(long)]
        at: NaiveDate,
        #[arg(long)]
        rules: Option<PathBuf>,
    },
}

fn load_rules(dir: Option<&PathBuf>) -> Result<Rules> {
    Ok(huiqi_app::load_rules(dir.map(PathBuf::as_path))?)
}

pub fn run(cmd: RulesCmd) -> Result<ExitCode> {
    match cmd {
        RulesCmd::Eval {
            at,
            trace,
            file,
            rules,
        } => {
            let rules = load_rules(rules.as_ref())?;
            let text = if file.as_os_str() == "-" {
                let mut s = String::new();
                std::io::stdin()
                    .read_to_string(&mut s)
                    .context("无法读取标准输入")?;
                s
            } else {
                std::fs::read_to_string(&file)
                    .with_context(|| format!("无法读取 {}", file.display()))?
            };
            // serde's message in Chinese, naming the field (serde_path_to_error) and the place.
            let bad = |e: serde_json::Error, path: &str| {
                anyhow::anyhow!(
                    "{} 第{}行第{}列：事实 JSON 有误：{}（金额写成字符串，如 \"12345.67\"）",
                    file.display(),
                    e.line(),
                    e.column(),
                    crate::zh::serde_message(&e.to_string(), path)
                )
            };
            let mut de = serde_json::Deserializer::from_str(&text);
            let facts: Facts = serde_path_to_error::deserialize(&mut de).map_err(|e| {
                let path = e.path().to_string();
                bad(e.into_inner(), &path)
            })?;
            de.end().map_err(|e| bad(e, ""))?;
            let engine = Engine::new(&rules, at);
            let refused = |e: huiqi_rules::RulesError| anyhow::anyhow!("{}：{e}", file.display());
            let json = if trace {
                let (outputs, t) = engine.try_evaluate_traced(&facts).map_err(refused)?;
                eprint!("{}", t.to_text());
                serde_json::json!({ "at": at, "outputs": outputs, "trace": t })
            } else {
                let outputs = engine.try_evaluate(&facts).map_err(refused)?;
                serde_json::json!({ "at": at, "outputs": outputs })
            };
            println!("{}", serde_json::to_string_pretty(&json)?);
            Ok(ExitCode::SUCCESS)
        }
        RulesCmd::Test { dir } => {
            let rules = load_rules(dir.as_ref())?;
            let report = cases::run(&rules);
            for f in &report.failures {
                eprintln!("✗ {f}");
            }
            println!(
                "通过 {} 条，失败 {} 条",
                report.passed,
                report.failures.len()
            );
            Ok(if report.failures.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        RulesCmd::Params { at, rules } => {
            let rules = load_rules(rules.as_ref())?;
            for def in rules.params.defs() {
                match (
                    rules.params.at(&def.id, at),
                    rules.params.scale_at(&def.id, at),
                ) {
                    (Some(p), _) => println!(
                        "{}\t{}\t{}\t自 {}\t{}{}",
                        p.id,
                        p.title,
                        p.shown(),
                        p.from,
                        p.reference,
                        if p.unverified { "【待核实】" } else { "" }
                    ),
                    (None, Some(s)) => println!(
                        "{}\t{}\t（税率表 {} 档）\t自 {}\t{}",
                        s.id,
                        s.title,
                        s.brackets.len(),
                        s.from,
                        s.reference
                    ),
                    (None, None) => println!("{}\t{}\t（该日无有效取值）", def.id, def.title),
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

#[derive(Args)]
pub struct MatchArgs {
    /// 适用日期：取该日有效的参数，事实为该年度的（--db 时默认今天）
    #[arg(long)]
    pub at: Option<NaiveDate>,
    /// 事实表 CSV（表头为事实字段名，顺序不限，多余的列忽略）
    #[arg(long, requires = "output", conflicts_with = "db")]
    pub input: Option<PathBuf>,
    /// 结果 CSV（出错时不留下任何文件）
    #[arg(long, requires = "input")]
    pub output: Option<PathBuf>,
    /// 对企业库（HUIQI_DATABASE_URL）中的全部企业运行匹配，结果存为新的批次
    #[arg(long, required_unless_present = "input")]
    pub db: bool,
    /// 国家规则包目录（默认：内置 policies/cn）
    #[arg(long)]
    pub rules: Option<PathBuf>,
}

struct FileMatch {
    at: NaiveDate,
    input: PathBuf,
    output: PathBuf,
    rules: Option<PathBuf>,
}

/// Bytes read per block (cut at its last newline); blocks are evaluated in parallel.
const BLOCK: usize = 1 << 20;

/// Blocks evaluated at once (a batch); its output is written while the next batch runs.
const BATCH_BLOCKS: usize = 8;

/// `huiqi match --input … --output …` (`--db` is `matching_cmd::match_db`).
pub fn run_match(args: MatchArgs) -> Result<ExitCode> {
    let (Some(input), Some(output)) = (args.input, args.output) else {
        bail!("请给出 --input 与 --output，或用 --db 对企业库运行匹配");
    };
    let Some(at) = args.at else {
        bail!("--input 时须给出 --at 日期")
    };
    let args = FileMatch {
        at,
        input,
        output,
        rules: args.rules,
    };
    let rules = load_rules(args.rules.as_ref())?;
    let engine = Engine::new(&rules, args.at);
    let tmp = crate::common::output_tempfile(&args.output)?;
    let started = std::time::Instant::now();
    let (rows, errors, error_count) = match match_file(&engine, &args.input, tmp.as_file())? {
        Some(done) => done,
        None => {
            // The file has quoted fields: start again with a real CSV parser.
            use std::io::Seek;
            tmp.as_file().set_len(0)?;
            tmp.as_file().seek(std::io::SeekFrom::Start(0))?;
            match_quoted(&engine, &args.input, tmp.as_file())?
        }
    };
    if !errors.is_empty() {
        // `tmp` is deleted on drop: no partial output is left behind.
        eprintln!(
            "{} 有 {} 处错误，未生成结果文件：",
            args.input.display(),
            thousands(error_count as u64)
        );
        let listed = errors.len().min(batch::MAX_ERRORS);
        for e in &errors[..listed] {
            eprintln!("  {e}");
        }
        if error_count > listed {
            eprintln!(
                "  另有 {} 处错误未列出（只列出前 {listed} 处）",
                thousands((error_count - listed) as u64)
            );
        }
        return Ok(ExitCode::FAILURE);
    }
    tmp.persist(&args.output)
        .with_context(|| format!("无法写入 {}", args.output.display()))?;
    eprintln!(
        "已计算 {rows} 户（{}），结果写入 {}，用时 {:.2} 秒",
        args.at,
        args.output.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

/// Rows read, the first errors and how many errors there were in all.
type Matched = (usize, Vec<FactError>, usize);

/// What the reader thread hands on: a block of whole lines and the file line of its first line.
enum Read_ {
    Block(Vec<u8>, usize),
    /// The file has a `"` from here on: it must go through [`match_quoted`].
    Quoted,
    Failed(std::io::Error),
}

/// Reads the facts CSV, writes the results; returns the number of rows and the errors, or
/// `None` when the file has quoted fields and must go through [`match_quoted`].
///
/// Three stages run at once, so neither the disk nor the writer holds up the cores: a reader
/// thread cuts the file into blocks of whole lines ([`BLOCK`]), the rayon pool evaluates
/// [`BATCH_BLOCKS`] blocks at a time, and a writer thread writes each batch's output in order.
/// The channels between them are bounded, so memory stays at a few batches whatever the file's
/// size (about 40 MiB in all).
fn match_file(engine: &Engine, input: &Path, out: &File) -> Result<Option<Matched>> {
    let mut file = File::open(input).with_context(|| format!("无法打开 {}", input.display()))?;
    let mut buf: Vec<u8> = Vec::with_capacity(BLOCK + (1 << 16));

    // Header: the first line (a header longer than a block is refused by its width anyway).
    let mut eof = fill(&mut file, &mut buf, BLOCK)?;
    let Some(nl) = memchr::memchr(b'\n', &buf) else {
        bail!("{} 没有表头行，或整个文件只有一行", input.display());
    };
    let header_line = buf[..nl].strip_suffix(b"\r").unwrap_or(&buf[..nl]);
    let header_line = header_line
        .strip_prefix("\u{feff}".as_bytes())
        .unwrap_or(header_line);
    if header_line.contains(&b'"') {
        return Ok(None);
    }
    let header = FactsHeader::from_fields(header_line.split(|&b| b == b','))
        .map_err(|e| anyhow::anyhow!("{}：{e}", input.display()))?;
    buf.drain(..=nl);

    let (block_tx, block_rx) = std::sync::mpsc::sync_channel::<Read_>(2 * BATCH_BLOCKS);
    let (out_tx, out_rx) = std::sync::mpsc::sync_channel::<Vec<BlockResult>>(1);
    std::thread::scope(|scope| {
        // Reader: whole lines only; a block ends at its last newline, the rest starts the next.
        scope.spawn(move || {
            let mut line = 2usize;
            loop {
                // Read on until the block holds a newline (a line longer than a block grows it).
                while !eof && (buf.len() < BLOCK || memchr::memchr(b'\n', &buf).is_none()) {
                    match fill(&mut file, &mut buf, BLOCK) {
                        Ok(e) => eof = e,
                        Err(e) => {
                            let _ = block_tx.send(Read_::Failed(e));
                            return;
                        }
                    }
                }
                if buf.is_empty() {
                    return;
                }
                let cut = if eof {
                    buf.len()
                } else {
                    memchr::memrchr(b'\n', &buf).map_or(buf.len(), |p| p + 1)
                };
                if memchr::memchr(b'"', &buf[..cut]).is_some() {
                    // Quoted fields may hold commas or newlines: only a real CSV parser is right.
                    let _ = block_tx.send(Read_::Quoted);
                    return;
                }
                let mut next = Vec::with_capacity(BLOCK + (1 << 16));
                next.extend_from_slice(&buf[cut..]);
                buf.truncate(cut);
                let lines = memchr::memchr_iter(b'\n', &buf).count();
                let block = std::mem::replace(&mut buf, next);
                if block_tx.send(Read_::Block(block, line)).is_err() {
                    return;
                }
                line += lines;
            }
        });
        // Writer: the batches in order; after the first error nothing more is written (the
        // file is refused), but every row is still checked so all errors are counted.
        let writer = scope.spawn(move || -> Result<Matched> {
            let mut w = BufWriter::with_capacity(1 << 20, out);
            w.write_all(&batch::output_header())?;
            let (mut rows, mut errors, mut error_count) = (0usize, Vec::new(), 0usize);
            for results in out_rx {
                for r in results {
                    rows += r.rows;
                    error_count += r.error_count;
                    if errors.len() < batch::MAX_ERRORS {
                        errors.extend(r.errors);
                    }
                    if errors.is_empty() {
                        w.write_all(&r.output)?;
                    }
                }
            }
            w.flush()?;
            Ok((rows, errors, error_count))
        });
        // Evaluation: a batch of blocks at a time on the rayon pool.
        let mut quoted = false;
        let mut failed = None;
        let mut done = false;
        while !done {
            let mut blocks = Vec::with_capacity(BATCH_BLOCKS);
            while blocks.len() < BATCH_BLOCKS {
                match block_rx.recv() {
                    Ok(Read_::Block(b, line)) => blocks.push((b, line)),
                    Ok(Read_::Quoted) => {
                        quoted = true;
                        done = true;
                        break;
                    }
                    Ok(Read_::Failed(e)) => {
                        failed = Some(e);
                        done = true;
                        break;
                    }
                    Err(_) => {
                        done = true;
                        break;
                    }
                }
            }
            if quoted || failed.is_some() {
                break;
            }
            let results: Vec<BlockResult> = blocks
                .par_iter()
                .map(|(b, line)| batch::process_plain_block(engine, &header, b, *line))
                .collect();
            drop(blocks);
            if out_tx.send(results).is_err() {
                break; // the writer failed: its error is reported below
            }
        }
        drop(out_tx);
        drop(block_rx);
        let matched = writer.join().expect("the writer thread does not panic")?;
        if let Some(e) = failed {
            return Err(anyhow::Error::new(e).context(format!("无法读取 {}", input.display())));
        }
        Ok((!quoted).then_some(matched))
    })
}

/// The slow but general path: a real CSV parser, one record at a time.
fn match_quoted(engine: &Engine, input: &Path, out: &File) -> Result<Matched> {
    let mut w = BufWriter::new(out);
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(input)
        .with_context(|| format!("无法打开 {}", input.display()))?;
    let headers = rdr.byte_headers()?.clone();
    let first = headers
        .get(0)
        .map(|f| f.strip_prefix("\u{feff}".as_bytes()).unwrap_or(f));
    let header = FactsHeader::from_fields(first.into_iter().chain(headers.iter().skip(1)))
        .map_err(|e| anyhow::anyhow!("{}：{e}", input.display()))?;
    w.write_all(&batch::output_header())?;
    let mut out = Vec::with_capacity(256);
    let (mut rows, mut errors, mut error_count) = (0, Vec::new(), 0);
    let mut record = csv::ByteRecord::new();
    let mut facts = huiqi_domain::Facts::default();
    while rdr
        .read_byte_record(&mut record)
        .map_err(|e| anyhow::anyhow!("{}：CSV 格式错误：{e}", input.display()))?
    {
        rows += 1;
        let line = record.position().map_or(rows + 1, |p| p.line() as usize);
        let fields: Vec<&[u8]> = record.iter().collect();
        out.clear();
        match batch::evaluate_fields(engine, &header, &fields, line, &mut facts, &mut out) {
            Ok(()) if errors.is_empty() => w.write_all(&out)?,
            Ok(()) => {}
            Err(e) => {
                error_count += 1;
                if errors.len() < batch::MAX_ERRORS {
                    errors.push(e);
                }
            }
        }
    }
    w.flush()?;
    Ok((rows, errors, error_count))
}

/// Appends up to `want` bytes; true at end of file.
fn fill(file: &mut File, buf: &mut Vec<u8>, want: usize) -> std::io::Result<bool> {
    let start = buf.len();
    buf.resize(start + want, 0);
    let mut n = start;
    while n < buf.len() {
        let k = file.read(&mut buf[n..])?;
        if k == 0 {
            buf.truncate(n);
            return Ok(true);
        }
        n += k;
    }
    buf.truncate(n);
    Ok(false)
}
