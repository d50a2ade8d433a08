//! Function tests (filled below).
