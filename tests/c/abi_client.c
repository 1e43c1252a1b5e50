/*
 * A C client of include/entrasnap.h that calls the library exactly as the
 * PowerShell module does: check the ABI version, start jobs, poll until the
 * final event, take the result, free every string and job. It prints one
 * line per step for tests/c_abi.rs and exits non-zero on the first failed
 * check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entrasnap.h"

#define CHECK(condition)                                                     \
    do {                                                                     \
        if (!(condition)) {                                                  \
            fprintf(stderr, "abi_client.c:%d: check failed: %s\n", __LINE__, \
                    #condition);                                             \
            exit(1);                                                         \
        }                                                                    \
    } while (0)

#define MAX_POLLS 1000

/* Where a job ended: its final event's kind, its progress count, its result. */
struct outcome {
    char kind[16];
    int progress;
    char *result;
};

static int contains(const char *text, const char *part) {
    return strstr(text, part) != NULL;
}

static int count(const char *text, const char *part) {
    int n = 0;
    for (const char *at = strstr(text, part); at; at = strstr(at + 1, part)) {
        n++;
    }
    return n;
}

/* Polls `job` until its final event, then takes its result. */
static struct outcome finish(entrasnap_job *job) {
    struct outcome out = {"", 0, NULL};
    for (int polls = 0; polls < MAX_POLLS && out.kind[0] == '\0'; polls++) {
        char *events = NULL;
        CHECK(entrasnap_job_poll(job, 1000, &events) == ENTRASNAP_RESULT_OK);
        CHECK(events != NULL && events[0] == '[');
        out.progress += count(events, "\"kind\":\"progress\"");
        if (contains(events, "\"kind\":\"done\"")) {
            strcpy(out.kind, "done");
        } else if (contains(events, "\"kind\":\"failed\"")) {
            strcpy(out.kind, "failed");
        } else if (contains(events, "\"kind\":\"cancelled\"")) {
            strcpy(out.kind, "cancelled");
        }
        entrasnap_string_free(events);
    }
    CHECK(out.kind[0] != '\0');

    char *after = NULL;
    CHECK(entrasnap_job_poll(job, 0, &after) == ENTRASNAP_RESULT_OK);
    CHECK(strcmp(after, "[]") == 0);
    entrasnap_string_free(after);

    CHECK(entrasnap_job_result(job, &out.result) == ENTRASNAP_RESULT_OK);
    CHECK(out.result != NULL);
    return out;
}

/* Starts `request`, runs it to the end, frees the job. */
static struct outcome run(const char *request) {
    entrasnap_job *job = NULL;
    CHECK(entrasnap_job_start(request, &job) == ENTRASNAP_RESULT_OK);
    CHECK(job != NULL);
    struct outcome out = finish(job);
    entrasnap_job_free(job);
    return out;
}

static void print_outcome(const char *name, struct outcome out) {
    printf("%s: %s progress=%d result=%s\n", name, out.kind, out.progress, out.result);
    entrasnap_string_free(out.result);
}

int main(void) {
    CHECK(entrasnap_abi_version() == ENTRASNAP_ABI_VERSION);
    printf("abi: %u\n", entrasnap_abi_version());
    printf("version: %s\n", entrasnap_version());

    print_outcome("info", run("{\"op\":\"engine.info\"}"));
    print_outcome("selftest", run("{\"op\":\"engine.selftest\",\"events\":5}"));
    print_outcome("fail", run("{\"op\":\"engine.selftest\",\"events\":1,\"fail\":\"asked to fail\"}"));
    print_outcome("unknown", run("{\"op\":\"snapshot.frobnicate\"}"));
    print_outcome("panic in job", run("{\"op\":\"engine.selftest\",\"panic\":\"job\"}"));

    /* A long job: its result is not there yet, cancelling ends it. */
    entrasnap_job *slow = NULL;
    CHECK(entrasnap_job_start("{\"op\":\"engine.selftest\",\"events\":100000,\"delayMs\":10}",
                              &slow) == ENTRASNAP_RESULT_OK);
    char sentinel = 0;
    char *early = &sentinel;
    entrasnap_result not_yet = entrasnap_job_result(slow, &early);
    CHECK(early == &sentinel); /* output parameters are written only on success */
    printf("early result: %u %s\n", not_yet, entrasnap_result_text(not_yet));
    CHECK(entrasnap_job_cancel(slow) == ENTRASNAP_RESULT_OK);
    struct outcome cancelled = finish(slow);
    CHECK(cancelled.progress < 100000);
    cancelled.progress = 0; /* how many came before the cancel is timing */
    print_outcome("cancel", cancelled);
    CHECK(entrasnap_job_cancel(slow) == ENTRASNAP_RESULT_OK); /* again: no effect */
    entrasnap_job_free(slow);

    /* Freeing a running job cancels it and waits for its thread. */
    entrasnap_job *abandoned = NULL;
    CHECK(entrasnap_job_start("{\"op\":\"engine.selftest\",\"events\":100000,\"delayMs\":10}",
                              &abandoned) == ENTRASNAP_RESULT_OK);
    entrasnap_job_free(abandoned);
    printf("free running: ok\n");

    /* A panic inside entrasnap_job_start comes back as a code. */
    entrasnap_job *never = NULL;
    entrasnap_result panicked =
        entrasnap_job_start("{\"op\":\"engine.selftest\",\"panic\":\"start\"}", &never);
    CHECK(never == NULL);
    printf("panic in start: %u %s\n", panicked, entrasnap_result_text(panicked));

    /* Bad arguments. */
    entrasnap_job *job = NULL;
    char *text = NULL;
    entrasnap_result result = entrasnap_job_start(NULL, &job);
    printf("null request: %u %s\n", result, entrasnap_result_text(result));
    result = entrasnap_job_start("{\"op\":\"engine.info\"}", NULL);
    printf("null out_job: %u %s\n", result, entrasnap_result_text(result));
    result = entrasnap_job_start("{\"op\":\"engine.\xff\xfe\"}", &job);
    printf("invalid utf-8: %u %s\n", result, entrasnap_result_text(result));
    result = entrasnap_job_start("{\"op\":", &job);
    printf("invalid json: %u %s\n", result, entrasnap_result_text(result));
    result = entrasnap_job_start("[\"engine.info\"]", &job);
    printf("no op: %u %s\n", result, entrasnap_result_text(result));
    CHECK(job == NULL);
    result = entrasnap_job_poll(NULL, 0, &text);
    printf("poll null job: %u\n", result);
    result = entrasnap_job_result(NULL, &text);
    printf("result null job: %u\n", result);
    result = entrasnap_job_cancel(NULL);
    printf("cancel null job: %u\n", result);
    CHECK(text == NULL);
    printf("unknown code: %s\n", entrasnap_result_text(4242));

    entrasnap_job_free(NULL);
    entrasnap_string_free(NULL);
    printf("free null: ok\n");
    return 0;
}
