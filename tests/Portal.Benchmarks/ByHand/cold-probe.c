/*
 * What a pause costs this machine, without .NET: memory touched again after a sleep, and the system calls a SQLite note makes.
 * docs/benchmarks.md, "Where a note's time goes". Build and run:
 *   cc -O2 -o /tmp/cold-probe tests/Portal.Benchmarks/ByHand/cold-probe.c && /tmp/cold-probe
 * Prints, for no pause and for 10 ms and 50 ms pauses (50 repetitions each): ns per page and per cache line read again
 * (1,000 pages), and µs for 7 reads of 16 bytes from /dev/urandom and 14 pwrites (24 and 4,096 bytes by turns, as SQLite
 * writes WAL frames).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e9 + t.tv_nsec; }

static double touch_ns(volatile char *memory, size_t size, size_t stride, int pause_us)
{
    double total = 0; long sum = 0;
    for (int r = 0; r < 50; r++)
    {
        if (pause_us) usleep(pause_us);
        double start = now_ns();
        for (size_t i = 0; i < size; i += stride) sum += memory[i];
        total += now_ns() - start;
    }
    return total / 50 / (size / stride) + (sum & 0); /* sum keeps the reads */
}

int main(void)
{
    const size_t pages = 1000, size = pages * 4096;
    volatile char *memory = malloc(size);
    memset((char *)memory, 1, size);
    int urandom = open("/dev/urandom", O_RDONLY);
    char path[] = "/tmp/cold-probe-XXXXXX";
    int file = mkstemp(path);
    unlink(path);
    static char page[4096] = {1};
    char bytes[16];
    int pauses[] = {0, 10000, 50000};
    for (int p = 0; p < 3; p++)
    {
        double reads = 0, writes = 0;
        for (int r = 0; r < 50; r++)
        {
            if (pauses[p]) usleep(pauses[p]);
            double a = now_ns();
            for (int i = 0; i < 7; i++) if (read(urandom, bytes, sizeof bytes) < 0) return 1;
            double b = now_ns();
            for (int i = 0; i < 14; i++) if (pwrite(file, page, i % 2 ? 4096 : 24, (off_t)i * 4096) < 0) return 1;
            writes += now_ns() - b;
            reads += b - a;
        }
        printf("pause %2d ms: page %.1f ns, cache line %.1f ns, 7 urandom reads %.1f us, 14 pwrites %.1f us\n", pauses[p] / 1000,
            touch_ns(memory, size, 4096, pauses[p]), touch_ns(memory, size, 64, pauses[p]), reads / 50 / 1000, writes / 50 / 1000);
    }
    return 0;
}
