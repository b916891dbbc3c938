//===- NarrowTypes.h - .npy files for the one-byte narrow types -----------===//
//
// .npy has no 8-bit or 4-bit floats and no 4-bit or 2-bit integers. The
// floats travel as uint8 files of their bits; the integers as int8 (signed)
// or uint8 (unsigned) files of their values.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_TOOLS_TESSERA_RUN_NARROWTYPES_H
#define TESSERA_TOOLS_TESSERA_RUN_NARROWTYPES_H

#include "tessera/runtime.h"
#include "tools/common/Npy.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace tessera::tools {

/// The .npy type that holds a narrow dtype; false for the other dtypes.
bool narrowNpyType(tsr_dtype_t dtype, NpyDType &out);

/// Checks that every element of a narrow-typed input fits its type (a 4-bit
/// integer in [-8, 7], a 4-bit float's bits in [0, 15], ...); names the
/// first one that does not.
bool checkNarrowInput(tsr_dtype_t dtype, const uint8_t *data, size_t count,
                      const std::string &name, std::string &error);

/// Makes a narrow-typed output what its .npy file says: the generated code
/// leaves the high bits of a sub-byte element unspecified, so they become
/// the sign extension (signed integers) or zeros.
void normalizeNarrowOutput(tsr_dtype_t dtype, uint8_t *data, size_t count);

} // namespace tessera::tools

#endif
