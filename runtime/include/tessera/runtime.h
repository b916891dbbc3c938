/* runtime.h - the Tessera runtime's C API: load a compiled module (.tsr),
 * inspect its functions and run them on caller-owned buffers.
 *
 * Ownership, IREE-style and explicit:
 *  - Every function that returns tsr_status_t returns NULL on success, and
 *    otherwise a status the caller owns and must release with
 *    tsr_status_free. Out-parameters hold meaningful values only on
 *    success.
 *  - tsr_module_t and tsr_session_t objects are owned by the caller that
 *    created them and released with tsr_module_free / tsr_session_free
 *    (both accept NULL).
 *  - Strings the inspection functions return point into the module and stay
 *    valid until tsr_module_free.
 *  - A session borrows its module: free every session of a module before
 *    the module.
 *  - Input and output buffers always belong to the caller; the runtime never
 *    keeps a pointer to them after a call returns.
 *
 * Threads: a module is immutable once loaded; any number of threads may
 * inspect it and create sessions from it, and different sessions of one
 * module may run at the same time. One session must not be used from two
 * threads at once (it owns the scratch arena and scalar table of a run).
 *
 * A module is untrusted input: it is verified completely before anything in
 * it is used. Loading it does, however, load its kernel object into the
 * process (running the object's initializers): load only modules from a
 * compiler you trust. */
#ifndef TESSERA_RUNTIME_H
#define TESSERA_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define TSR_API __attribute__((visibility("default")))
#else
#define TSR_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Status ----------------------------------------------------------- */

typedef enum tsr_status_code_t {
  TSR_STATUS_OK = 0,
  /* The caller passed something wrong: a NULL pointer, a count, dtype, rank,
   * dim or byte size that does not match the function. */
  TSR_STATUS_INVALID_ARGUMENT = 1,
  /* A named file or function does not exist. */
  TSR_STATUS_NOT_FOUND = 2,
  /* An index, or an input dim above the maximum the module was compiled for. */
  TSR_STATUS_OUT_OF_RANGE = 3,
  /* The module bytes are malformed or inconsistent (including a kernel
   * object that does not load or lacks a symbol). */
  TSR_STATUS_INVALID_MODULE = 4,
  /* The module was written for another schema or kernel ABI version. */
  TSR_STATUS_UNSUPPORTED = 5,
  /* A shape check of the function failed for these inputs. */
  TSR_STATUS_FAILED_PRECONDITION = 6,
  /* Out of memory or threads. */
  TSR_STATUS_RESOURCE_EXHAUSTED = 7,
  /* The operating system refused a file or memory operation. */
  TSR_STATUS_IO_ERROR = 8,
  /* A bug in the runtime or the module's generated code. */
  TSR_STATUS_INTERNAL = 9,
  /* The device cannot be used: no driver (libcuda.so.1), no such device, or
   * the driver failed (the message names the call and its error). */
  TSR_STATUS_UNAVAILABLE = 10
} tsr_status_code_t;

typedef struct tsr_status_s *tsr_status_t;

/* TSR_STATUS_OK for NULL. */
TSR_API tsr_status_code_t tsr_status_code(tsr_status_t status);
/* "OK" for NULL; otherwise valid until tsr_status_free. */
TSR_API const char *tsr_status_message(tsr_status_t status);
/* "OK", "INVALID_ARGUMENT", ...; "UNKNOWN" for other values. Static storage. */
TSR_API const char *tsr_status_code_name(tsr_status_code_t code);
TSR_API void tsr_status_free(tsr_status_t status);

/* ---- Element types ---------------------------------------------------- */

/* The values match the module schema's DType. */
typedef enum tsr_dtype_t {
  TSR_DTYPE_F32 = 0,
  TSR_DTYPE_F16 = 1,
  TSR_DTYPE_BF16 = 2,
  TSR_DTYPE_F64 = 3,
  TSR_DTYPE_I64 = 4,
  TSR_DTYPE_I32 = 5,
  TSR_DTYPE_I16 = 6,
  TSR_DTYPE_I8 = 7,
  TSR_DTYPE_U8 = 8,
  TSR_DTYPE_BOOL = 9, /* one byte, 0 or 1 */
  TSR_DTYPE_U16 = 10,
  TSR_DTYPE_U32 = 11,
  TSR_DTYPE_U64 = 12,
  /* The narrow types take one byte per element. Their bits are the low bits
     of the byte; the runtime passes inputs unchanged (the high bits of a
     4-bit or 2-bit integer must be its sign extension or zero) and the high
     bits of such outputs are unspecified. The floats are ONNX's: FLOAT8E4M3FN,
     FLOAT8E4M3FNUZ, FLOAT8E5M2, FLOAT8E5M2FNUZ, FLOAT8E8M0, FLOAT4E2M1. */
  TSR_DTYPE_F8E4M3FN = 13,
  TSR_DTYPE_F8E4M3FNUZ = 14,
  TSR_DTYPE_F8E5M2 = 15,
  TSR_DTYPE_F8E5M2FNUZ = 16,
  TSR_DTYPE_F8E8M0 = 17,
  TSR_DTYPE_F4E2M1 = 18,
  TSR_DTYPE_I4 = 19,
  TSR_DTYPE_U4 = 20,
  TSR_DTYPE_I2 = 21,
  TSR_DTYPE_U2 = 22
} tsr_dtype_t;

/* Bytes per element. */
TSR_API tsr_status_t tsr_dtype_size(tsr_dtype_t dtype, size_t *out_bytes);
/* "f32", "f16", "bf16", "f64", "i64", "i32", "i16", "i8", "u8", "bool", "u16", "u32",
   "u64", "f8e4m3fn", "f8e4m3fnuz", "f8e5m2", "f8e5m2fnuz", "f8e8m0", "f4e2m1", "i4",
   "u4", "i2", "u2". */
TSR_API tsr_status_t tsr_dtype_name(tsr_dtype_t dtype, const char **out_name);

/* ---- Modules ---------------------------------------------------------- */

typedef struct tsr_module_s tsr_module_t;

/* Maps the file read-only. The file must not be truncated or rewritten while
 * the module is loaded (the mapping would fault). */
TSR_API tsr_status_t tsr_module_load_file(const char *path, tsr_module_t **out_module);

/* Flags of tsr_module_load_memory. */
enum {
  /* Copy the bytes into memory the module owns (the default). */
  TSR_MODULE_LOAD_COPY = 0u,
  /* Use the caller's bytes in place: `data` must be 64-byte aligned (weights
   * are used where they lie) and must stay valid and unchanged until
   * tsr_module_free. */
  TSR_MODULE_LOAD_BORROW = 1u
};
TSR_API tsr_status_t tsr_module_load_memory(const void *data, size_t size, uint32_t flags,
                                            tsr_module_t **out_module);
TSR_API void tsr_module_free(tsr_module_t *module);

typedef struct tsr_module_info_t {
  const char *producer; /* "tessera-compile <version>" */
  /* The primary target: "x86_64-cpu:<cpu name>:<features>" or "cuda:<arch>".
   * A module compiled for several targets (tessera-compile
   * --target=cpu,cuda:<arch>) names its CPU target here. */
  const char *target;
  size_t num_functions;
} tsr_module_info_t;
TSR_API tsr_status_t tsr_module_info(const tsr_module_t *module, tsr_module_info_t *out_info);

/* Where a session runs a module's kernels. */
typedef enum tsr_device_kind_t {
  /* The session's thread pool runs the kernel object's x86-64 kernels. */
  TSR_DEVICE_CPU = 0,
  /* An NVIDIA GPU, through the CUDA driver API: libcuda.so.1 is loaded
   * (dlopen) when the first CUDA session is created, so the runtime itself
   * needs no CUDA library. */
  TSR_DEVICE_CUDA = 1
} tsr_device_kind_t;

/* The device kind of the module's primary target (tsr_module_info's
 * `target`): TSR_DEVICE_CUDA for a "cuda:<arch>" module (its kernels are
 * PTX), TSR_DEVICE_CPU otherwise, including a module compiled for both the
 * CPU and CUDA, whose primary target is the CPU. A single-target module runs
 * only on this kind of device; tsr_module_supports_device tells which kinds
 * a module runs on. */
TSR_API tsr_status_t tsr_module_device_kind(const tsr_module_t *module,
                                            tsr_device_kind_t *out_kind);

/* Whether the module holds code for `kind`, so that a session on such a
 * device can run it: `*out_supported` is 1 for its primary target's kind
 * and for each other target it was compiled for (a --target=cpu,cuda:<arch>
 * module supports both), 0 otherwise. An unknown `kind` is
 * TSR_STATUS_INVALID_ARGUMENT. The functions and their signatures
 * (tsr_module_find_function, tsr_module_tensor_info, ...) are the same on
 * every device the module supports. */
TSR_API tsr_status_t tsr_module_supports_device(const tsr_module_t *module,
                                                tsr_device_kind_t kind, int *out_supported);

/* Functions are numbered 0 .. num_functions-1. */
TSR_API tsr_status_t tsr_module_function_name(const tsr_module_t *module, size_t function,
                                              const char **out_name);
/* TSR_STATUS_NOT_FOUND, listing the names there are, when none is `name`. */
TSR_API tsr_status_t tsr_module_find_function(const tsr_module_t *module, const char *name,
                                              size_t *out_function);
TSR_API tsr_status_t tsr_module_function_arity(const tsr_module_t *module, size_t function,
                                               size_t *out_num_inputs, size_t *out_num_outputs);

typedef enum tsr_io_t { TSR_IO_INPUT = 0, TSR_IO_OUTPUT = 1 } tsr_io_t;

typedef struct tsr_tensor_info_t {
  const char *name;
  tsr_dtype_t dtype;
  size_t rank;
} tsr_tensor_info_t;
TSR_API tsr_status_t tsr_module_tensor_info(const tsr_module_t *module, size_t function,
                                            tsr_io_t io, size_t index,
                                            tsr_tensor_info_t *out_info);

typedef struct tsr_dim_info_t {
  int64_t size;     /* the static size, or -1 for a dynamic dim */
  int64_t max;      /* dynamic: the largest size compiled for, 0 if unbounded;
                       static: the size */
  const char *name; /* dynamic: its name ("batch", "sequence"), may be "";
                       static: "" */
} tsr_dim_info_t;
TSR_API tsr_status_t tsr_module_tensor_dim(const tsr_module_t *module, size_t function,
                                           tsr_io_t io, size_t index, size_t dim,
                                           tsr_dim_info_t *out_dim);

/* Named byte strings the compiler stored for the tools, such as the
 * tokenizer: "tokenizer.kind" ("llama2c", "sentencepiece", "gpt2",
 * "wordpiece"), "tokenizer.file" (the vocabulary file's bytes) and, for
 * gpt2, "tokenizer.merges". The bytes are owned by the module.
 * tsr_module_metadata gives TSR_STATUS_NOT_FOUND when `key` is absent. */
TSR_API tsr_status_t tsr_module_metadata_count(const tsr_module_t *module, size_t *out_count);
TSR_API tsr_status_t tsr_module_metadata_key(const tsr_module_t *module, size_t index,
                                             const char **out_key);
TSR_API tsr_status_t tsr_module_metadata(const tsr_module_t *module, const char *key,
                                         const void **out_data, size_t *out_size);

/* The state (a KV cache the session keeps between runs, see
 * tsr_session_run_with_state) that input or output `index` of `function`
 * is, or NULL when it is an ordinary tensor the caller passes. */
TSR_API tsr_status_t tsr_module_tensor_state(const tsr_module_t *module, size_t function,
                                             tsr_io_t io, size_t index,
                                             const char **out_state_name);

/* ---- Sessions and running --------------------------------------------- */

typedef struct tsr_session_s tsr_session_t;

/* A session owns what one run at a time needs: a 64-byte aligned scratch
 * arena, the scalar table and a thread pool of `num_threads` threads, the
 * calling thread included (0: one per CPU this process may run on). */
TSR_API tsr_status_t tsr_session_create(const tsr_module_t *module, uint32_t num_threads,
                                        tsr_session_t **out_session);
TSR_API void tsr_session_free(tsr_session_t *session);
/* The pool's size; 1 for a CUDA session (the calling thread, which runs the
 * shape functions and enqueues the device's work). */
TSR_API tsr_status_t tsr_session_thread_count(const tsr_session_t *session,
                                              uint32_t *out_num_threads);

/* How tsr_session_create_with_options makes a session. Fill it with
 * tsr_session_options_init, then change what differs. */
typedef struct tsr_session_options_t {
  tsr_device_kind_t device; /* TSR_DEVICE_CPU (default) or TSR_DEVICE_CUDA */
  uint32_t device_index;    /* CUDA: the GPU's ordinal, as cuDeviceGet counts (0) */
  uint32_t num_threads;     /* CPU: as tsr_session_create's (0: one per CPU) */
} tsr_session_options_t;

/* The defaults: CPU, device 0, one thread per CPU. */
TSR_API void tsr_session_options_init(tsr_session_options_t *options);

/* tsr_session_create on the chosen device. The module must hold code for
 * that kind of device (tsr_module_supports_device): otherwise
 * TSR_STATUS_INVALID_ARGUMENT, naming the module's target. A session runs
 * the module's code for its device: on a module compiled for the CPU and
 * CUDA, a CPU session runs the CPU's kernels, a CUDA session the PTX, both
 * reading the module's one copy of the weights.
 *
 * A CUDA session retains the device's primary context and owns a stream, the
 * module's PTX loaded there (JIT-compiled by the driver), a copy of every
 * weight the module's functions read, the arena (at the largest arena_size
 * of any function) and staging buffers for inputs and outputs, which grow to
 * the largest run's sizes. A run copies the inputs host to device, launches
 * the dispatches in order on the stream, copies the outputs back and
 * waits: on return the outputs hold their results, as on the CPU. States
 * (tsr_session_run_with_state) live in device memory. Without a usable
 * driver or device, creation fails with TSR_STATUS_UNAVAILABLE, and the
 * message says which ("CUDA: libcuda.so.1 not found (dlopen: ...): no
 * NVIDIA driver on this machine", "CUDA: cuInit failed: CUDA_ERROR_...");
 * PTX the driver cannot compile gives TSR_STATUS_INVALID_MODULE with the
 * JIT's error log. */
TSR_API tsr_status_t tsr_session_create_with_options(const tsr_module_t *module,
                                                     const tsr_session_options_t *options,
                                                     tsr_session_t **out_session);

/* The device the session runs on, and (may be NULL) a description of it:
 * "cpu (N threads)" or "CUDA device 0 (NVIDIA H200, sm_90)", valid until
 * the session is freed. */
TSR_API tsr_status_t tsr_session_device(const tsr_session_t *session,
                                        tsr_device_kind_t *out_kind,
                                        const char **out_description);

/* Per-dispatch wall time, off by default (on, every dispatch reads the clock
 * twice). Turning it on clears what was accumulated. */
TSR_API tsr_status_t tsr_session_set_profiling(tsr_session_t *session, int enabled);
/* What profiling accumulated for dispatch `index` of `function` over every run
 * since it was turned on: the dispatch's name (owned by the module), its total
 * time in nanoseconds and how many times it ran. `*out_num_dispatches` (may be
 * NULL) receives the function's dispatch count. */
TSR_API tsr_status_t tsr_session_dispatch_profile(const tsr_session_t *session, size_t function,
                                                  size_t index, const char **out_name,
                                                  uint64_t *out_nanoseconds,
                                                  uint64_t *out_calls,
                                                  size_t *out_num_dispatches);

/* An input: dims (`rank` entries, row-major, C order) and bytes, both owned
 * by the caller. `data` and `byte_size` are ignored by
 * tsr_session_resolve_outputs. */
typedef struct tsr_input_t {
  tsr_dtype_t dtype;
  size_t rank;
  const int64_t *dims;
  const void *data;
  size_t byte_size; /* must equal product(dims) * dtype size */
} tsr_input_t;

/* An output: the caller provides `dims` with `rank` entries (the rank from
 * tsr_module_tensor_info) and, for a run, `capacity` bytes at `data`. The
 * runtime fills in `dims` and `byte_size`. */
typedef struct tsr_output_t {
  void *data;
  size_t capacity;
  size_t rank;
  int64_t *dims;
  size_t byte_size;
} tsr_output_t;

/* Validates the inputs' dtypes and dims, runs the function's shape checks and
 * fills in each output's dims and byte_size, without running any kernel: how
 * a caller learns how large the output buffers must be. */
TSR_API tsr_status_t tsr_session_resolve_outputs(tsr_session_t *session, size_t function,
                                                 const tsr_input_t *inputs, size_t num_inputs,
                                                 tsr_output_t *outputs, size_t num_outputs);

/* Everything tsr_session_resolve_outputs does, plus the input byte sizes and
 * output capacities, then runs the function's dispatches in order. On
 * success every output holds its result; on failure the outputs' contents
 * are unspecified. */
TSR_API tsr_status_t tsr_session_run(tsr_session_t *session, size_t function,
                                     const tsr_input_t *inputs, size_t num_inputs,
                                     tsr_output_t *outputs, size_t num_outputs);

/* ---- State kept by the session (KV caches) --------------------------- */

/* Like tsr_session_run, but the function's state tensors (those
 * tsr_module_tensor_state names) are bound by the session: `inputs` and
 * `outputs` list only the other tensors, in signature order. The state's
 * current value is read and its next value written into a second buffer;
 * both are allocated by the first run that produces the state, at the
 * compiled maximum of its length axis, and reused until the session is
 * freed. A failed run leaves the state as it was. A function that reads a
 * state nothing has produced since creation or tsr_session_reset_state
 * fails with TSR_STATUS_FAILED_PRECONDITION. */
TSR_API tsr_status_t tsr_session_run_with_state(tsr_session_t *session, size_t function,
                                                const tsr_input_t *inputs, size_t num_inputs,
                                                tsr_output_t *outputs, size_t num_outputs);
/* Forgets every state (the buffers are kept for the next sequence). */
TSR_API tsr_status_t tsr_session_reset_state(tsr_session_t *session);
/* The current size of the states' length axis (the cached sequence
 * length); 0 when no state holds a value. */
TSR_API tsr_status_t tsr_session_state_length(const tsr_session_t *session,
                                              int64_t *out_length);

#ifdef __cplusplus
}
#endif

#endif /* TESSERA_RUNTIME_H */
