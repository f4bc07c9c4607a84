//! `flink-sim --scenario FILE [--listen ADDR]`: serves a scenario's simulated Flink REST API
//! until killed, printing `listening on http://ADDR` for the scripts that start it
//! (scripts/make-synthetic-fixtures.sh).

use std::io::Write;

fn main() {
    if let Err(e) = run() {
        eprintln!("flink-sim: {e}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), String> {
    let mut scenario = None;
    let mut listen = "127.0.0.1:8081".to_string();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--scenario" => scenario = args.next(),
            "--listen" => listen = args.next().ok_or("--listen needs an address")?,
            "-h" | "--help" => {
                println!("usage: flink-sim --scenario FILE [--listen 127.0.0.1:8081]");
                return Ok(());
            }
            other => return Err(format!("unknown argument {other:?} (see --help)")),
        }
    }
    let path = scenario.ok_or("--scenario FILE is required (fixtures/scenarios/*.json)")?;
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let scenario = flink_sim::Scenario::from_json(&text).map_err(|e| format!("{path}: {e}"))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async {
        let listener =
            tokio::net::TcpListener::bind(&listen).await.map_err(|e| format!("cannot listen on {listen}: {e}"))?;
        let local = listener.local_addr().map_err(|e| e.to_string())?;
        println!("listening on http://{local}");
        let _ = std::io::stdout().flush();
        flink_sim::serve(scenario, listener).await.map_err(|e| e.to_string())
    })
}
