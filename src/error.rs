//! The library's error type: every variant says where (file, line) and what to do.

use std::path::PathBuf;

/// Result alias for the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while loading, building, diffing or checking.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read.
    #[error("{path}: {cause}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying I/O error (part of the message, so not also a `source`).
        cause: std::io::Error,
    },
    /// A file is not valid YAML.
    #[error("{path}:{line}:{col}: invalid YAML: {message}")]
    Yaml {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        col: usize,
        /// What the parser said.
        message: String,
    },
    /// A kustomization or resource is well-formed YAML but wrong in content.
    #[error("{path}: {message}")]
    Invalid {
        /// The file (or directory) at fault.
        path: PathBuf,
        /// What is wrong and, where possible, how to fix it.
        message: String,
    },
    /// A problem found while building that belongs to no single file.
    #[error("{0}")]
    Build(String),
    /// A user-facing usage problem (unknown environment, missing tree, ...).
    #[error("{0}")]
    Usage(String),
}

impl Error {
    /// Builds an [`Error::Invalid`].
    pub fn invalid(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Invalid {
            path: path.into(),
            message: message.into(),
        }
    }

    /// Builds an [`Error::Io`].
    pub fn io(path: impl Into<PathBuf>, cause: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            cause,
        }
    }

    /// Builds an [`Error::Yaml`] from a parser error.
    pub fn yaml(path: impl Into<PathBuf>, e: crate::yaml::YamlError) -> Self {
        Error::Yaml {
            path: path.into(),
            line: e.line,
            col: e.col,
            message: e.message,
        }
    }
}
