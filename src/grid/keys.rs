//! The keyboard in the grid, after the WAI-ARIA grid pattern: arrows, Home/End and
//! Ctrl+Home/End, with left and right following the visual direction.

/// A move through the grid. Days are "previous" and "next" rather than left and right:
/// in a right-to-left layout the next day is drawn to the left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The same day, an earlier time.
    Up,
    /// The same day, a later time.
    Down,
    /// The previous day, the same time.
    Previous,
    /// The next day, the same time.
    Next,
    /// Home: the first slot of the row.
    RowStart,
    /// End: the last slot of the row.
    RowEnd,
    /// Ctrl+Home: the first slot of the grid.
    GridStart,
    /// Ctrl+End: the last slot of the grid.
    GridEnd,
}

impl Step {
    /// The step for a `KeyboardEvent.key`, with whether Ctrl (or Cmd) was held and
    /// whether the grid is drawn right to left.
    pub fn from_key(key: &str, control: bool, right_to_left: bool) -> Option<Step> {
        let (left, right) = if right_to_left {
            (Step::Next, Step::Previous)
        } else {
            (Step::Previous, Step::Next)
        };
        Some(match (key, control) {
            ("ArrowUp", _) => Step::Up,
            ("ArrowDown", _) => Step::Down,
            ("ArrowLeft", _) => left,
            ("ArrowRight", _) => right,
            ("Home", false) => Step::RowStart,
            ("End", false) => Step::RowEnd,
            ("Home", true) => Step::GridStart,
            ("End", true) => Step::GridEnd,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Left and right follow what the eye sees: in a right-to-left grid the next day is
    // on the left.
    #[test]
    fn left_and_right_follow_the_visual_direction() {
        assert_eq!(Step::from_key("ArrowRight", false, false), Some(Step::Next));
        assert_eq!(
            Step::from_key("ArrowLeft", false, false),
            Some(Step::Previous)
        );
        assert_eq!(
            Step::from_key("ArrowRight", false, true),
            Some(Step::Previous)
        );
        assert_eq!(Step::from_key("ArrowLeft", false, true), Some(Step::Next));
        assert_eq!(Step::from_key("ArrowUp", false, true), Some(Step::Up));
    }

    // Home and End move in the row, with Ctrl in the grid; other keys are not moves.
    #[test]
    fn home_and_end_move_in_the_row_or_with_control_in_the_grid() {
        assert_eq!(Step::from_key("Home", false, false), Some(Step::RowStart));
        assert_eq!(Step::from_key("End", true, true), Some(Step::GridEnd));
        assert_eq!(Step::from_key("Enter", false, false), None);
        assert_eq!(Step::from_key("PageDown", false, false), None);
    }
}
