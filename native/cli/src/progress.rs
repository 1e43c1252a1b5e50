//! Progress of long work (an export) on stderr: one live line per object type
//! when stderr is a terminal, plain lines otherwise (CI logs, runbooks) — at
//! most one per type per second, plus a final one when the type is done.

use std::collections::HashMap;
use std::io::{self, IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use entrasnap_core::ObjectType;
use indicatif::{HumanCount, MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The export driver's own events are what this renders.
pub use entrasnap_graph::export::ProgressEvent;

/// Renders [`ProgressEvent`]s. Shareable between tasks: every method takes `&self`.
pub struct Progress {
    renderer: Mutex<Renderer>,
}

enum Renderer {
    Bars(Bars),
    Lines(Lines, Box<dyn Write + Send>),
    Hidden,
}

impl Progress {
    /// Live lines when stderr is a terminal, plain periodic lines when it is not.
    pub fn stderr() -> Progress {
        let terminal =
            io::stderr().is_terminal() && std::env::var_os("TERM").is_none_or(|t| t != "dumb");
        if terminal {
            Progress::with(Renderer::Bars(Bars::new()))
        } else {
            Progress::lines_to(Box::new(io::stderr()))
        }
    }

    /// Plain periodic lines written to `out`.
    pub fn lines_to(out: Box<dyn Write + Send>) -> Progress {
        Progress::with(Renderer::Lines(Lines::default(), out))
    }

    /// Shows nothing.
    pub fn hidden() -> Progress {
        Progress::with(Renderer::Hidden)
    }

    fn with(renderer: Renderer) -> Progress {
        Progress {
            renderer: Mutex::new(renderer),
        }
    }

    pub fn update(&self, event: &ProgressEvent) {
        match &mut *self.lock() {
            Renderer::Bars(bars) => bars.update(event),
            Renderer::Lines(lines, out) => {
                if let Some(line) = lines.update(event, Instant::now()) {
                    // Progress is best effort: a closed stderr must not fail the export.
                    let _ = writeln!(out, "{line}");
                }
            }
            Renderer::Hidden => {}
        }
    }

    /// Prints a message without tearing the live lines.
    pub fn println(&self, message: &str) {
        match &mut *self.lock() {
            Renderer::Bars(bars) => {
                let _ = bars.multi.println(message);
            }
            Renderer::Lines(_, out) => {
                let _ = writeln!(out, "{message}");
            }
            Renderer::Hidden => {}
        }
    }

    /// Stops live lines of types that never finished (failure, cancellation),
    /// leaving their last state on screen.
    pub fn finish(&self) {
        if let Renderer::Bars(bars) = &mut *self.lock() {
            for bar in bars.bars.values() {
                if !bar.is_finished() {
                    bar.abandon();
                }
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Renderer> {
        // A panic elsewhere while holding the lock leaves nothing half-drawn that matters.
        self.renderer.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Width of the type column: the longest registered type name.
fn name_width() -> usize {
    ObjectType::all()
        .iter()
        .map(|t| t.name.len())
        .max()
        .unwrap_or(20)
}

/// `41,000 objects  120 requests  throttled 3.2 s`.
fn counters(e: &ProgressEvent) -> String {
    let mut text = format!(
        "{} objects  {} requests",
        HumanCount(e.objects),
        HumanCount(e.requests)
    );
    if !e.throttle_wait.is_zero() {
        text.push_str(&format!(
            "  throttled {:.1} s",
            e.throttle_wait.as_secs_f64()
        ));
    }
    text
}

struct Bars {
    multi: MultiProgress,
    style: ProgressStyle,
    bars: HashMap<String, ProgressBar>,
}

impl Bars {
    fn new() -> Bars {
        let template = format!("{{spinner:.cyan}} {{prefix:<{}}}  {{msg}}", name_width());
        let style = ProgressStyle::with_template(&template)
            .unwrap_or_else(|_| ProgressStyle::default_spinner())
            .tick_strings(&["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏", "✓"]);
        Bars {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
            style,
            bars: HashMap::new(),
        }
    }

    fn update(&mut self, e: &ProgressEvent) {
        let bar = self.bars.entry(e.type_name.clone()).or_insert_with(|| {
            let bar = self.multi.add(
                ProgressBar::new_spinner()
                    .with_style(self.style.clone())
                    .with_prefix(e.type_name.clone()),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        if bar.is_finished() {
            return;
        }
        if e.done {
            bar.finish_with_message(format!("{}  done", counters(e)));
        } else {
            bar.set_message(counters(e));
        }
    }
}

/// The plain renderer's bookkeeping: when each type last printed.
#[derive(Default)]
struct Lines {
    types: HashMap<String, LineState>,
}

struct LineState {
    last: Instant,
    done: bool,
}

impl Lines {
    /// The line to print for `e` at `now`, if one is due.
    fn update(&mut self, e: &ProgressEvent, now: Instant) -> Option<String> {
        let state = self.types.entry(e.type_name.clone()).or_insert(LineState {
            last: now,
            done: false,
        });
        if state.done {
            return None;
        }
        let due = e.done || now.duration_since(state.last) >= Duration::from_secs(1);
        if !due {
            return None;
        }
        state.last = now;
        state.done = e.done;
        let suffix = if e.done { "  done" } else { "" };
        Some(format!(
            "{:<width$}  {}{suffix}",
            e.type_name,
            counters(e),
            width = name_width()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(ty: &str, objects: u64, done: bool) -> ProgressEvent {
        ProgressEvent {
            type_name: ty.into(),
            objects,
            requests: 120,
            throttle_wait: Duration::from_millis(3200),
            done,
        }
    }

    #[test]
    fn plain_lines_come_at_most_once_a_second_per_type_plus_a_final_one() {
        let mut lines = Lines::default();
        let t0 = Instant::now();
        let at = |ms| t0 + Duration::from_millis(ms);
        let mut printed = Vec::new();
        for (ms, e) in [
            (0, event("user", 0, false)),
            (10, event("group", 5, false)),
            (500, event("user", 20_000, false)),
            (1_000, event("user", 41_000, false)),
            (1_200, event("user", 42_000, false)),
            (1_300, event("group", 9, true)),
            (1_400, event("group", 9, true)),
            (1_500, event("user", 42_500, true)),
        ] {
            printed.extend(lines.update(&e, at(ms)));
        }
        let w = name_width();
        assert_eq!(
            printed,
            vec![
                format!(
                    "{:<w$}  41,000 objects  120 requests  throttled 3.2 s",
                    "user"
                ),
                format!(
                    "{:<w$}  9 objects  120 requests  throttled 3.2 s  done",
                    "group"
                ),
                format!(
                    "{:<w$}  42,500 objects  120 requests  throttled 3.2 s  done",
                    "user"
                ),
            ]
        );
    }

    #[test]
    fn no_throttling_is_not_mentioned() {
        let mut e = event("namedLocation", 3, true);
        e.throttle_wait = Duration::ZERO;
        assert_eq!(counters(&e), "3 objects  120 requests");
    }

    #[test]
    fn the_renderer_can_be_shared_between_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Progress>();
        struct Shared(std::sync::Arc<Mutex<Vec<u8>>>);
        impl Write for Shared {
            fn write(&mut self, b: &[u8]) -> io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let buf = std::sync::Arc::new(Mutex::new(Vec::new()));
        let progress = Progress::lines_to(Box::new(Shared(buf.clone())));
        std::thread::scope(|s| {
            for ty in ["user", "group"] {
                let progress = &progress;
                s.spawn(move || progress.update(&event(ty, 1, true)));
            }
        });
        progress.println("warning: something");
        progress.finish();
        let text = String::from_utf8(buf.lock().unwrap().clone()).unwrap();
        assert_eq!(text.lines().count(), 3, "{text}");
        assert!(text.contains("warning: something"));
    }
}
