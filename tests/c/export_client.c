/*
 * A C client of include/entrasnap.h that exports a tenant the way the
 * PowerShell module does: start snapshot.export with a bearer token, poll
 * its progress events until the final one, take the report, then list and
 * verify the store, and start a second export that is cancelled at once.
 *
 * Usage: export_client GRAPH_URL STORE TOKEN [STEP REQUEST]...
 *
 * With STEP REQUEST pairs it runs only those jobs, in order (each REQUEST a
 * whole JSON request: compare, restore, undo...), the same way.
 *
 * A job that asks for a new token ({"kind":"tokenRequest"}, for requests
 * with "tokenRefresh": true) gets TOKEN-renewed-N through
 * entrasnap_job_provide_token, as the module hands over a fresh
 * Connect-MgGraph token; "<step> tokens provided: N" says how many. Steps
 * named "silent ..." leave such requests unanswered (to see the wait time out).
 *
 * It prints every event array and every result as one line
 * ("<step> events: [...]", "<step> result: {...}") for tests/c_export.rs,
 * which checks the numbers, and exits non-zero on the first failed check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "entrasnap.h"

#define CHECK(condition)                                                        \
    do {                                                                        \
        if (!(condition)) {                                                     \
            fprintf(stderr, "export_client.c:%d: check failed: %s\n", __LINE__, \
                    #condition);                                                \
            exit(1);                                                            \
        }                                                                       \
    } while (0)

/* The module polls every 250 ms so Ctrl+C stays responsive; a slow export
 * (Conditional Access is paced to one request a second) takes minutes at
 * most. */
#define POLL_MS 250
#define MAX_POLLS 2400

static char request[8192];

/* The request for `op` with the store and, when given, the URL and token.
 * The values come from the test and hold no character JSON must escape. */
static const char *build_request(const char *op, const char *store, const char *url,
                                 const char *token) {
    CHECK(strpbrk(store, "\"\\") == NULL);
    int n = snprintf(request, sizeof request, "{\"op\":\"%s\",\"store\":\"%s\"", op, store);
    CHECK(n > 0 && (size_t)n < sizeof request);
    if (url != NULL) {
        CHECK(strpbrk(url, "\"\\") == NULL && strpbrk(token, "\"\\") == NULL);
        n += snprintf(request + n, sizeof request - n, ",\"graphUrl\":\"%s\",\"token\":\"%s\"",
                      url, token);
        CHECK((size_t)n < sizeof request);
    }
    n += snprintf(request + n, sizeof request - n, "}");
    CHECK((size_t)n < sizeof request);
    return request;
}

static const char *token_arg = NULL;

/* Polls `job` until its final event, printing each non-empty batch and
 * answering token requests, then prints the final kind and the result. */
static void finish(const char *step, entrasnap_job *job) {
    const char *kind = NULL;
    int provided = 0;
    int silent = strncmp(step, "silent ", 7) == 0;
    for (int polls = 0; polls < MAX_POLLS && kind == NULL; polls++) {
        char *events = NULL;
        CHECK(entrasnap_job_poll(job, POLL_MS, &events) == ENTRASNAP_RESULT_OK);
        CHECK(events != NULL && events[0] == '[');
        if (strcmp(events, "[]") != 0) {
            printf("%s events: %s\n", step, events);
        }
        if (strstr(events, "\"kind\":\"tokenRequest\"") && !silent) {
            char renewed[1024];
            int n = snprintf(renewed, sizeof renewed, "%s-renewed-%d", token_arg, ++provided);
            CHECK(n > 0 && (size_t)n < sizeof renewed);
            CHECK(entrasnap_job_provide_token(job, renewed) == ENTRASNAP_RESULT_OK);
        }
        if (strstr(events, "\"kind\":\"done\"")) {
            kind = "done";
        } else if (strstr(events, "\"kind\":\"failed\"")) {
            kind = "failed";
        } else if (strstr(events, "\"kind\":\"cancelled\"")) {
            kind = "cancelled";
        }
        entrasnap_string_free(events);
    }
    CHECK(kind != NULL);
    char *result = NULL;
    CHECK(entrasnap_job_result(job, &result) == ENTRASNAP_RESULT_OK);
    printf("%s tokens provided: %d\n", step, provided);
    printf("%s end: %s\n", step, kind);
    printf("%s result: %s\n", step, result);
    entrasnap_string_free(result);
}

static void run(const char *step, const char *json) {
    entrasnap_job *job = NULL;
    CHECK(entrasnap_job_start(json, &job) == ENTRASNAP_RESULT_OK);
    finish(step, job);
    entrasnap_job_free(job);
}

int main(int argc, char **argv) {
    CHECK(argc >= 4 && argc % 2 == 0);
    const char *url = argv[1];
    const char *store = argv[2];
    const char *token = argv[3];
    token_arg = token;
    CHECK(entrasnap_abi_version() == ENTRASNAP_ABI_VERSION);
    /* Only jobs that opted in take tokens; an empty token is refused. */
    {
        entrasnap_job *job = NULL;
        CHECK(entrasnap_job_start("{\"op\":\"engine.info\"}", &job) == ENTRASNAP_RESULT_OK);
        CHECK(entrasnap_job_provide_token(job, token) == ENTRASNAP_RESULT_TOKEN_NOT_EXPECTED);
        CHECK(entrasnap_job_provide_token(job, "") == ENTRASNAP_RESULT_EMPTY_TOKEN);
        CHECK(entrasnap_job_provide_token(job, NULL) == ENTRASNAP_RESULT_NULL_PARAMETER);
        entrasnap_job_free(job);
    }
    fflush(stdout);

    if (argc > 4) {
        for (int i = 4; i + 1 < argc; i += 2) {
            run(argv[i], argv[i + 1]);
            fflush(stdout);
        }
        return 0;
    }

    run("export", build_request("snapshot.export", store, url, token));
    run("list", build_request("snapshot.list", store, NULL, NULL));
    run("verify", build_request("snapshot.verify", store, NULL, NULL));

    /* Started and cancelled at once, as Ctrl+C right after Enter would. */
    entrasnap_job *job = NULL;
    time_t started = time(NULL);
    CHECK(entrasnap_job_start(build_request("snapshot.export", store, url, token), &job) ==
          ENTRASNAP_RESULT_OK);
    CHECK(entrasnap_job_cancel(job) == ENTRASNAP_RESULT_OK);
    finish("cancelled export", job);
    entrasnap_job_free(job);
    printf("cancelled export seconds: %.0f\n", difftime(time(NULL), started));

    run("list after cancel", build_request("snapshot.list", store, NULL, NULL));
    return 0;
}
