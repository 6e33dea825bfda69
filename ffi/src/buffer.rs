//! Owned byte buffers handed to the caller (package bytes): `_data`, `_len` and `_free`.

use crate::boundary::guard_value;
use crate::handle;

/// An immutable block of bytes owned by the library, such as a downloaded `.nupkg`. Read it with
/// `rnuget_buffer_data` and `rnuget_buffer_len`; release it with `rnuget_buffer_free`.
pub struct rnuget_buffer(Vec<u8>);

const _: () = handle::assert_thread_safe::<rnuget_buffer>();

/// Hands `bytes` to C as a new buffer.
pub(crate) fn into_raw_buffer(bytes: Vec<u8>) -> *mut rnuget_buffer {
    handle::into_raw(rnuget_buffer(bytes))
}

/// Returns a pointer to the first byte of `buffer`.
///
/// Ownership: the bytes belong to the buffer; do not free the pointer.
/// NULL: returns NULL when `buffer` is NULL or not a live buffer (freed already, say), and may
/// return a non-NULL dangling pointer for an empty buffer, which must not be read.
/// Lifetime: valid until `rnuget_buffer_free(buffer)`.
/// Threads: the buffer is immutable; any thread may read it at once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_buffer_data(buffer: *const rnuget_buffer) -> *const u8 {
    guard_value(std::ptr::null(), || {
        if !handle::is_live(buffer) {
            return std::ptr::null();
        }
        // SAFETY: live, so an unfreed buffer from rnuget.
        unsafe { &*buffer }.0.as_ptr()
    })
}

/// Returns the number of bytes in `buffer`.
///
/// Ownership: a plain value. NULL: returns 0 when `buffer` is NULL or not a live buffer.
/// Lifetime: `buffer` must be live for the call.
/// Threads: the buffer is immutable; any thread may read it at once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_buffer_len(buffer: *const rnuget_buffer) -> usize {
    guard_value(0, || {
        if !handle::is_live(buffer) {
            return 0;
        }
        // SAFETY: live, so an unfreed buffer from rnuget.
        unsafe { &*buffer }.0.len()
    })
}

/// Frees a buffer returned by rnuget.
///
/// Ownership: takes back ownership; neither `buffer` nor its data pointer may be used afterwards.
/// NULL: `buffer` may be NULL; nothing happens. So does a pointer that is not a live buffer from
/// rnuget: one freed already (unless rnuget has since handed out another buffer at the same
/// address), or a handle of another type.
/// Threads: must not race with another use of the same buffer; it does not touch the last error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_buffer_free(buffer: *mut rnuget_buffer) {
    // SAFETY: `handle::free` ignores NULL and pointers that are not live buffers.
    guard_value((), || unsafe { handle::free(buffer) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_expose_their_bytes_and_free() {
        let buffer = into_raw_buffer(b"PK\x03\x04".to_vec());
        // SAFETY: `buffer` is live until the free below; NULL is accepted by all three.
        unsafe {
            assert_eq!(rnuget_buffer_len(buffer), 4);
            assert_eq!(*rnuget_buffer_data(buffer), b'P');
            assert_eq!(rnuget_buffer_len(std::ptr::null()), 0);
            assert!(rnuget_buffer_data(std::ptr::null()).is_null());
            rnuget_buffer_free(buffer);
            rnuget_buffer_free(std::ptr::null_mut());
        }
    }
}
