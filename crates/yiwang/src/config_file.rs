//! The configuration file (`--config yiwang.toml`, or `YIWANG_CONFIG`), beside the flags and
//! environment variables.
//!
//! Its keys are the long flags of `yiwang serve` (and the global `--log-format`) with `_` for
//! `-`: `listen`, `data_dir`, `database_url`, `trusted_proxy` (a list), … — one flat table, no
//! sections (docs/yiwang.example.toml lists and explains every key). A key that is no such flag
//! is an error naming it, so a misspelt setting never goes unnoticed.
//!
//! Precedence: flag > environment variable > file > default. It is implemented by handing the
//! file's settings to the command-line parser as extra flags, only for settings that neither a
//! flag nor the setting's environment variable gave: so each value goes through the same
//! checks as the flag (ranges, formats), and a command takes from the file only the keys it
//! has (`yiwang doctor` reads `data_dir` and `database_url` and ignores `listen`).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The environment variable that names the file.
pub const ENV: &str = "YIWANG_CONFIG";

/// Flags that are not settings (never taken from the file).
const NOT_SETTINGS: &[&str] = &["config", "help", "version"];

/// The file named by `--config PATH`, `--config=PATH`, or `YIWANG_CONFIG`.
pub fn named(argv: &[OsString]) -> Option<PathBuf> {
    let mut it = argv.iter().skip(1);
    while let Some(a) = it.next() {
        let s = a.to_string_lossy();
        if s == "--" {
            break;
        }
        if s == "--config" {
            return it.next().map(PathBuf::from);
        }
        if let Some(v) = s.strip_prefix("--config=") {
            return Some(PathBuf::from(v));
        }
    }
    std::env::var_os(ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Reads and parses the file.
pub fn read(path: &Path) -> anyhow::Result<toml::Table> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        anyhow::anyhow!(
            "配置文件 config file {}: 无法读取 cannot read: {e}",
            path.display()
        )
    })?;
    text.parse::<toml::Table>().map_err(|e| {
        anyhow::anyhow!(
            "配置文件 config file {}: 不是有效的 TOML / not valid TOML: {e}",
            path.display()
        )
    })
}

/// The keys a file may hold: the settings of `serve` and the global ones.
pub fn known_keys(root: &clap::Command) -> Vec<String> {
    let mut keys: Vec<String> = root
        .get_arguments()
        .chain(
            root.find_subcommand("serve")
                .into_iter()
                .flat_map(|s| s.get_arguments()),
        )
        .filter_map(|a| a.get_long())
        .filter(|l| !NOT_SETTINGS.contains(l))
        .map(|l| l.replace('-', "_"))
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// `argv` with the file's settings added as flags, where neither a flag nor the environment
/// gave them, for the (sub)command that `argv` runs. `env_has` says whether an environment
/// variable is set.
pub fn apply(
    root: &clap::Command,
    argv: Vec<OsString>,
    file: &toml::Table,
    source: &Path,
    env_has: impl Fn(&str) -> bool,
) -> anyhow::Result<Vec<OsString>> {
    let known = known_keys(root);
    for key in file.keys() {
        if !known.contains(key) {
            anyhow::bail!(
                "配置文件 config file {}: 未知的键 unknown key `{key}`（可用 allowed: {}）",
                source.display(),
                known.join(", ")
            );
        }
    }
    // The command that runs: follow subcommand names through the arguments.
    let mut cmd = root;
    let mut args: Vec<&clap::Arg> = root.get_arguments().collect();
    for a in argv.iter().skip(1) {
        let s = a.to_string_lossy();
        if let Some(sub) = cmd.find_subcommand(s.as_ref()) {
            cmd = sub;
            args.extend(sub.get_arguments());
        }
    }
    let given: Vec<String> = argv
        .iter()
        .skip(1)
        .map(|a| a.to_string_lossy().to_string())
        .collect();
    let mut out = argv;
    for (key, value) in file {
        let long = key.replace('_', "-");
        let Some(arg) = args.iter().find(|a| a.get_long() == Some(long.as_str())) else {
            continue; // A setting of another command.
        };
        let flag = format!("--{long}");
        if given
            .iter()
            .any(|g| *g == flag || g.starts_with(&format!("{flag}=")))
        {
            continue;
        }
        if arg.get_env().is_some_and(|e| env_has(&e.to_string_lossy())) {
            continue;
        }
        let bad = |what: &str| {
            anyhow::anyhow!(
                "配置文件 config file {}: 键 key `{key}`: {what}",
                source.display()
            )
        };
        let takes_value = arg.get_action().takes_values();
        match value {
            toml::Value::Boolean(b) if !takes_value => {
                if *b {
                    out.push(flag.into());
                }
            }
            _ if !takes_value => {
                return Err(bad("应为 true 或 false / must be true or false"));
            }
            toml::Value::Array(items) => {
                for item in items {
                    out.push(flag.clone().into());
                    out.push(scalar(item).ok_or_else(|| {
                        bad("列表元素应为字符串或数字 / list items must be strings or numbers")
                    })?);
                }
            }
            v => {
                out.push(flag.into());
                out.push(scalar(v).ok_or_else(|| {
                    bad("应为字符串、数字或布尔值 / must be a string, a number or a boolean")
                })?);
            }
        }
    }
    Ok(out)
}

fn scalar(v: &toml::Value) -> Option<OsString> {
    match v {
        toml::Value::String(s) => Some(s.into()),
        toml::Value::Integer(i) => Some(i.to_string().into()),
        toml::Value::Float(f) => Some(f.to_string().into()),
        toml::Value::Boolean(b) => Some(b.to_string().into()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    fn argv(s: &[&str]) -> Vec<OsString> {
        s.iter().map(OsString::from).collect()
    }

    fn table(s: &str) -> toml::Table {
        s.parse().unwrap()
    }

    fn strings(v: Vec<OsString>) -> Vec<String> {
        v.into_iter()
            .map(|s| s.to_string_lossy().to_string())
            .collect()
    }

    #[test]
    fn precedence_flag_env_file_default() {
        let root = crate::Cli::command();
        let file = table(
            "listen = \"127.0.0.1:9000\"\npublic_url = \"https://a.example\"\n\
             lockout_failures = 7\ndemo = true\ntrusted_proxy = [\"10.0.0.0/8\", \"::1\"]\n",
        );
        let src = Path::new("y.toml");
        // The flag wins over the file; the environment wins over the file; the rest is taken.
        let out = strings(
            apply(
                &root,
                argv(&["yiwang", "serve", "--listen", "0.0.0.0:1"]),
                &file,
                src,
                |e| e == "YIWANG_PUBLIC_URL",
            )
            .unwrap(),
        );
        assert_eq!(out.iter().filter(|a| *a == "--listen").count(), 1);
        assert!(!out.contains(&"--public-url".to_string()), "{out:?}");
        for want in ["--lockout-failures", "7", "--demo", "10.0.0.0/8", "::1"] {
            assert!(out.contains(&want.to_string()), "{want}: {out:?}");
        }
        let cli = <crate::Cli as clap::Parser>::try_parse_from(&out).unwrap();
        let crate::Command::Serve(cfg) = cli.command else {
            panic!("serve")
        };
        assert_eq!(cfg.listen, "0.0.0.0:1");
        assert_eq!(cfg.lockout_failures, 7);
        assert!(cfg.demo);
        assert_eq!(cfg.trusted_proxies.len(), 2);
        // A command takes only its own keys: `migrate` has no `listen`.
        let out = strings(
            apply(
                &root,
                argv(&["yiwang", "migrate"]),
                &table("listen = \"x\"\ndata_dir = \"/srv/y\"\n"),
                src,
                |_| false,
            )
            .unwrap(),
        );
        assert_eq!(out, ["yiwang", "migrate", "--data-dir", "/srv/y"]);
        // `--flag=value` counts as given.
        let out = strings(
            apply(
                &root,
                argv(&["yiwang", "migrate", "--data-dir=/a"]),
                &table("data_dir = \"/b\"\n"),
                src,
                |_| false,
            )
            .unwrap(),
        );
        assert_eq!(out, ["yiwang", "migrate", "--data-dir=/a"]);
    }

    #[test]
    fn unknown_keys_and_bad_values_are_named() {
        let root = crate::Cli::command();
        let src = Path::new("y.toml");
        let e = apply(
            &root,
            argv(&["yiwang", "serve"]),
            &table("lisen = \"x\"\n"),
            src,
            |_| false,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("`lisen`") && e.contains("unknown key"), "{e}");
        let e = apply(
            &root,
            argv(&["yiwang", "serve"]),
            &table("[server]\nlisten = \"x\"\n"),
            src,
            |_| false,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("`server`"), "{e}");
        let e = apply(
            &root,
            argv(&["yiwang", "serve"]),
            &table("demo = \"yes\"\n"),
            src,
            |_| false,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("`demo`") && e.contains("true or false"), "{e}");
    }

    /// The example file parses, holds only known keys, and documents every key.
    #[test]
    fn the_example_file_documents_every_key() {
        let root = crate::Cli::command();
        let text = include_str!("../../../docs/yiwang.example.toml");
        let file: toml::Table = text.parse().unwrap();
        apply(
            &root,
            argv(&["yiwang", "serve"]),
            &file,
            Path::new("docs/yiwang.example.toml"),
            |_| false,
        )
        .unwrap();
        for key in known_keys(&root) {
            assert!(
                text.lines().any(|l| {
                    let l = l.trim_start_matches(['#', ' ']);
                    l.starts_with(&format!("{key} ="))
                }),
                "docs/yiwang.example.toml does not document `{key}`"
            );
        }
    }
}
