//! Draws a view at every terminal size from 1x1 to 200x60 (12,000 sizes):
//! a panic at any of them fails the test with the size it happened at.

use jhub_cockpit::app::State;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;

pub fn draws_at_every_size(state: &State) {
    // One terminal, resized: a fresh one per size would spend most of the
    // time allocating.
    let mut terminal = Terminal::new(TestBackend::new(1, 1)).unwrap();
    for width in 1..=200u16 {
        for height in 1..=60u16 {
            terminal.backend_mut().resize(width, height);
            terminal.resize(Rect::new(0, 0, width, height)).unwrap();
            let drawn = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                terminal
                    .draw(|f| jhub_cockpit::ui::render(f, state))
                    .map(|_| ())
            }));
            match drawn {
                Ok(Ok(())) => {}
                Ok(Err(e)) => panic!("drawing at {width}x{height} failed: {e}"),
                Err(_) => panic!("drawing at {width}x{height} panicked (message above)"),
            }
        }
    }
}
