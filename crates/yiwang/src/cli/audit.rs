//! `yiwang audit`: verifying the hash-chained audit log and printing its head.

use std::process::ExitCode;

use clap::Subcommand;

use crate::config::DbArgs;
use crate::kernel_err;

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Walk the whole chain; exit non-zero and name the first altered, deleted or inserted entry.
    Verify {
        #[command(flatten)]
        db: DbArgs,
        /// An earlier exported head (`SEQ:HASH`) that must still be in the log.
        #[arg(long)]
        anchor: Option<String>,
    },
    /// Print the chain head (`SEQ:HASH`) for safekeeping outside the platform.
    Head {
        #[command(flatten)]
        db: DbArgs,
    },
}

pub async fn run(cmd: AuditCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        AuditCommand::Verify { db, anchor } => {
            let pool = db.open().await?;
            let anchor = match anchor.as_deref() {
                None => None,
                Some(a) => {
                    let (seq, hash) = a.split_once(':').ok_or_else(|| {
                        anyhow::anyhow!("--anchor 格式为 SEQ:HASH / must be SEQ:HASH")
                    })?;
                    Some((
                        seq.parse::<i64>().map_err(|_| {
                            anyhow::anyhow!("--anchor: SEQ 须为整数 / must be a number")
                        })?,
                        hash.to_string(),
                    ))
                }
            };
            let verdict =
                yiwang_audit::verify(&pool, anchor.as_ref().map(|(s, h)| (*s, h.as_str())))
                    .await
                    .map_err(kernel_err)?;
            pool.close().await;
            match verdict {
                yiwang_audit::Verdict::Intact { entries, head } => {
                    println!(
                        "审计日志完整 audit log intact: {entries} entries, head {entries}:{head}"
                    );
                    Ok(ExitCode::SUCCESS)
                }
                yiwang_audit::Verdict::Broken { seq, problem } => {
                    eprintln!("审计日志被篡改 audit log TAMPERED at entry {seq}: {problem}");
                    Ok(ExitCode::from(2))
                }
            }
        }
        AuditCommand::Head { db } => {
            let pool = db.open().await?;
            let mut c = pool.clone();
            let h = yiwang_audit::head(&mut c).await.map_err(kernel_err)?;
            println!("{}:{}", h.seq, h.hash);
            pool.close().await;
            Ok(ExitCode::SUCCESS)
        }
    }
}
