//! Every screen rendered on ratatui's TestBackend from bundled recordings, compared with insta
//! snapshots; plus the styles that carry meaning (the bottleneck row), which text alone misses.

mod support;

use bptop::collect::PollEvent;
use bptop::ui::app::{App, Msg};
use bptop::ui::keymap::Key;
use bptop::ui::theme::Theme;
use bptop::ui::view;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use ratatui::Terminal;
use support::fixture;

const COLOR: Theme = Theme { color: true, ascii: false };
const MONO: Theme = Theme { color: false, ascii: false };
const ASCII: Theme = Theme { color: true, ascii: true };

/// The dashboard state after replaying `polls` polls of a recording (all when None).
fn app_from(rel: &str, polls: Option<usize>) -> App {
    support::demo::app_from_recording(&fixture(rel), rel, polls).expect("recording")
}

fn press(app: &mut App, keys: &[Key]) {
    for k in keys {
        app.update(Msg::Key(*k));
    }
}

fn render(app: &App, theme: Theme, w: u16, h: u16) -> (String, Buffer) {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| view::draw(f, app, &theme)).unwrap();
    let buf = terminal.backend().buffer().clone();
    (text(&buf), buf)
}

fn text(buf: &Buffer) -> String {
    let area = buf.area;
    let mut out = String::new();
    for y in 0..area.height {
        let mut line = String::new();
        for x in 0..area.width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Row `y` as text, one char per cell (so byte offsets of ASCII columns line up).
fn row(buf: &Buffer, y: u16) -> String {
    (0..buf.area.width).map(|x| buf[(x, y)].symbol().chars().next().unwrap_or(' ')).collect()
}

/// Position of the first cell where `needle` starts.
fn find(buf: &Buffer, needle: &str) -> Option<(u16, u16)> {
    let first = needle.chars().next()?.to_string();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            if buf[(x, y)].symbol() != first {
                continue;
            }
            let mut s = String::new();
            let mut cx = x;
            while cx < buf.area.width && s.chars().count() < needle.chars().count() {
                s.push_str(buf[(cx, y)].symbol());
                cx += 1;
            }
            if s == needle {
                return Some((x, y));
            }
        }
    }
    None
}

#[test]
fn chain_of_the_real_slow_sink() {
    let app = app_from("real/slow-sink", None);
    let (screen, buf) = render(&app, COLOR, 120, 32);
    insta::assert_snapshot!("chain_slow_sink_120x32", screen);
    // The severity comes with its reason in the top bar.
    let top = screen.lines().next().unwrap();
    // A replay shows when the poll on screen was recorded, not an age.
    assert!(top.contains("recorded 2026-11-23 10:58:40 UTC │ ● CRITICAL │ realflink-slow-sink: sl"), "{top}");
    // The bottleneck is unmistakable: red and bold, not just the word.
    let (x, y) = find(&buf, "BOTTLENECK").expect("bottleneck label");
    let cell = &buf[(x, y)];
    assert_eq!(cell.fg, Color::Red);
    assert!(cell.modifier.contains(Modifier::BOLD));
    let row: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol().to_string()).collect();
    assert!(row.contains("slow-sink: Writer"), "label and name on one row: {row}");
    let name_x = (0..buf.area.width).find(|&x| buf[(x, y)].symbol() == "s").unwrap();
    assert_eq!(buf[(name_x, y)].fg, Color::Red);
    // Victims read as victims (blue), not as problems (red).
    let (vx, vy) = find(&buf, "⇡ victim").expect("victim label");
    assert_eq!(buf[(vx, vy)].fg, Color::Blue);
}

#[test]
fn chain_at_80x24_still_names_the_bottleneck() {
    let app = app_from("real/slow-sink", None);
    let (screen, _) = render(&app, COLOR, 80, 24);
    insta::assert_snapshot!("chain_slow_sink_80x24", screen);
    assert!(screen.contains("BOTTLENECK") && screen.contains("slow-sink: Writer"));
}

#[test]
fn a_short_table_spans_the_width_and_a_long_one_has_the_cards_beside() {
    // Four operators on 170 columns: the table on top, full width (names whole), cards below.
    let app = app_from("real/python-udf", None);
    let (screen, buf) = render(&app, COLOR, 170, 36);
    insta::assert_snapshot!("chain_python_udf_170x36", screen);
    let (ox, oy) = find(&buf, "┏▸ operators").expect("operators pane, focused");
    let (bx, by) = find(&buf, "╭ bottleneck").expect("bottleneck card");
    assert_eq!(ox, 0);
    assert!(by > oy + 4 && bx == 0, "below the table: card at {bx},{by}");
    // Sixty operators on 200 columns: the table needs the height, the cards go beside it.
    let app = app_from_scenario(flink_sim::Scenario::generated_dag(60, 2));
    let (_, buf) = render(&app, COLOR, 200, 60);
    let (_, oy) = find(&buf, "┏▸ operators").expect("operators pane");
    let (bx, by) = find(&buf, "╭ bottleneck").expect("bottleneck card");
    let (fx, fy) = find(&buf, "╭ forecast").expect("forecast card");
    assert_eq!(by, oy, "the card starts on the operators' top row, beside them");
    assert!(bx >= 140, "the operators keep most of the width: card at column {bx}");
    assert_eq!(fx, bx, "the forecast stacks under the bottleneck card");
    assert!(fy > by);
}

#[test]
fn no_color_marks_the_bottleneck_by_reverse_video_and_symbols() {
    let app = app_from("real/slow-sink", None);
    let (screen, buf) = render(&app, MONO, 120, 32);
    insta::assert_snapshot!("chain_slow_sink_no_color", screen);
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            assert_eq!(buf[(x, y)].fg, Color::Reset, "a colour at {x},{y} under NO_COLOR");
            assert_eq!(buf[(x, y)].bg, Color::Reset, "a background at {x},{y} under NO_COLOR");
        }
    }
    let (x, y) = find(&buf, "BOTTLENECK").unwrap();
    assert!(buf[(x, y)].modifier.contains(Modifier::REVERSED));
    assert!(screen.contains("▶ BOTTLENECK"));
}

#[test]
fn ascii_mode_uses_no_box_or_block_glyphs() {
    let app = app_from("real/slow-sink", None);
    let (screen, _) = render(&app, ASCII, 100, 30);
    insta::assert_snapshot!("chain_slow_sink_ascii", screen);
    assert!(screen.is_ascii(), "non-ASCII glyphs in --ascii mode");
}

#[test]
fn overview_of_two_jobs() {
    let app = app_from("synthetic/two-jobs", None);
    let (screen, buf) = render(&app, COLOR, 120, 30);
    insta::assert_snapshot!("overview_two_jobs", screen);
    let (x, y) = find(&buf, "CRITICAL").unwrap();
    assert_eq!(buf[(x, y)].fg, Color::Red);
}

#[test]
fn detail_shows_the_hot_subtask() {
    let mut app = app_from("synthetic/skew", None);
    press(&mut app, &[Key::Down, Key::Enter]);
    let (screen, buf) = render(&app, COLOR, 120, 30);
    insta::assert_snapshot!("detail_skew", screen);
    assert!(screen.contains("HOT"));
    let (x, y) = find(&buf, "HOT").unwrap();
    assert_eq!(buf[(x, y)].fg, Color::Red, "the hot subtask's row stands out");
    let row: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol().to_string()).collect();
    assert!(row.contains("#2"), "HOT marks subtask #2: {row}");
}

#[test]
fn fan_out_and_join_show_their_edges() {
    let app = app_from("synthetic/fan-out", None);
    let (screen, _) = render(&app, COLOR, 120, 30);
    insta::assert_snapshot!("chain_fan_out", screen);
    assert!(screen.contains("fan-out 2"));
    let app = app_from("synthetic/join", None);
    let (screen, _) = render(&app, COLOR, 120, 30);
    insta::assert_snapshot!("chain_join", screen);
    // The join hangs under one source and names the other; the other names the join.
    assert!(screen.contains("join ⇐ #2 hash"), "{screen}");
    assert!(screen.contains("Source: kafka-payments → #3"), "{screen}");
}

#[test]
fn help_is_generated_from_the_keymap() {
    let mut app = app_from("real/slow-sink", None);
    press(&mut app, &[Key::Char('?')]);
    let (screen, _) = render(&app, COLOR, 120, 40);
    insta::assert_snapshot!("help", screen);
    for b in bptop::ui::keymap::KEYMAP {
        assert!(screen.contains(b.help), "help lacks '{}'", b.help);
    }
}

#[test]
fn sources_screen() {
    let mut app = app_from("real/slow-sink", None);
    press(&mut app, &[Key::Char('S')]);
    let (screen, buf) = render(&app, COLOR, 100, 24);
    insta::assert_snapshot!("sources", screen);
    // One row per source, its columns under their headings.
    let heading = row(&buf, find(&buf, "source ").expect("heading").1);
    let (_, y) = find(&buf, "flink ").expect("the flink source's row");
    let line = row(&buf, y);
    for (column, value) in
        [("kind", "flink"), ("state", "ok"), ("requests", "10"), ("endpoint", "http://127.0.0.1:8081")]
    {
        let at = heading.find(column).unwrap_or_else(|| panic!("no column {column}: {heading}"));
        assert!(line[at..].starts_with(value), "{column} should read {value}: {line}");
    }
    assert!(screen.contains("no errors in the last poll"), "{screen}");
}

#[test]
fn unknowns_read_as_unknown() {
    let app = app_from("synthetic/no-data-yet", None);
    let (screen, _) = render(&app, COLOR, 100, 26);
    insta::assert_snapshot!("chain_no_data_yet", screen);
    assert!(screen.contains("? unknown"));
    assert!(!screen.contains("healthy"));
}

#[test]
fn waiting_for_the_first_answer() {
    let mut app = App::new("http://flink:8081", false, 2000, 0);
    app.session.expect_source("flink", bptop::model::SourceKind::Flink, "http://flink:8081");
    app.update(Msg::Poll(PollEvent::Started { at_ms: 0 }));
    app.update(Msg::Tick(7000));
    let (screen, _) = render(&app, COLOR, 80, 24);
    insta::assert_snapshot!("waiting_stale", screen);
    assert!(screen.contains("STALE: no answer in 7 s"));
}

#[test]
fn too_small_a_terminal_says_so() {
    let app = app_from("real/slow-sink", Some(2));
    let (screen, _) = render(&app, COLOR, 60, 20);
    insta::assert_snapshot!("too_small", screen);
    assert!(screen.contains("terminal too small"));
}

#[test]
fn forecast_panel_draws_the_ramp_and_its_eta() {
    let app = app_from("synthetic/load-ramp", None);
    let (screen, buf) = render(&app, COLOR, 120, 34);
    insta::assert_snapshot!("forecast_load_ramp", screen);
    assert!(screen.contains("busy of enrich-with-geo reaches 100% in ~"), "{screen}");
    // The headline of an ETA is a warning, in yellow.
    let (x, y) = find(&buf, "busy of enrich-with-geo").unwrap();
    assert_eq!(buf[(x, y)].fg, Color::Yellow);
    // The threshold, the data and the fitted line are drawn, not only described: the plot's
    // top row (100 %) is a red line across, the measured points (default colour) climb from the
    // left to "now", and the fitted line (yellow) goes on up to the threshold.
    let (ax, top) = find(&buf, "100%│").expect("the chart's 100% mark");
    let plot_x = ax + 5;
    let bottom = (top..buf.area.height).find(|&y| buf[(plot_x - 1, y)].symbol() == "└").expect("the x axis");
    let right = (plot_x..buf.area.width).take_while(|&x| buf[(x, top)].symbol() != "│").last().unwrap();
    let braille = |x: u16, y: u16| buf[(x, y)].symbol().chars().any(|c| ('\u{2801}'..='\u{28ff}').contains(&c));
    let threshold = (plot_x..=right).filter(|&x| braille(x, top) && buf[(x, top)].fg == Color::Red).count();
    assert!(threshold * 10 >= (right - plot_x + 1) as usize * 9, "the threshold line spans the plot");
    // The highest cell of each column drawn in `colour`, below the threshold row.
    let highest = |colour: Color| -> Vec<(u16, u16)> {
        (plot_x..=right)
            .filter_map(|x| (top + 1..bottom).find(|&y| braille(x, y) && buf[(x, y)].fg == colour).map(|y| (x, y)))
            .collect()
    };
    let data = highest(Color::Reset);
    assert!(data.len() >= 20, "measured points in most columns up to now: {data:?}");
    let (first, last) = (data[0].1, data.last().unwrap().1);
    // The recording climbs from ~40 % to ~76 %: a third of the 16 rows.
    assert!(first >= last + 4, "the data rises by at least 4 rows: from row {first} to {last}");
    assert!(data.windows(2).all(|w| w[1].1 <= w[0].1 + 1), "it never falls back more than a row: {data:?}");
    let fit = highest(Color::Yellow);
    let ahead: Vec<&(u16, u16)> = fit.iter().filter(|(x, _)| *x > data.last().unwrap().0).collect();
    assert!(!ahead.is_empty(), "the fitted line goes on past the last measurement");
    assert!(ahead.last().unwrap().1 <= top + 1, "and reaches the threshold: {ahead:?}");
}

#[test]
fn consumer_lag_shows_on_the_overview_with_its_time_to_loss() {
    let app = app_from("synthetic/lag-retention", None);
    let (screen, buf) = render(&app, COLOR, 120, 24);
    insta::assert_snapshot!("overview_lag", screen);
    assert!(screen.contains("orders-enrichment [growing]"), "{screen}");
    assert!(screen.contains("2 h 43 min"), "{screen}");
    let (x, y) = find(&buf, "orders-enrichment [growing]").unwrap();
    assert_eq!(buf[(x, y)].fg, Color::Red, "a forecast data loss reads as danger");
}

#[test]
fn a_long_chain_builds_only_what_fits_and_scrolls_to_the_selection() {
    let mut app = app_from_scenario(flink_sim::Scenario::generated_chain(60, 2));
    let (top, _) = render(&app, COLOR, 120, 32);
    assert!(top.contains("1–"), "the title says which rows are shown: {top}");
    assert!(top.contains("of 60"), "{top}");
    assert!(!top.contains("events-out: Writer"), "the last vertex is below the fold: {top}");
    // The cursor on the last vertex brings it on screen.
    press(&mut app, &[Key::End]);
    let (bottom, _) = render(&app, COLOR, 120, 32);
    assert!(bottom.contains("events-out: Writer"), "{bottom}");
    assert!(bottom.contains("–60 of 60"), "{bottom}");
}

/// The dashboard after one poll of a simulated scenario served over HTTP.
fn app_from_scenario(scenario: flink_sim::Scenario) -> App {
    use bptop::collect::{Collector, Source};
    use bptop::model::SourceKind;
    use bptop::sources::flink::JobFilter;
    use bptop::sources::http::{Fetcher, HttpOptions};
    let server = support::serve(flink_sim::router(std::sync::Arc::new(scenario)));
    let fetcher = Fetcher::http("flink", &server.url(), &HttpOptions::default()).unwrap();
    let collector = Collector::new(vec![Source::open(SourceKind::Flink, fetcher, &JobFilter::Active)], None, None);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let mut app = App::new("test", false, 2000, 0);
    app.update(Msg::Poll(PollEvent::Snapshot(Box::new(rt.block_on(collector.poll(0))))));
    app
}

/// Words of the screen in order, wrapping and box borders ignored: a sentence split over lines
/// still reads whole.
fn words(screen: &str) -> String {
    screen
        .split(|c: char| c.is_whitespace() || "│┃╭╮╰╯┏┓┗┛━─".contains(c))
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

const SIZES: [(u16, u16); 3] = [(80, 24), (140, 45), (200, 60)];

#[test]
fn a_job_losing_data_says_so_whole_in_its_header_and_its_lag_view_at_every_size() {
    let mut app = app_from("synthetic/orders-lag", None);
    let summary = app.job().unwrap().summary.clone();
    assert!(summary.starts_with("DATA LOSS in ~"), "{summary}");
    for (w, h) in SIZES {
        let (screen, buf) = render(&app, COLOR, w, h);
        insta::assert_snapshot!(format!("orders_lag_chain_{w}x{h}"), screen);
        assert!(words(&screen).contains(&words(&summary)), "{w}x{h}: the loss sentence is whole:\n{screen}");
        let (x, y) = find(&buf, "DATA LOSS in ~").unwrap();
        assert_eq!(buf[(x, y)].fg, Color::Red, "the impact strip reads as danger");
    }
    press(&mut app, &[Key::Char('L')]);
    for (w, h) in SIZES {
        let (screen, _) = render(&app, COLOR, w, h);
        insta::assert_snapshot!(format!("orders_lag_view_{w}x{h}"), screen);
        for p in 0..4 {
            assert!(screen.contains(&format!("orders-{p}")), "{w}x{h}: partition {p}:\n{screen}");
        }
        assert!(words(&screen).contains("data loss in ~"), "{screen}");
    }
}

#[test]
fn a_sixty_vertex_job_draws_its_tree_with_connectors_numbers_and_whole_names() {
    let mut app = app_from_scenario(flink_sim::Scenario::generated_dag(60, 2));
    assert_eq!(app.job().unwrap().vertices.len(), 60);
    for (w, h) in SIZES {
        let (screen, _) = render(&app, COLOR, w, h);
        insta::assert_snapshot!(format!("dag60_top_{w}x{h}"), screen);
        assert!(screen.contains("├▶"), "branches have tees:\n{screen}");
        assert!(screen.contains("validate #"), "a repeated name carries its number:\n{screen}");
    }
    // The bottleneck (the sink, the last row) with its whole name at 200 columns, under the join.
    press(&mut app, &[Key::Char('b')]);
    let (screen, _) = render(&app, COLOR, 200, 60);
    insta::assert_snapshot!("dag60_bottleneck_200x60", screen);
    assert!(screen.contains("jdbc-sink: Writer -> jdbc-sink: Committer"), "{screen}");
    assert!(screen.contains("union-all -> Map"), "{screen}");
    let (narrow, _) = render(&app, COLOR, 80, 24);
    assert!(narrow.contains("jdbc-sink"), "cut in the middle, never lost:\n{narrow}");
}

#[test]
fn the_box_graph_at_every_size() {
    for (rec, keys) in [("synthetic/orders-lag", vec![Key::Char('v')]), ("synthetic/join", vec![Key::Char('v')])] {
        let mut app = app_from(rec, None);
        press(&mut app, &keys);
        for (w, h) in SIZES {
            let (screen, _) = render(&app, COLOR, w, h);
            let name = format!("graph_{}_{w}x{h}", rec.rsplit('/').next().unwrap());
            insta::assert_snapshot!(name, screen);
            assert!(screen.contains("job graph"), "{screen}");
            assert!(screen.contains("▶"), "edges end in arrows:\n{screen}");
        }
    }
    let mut app = app_from_scenario(flink_sim::Scenario::generated_dag(60, 2));
    press(&mut app, &[Key::Char('v'), Key::Char('b')]);
    for (w, h) in SIZES {
        let (screen, _) = render(&app, COLOR, w, h);
        insta::assert_snapshot!(format!("graph_dag60_{w}x{h}"), screen);
        assert!(screen.contains("of 60") || screen.contains("columns"), "it says what is out of view:\n{screen}");
        assert!(screen.contains("#60"), "the selected bottleneck is in view:\n{screen}");
    }
}

/// With too few samples the forecast panel draws no chart, rather than an axis made up around
/// "now" ("-1 s … +1 s").
#[test]
fn no_chart_from_too_few_samples() {
    for polls in [1, 2] {
        let app = app_from("synthetic/load-ramp", Some(polls));
        let (screen, _) = render(&app, COLOR, 140, 45);
        assert!(!screen.contains("-1 s") && !screen.contains("+1 s"), "{polls} polls:\n{screen}");
        assert!(!screen.contains("100%│"), "no chart axis with {polls} polls:\n{screen}");
    }
    let app = app_from("synthetic/load-ramp", None);
    let (screen, _) = render(&app, COLOR, 140, 45);
    assert!(screen.contains("100%"), "fifty samples get their chart:\n{screen}");
}
