//===- Session.cpp - sessions: creation and the run entry points ----------===//

#include "Session.h"

#include "Dispatch.h"
#include "Shapes.h"
#include "Status.h"

#include "tessera/kernel_abi.h"

namespace tessera::runtime {
namespace {

const char *deviceName(tsr_device_kind_t kind) {
  return kind == TSR_DEVICE_CUDA ? "CUDA" : kind == TSR_DEVICE_CPU ? "CPU" : "unknown";
}

tsr_status_t createSession(const tsr_module_t *module, const tsr_session_options_t &options,
                           tsr_session_t **out_session) {
  if (options.device != TSR_DEVICE_CPU && options.device != TSR_DEVICE_CUDA)
    return error(TSR_STATUS_INVALID_ARGUMENT, "tsr_session_create_with_options: unknown device ",
                 int(options.device), " (TSR_DEVICE_CPU is 0, TSR_DEVICE_CUDA 1)");
  const LoadedCode *code = module->codeFor(options.device);
  if (!code) {
    // With two kinds of device, only a single-target module lacks one's
    // code: the message names the one it has.
    const LoadedCode &primary = module->primary();
    tsr_device_kind_t kind = primary.fb.device();
    return error(TSR_STATUS_INVALID_ARGUMENT, "the module's target is '",
                 primary.fb.targetName(), "', a ", deviceName(kind),
                 " module, so it cannot run on the ", deviceName(options.device),
                 " device: create the session on ",
                 kind == TSR_DEVICE_CUDA ? "TSR_DEVICE_CUDA" : "TSR_DEVICE_CPU",
                 " or compile the model for ",
                 options.device == TSR_DEVICE_CUDA ? "a cuda:<arch> target (alone or "
                                                     "with cpu: --target=cpu,cuda:<arch>)"
                                                   : "the CPU");
  }
  auto session = std::make_unique<tsr_session_s>();
  session->module = module;
  session->code = code;
  session->device = options.device;
  if (options.device == TSR_DEVICE_CUDA) {
    // The device holds the arena, weights, inputs and outputs; the host
    // only the scalar table, on the calling thread.
    TSR_RETURN_IF_ERROR(
        cuda::CudaSession::create(*module, *code, options.device_index, session->cuda));
    session->description = session->cuda->description();
  } else if (code->maxArenaSize > 0) {
    size_t size = (size_t(code->maxArenaSize) + TESSERA_BUFFER_ALIGNMENT - 1) &
                  ~size_t(TESSERA_BUFFER_ALIGNMENT - 1);
    void *arena = nullptr;
    if (size < size_t(code->maxArenaSize) ||
        posix_memalign(&arena, TESSERA_BUFFER_ALIGNMENT, size) != 0)
      return error(TSR_STATUS_RESOURCE_EXHAUSTED, "cannot allocate the session's ",
                   code->maxArenaSize, "-byte arena");
    session->arena.reset(static_cast<uint8_t *>(arena));
  }
  session->scalars.assign(size_t(code->maxScalars), 0);
  session->slotSources.assign(size_t(code->maxScalars), SlotSource());
  if (!session->cuda) {
    session->bindings.assign(code->maxBindings, nullptr);
    session->pushConstants.assign(code->maxPushConstants, 0);
  }
  session->states.resize(module->states.size());
  TSR_RETURN_IF_ERROR(session->pool.start(session->cuda ? 1 : options.num_threads));
  if (!session->cuda)
    session->description = "cpu (" + std::to_string(session->pool.size()) + " thread" +
                           (session->pool.size() == 1 ? ")" : "s)");
  *out_session = session.release();
  return nullptr;
}

tsr_status_t getFunction(tsr_session_t *session, size_t function, const char *api,
                         const LoadedFunction **out) {
  if (!session)
    return error(TSR_STATUS_INVALID_ARGUMENT, api, ": session is NULL");
  const auto &functions = session->code->functions;
  if (function >= functions.size())
    return error(TSR_STATUS_OUT_OF_RANGE, api, ": function ", function,
                 " does not exist; the module has ", functions.size(), " functions");
  *out = &functions[function];
  return nullptr;
}

} // namespace
} // namespace tessera::runtime

using namespace tessera::runtime;

extern "C" {

TSR_API tsr_status_t tsr_session_create(const tsr_module_t *module, uint32_t num_threads,
                                        tsr_session_t **out_session) {
  if (!module || !out_session)
    return error(TSR_STATUS_INVALID_ARGUMENT, "tsr_session_create: module and out_session ",
                 "must not be NULL");
  tsr_session_options_t options;
  tsr_session_options_init(&options);
  options.num_threads = num_threads;
  return guard([&] { return createSession(module, options, out_session); });
}

TSR_API void tsr_session_options_init(tsr_session_options_t *options) {
  if (options)
    *options = tsr_session_options_t{TSR_DEVICE_CPU, 0, 0};
}

TSR_API tsr_status_t tsr_session_create_with_options(const tsr_module_t *module,
                                                     const tsr_session_options_t *options,
                                                     tsr_session_t **out_session) {
  if (!module || !options || !out_session)
    return error(TSR_STATUS_INVALID_ARGUMENT, "tsr_session_create_with_options: module, ",
                 "options and out_session must not be NULL");
  return guard([&] { return createSession(module, *options, out_session); });
}

TSR_API tsr_status_t tsr_session_device(const tsr_session_t *session,
                                        tsr_device_kind_t *out_kind,
                                        const char **out_description) {
  if (!session || !out_kind)
    return error(TSR_STATUS_INVALID_ARGUMENT, "tsr_session_device: session and out_kind ",
                 "must not be NULL");
  *out_kind = session->device;
  if (out_description)
    *out_description = session->description.c_str();
  return nullptr;
}

TSR_API void tsr_session_free(tsr_session_t *session) { delete session; }

TSR_API tsr_status_t tsr_session_thread_count(const tsr_session_t *session,
                                              uint32_t *out_num_threads) {
  if (!session || !out_num_threads)
    return error(TSR_STATUS_INVALID_ARGUMENT, "tsr_session_thread_count: session and ",
                 "out_num_threads must not be NULL");
  *out_num_threads = session->pool.size();
  return nullptr;
}

TSR_API tsr_status_t tsr_session_set_profiling(tsr_session_t *session, int enabled) {
  if (!session)
    return error(TSR_STATUS_INVALID_ARGUMENT, "tsr_session_set_profiling: session is NULL");
  session->profiling = enabled != 0;
  session->profile.clear();
  return nullptr;
}

TSR_API tsr_status_t tsr_session_dispatch_profile(const tsr_session_t *session, size_t function,
                                                  size_t index, const char **out_name,
                                                  uint64_t *out_nanoseconds,
                                                  uint64_t *out_calls,
                                                  size_t *out_num_dispatches) {
  if (!session || !out_name || !out_nanoseconds || !out_calls)
    return error(TSR_STATUS_INVALID_ARGUMENT, "tsr_session_dispatch_profile: session, ",
                 "out_name, out_nanoseconds and out_calls must not be NULL");
  const std::vector<LoadedFunction> &functions = session->code->functions;
  if (function >= functions.size())
    return error(TSR_STATUS_OUT_OF_RANGE, "tsr_session_dispatch_profile: function ", function,
                 " of ", functions.size());
  const fb::Function &fn = *functions[function].fb;
  size_t dispatches = count(fn.dispatches());
  if (out_num_dispatches)
    *out_num_dispatches = dispatches;
  if (index >= dispatches)
    return error(TSR_STATUS_OUT_OF_RANGE, "tsr_session_dispatch_profile: dispatch ", index,
                 " of ", dispatches);
  const fb::Dispatch &dispatch = *fn.dispatches()->Get(flatbuffers::uoffset_t(index));
  *out_name = dispatch.name() ? dispatch.name()->c_str() : "";
  *out_nanoseconds = 0;
  *out_calls = 0;
  if (function < session->profile.size() && index < session->profile[function].size()) {
    *out_nanoseconds = session->profile[function][index].first;
    *out_calls = session->profile[function][index].second;
  }
  return nullptr;
}

TSR_API tsr_status_t tsr_session_resolve_outputs(tsr_session_t *session, size_t function,
                                                 const tsr_input_t *inputs, size_t num_inputs,
                                                 tsr_output_t *outputs, size_t num_outputs) {
  return guard([&]() -> tsr_status_t {
    const LoadedFunction *fn = nullptr;
    TSR_RETURN_IF_ERROR(getFunction(session, function, "tsr_session_resolve_outputs", &fn));
    return resolveShapes(*session, *fn, inputs, num_inputs, outputs, num_outputs,
                         /*forRun=*/false);
  });
}

TSR_API tsr_status_t tsr_session_run(tsr_session_t *session, size_t function,
                                     const tsr_input_t *inputs, size_t num_inputs,
                                     tsr_output_t *outputs, size_t num_outputs) {
  return guard([&]() -> tsr_status_t {
    const LoadedFunction *fn = nullptr;
    TSR_RETURN_IF_ERROR(getFunction(session, function, "tsr_session_run", &fn));
    TSR_RETURN_IF_ERROR(resolveShapes(*session, *fn, inputs, num_inputs, outputs, num_outputs,
                                      /*forRun=*/true));
    return runDispatches(*session, *fn, inputs, outputs);
  });
}

} // extern "C"
