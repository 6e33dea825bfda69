/*
 * An example of the rnuget C API: list the versions of a package, show the metadata of its
 * latest version (the latest stable one, else the latest prerelease) and download it.
 *
 * Usage: example FEED_INDEX_URL PACKAGE_ID [DOWNLOAD_PATH]
 * Exit status: 0 success, 1 a failed call (the library's message on stderr), 2 bad usage,
 * 3 no source has PACKAGE_ID or that version.
 *
 * Try it in two terminals, from the repository root. The first serves the embedded demo feed on
 * 127.0.0.1 until Ctrl-C and prints its service index URL (a new port each run; `--port N`
 * picks one):
 *   cargo run --bin rnuget -- serve-demo
 * The second builds the library (target/debug/librnuget.a and librnuget.so; with `--release`,
 * the same names in target/release), then this program, and runs it against that URL:
 *   cargo build -p rnuget-ffi
 *   cc -std=c11 -Wall -Wextra -Iinclude bindings/c/example.c target/debug/librnuget.a \
 *      -lpthread -ldl -lm -o example
 *   ./example http://127.0.0.1:PORT/v3/index.json Demo.Core Demo.Core.nupkg
 * Linked with the shared library instead, the program needs to find it when it runs:
 *   cc -std=c11 -Wall -Wextra -Iinclude bindings/c/example.c -Ltarget/debug -lrnuget -o example
 *   LD_LIBRARY_PATH=target/debug ./example http://127.0.0.1:PORT/v3/index.json Demo.Core
 */

#include "rnuget.h"

#include <stdio.h>
#include <string.h>

/* Exit statuses, as the rnuget command line uses them. */
enum { EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_NOT_FOUND = 3 };

/* Prints what went wrong in the last call on this thread; returns the exit status to use. */
static int report(const char *what, rnuget_status status) {
  fprintf(stderr, "%s failed: %s (%d)\n  %s\n", what, rnuget_status_name(status), (int)status,
          rnuget_last_error_message());
  if (rnuget_last_error_http_status() != 0) {
    fprintf(stderr, "  HTTP status: %u\n", (unsigned)rnuget_last_error_http_status());
  }
  if (rnuget_last_error_url()[0] != '\0') {
    fprintf(stderr, "  URL: %s\n", rnuget_last_error_url());
  }
  return status == RNUGET_ERR_NOT_FOUND ? EXIT_NOT_FOUND : EXIT_FAILED;
}

int main(int argc, char **argv) {
  if (argc < 3 || argc > 4) {
    fprintf(stderr, "usage: %s FEED_INDEX_URL PACKAGE_ID [DOWNLOAD_PATH]\n", argv[0]);
    return EXIT_USAGE;
  }
  const char *feed = argv[1];
  const char *id = argv[2];
  const char *download_path = argc == 4 ? argv[3] : NULL;
  printf("rnuget %s (C ABI %u)\n", rnuget_library_version(), rnuget_abi_version());

  /* One client per program is enough: it is thread-safe and reuses its connections. */
  rnuget_client_options *options = NULL;
  rnuget_status status = rnuget_client_options_new(&options);
  if (status == RNUGET_OK) {
    status = rnuget_client_options_set_user_agent(options, "rnuget-c-example/1.0");
  }
  rnuget_client *client = NULL;
  const char *const sources[] = {feed};
  if (status == RNUGET_OK) {
    status = rnuget_client_new(sources, 1, options, &client);
  }
  rnuget_client_options_free(options); /* the client keeps its own copy */
  if (status != RNUGET_OK) {
    return report("creating the client", status);
  }

  int exit_code = 0;
  char *versions = NULL;
  char *latest = NULL;
  char *metadata = NULL;
  char *download = NULL;

  status = rnuget_client_list_versions(client, id, &versions);
  if (status != RNUGET_OK) {
    exit_code = report("listing versions", status);
    goto done;
  }
  /* An id no source has is not an error to the library (NuGet answers it with an empty list
   * too), but this program has nothing to show for it. */
  if (strcmp(versions, "[]") == 0) {
    fprintf(stderr, "%s: no source has this package (its version list is empty)\n", id);
    exit_code = EXIT_NOT_FOUND;
    goto done;
  }
  printf("versions of %s: %s\n", id, versions);

  /* "*" floats to the highest stable version, as `dotnet add package` without a version;
   * "*-*" to the highest of all, for a package that has only prereleases. */
  status = rnuget_client_find_best_version(client, id, "*", &latest);
  const char *kind = "stable";
  if (status == RNUGET_OK && latest == NULL) {
    status = rnuget_client_find_best_version(client, id, "*-*", &latest);
    kind = "prerelease (no stable one)";
  }
  if (status != RNUGET_OK) {
    exit_code = report("finding the latest version", status);
    goto done;
  }
  if (latest == NULL) {
    /* "*-*" matches any version of a non-empty list; checked so that NULL is never used. */
    fprintf(stderr, "%s: no version to show among %s\n", id, versions);
    exit_code = EXIT_NOT_FOUND;
    goto done;
  }
  printf("latest %s version: %s\n", kind, latest);

  status = rnuget_client_get_version_metadata(client, id, latest, &metadata);
  if (status != RNUGET_OK) {
    exit_code = report("reading metadata", status);
    goto done;
  }
  printf("metadata: %s\n", metadata);

  if (download_path != NULL) {
    status = rnuget_client_download_to_file(client, id, latest, download_path, &download);
    if (status != RNUGET_OK) {
      exit_code = report("downloading", status);
      goto done;
    }
    printf("downloaded to %s: %s\n", download_path, download);
  }

done:
  /* Everything rnuget handed out is freed the same way; NULL is fine for each. */
  rnuget_string_free(versions);
  rnuget_string_free(latest);
  rnuget_string_free(metadata);
  rnuget_string_free(download);
  rnuget_client_free(client);
  return exit_code;
}
