/*
 * An example of the rnuget C API: list the versions of a package, show the metadata of its
 * latest stable version and download it.
 *
 * Usage: example FEED_INDEX_URL PACKAGE_ID [DOWNLOAD_PATH]
 *   e.g. example https://api.nuget.org/v3/index.json Newtonsoft.Json Newtonsoft.Json.nupkg
 *
 * Build (from the repository root, after `cargo build -p rnuget-ffi`):
 *   cc -std=c11 -Wall -Wextra -Iinclude bindings/c/example.c target/debug/librnuget.a \
 *      -lpthread -ldl -lm -o example
 */

#include "rnuget.h"

#include <stdio.h>

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
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 3 || argc > 4) {
    fprintf(stderr, "usage: %s FEED_INDEX_URL PACKAGE_ID [DOWNLOAD_PATH]\n", argv[0]);
    return 2;
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
  printf("versions of %s: %s\n", id, versions);

  /* "*" floats to the highest stable version, as `dotnet add package` without a version. */
  status = rnuget_client_find_best_version(client, id, "*", &latest);
  if (status != RNUGET_OK) {
    exit_code = report("finding the latest version", status);
    goto done;
  }
  if (latest == NULL) {
    printf("%s has no stable version\n", id);
    goto done;
  }
  printf("latest stable version: %s\n", latest);

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
