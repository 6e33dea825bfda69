//! TODO(skeleton): the HTTP layer.
