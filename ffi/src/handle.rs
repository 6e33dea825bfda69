//! Opaque handles: a Rust value boxed on the heap and handed to C as a pointer to its type.
//!
//! Each C object type (`rnuget_version`, `rnuget_client`, ...) is a Rust struct that C only ever
//! sees as an incomplete `struct`, so the compiler catches a handle passed to the wrong function.
//! Handles are immutable after creation and their types are `Send + Sync`, so any thread may use
//! them at once; only their `_free` must not race with another use.
//!
//! A cast (or a binding that holds handles as plain pointers: Go, .NET) gets past the compiler,
//! and a handle freed twice is a common C mistake; both would be undefined behaviour. So every
//! pointer handed out is recorded, with its type, until it is freed: a free of a pointer that is
//! not live (freed already, or never rnuget's) does nothing, and a handle argument of the wrong
//! type, or freed, is refused before it is read ([`is_live`]).

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::LazyLock;

use parking_lot::RwLock;

/// Every pointer rnuget handed out and C has not freed, with the type it points to.
static LIVE: LazyLock<RwLock<HashMap<usize, TypeId>>> = LazyLock::new(Default::default);

/// Moves `value` to the heap and hands ownership to C.
pub(crate) fn into_raw<T: 'static>(value: T) -> *mut T {
    let ptr = Box::into_raw(Box::new(value));
    record::<T>(ptr.cast());
    ptr
}

/// Records `ptr`, pointing to a `T` just handed to C, as live.
pub(crate) fn record<T: 'static>(ptr: *const u8) {
    LIVE.write().insert(ptr as usize, TypeId::of::<T>());
}

/// Whether `ptr` is a `T` rnuget handed out and C has not freed.
pub(crate) fn is_live<T: 'static>(ptr: *const T) -> bool {
    LIVE.read().get(&(ptr as usize)) == Some(&TypeId::of::<T>())
}

/// Forgets `ptr` when it is a live `T`, and says whether it was: its owner may then free it.
pub(crate) fn release<T: 'static>(ptr: *const T) -> bool {
    let mut live = LIVE.write();
    let key = ptr as usize;
    if live.get(&key) != Some(&TypeId::of::<T>()) {
        return false;
    }
    live.remove(&key);
    true
}

/// Takes ownership back from C and drops the value. NULL, and a pointer that is not a live `T`
/// (freed already, or of another type), are ignored.
///
/// # Safety
/// `ptr` is NULL, or not live, or came from [`into_raw`] with the same `T`.
pub(crate) unsafe fn free<T: 'static>(ptr: *mut T) {
    if !ptr.is_null() && release(ptr) {
        // SAFETY: `ptr` was live as a `T`, so it is an unfreed Box<T> from `into_raw`; it is no
        // longer recorded, so nothing frees it again.
        drop(unsafe { Box::from_raw(ptr) });
    }
}

/// The C name of handle type `T` (`rnuget_version`), for messages.
pub(crate) fn type_name<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    full.rsplit("::").next().unwrap_or(full)
}

/// Proves at compile time that a handle type may be shared between threads.
pub(crate) const fn assert_thread_safe<T: Send + Sync>() {}

#[cfg(test)]
mod tests {
    use super::*;

    struct First(#[allow(dead_code)] u64);
    struct Second(#[allow(dead_code)] u64);

    #[test]
    fn handles_are_live_as_their_own_type_until_freed_once() {
        let first = into_raw(First(1));
        assert!(is_live(first));
        assert!(!is_live(first.cast::<Second>()), "another type");
        assert_eq!(type_name::<First>(), "First");
        // SAFETY: a live handle; then the same pointer, freed already; then as another type.
        unsafe {
            free(first.cast::<Second>());
            assert!(is_live(first), "a free as another type does nothing");
            free(first);
            assert!(!is_live(first));
            free(first);
        }
    }
}
