//! TODO(skeleton): tests to come.
