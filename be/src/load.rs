//! Routine load task execution on the BE.
