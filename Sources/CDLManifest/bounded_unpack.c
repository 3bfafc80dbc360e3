/* Manifest decoding with a memory budget: protobuf-c allocates through this
 * allocator, which counts every byte it hands out and refuses past the budget. */
#include "dlk_manifest.h"
#include <stdlib.h>

typedef struct {
    size_t remaining;
    int exhausted;
} dlk_budget;

static void *budget_alloc(void *data, size_t size) {
    dlk_budget *budget = data;
    if (size > budget->remaining) {
        budget->exhausted = 1;
        return NULL;
    }
    budget->remaining -= size;
    return malloc(size == 0 ? 1 : size);
}

static void plain_free(void *data, void *pointer) {
    (void)data;
    free(pointer);
}

Dlpk__Manifest *dlk_manifest_unpack(const uint8_t *data, size_t length, size_t budget, int *status) {
    dlk_budget state = { budget, 0 };
    ProtobufCAllocator allocator = { budget_alloc, plain_free, &state };
    Dlpk__Manifest *manifest = dlpk__manifest__unpack(&allocator, length, data);
    if (manifest == NULL) {
        *status = state.exhausted ? DLK_UNPACK_BUDGET : DLK_UNPACK_INVALID;
    } else {
        *status = DLK_UNPACK_OK;
    }
    return manifest;
}

void dlk_manifest_free(Dlpk__Manifest *manifest) {
    if (manifest == NULL) return;
    /* Memory came from malloc, so a plain allocator frees it. */
    ProtobufCAllocator allocator = { budget_alloc, plain_free, NULL };
    dlpk__manifest__free_unpacked(manifest, &allocator);
}
