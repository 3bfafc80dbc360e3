/* CDLManifest: the protobuf-c code generated from format/dlpk.proto (regenerate with
 * format/regenerate.sh), plus the few C helpers DLFormat needs that Swift cannot
 * express without Foundation or Glibc: a memory-bounded manifest decoder, file
 * mapping, 64-byte-aligned allocation and atomic file writes.
 * Every function reports failure by its return value; none aborts. */
#ifndef DLK_MANIFEST_H
#define DLK_MANIFEST_H

#include <stddef.h>
#include <stdint.h>
#include "dlpk.pb-c.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Outcomes of dlk_manifest_unpack. */
enum {
    DLK_UNPACK_OK = 0,
    DLK_UNPACK_INVALID = 1,  /* not a valid protobuf message of this schema */
    DLK_UNPACK_BUDGET = 2,   /* decoding needed more than `budget` bytes of memory */
};

/*! dlk_manifest_unpack() :
 *  Decodes `length` bytes at `data` with an allocator that refuses to hand out more
 *  than `budget` bytes in total, so that a hostile manifest cannot exhaust memory.
 *  @return the manifest (free with dlk_manifest_free), or NULL with *status set. */
Dlpk__Manifest *dlk_manifest_unpack(const uint8_t *data, size_t length, size_t budget, int *status);

/*! dlk_manifest_free() : frees what dlk_manifest_unpack returned; accepts NULL. */
void dlk_manifest_free(Dlpk__Manifest *manifest);

/*! dlk_map_file() :
 *  Maps a whole file read-only. An empty file gives *base = NULL, *size = 0.
 *  @return 0, or the errno of the failing call (the file is then not mapped). */
int dlk_map_file(const char *path, const void **base, size_t *size);

/*! dlk_unmap_file() : undoes dlk_map_file; accepts base == NULL. */
void dlk_unmap_file(const void *base, size_t size);

/*! dlk_aligned_alloc() : `size` bytes (at least 1) aligned to 64, or NULL when out of memory. */
void *dlk_aligned_alloc(size_t size);

/*! dlk_aligned_free() : accepts NULL. */
void dlk_aligned_free(void *pointer);

/*! dlk_write_file_atomic() :
 *  Writes `length` bytes to a temporary file next to `path`, flushes it to disk and
 *  renames it over `path`, so that readers see the old file or the new one, never half.
 *  @return 0, or the errno of the failing call (the temporary file is removed). */
int dlk_write_file_atomic(const char *path, const void *data, size_t length);

/*! dlk_error_is_not_found() : 1 if the errno value means the file does not exist. */
int dlk_error_is_not_found(int error_number);

/*! dlk_error_string() : the text of an errno value (static storage, thread-safe). */
const char *dlk_error_string(int error_number);

#ifdef __cplusplus
}
#endif
#endif
