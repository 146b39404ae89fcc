//! Errors of the analysis.

/// Why a report could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AnalyzeError {
    /// A query failed.
    #[error("query: {0}")]
    Query(#[from] datafusion::error::DataFusionError),
    /// Reading a result failed.
    #[error("result: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    /// The lake could not be opened.
    #[error(transparent)]
    Lake(#[from] kansoku_lake::LakeError),
    /// The request makes no sense (e.g. an empty period).
    #[error("{0}")]
    Request(String),
}
