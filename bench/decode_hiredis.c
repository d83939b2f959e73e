/* Counts the replies in a file with hiredis's reader, as bench/compare-decode's reference for
 * respkit-decode --count: reads 64 KiB at a time, feeds them to redisReaderFeed, takes every
 * complete reply with redisReaderGetReply and frees it. Prints the count.
 *
 *   decode_hiredis FILE
 *
 * Exit status 0, or 1 on a protocol error, a read error or an input ending inside a reply.
 * Built by bench/compare-decode (cc -O2 ... -lhiredis); not part of the CMake build. */
#include <stdio.h>
#include <stdlib.h>

#include <hiredis/hiredis.h>

int main(int argc, char** argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: decode_hiredis FILE\n");
        return 2;
    }
    FILE* in = fopen(argv[1], "rb");
    if (in == NULL) {
        perror(argv[1]);
        return 1;
    }
    redisReader* reader = redisReaderCreate();
    static char buf[64 * 1024];
    unsigned long long count = 0;
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
        if (redisReaderFeed(reader, buf, n) != REDIS_OK) break;
        for (;;) {
            void* reply = NULL;
            if (redisReaderGetReply(reader, &reply) != REDIS_OK) {
                fprintf(stderr, "%s: protocol error: %s\n", argv[1], reader->errstr);
                return 1;
            }
            if (reply == NULL) break;
            freeReplyObject(reply);
            ++count;
        }
    }
    int status = ferror(in) ? 1 : 0;
    if (reader->len != reader->pos) {
        fprintf(stderr, "%s: input ends inside a reply\n", argv[1]);
        status = 1;
    }
    printf("%llu\n", count);
    redisReaderFree(reader);
    fclose(in);
    return status;
}
