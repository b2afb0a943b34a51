//! `huiqi`: the command line. Each area of work is a subcommand module; this
//! file only parses arguments and maps errors to exit codes.
#![forbid(unsafe_code)]

mod policy_cmd;
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Policy(cmd) => policy_cmd::run(cmd),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误：{e:#}");
            ExitCode::FAILURE
        }
    }
}
