/*
 * C tests of the rnuget C API: every function, its error paths with NULL and bad input, the
 * per-thread last error, and (given a feed URL) the client and its cache against a loopback feed.
 * The cache lives in DOWNLOAD_PATH.cache.
 *
 * Usage: test_rnuget FEED_INDEX_URL PACKAGE_ID PACKAGE_VERSION VERSIONS_JSON DOWNLOAD_PATH
 *                    FAILING_INDEX_URL
 *   FEED_INDEX_URL     a V3 service index on loopback, started by ffi/tests/c.rs
 *   PACKAGE_ID         a package the feed has, PACKAGE_VERSION its latest version
 *   VERSIONS_JSON      every version of it, as rnuget_client_list_versions should answer
 *   DOWNLOAD_PATH      where to download that package; c.rs compares the bytes afterwards
 *   FAILING_INDEX_URL  a loopback server that answers HTTP 500 to every request, with
 *                      `Retry-After: 3600`
 *
 * Exit status 0 when every check passed. Every object the tests get from rnuget is freed, so that
 * the run is clean under AddressSanitizer and Valgrind's leak check.
 */

#include "rnuget.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
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
  CHECK(RNUGET_ERR_NOT_CACHED == 700);
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

/* A pointer freed twice, a handle of one type passed as another through a cast, and a string
 * the library owns passed to rnuget_string_free are caught: nothing is freed twice or read as
 * what it is not (AddressSanitizer and Valgrind watch), and a call on such a handle is refused. */
static void test_double_frees_and_wrong_handles_are_caught(void) {
  rnuget_version *version = NULL;
  rnuget_range *range = NULL;
  CHECK_STATUS(rnuget_version_parse("1.0", &version), RNUGET_OK);
  CHECK_STATUS(rnuget_range_parse("[1.0,2.0)", &range), RNUGET_OK);
  bool inside = true;
  CHECK_STATUS(rnuget_range_satisfies((const rnuget_range *)(const void *)version, version, &inside),
               RNUGET_ERR_INVALID_ARGUMENT);
  CHECK_CONTAINS(rnuget_last_error_message(), "`range` is not a live rnuget_range");
  CHECK(!inside);
  char *text = NULL;
  CHECK_STATUS(rnuget_version_to_normalized_string((const rnuget_version *)(const void *)range, &text),
               RNUGET_ERR_INVALID_ARGUMENT);
  CHECK(text == NULL);
  /* A free as the wrong type does nothing: both still work. */
  rnuget_range_free((rnuget_range *)(void *)version);
  rnuget_version_free((rnuget_version *)(void *)range);
  CHECK_STATUS(rnuget_range_satisfies(range, version, &inside), RNUGET_OK);
  CHECK(inside);
  CHECK_STATUS(rnuget_version_to_normalized_string(version, &text), RNUGET_OK);
  CHECK_STR(text, "1.0.0");
  rnuget_string_free(text);
  rnuget_string_free(text);
  rnuget_string_free((char *)rnuget_library_version());
  rnuget_string_free((char *)rnuget_status_name(RNUGET_OK));
  rnuget_version_free(version);
  rnuget_version_free(version);
  rnuget_range_free(range);
  rnuget_range_free(range);

  rnuget_client_options *options = NULL;
  CHECK_STATUS(rnuget_client_options_new(&options), RNUGET_OK);
  rnuget_client_options_free(options);
  rnuget_client_options_free(options);
  const char *sources[] = {"http://127.0.0.1:9/index.json"};
  rnuget_client *client = NULL;
  CHECK_STATUS(rnuget_client_new(sources, 1, options, &client), RNUGET_ERR_INVALID_ARGUMENT);
  CHECK_CONTAINS(rnuget_last_error_message(), "`options` is not a live rnuget_client_options");
  CHECK(client == NULL);
  CHECK_STATUS(rnuget_client_new(sources, 1, NULL, &client), RNUGET_OK);
  CHECK(rnuget_client_session_id(client) != NULL);
  rnuget_client_free(client);
  rnuget_client_free(client);
  CHECK(rnuget_client_session_id(client) == NULL);
  CHECK(rnuget_buffer_len((const rnuget_buffer *)(const void *)sources) == 0);
  /* A count no array can have (a negative length cast to size_t) is refused, not read. */
  CHECK_STATUS(rnuget_client_new(sources, (size_t)-1, NULL, &client), RNUGET_ERR_INVALID_ARGUMENT);
  CHECK_CONTAINS(rnuget_last_error_message(), "`sources` has a count of");
  CHECK(rnuget_buffer_data((const rnuget_buffer *)(const void *)sources) == NULL);
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

/* ---- versions: cases from NuGet.Client's own answers (../shared/oracle/versioning) ---- */

/* Parses `input`, checking the normalized and full strings and the prerelease flag. */
static void check_version(const char *input, const char *normalized, const char *full,
                          bool prerelease) {
  rnuget_version *version = NULL;
  CHECK_STATUS(rnuget_version_parse(input, &version), RNUGET_OK);
  if (version == NULL) {
    return;
  }
  CHECK(rnuget_last_error_status() == RNUGET_OK);
  CHECK_STR(rnuget_last_error_message(), "");
  char *text = NULL;
  CHECK_STATUS(rnuget_version_to_normalized_string(version, &text), RNUGET_OK);
  CHECK_STR(text, normalized);
  rnuget_string_free(text);
  text = NULL;
  CHECK_STATUS(rnuget_version_to_full_string(version, &text), RNUGET_OK);
  CHECK_STR(text, full);
  rnuget_string_free(text);
  text = NULL;
  CHECK_STATUS(rnuget_version_normalize(input, &text), RNUGET_OK);
  CHECK_STR(text, normalized);
  rnuget_string_free(text);
  bool is_prerelease = !prerelease;
  CHECK_STATUS(rnuget_version_is_prerelease(version, &is_prerelease), RNUGET_OK);
  CHECK(is_prerelease == prerelease);
  rnuget_version_free(version);
}

static void test_version_strings(void) {
  check_version("1", "1.0.0", "1.0.0", false);
  check_version("1.0", "1.0.0", "1.0.0", false);
  check_version("1.0.0.0", "1.0.0", "1.0.0", false);
  check_version("1.2.3.4", "1.2.3.4", "1.2.3.4", false);
  check_version("1.0.0-Beta", "1.0.0-Beta", "1.0.0-Beta", true);
  check_version("0-1+exp.sha.5114f85", "0.0.0-1", "0.0.0-1+exp.sha.5114f85", true);
  check_version(" 2147483647.1.10+build.1-aef.1-its-okay", "2147483647.1.10",
                "2147483647.1.10+build.1-aef.1-its-okay", false);
}

static void test_invalid_versions(void) {
  const char *bad[] = {"1.0.0-", "", "not a version", "1.0.0.0.0"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    rnuget_version *version = (rnuget_version *)&checks;
    CHECK_STATUS(rnuget_version_parse(bad[i], &version), RNUGET_ERR_INVALID_VERSION);
    CHECK(version == NULL);
    CHECK(rnuget_last_error_status() == RNUGET_ERR_INVALID_VERSION);
    CHECK_CONTAINS(rnuget_last_error_message(), "rnuget_version_parse");
    char *text = (char *)"not reset";
    CHECK_STATUS(rnuget_version_normalize(bad[i], &text), RNUGET_ERR_INVALID_VERSION);
    CHECK(text == NULL);
  }
  rnuget_version *version = NULL;
  CHECK_STATUS(rnuget_version_parse("1.0.0-", &version), RNUGET_ERR_INVALID_VERSION);
  CHECK_CONTAINS(rnuget_last_error_message(), "1.0.0-");
}

/* Compares `a` with `b` in all four modes, against NuGet's signs. */
static void check_compare(const char *a, const char *b, int by_default, int by_version,
                          int by_release, int by_metadata) {
  rnuget_version *left = NULL;
  rnuget_version *right = NULL;
  CHECK_STATUS(rnuget_version_parse(a, &left), RNUGET_OK);
  CHECK_STATUS(rnuget_version_parse(b, &right), RNUGET_OK);
  const int modes[4] = {RNUGET_COMPARE_DEFAULT, RNUGET_COMPARE_VERSION,
                        RNUGET_COMPARE_VERSION_RELEASE, RNUGET_COMPARE_VERSION_RELEASE_METADATA};
  const int expected[4] = {by_default, by_version, by_release, by_metadata};
  for (int i = 0; i < 4; i++) {
    int order = 42;
    CHECK_STATUS(rnuget_version_compare(left, right, modes[i], &order), RNUGET_OK);
    if (order != expected[i]) {
      fprintf(stderr, "compare(%s, %s, mode %d) = %d, expected %d\n", a, b, modes[i], order,
              expected[i]);
    }
    CHECK(order == expected[i]);
  }
  rnuget_version_free(left);
  rnuget_version_free(right);
}

static void test_version_compare(void) {
  check_compare("1.0.0-BETA", "1.0.0+AA", -1, 0, -1, -1);
  check_compare("1.0.0-BETA", "1.0.0-BETA", 0, 0, 0, 0);
  check_compare("1.0.0009.01-1.1+A", "1.0.9.1-1.1", 0, 0, 0, 1);
  check_compare("1.0.9.1-1.1", "1.0.0009.01-1.1+A", 0, 0, 0, -1);
  check_compare("2.00.01.00", "2.0.1-rc1.12", 1, 0, 1, 1);

  rnuget_version *version = NULL;
  CHECK_STATUS(rnuget_version_parse("1.0.0", &version), RNUGET_OK);
  int order = 42;
  CHECK_STATUS(rnuget_version_compare(version, version, 4, &order), RNUGET_ERR_INVALID_ARGUMENT);
  CHECK(order == 0);
  CHECK_CONTAINS(rnuget_last_error_message(), "`mode`");
  CHECK_STATUS(rnuget_version_compare(version, version, -1, &order),
               RNUGET_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(rnuget_version_compare(version, NULL, RNUGET_COMPARE_DEFAULT, &order),
               RNUGET_ERR_NULL_ARGUMENT);
  CHECK_CONTAINS(rnuget_last_error_message(), "`right` is NULL");
  rnuget_version_free(version);
}

/* ---- ranges ---- */

static void check_range(const char *input, const char *normalized) {
  rnuget_range *range = NULL;
  CHECK_STATUS(rnuget_range_parse(input, &range), RNUGET_OK);
  char *text = NULL;
  CHECK_STATUS(rnuget_range_to_normalized_string(range, &text), RNUGET_OK);
  CHECK_STR(text, normalized);
  rnuget_string_free(text);
  rnuget_range_free(range);
}

static void check_satisfies(const char *range_text, const char *version_text, bool expected) {
  rnuget_range *range = NULL;
  rnuget_version *version = NULL;
  CHECK_STATUS(rnuget_range_parse(range_text, &range), RNUGET_OK);
  CHECK_STATUS(rnuget_version_parse(version_text, &version), RNUGET_OK);
  bool satisfied = !expected;
  CHECK_STATUS(rnuget_range_satisfies(range, version, &satisfied), RNUGET_OK);
  if (satisfied != expected) {
    fprintf(stderr, "%s satisfies %s: got %d\n", version_text, range_text, satisfied);
  }
  CHECK(satisfied == expected);
  rnuget_version_free(version);
  rnuget_range_free(range);
}

static void test_ranges(void) {
  check_range("1.0", "[1.0.0, )");
  check_range("[1.0, 2.0)", "[1.0.0, 2.0.0)");
  check_range("[1.0.0+A, 2.0.0+A]", "[1.0.0, 2.0.0]");
  check_range("1.*", "[1.*, )");
  check_range("[1.0.*-*, 2.0.0)", "[1.0.*-*, 2.0.0)");

  check_satisfies("[1.0, 2.0)", "1.0.0+AA", true);
  check_satisfies("[1.0, 2.0)", "1.0.0-BETA", false);
  check_satisfies("[1.0, 2.0)", "1.9.0", true);
  check_satisfies("[1.0, 2.0)", "2.0.0-alpha+meta", true);
  check_satisfies("[1.0, 2.0)", "2.0.20505", false);

  rnuget_range *range = (rnuget_range *)&checks;
  CHECK_STATUS(rnuget_range_parse("[1.0,2.0,3.0]", &range), RNUGET_ERR_INVALID_RANGE);
  CHECK(range == NULL);
  CHECK_CONTAINS(rnuget_last_error_message(), "[1.0,2.0,3.0]");
  CHECK_STATUS(rnuget_range_parse("", &range), RNUGET_ERR_INVALID_RANGE);
}

/* Picks among `count` candidates; `expected` is the index, or -1 for no match. */
static void check_best(const char *range_text, const char *const *candidates, size_t count,
                       int expected) {
  rnuget_range *range = NULL;
  CHECK_STATUS(rnuget_range_parse(range_text, &range), RNUGET_OK);
  bool found = true;
  size_t index = 99;
  CHECK_STATUS(rnuget_range_find_best_match(range, candidates, count, &found, &index),
               RNUGET_OK);
  if (expected < 0) {
    CHECK(!found && index == 0);
  } else {
    CHECK(found && index == (size_t)expected);
  }
  rnuget_range_free(range);
}

static void test_best_match(void) {
  const char *const candidates[] = {"0.9.0", "1.0.1", "1.5.0", "2.0.0", "1.6.0-beta"};
  const size_t count = sizeof candidates / sizeof candidates[0];
  check_best("[1.0, 2.0)", candidates, count, 1);
  check_best("1.*", candidates, count, 2);
  check_best("[3.0, )", candidates, count, -1);
  check_best("[1.0, 2.0)", NULL, 0, -1);

  const char *const with_bad[] = {"1.0.0", "bad", "2.0.0"};
  rnuget_range *range = NULL;
  CHECK_STATUS(rnuget_range_parse("1.0", &range), RNUGET_OK);
  bool found = true;
  size_t index = 99;
  CHECK_STATUS(rnuget_range_find_best_match(range, with_bad, 3, &found, &index),
               RNUGET_ERR_INVALID_VERSION);
  CHECK(!found && index == 0);
  CHECK_CONTAINS(rnuget_last_error_message(), "candidates[1]");
  const char *const with_null[] = {"1.0.0", NULL};
  CHECK_STATUS(rnuget_range_find_best_match(range, with_null, 2, &found, &index),
               RNUGET_ERR_NULL_ARGUMENT);
  CHECK_CONTAINS(rnuget_last_error_message(), "`candidates[1]` is NULL");
  CHECK_STATUS(rnuget_range_find_best_match(range, NULL, 1, &found, &index),
               RNUGET_ERR_NULL_ARGUMENT);
  rnuget_range_free(range);
}

/* A successful call clears the error an earlier call left. */
static void test_success_clears_the_last_error(void) {
  CHECK_STATUS(rnuget_version_parse(NULL, NULL), RNUGET_ERR_NULL_ARGUMENT);
  char *text = NULL;
  CHECK_STATUS(rnuget_version_normalize("1.0", &text), RNUGET_OK);
  CHECK(rnuget_last_error_status() == RNUGET_OK);
  CHECK_STR(rnuget_last_error_message(), "");
  rnuget_string_free(text);
}

/* ---- client: options, versions, metadata, search, downloads against the loopback feed ---- */

static void test_client_options(void) {
  rnuget_client_options *options = NULL;
  CHECK_STATUS(rnuget_client_options_new(NULL), RNUGET_ERR_NULL_ARGUMENT);
  CHECK_STATUS(rnuget_client_options_new(&options), RNUGET_OK);
  CHECK_STATUS(rnuget_client_options_add_source(options, NULL, NULL), RNUGET_ERR_NULL_ARGUMENT);
  CHECK_CONTAINS(rnuget_last_error_message(), "`url` is NULL");
  CHECK_STATUS(rnuget_client_options_add_source(NULL, "http://127.0.0.1:9/v3/index.json", NULL),
               RNUGET_ERR_NULL_ARGUMENT);
  CHECK_STATUS(rnuget_client_options_add_source(options, "", NULL), RNUGET_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(rnuget_client_options_set_request_timeout_ms(options, 0),
               RNUGET_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(rnuget_client_options_set_connect_timeout_ms(options, 0),
               RNUGET_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(rnuget_client_options_set_request_timeout_ms(NULL, 1000),
               RNUGET_ERR_NULL_ARGUMENT);
  CHECK_STATUS(rnuget_client_options_set_user_agent(options, "two\nlines"),
               RNUGET_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(rnuget_client_options_set_user_agent(options, NULL), RNUGET_ERR_NULL_ARGUMENT);
  CHECK_STATUS(rnuget_client_options_set_user_agent(options, "rnuget-c-tests/1.0"), RNUGET_OK);
  CHECK_STATUS(rnuget_client_options_set_ignore_failed_sources(options, 1), RNUGET_OK);
  CHECK_STATUS(rnuget_client_options_set_ignore_failed_sources(NULL, 1),
               RNUGET_ERR_NULL_ARGUMENT);

  /* Options without a source and no URLs: nothing to ask. */
  rnuget_client *client = (rnuget_client *)&checks;
  CHECK_STATUS(rnuget_client_new(NULL, 0, options, &client), RNUGET_ERR_INVALID_ARGUMENT);
  CHECK(client == NULL);
  CHECK_CONTAINS(rnuget_last_error_message(), "at least one package source");
  CHECK_STATUS(rnuget_client_new(NULL, 0, NULL, NULL), RNUGET_ERR_NULL_ARGUMENT);
  CHECK_STATUS(rnuget_client_new(NULL, 1, NULL, &client), RNUGET_ERR_NULL_ARGUMENT);
  const char *const with_null[] = {"http://127.0.0.1:9/v3/index.json", NULL};
  CHECK_STATUS(rnuget_client_new(with_null, 2, NULL, &client), RNUGET_ERR_NULL_ARGUMENT);
  CHECK_CONTAINS(rnuget_last_error_message(), "`sources[1]` is NULL");
  const char *const empty[] = {""};
  CHECK_STATUS(rnuget_client_new(empty, 1, NULL, &client), RNUGET_ERR_INVALID_ARGUMENT);

  /* Two sources with one name cannot be told apart in results. */
  CHECK_STATUS(rnuget_client_options_add_source(options, "http://127.0.0.1:9/a/index.json", "x"),
               RNUGET_OK);
  CHECK_STATUS(rnuget_client_options_add_source(options, "http://127.0.0.1:9/b/index.json", "x"),
               RNUGET_OK);
  CHECK_STATUS(rnuget_client_new(NULL, 0, options, &client), RNUGET_ERR_INVALID_ARGUMENT);
  CHECK(client == NULL);
  rnuget_client_options_free(options);
  rnuget_client_options_free(NULL);
  rnuget_client_free(NULL);
}

/* Every client function refuses a NULL client and NULL out-parameters. */
static void test_client_null_arguments(void) {
  char *json = (char *)"not reset";
  CHECK_STATUS(rnuget_client_list_versions(NULL, "x", &json), RNUGET_ERR_NULL_ARGUMENT);
  CHECK(json == NULL);
  CHECK_CONTAINS(rnuget_last_error_message(), "`client` is NULL");
  CHECK_STATUS(rnuget_client_find_best_version(NULL, "x", "1.0", &json),
               RNUGET_ERR_NULL_ARGUMENT);
  CHECK_STATUS(rnuget_client_get_metadata(NULL, "x", 0, &json), RNUGET_ERR_NULL_ARGUMENT);
  CHECK_STATUS(rnuget_client_get_version_metadata(NULL, "x", "1.0", &json),
               RNUGET_ERR_NULL_ARGUMENT);
  CHECK_STATUS(rnuget_client_search(NULL, "x", 0, 20, 0, &json), RNUGET_ERR_NULL_ARGUMENT);
  CHECK_STATUS(rnuget_client_download_to_file(NULL, "x", "1.0", "/tmp/x", NULL),
               RNUGET_ERR_NULL_ARGUMENT);
  rnuget_buffer *buffer = (rnuget_buffer *)&checks;
  CHECK_STATUS(rnuget_client_download_to_buffer(NULL, "x", "1.0", &buffer),
               RNUGET_ERR_NULL_ARGUMENT);
  CHECK(buffer == NULL);
}

/* Reads a whole file; the caller frees the result. */
static unsigned char *read_file(const char *path, size_t *len) {
  FILE *file = fopen(path, "rb");
  if (file == NULL) {
    return NULL;
  }
  size_t capacity = 1 << 16;
  size_t used = 0;
  unsigned char *data = malloc(capacity);
  size_t got;
  while (data != NULL && (got = fread(data + used, 1, capacity - used, file)) > 0) {
    used += got;
    if (used == capacity) {
      capacity *= 2;
      unsigned char *bigger = realloc(data, capacity);
      if (bigger == NULL) {
        free(data);
        fclose(file);
        return NULL;
      }
      data = bigger;
    }
  }
  fclose(file);
  *len = used;
  return data;
}

static bool is_zip(const unsigned char *data, size_t len) {
  return len > 4 && memcmp(data, "PK\x03\x04", 4) == 0;
}

struct feed {
  const char *url;
  const char *id;
  const char *version;
  const char *versions_json;
  const char *download_path;
  const char *failing_url;
};

static void test_versions_and_metadata(rnuget_client *client, const struct feed *feed) {
  char *json = NULL;
  CHECK_STATUS(rnuget_client_list_versions(client, feed->id, &json), RNUGET_OK);
  CHECK_STR(json, feed->versions_json);
  rnuget_string_free(json);
  json = NULL;
  CHECK_STATUS(rnuget_client_list_versions(client, "No.Such.Package", &json), RNUGET_OK);
  CHECK_STR(json, "[]");
  rnuget_string_free(json);
  json = (char *)"not reset";
  CHECK_STATUS(rnuget_client_list_versions(client, "", &json), RNUGET_ERR_INVALID_ARGUMENT);
  CHECK(json == NULL);
  CHECK_STATUS(rnuget_client_list_versions(client, NULL, &json), RNUGET_ERR_NULL_ARGUMENT);
  CHECK_STATUS(rnuget_client_list_versions(client, feed->id, NULL), RNUGET_ERR_NULL_ARGUMENT);

  char exact[256];
  snprintf(exact, sizeof exact, "[%s]", feed->version);
  char *best = NULL;
  CHECK_STATUS(rnuget_client_find_best_version(client, feed->id, exact, &best), RNUGET_OK);
  CHECK_STR(best, feed->version);
  rnuget_string_free(best);
  best = (char *)"not reset";
  CHECK_STATUS(rnuget_client_find_best_version(client, feed->id, "[999.0.0, )", &best),
               RNUGET_OK);
  CHECK(best == NULL);
  CHECK_STATUS(rnuget_client_find_best_version(client, feed->id, "[1.0", &best),
               RNUGET_ERR_INVALID_RANGE);

  char id_field[256];
  char version_field[256];
  snprintf(id_field, sizeof id_field, "\"id\":\"%s\"", feed->id);
  snprintf(version_field, sizeof version_field, "\"version\":\"%s\"", feed->version);
  json = NULL;
  CHECK_STATUS(rnuget_client_get_metadata(client, feed->id,
                                          RNUGET_METADATA_INCLUDE_PRERELEASE |
                                              RNUGET_METADATA_INCLUDE_UNLISTED,
                                          &json),
               RNUGET_OK);
  char source_field[512];
  snprintf(source_field, sizeof source_field, "\"source\":\"%s\"", feed->url);
  CHECK(json != NULL && strncmp(json, "[{", 2) == 0);
  CHECK_CONTAINS(json, source_field);
  CHECK_CONTAINS(json, id_field);
  CHECK_CONTAINS(json, version_field);
  CHECK_CONTAINS(json, "\"dependency_groups\":");
  rnuget_string_free(json);
  json = NULL;
  CHECK_STATUS(rnuget_client_get_metadata(client, "No.Such.Package", 0, &json), RNUGET_OK);
  CHECK_STR(json, "[]");
  rnuget_string_free(json);
  CHECK_STATUS(rnuget_client_get_metadata(client, feed->id, 4, &json),
               RNUGET_ERR_INVALID_ARGUMENT);
  CHECK_CONTAINS(rnuget_last_error_message(), "`flags`");

  json = NULL;
  CHECK_STATUS(rnuget_client_get_version_metadata(client, feed->id, feed->version, &json),
               RNUGET_OK);
  /* The source that answered comes first. */
  CHECK(json != NULL && strncmp(json + 1, source_field, strlen(source_field)) == 0);
  CHECK_CONTAINS(json, id_field);
  CHECK_CONTAINS(json, version_field);
  rnuget_string_free(json);
  json = (char *)"not reset";
  CHECK_STATUS(rnuget_client_get_version_metadata(client, feed->id, "999.0.0", &json),
               RNUGET_ERR_NOT_FOUND);
  CHECK(json == NULL);
  CHECK(rnuget_last_error_status() == RNUGET_ERR_NOT_FOUND);
  CHECK_CONTAINS(rnuget_last_error_message(), feed->id);
  CHECK_CONTAINS(rnuget_last_error_message(), "999.0.0");
  CHECK_STATUS(rnuget_client_get_version_metadata(client, feed->id, "1.0.0-", &json),
               RNUGET_ERR_INVALID_VERSION);
}

static void test_search(rnuget_client *client, const struct feed *feed) {
  char *json = NULL;
  CHECK_STATUS(rnuget_client_search(client, "", 0, 100,
                                    RNUGET_SEARCH_PRERELEASE | RNUGET_SEARCH_SEMVER2, &json),
               RNUGET_OK);
  char source_field[512];
  snprintf(source_field, sizeof source_field, "\"source\":\"%s\"", feed->url);
  char id_field[256];
  snprintf(id_field, sizeof id_field, "\"id\":\"%s\"", feed->id);
  CHECK(json != NULL && strncmp(json, "[{", 2) == 0);
  CHECK_CONTAINS(json, source_field);
  CHECK_CONTAINS(json, id_field);
  CHECK_CONTAINS(json, "\"error\":null");
  rnuget_string_free(json);
  CHECK_STATUS(rnuget_client_search(client, "", 0, 20, 4, &json), RNUGET_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(rnuget_client_search(client, NULL, 0, 20, 0, &json), RNUGET_ERR_NULL_ARGUMENT);
}

static void test_autocomplete(rnuget_client *client, const struct feed *feed) {
  char expected[1024];
  char *json = NULL;
  /* The whole id as the prefix: only that id, as the feed spells it. */
  CHECK_STATUS(rnuget_client_autocomplete_ids(client, feed->id, 0, 20,
                                              RNUGET_AUTOCOMPLETE_PRERELEASE, &json),
               RNUGET_OK);
  snprintf(expected, sizeof expected,
           "[{\"source\":\"%s\",\"results\":[\"%s\"],\"error\":null}]", feed->url, feed->id);
  CHECK_STR(json, expected);
  rnuget_string_free(json);
  /* Every id, then past the end of them. */
  json = NULL;
  CHECK_STATUS(rnuget_client_autocomplete_ids(client, "", 0, 100, RNUGET_AUTOCOMPLETE_PRERELEASE,
                                              &json),
               RNUGET_OK);
  snprintf(expected, sizeof expected, "\"%s\"", feed->id);
  CHECK_CONTAINS(json, expected);
  rnuget_string_free(json);
  json = NULL;
  CHECK_STATUS(rnuget_client_autocomplete_ids(client, "", 1000, 100, 0, &json), RNUGET_OK);
  CHECK_CONTAINS(json, "\"results\":[]");
  rnuget_string_free(json);

  /* Versions of the id: with prerelease ones, every version the feed lists. */
  json = NULL;
  CHECK_STATUS(rnuget_client_autocomplete_versions(client, feed->id,
                                                   RNUGET_AUTOCOMPLETE_PRERELEASE, &json),
               RNUGET_OK);
  snprintf(expected, sizeof expected, "[{\"source\":\"%s\",\"results\":%s,\"error\":null}]",
           feed->url, feed->versions_json);
  CHECK_STR(json, expected);
  rnuget_string_free(json);
  json = NULL;
  CHECK_STATUS(rnuget_client_autocomplete_versions(client, "No.Such.Package",
                                                   RNUGET_AUTOCOMPLETE_PRERELEASE, &json),
               RNUGET_OK);
  CHECK_CONTAINS(json, "\"results\":[]");
  rnuget_string_free(json);

  json = (char *)"not reset";
  CHECK_STATUS(rnuget_client_autocomplete_versions(client, "../x", 0, &json),
               RNUGET_ERR_INVALID_ARGUMENT);
  CHECK(json == NULL);
  CHECK_STATUS(rnuget_client_autocomplete_versions(client, feed->id, 2, &json),
               RNUGET_ERR_INVALID_ARGUMENT);
  CHECK_CONTAINS(rnuget_last_error_message(), "`flags`");
  CHECK_STATUS(rnuget_client_autocomplete_ids(client, "", 0, 20, 2, &json),
               RNUGET_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(rnuget_client_autocomplete_ids(client, NULL, 0, 20, 0, &json),
               RNUGET_ERR_NULL_ARGUMENT);
  CHECK_STATUS(rnuget_client_autocomplete_ids(NULL, "", 0, 20, 0, &json),
               RNUGET_ERR_NULL_ARGUMENT);
  CHECK_STATUS(rnuget_client_autocomplete_versions(client, NULL, 0, &json),
               RNUGET_ERR_NULL_ARGUMENT);
  CHECK_STATUS(rnuget_client_autocomplete_versions(client, feed->id, 0, NULL),
               RNUGET_ERR_NULL_ARGUMENT);
}

/* Autocomplete asks every source: a failing one has its error, the others their results. */
static void test_autocomplete_with_a_failing_source(const struct feed *feed) {
  const char *const sources[] = {feed->url, feed->failing_url};
  rnuget_client *client = NULL;
  CHECK_STATUS(rnuget_client_new(sources, 2, NULL, &client), RNUGET_OK);
  if (client == NULL) {
    return;
  }
  char expected[1024];
  char *json = NULL;
  CHECK_STATUS(rnuget_client_autocomplete_versions(client, feed->id,
                                                   RNUGET_AUTOCOMPLETE_PRERELEASE, &json),
               RNUGET_OK);
  snprintf(expected, sizeof expected, "[{\"source\":\"%s\",\"results\":%s,\"error\":null},",
           feed->url, feed->versions_json);
  CHECK(json != NULL && strncmp(json, expected, strlen(expected)) == 0);
  snprintf(expected, sizeof expected, "{\"source\":\"%s\",\"results\":[],\"error\":",
           feed->failing_url);
  CHECK_CONTAINS(json, expected);
  CHECK_CONTAINS(json, "\"http_status\":500");
  rnuget_string_free(json);
  rnuget_client_free(client);
}

static void test_downloads(rnuget_client *client, const struct feed *feed) {
  char *info = NULL;
  CHECK_STATUS(rnuget_client_download_to_file(client, feed->id, feed->version,
                                              feed->download_path, &info),
               RNUGET_OK);
  CHECK_CONTAINS(info, "\"sha512\":\"");
  CHECK_CONTAINS(info, "\"bytes\":");
  rnuget_string_free(info);
  /* Again, without the report: the file is replaced. */
  CHECK_STATUS(rnuget_client_download_to_file(client, feed->id, feed->version,
                                              feed->download_path, NULL),
               RNUGET_OK);
  size_t file_len = 0;
  unsigned char *file = read_file(feed->download_path, &file_len);
  CHECK(file != NULL && is_zip(file, file_len));

  rnuget_buffer *buffer = NULL;
  CHECK_STATUS(rnuget_client_download_to_buffer(client, feed->id, feed->version, &buffer),
               RNUGET_OK);
  const uint8_t *data = rnuget_buffer_data(buffer);
  size_t len = rnuget_buffer_len(buffer);
  CHECK(data != NULL && is_zip(data, len));
  CHECK(file != NULL && len == file_len && memcmp(data, file, len) == 0);
  rnuget_buffer_free(buffer);

  /* The same bytes, and the source they came from. */
  buffer = NULL;
  char *source = NULL;
  CHECK_STATUS(rnuget_client_download_to_buffer_with_source(client, feed->id, feed->version,
                                                            &buffer, &source),
               RNUGET_OK);
  CHECK_STR(source, feed->url);
  CHECK(file != NULL && rnuget_buffer_len(buffer) == file_len &&
        memcmp(rnuget_buffer_data(buffer), file, file_len) == 0);
  rnuget_buffer_free(buffer);
  rnuget_string_free(source);
  buffer = NULL;
  CHECK_STATUS(rnuget_client_download_to_buffer_with_source(client, feed->id, feed->version,
                                                            &buffer, NULL),
               RNUGET_OK);
  CHECK(buffer != NULL && rnuget_buffer_len(buffer) == file_len);
  rnuget_buffer_free(buffer);
  buffer = (rnuget_buffer *)&checks;
  source = (char *)"not reset";
  CHECK_STATUS(rnuget_client_download_to_buffer_with_source(client, feed->id, "999.0.0",
                                                            &buffer, &source),
               RNUGET_ERR_NOT_FOUND);
  CHECK(buffer == NULL && source == NULL);
  CHECK_STATUS(rnuget_client_download_to_buffer_with_source(client, feed->id, feed->version,
                                                            NULL, &source),
               RNUGET_ERR_NULL_ARGUMENT);
  CHECK(source == NULL);
  free(file);

  buffer = (rnuget_buffer *)&checks;
  CHECK_STATUS(rnuget_client_download_to_buffer(client, feed->id, "999.0.0", &buffer),
               RNUGET_ERR_NOT_FOUND);
  CHECK(buffer == NULL);
  CHECK_STATUS(rnuget_client_download_to_buffer(client, feed->id, "x", &buffer),
               RNUGET_ERR_INVALID_VERSION);
  CHECK_STATUS(rnuget_client_download_to_file(client, feed->id, feed->version, "", NULL),
               RNUGET_ERR_INVALID_ARGUMENT);
  /* A file that cannot be written is a local I/O error. */
  CHECK_STATUS(rnuget_client_download_to_file(client, feed->id, feed->version,
                                              "/nonexistent-rnuget-dir/x.nupkg", NULL),
               RNUGET_ERR_IO);
  CHECK_CONTAINS(rnuget_last_error_message(), "/nonexistent-rnuget-dir");
  info = (char *)"not reset";
  CHECK_STATUS(rnuget_client_download_to_file(client, feed->id, "999.0.0",
                                              feed->download_path, &info),
               RNUGET_ERR_NOT_FOUND);
  CHECK(info == NULL);
}

/* Several threads share one client. */
struct shared_call {
  rnuget_client *client;
  const struct feed *feed;
  int ok;
};

static int list_on_a_thread(void *arg) {
  struct shared_call *call = arg;
  char *json = NULL;
  rnuget_status status = rnuget_client_list_versions(call->client, call->feed->id, &json);
  call->ok = status == RNUGET_OK && json != NULL && strcmp(json, call->feed->versions_json) == 0;
  rnuget_string_free(json);
  return 0;
}

static void test_one_client_on_many_threads(rnuget_client *client, const struct feed *feed) {
  enum { THREADS = 4 };
  thrd_t threads[THREADS];
  struct shared_call calls[THREADS];
  for (int i = 0; i < THREADS; i++) {
    calls[i] = (struct shared_call){client, feed, 0};
    CHECK(thrd_create(&threads[i], list_on_a_thread, &calls[i]) == thrd_success);
  }
  for (int i = 0; i < THREADS; i++) {
    CHECK(thrd_join(threads[i], NULL) == thrd_success);
    CHECK(calls[i].ok);
  }
}

/* Failures carry their context: the URL, the HTTP status, the source. */
static void test_failures_name_their_url(const struct feed *feed) {
  const char *const refused[] = {"http://127.0.0.1:9/v3/index.json"};
  rnuget_client *client = NULL;
  CHECK_STATUS(rnuget_client_new(refused, 1, NULL, &client), RNUGET_OK);
  char *json = NULL;
  CHECK_STATUS(rnuget_client_list_versions(client, feed->id, &json), RNUGET_ERR_NETWORK);
  CHECK(json == NULL);
  CHECK_CONTAINS(rnuget_last_error_url(), "127.0.0.1:9");
  CHECK_CONTAINS(rnuget_last_error_message(), "127.0.0.1:9");
  CHECK_CONTAINS(rnuget_last_error_source(), "127.0.0.1:9");
  CHECK(rnuget_last_error_http_status() == 0);
  /* Search and autocomplete fail when their only source fails. */
  CHECK_STATUS(rnuget_client_search(client, "", 0, 20, 0, &json), RNUGET_ERR_NETWORK);
  CHECK_STATUS(rnuget_client_autocomplete_ids(client, "", 0, 20, 0, &json), RNUGET_ERR_NETWORK);
  CHECK_STATUS(rnuget_client_autocomplete_versions(client, feed->id, 0, &json),
               RNUGET_ERR_NETWORK);
  CHECK(json == NULL);
  CHECK_CONTAINS(rnuget_last_error_url(), "127.0.0.1:9");
  rnuget_client_free(client);

  /* A source URL with no service index behind it is a broken source, not an empty one. */
  char missing[512];
  snprintf(missing, sizeof missing, "%s", feed->url);
  char *index = strstr(missing, "index.json");
  if (index != NULL) {
    snprintf(index, sizeof missing - (size_t)(index - missing), "missing/index.json");
  }
  const char *const misconfigured[] = {missing};
  CHECK_STATUS(rnuget_client_new(misconfigured, 1, NULL, &client), RNUGET_OK);
  CHECK_STATUS(rnuget_client_list_versions(client, feed->id, &json), RNUGET_ERR_PROTOCOL);
  CHECK(rnuget_last_error_http_status() == 404);
  CHECK_STR(rnuget_last_error_url(), missing);
  rnuget_client_free(client);

  /* A feed that answers 500 to everything. */
  const char *const failing[] = {feed->failing_url};
  CHECK_STATUS(rnuget_client_new(failing, 1, NULL, &client), RNUGET_OK);
  CHECK_STATUS(rnuget_client_list_versions(client, feed->id, &json), RNUGET_ERR_HTTP_STATUS);
  CHECK(rnuget_last_error_status() == RNUGET_ERR_HTTP_STATUS);
  CHECK(rnuget_last_error_http_status() == 500);
  CHECK_STR(rnuget_last_error_url(), feed->failing_url);
  CHECK_CONTAINS(rnuget_last_error_message(), "HTTP 500");
  CHECK_CONTAINS(rnuget_last_error_message(), feed->failing_url);
  /* Freeing keeps the last error; the next call clears it. */
  rnuget_client_free(client);
  CHECK(rnuget_last_error_http_status() == 500);
  char *text = NULL;
  CHECK_STATUS(rnuget_version_normalize("1.0", &text), RNUGET_OK);
  CHECK(rnuget_last_error_http_status() == 0);
  CHECK_STR(rnuget_last_error_url(), "");
  rnuget_string_free(text);
}

/* ---- the cache: tiers, limits, offline, one context per operation, statistics, clearing ---- */

static void check_offline_versions(rnuget_client *client, const struct feed *feed,
                                   rnuget_status expected) {
  rnuget_client *offline = NULL;
  CHECK_STATUS(rnuget_client_with_context(client, RNUGET_CACHE_DEFAULT_MAX_AGE,
                                          RNUGET_CONTEXT_OFFLINE, &offline),
               RNUGET_OK);
  if (offline == NULL) {
    return;
  }
  char *json = NULL;
  CHECK_STATUS(rnuget_client_list_versions(offline, feed->id, &json), expected);
  if (expected == RNUGET_OK) {
    CHECK_STR(json, feed->versions_json);
  } else {
    CHECK(json == NULL);
    CHECK_CONTAINS(rnuget_last_error_message(), "offline and not cached: ");
    CHECK_CONTAINS(rnuget_last_error_url(), "/index.json");
  }
  rnuget_string_free(json);
  /* Each operation has a session id of its own. */
  const char *session = rnuget_client_session_id(offline);
  CHECK(session != NULL && strlen(session) == 36);
  CHECK(session != NULL && strcmp(session, rnuget_client_session_id(client)) != 0);
  rnuget_client_free(offline);
}

static void test_cache(const struct feed *feed) {
  char dir[4096];
  snprintf(dir, sizeof dir, "%s.cache", feed->download_path);
  rnuget_client_options *options = NULL;
  CHECK_STATUS(rnuget_client_options_new(&options), RNUGET_OK);
  CHECK_STATUS(rnuget_client_options_set_cache_limits(options, 10, 0, 0),
               RNUGET_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(rnuget_client_options_set_cache(options, 4, NULL), RNUGET_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(rnuget_client_options_set_cache(options, RNUGET_CACHE_MEMORY | RNUGET_CACHE_DISK,
                                               dir),
               RNUGET_OK);
  CHECK_STATUS(rnuget_client_options_set_cache_limits(options, 100, 1 << 20, 1 << 26),
               RNUGET_OK);
  CHECK_STATUS(rnuget_client_options_set_cache_max_age_ms(options, 600000), RNUGET_OK);
  rnuget_client *client = NULL;
  const char *const sources[] = {feed->url};
  CHECK_STATUS(rnuget_client_new(sources, 1, options, &client), RNUGET_OK);
  rnuget_client_options_free(options);
  if (client == NULL) {
    return;
  }
  /* Earlier runs of this program used the same directory. */
  CHECK_STATUS(rnuget_client_cache_clear(client,
                                         RNUGET_CACHE_CLEAR_MEMORY | RNUGET_CACHE_CLEAR_DISK, NULL),
               RNUGET_OK);
  check_offline_versions(client, feed, RNUGET_ERR_NOT_CACHED);

  char *json = NULL;
  for (int i = 0; i < 2; i++) {
    CHECK_STATUS(rnuget_client_list_versions(client, feed->id, &json), RNUGET_OK);
    CHECK_STR(json, feed->versions_json);
    rnuget_string_free(json);
    json = NULL;
  }
  CHECK_STATUS(rnuget_client_cache_stats(client, &json), RNUGET_OK);
  /* A miss, then a hit in memory; the service index and the version list written to disk. */
  CHECK_CONTAINS(json, "{\"memory\":{\"hits\":1,\"misses\":1,");
  CHECK_CONTAINS(json, "\"disk\":{\"hits\":0,");
  CHECK_CONTAINS(json, "\"writes\":2,");
  rnuget_string_free(json);
  json = NULL;
  CHECK_STATUS(rnuget_client_cache_stats(client, NULL), RNUGET_ERR_NULL_ARGUMENT);

  /* Offline, the cached version list answers; the metadata was never fetched. */
  check_offline_versions(client, feed, RNUGET_OK);
  rnuget_client *offline = NULL;
  CHECK_STATUS(rnuget_client_with_context(client, 0, RNUGET_CONTEXT_OFFLINE, &offline), RNUGET_OK);
  if (offline != NULL) {
    CHECK_STATUS(rnuget_client_get_metadata(offline, feed->id, 0, &json), RNUGET_ERR_NOT_CACHED);
    CHECK(json == NULL);
    CHECK_CONTAINS(rnuget_last_error_message(), "offline and not cached: ");
    rnuget_client_free(offline);
  }
  rnuget_client *refused = NULL;
  CHECK_STATUS(rnuget_client_with_context(client, 0, 16, &refused), RNUGET_ERR_INVALID_ARGUMENT);
  CHECK(refused == NULL);
  CHECK(rnuget_client_session_id(NULL) == NULL);

  /* A context that skips the cache still refreshes it. */
  rnuget_client *fresh = NULL;
  CHECK_STATUS(rnuget_client_with_context(client, 0, RNUGET_CONTEXT_NO_CACHE, &fresh), RNUGET_OK);
  if (fresh != NULL) {
    CHECK_STATUS(rnuget_client_list_versions(fresh, feed->id, &json), RNUGET_OK);
    CHECK_STR(json, feed->versions_json);
    rnuget_string_free(json);
    json = NULL;
    CHECK_STATUS(rnuget_client_cache_stats(fresh, &json), RNUGET_OK);
    CHECK_CONTAINS(json, "\"writes\":3,");
    rnuget_string_free(json);
    json = NULL;
    rnuget_client_free(fresh);
  }

  /* Clearing removes both files; offline, the version list is then a miss. */
  uint64_t removed = 0;
  CHECK_STATUS(rnuget_client_cache_clear(client,
                                         RNUGET_CACHE_CLEAR_MEMORY | RNUGET_CACHE_CLEAR_DISK,
                                         &removed),
               RNUGET_OK);
  CHECK(removed == 2);
  CHECK_STATUS(rnuget_client_cache_clear(client, 4, NULL), RNUGET_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(rnuget_client_cache_clear(NULL, 1, NULL), RNUGET_ERR_NULL_ARGUMENT);
  check_offline_versions(client, feed, RNUGET_ERR_NOT_CACHED);
  rnuget_client_free(client);

  /* Offline by its options and without any tier, a client fails every call at once. */
  CHECK_STATUS(rnuget_client_options_new(&options), RNUGET_OK);
  CHECK_STATUS(rnuget_client_options_set_offline(options, 1), RNUGET_OK);
  client = NULL;
  CHECK_STATUS(rnuget_client_new(sources, 1, options, &client), RNUGET_OK);
  rnuget_client_options_free(options);
  if (client != NULL) {
    CHECK_STATUS(rnuget_client_list_versions(client, feed->id, &json), RNUGET_ERR_NOT_CACHED);
    CHECK(json == NULL);
    rnuget_client_free(client);
  }
}

static void test_client(const struct feed *feed) {
  test_client_options();
  test_client_null_arguments();

  rnuget_client_options *options = NULL;
  CHECK_STATUS(rnuget_client_options_new(&options), RNUGET_OK);
  CHECK_STATUS(rnuget_client_options_set_request_timeout_ms(options, 30000), RNUGET_OK);
  CHECK_STATUS(rnuget_client_options_set_connect_timeout_ms(options, 5000), RNUGET_OK);
  CHECK_STATUS(rnuget_client_options_set_user_agent(options, "rnuget-c-tests/1.0"), RNUGET_OK);
  rnuget_client *client = NULL;
  const char *const sources[] = {feed->url};
  CHECK_STATUS(rnuget_client_new(sources, 1, options, &client), RNUGET_OK);
  /* The client keeps its own copy of the options. */
  rnuget_client_options_free(options);
  if (client == NULL) {
    return;
  }
  test_versions_and_metadata(client, feed);
  test_search(client, feed);
  test_autocomplete(client, feed);
  test_downloads(client, feed);
  test_one_client_on_many_threads(client, feed);
  rnuget_client_free(client);
  test_failures_name_their_url(feed);
  test_autocomplete_with_a_failing_source(feed);
}

/* ---- resilience: retry, a circuit breaker per host, limits per source ---- */

static void test_resilience_arguments(void) {
  rnuget_client_options *options = NULL;
  CHECK_STATUS(rnuget_client_options_set_retry(NULL, 3, 0, 0), RNUGET_ERR_NULL_ARGUMENT);
  CHECK_STATUS(rnuget_client_options_set_retry_zero_delays(NULL, 1), RNUGET_ERR_NULL_ARGUMENT);
  CHECK_STATUS(rnuget_client_options_set_max_retry_after_ms(NULL, 1), RNUGET_ERR_NULL_ARGUMENT);
  CHECK_STATUS(rnuget_client_options_set_circuit_breaker(NULL, 1, 1, 1),
               RNUGET_ERR_NULL_ARGUMENT);
  CHECK_STATUS(rnuget_client_options_set_source_limits(NULL, NULL, 1, 1, 1, 0),
               RNUGET_ERR_NULL_ARGUMENT);
  char *json = NULL;
  CHECK_STATUS(rnuget_client_breaker_stats(NULL, &json), RNUGET_ERR_NULL_ARGUMENT);
  CHECK_STATUS(rnuget_client_limiter_stats(NULL, &json), RNUGET_ERR_NULL_ARGUMENT);
  CHECK_STATUS(rnuget_client_reset_breakers(NULL), RNUGET_ERR_NULL_ARGUMENT);
  CHECK(json == NULL);

  CHECK_STATUS(rnuget_client_options_new(&options), RNUGET_OK);
  CHECK_STATUS(rnuget_client_options_set_retry(options, 0, 10, 100), RNUGET_ERR_INVALID_ARGUMENT);
  CHECK_CONTAINS(rnuget_last_error_message(), "max_attempts");
  CHECK_STATUS(rnuget_client_options_set_retry(options, 3, 100, 10), RNUGET_ERR_INVALID_ARGUMENT);
  CHECK_CONTAINS(rnuget_last_error_message(), "max_delay_ms");
  CHECK_STATUS(rnuget_client_options_set_circuit_breaker(options, 0, 1000, 1),
               RNUGET_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(rnuget_client_options_set_circuit_breaker(options, 1, 0, 1),
               RNUGET_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(rnuget_client_options_set_circuit_breaker(options, 1, 1000, 0),
               RNUGET_ERR_INVALID_ARGUMENT);
  CHECK_CONTAINS(rnuget_last_error_message(), "half_open_probes");
  CHECK_STATUS(rnuget_client_options_set_source_limits(options, " ", 1, 1, 1, 0),
               RNUGET_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(rnuget_client_options_set_source_limits(options, "\xff", 1, 1, 1, 0),
               RNUGET_ERR_INVALID_UTF8);
  rnuget_client_options_free(options);
}

/* The `host:port` of an http URL, as breakers are keyed. */
static void host_of(const char *url, char *host, size_t size) {
  const char *start = strstr(url, "://");
  start = start ? start + 3 : url;
  size_t len = strcspn(start, "/");
  if (len >= size) {
    len = size - 1;
  }
  memcpy(host, start, len);
  host[len] = '\0';
}

static void test_circuit_breaker_opens(const struct feed *feed) {
  rnuget_client_options *options = NULL;
  CHECK_STATUS(rnuget_client_options_new(&options), RNUGET_OK);
  /* Two tries per request, no waits; two failed requests in a row open the breaker for 60 s. */
  CHECK_STATUS(rnuget_client_options_set_retry(options, 2, 1000, 60000), RNUGET_OK);
  CHECK_STATUS(rnuget_client_options_set_retry_zero_delays(options, 1), RNUGET_OK);
  CHECK_STATUS(rnuget_client_options_set_circuit_breaker(options, 2, 60000, 1), RNUGET_OK);
  rnuget_client *client = NULL;
  const char *const failing[] = {feed->failing_url};
  CHECK_STATUS(rnuget_client_new(failing, 1, options, &client), RNUGET_OK);
  rnuget_client_options_free(options);
  if (client == NULL) {
    return;
  }
  char host[256];
  host_of(feed->failing_url, host, sizeof host);
  char expected_host[300];
  snprintf(expected_host, sizeof expected_host, "\"host\":\"%s\"", host);

  char *json = NULL;
  CHECK_STATUS(rnuget_client_breaker_stats(client, &json), RNUGET_OK);
  CHECK_STR(json, "[]");
  rnuget_string_free(json);

  /* The first failure: retried, then given up; the breaker is still closed. */
  CHECK_STATUS(rnuget_client_list_versions(client, feed->id, &json), RNUGET_ERR_HTTP_STATUS);
  CHECK(rnuget_last_error_http_status() == 500);
  CHECK_CONTAINS(rnuget_last_error_message(), "2 attempts");
  CHECK(rnuget_last_error_attempts() == 2);
  CHECK_STATUS(rnuget_client_breaker_stats(client, &json), RNUGET_OK);
  CHECK_CONTAINS(json, expected_host);
  CHECK_CONTAINS(json, "\"state\":\"closed\"");
  CHECK_CONTAINS(json, "\"consecutive_failures\":1,");
  CHECK_CONTAINS(json, "\"half_opens_in_ms\":null");
  rnuget_string_free(json);

  /* The second opens it; the third is refused without a request. */
  CHECK_STATUS(rnuget_client_list_versions(client, feed->id, &json), RNUGET_ERR_HTTP_STATUS);
  CHECK_STATUS(rnuget_client_list_versions(client, feed->id, &json), RNUGET_ERR_CIRCUIT_OPEN);
  CHECK(json == NULL);
  CHECK(rnuget_last_error_status() == RNUGET_ERR_CIRCUIT_OPEN);
  CHECK_CONTAINS(rnuget_last_error_message(), host);
  CHECK_STATUS(rnuget_client_breaker_stats(client, &json), RNUGET_OK);
  CHECK_CONTAINS(json, expected_host);
  CHECK_CONTAINS(json, "\"state\":\"open\"");
  CHECK_CONTAINS(json, "\"consecutive_failures\":2,");
  CHECK_CONTAINS(json, "\"failures\":2,");
  CHECK_CONTAINS(json, "\"rejected\":1,");
  CHECK_CONTAINS(json, "\"times_opened\":1,");
  CHECK(json != NULL && strstr(json, "\"half_opens_in_ms\":null") == NULL);
  rnuget_string_free(json);

  /* A reset closes it: the next call reaches the server (and fails there) again. */
  CHECK_STATUS(rnuget_client_reset_breakers(client), RNUGET_OK);
  CHECK_STATUS(rnuget_client_breaker_stats(client, &json), RNUGET_OK);
  CHECK_CONTAINS(json, "\"state\":\"closed\"");
  rnuget_string_free(json);
  CHECK_STATUS(rnuget_client_list_versions(client, feed->id, &json), RNUGET_ERR_HTTP_STATUS);
  CHECK(rnuget_last_error_http_status() == 500);
  CHECK_STATUS(rnuget_client_limiter_stats(client, &json), RNUGET_OK);
  CHECK_STR(json, "[]");
  rnuget_string_free(json);
  rnuget_client_free(client);
}

/* The failing server asks for an hour (`Retry-After: 3600`): the cap cuts the wait to 1 ms,
 * and 0 ignores the header (the 1 ms backoff decides). Either way the call ends at once; were
 * the header obeyed, it would end after an hour, saying "over 3600.0 s". */
static void test_retry_after_is_capped(const struct feed *feed) {
  const uint64_t caps[] = {1, 0};
  for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
    rnuget_client_options *options = NULL;
    CHECK_STATUS(rnuget_client_options_new(&options), RNUGET_OK);
    CHECK_STATUS(rnuget_client_options_set_retry(options, 2, 1, 1), RNUGET_OK);
    CHECK_STATUS(rnuget_client_options_set_max_retry_after_ms(options, caps[i]), RNUGET_OK);
    rnuget_client *client = NULL;
    const char *const failing[] = {feed->failing_url};
    CHECK_STATUS(rnuget_client_new(failing, 1, options, &client), RNUGET_OK);
    rnuget_client_options_free(options);
    if (client == NULL) {
      return;
    }
    char *json = NULL;
    CHECK_STATUS(rnuget_client_list_versions(client, feed->id, &json), RNUGET_ERR_HTTP_STATUS);
    CHECK(rnuget_last_error_attempts() == 2);
    CHECK_CONTAINS(rnuget_last_error_message(), "gave up after 2 attempts over ");
    const char *message = rnuget_last_error_message();
    CHECK(message != NULL && strstr(message, "over 3600") == NULL);
    rnuget_client_free(client);
  }
}

static void test_source_limits(const struct feed *feed) {
  rnuget_client_options *options = NULL;
  CHECK_STATUS(rnuget_client_options_new(&options), RNUGET_OK);
  CHECK_STATUS(rnuget_client_options_add_source(options, feed->url, "limited"), RNUGET_OK);
  CHECK_STATUS(rnuget_client_options_set_source_limits(options, "limited", 1000, 50, 2, 0),
               RNUGET_OK);
  rnuget_client *client = NULL;
  CHECK_STATUS(rnuget_client_new(NULL, 0, options, &client), RNUGET_OK);
  rnuget_client_options_free(options);
  if (client == NULL) {
    return;
  }
  char *json = NULL;
  CHECK_STATUS(rnuget_client_list_versions(client, feed->id, &json), RNUGET_OK);
  CHECK_STR(json, feed->versions_json);
  rnuget_string_free(json);
  CHECK_STATUS(rnuget_client_limiter_stats(client, &json), RNUGET_OK);
  CHECK_CONTAINS(json, "[{\"source\":\"limited\",");
  CHECK_CONTAINS(json, "\"timed_out\":0,");
  CHECK_CONTAINS(json, "\"in_flight\":0,");
  CHECK_CONTAINS(json, "\"peak_in_flight\":1}");
  /* Every request let through took a token. */
  unsigned admitted = 0, granted = 0;
  const char *at = json ? strstr(json, "\"admitted\":") : NULL;
  CHECK(at != NULL && sscanf(at, "\"admitted\":%u", &admitted) == 1);
  at = json ? strstr(json, "\"granted_tokens\":") : NULL;
  CHECK(at != NULL && sscanf(at, "\"granted_tokens\":%u", &granted) == 1);
  CHECK(admitted >= 2 && granted == admitted);
  rnuget_string_free(json);
  /* No breaker configured: nothing to show, and a reset is harmless. */
  CHECK_STATUS(rnuget_client_breaker_stats(client, &json), RNUGET_OK);
  CHECK_STR(json, "[]");
  rnuget_string_free(json);
  CHECK_STATUS(rnuget_client_reset_breakers(client), RNUGET_OK);
  rnuget_client_free(client);
}

/* One request a second, a bucket of one token, and a wait of at most 1 ms: the first request
 * takes the only token, so the next one, sent well within the second, is refused without being
 * sent. A call makes at least one request (the service index, then the version list of an id
 * not asked for before), so a refusal comes within the first two calls unless a request takes
 * a whole second; the loop allows a few more for a slow machine. */
static void test_rate_limit_refuses_naming_the_source(const struct feed *feed) {
  rnuget_client_options *options = NULL;
  CHECK_STATUS(rnuget_client_options_new(&options), RNUGET_OK);
  CHECK_STATUS(rnuget_client_options_add_source(options, feed->url, "rate-limited"), RNUGET_OK);
  CHECK_STATUS(rnuget_client_options_set_source_limits(options, "rate-limited", 1, 1, 0, 1),
               RNUGET_OK);
  rnuget_client *client = NULL;
  CHECK_STATUS(rnuget_client_new(NULL, 0, options, &client), RNUGET_OK);
  rnuget_client_options_free(options);
  if (client == NULL) {
    return;
  }
  rnuget_status status = RNUGET_OK;
  int calls = 0;
  char *json = NULL;
  while (status == RNUGET_OK && calls < 6) {
    char id[64];
    snprintf(id, sizeof id, "Rate.Limited.Call%d", calls++);
    status = rnuget_client_list_versions(client, id, &json);
    rnuget_string_free(json);
    json = NULL;
  }
  CHECK(status == RNUGET_ERR_RATE_LIMITED);
  CHECK(rnuget_last_error_status() == RNUGET_ERR_RATE_LIMITED);
  CHECK_STR(rnuget_status_name((int)status), "RNUGET_ERR_RATE_LIMITED");
  CHECK_CONTAINS(rnuget_last_error_message(), "rate limit of source \"rate-limited\"");
  CHECK_CONTAINS(rnuget_last_error_message(), "no request token within 0.001 s");
  CHECK_STR(rnuget_last_error_source(), "rate-limited");
  /* Nothing was sent for the refused request: no HTTP status, one time-out counted. */
  CHECK(rnuget_last_error_http_status() == 0);
  CHECK_STATUS(rnuget_client_limiter_stats(client, &json), RNUGET_OK);
  CHECK_CONTAINS(json, "[{\"source\":\"rate-limited\",");
  CHECK_CONTAINS(json, "\"timed_out\":1,");
  rnuget_string_free(json);
  rnuget_client_free(client);
}

static void test_resilience(const struct feed *feed) {
  test_resilience_arguments();
  test_circuit_breaker_opens(feed);
  test_retry_after_is_capped(feed);
  test_source_limits(feed);
  test_rate_limit_refuses_naming_the_source(feed);
}

/* ---- observability: metrics text, health JSON, the process-wide log callback ---- */

static void test_metrics_and_health(const struct feed *feed) {
  char *text = NULL;
  CHECK_STATUS(rnuget_client_options_set_metrics(NULL, 1), RNUGET_ERR_NULL_ARGUMENT);
  CHECK_STATUS(rnuget_client_metrics_text(NULL, &text), RNUGET_ERR_NULL_ARGUMENT);
  CHECK_STATUS(rnuget_client_health_json(NULL, &text), RNUGET_ERR_NULL_ARGUMENT);
  CHECK(text == NULL);

  /* Metrics off (the default): an empty exposition. */
  rnuget_client *client = NULL;
  const char *const sources[] = {feed->url};
  CHECK_STATUS(rnuget_client_new(sources, 1, NULL, &client), RNUGET_OK);
  CHECK_STATUS(rnuget_client_metrics_text(client, NULL), RNUGET_ERR_NULL_ARGUMENT);
  CHECK_STATUS(rnuget_client_metrics_text(client, &text), RNUGET_OK);
  CHECK_STR(text, "");
  rnuget_string_free(text);
  rnuget_client_free(client);

  rnuget_client_options *options = NULL;
  CHECK_STATUS(rnuget_client_options_new(&options), RNUGET_OK);
  CHECK_STATUS(rnuget_client_options_set_metrics(options, 1), RNUGET_OK);
  CHECK_STATUS(rnuget_client_options_add_source(options, feed->url, "good"), RNUGET_OK);
  CHECK_STATUS(rnuget_client_options_add_source(options, feed->failing_url, "broken"),
               RNUGET_OK);
  CHECK_STATUS(rnuget_client_options_set_ignore_failed_sources(options, 1), RNUGET_OK);
  client = NULL;
  CHECK_STATUS(rnuget_client_new(NULL, 0, options, &client), RNUGET_OK);
  rnuget_client_options_free(options);
  if (client == NULL) {
    return;
  }
  CHECK_STATUS(rnuget_client_list_versions(client, feed->id, &text), RNUGET_OK);
  CHECK_STR(text, feed->versions_json);
  rnuget_string_free(text);
  CHECK_STATUS(rnuget_client_metrics_text(client, &text), RNUGET_OK);
  CHECK_CONTAINS(text, "# TYPE rnuget_http_requests_total counter");
  /* Requests are counted by the source's URL. */
  char series[700];
  snprintf(series, sizeof series,
           "rnuget_http_requests_total{method=\"GET\",source=\"%s\",status=\"200\"} ",
           feed->url);
  CHECK_CONTAINS(text, series);
  snprintf(series, sizeof series,
           "rnuget_http_requests_total{method=\"GET\",source=\"%s\",status=\"500\"} 1\n",
           feed->failing_url);
  CHECK_CONTAINS(text, series);
  CHECK_CONTAINS(text, "# TYPE rnuget_http_request_duration_seconds histogram");
  CHECK_CONTAINS(text, "rnuget_http_request_duration_seconds_bucket{");
  rnuget_string_free(text);

  /* The broken source makes the whole report unhealthy; the good one stays healthy. */
  CHECK_STATUS(rnuget_client_health_json(client, &text), RNUGET_OK);
  CHECK_CONTAINS(text, "{\"status\":\"unhealthy\",\"sources\":[{\"name\":\"good\",");
  CHECK_CONTAINS(text, "\"status\":\"healthy\"");
  CHECK_CONTAINS(text, "{\"name\":\"broken\",");
  CHECK_CONTAINS(text, "\"http_status\":500,");
  CHECK_CONTAINS(text, "\"cache\":{\"status\":\"healthy\"");
  rnuget_string_free(text);
  rnuget_client_free(client);
}

/* What a log callback saw; the callback may run on any thread, so it locks. */
struct log_capture {
  mtx_t lock;
  int lines;
  int http_debug_lines;
  int secret_lines;
  int foreign_debug_lines;
  int warn_lines;
  char first_http_debug[512];
  char first_warn_target[64];
  char first_warn[512];
};

static void capture_log(rnuget_log_level level, const char *target, const char *message,
                        void *user_data) {
  struct log_capture *capture = user_data;
  mtx_lock(&capture->lock);
  capture->lines++;
  if (level == RNUGET_LOG_DEBUG && strcmp(target, "rnuget::http") == 0) {
    if (capture->http_debug_lines++ == 0) {
      snprintf(capture->first_http_debug, sizeof capture->first_http_debug, "%s", message);
    }
  }
  if (level == RNUGET_LOG_WARN && capture->warn_lines++ == 0) {
    snprintf(capture->first_warn_target, sizeof capture->first_warn_target, "%s", target);
    snprintf(capture->first_warn, sizeof capture->first_warn, "%s", message);
  }
  if (strstr(message, "s3cret-pass") != NULL || strstr(target, "s3cret-pass") != NULL) {
    capture->secret_lines++;
  }
  if (level > RNUGET_LOG_WARN && strncmp(target, "rnuget", 6) != 0) {
    capture->foreign_debug_lines++;
  }
  mtx_unlock(&capture->lock);
}

/* A callback that calls back into the library once, as the header says it must not. */
struct reentry {
  rnuget_client *client;
  const char *id;
  atomic_int calls;
  int client_status;
  int set_status;
  char message[512];
};

static void reenter_log(rnuget_log_level level, const char *target, const char *message,
                        void *user_data) {
  (void)level;
  (void)target;
  (void)message;
  struct reentry *reentry = user_data;
  if (atomic_fetch_add(&reentry->calls, 1) != 0) {
    return;
  }
  char *json = NULL;
  reentry->client_status = rnuget_client_list_versions(reentry->client, reentry->id, &json);
  snprintf(reentry->message, sizeof reentry->message, "%s", rnuget_last_error_message());
  rnuget_string_free(json);
  reentry->set_status = rnuget_set_log_callback(NULL, RNUGET_LOG_OFF, NULL);
}

/* Inside the callback, client calls are refused rather than left waiting for a lock. */
static void test_reentrant_log_callback(rnuget_client *client, const struct feed *feed) {
  struct reentry reentry = {.client = client, .id = feed->id};
  atomic_init(&reentry.calls, 0);
  CHECK_STATUS(rnuget_set_log_callback(reenter_log, RNUGET_LOG_DEBUG, &reentry), RNUGET_OK);
  char *json = NULL;
  CHECK_STATUS(rnuget_client_search(client, "", 0, 5, 3, &json), RNUGET_OK);
  rnuget_string_free(json);
  CHECK_STATUS(rnuget_set_log_callback(NULL, RNUGET_LOG_DEBUG, NULL), RNUGET_OK);
  CHECK(atomic_load(&reentry.calls) >= 1);
  CHECK_STATUS(reentry.client_status, RNUGET_ERR_REENTRANT_CALL);
  CHECK_STATUS(reentry.set_status, RNUGET_ERR_REENTRANT_CALL);
  CHECK_CONTAINS(reentry.message, "rnuget_client_list_versions: called from inside the log callback");
  CHECK_STR(rnuget_status_name(RNUGET_ERR_REENTRANT_CALL), "RNUGET_ERR_REENTRANT_CALL");
}

static void test_log_callback(const struct feed *feed) {
  CHECK_STATUS(rnuget_set_log_callback(capture_log, 6, NULL), RNUGET_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(rnuget_set_log_callback(capture_log, -1, NULL), RNUGET_ERR_INVALID_ARGUMENT);

  struct log_capture first = {0};
  struct log_capture second = {0};
  CHECK(mtx_init(&first.lock, mtx_plain) == thrd_success);
  CHECK(mtx_init(&second.lock, mtx_plain) == thrd_success);
  CHECK_STATUS(rnuget_set_log_callback(capture_log, RNUGET_LOG_DEBUG, &first), RNUGET_OK);

  /* The source URL carries a password: no log line may show it. */
  char with_password[600];
  const char *rest = strstr(feed->url, "://");
  snprintf(with_password, sizeof with_password, "http://c-user:s3cret-pass@%s",
           rest ? rest + 3 : feed->url);
  rnuget_client *client = NULL;
  const char *const sources[] = {with_password};
  CHECK_STATUS(rnuget_client_new(sources, 1, NULL, &client), RNUGET_OK);
  char *json = NULL;
  if (client != NULL) {
    CHECK_STATUS(rnuget_client_list_versions(client, feed->id, &json), RNUGET_OK);
    CHECK_STR(json, feed->versions_json);
    rnuget_string_free(json);
  }
  mtx_lock(&first.lock);
  CHECK(first.http_debug_lines >= 2);
  CHECK(first.secret_lines == 0);
  /* The HTTP stack's own debug chatter stays out: only rnuget's layers speak below warn. */
  CHECK(first.foreign_debug_lines == 0);
  CHECK_CONTAINS(first.first_http_debug, "GET http://");
  CHECK_CONTAINS(first.first_http_debug, "/index.json 200");
  int first_lines = first.lines;
  mtx_unlock(&first.lock);

  /* Installing again replaces the callback: the first one hears nothing more. */
  CHECK_STATUS(rnuget_set_log_callback(capture_log, RNUGET_LOG_TRACE, &second), RNUGET_OK);
  if (client != NULL) {
    CHECK_STATUS(rnuget_client_search(client, "", 0, 5, 3, &json), RNUGET_OK);
    rnuget_string_free(json);
  }
  CHECK(first.lines == first_lines);
  CHECK(second.http_debug_lines >= 1);
  CHECK(second.secret_lines == 0);
  CHECK(second.foreign_debug_lines == 0);

  /* Debug lines are above a warn level: none arrives. */
  int before = first.http_debug_lines;
  CHECK_STATUS(rnuget_set_log_callback(capture_log, RNUGET_LOG_WARN, &first), RNUGET_OK);
  if (client != NULL) {
    CHECK_STATUS(rnuget_client_search(client, "", 0, 5, 3, &json), RNUGET_OK);
    rnuget_string_free(json);
  }
  CHECK(first.http_debug_lines == before);
  CHECK(first.warn_lines == 0);

  /* A fault the library healed (a failed source, ignored) arrives at warn level, with the
     layer that healed it as its target. */
  rnuget_client_options *options = NULL;
  CHECK_STATUS(rnuget_client_options_new(&options), RNUGET_OK);
  CHECK_STATUS(rnuget_client_options_add_source(options, with_password, "good"), RNUGET_OK);
  CHECK_STATUS(rnuget_client_options_add_source(options, feed->failing_url, "broken"),
               RNUGET_OK);
  CHECK_STATUS(rnuget_client_options_set_ignore_failed_sources(options, 1), RNUGET_OK);
  rnuget_client *tolerant = NULL;
  CHECK_STATUS(rnuget_client_new(NULL, 0, options, &tolerant), RNUGET_OK);
  rnuget_client_options_free(options);
  if (tolerant != NULL) {
    CHECK_STATUS(rnuget_client_list_versions(tolerant, feed->id, &json), RNUGET_OK);
    CHECK_STR(json, feed->versions_json);
    rnuget_string_free(json);
  }
  rnuget_client_free(tolerant);
  mtx_lock(&first.lock);
  CHECK(first.warn_lines == 1);
  CHECK_STR(first.first_warn_target, "rnuget::client");
  CHECK_CONTAINS(first.first_warn, "ignoring failed source 'broken'");
  CHECK(first.http_debug_lines == before);
  CHECK(first.secret_lines == 0);
  mtx_unlock(&first.lock);

  /* NULL stops logging. */
  int second_lines = second.lines;
  CHECK_STATUS(rnuget_set_log_callback(NULL, RNUGET_LOG_DEBUG, NULL), RNUGET_OK);
  if (client != NULL) {
    CHECK_STATUS(rnuget_client_search(client, "", 0, 5, 3, &json), RNUGET_OK);
    rnuget_string_free(json);
  }
  CHECK(first.http_debug_lines == before);
  CHECK(second.lines == second_lines);
  if (client != NULL) {
    test_reentrant_log_callback(client, feed);
  }
  rnuget_client_free(client);
  mtx_destroy(&first.lock);
  mtx_destroy(&second.lock);
}

/* The trace id the harness (ffi/tests/c.rs) looks for in the requests the feed received. */
#define TRACE_ID "0af7651916cd43dd8448eb211c80319c"
#define CALLER_SPAN "b7ad6b7169203331"

static void test_trace_context(const struct feed *feed) {
  rnuget_client *client = NULL;
  const char *const sources[] = {feed->url};
  CHECK_STATUS(rnuget_client_new(sources, 1, NULL, &client), RNUGET_OK);
  if (client == NULL) {
    return;
  }
  const char *traceparent = "00-" TRACE_ID "-" CALLER_SPAN "-01";
  rnuget_client *traced = (rnuget_client *)1;
  CHECK_STATUS(rnuget_client_with_trace(NULL, traceparent, NULL, &traced),
               RNUGET_ERR_NULL_ARGUMENT);
  CHECK(traced == NULL);
  CHECK_STATUS(rnuget_client_with_trace(client, NULL, NULL, &traced), RNUGET_ERR_NULL_ARGUMENT);
  CHECK_STATUS(rnuget_client_with_trace(client, traceparent, NULL, NULL), RNUGET_ERR_NULL_ARGUMENT);

  /* Not W3C: uppercase hex, an all-zero trace id, a control character in tracestate. */
  const char *uppercase = "00-0AF7651916CD43DD8448EB211C80319C-" CALLER_SPAN "-01";
  CHECK_STATUS(rnuget_client_with_trace(client, uppercase, NULL, &traced),
               RNUGET_ERR_INVALID_ARGUMENT);
  CHECK_CONTAINS(rnuget_last_error_message(), "bad traceparent");
  const char *zero = "00-00000000000000000000000000000000-" CALLER_SPAN "-01";
  CHECK_STATUS(rnuget_client_with_trace(client, zero, NULL, &traced), RNUGET_ERR_INVALID_ARGUMENT);
  CHECK_CONTAINS(rnuget_last_error_message(), "trace id");
  CHECK_STATUS(rnuget_client_with_trace(client, traceparent, "a=\x01", &traced),
               RNUGET_ERR_INVALID_ARGUMENT);
  CHECK_CONTAINS(rnuget_last_error_message(), "bad tracestate");
  CHECK(traced == NULL);

  /* A traced client keeps the session of the client it came from and answers as it does. */
  CHECK_STATUS(rnuget_client_with_trace(client, traceparent, "rnuget=c", &traced), RNUGET_OK);
  if (traced != NULL) {
    CHECK_STR(rnuget_client_session_id(traced), rnuget_client_session_id(client));
    char *json = NULL;
    CHECK_STATUS(rnuget_client_list_versions(traced, feed->id, &json), RNUGET_OK);
    CHECK_STR(json, feed->versions_json);
    rnuget_string_free(json);
    rnuget_client_free(traced);
  }
  rnuget_client_free(client);
}

static void test_observability(const struct feed *feed) {
  test_metrics_and_health(feed);
  test_log_callback(feed);
  test_trace_context(feed);
}

int main(int argc, char **argv) {
  if (argc != 7) {
    fprintf(stderr,
            "usage: %s FEED_INDEX_URL PACKAGE_ID PACKAGE_VERSION VERSIONS_JSON DOWNLOAD_PATH "
            "FAILING_INDEX_URL\n",
            argv[0]);
    return 2;
  }
  test_abi_and_library_version();
  test_status_numbers_and_names();
  test_null_arguments_are_refused();
  test_invalid_utf8_is_refused();
  test_frees_accept_null_and_keep_the_last_error();
  test_double_frees_and_wrong_handles_are_caught();
  test_last_error_is_per_thread();
  test_version_strings();
  test_invalid_versions();
  test_version_compare();
  test_ranges();
  test_best_match();
  test_success_clears_the_last_error();
  const struct feed feed = {argv[1], argv[2], argv[3], argv[4], argv[5], argv[6]};
  test_client(&feed);
  test_cache(&feed);
  test_resilience(&feed);
  test_observability(&feed);

  printf("test_rnuget: %d checks, %d failed\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
