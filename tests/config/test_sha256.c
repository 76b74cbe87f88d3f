/* SHA-256 against the FIPS 180-2 examples, fed whole and in uneven pieces
 * (the block boundary and the padding's two-block case are where it goes
 * wrong), and the cache helper on a file. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sha256.h"

static int failures;

static void check(const char *what, const char *msg, size_t n, size_t piece, const char *want) {
    sha256_ctx c;
    sha256_init(&c);
    for (size_t at = 0; at < n; at += piece) sha256_update(&c, msg + at, n - at < piece ? n - at : piece);
    char got[65];
    sha256_hex(&c, got);
    if (strcmp(got, want) != 0) {
        printf("FAIL %s (pieces of %zu): %s, expected %s\n", what, piece, got, want);
        failures++;
    }
}

int main(void) {
    static const char two[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    static char million[1000000];
    memset(million, 'a', sizeof million);
    for (size_t piece = 1; piece <= 128; piece += 37) {
        check("empty", "", 0, piece, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        check("abc", "abc", 3, piece, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        check("448 bits", two, strlen(two), piece, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    }
    check("a million a", million, sizeof million, 4096,
          "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    char path[] = "/tmp/ocrs-sha256-XXXXXX";
    FILE *f = fdopen(mkstemp(path), "w");
    fputs("abc", f);
    fclose(f);
    sha256_ctx c;
    sha256_init(&c);
    char got[65];
    if (!sha256_file(&c, path) || (sha256_hex(&c, got), strcmp(got, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"))) {
        printf("FAIL file\n");
        failures++;
    }
    remove(path);
    sha256_init(&c);
    if (sha256_file(&c, "/nonexistent/ocrs")) {
        printf("FAIL missing file reported as read\n");
        failures++;
    }
    printf("%s\n", failures ? "FAILED" : "ok");
    return failures != 0;
}
