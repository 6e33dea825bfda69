//! TODO(skeleton): filled in by the client work.
