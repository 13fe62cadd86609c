//! `yiwang inspection redraw FILE.json`: re-runs a published random-inspection draw
//! (docs/inspection-draw.md) from its inputs and compares the outcome with the published one.
//! Needs no database: anyone holding the file can check the draw.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use yiwang_supervision::inspection::{draw, parse_published};

use crate::kernel_err;

#[derive(Subcommand, Debug)]
pub enum InspectionCommand {
    /// Re-run a published draw: FILE is the public page's `draw.json` (`{"input", "outcome"}`)
    /// or a bare input. Prints the drawn entities and teams; exits 1 when they differ from the
    /// published outcome.
    Redraw { file: PathBuf },
}

pub async fn run(cmd: InspectionCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        InspectionCommand::Redraw { file } => {
            let bytes = std::fs::read(&file)
                .map_err(|e| anyhow::anyhow!("无法读取 cannot read {}: {e}", file.display()))?;
            let (input, published) = parse_published(&bytes).map_err(kernel_err)?;
            let outcome = draw::run(&input).map_err(kernel_err)?;
            println!("algorithm        {}", input.algorithm);
            println!("plan             {}", input.plan_no);
            println!(
                "population       {} · {}",
                input.population.len(),
                outcome.population_hash
            );
            println!(
                "inspectors       {} · {}",
                input.inspectors.len(),
                outcome.inspectors_hash
            );
            println!("seed             {}", outcome.seed);
            for (i, p) in outcome.picks.iter().enumerate() {
                let team: Vec<String> = p.inspectors.iter().map(i64::to_string).collect();
                println!(
                    "{:>4}  {}  {}  [{}]  inspectors {}",
                    i + 1,
                    p.uscc,
                    p.name,
                    p.stratum,
                    team.join(", ")
                );
            }
            match published {
                Some(p) if p == outcome => {
                    println!(
                        "一致 MATCH: the re-run selects exactly the published entities and inspectors"
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Some(p) => {
                    if p.seed != outcome.seed {
                        println!("published seed   {}", p.seed);
                    }
                    println!("不一致 MISMATCH: the published outcome differs from the re-run");
                    Ok(ExitCode::FAILURE)
                }
                None => {
                    println!("(no published outcome in the file to compare with)");
                    Ok(ExitCode::SUCCESS)
                }
            }
        }
    }
}
