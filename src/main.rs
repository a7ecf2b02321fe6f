//! The action's entrypoint and the CLI: parse, run, print the error chain, exit 0/1/2.

use clap::Parser;
use shipgate::{app, cli::Cli, runner};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    // SAFETY: restoring the default disposition of SIGPIPE before any thread writes; Rust's
    // runtime ignores it, which turns a closed pipe into a panic on print.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SHIPGATE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .without_time()
        .init();
    let cli = Cli::parse();
    match app::run(cli).await {
        Ok(code) => app::exit(code),
        Err(err) => {
            let chain: Vec<String> = err.chain().map(|e| e.to_string()).collect();
            let text = chain.join(": ");
            if runner::RunContext::in_actions() {
                runner::error("shipgate", &text);
            }
            eprintln!("error: {text}");
            app::exit(app::exit_code_for(&err))
        }
    }
}
