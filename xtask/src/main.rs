//! weft's developer tasks, run as `cargo xtask <task>` (the alias is in `.cargo/config.toml`).
//!
//! `cargo xtask test [--dry-run] [ARGS...]` is the README's test command. On a fresh Debian
//! machine that has only the Rust toolchain, it installs what the browser and accessibility tests
//! need and is missing: Debian's `chromium`, Java for the HTML checker, Node.js and npm for the
//! pinned validators (`.ci/install-validators.sh`), saying in one line what it installs; then it
//! runs the whole suite, `cargo test --workspace ARGS`. No test is skipped: a tool that cannot be
//! installed stops the task with the command to run instead.
//!
//! The probes read the same things the tests use (`$WEFT_CHROMIUM` or `chromium` on `PATH`,
//! `java`, `node`, `npm`, the validators' folder), so hiding a tool from `PATH` shows what a
//! fresh machine would get; `--dry-run` prints the plan and runs nothing.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const USAGE: &str = "usage: cargo xtask test [--dry-run] [CARGO TEST ARGS...]";

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    match args.split_first() {
        Some((task, rest)) if task == "test" => match test(rest) {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("xtask: {message}");
                ExitCode::FAILURE
            }
        },
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// `cargo xtask test`: install what is missing, then run the whole suite.
fn test(args: &[String]) -> Result<(), String> {
    let dry_run = args.iter().any(|a| a == "--dry-run");
    let cargo_args: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| *a != "--dry-run")
        .collect();
    let repo = repo_root();
    let found = Found::probe(&repo);
    let plan = Plan::for_machine(&found);
    println!("xtask: {}", plan.summary());

    if !plan.apt.is_empty() {
        if !found.root {
            return Err(format!(
                "installing system packages needs root; run this first, then `cargo xtask test` again:\n  {}",
                plan.apt_command_line()
            ));
        }
        run(dry_run, Command::new("apt-get").args(["update", "-qq"]))?;
        run(
            dry_run,
            Command::new("apt-get")
                .args(["install", "-y", "-qq", "--no-install-recommends"])
                .args(&plan.apt)
                .env("DEBIAN_FRONTEND", "noninteractive"),
        )?;
    }
    if plan.validators.is_some() {
        run(dry_run, &mut validators_script(&repo))?;
    }
    let mut cargo = Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cargo
        .current_dir(&repo)
        .args(["test", "--workspace"])
        .args(&cargo_args);
    // The browser tests start `$WEFT_CHROMIUM`, else /usr/bin/chromium: point them at the
    // Chromium found here when it lives elsewhere on PATH.
    if env::var_os("WEFT_CHROMIUM").is_none() {
        if let Some(chromium) = &found.chromium {
            cargo.env("WEFT_CHROMIUM", chromium);
        }
    }
    run(dry_run, &mut cargo)
}

/// The repository: the folder above xtask/.
fn repo_root() -> PathBuf {
    let xtask = Path::new(env!("CARGO_MANIFEST_DIR"));
    xtask
        .parent()
        .expect("xtask/ sits in the repository")
        .to_path_buf()
}

/// Runs a command, or with `--dry-run` prints it.
fn run(dry_run: bool, command: &mut Command) -> Result<(), String> {
    let shown = show(command);
    if dry_run {
        println!("xtask: would run `{shown}`");
        return Ok(());
    }
    let status = command
        .status()
        .map_err(|e| format!("cannot run `{shown}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{shown}` failed ({status})"))
    }
}

fn show(command: &Command) -> String {
    let program = command.get_program().to_string_lossy().into_owned();
    let args = command.get_args().map(|a| a.to_string_lossy().into_owned());
    std::iter::once(program)
        .chain(args)
        .collect::<Vec<_>>()
        .join(" ")
}

fn validators_script(repo: &Path) -> Command {
    let mut command = Command::new(repo.join(".ci/install-validators.sh"));
    command.current_dir(repo);
    command
}

/// What the machine has, as the tests will look for it.
#[derive(Debug, Default)]
struct Found {
    /// `$WEFT_CHROMIUM` when set and present, else `chromium` on PATH.
    chromium: Option<PathBuf>,
    java: bool,
    node: bool,
    npm: bool,
    /// `make`, to build jemalloc (tikv-jemalloc-sys) for weft itself.
    make: bool,
    /// `None` when the pinned validators are installed, else what an install would fetch.
    validators_missing: Option<String>,
    /// Where the validators go: `$WEFT_VALIDATORS`, else target/validators.
    validators_dir: String,
    root: bool,
}

impl Found {
    fn probe(repo: &Path) -> Found {
        let chromium = match env::var_os("WEFT_CHROMIUM") {
            Some(path) => Some(PathBuf::from(path)).filter(|p| p.is_file()),
            None => on_path("chromium"),
        };
        Found {
            chromium,
            java: on_path("java").is_some(),
            node: on_path("node").is_some(),
            npm: on_path("npm").is_some(),
            make: on_path("make").is_some(),
            validators_missing: validators_missing(repo),
            validators_dir: env::var("WEFT_VALIDATORS")
                .unwrap_or_else(|_| "target/validators".to_string()),
            root: is_root(),
        }
    }
}

/// The executable `name` in a folder of `PATH`, like `command -v`.
fn on_path(name: &str) -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

/// Asks `.ci/install-validators.sh --check`, which holds the pinned versions.
fn validators_missing(repo: &Path) -> Option<String> {
    let output = validators_script(repo).arg("--check").output();
    match output {
        Ok(out) if out.status.success() => None,
        Ok(out) => Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
            .filter(|s| !s.is_empty())
            .or_else(|| Some("the pinned validators".to_string())),
        Err(_) => Some("the pinned validators".to_string()),
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.trim_ascii() == b"0")
}

/// What `cargo xtask test` installs before running the suite.
#[derive(Debug, PartialEq)]
struct Plan {
    /// Debian packages, in install order.
    apt: Vec<&'static str>,
    /// The npm validators when missing: `vnu-jar@… axe-core@… (npm, into FOLDER)`.
    validators: Option<String>,
}

impl Plan {
    fn for_machine(found: &Found) -> Plan {
        let wanted = [
            (found.chromium.is_some(), "chromium"),
            (found.java, "default-jre-headless"),
            (found.node, "nodejs"),
            (found.npm, "npm"),
            (found.make, "make"),
        ];
        Plan {
            apt: wanted
                .into_iter()
                .filter(|(present, _)| !present)
                .map(|(_, package)| package)
                .collect(),
            validators: found
                .validators_missing
                .as_ref()
                .map(|pins| format!("{pins} (npm, into {})", found.validators_dir)),
        }
    }

    /// The one line that says what will be installed, then that the suite runs.
    fn summary(&self) -> String {
        let mut parts = Vec::new();
        if !self.apt.is_empty() {
            parts.push(format!("{} (apt-get)", self.apt.join(", ")));
        }
        if let Some(validators) = &self.validators {
            parts.push(validators.clone());
        }
        if parts.is_empty() {
            "Chromium, Java and the pinned validators are installed; running cargo test --workspace"
                .to_string()
        } else {
            format!(
                "installing {} for the tests, then running cargo test --workspace",
                parts.join(" and ")
            )
        }
    }

    /// The commands a root user runs to install the Debian packages.
    fn apt_command_line(&self) -> String {
        format!(
            "apt-get update && apt-get install -y --no-install-recommends {}",
            self.apt.join(" ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn everything() -> Found {
        Found {
            chromium: Some(PathBuf::from("/usr/bin/chromium")),
            java: true,
            node: true,
            npm: true,
            make: true,
            validators_missing: None,
            validators_dir: "target/validators".into(),
            root: true,
        }
    }

    #[test]
    fn a_machine_with_everything_installs_nothing_and_says_so() {
        let plan = Plan::for_machine(&everything());
        assert_eq!(
            plan,
            Plan {
                apt: vec![],
                validators: None
            }
        );
        assert_eq!(
            plan.summary(),
            "Chromium, Java and the pinned validators are installed; running cargo test --workspace"
        );
    }

    #[test]
    fn a_fresh_machine_gets_every_package_and_the_validators_in_one_line() {
        let fresh = Found {
            validators_missing: Some("vnu-jar@26.9.27 axe-core@4.14.1".into()),
            validators_dir: "target/validators".into(),
            make: true,
            ..Found::default()
        };
        let plan = Plan::for_machine(&fresh);
        assert_eq!(
            plan.apt,
            ["chromium", "default-jre-headless", "nodejs", "npm"]
        );
        assert_eq!(
            plan.summary(),
            "installing chromium, default-jre-headless, nodejs, npm (apt-get) and \
             vnu-jar@26.9.27 axe-core@4.14.1 (npm, into target/validators) for the tests, \
             then running cargo test --workspace"
        );
        assert_eq!(
            plan.apt_command_line(),
            "apt-get update && apt-get install -y --no-install-recommends \
             chromium default-jre-headless nodejs npm"
        );
    }

    #[test]
    fn only_what_is_missing_is_installed() {
        let found = Found {
            java: false,
            ..everything()
        };
        let plan = Plan::for_machine(&found);
        assert_eq!(plan.apt, ["default-jre-headless"]);
        assert_eq!(plan.validators, None);
    }

    #[test]
    fn only_executable_files_count_as_commands() {
        let dir = env::temp_dir().join(format!("xtask-on-path-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let tool = dir.join("weft-probe-tool");
        std::fs::write(&tool, "#!/bin/sh\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert!(!is_executable(&tool), "a plain file is no command");
            std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        assert!(is_executable(&tool));
        assert!(!is_executable(&dir), "a folder is no command");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
