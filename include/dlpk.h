/*
 * dlpk.h — the C interface of libdlpk, the dlpack inference runtime.
 *
 * libdlpk runs models stored as .dlpk files (written by `dlpack train` or
 * `dlpack convert model.onnx model.dlpk`). A minimal program:
 *
 *     dlpk_model* model = NULL;
 *     dlpk_session* session = NULL;
 *     if (dlpk_model_open_file("mnist.dlpk", NULL, &model) != DLPK_OK ||
 *         dlpk_session_create(model, NULL, &session) != DLPK_OK) {
 *         fprintf(stderr, "%s\n", dlpk_last_error_message());
 *         ...
 *     }
 *     float pixels[784], scores[10];
 *     dlpk_tensor in  = { pixels, sizeof pixels, DLPK_DTYPE_F32, 2, {1, 784} };
 *     dlpk_tensor out = { scores, sizeof scores };
 *     dlpk_status s = dlpk_session_run(session, &in, 1, &out, 1);
 *     dlpk_session_free(session);
 *     dlpk_model_free(model);
 *
 * Memory model
 *   - A model (dlpk_model) is immutable after it is opened: it holds the graph,
 *     the metadata and the weights (used in place from a mapped file where the file
 *     stores them raw). Any number of threads may use one model at the same time.
 *   - A session (dlpk_session) holds everything one stream of runs needs: the plan
 *     for the current input shapes and one arena for all intermediate tensors. Use a
 *     session from one thread at a time (one session per thread). Runs with the same
 *     input shapes as the previous run allocate nothing.
 *   - Whatever a *_create or *_open function returns, the caller frees with the
 *     matching *_free function. Every *_free function accepts NULL.
 *   - Pointers returned by getters (names, labels, strings) are borrowed: valid until
 *     the object they came from is freed.
 *   - A session keeps its model alive: dlpk_model_free may be called while sessions
 *     of that model exist; the model is released with its last session.
 *
 * Errors
 *   Every function that can fail returns a dlpk_status: DLPK_OK (0) or an error code.
 *   dlpk_last_error_message() then says what went wrong (file, offset, node, expected
 *   versus found). The library never aborts, exits or traps on bad input or on misuse
 *   it can detect: NULL pointers, wrong shapes or dtypes, buffers too small, corrupt
 *   or truncated files, unsupported ops. It cannot detect dangling or foreign
 *   pointers: a handle used after it was freed, or a buffer smaller than the size
 *   passed with it, is undefined behaviour.
 */
#ifndef DLPK_H
#define DLPK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#  define DLPK_API __attribute__((visibility("default")))
#else
#  define DLPK_API
#endif

/* ------------------------------------------------------------------------- */
/* Versions                                                                  */
/* ------------------------------------------------------------------------- */

/** The library version this header belongs to (semantic versioning). */
#define DLPK_VERSION_MAJOR 0
#define DLPK_VERSION_MINOR 1
#define DLPK_VERSION_PATCH 0
/** MAJOR*100*100 + MINOR*100 + PATCH, so versions compare as integers. */
#define DLPK_VERSION_NUMBER (DLPK_VERSION_MAJOR * 100 * 100 + DLPK_VERSION_MINOR * 100 + DLPK_VERSION_PATCH)
#define DLPK_VERSION_STRING "0.1.0"

/** The ABI version: bumped whenever a change breaks binary compatibility
 *  (a struct layout or a function signature). */
#define DLPK_ABI_VERSION 1

/** The newest .dlpk format version this library reads. Files with a newer
 *  major version are refused with DLPK_ERROR_UNSUPPORTED_VERSION. */
#define DLPK_FORMAT_VERSION_MAJOR 1
#define DLPK_FORMAT_VERSION_MINOR 2

/*! dlpk_version_number() :
 *  @return the library's DLPK_VERSION_NUMBER, to detect a header/library mismatch.
 *  Thread safety: safe from any thread. */
DLPK_API unsigned dlpk_version_number(void);

/*! dlpk_version_string() :
 *  @return the library version as "MAJOR.MINOR.PATCH" (static storage, never freed). */
DLPK_API const char* dlpk_version_string(void);

/*! dlpk_abi_version() :
 *  @return the library's DLPK_ABI_VERSION. A program built against a header with a
 *  different ABI version must not use this library. */
DLPK_API unsigned dlpk_abi_version(void);

/*! dlpk_format_version() :
 *  @return the newest .dlpk format version the library reads, as MAJOR*100 + MINOR. */
DLPK_API unsigned dlpk_format_version(void);

/* ------------------------------------------------------------------------- */
/* Status codes and error messages                                           */
/* ------------------------------------------------------------------------- */

/** 0 for success, otherwise an error code. Codes are grouped by hundreds, never
 *  renumbered, and new ones may be added: callers must accept codes they do not know
 *  (dlpk_status_string() names every code, "unknown status" for foreign ones). */
typedef int32_t dlpk_status;

#define DLPK_OK 0
/* 1xx: the caller's arguments */
#define DLPK_ERROR_INVALID_ARGUMENT 100
#define DLPK_ERROR_NULL_POINTER 101
#define DLPK_ERROR_SHAPE_MISMATCH 102
#define DLPK_ERROR_DTYPE_MISMATCH 103
#define DLPK_ERROR_BUFFER_TOO_SMALL 104
#define DLPK_ERROR_NOT_FOUND 105
/* 2xx: files and I/O */
#define DLPK_ERROR_FILE_NOT_FOUND 200
#define DLPK_ERROR_IO 201
/* 3xx: the model file */
#define DLPK_ERROR_BAD_MAGIC 300
#define DLPK_ERROR_UNSUPPORTED_VERSION 301
#define DLPK_ERROR_TRUNCATED 302
#define DLPK_ERROR_CHECKSUM_MISMATCH 303
#define DLPK_ERROR_INVALID_MODEL 304
#define DLPK_ERROR_LIMIT_EXCEEDED 305
#define DLPK_ERROR_DECOMPRESSION_FAILED 306
/* 4xx: things this build does not do */
#define DLPK_ERROR_UNSUPPORTED_OP 400
#define DLPK_ERROR_UNSUPPORTED_DTYPE 401
#define DLPK_ERROR_UNSUPPORTED 402
/* 5xx: while running */
#define DLPK_ERROR_CANCELLED 500
#define DLPK_ERROR_OUT_OF_MEMORY 501
#define DLPK_ERROR_INTERNAL 502
/* 6xx: training and data (not returned by the runtime; shared with the dlpack tools) */
#define DLPK_ERROR_NUMERICAL 600
#define DLPK_ERROR_INVALID_DATA 601

/*! dlpk_status_string() :
 *  @return a short constant description of `status` ("ok", "shape mismatch", ...),
 *  "unknown status" for codes this library does not define. Static storage.
 *  Thread safety: safe from any thread. */
DLPK_API const char* dlpk_status_string(dlpk_status status);

/*! dlpk_last_error_message() :
 *  @return the message of the last error on the calling thread (what went wrong,
 *  naming the file, node, tensor, expected and found values), or "" if no call on
 *  this thread has failed yet. Successful calls do not clear it.
 *  Ownership: borrowed; valid until the next failing dlpk_ call on the same thread.
 *  Thread safety: each thread has its own message. */
DLPK_API const char* dlpk_last_error_message(void);

/* ------------------------------------------------------------------------- */
/* Element types and tensors                                                 */
/* ------------------------------------------------------------------------- */

/** Element types; values are stored in .dlpk files and never renumbered. */
typedef int32_t dlpk_dtype;
#define DLPK_DTYPE_F32 1
#define DLPK_DTYPE_F16 2
#define DLPK_DTYPE_BF16 3
#define DLPK_DTYPE_I8 4
#define DLPK_DTYPE_U8 5
#define DLPK_DTYPE_I32 6
#define DLPK_DTYPE_I64 7

/** Largest rank of any tensor. */
#define DLPK_MAX_RANK 8

/*! dlpk_dtype_size() :
 *  @return bytes per element of `dtype` (4 for DLPK_DTYPE_F32), 0 for an unknown dtype. */
DLPK_API size_t dlpk_dtype_size(dlpk_dtype dtype);

/** A tensor passed to or returned from a run: row-major, dense.
 *  - As an input: the caller sets every field; `data` is read during the run only.
 *  - As an output: the caller sets `data` and `size` (the buffer's capacity in
 *    bytes); the run writes the elements there and fills `dtype`, `rank` and `dims`. */
typedef struct dlpk_tensor {
    void* data;                    /* the elements, aligned to the element size */
    size_t size;                   /* bytes available at data */
    dlpk_dtype dtype;              /* DLPK_DTYPE_* */
    int32_t rank;                  /* number of dims used, 0...DLPK_MAX_RANK */
    int64_t dims[DLPK_MAX_RANK];   /* outermost first */
} dlpk_tensor;

/** A model input's or output's declaration (see dlpk_model_input_info()). */
typedef struct dlpk_tensor_info {
    const char* name;              /* borrowed from the model */
    dlpk_dtype dtype;
    int32_t rank;
    int64_t dims[DLPK_MAX_RANK];   /* -1 marks a dynamic dimension (the batch, usually) */
} dlpk_tensor_info;

/* ------------------------------------------------------------------------- */
/* Models                                                                    */
/* ------------------------------------------------------------------------- */

typedef struct dlpk_model dlpk_model;

/** Options for opening a model. Initialize with dlpk_model_options_init(): the struct grows
 *  at its end, and `size` tells the library which fields the caller knows. */
typedef struct dlpk_model_options {
    size_t size;                      /* sizeof(dlpk_model_options) */
    int32_t verify_checksums;         /* 1 (default): check every weight blob's checksum at open */
    int32_t dequantize_int8_weights;  /* 1 (default): int8 weights of float ops become f32 at open
                                         (weights-only quantization); 0 keeps them int8, and a float
                                         op without an int8-weight kernel is then refused */
} dlpk_model_options;

/*! dlpk_model_options_init() :
 *  Fills `options` with the defaults. NULL is ignored. */
DLPK_API void dlpk_model_options_init(dlpk_model_options* options);

/*! dlpk_model_open_file() :
 *  Opens and validates the .dlpk file at `path`: header, checksums, graph structure,
 *  shapes, attributes, and that this build has a kernel for every node (otherwise
 *  DLPK_ERROR_UNSUPPORTED_OP naming the node). The file is mapped read-only; weights
 *  stored raw are used in place.
 *  @param options NULL for the defaults.
 *  @return DLPK_OK and *out_model, or an error (then *out_model is NULL).
 *  Ownership: the caller frees *out_model with dlpk_model_free().
 *  Thread safety: safe from any thread. */
DLPK_API dlpk_status dlpk_model_open_file(const char* path, const dlpk_model_options* options,
                                          dlpk_model** out_model);

/** How dlpk_model_open_memory() treats the caller's bytes. */
#define DLPK_MEMORY_COPY 0    /* the bytes are copied; the buffer may be freed after the call */
#define DLPK_MEMORY_BORROW 1  /* the bytes are used in place: the buffer must stay valid and
                                 unchanged until the model and all its sessions are freed,
                                 and should be 64-byte aligned (else weights are copied) */

/*! dlpk_model_open_memory() :
 *  Like dlpk_model_open_file(), from the `size` bytes of a .dlpk file at `data`.
 *  @param mode DLPK_MEMORY_COPY or DLPK_MEMORY_BORROW (see there).
 *  @param options NULL for the defaults.
 *  @return DLPK_OK and *out_model, or an error (then *out_model is NULL).
 *  Ownership: the caller frees *out_model with dlpk_model_free(); `data` stays the
 *  caller's in both modes. Thread safety: safe from any thread. */
DLPK_API dlpk_status dlpk_model_open_memory(const void* data, size_t size, int32_t mode,
                                            const dlpk_model_options* options, dlpk_model** out_model);

/*! dlpk_model_free() :
 *  Releases the caller's reference to `model` (NULL is accepted and ignored). Sessions
 *  of the model keep it alive until they are freed.
 *  Thread safety: do not free a model while another thread passes it to a dlpk_ call. */
DLPK_API void dlpk_model_free(dlpk_model* model);

/*! dlpk_model_producer(), dlpk_model_producer_version() :
 *  @return who wrote the model ("dlpack", "dlpack-convert", ...) and their version;
 *  "" if unknown or if `model` is NULL. Borrowed from the model. */
DLPK_API const char* dlpk_model_producer(const dlpk_model* model);
DLPK_API const char* dlpk_model_producer_version(const dlpk_model* model);

/*! dlpk_model_label_count() :
 *  @return the number of class labels stored with the model (0 for none or NULL). */
DLPK_API size_t dlpk_model_label_count(const dlpk_model* model);

/*! dlpk_model_label() :
 *  @return the label of class `index` (borrowed from the model), or NULL if `index` is
 *  out of range or `model` is NULL. */
DLPK_API const char* dlpk_model_label(const dlpk_model* model, size_t index);

/*! dlpk_model_property() :
 *  @return the value of the metadata property `key` (borrowed), or NULL if absent. */
DLPK_API const char* dlpk_model_property(const dlpk_model* model, const char* key);

/*! dlpk_model_created_at() :
 *  @return when the model was written, in seconds since the Unix epoch (UTC); 0 if
 *  unknown or if `model` is NULL. */
DLPK_API int64_t dlpk_model_created_at(const dlpk_model* model);

/** How to preprocess one input so that deployment reproduces training:
 *  x' = (x * scale - mean[c]) / std[c], with c the index along `channel_axis`. When
 *  `mean_count` (or `std_count`) is 1, that one value applies to every channel; when 0,
 *  the mean is 0 (the std is 1). */
typedef struct dlpk_preprocessing {
    float scale;
    int32_t channel_axis;
    size_t mean_count;
    const float* mean;     /* borrowed from the model */
    size_t std_count;
    const float* std;      /* borrowed from the model */
} dlpk_preprocessing;

/*! dlpk_model_preprocessing() :
 *  The preprocessing stored for input `input_index`.
 *  @return DLPK_OK and *out; DLPK_ERROR_NOT_FOUND if the model stores none for that input;
 *  DLPK_ERROR_NULL_POINTER; DLPK_ERROR_INVALID_ARGUMENT for an index out of range.
 *  Ownership: out->mean and out->std are borrowed from the model. */
DLPK_API dlpk_status dlpk_model_preprocessing(const dlpk_model* model, size_t input_index, dlpk_preprocessing* out);

/*! dlpk_model_input_count(), dlpk_model_output_count() :
 *  @return the number of inputs / outputs of the model (0 if `model` is NULL). */
DLPK_API size_t dlpk_model_input_count(const dlpk_model* model);
DLPK_API size_t dlpk_model_output_count(const dlpk_model* model);

/*! dlpk_model_input_info(), dlpk_model_output_info() :
 *  Describes input / output `index` as the model declares it: name, dtype and shape
 *  with -1 for dynamic dimensions.
 *  @return DLPK_OK and *out_info, DLPK_ERROR_NULL_POINTER, or
 *  DLPK_ERROR_INVALID_ARGUMENT for an index out of range.
 *  Ownership: out_info->name is borrowed from the model. */
DLPK_API dlpk_status dlpk_model_input_info(const dlpk_model* model, size_t index, dlpk_tensor_info* out_info);
DLPK_API dlpk_status dlpk_model_output_info(const dlpk_model* model, size_t index, dlpk_tensor_info* out_info);

/* ------------------------------------------------------------------------- */
/* Sessions                                                                  */
/* ------------------------------------------------------------------------- */

typedef struct dlpk_session dlpk_session;

/** Options for creating a session. Initialize with dlpk_session_options_init() (or
 *  set `size` to sizeof(dlpk_session_options) and every field): the struct grows at
 *  its end, and `size` tells the library which fields the caller knows. */
typedef struct dlpk_session_options {
    size_t size;          /* sizeof(dlpk_session_options) */
    int32_t num_threads;  /* threads the kernels may use; 1 (default) means no helper threads */
    int32_t batch_size;   /* value of every dynamic dimension the arena is planned for (default 1) */
} dlpk_session_options;

/*! dlpk_session_options_init() :
 *  Fills `options` with the defaults (size set, 1 thread, batch size 1). NULL is ignored. */
DLPK_API void dlpk_session_options_init(dlpk_session_options* options);

/*! dlpk_session_create() :
 *  Plans the model for the input shapes given by `options->batch_size` and allocates
 *  the session's arena. Runs with other input shapes plan again (and may grow the arena).
 *  @param options NULL for the defaults.
 *  @return DLPK_OK and *out_session, or an error (then *out_session is NULL).
 *  Ownership: the caller frees *out_session with dlpk_session_free(); the session holds
 *  a reference to `model`. Thread safety: many threads may create sessions of one model. */
DLPK_API dlpk_status dlpk_session_create(const dlpk_model* model, const dlpk_session_options* options,
                                         dlpk_session** out_session);

/*! dlpk_session_arena_size() :
 *  @return DLPK_OK and, in *out_size, the bytes of arena dlpk_session_create_static()
 *  needs for `options` (including room to align an unaligned arena). */
DLPK_API dlpk_status dlpk_session_arena_size(const dlpk_model* model, const dlpk_session_options* options,
                                             size_t* out_size);

/*! dlpk_session_create_static() :
 *  Like dlpk_session_create(), with all intermediate tensors in the caller's `arena`
 *  of `arena_size` bytes (at least dlpk_session_arena_size()). The arena never grows:
 *  a run whose input shapes need more returns DLPK_ERROR_BUFFER_TOO_SMALL. (The session's
 *  small bookkeeping is still allocated by the library, at creation only.)
 *  Ownership: the arena stays the caller's and must outlive the session. */
DLPK_API dlpk_status dlpk_session_create_static(const dlpk_model* model, const dlpk_session_options* options,
                                                void* arena, size_t arena_size, dlpk_session** out_session);

/*! dlpk_session_free() :
 *  Frees the session (NULL is accepted). Must not race with a run on the same session. */
DLPK_API void dlpk_session_free(dlpk_session* session);

/*! dlpk_session_run() :
 *  Runs the model. `inputs` holds one dlpk_tensor per model input, in order; `outputs`
 *  one per model output, with `data` and `size` set by the caller. The outputs are
 *  written into the caller's buffers directly (zero copy), and their dtype, rank and
 *  dims filled in. Dynamic dimensions take their values from the inputs.
 *  @return DLPK_OK;
 *          DLPK_ERROR_SHAPE_MISMATCH / DLPK_ERROR_DTYPE_MISMATCH for inputs that do not
 *          match the model's declaration;
 *          DLPK_ERROR_BUFFER_TOO_SMALL if an input's or output's `size` is too small
 *          (the outputs' dtype, rank and dims are then filled in, so the caller can
 *          size the buffers and retry);
 *          DLPK_ERROR_NULL_POINTER, DLPK_ERROR_INVALID_ARGUMENT (wrong counts, data not
 *          aligned to its element size);
 *          DLPK_ERROR_CANCELLED after dlpk_session_cancel() (outputs are then undefined).
 *  Performance: with the same input shapes as the previous run, nothing is allocated.
 *  Thread safety: one run per session at a time; sessions are independent. */
DLPK_API dlpk_status dlpk_session_run(dlpk_session* session, const dlpk_tensor* inputs, size_t input_count,
                                      dlpk_tensor* outputs, size_t output_count);

/*! dlpk_session_run_alloc() :
 *  Like dlpk_session_run(), with output buffers the library allocates: *out_outputs
 *  receives an array of *out_count tensors (as many as the model has outputs).
 *  Ownership: the caller frees the array, and the data it points to, with one call to
 *  dlpk_tensors_free(*out_outputs, *out_count). On error *out_outputs is NULL. */
DLPK_API dlpk_status dlpk_session_run_alloc(dlpk_session* session, const dlpk_tensor* inputs, size_t input_count,
                                            dlpk_tensor** out_outputs, size_t* out_count);

/*! dlpk_tensors_free() :
 *  Frees outputs returned by dlpk_session_run_alloc() (NULL is accepted). */
DLPK_API void dlpk_tensors_free(dlpk_tensor* tensors, size_t count);

/*! dlpk_session_output_info() :
 *  Describes output `index` for the input shapes the session is planned for (after
 *  creation: dynamic dimensions at the batch size; after a run: that run's shapes),
 *  so that output buffers can be sized before a run.
 *  @return DLPK_OK and *out_info, DLPK_ERROR_NULL_POINTER or DLPK_ERROR_INVALID_ARGUMENT. */
DLPK_API dlpk_status dlpk_session_output_info(const dlpk_session* session, size_t index, dlpk_tensor_info* out_info);

/*! dlpk_session_cancel() :
 *  Asks the run in progress on `session` to stop at the next node boundary; it then
 *  returns DLPK_ERROR_CANCELLED. If no run is in progress, the next run is cancelled
 *  before its first node. Each call cancels at most one run.
 *  @return DLPK_OK, or DLPK_ERROR_NULL_POINTER.
 *  Thread safety: the one session function that may be called from another thread
 *  while the session runs. */
DLPK_API dlpk_status dlpk_session_cancel(dlpk_session* session);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* DLPK_H */
