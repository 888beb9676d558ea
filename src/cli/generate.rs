//! `scamguard generate`: the manual page and shell completions, written from the command
//! line's own definition so they never drift from it. The Debian package is built with
//! them (contrib/debian/build.sh).

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use clap::{CommandFactory, ValueEnum};
use clap_complete::Shell;

use super::args::Cli;

/// What `generate` writes to standard output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(super) enum Generated {
    /// The manual page, scamguard(1), in roff.
    Man,
    Bash,
    Zsh,
    Fish,
}

/// Writes the manual page or a completion script to standard output.
pub fn generate(what: Generated) -> anyhow::Result<ExitCode> {
    let mut out = Vec::new();
    write(what, &mut out)?;
    std::io::stdout().lock().write_all(&out).context("Unable to write to standard output")?;
    Ok(ExitCode::SUCCESS)
}

fn write(what: Generated, out: &mut Vec<u8>) -> anyhow::Result<()> {
    let mut command = Cli::command();
    let shell = match what {
        Generated::Man => {
            return clap_mangen::Man::new(command).render(out).context("Unable to render the manual page");
        }
        Generated::Bash => Shell::Bash,
        Generated::Zsh => Shell::Zsh,
        Generated::Fish => Shell::Fish,
    };
    clap_complete::generate(shell, &mut command, "scamguard", out);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generated(what: Generated) -> String {
        let mut out = Vec::new();
        write(what, &mut out).expect("generates");
        String::from_utf8(out).expect("UTF-8")
    }

    /// Every visible command reaches the manual page and every completion script.
    #[test]
    fn the_manual_and_completions_name_every_command() {
        let commands: Vec<String> = Cli::command()
            .get_subcommands()
            .filter(|c| !c.is_hide_set())
            .map(|c| c.get_name().to_string())
            .collect();
        assert!(commands.len() >= 10, "{commands:?}");
        let man = generated(Generated::Man);
        assert!(man.starts_with(".ie") || man.contains(".TH scamguard 1"), "{}", &man[..man.len().min(200)]);
        for what in [Generated::Man, Generated::Bash, Generated::Zsh, Generated::Fish] {
            let text = generated(what);
            for command in &commands {
                assert!(text.contains(command.as_str()), "{what:?} lacks {command}");
            }
        }
        assert!(!commands.contains(&"generate".to_string()), "generate is for packagers: hidden");
    }
}
