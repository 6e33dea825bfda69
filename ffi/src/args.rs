//! NULL checks and borrowing of the arguments C hands in.
//!
//! Each helper turns one raw argument into a Rust reference or an [`FfiError`] naming the argument,
//! so that every export checks its pointers the same way before doing any work. The returned
//! lifetimes are unbounded: they are only used inside the export's body, while the caller keeps
//! the arguments alive as the C contract requires.

use std::ffi::{CStr, c_char};

use crate::error::FfiError;

/// Borrows a NUL-terminated UTF-8 string argument.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string that stays valid and unchanged for `'a`.
pub(crate) unsafe fn text<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, FfiError> {
    if ptr.is_null() {
        return Err(FfiError::null(name));
    }
    // SAFETY: not NULL, and the caller promises a NUL-terminated string alive for 'a.
    let bytes = unsafe { CStr::from_ptr(ptr) };
    bytes.to_str().map_err(|err| FfiError::utf8(name, err))
}

/// Like [`text`], but NULL means "not given".
///
/// # Safety
/// As for [`text`].
pub(crate) unsafe fn optional_text<'a>(
    ptr: *const c_char,
    name: &str,
) -> Result<Option<&'a str>, FfiError> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded from the caller.
    unsafe { text(ptr, name) }.map(Some)
}

/// Borrows an array of `count` string arguments; `ptr` may be NULL only when `count` is 0. A
/// count no array can have (its bytes past `isize::MAX`: a negative length cast to `size_t`,
/// say) is refused before anything is read.
///
/// # Safety
/// `ptr` is NULL or points to `count` pointers, each as required by [`text`], alive for `'a`.
pub(crate) unsafe fn text_array<'a>(
    ptr: *const *const c_char,
    count: usize,
    name: &str,
) -> Result<Vec<&'a str>, FfiError> {
    if count == 0 {
        return Ok(Vec::new());
    }
    if ptr.is_null() {
        return Err(FfiError::null(name));
    }
    if count > isize::MAX as usize / size_of::<*const c_char>() {
        let why = format!("has a count of {count}, more elements than any array can hold");
        return Err(FfiError::invalid(name, why));
    }
    // SAFETY: not NULL, and the caller promises `count` readable elements alive for 'a.
    let items = unsafe { std::slice::from_raw_parts(ptr, count) };
    items
        .iter()
        .enumerate()
        // SAFETY: each element is NULL or a string as `text` requires, per the caller.
        .map(|(index, item)| unsafe { text(*item, &format!("{name}[{index}]")) })
        .collect()
}

/// Borrows a handle argument. A pointer that is not a live `T` from rnuget (one freed already,
/// or a handle of another type passed through a cast) is refused before it is read.
///
/// # Safety
/// `ptr` is NULL, or not live, or a live handle of type `T` not freed while `'a` lasts.
pub(crate) unsafe fn handle<'a, T: 'static>(ptr: *const T, name: &str) -> Result<&'a T, FfiError> {
    if ptr.is_null() {
        return Err(FfiError::null(name));
    }
    if !crate::handle::is_live(ptr) {
        let what = crate::handle::type_name::<T>();
        let why = format!("is not a live {what}: freed already, or a handle of another type");
        return Err(FfiError::invalid(name, why));
    }
    // SAFETY: not NULL, and live as a `T`: an unfreed, aligned Box<T> from rnuget, which the
    // caller promises not to free while 'a lasts.
    Ok(unsafe { &*ptr })
}

/// Like [`handle`], but NULL means "not given".
///
/// # Safety
/// As for [`handle`].
pub(crate) unsafe fn optional_handle<'a, T: 'static>(
    ptr: *const T,
    name: &str,
) -> Result<Option<&'a T>, FfiError> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded from the caller.
    unsafe { handle(ptr, name) }.map(Some)
}

/// Takes a `T **` out-parameter and sets `*ptr` to NULL at once, so that it is NULL on every
/// failure; the export writes the result into the returned slot on success.
///
/// # Safety
/// `ptr` is NULL or points to writable memory for one pointer, alive for `'a`.
pub(crate) unsafe fn out_ptr<'a, T>(
    ptr: *mut *mut T,
    name: &str,
) -> Result<&'a mut *mut T, FfiError> {
    if ptr.is_null() {
        return Err(FfiError::null(name));
    }
    // SAFETY: not NULL and writable per the caller; writing first means the reference below
    // never sees uninitialized memory.
    unsafe {
        ptr.write(std::ptr::null_mut());
        Ok(&mut *ptr)
    }
}

/// Takes a plain out-parameter (`bool *`, `int *`, `size_t *`) and sets it to `T::default()` at
/// once, so that it holds a defined value on every failure.
///
/// # Safety
/// `ptr` is NULL or points to writable memory for one `T`, alive for `'a`.
pub(crate) unsafe fn out_value<'a, T: Default>(
    ptr: *mut T,
    name: &str,
) -> Result<&'a mut T, FfiError> {
    if ptr.is_null() {
        return Err(FfiError::null(name));
    }
    // SAFETY: not NULL and writable per the caller; written before it is borrowed.
    unsafe {
        ptr.write(T::default());
        Ok(&mut *ptr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::rnuget_status::*;

    #[test]
    fn null_and_bad_utf8_are_named() {
        // SAFETY: NULL and a static NUL-terminated byte string are valid inputs.
        unsafe {
            let err = text(std::ptr::null(), "id").unwrap_err();
            assert_eq!(err.status, RNUGET_ERR_NULL_ARGUMENT);
            assert!(err.message.contains("`id`"));
            let err = text(c"\xff\xfe".as_ptr(), "id").unwrap_err();
            assert_eq!(err.status, RNUGET_ERR_INVALID_UTF8);
            assert_eq!(text(c"Dapper".as_ptr(), "id").unwrap(), "Dapper");
            assert_eq!(optional_text(std::ptr::null(), "ua").unwrap(), None);
        }
    }

    #[test]
    fn arrays_name_the_bad_element() {
        let items = [c"a".as_ptr(), std::ptr::null()];
        // SAFETY: `items` holds two elements, one a live string and one NULL.
        let err = unsafe { text_array(items.as_ptr(), 2, "sources") }.unwrap_err();
        assert!(err.message.contains("`sources[1]`"), "{}", err.message);
        // SAFETY: count 0 never reads the pointer.
        assert!(
            unsafe { text_array(std::ptr::null(), 0, "sources") }
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn out_pointers_are_reset_first() {
        let mut slot: *mut u8 = 8 as *mut u8;
        // SAFETY: `slot` is a live, writable pointer-sized local.
        let out = unsafe { out_ptr(&mut slot, "out") }.unwrap();
        assert!(out.is_null());
        let mut flag = true;
        // SAFETY: `flag` is a live, writable local.
        assert!(!*unsafe { out_value(&mut flag, "out") }.unwrap());
    }
}
