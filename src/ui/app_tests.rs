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
    press(&mut app, &[Key::Down]);
    assert!(!app.help);
    assert_eq!(app.vertex().unwrap().id, "a", "the closing key does nothing else");
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
