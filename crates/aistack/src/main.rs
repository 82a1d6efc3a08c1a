//! The `aistack` command line: run, check and batch national AI-stack
//! scenarios. Only this crate prints and picks exit codes.

mod run_cmd;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// aistack: a discrete-event simulator of a national AI stack (energy grid,
/// chip supply chain, model training).
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run one scenario (the embedded default if none is given) and write
    /// timeseries.csv and summary.json.
    Run {
        /// Scenario file (RON). Default: the embedded china-2025 scenario.
        scenario: Option<PathBuf>,
        /// Output directory. Default: aistack-out/<scenario name>/.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Seed of the run's random streams. Default: the scenario's `seed`.
        #[arg(long)]
        seed: Option<u64>,
        /// Also write the event trace, events.jsonl.
        #[arg(long)]
        trace: bool,
    },
    /// Check a scenario file; print file:line:column and the field on error.
    Validate {
        /// Scenario file (RON).
        scenario: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run {
            scenario,
            out,
            seed,
            trace,
        } => run_cmd::run(scenario.as_deref(), out, seed, trace),
        Command::Validate { scenario } => run_cmd::validate(&scenario),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
