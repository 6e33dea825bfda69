/*
 * C tests of the rnuget C API: every function, its error paths with NULL and bad input, the
 * per-thread last error, and (given a feed URL) the client against a loopback feed.
 *
 * Usage: test_rnuget FEED_INDEX_URL PACKAGE_ID PACKAGE_VERSION VERSIONS_JSON DOWNLOAD_PATH
 *   FEED_INDEX_URL   a V3 service index on loopback, started by ffi/tests/c.rs
 *   PACKAGE_ID       a package the feed has, PACKAGE_VERSION its latest version
 *   VERSIONS_JSON    every version of it, as rnuget_client_list_versions should answer
 *   DOWNLOAD_PATH    where to download that package; c.rs compares the bytes afterwards
 *
 * Exit status 0 when every check passed. Every object the tests get from rnuget is freed, so that
 * the run is clean under AddressSanitizer and Valgrind's leak check.
 */

#include "rnuget.h"

#include <stdio.h>
#include <string.h>
#include <threads.h>

static int checks = 0;
static int failures = 0;

#define CHECK(cond)                                                                 \
  do {                                                                              \
    checks++;                                                                       \
    if (!(cond)) {                                                                  \
      failures++;                                                                   \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);      \
    }                                                                               \
  } while (0)

/* Runs `call` and checks it returned `expected`; on a mismatch prints the last error. */
#define CHECK_STATUS(call, expected)                                                \
  do {                                                                              \
    rnuget_status got_ = (call);                                                    \
    checks++;                                                                       \
    if (got_ != (expected)) {                                                       \
      failures++;                                                                   \
      fprintf(stderr, "%s:%d: %s returned %s (%d), expected %s\n  last error: %s\n", \
              __FILE__, __LINE__, #call, rnuget_status_name((int)got_), (int)got_,  \
              #expected, rnuget_last_error_message());                              \
    }                                                                               \
  } while (0)

#define CHECK_STR(actual, expected)                                                 \
  do {                                                                              \
    const char *a_ = (actual);                                                      \
    const char *e_ = (expected);                                                    \
    checks++;                                                                       \
    if (a_ == NULL || strcmp(a_, e_) != 0) {                                        \
      failures++;                                                                   \
      fprintf(stderr, "%s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__, __LINE__, \
              #actual, a_ ? a_ : "(null)", e_);                                     \
    }                                                                               \
  } while (0)

#define CHECK_CONTAINS(haystack, needle)                                            \
  do {                                                                              \
    const char *h_ = (haystack);                                                    \
    const char *n_ = (needle);                                                      \
    checks++;                                                                       \
    if (h_ == NULL || strstr(h_, n_) == NULL) {                                     \
      failures++;                                                                   \
      fprintf(stderr, "%s:%d: %s is \"%s\", which lacks \"%s\"\n", __FILE__,        \
              __LINE__, #haystack, h_ ? h_ : "(null)", n_);                         \
    }                                                                               \
  } while (0)

/* ---- plumbing: versions of the ABI, status names, the last error, frees ---- */

static void test_abi_and_library_version(void) {
  CHECK(rnuget_abi_version() == RNUGET_ABI_VERSION);
  const char *version = rnuget_library_version();
  CHECK(version != NULL && version[0] >= '0' && version[0] <= '9');
  CHECK(strchr(version, '.') != NULL);
}

static void test_status_numbers_and_names(void) {
  /* The numbers are ABI: a changed number breaks every compiled caller. */
  CHECK(RNUGET_OK == 0);
  CHECK(RNUGET_ERR_INVALID_ARGUMENT == 100);
  CHECK(RNUGET_ERR_NULL_ARGUMENT == 101);
  CHECK(RNUGET_ERR_INVALID_UTF8 == 102);
  CHECK(RNUGET_ERR_INVALID_VERSION == 103);
  CHECK(RNUGET_ERR_INVALID_RANGE == 104);
  CHECK(RNUGET_ERR_NETWORK == 200);
  CHECK(RNUGET_ERR_TIMEOUT == 201);
  CHECK(RNUGET_ERR_TOO_LARGE == 202);
  CHECK(RNUGET_ERR_HTTP_STATUS == 300);
  CHECK(RNUGET_ERR_NOT_FOUND == 301);
  CHECK(RNUGET_ERR_PROTOCOL == 400);
  CHECK(RNUGET_ERR_INVALID_PACKAGE == 500);
  CHECK(RNUGET_ERR_IO == 600);
  CHECK(RNUGET_ERR_PANIC == 900);
  CHECK_STR(rnuget_status_name(RNUGET_OK), "RNUGET_OK");
  CHECK_STR(rnuget_status_name(RNUGET_ERR_NOT_FOUND), "RNUGET_ERR_NOT_FOUND");
  CHECK_STR(rnuget_status_name(301), "RNUGET_ERR_NOT_FOUND");
  CHECK_STR(rnuget_status_name(12345), "RNUGET_UNKNOWN_STATUS");
  CHECK_STR(rnuget_status_name(-1), "RNUGET_UNKNOWN_STATUS");
}

static void test_null_arguments_are_refused(void) {
  rnuget_version *version = (rnuget_version *)&checks; /* any non-NULL value: must be reset */
  CHECK_STATUS(rnuget_version_parse(NULL, &version), RNUGET_ERR_NULL_ARGUMENT);
  CHECK(version == NULL);
  CHECK(rnuget_last_error_status() == RNUGET_ERR_NULL_ARGUMENT);
  CHECK_CONTAINS(rnuget_last_error_message(), "rnuget_version_parse");
  CHECK_CONTAINS(rnuget_last_error_message(), "`input` is NULL");
  CHECK(rnuget_last_error_http_status() == 0);
  CHECK_STR(rnuget_last_error_url(), "");
  CHECK_STR(rnuget_last_error_source(), "");

  CHECK_STATUS(rnuget_version_parse("1.0.0", NULL), RNUGET_ERR_NULL_ARGUMENT);
  CHECK_CONTAINS(rnuget_last_error_message(), "`out` is NULL");

  char *text = (char *)"not reset";
  CHECK_STATUS(rnuget_version_normalize(NULL, &text), RNUGET_ERR_NULL_ARGUMENT);
  CHECK(text == NULL);
  CHECK_STATUS(rnuget_version_to_normalized_string(NULL, &text), RNUGET_ERR_NULL_ARGUMENT);
  CHECK_STATUS(rnuget_version_to_full_string(NULL, &text), RNUGET_ERR_NULL_ARGUMENT);
  CHECK_CONTAINS(rnuget_last_error_message(), "`version` is NULL");

  int order = 42;
  CHECK_STATUS(rnuget_version_compare(NULL, NULL, RNUGET_COMPARE_DEFAULT, &order),
               RNUGET_ERR_NULL_ARGUMENT);
  CHECK(order == 0);
  CHECK_STATUS(rnuget_version_compare(NULL, NULL, RNUGET_COMPARE_DEFAULT, NULL),
               RNUGET_ERR_NULL_ARGUMENT);
  bool flag = true;
  CHECK_STATUS(rnuget_version_is_prerelease(NULL, &flag), RNUGET_ERR_NULL_ARGUMENT);
  CHECK(flag == false);

  rnuget_range *range = (rnuget_range *)&checks;
  CHECK_STATUS(rnuget_range_parse(NULL, &range), RNUGET_ERR_NULL_ARGUMENT);
  CHECK(range == NULL);
  CHECK_STATUS(rnuget_range_parse("1.0", NULL), RNUGET_ERR_NULL_ARGUMENT);
  CHECK_STATUS(rnuget_range_to_normalized_string(NULL, &text), RNUGET_ERR_NULL_ARGUMENT);
  flag = true;
  CHECK_STATUS(rnuget_range_satisfies(NULL, NULL, &flag), RNUGET_ERR_NULL_ARGUMENT);
  CHECK(flag == false);
  size_t index = 7;
  bool found = true;
  CHECK_STATUS(rnuget_range_find_best_match(NULL, NULL, 0, &found, &index),
               RNUGET_ERR_NULL_ARGUMENT);
  CHECK(found == false && index == 0);
  CHECK_CONTAINS(rnuget_last_error_message(), "`range` is NULL");
}

static void test_invalid_utf8_is_refused(void) {
  rnuget_version *version = NULL;
  CHECK_STATUS(rnuget_version_parse("1.0.\xff", &version), RNUGET_ERR_INVALID_UTF8);
  CHECK(version == NULL);
  CHECK_CONTAINS(rnuget_last_error_message(), "`input` is not UTF-8");
  rnuget_range *range = NULL;
  CHECK_STATUS(rnuget_range_parse("[\xc3(", &range), RNUGET_ERR_INVALID_UTF8);
  CHECK(range == NULL);
}

static void test_frees_accept_null_and_keep_the_last_error(void) {
  CHECK_STATUS(rnuget_version_parse(NULL, NULL), RNUGET_ERR_NULL_ARGUMENT);
  rnuget_string_free(NULL);
  rnuget_buffer_free(NULL);
  rnuget_version_free(NULL);
  rnuget_range_free(NULL);
  /* Freeing does not touch the last error, so a caller can clean up before reporting. */
  CHECK(rnuget_last_error_status() == RNUGET_ERR_NULL_ARGUMENT);
  CHECK(rnuget_buffer_len(NULL) == 0);
  CHECK(rnuget_buffer_data(NULL) == NULL);
}

/* The last error of one thread is invisible to another. */
static int fail_on_another_thread(void *arg) {
  (void)arg;
  int clean_at_start = rnuget_last_error_status() == RNUGET_OK &&
                       strcmp(rnuget_last_error_message(), "") == 0;
  rnuget_status status = rnuget_range_parse(NULL, NULL);
  int recorded = status == RNUGET_ERR_NULL_ARGUMENT &&
                 strstr(rnuget_last_error_message(), "rnuget_range_parse") != NULL;
  return clean_at_start && recorded ? 0 : 1;
}

static void test_last_error_is_per_thread(void) {
  CHECK_STATUS(rnuget_version_parse(NULL, NULL), RNUGET_ERR_NULL_ARGUMENT);
  thrd_t thread;
  int result = -1;
  CHECK(thrd_create(&thread, fail_on_another_thread, NULL) == thrd_success);
  CHECK(thrd_join(thread, &result) == thrd_success);
  CHECK(result == 0);
  /* This thread still sees its own error, not the other thread's. */
  CHECK_CONTAINS(rnuget_last_error_message(), "rnuget_version_parse");
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr,
            "usage: %s FEED_INDEX_URL PACKAGE_ID PACKAGE_VERSION VERSIONS_JSON DOWNLOAD_PATH\n",
            argv[0]);
    return 2;
  }
  test_abi_and_library_version();
  test_status_numbers_and_names();
  test_null_arguments_are_refused();
  test_invalid_utf8_is_refused();
  test_frees_accept_null_and_keep_the_last_error();
  test_last_error_is_per_thread();

  printf("test_rnuget: %d checks, %d failed\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
