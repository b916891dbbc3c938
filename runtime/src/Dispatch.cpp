//===- Dispatch.cpp - running a function's dispatches ---------------------===//
//
// Binding addresses and push constants are gathered into session-owned
// arrays before each dispatch; the kernels read them (per kernel_abi.h) from
// any pool thread, in any workgroup order.
//
//===----------------------------------------------------------------------===//

#include "Dispatch.h"

#include "Status.h"

#include <chrono>
#include <string>

namespace tessera::runtime {
namespace {

using flatbuffers::uoffset_t;

/// One dispatch's workgroups, as the thread pool sees them: a linear
/// iteration i is workgroup (i % x, (i / x) % y, i / (x * y)).
struct Workgroups {
  tessera_kernel_fn kernel;
  void *const *bindings;
  const int64_t *pushConstants;
  int64_t countX, countY;
};

void runWorkgroup(void *context, int64_t i) {
  const Workgroups &w = *static_cast<const Workgroups *>(context);
  int64_t rest = i / w.countX;
  w.kernel(w.bindings, w.pushConstants, i % w.countX, rest % w.countY, rest / w.countY);
}

} // namespace

std::string describeDispatch(const char *function, size_t index, const fb::Dispatch &dispatch) {
  std::string out = "function '" + std::string(function) + "' dispatch " + std::to_string(index);
  if (dispatch.name() && dispatch.name()->size() != 0)
    out += " ('" + dispatch.name()->str() + "')";
  return out;
}

tsr_status_t workgroupCounts(const LoadedFunction &fn, size_t index, const int64_t *scalars,
                             int64_t counts[3], int64_t *total) {
  const fb::Dispatch &dispatch = *fn.fb->dispatches()->Get(uoffset_t(index));
  for (uoffset_t axis = 0; axis < 3; ++axis) {
    const fb::Dim &dim = *dispatch.workgroup_count()->Get(axis);
    counts[axis] = dim.slot() < 0 ? dim.value() : scalars[dim.slot()];
    if (counts[axis] < 0)
      return error(TSR_STATUS_INTERNAL, describeDispatch(fn.name, index, dispatch),
                   ": workgroup count ", "xyz"[axis], " is ", counts[axis],
                   " (a bug in the module's shape function)");
  }
  if (__builtin_mul_overflow(counts[0], counts[1], total) ||
      __builtin_mul_overflow(*total, counts[2], total))
    return error(TSR_STATUS_INTERNAL, describeDispatch(fn.name, index, dispatch), ": ",
                 counts[0], " x ", counts[1], " x ", counts[2],
                 " workgroups overflow (a bug in the module's shape function)");
  return nullptr;
}

void recordProfile(tsr_session_s &session, const LoadedFunction &fn, size_t index, uint64_t ns) {
  const std::vector<LoadedFunction> &functions = session.code->functions;
  if (session.profile.size() < functions.size())
    session.profile.resize(functions.size());
  auto &function = session.profile[size_t(&fn - functions.data())];
  function.resize(count(fn.fb->dispatches()));
  function[index].first += ns;
  function[index].second += 1;
}

tsr_status_t runDispatches(tsr_session_s &session, const LoadedFunction &fn,
                           const tsr_input_t *inputs, tsr_output_t *outputs,
                           const cuda::DeviceResident &resident) {
  if (session.cuda)
    return session.cuda->run(session, fn, inputs, outputs, resident);
  const tsr_module_s &module = *session.module;
  const int64_t *scalars = session.scalars.data();
  const auto *buffers = fn.fb->buffers(); // present whenever a dispatch binds one

  for (size_t index = 0; index < count(fn.fb->dispatches()); ++index) {
    const fb::Dispatch &dispatch = *fn.fb->dispatches()->Get(uoffset_t(index));

    int64_t counts[3], total = 1;
    TSR_RETURN_IF_ERROR(workgroupCounts(fn, index, scalars, counts, &total));
    if (total == 0)
      continue; // an empty tensor: nothing to compute

    for (size_t b = 0; b < count(dispatch.bindings()); ++b) {
      const fb::Binding &binding = *dispatch.bindings()->Get(uoffset_t(b));
      const fb::Buffer &buffer = *buffers->Get(uoffset_t(binding.buffer()));
      uint8_t *base = nullptr;
      switch (buffer.kind()) {
      case fb::BufferKind::input:
        base = static_cast<uint8_t *>(const_cast<void *>(inputs[buffer.index()].data));
        break;
      case fb::BufferKind::output:
        base = static_cast<uint8_t *>(outputs[buffer.index()].data);
        break;
      case fb::BufferKind::constant:
        // Kernels only read constants (the mapping is read-only anyway).
        base = const_cast<uint8_t *>(module.segments[size_t(buffer.index())]);
        break;
      case fb::BufferKind::arena:
        base = session.arena.get() + buffer.offset();
        break;
      }
      // A NULL base only comes with an empty tensor, which no kernel reads.
      session.bindings[b] = base ? base + binding.offset() : nullptr;
    }
    for (size_t p = 0; p < count(dispatch.push_constants()); ++p)
      session.pushConstants[p] = scalars[dispatch.push_constants()->Get(uoffset_t(p))];

    Workgroups workgroups{session.code->kernels[size_t(dispatch.kernel())],
                          session.bindings.data(), session.pushConstants.data(), counts[0],
                          counts[1]};
    if (!session.profiling) {
      session.pool.parallelFor(total, runWorkgroup, &workgroups);
      continue;
    }
    auto start = std::chrono::steady_clock::now();
    session.pool.parallelFor(total, runWorkgroup, &workgroups);
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                  std::chrono::steady_clock::now() - start)
                  .count();
    recordProfile(session, fn, index, uint64_t(ns));
  }
  return nullptr;
}

} // namespace tessera::runtime
