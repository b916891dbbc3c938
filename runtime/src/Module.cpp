//===- Module.cpp - loading and freeing modules ---------------------------===//

#include "Module.h"

#include "Status.h"

#include <algorithm>
#include <memory>
#include <string>

namespace tessera::runtime {
namespace {

using flatbuffers::uoffset_t;

bool hasShapeFunction(const fb::Function &fn) {
  return fn.shape_function() && fn.shape_function()->size() != 0;
}

/// "the kernel object", or "the kernel object of target 'cuda:sm_90'" for
/// another target's, in messages.
std::string objectName(const LoadedCode &code) {
  std::string name = "the kernel object";
  return code.fb.other ? name + " of target '" + code.fb.targetName() + "'" : name;
}

tsr_status_t resolveSymbols(const tsr_module_s &module, LoadedCode &code) {
  // CUDA code's kernels are PTX entries, found when a session loads the
  // PTX; its kernel object holds only the shape functions.
  size_t numKernelSymbols = code.fb.isCuda() ? 0 : count(code.fb.kernels);
  size_t numSymbols = numKernelSymbols;
  for (const LoadedFunction &fn : code.functions)
    numSymbols += hasShapeFunction(*fn.fb);
  if (numSymbols == 0)
    return nullptr; // nothing to call: the kernel object is not needed

  const fb::Segment &object = *module.root->segments()->Get(uoffset_t(code.fb.kernelObject));
  if (object.size() == 0)
    return error(TSR_STATUS_INVALID_MODULE, "invalid module: ", objectName(code),
                 " is empty, but ", numSymbols,
                 " kernels and shape functions are to be found in it");
  TSR_RETURN_IF_ERROR(
      code.library.open(module.segments[size_t(code.fb.kernelObject)], object.size()));

  for (size_t i = 0; i < numKernelSymbols; ++i) {
    void *address = nullptr;
    TSR_RETURN_IF_ERROR(code.library.lookup(code.fb.kernels->Get(uoffset_t(i))->c_str(),
                                            "kernel " + std::to_string(i), &address));
    code.kernels.push_back(reinterpret_cast<tessera_kernel_fn>(address));
  }
  for (LoadedFunction &fn : code.functions) {
    if (!hasShapeFunction(*fn.fb))
      continue;
    void *address = nullptr;
    TSR_RETURN_IF_ERROR(code.library.lookup(fn.fb->shape_function()->c_str(),
                                            std::string("the shape function of '") + fn.name +
                                                "'",
                                            &address));
    fn.shapeFunction = reinterpret_cast<tessera_shape_fn>(address);
  }
  return nullptr;
}

/// One target's functions and their largest needs. `states` are the
/// primary's, which every target's functions share (verified).
void collectFunctions(LoadedCode &code, const std::vector<FunctionStates> &states) {
  for (size_t i = 0; i < count(code.fb.functions); ++i) {
    const fb::Function *fn = code.fb.functions->Get(uoffset_t(i));
    code.functions.push_back({fn, fn->name()->c_str(), nullptr, states[i]});
    code.maxArenaSize = std::max(code.maxArenaSize, fn->arena_size());
    code.maxScalars = std::max(code.maxScalars, fn->num_scalars());
    for (size_t d = 0; d < count(fn->dispatches()); ++d) {
      const fb::Dispatch *dispatch = fn->dispatches()->Get(uoffset_t(d));
      code.maxBindings = std::max(code.maxBindings, count(dispatch->bindings()));
      code.maxPushConstants =
          std::max(code.maxPushConstants, count(dispatch->push_constants()));
    }
  }
}

} // namespace

tsr_status_t loadModule(ModuleBytes bytes, tsr_module_t **out_module) {
  auto module = std::make_unique<tsr_module_s>();
  module->bytes = std::move(bytes);
  TSR_RETURN_IF_ERROR(verifyModule(module->bytes.data(), module->bytes.size(), &module->root));
  const fb::Module &root = *module->root;

  for (size_t i = 0; i < count(root.segments()); ++i)
    module->segments.push_back(module->bytes.data() +
                               root.segments()->Get(uoffset_t(i))->offset());
  std::vector<FunctionStates> functionStates;
  TSR_RETURN_IF_ERROR(collectStates(root.functions(), module->states, functionStates));
  for (const CodeTables &tables : moduleCode(root)) {
    module->code.push_back(std::make_unique<LoadedCode>());
    LoadedCode &code = *module->code.back();
    code.fb = tables;
    collectFunctions(code, functionStates);
    TSR_RETURN_IF_ERROR(resolveSymbols(*module, code));
  }
  *out_module = module.release();
  return nullptr;
}

} // namespace tessera::runtime

using namespace tessera::runtime;

extern "C" {

TSR_API tsr_status_t tsr_module_load_file(const char *path, tsr_module_t **out_module) {
  return guard([&]() -> tsr_status_t {
    if (!path || !out_module)
      return error(TSR_STATUS_INVALID_ARGUMENT, "tsr_module_load_file: path and out_module ",
                   "must not be NULL");
    ModuleBytes bytes;
    TSR_RETURN_IF_ERROR(ModuleBytes::mapFile(path, bytes));
    return annotate(loadModule(std::move(bytes), out_module), std::string(path) + ": ");
  });
}

TSR_API tsr_status_t tsr_module_load_memory(const void *data, size_t size, uint32_t flags,
                                            tsr_module_t **out_module) {
  return guard([&]() -> tsr_status_t {
    if (!data || !out_module)
      return error(TSR_STATUS_INVALID_ARGUMENT, "tsr_module_load_memory: data and out_module ",
                   "must not be NULL");
    if (flags & ~uint32_t(TSR_MODULE_LOAD_BORROW))
      return error(TSR_STATUS_INVALID_ARGUMENT, "tsr_module_load_memory: unknown flag bits ",
                   flags & ~uint32_t(TSR_MODULE_LOAD_BORROW));
    ModuleBytes bytes;
    if (flags & TSR_MODULE_LOAD_BORROW)
      TSR_RETURN_IF_ERROR(ModuleBytes::borrow(data, size, bytes));
    else
      TSR_RETURN_IF_ERROR(ModuleBytes::copy(data, size, bytes));
    return loadModule(std::move(bytes), out_module);
  });
}

TSR_API void tsr_module_free(tsr_module_t *module) { delete module; }

} // extern "C"
