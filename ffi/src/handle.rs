//! Opaque handles: a Rust value boxed on the heap and handed to C as a pointer to its type.
//!
//! Each C object type (`rnuget_version`, `rnuget_client`, ...) is a Rust struct that C only ever
//! sees as an incomplete `struct`, so the compiler catches a handle passed to the wrong function.
//! Handles are immutable after creation and their types are `Send + Sync`, so any thread may use
//! them at once; only their `_free` must not race with another use.

/// Moves `value` to the heap and hands ownership to C.
pub(crate) fn into_raw<T>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// Takes ownership back from C and drops the value; NULL is ignored.
///
/// # Safety
/// `ptr` is NULL or came from [`into_raw`] with the same `T` and was not freed before.
pub(crate) unsafe fn free<T>(ptr: *mut T) {
    if !ptr.is_null() {
        // SAFETY: per the caller, `ptr` is an unfreed Box<T> pointer; C gives up ownership here.
        drop(unsafe { Box::from_raw(ptr) });
    }
}

/// Proves at compile time that a handle type may be shared between threads.
pub(crate) const fn assert_thread_safe<T: Send + Sync>() {}
