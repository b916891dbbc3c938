//===- ModuleWriter.h - write a .tsr module ---------------------*- C++ -*-===//
//
// The compiler's last step: a plain description of what was compiled (no MLIR
// types) serialized as runtime/schema/module.fbs, followed by the kernel
// object and the weights as 64-byte aligned segments.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_CODEGEN_MODULE_MODULEWRITER_H
#define TESSERA_CODEGEN_MODULE_MODULEWRITER_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tessera::module {

/// Mirrors module.fbs's DType.
enum class DType : int8_t {
  f32 = 0, f16, bf16, f64, i64, i32, i16, i8, u8, bool_, u16, u32, u64,
  f8e4m3fn, f8e4m3fnuz, f8e5m2, f8e5m2fnuz, f8e8m0, f4e2m1, i4, u4, i2, u2
};

/// A static size (slot < 0) or scalar slot `slot`, with `value` its compiled
/// maximum.
struct DimDesc {
  int64_t value = 0;
  int32_t slot = -1;
};

struct TensorSigDesc {
  std::string name;
  DType dtype = DType::f32;
  std::vector<DimDesc> dims;
  std::vector<std::string> dimNames; // one per dim, "" for static ones
  int32_t buffer = -1;
};

enum class BufferKind : int8_t { input = 0, output, constant, arena };

struct BufferDesc {
  BufferKind kind = BufferKind::arena;
  int32_t index = 0;   // input/output index; constant: index into weights
  int64_t offset = 0;  // arena offset
  int64_t size = 0;    // bytes at the compiled maximum
};

struct BindingDesc {
  int32_t buffer = 0;
  int64_t offset = 0;
};

struct DispatchDesc {
  std::string name;
  int32_t kernel = 0; // index into its target's kernels
  DimDesc workgroupCount[3];
  std::vector<BindingDesc> bindings;
  std::vector<int32_t> pushConstants;
  /// CUDA only: threads per workgroup (thread block); empty for CPU.
  std::vector<int32_t> workgroupSize;
};

/// A tensor the runtime session carries between calls (module.fbs State).
struct StateDesc {
  std::string name;
  int32_t input = -1;  // -1: the function only produces the state
  int32_t output = -1; // -1: the function only reads it
  int32_t lengthAxis = 0;
};

struct FunctionDesc {
  std::string name;
  std::vector<TensorSigDesc> inputs, outputs;
  int32_t numScalars = 0;
  std::string shapeFunction; // "" when every dim is static
  std::vector<std::string> checks;
  std::vector<BufferDesc> buffers;
  int64_t arenaSize = 0;
  std::vector<DispatchDesc> dispatches;
  std::vector<StateDesc> states;
};

/// A named byte string stored for the tools (module.fbs Metadata).
struct MetadataDesc {
  std::string key;
  std::string value;
};

/// One target's code (module.fbs's root fields, or a TargetCode).
struct TargetDesc {
  std::string target;
  std::vector<std::string> kernels;
  /// The ELF shared object holding every kernel and shape function.
  llvm::ArrayRef<char> kernelObject;
  std::vector<FunctionDesc> functions;
  /// CUDA code: PTX text (NUL-terminated) holding every kernel, for
  /// `cudaArch`; the kernel object then holds only the shape functions.
  /// Empty for CPU code.
  llvm::ArrayRef<char> cudaPtx;
  std::string cudaArch;
};

/// The primary target's code, as the base, and everything the targets share.
struct ModuleDesc : TargetDesc {
  std::string producer;
  /// Weight bytes, already in the layout the kernels read; referenced by
  /// constant buffers (of every target) through their index here. Not
  /// copied before writing.
  std::vector<llvm::ArrayRef<char>> weights;
  std::vector<MetadataDesc> metadata;
  /// A module for several targets: the same functions compiled for other
  /// devices (module.fbs Module.other_targets).
  std::vector<TargetDesc> otherTargets;
};

/// Writes `desc` to `path`: the size-prefixed FlatBuffer, then the kernel
/// object, every weight, the PTX and the other targets' code objects as
/// segments at 64-byte aligned file offsets.
llvm::Error writeModule(const ModuleDesc &desc, llvm::StringRef path);

} // namespace tessera::module

#endif // TESSERA_CODEGEN_MODULE_MODULEWRITER_H
