//===- ModuleInfo.cpp - inspecting a module's functions and signatures ----===//
//
// All strings handed out point into the module's verified FlatBuffer, whose
// strings are NUL-terminated: they live exactly as long as the module.
//
//===----------------------------------------------------------------------===//

#include "Module.h"

#include "Status.h"

#include <cstring>
#include <string>

namespace tessera::runtime {
namespace {

using flatbuffers::uoffset_t;

const char *str(const flatbuffers::String *s) { return s ? s->c_str() : ""; }

tsr_status_t getFunction(const tsr_module_t *module, size_t function, const char *api,
                         const LoadedFunction **out) {
  if (!module)
    return error(TSR_STATUS_INVALID_ARGUMENT, api, ": module is NULL");
  const std::vector<LoadedFunction> &functions = module->primary().functions;
  if (function >= functions.size())
    return error(TSR_STATUS_OUT_OF_RANGE, api, ": function ", function,
                 " does not exist; the module has ", functions.size(), " functions");
  *out = &functions[function];
  return nullptr;
}

tsr_status_t getTensor(const tsr_module_t *module, size_t function, tsr_io_t io, size_t index,
                       const char *api, const fb::TensorSig **out) {
  const LoadedFunction *fn = nullptr;
  TSR_RETURN_IF_ERROR(getFunction(module, function, api, &fn));
  if (io != TSR_IO_INPUT && io != TSR_IO_OUTPUT)
    return error(TSR_STATUS_INVALID_ARGUMENT, api, ": io must be TSR_IO_INPUT or TSR_IO_OUTPUT");
  const auto *tensors = io == TSR_IO_INPUT ? fn->fb->inputs() : fn->fb->outputs();
  const char *role = io == TSR_IO_INPUT ? "input" : "output";
  if (index >= count(tensors))
    return error(TSR_STATUS_OUT_OF_RANGE, api, ": function '", fn->name, "' has no ", role,
                 " ", index, "; it has ", count(tensors));
  *out = tensors->Get(uoffset_t(index));
  return nullptr;
}

} // namespace
} // namespace tessera::runtime

using namespace tessera::runtime;

extern "C" {

TSR_API tsr_status_t tsr_module_info(const tsr_module_t *module, tsr_module_info_t *out_info) {
  if (!module || !out_info)
    return error(TSR_STATUS_INVALID_ARGUMENT, "tsr_module_info: module and out_info must not ",
                 "be NULL");
  out_info->producer = str(module->root->producer());
  out_info->target = str(module->root->target());
  out_info->num_functions = module->primary().functions.size();
  return nullptr;
}

TSR_API tsr_status_t tsr_module_device_kind(const tsr_module_t *module,
                                            tsr_device_kind_t *out_kind) {
  if (!module || !out_kind)
    return error(TSR_STATUS_INVALID_ARGUMENT, "tsr_module_device_kind: module and out_kind ",
                 "must not be NULL");
  *out_kind = module->primary().fb.device();
  return nullptr;
}

TSR_API tsr_status_t tsr_module_supports_device(const tsr_module_t *module,
                                                tsr_device_kind_t kind, int *out_supported) {
  if (!module || !out_supported)
    return error(TSR_STATUS_INVALID_ARGUMENT, "tsr_module_supports_device: module and ",
                 "out_supported must not be NULL");
  if (kind != TSR_DEVICE_CPU && kind != TSR_DEVICE_CUDA)
    return error(TSR_STATUS_INVALID_ARGUMENT, "tsr_module_supports_device: unknown device ",
                 int(kind), " (TSR_DEVICE_CPU is 0, TSR_DEVICE_CUDA 1)");
  *out_supported = module->codeFor(kind) != nullptr;
  return nullptr;
}

TSR_API tsr_status_t tsr_module_function_name(const tsr_module_t *module, size_t function,
                                              const char **out_name) {
  const LoadedFunction *fn = nullptr;
  TSR_RETURN_IF_ERROR(getFunction(module, function, "tsr_module_function_name", &fn));
  if (!out_name)
    return error(TSR_STATUS_INVALID_ARGUMENT, "tsr_module_function_name: out_name is NULL");
  *out_name = fn->name;
  return nullptr;
}

TSR_API tsr_status_t tsr_module_find_function(const tsr_module_t *module, const char *name,
                                              size_t *out_function) {
  return guard([&]() -> tsr_status_t {
    if (!module || !name || !out_function)
      return error(TSR_STATUS_INVALID_ARGUMENT, "tsr_module_find_function: module, name and ",
                   "out_function must not be NULL");
    std::string known;
    const std::vector<LoadedFunction> &functions = module->primary().functions;
    for (size_t i = 0; i < functions.size(); ++i) {
      if (std::strcmp(functions[i].name, name) == 0) {
        *out_function = i;
        return nullptr;
      }
      known += (i ? ", '" : "'") + std::string(functions[i].name) + "'";
    }
    return error(TSR_STATUS_NOT_FOUND, "the module has no function '", name, "'; it has ",
                 known.empty() ? "none" : known);
  });
}

TSR_API tsr_status_t tsr_module_function_arity(const tsr_module_t *module, size_t function,
                                               size_t *out_num_inputs, size_t *out_num_outputs) {
  const LoadedFunction *fn = nullptr;
  TSR_RETURN_IF_ERROR(getFunction(module, function, "tsr_module_function_arity", &fn));
  if (!out_num_inputs || !out_num_outputs)
    return error(TSR_STATUS_INVALID_ARGUMENT, "tsr_module_function_arity: out_num_inputs and ",
                 "out_num_outputs must not be NULL");
  *out_num_inputs = count(fn->fb->inputs());
  *out_num_outputs = count(fn->fb->outputs());
  return nullptr;
}

TSR_API tsr_status_t tsr_module_tensor_info(const tsr_module_t *module, size_t function,
                                            tsr_io_t io, size_t index,
                                            tsr_tensor_info_t *out_info) {
  const fb::TensorSig *sig = nullptr;
  TSR_RETURN_IF_ERROR(getTensor(module, function, io, index, "tsr_module_tensor_info", &sig));
  if (!out_info)
    return error(TSR_STATUS_INVALID_ARGUMENT, "tsr_module_tensor_info: out_info is NULL");
  out_info->name = str(sig->name());
  out_info->dtype = tsr_dtype_t(sig->dtype());
  out_info->rank = count(sig->dims());
  return nullptr;
}

TSR_API tsr_status_t tsr_module_tensor_dim(const tsr_module_t *module, size_t function,
                                           tsr_io_t io, size_t index, size_t dim,
                                           tsr_dim_info_t *out_dim) {
  const fb::TensorSig *sig = nullptr;
  TSR_RETURN_IF_ERROR(getTensor(module, function, io, index, "tsr_module_tensor_dim", &sig));
  if (!out_dim)
    return error(TSR_STATUS_INVALID_ARGUMENT, "tsr_module_tensor_dim: out_dim is NULL");
  if (dim >= count(sig->dims()))
    return error(TSR_STATUS_OUT_OF_RANGE, "tsr_module_tensor_dim: '", str(sig->name()),
                 "' has rank ", count(sig->dims()), ", there is no dim ", dim);
  const fb::Dim *d = sig->dims()->Get(uoffset_t(dim));
  bool dynamic = d->slot() >= 0;
  out_dim->size = dynamic ? -1 : d->value();
  out_dim->max = d->value();
  out_dim->name = dynamic && sig->dim_names() ? sig->dim_names()->Get(uoffset_t(dim))->c_str()
                                              : "";
  return nullptr;
}

TSR_API tsr_status_t tsr_module_metadata_count(const tsr_module_t *module, size_t *out_count) {
  if (!module || !out_count)
    return error(TSR_STATUS_INVALID_ARGUMENT, "tsr_module_metadata_count: module and ",
                 "out_count must not be NULL");
  *out_count = count(module->root->metadata());
  return nullptr;
}

TSR_API tsr_status_t tsr_module_metadata_key(const tsr_module_t *module, size_t index,
                                             const char **out_key) {
  if (!module || !out_key)
    return error(TSR_STATUS_INVALID_ARGUMENT, "tsr_module_metadata_key: module and out_key ",
                 "must not be NULL");
  size_t n = count(module->root->metadata());
  if (index >= n)
    return error(TSR_STATUS_OUT_OF_RANGE, "tsr_module_metadata_key: entry ", index, " of ", n);
  *out_key = module->root->metadata()->Get(uoffset_t(index))->key()->c_str();
  return nullptr;
}

TSR_API tsr_status_t tsr_module_metadata(const tsr_module_t *module, const char *key,
                                         const void **out_data, size_t *out_size) {
  if (!module || !key || !out_data || !out_size)
    return error(TSR_STATUS_INVALID_ARGUMENT, "tsr_module_metadata: module, key, out_data ",
                 "and out_size must not be NULL");
  std::string keys;
  for (size_t i = 0; i < count(module->root->metadata()); ++i) {
    const fb::Metadata &entry = *module->root->metadata()->Get(uoffset_t(i));
    if (std::strcmp(entry.key()->c_str(), key) == 0) {
      // An empty value may be a null vector; hand out a valid pointer anyway.
      static const uint8_t kEmpty = 0;
      *out_data = entry.value() && entry.value()->size() ? entry.value()->data() : &kEmpty;
      *out_size = entry.value() ? entry.value()->size() : 0;
      return nullptr;
    }
    keys += (i ? ", '" : "'") + entry.key()->str() + "'";
  }
  return error(TSR_STATUS_NOT_FOUND, "the module has no metadata '", key, "' (it has ",
               keys.empty() ? std::string("none") : keys, ")");
}

} // extern "C"
