//! Key presses, polls and the clock through `App::update`, without a terminal.
use super::*;
use crate::model::{Job, Snapshot, SourceHealth, SourceKind, Vertex};

fn vertex(id: &str, inputs: &[&str], busy: f64, bp: f64) -> Vertex {
    crate::model::test_support::vertex(id, &format!("op-{id}"), inputs, &[(busy, bp, 1.0 - busy - bp)])
}

fn health(ok: bool) -> SourceHealth {
    SourceHealth {
        name: "flink".into(),
        kind: SourceKind::Flink,
        endpoint: "http://f".into(),
        ok,
        error: (!ok).then(|| "GET http://f/jobs/overview: timed out".into()),
        partial_errors: Vec::new(),
        requests: 3,
        late: false,
    }
}

fn snap(at_ms: i64, jobs: usize) -> PollEvent {
    let jobs = (0..jobs)
        .map(|j| Job {
            id: format!("job{j}"),
            name: format!("job-{j}"),
            state: "RUNNING".into(),
            graph_known: true,
            started: None,
            vertices: vec![vertex("a", &[], 0.01, 0.98), vertex("b", &["a"], 1.0, 0.0), vertex("c", &["b"], 0.05, 0.0)],
        })
        .collect();
    PollEvent::Snapshot(Box::new(Snapshot { at_ms, jobs, lag: Vec::new(), sources: vec![health(true)] }))
}

fn failed(at_ms: i64) -> PollEvent {
    PollEvent::Snapshot(Box::new(Snapshot { at_ms, jobs: Vec::new(), lag: Vec::new(), sources: vec![health(false)] }))
}

fn app_with(jobs: usize) -> App {
    let mut app = App::new("http://f", false, 2000, 0);
    app.session.expect_source("flink", SourceKind::Flink, "http://f");
    app.update(Msg::Poll(snap(0, jobs)));
    app
}

fn press(app: &mut App, keys: &[Key]) -> Vec<Control> {
    keys.iter().filter_map(|k| app.update(Msg::Key(*k))).collect()
}

#[test]
fn one_job_opens_on_its_chain_several_on_the_overview() {
    assert_eq!(app_with(1).view, View::Chain);
    assert_eq!(app_with(2).view, View::Overview);
}

#[test]
fn drilling_in_and_out() {
    let mut app = app_with(2);
    press(&mut app, &[Key::Down, Key::Enter]);
    assert_eq!(app.view, View::Chain);
    assert_eq!(app.job().unwrap().id, "job1");
    press(&mut app, &[Key::Char('j'), Key::Char('l')]);
    assert_eq!(app.view, View::Detail);
    assert_eq!(app.vertex().unwrap().id, "b");
    press(&mut app, &[Key::Esc]);
    assert_eq!(app.view, View::Chain);
    press(&mut app, &[Key::Char('h')]);
    assert_eq!(app.view, View::Overview);
    // Selection sticks to the same job when new data arrives.
    app.update(Msg::Poll(snap(2000, 2)));
    assert_eq!(app.job().unwrap().id, "job1");
}

#[test]
fn selection_stays_inside_the_list() {
    let mut app = app_with(1);
    press(&mut app, &[Key::Up, Key::Up]);
    assert_eq!(app.vertex().unwrap().id, "a");
    press(&mut app, &[Key::PageDown]);
    assert_eq!(app.vertex().unwrap().id, "c");
    press(&mut app, &[Key::Char('g')]);
    assert_eq!(app.vertex().unwrap().id, "a");
    press(&mut app, &[Key::End]);
    assert_eq!(app.vertex().unwrap().id, "c");
}

#[test]
fn filter_edits_and_clears() {
    let mut app = app_with(1);
    press(&mut app, &[Key::Char('/'), Key::Char('o'), Key::Char('p'), Key::Char('-'), Key::Char('b')]);
    assert!(app.editing_filter);
    // While typing, letters are text, not commands: 'q' does not quit.
    press(&mut app, &[Key::Char('q')]);
    assert!(!app.quit);
    press(&mut app, &[Key::Backspace, Key::Enter]);
    assert_eq!(app.filter, "op-b");
    let rows: Vec<&str> = app.vertex_rows().iter().map(|v| v.id.as_str()).collect();
    assert_eq!(rows, ["b"]);
    press(&mut app, &[Key::Esc]);
    assert!(app.filter.is_empty());
    assert_eq!(app.view, View::Chain, "the first Esc clears the filter, it does not leave");
}

#[test]
fn sort_cycles_and_orders() {
    let mut app = app_with(1);
    press(&mut app, &[Key::Char('s')]);
    assert_eq!(app.sort, Sort::Busy);
    assert_eq!(app.vertex_rows()[0].id, "b");
    press(&mut app, &[Key::Char('s')]);
    assert_eq!(app.vertex_rows()[0].id, "a", "most backpressured first");
    press(&mut app, &[Key::Char('s'), Key::Char('s')]);
    assert_eq!(app.sort, Sort::Flow);
}

#[test]
fn pause_refresh_and_quit_reach_the_poller() {
    let mut app = app_with(1);
    assert_eq!(press(&mut app, &[Key::Char('p')]), [Control::Pause(true)]);
    assert!(app.paused);
    assert_eq!(press(&mut app, &[Key::Char(' ')]), [Control::Pause(false)]);
    assert_eq!(press(&mut app, &[Key::Char('r')]), [Control::Refresh]);
    // Replay keys do nothing live.
    assert!(press(&mut app, &[Key::Char('.'), Key::Char(']')]).is_empty());
    press(&mut app, &[Key::Char('q')]);
    assert!(app.quit);
    let mut app = app_with(1);
    press(&mut app, &[Key::CtrlC]);
    assert!(app.quit);
}

#[test]
fn replay_keys_step_and_change_speed() {
    let mut app = App::new("rec", true, 2000, 0);
    app.update(Msg::Poll(snap(0, 1)));
    assert_eq!(press(&mut app, &[Key::Char(','), Key::Char('.')]), [Control::Step(-1), Control::Step(1)]);
    assert_eq!(press(&mut app, &[Key::Char(']')]), [Control::Speed(2.0)]);
    assert_eq!(press(&mut app, &[Key::Char('['), Key::Char('[')]), [Control::Speed(1.0), Control::Speed(0.5)]);
}

#[test]
fn help_opens_and_any_key_closes_it_but_q_still_quits() {
    let mut app = app_with(1);
    press(&mut app, &[Key::Char('?')]);
    assert!(app.help);
    // j/k scroll a help taller than the screen; any other key closes it.
    press(&mut app, &[Key::Down, Key::Down, Key::Up]);
    assert!(app.help);
    assert_eq!(app.help_scroll, 1);
    press(&mut app, &[Key::Enter]);
    assert!(!app.help);
    assert_eq!(app.view, View::Chain, "the closing key does nothing else");
    assert_eq!(app.vertex().unwrap().id, "a");
    press(&mut app, &[Key::Char('?'), Key::Char('q')]);
    assert!(app.quit);
}

#[test]
fn a_late_source_is_late_then_stale_never_failing_and_the_verdict_stays() {
    let mut app = app_with(1);
    app.update(Msg::Tick(1000));
    let mut late = health(false);
    late.late = true;
    late.error = Some("no answer yet: the request has run for 2.0 s; its last answer is 2 s old".into());
    let poll = |at_ms| {
        PollEvent::Snapshot(Box::new(Snapshot {
            at_ms,
            jobs: Vec::new(),
            lag: Vec::new(),
            sources: vec![late.clone()],
        }))
    };
    app.update(Msg::Poll(poll(2000)));
    app.update(Msg::Tick(2000));
    assert_eq!(app.status(&app.sources()[0]), SourceStatus::Late);
    assert!(app.diagnosis().is_some_and(|d| d.jobs.len() == 1), "verdict kept");
    // Past three intervals without an answer, it is stale, dated from its last answer.
    app.update(Msg::Poll(poll(8000)));
    app.update(Msg::Tick(8000));
    assert!(
        matches!(app.status(&app.sources()[0]), SourceStatus::Stale { answered: true, .. }),
        "{:?}",
        app.status(&app.sources()[0])
    );
    assert!(app.stale_for_ms().is_some());
}

#[test]
fn a_failed_poll_keeps_the_last_verdict_and_marks_it_stale() {
    let mut app = app_with(1);
    app.update(Msg::Tick(1000));
    assert_eq!(app.status(&app.sources()[0]), SourceStatus::Ok);
    app.update(Msg::Poll(failed(2000)));
    assert!(app.diagnosis().is_some_and(|d| d.jobs.len() == 1), "verdict kept");
    assert_eq!(app.status(&app.sources()[0]), SourceStatus::Failing { since_ms: 2000 });
    app.update(Msg::Tick(5000));
    assert_eq!(app.stale_for_ms(), Some(5000));
    // Recovery clears it.
    app.update(Msg::Poll(snap(6000, 1)));
    app.update(Msg::Tick(6000));
    assert_eq!(app.status(&app.sources()[0]), SourceStatus::Ok);
    assert_eq!(app.stale_for_ms(), None);
}

#[test]
fn a_source_that_never_answers_turns_stale() {
    let mut app = App::new("http://f", false, 100, 0);
    app.session.expect_source("flink", SourceKind::Flink, "http://f");
    app.update(Msg::Poll(PollEvent::Started { at_ms: 0 }));
    app.update(Msg::Tick(1000));
    assert_eq!(app.status(&app.sources()[0]), SourceStatus::Waiting);
    app.update(Msg::Tick(3500));
    assert_eq!(app.status(&app.sources()[0]), SourceStatus::Stale { since_ms: 0, answered: false });
}

#[test]
fn a_slow_poll_is_not_stale_until_it_overruns() {
    let mut app = app_with(1);
    // The last answer came at 0; a poll started at 5000 and is still running at 9000.
    app.update(Msg::Poll(PollEvent::Started { at_ms: 5000 }));
    app.update(Msg::Tick(9000));
    assert_eq!(app.status(&app.sources()[0]), SourceStatus::Ok);
    app.update(Msg::Tick(11_500));
    assert_eq!(app.status(&app.sources()[0]), SourceStatus::Stale { since_ms: 0, answered: true });
}

#[test]
fn a_hanging_poll_after_good_data_turns_stale() {
    let mut app = app_with(1);
    app.update(Msg::Poll(PollEvent::Started { at_ms: 2000 }));
    app.update(Msg::Tick(9000));
    assert_eq!(app.status(&app.sources()[0]), SourceStatus::Stale { since_ms: 0, answered: true });
    assert_eq!(app.stale_for_ms(), Some(9000));
}

#[test]
fn a_replay_reset_forgets_history() {
    let mut app = App::new("rec", true, 2000, 0);
    app.update(Msg::Poll(snap(0, 1)));
    app.update(Msg::Poll(PollEvent::Reset));
    assert!(app.diagnosis().is_none());
    assert!(app.history().is_empty());
}

/// The chain as drawn: the card and forecast with `max` lines to scroll, the operator rows at
/// screen rows 10, 11, 12.
fn drawn(app: &App, max: usize) {
    use crate::ui::pane::{Drawn, RowRef};
    use ratatui::layout::Rect;
    app.screen.clear();
    let rows =
        ["a", "b", "c"].iter().enumerate().map(|(i, id)| (10 + i as u16, RowRef::Vertex(id.to_string()))).collect();
    app.screen.put(Pane::Operators, Drawn { area: Rect::new(0, 8, 80, 6), page: 3, rows, ..Drawn::default() });
    app.screen.put(Pane::Card, Drawn { area: Rect::new(0, 14, 48, 9), max_scroll: max, page: 7, ..Drawn::default() });
    app.screen
        .put(Pane::Forecast, Drawn { area: Rect::new(48, 14, 32, 9), max_scroll: max, page: 7, ..Drawn::default() });
}

#[test]
fn tab_moves_the_focus_and_the_focused_pane_scrolls() {
    let mut app = app_with(1);
    drawn(&app, 20);
    assert_eq!(app.focus, Pane::Operators);
    press(&mut app, &[Key::Tab]);
    assert_eq!(app.focus, Pane::Card);
    press(&mut app, &[Key::Char('j'), Key::Char('j')]);
    assert_eq!(app.scrolls.of(Pane::Card), 2);
    assert_eq!(app.vertex().unwrap().id, "a", "the operator selection stays");
    press(&mut app, &[Key::PageDown]);
    assert_eq!(app.scrolls.of(Pane::Card), 8, "a page is what the pane shows, less one line");
    press(&mut app, &[Key::End]);
    assert_eq!(app.scrolls.of(Pane::Card), 20, "never past the text");
    press(&mut app, &[Key::Char('j'), Key::Home]);
    assert_eq!(app.scrolls.of(Pane::Card), 0);
    press(&mut app, &[Key::Tab, Key::Tab]);
    assert_eq!(app.focus, Pane::Operators, "Tab wraps around");
    press(&mut app, &[Key::BackTab]);
    assert_eq!(app.focus, Pane::Forecast);
    // A pane the last frame did not draw is skipped.
    app.screen.clear();
    drawn(&app, 20);
    let card = app.screen.get(Pane::Card).unwrap();
    app.screen.clear();
    app.screen.put(Pane::Operators, Drawn { area: card.area, ..Drawn::default() });
    app.screen.put(Pane::Card, card);
    press(&mut app, &[Key::Tab]);
    assert_eq!(app.focus, Pane::Operators);
    press(&mut app, &[Key::Tab]);
    assert_eq!(app.focus, Pane::Card);
}

use crate::ui::pane::{Drawn, Pane};

#[test]
fn b_jumps_to_the_bottleneck_from_anywhere_and_n_walks_the_victims() {
    let mut app = app_with(2);
    assert_eq!(app.view, View::Overview);
    press(&mut app, &[Key::Char('b')]);
    assert_eq!(app.view, View::Chain);
    assert_eq!(app.vertex().unwrap().id, "b");
    press(&mut app, &[Key::Enter, Key::Char('n')]);
    assert_eq!(app.view, View::Detail);
    assert_eq!(app.vertex().unwrap().id, "a", "the detail follows n to the victim");
    press(&mut app, &[Key::Char('b')]);
    assert_eq!(app.vertex().unwrap().id, "b");
    assert_eq!(app.view, View::Detail, "b in the detail shows the bottleneck's detail");
    press(&mut app, &[Key::Char('N')]);
    assert_eq!(app.vertex().unwrap().id, "a", "one victim: N wraps to it");
    // A filter that hides the bottleneck goes.
    press(
        &mut app,
        &[Key::Esc, Key::Char('/'), Key::Char('o'), Key::Char('p'), Key::Char('-'), Key::Char('c'), Key::Enter],
    );
    press(&mut app, &[Key::Char('b')]);
    assert!(app.filter.is_empty());
    assert_eq!(app.vertex().unwrap().id, "b");
}

#[test]
fn enter_opens_the_row_on_screen_not_one_the_filter_hides() {
    let mut app = app_with(1);
    // The cursor on a, then a filter that leaves only c.
    press(&mut app, &[Key::Char('/'), Key::Char('o'), Key::Char('p'), Key::Char('-'), Key::Char('c'), Key::Enter]);
    press(&mut app, &[Key::Enter]);
    assert_eq!(app.view, View::Detail);
    assert_eq!(app.vertex().unwrap().id, "c");
    // Esc in the detail goes back to the chain and keeps its filter.
    press(&mut app, &[Key::Esc]);
    assert_eq!(app.view, View::Chain);
    assert_eq!(app.filter, "op-c");
}

#[test]
fn the_jobs_overview_sorts_worst_first_then_by_name_and_s_sorts_it() {
    let mut app = app_with(2);
    let names = |app: &App| app.job_rows().iter().map(|j| j.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&app), ["job-0", "job-1"], "same severity: by name");
    press(&mut app, &[Key::Char('s')]);
    assert_eq!(app.job_sort, JobSort::Name);
    assert_eq!(app.sort, Sort::Flow, "s on the overview leaves the operator sort alone");
}

#[test]
fn clicks_select_and_focus_double_clicks_open_and_the_wheel_scrolls_the_pane_under_it() {
    let mut app = app_with(1);
    drawn(&app, 20);
    let at = |kind, x, y, at_ms| Msg::Mouse(Mouse { kind, x, y, at_ms });
    app.update(at(MouseKind::Click, 5, 12, 1000));
    assert_eq!(app.vertex().unwrap().id, "c");
    assert_eq!(app.focus, Pane::Operators);
    app.update(at(MouseKind::WheelDown, 60, 16, 1100));
    assert_eq!(app.scrolls.of(Pane::Forecast), 3, "the pane under the pointer scrolls");
    assert_eq!(app.focus, Pane::Operators, "without taking the focus");
    app.update(at(MouseKind::Click, 10, 16, 1200));
    assert_eq!(app.focus, Pane::Card);
    // Two clicks on one row, close together: the detail opens.
    app.update(at(MouseKind::Click, 5, 11, 2000));
    assert_eq!(app.view, View::Chain);
    app.update(at(MouseKind::Click, 5, 11, 2300));
    assert_eq!(app.view, View::Detail);
    assert_eq!(app.vertex().unwrap().id, "b");
    // Too far apart in time: two single clicks.
    let mut app = app_with(1);
    drawn(&app, 20);
    app.update(at(MouseKind::Click, 5, 11, 2000));
    app.update(at(MouseKind::Click, 5, 11, 2000 + 401));
    assert_eq!(app.view, View::Chain);
}

#[test]
fn l_opens_the_lag_view_and_esc_returns() {
    let mut app = app_with(1);
    press(&mut app, &[Key::Char('L')]);
    assert_eq!(app.view, View::Lag);
    assert_eq!(app.focus, Pane::Partitions);
    press(&mut app, &[Key::Esc]);
    assert_eq!(app.view, View::Chain);
    assert_eq!(app.focus, Pane::Operators);
    press(&mut app, &[Key::Char('v')]);
    assert!(app.boxes);
}

#[test]
fn replay_jumps_to_the_next_and_previous_change_of_severity() {
    use crate::diagnosis::Severity::{Critical as C, Healthy as H, Warning as W};
    let mut app = App::new("rec", true, 2000, 0);
    app.update(Msg::Poll(snap(0, 1)));
    app.update(Msg::Poll(PollEvent::Timeline(vec![None, Some(H), Some(H), Some(W), Some(W), Some(C), Some(C)])));
    let at = |app: &mut App, position| {
        app.update(Msg::Poll(PollEvent::Replay { position, total: 7, speed: 1.0, paused: true }));
    };
    // On poll 2 (index 1): the next change is at index 3 (warning), two polls on.
    at(&mut app, 2);
    assert_eq!(press(&mut app, &[Key::Char('>')]), [Control::Step(2)]);
    at(&mut app, 4);
    assert_eq!(press(&mut app, &[Key::Char('>')]), [Control::Step(2)], "index 3 → 5 (critical)");
    at(&mut app, 6);
    assert!(press(&mut app, &[Key::Char('>')]).is_empty(), "no change after the last one");
    assert_eq!(press(&mut app, &[Key::Char('<')]), [Control::Step(-2)], "back to the warning at index 3");
    at(&mut app, 2);
    assert_eq!(press(&mut app, &[Key::Char('<')]), [Control::Step(-1)], "before the first change: the start");
    // Live, the keys do nothing.
    let mut live = app_with(1);
    assert!(press(&mut live, &[Key::Char('>'), Key::Char('<')]).is_empty());
}

#[test]
fn a_double_click_is_two_clicks_on_one_row_even_when_the_list_scrolled_between() {
    use crate::ui::pane::RowRef;
    use ratatui::layout::Rect;
    let mut app = app_with(1);
    drawn(&app, 0);
    app.update(Msg::Mouse(Mouse { kind: MouseKind::Click, x: 5, y: 11, at_ms: 1000 }));
    assert_eq!(app.vertex().unwrap().id, "b");
    // The selection scrolled the list: b is now on row 10, c on row 11.
    let rows = vec![(10, RowRef::Vertex("b".into())), (11, RowRef::Vertex("c".into()))];
    app.screen.put(Pane::Operators, Drawn { area: Rect::new(0, 8, 80, 6), page: 3, rows, ..Drawn::default() });
    app.update(Msg::Mouse(Mouse { kind: MouseKind::Click, x: 5, y: 11, at_ms: 1200 }));
    assert_eq!(app.view, View::Chain, "the same cell, another row: no double click");
    assert_eq!(app.vertex().unwrap().id, "c");
    app.update(Msg::Mouse(Mouse { kind: MouseKind::Click, x: 5, y: 11, at_ms: 1300 }));
    assert_eq!(app.view, View::Detail, "c twice: its detail");
    assert_eq!(app.vertex().unwrap().id, "c");
}

#[test]
fn b_from_a_filtered_overview_opens_the_job_under_the_cursor_without_its_filter() {
    let mut app = app_with(2);
    press(&mut app, &[Key::Char('/'), Key::Char('-'), Key::Char('1'), Key::Enter]);
    assert_eq!(app.job_rows().len(), 1);
    press(&mut app, &[Key::Char('b')]);
    assert_eq!(app.view, View::Chain);
    assert!(app.filter.is_empty(), "the jobs' filter would hide every operator");
    assert_eq!(app.job().unwrap().id, "job1");
    assert_eq!(app.vertex().unwrap().id, "b");
}

#[test]
fn no_jump_before_the_timeline_is_read_and_the_help_scrolls_within_its_text() {
    let mut app = App::new("rec", true, 2000, 0);
    app.update(Msg::Poll(snap(0, 1)));
    app.update(Msg::Poll(PollEvent::Replay { position: 5, total: 9, speed: 1.0, paused: true }));
    assert!(press(&mut app, &[Key::Char('<'), Key::Char('>')]).is_empty(), "no rewind to the start");
    press(&mut app, &[Key::Char('?')]);
    app.screen.put(Pane::Help, Drawn { max_scroll: 2, ..Drawn::default() });
    press(&mut app, &[Key::Char('j'), Key::Char('j'), Key::Char('j'), Key::PageDown]);
    assert_eq!(app.help_scroll, 2, "never past the end");
    press(&mut app, &[Key::Char('k')]);
    assert_eq!(app.help_scroll, 1, "so one k moves back at once");
}
