//! `huiqi`: the command line. Each area of work is a subcommand module; this
//! file only parses arguments and maps errors to exit codes.
#![forbid(unsafe_code)]

mod policy_cmd;
mod registry_cmd;
mod table;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// huiqi（惠企）：六安市支持小微企业高质量发展政策的执行系统。
#[derive(Parser)]
#[command(name = "huiqi", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// 政策包：校验、查看条款与目标
    #[command(subcommand)]
    Policy(policy_cmd::PolicyCmd),
    /// 导入部门数据（市场监管、税务、人社、统计、金融或事实表）到企业库；或写出导入模板
    Import(registry_cmd::ImportArgs),
    /// 生成六安市模拟企业数据（事实表 CSV），用于演示和性能测试
    Gen(registry_cmd::GenArgs),
    /// 数据库：初始化、迁移、统计
    #[command(subcommand)]
    Db(registry_cmd::DbCmd),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Policy(cmd) => policy_cmd::run(cmd),
        Command::Import(args) => registry_cmd::import(args),
        Command::Gen(args) => registry_cmd::generate(args),
        Command::Db(cmd) => registry_cmd::db(cmd),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误：{e:#}");
            ExitCode::FAILURE
        }
    }
}
