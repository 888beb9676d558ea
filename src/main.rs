//! The `scamguard` command: everything it does is in [`cli`].
#![deny(clippy::indexing_slicing)]

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
