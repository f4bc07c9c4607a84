//! One frame of the operator-chain view on ratatui's TestBackend (no terminal I/O: what the
//! dashboard spends per redraw). The figure: a 200-vertex job at parallelism 32, read from the
//! simulator through bptop's own client; the baseline in the same run: the same view of the
//! bundled real recording (a 4-vertex job), at the same terminal size.

mod common;
#[path = "../tests/support/demo.rs"]
mod demo;

use bptop::collect::PollEvent;
use bptop::ui::app::{App, Msg};
use bptop::ui::theme::Theme;
use criterion::{criterion_group, criterion_main, Criterion};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

const THEME: Theme = Theme { color: true, ascii: false };

/// The dashboard after `polls` polls of a big generated job (2 s apart, Flink measuring every
/// 10 s), so the verdict rests on a full window and the sparklines have points.
fn big_job_app(vertices: usize, parallelism: u32, polls: usize) -> App {
    let template = common::snapshot_of(flink_sim::Scenario::generated_chain(vertices, parallelism));
    let mut app = App::new("bench", true, 2000, 0);
    for p in 0..polls {
        let mut snap = template.clone();
        snap.at_ms += 2000 * p as i64;
        for v in snap.jobs.iter_mut().flat_map(|j| j.vertices.iter_mut()) {
            v.measured_at_ms = v.measured_at_ms.map(|t| t + 10_000 * (p as i64 / 5));
        }
        app.update(Msg::Poll(PollEvent::Snapshot(Box::new(snap))));
    }
    app
}

fn frame(c: &mut Criterion) {
    let (w, h) = (160, 48);
    let big = big_job_app(200, 32, 10);
    assert_eq!(big.vertex_rows().len(), 200, "the chain view lists every vertex");
    let small = demo::app_from_recording(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/real/slow-sink"),
        "real/slow-sink",
        None,
    )
    .expect("bundled recording");
    // To see what is measured: BENCH_SHOW_FRAME=1 cargo bench --bench render
    if std::env::var_os("BENCH_SHOW_FRAME").is_some() {
        let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        t.draw(|f| bptop::ui::view::draw(f, &big, &THEME)).expect("draw");
        println!("{}", t.backend());
    }
    let mut group = c.benchmark_group("render");
    for (name, app) in [("chain_200x32", &big), ("chain_4_real_slow_sink", &small)] {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        group.bench_function(name, |b| {
            b.iter(|| {
                terminal.draw(|f| bptop::ui::view::draw(f, app, &THEME)).expect("draw");
            })
        });
    }
    group.finish();
}

criterion_group!(benches, frame);
criterion_main!(benches);
