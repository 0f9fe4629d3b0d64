//! The BE's error enum.

/// BE failure.
#[derive(Debug, thiserror::Error)]
pub enum BeError {
    #[error("storage: {0}")]
    Storage(String),
    #[error("tablet {0} not found")]
    TabletNotFound(i64),
    #[error("{0}")]
    Other(String),
}
