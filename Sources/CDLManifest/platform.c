/* File mapping, aligned allocation and atomic writes for DLFormat (POSIX). */
#define _GNU_SOURCE
#include "dlk_manifest.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int dlk_map_file(const char *path, const void **base, size_t *size) {
    *base = NULL;
    *size = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return e;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
    }
    if (st.st_size == 0) {
        close(fd);
        return 0;
    }
    if ((unsigned long long)st.st_size > (unsigned long long)SIZE_MAX) {
        close(fd);
        return EFBIG;
    }
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    int e = errno;
    close(fd);
    if (p == MAP_FAILED) return e;
    *base = p;
    *size = (size_t)st.st_size;
    return 0;
}

void dlk_unmap_file(const void *base, size_t size) {
    if (base != NULL) munmap((void *)base, size);
}

void *dlk_aligned_alloc(size_t size) {
    void *p = NULL;
    if (posix_memalign(&p, 64, size == 0 ? 1 : size) != 0) return NULL;
    return p;
}

void dlk_aligned_free(void *pointer) {
    free(pointer);
}

int dlk_write_file_atomic(const char *path, const void *data, size_t length) {
    size_t n = strlen(path);
    char *temp = malloc(n + 16);
    if (temp == NULL) return ENOMEM;
    snprintf(temp, n + 16, "%s.tmp-XXXXXX", path);
    int fd = mkostemp(temp, O_CLOEXEC);  /* a unique name, even for writers in one process */
    if (fd < 0) {
        int e = errno;
        free(temp);
        return e;
    }
    (void)fchmod(fd, 0644);
    const unsigned char *p = data;
    size_t left = length;
    int e = 0;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR) continue;
            e = errno;
            break;
        }
        p += w;
        left -= (size_t)w;
    }
    if (e == 0 && fsync(fd) != 0) e = errno;
    if (close(fd) != 0 && e == 0) e = errno;
    if (e == 0 && rename(temp, path) != 0) e = errno;
    if (e != 0) unlink(temp);
    free(temp);
    return e;
}

int dlk_error_is_not_found(int error_number) {
    return error_number == ENOENT || error_number == ENOTDIR;
}

const char *dlk_error_string(int error_number) {
    /* strerror is not guaranteed thread-safe; name the common cases ourselves. */
    switch (error_number) {
    case ENOENT: return "no such file or directory";
    case EACCES: return "permission denied";
    case EISDIR: return "is a directory";
    case ENOTDIR: return "a path component is not a directory";
    case ENOMEM: return "out of memory";
    case ENOSPC: return "no space left on device";
    case EROFS: return "read-only file system";
    case EFBIG: return "file too large";
    case EEXIST: return "file exists";
    case EINVAL: return "not a regular file";
    case EIO: return "input/output error";
    default: return "system error";
    }
}
