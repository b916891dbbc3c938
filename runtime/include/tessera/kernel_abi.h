/* kernel_abi.h - how generated kernels are called; shared, unchanged, by the
 * compiler (which generates code to this ABI) and the runtime (which calls
 * it). Plain C, no dependencies. Bump TESSERA_KERNEL_ABI_VERSION on any
 * change: the runtime refuses a module built for another version. */
#ifndef TESSERA_KERNEL_ABI_H
#define TESSERA_KERNEL_ABI_H

#include <stdint.h>

#define TESSERA_KERNEL_ABI_VERSION 1u
#define TESSERA_MODULE_SCHEMA_VERSION 1u
/* Buffers (arena, inputs and outputs the runtime allocates, weight segments)
 * are aligned to this many bytes. */
#define TESSERA_BUFFER_ALIGNMENT 64u

#ifdef __cplusplus
extern "C" {
#endif

/* One workgroup of one dispatch. `bindings[i]` is the base address of the
 * dispatch's binding i (buffer start + binding offset), `push_constants[i]`
 * the value of its scalar slot i. The runtime calls the kernel once per
 * workgroup id in [0, count) on each axis, from any of its threads, in any
 * order; workgroups of one dispatch never write the same bytes. */
typedef void (*tessera_kernel_fn)(void *const *bindings,
                                  const int64_t *push_constants,
                                  int64_t workgroup_x, int64_t workgroup_y,
                                  int64_t workgroup_z);

/* Fills the derived scalar slots of a function from the input dims the
 * runtime wrote into their slots. Returns 0, or 1 + the index of the first
 * failed check (Function.checks in the module). */
typedef int32_t (*tessera_shape_fn)(int64_t *scalars);

#ifdef __cplusplus
}
#endif

#endif /* TESSERA_KERNEL_ABI_H */
