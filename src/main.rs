use clap::Parser;

fn main() {
    // Panics get a readable report; `diagnose` never leaves the terminal in a raw state.
    let _ = color_eyre::install();
    let cli = bptop::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
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
