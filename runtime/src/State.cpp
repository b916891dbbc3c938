//===- State.cpp - tensors a session carries between calls ----------------===//
//
// The remaining copy is the model's own: a decode step's present cache is a
// new tensor (past rows, then the new one) written into the other buffer, so
// each step moves the whole cache once. What the session removes is the
// caller's side: no allocation per step, no copy out of the outputs and back
// into the inputs.
//
//===----------------------------------------------------------------------===//

#include "State.h"

#include "DType.h"
#include "Dispatch.h"
#include "Session.h"
#include "Shapes.h"
#include "Status.h"

#include <algorithm>
#include <cstdlib>
#include <map>

namespace tessera::runtime {

using flatbuffers::uoffset_t;

tsr_status_t collectStates(const flatbuffers::Vector<flatbuffers::Offset<fb::Function>> *functions,
                           std::vector<StateInfo> &states,
                           std::vector<FunctionStates> &perFunction) {
  std::map<std::string, size_t> byName;
  perFunction.assign(count(functions), FunctionStates());
  for (size_t f = 0; f < count(functions); ++f) {
    const fb::Function &fn = *functions->Get(uoffset_t(f));
    FunctionStates &mine = perFunction[f];
    mine.input.assign(count(fn.inputs()), -1);
    mine.output.assign(count(fn.outputs()), -1);
    for (size_t i = 0; i < count(fn.states()); ++i) {
      const fb::State &state = *fn.states()->Get(uoffset_t(i));
      const fb::TensorSig &sig = state.output() >= 0
                                     ? *fn.outputs()->Get(uoffset_t(state.output()))
                                     : *fn.inputs()->Get(uoffset_t(state.input()));
      std::string name = state.name()->str();
      const fb::Dim &length = *sig.dims()->Get(uoffset_t(state.length_axis()));
      if (length.value() <= 0)
        return error(TSR_STATUS_INVALID_MODULE, "invalid module: function '",
                     fn.name()->str(), "': state '", name,
                     "' has an unbounded length axis, so no session can size it");
      auto [it, added] = byName.emplace(name, states.size());
      if (added) {
        states.push_back(StateInfo{name, int32_t(sig.dtype()), count(sig.dims()),
                                   state.length_axis(), length.value()});
      } else {
        StateInfo &info = states[it->second];
        if (info.dtype != int32_t(sig.dtype()) || info.rank != count(sig.dims()) ||
            info.lengthAxis != state.length_axis())
          return error(TSR_STATUS_INVALID_MODULE, "invalid module: function '",
                       fn.name()->str(), "' gives state '", name,
                       "' another dtype, rank or length axis than an earlier function");
        info.maxLength = std::max(info.maxLength, length.value());
      }
      if (state.output() >= 0)
        mine.output[size_t(state.output())] = int32_t(it->second);
      if (state.input() >= 0)
        mine.input[size_t(state.input())] = int32_t(it->second);
    }
  }
  return nullptr;
}

namespace {

tsr_status_t getFunction(const LoadedCode &code, size_t function, const char *api,
                         const LoadedFunction **out) {
  if (function >= code.functions.size())
    return error(TSR_STATUS_OUT_OF_RANGE, api, ": function ", function,
                 " does not exist; the module has ", code.functions.size(), " functions");
  *out = &code.functions[function];
  return nullptr;
}

/// Makes both buffers of a state hold `dims` with the length axis at its
/// compiled maximum; existing buffers that are large enough are kept, so a
/// sequence allocates once. A CUDA session's are device memory.
tsr_status_t reserve(tsr_session_t &session, size_t state, const StateInfo &info,
                     const int64_t *dims) {
  StateBuffers &buffers = session.states[state];
  size_t bytes = dtypeSize(info.dtype);
  for (size_t d = 0; d < info.rank; ++d) {
    int64_t extent = int(d) == info.lengthAxis ? std::max(info.maxLength, dims[d]) : dims[d];
    if (__builtin_mul_overflow(bytes, size_t(extent), &bytes))
      return error(TSR_STATUS_RESOURCE_EXHAUSTED, "state '", info.name, "' would overflow");
  }
  if (bytes <= buffers.capacity)
    return nullptr;
  size_t aligned = (bytes + TESSERA_BUFFER_ALIGNMENT - 1) & ~size_t(TESSERA_BUFFER_ALIGNMENT - 1);
  if (aligned < bytes)
    return error(TSR_STATUS_RESOURCE_EXHAUSTED, "state '", info.name, "' would overflow");
  // Whatever happens below, the old value does not survive.
  buffers.valid = false;
  buffers.capacity = 0;
  if (session.cuda) {
    bool grew = false;
    TSR_RETURN_IF_ERROR(session.cuda->reserveState(state, aligned, info.name, &grew,
                                                   buffers.data));
    buffers.capacity = aligned;
    return nullptr;
  }
  for (int i = 0; i < 2; ++i) {
    void *block = nullptr;
    if (posix_memalign(&block, TESSERA_BUFFER_ALIGNMENT, aligned) != 0)
      return error(TSR_STATUS_RESOURCE_EXHAUSTED, "cannot allocate ", aligned,
                   " bytes for state '", info.name, "'");
    buffers.buffers[i].reset(static_cast<uint8_t *>(block));
    buffers.data[i] = block;
  }
  buffers.capacity = aligned;
  return nullptr;
}

/// Binds the caller's tensors and the session's states into the function's
/// full signature, runs it and advances every state it wrote.
tsr_status_t runWithState(tsr_session_t &session, const LoadedFunction &fn,
                          const tsr_input_t *inputs, size_t numInputs, tsr_output_t *outputs,
                          size_t numOutputs) {
  const tsr_module_s &module = *session.module;
  const FunctionStates &states = fn.states;
  size_t ownInputs = size_t(std::count(states.input.begin(), states.input.end(), -1));
  size_t ownOutputs = size_t(std::count(states.output.begin(), states.output.end(), -1));
  if (numInputs != ownInputs || numOutputs != ownOutputs)
    return error(TSR_STATUS_INVALID_ARGUMENT, "function '", fn.name, "' takes ", ownInputs,
                 " inputs and ", ownOutputs, " outputs besides its states, got ", numInputs,
                 " and ", numOutputs);
  if ((numInputs && !inputs) || (numOutputs && !outputs))
    return error(TSR_STATUS_INVALID_ARGUMENT, "function '", fn.name,
                 "': inputs or outputs is NULL");

  std::vector<tsr_input_t> allInputs(states.input.size());
  // On CUDA the states' buffers are device memory, bound as they are.
  cuda::DeviceResident resident;
  resident.inputs.assign(states.input.size(), false);
  resident.outputs.assign(states.output.size(), false);
  for (size_t i = 0, next = 0; i < allInputs.size(); ++i) {
    int32_t s = states.input[i];
    if (s < 0) {
      allInputs[i] = inputs[next++];
      continue;
    }
    StateBuffers &buffers = session.states[size_t(s)];
    const StateInfo &info = module.states[size_t(s)];
    if (!buffers.valid)
      return error(TSR_STATUS_FAILED_PRECONDITION, "function '", fn.name, "' reads state '",
                   info.name, "', which holds nothing yet: run a function that produces it ",
                   "(prefill) first");
    size_t bytes = dtypeSize(info.dtype);
    for (int64_t d : buffers.dims)
      bytes *= size_t(d);
    allInputs[i] = tsr_input_t{tsr_dtype_t(info.dtype), info.rank, buffers.dims.data(),
                               buffers.data[buffers.current], bytes};
    resident.inputs[i] = true;
  }
  std::vector<tsr_output_t> allOutputs(states.output.size());
  std::vector<std::vector<int64_t>> stateDims(states.output.size());
  for (size_t o = 0, next = 0; o < allOutputs.size(); ++o) {
    if (states.output[o] < 0) {
      allOutputs[o] = outputs[next++];
      continue;
    }
    stateDims[o].assign(module.states[size_t(states.output[o])].rank, 0);
    allOutputs[o] = tsr_output_t{nullptr, 0, stateDims[o].size(), stateDims[o].data(), 0};
  }
  TSR_RETURN_IF_ERROR(resolveShapes(session, fn, allInputs.data(), allInputs.size(),
                                    allOutputs.data(), allOutputs.size(), /*forRun=*/false));
  for (size_t o = 0; o < allOutputs.size(); ++o) {
    int32_t s = states.output[o];
    if (s < 0)
      continue;
    StateBuffers &buffers = session.states[size_t(s)];
    // A state this call reads keeps its buffers: the current one is an input.
    if (std::find(states.input.begin(), states.input.end(), s) == states.input.end())
      TSR_RETURN_IF_ERROR(
          reserve(session, size_t(s), module.states[size_t(s)], stateDims[o].data()));
    allOutputs[o].data = buffers.data[1 - buffers.current];
    allOutputs[o].capacity = buffers.capacity;
    resident.outputs[o] = true;
  }
  TSR_RETURN_IF_ERROR(resolveShapes(session, fn, allInputs.data(), allInputs.size(),
                                    allOutputs.data(), allOutputs.size(), /*forRun=*/true));
  TSR_RETURN_IF_ERROR(
      runDispatches(session, fn, allInputs.data(), allOutputs.data(), resident));
  for (size_t o = 0, next = 0; o < allOutputs.size(); ++o) {
    int32_t s = states.output[o];
    if (s < 0) {
      outputs[next].byte_size = allOutputs[o].byte_size;
      ++next;
      continue;
    }
    StateBuffers &buffers = session.states[size_t(s)];
    buffers.current = 1 - buffers.current;
    buffers.dims = std::move(stateDims[o]);
    buffers.valid = true;
  }
  return nullptr;
}

} // namespace
} // namespace tessera::runtime

using namespace tessera::runtime;

extern "C" {

TSR_API tsr_status_t tsr_module_tensor_state(const tsr_module_t *module, size_t function,
                                             tsr_io_t io, size_t index,
                                             const char **out_state_name) {
  if (!module || !out_state_name)
    return error(TSR_STATUS_INVALID_ARGUMENT, "tsr_module_tensor_state: module and ",
                 "out_state_name must not be NULL");
  const LoadedFunction *fn = nullptr;
  TSR_RETURN_IF_ERROR(
      getFunction(module->primary(), function, "tsr_module_tensor_state", &fn));
  const std::vector<int32_t> &map = io == TSR_IO_INPUT ? fn->states.input : fn->states.output;
  if (index >= map.size())
    return error(TSR_STATUS_OUT_OF_RANGE, "tsr_module_tensor_state: function '", fn->name,
                 "' has ", map.size(), io == TSR_IO_INPUT ? " inputs" : " outputs");
  *out_state_name = map[index] < 0 ? nullptr : module->states[size_t(map[index])].name.c_str();
  return nullptr;
}

TSR_API tsr_status_t tsr_session_run_with_state(tsr_session_t *session, size_t function,
                                                const tsr_input_t *inputs, size_t num_inputs,
                                                tsr_output_t *outputs, size_t num_outputs) {
  return guard([&]() -> tsr_status_t {
    if (!session)
      return error(TSR_STATUS_INVALID_ARGUMENT, "tsr_session_run_with_state: session is NULL");
    const LoadedFunction *fn = nullptr;
    TSR_RETURN_IF_ERROR(
        getFunction(*session->code, function, "tsr_session_run_with_state", &fn));
    return runWithState(*session, *fn, inputs, num_inputs, outputs, num_outputs);
  });
}

TSR_API tsr_status_t tsr_session_reset_state(tsr_session_t *session) {
  if (!session)
    return error(TSR_STATUS_INVALID_ARGUMENT, "tsr_session_reset_state: session is NULL");
  for (StateBuffers &buffers : session->states)
    buffers.valid = false;
  return nullptr;
}

TSR_API tsr_status_t tsr_session_state_length(const tsr_session_t *session,
                                              int64_t *out_length) {
  if (!session || !out_length)
    return error(TSR_STATUS_INVALID_ARGUMENT, "tsr_session_state_length: session and ",
                 "out_length must not be NULL");
  *out_length = 0;
  for (size_t s = 0; s < session->states.size(); ++s)
    if (session->states[s].valid) {
      *out_length = session->states[s].dims[size_t(session->module->states[s].lengthAxis)];
      break;
    }
  return nullptr;
}

} // extern "C"
