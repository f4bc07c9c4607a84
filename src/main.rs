use clap::Parser;

fn main() {
    // Panics get a readable report; `diagnose` never leaves the terminal in a raw state.
    let _ = color_eyre::install();
    let cli = bptop::cli::Cli::parse();
    // A replayed diagnosis is pure computation over files: one thread spares the cross-thread
    // wake-ups of a work-stealing pool (a 1 h recording: about 0.6 s instead of 0.75 s on 2 cores).
    let replaying = cli.source.replay.is_some() && matches!(cli.command, Some(bptop::cli::Command::Diagnose(_)));
    let mut builder = match replaying {
        true => tokio::runtime::Builder::new_current_thread(),
        false => {
            let mut b = tokio::runtime::Builder::new_multi_thread();
            b.worker_threads(2);
            b
        }
    };
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("bptop: cannot start the async runtime: {e}");
            std::process::exit(bptop::run::EXIT_CANNOT_DIAGNOSE);
        }
    };
    let code = runtime.block_on(bptop::run::run(cli));
    // Background tasks (a hung request) must not hold the exit.
    runtime.shutdown_background();
    std::process::exit(code);
}
