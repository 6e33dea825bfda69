//! TODO(skeleton): the V3 provider.
