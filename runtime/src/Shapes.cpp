//===- Shapes.cpp - from input dims to output dims ------------------------===//
//
// Caller mistakes (wrong dtype, rank, size) are INVALID_ARGUMENT or
// OUT_OF_RANGE and name the input; a failed shape check is
// FAILED_PRECONDITION with the check's own text; a shape function that
// produces nonsense is INTERNAL, since only a compiler bug gets there.
//
//===----------------------------------------------------------------------===//

#include "Shapes.h"

#include "DType.h"
#include "Status.h"

#include <algorithm>
#include <string>

namespace tessera::runtime {
namespace {

using flatbuffers::uoffset_t;

std::string formatDims(const int64_t *dims, size_t rank) {
  std::string out = "[";
  for (size_t d = 0; d < rank; ++d)
    out += (d ? ", " : "") + std::to_string(dims[d]);
  return out + "]";
}

/// product(dims) * elementSize, false on overflow. Dims are non-negative.
bool byteSize(const int64_t *dims, size_t rank, size_t elementSize, size_t *out) {
  size_t bytes = elementSize;
  for (size_t d = 0; d < rank; ++d)
    if (__builtin_mul_overflow(bytes, size_t(dims[d]), &bytes))
      return false;
  *out = bytes;
  return true;
}

class ShapeResolver {
public:
  ShapeResolver(tsr_session_s &session, const LoadedFunction &fn)
      : session_(session), fn_(*fn.fb), name_(fn.name), shapeFunction_(fn.shapeFunction) {}

  tsr_status_t bindInputs(const tsr_input_t *inputs, size_t numInputs, bool forRun) {
    size_t expected = count(fn_.inputs());
    if (numInputs != expected)
      return fail(TSR_STATUS_INVALID_ARGUMENT, "takes ", expected, " inputs, got ", numInputs);
    if (numInputs && !inputs)
      return fail(TSR_STATUS_INVALID_ARGUMENT, "inputs is NULL");
    size_t numScalars = size_t(fn_.num_scalars());
    std::fill_n(session_.scalars.begin(), numScalars, 0);
    std::fill_n(session_.slotSources.begin(), numScalars, SlotSource());
    for (size_t i = 0; i < numInputs; ++i)
      TSR_RETURN_IF_ERROR(bindInput(i, inputs[i], forRun));
    inputs_ = inputs;
    return nullptr;
  }

  tsr_status_t runShapeFunction() {
    if (!shapeFunction_)
      return nullptr;
    int32_t result = shapeFunction_(session_.scalars.data());
    if (result == 0)
      return nullptr;
    if (result > 0 && size_t(result) <= count(fn_.checks()))
      return fail(TSR_STATUS_FAILED_PRECONDITION, "the inputs ", describeInputs(),
                  " fail the shape check: ", fn_.checks()->Get(uoffset_t(result - 1))->c_str());
    return fail(TSR_STATUS_INTERNAL, "the shape function returned ", result, ", but there are ",
                count(fn_.checks()), " checks (a bug in the module)");
  }

  tsr_status_t resolveOutputs(tsr_output_t *outputs, size_t numOutputs, bool forRun) {
    size_t expected = count(fn_.outputs());
    if (numOutputs != expected)
      return fail(TSR_STATUS_INVALID_ARGUMENT, "has ", expected, " outputs, got ", numOutputs);
    if (numOutputs && !outputs)
      return fail(TSR_STATUS_INVALID_ARGUMENT, "outputs is NULL");
    for (size_t o = 0; o < numOutputs; ++o)
      TSR_RETURN_IF_ERROR(resolveOutput(o, outputs[o], forRun));
    return nullptr;
  }

private:
  template <typename... Args>
  tsr_status_t fail(tsr_status_code_t code, const Args &...args) {
    return error(code, "function '", name_, "': ", args...);
  }

  static std::string dimLabel(const char *role, const fb::TensorSig &sig, size_t d) {
    std::string label = std::string(role) + " '" + sig.name()->str() + "' dim " +
                        std::to_string(d);
    if (sig.dim_names() && sig.dim_names()->Get(uoffset_t(d))->size() != 0)
      label += " ('" + sig.dim_names()->Get(uoffset_t(d))->str() + "')";
    return label;
  }

  /// "(a [6], b [6])": the dims a failed check was evaluated on.
  std::string describeInputs() const {
    std::string out = "(";
    for (size_t i = 0; i < count(fn_.inputs()); ++i)
      out += (i ? ", " : "") + fn_.inputs()->Get(uoffset_t(i))->name()->str() + " " +
             formatDims(inputs_[i].dims, inputs_[i].rank);
    return out + ")";
  }

  tsr_status_t bindInput(size_t i, const tsr_input_t &input, bool forRun) {
    const fb::TensorSig &sig = *fn_.inputs()->Get(uoffset_t(i));
    std::string what = "input '" + sig.name()->str() + "' (#" + std::to_string(i) + ")";
    tsr_dtype_t dtype = tsr_dtype_t(sig.dtype()); // verified to be one
    int32_t given = dtypeValue(input.dtype);       // the caller's: any int
    if (given != int32_t(dtype))
      return fail(TSR_STATUS_INVALID_ARGUMENT, what, " is ", dtypeName(dtype), ", got ",
                  dtypeName(given), " (", given, ")");
    size_t rank = count(sig.dims());
    if (input.rank != rank)
      return fail(TSR_STATUS_INVALID_ARGUMENT, what, " has rank ", rank, ", got rank ",
                  input.rank);
    if (rank && !input.dims)
      return fail(TSR_STATUS_INVALID_ARGUMENT, what, ": dims is NULL");

    for (size_t d = 0; d < rank; ++d) {
      const fb::Dim &dim = *sig.dims()->Get(uoffset_t(d));
      int64_t size = input.dims[d];
      if (size < 0)
        return fail(TSR_STATUS_INVALID_ARGUMENT, dimLabel("input", sig, d), " is ", size,
                    " in ", formatDims(input.dims, rank), "; sizes are >= 0");
      if (dim.slot() < 0) {
        if (size != dim.value())
          return fail(TSR_STATUS_INVALID_ARGUMENT, dimLabel("input", sig, d), " must be ",
                      dim.value(), ", got ", size, " in ", formatDims(input.dims, rank));
        continue;
      }
      if (dim.value() > 0 && size > dim.value())
        return fail(TSR_STATUS_OUT_OF_RANGE, dimLabel("input", sig, d), " is ", size,
                    ", above the maximum ", dim.value(), " the module was compiled for");
      SlotSource &source = session_.slotSources[size_t(dim.slot())];
      int64_t &scalar = session_.scalars[size_t(dim.slot())];
      if (source.input >= 0 && scalar != size) {
        const fb::TensorSig &first = *fn_.inputs()->Get(uoffset_t(source.input));
        return fail(TSR_STATUS_INVALID_ARGUMENT, dimLabel("input", sig, d), " is ", size,
                    ", but ", dimLabel("input", first, size_t(source.dim)), " is ", scalar,
                    "; the model requires them to be equal");
      }
      source = SlotSource{int32_t(i), int32_t(d)};
      scalar = size;
    }

    size_t bytes = 0;
    if (!byteSize(input.dims, rank, dtypeSize(dtype), &bytes))
      return fail(TSR_STATUS_INVALID_ARGUMENT, what, " dims ", formatDims(input.dims, rank),
                  " hold more bytes than memory can");
    if (!forRun)
      return nullptr;
    if (input.byte_size != bytes)
      return fail(TSR_STATUS_INVALID_ARGUMENT, what, " is ", formatDims(input.dims, rank), " ",
                  dtypeName(dtype), ", ", bytes, " bytes, but its byte_size is ",
                  input.byte_size);
    if (bytes && !input.data)
      return fail(TSR_STATUS_INVALID_ARGUMENT, what, ": data is NULL");
    return nullptr;
  }

  tsr_status_t resolveOutput(size_t o, tsr_output_t &output, bool forRun) {
    const fb::TensorSig &sig = *fn_.outputs()->Get(uoffset_t(o));
    std::string what = "output '" + sig.name()->str() + "' (#" + std::to_string(o) + ")";
    size_t rank = count(sig.dims());
    if (output.rank != rank)
      return fail(TSR_STATUS_INVALID_ARGUMENT, what, " has rank ", rank,
                  ", but its tsr_output_t has rank ", output.rank);
    if (rank && !output.dims)
      return fail(TSR_STATUS_INVALID_ARGUMENT, what, ": dims is NULL");

    for (size_t d = 0; d < rank; ++d) {
      const fb::Dim &dim = *sig.dims()->Get(uoffset_t(d));
      int64_t size = dim.slot() < 0 ? dim.value() : session_.scalars[size_t(dim.slot())];
      if (size < 0 || (dim.slot() >= 0 && dim.value() > 0 && size > dim.value()))
        return fail(TSR_STATUS_INTERNAL, dimLabel("output", sig, d), " came out as ", size,
                    " (maximum ", dim.value(), "): a bug in the module's shape function");
      output.dims[d] = size;
    }

    size_t bytes = 0;
    tsr_dtype_t dtype = tsr_dtype_t(sig.dtype());
    if (!byteSize(output.dims, rank, dtypeSize(dtype), &bytes))
      return fail(TSR_STATUS_INVALID_ARGUMENT, what, " dims ", formatDims(output.dims, rank),
                  " hold more bytes than memory can");
    output.byte_size = bytes;
    if (!forRun)
      return nullptr;
    if (output.capacity < bytes)
      return fail(TSR_STATUS_INVALID_ARGUMENT, what, " needs ", bytes, " bytes (",
                  formatDims(output.dims, rank), " ", dtypeName(dtype),
                  "), but its capacity is ", output.capacity);
    if (bytes && !output.data)
      return fail(TSR_STATUS_INVALID_ARGUMENT, what, ": data is NULL");
    return nullptr;
  }

  tsr_session_s &session_;
  const fb::Function &fn_;
  const char *name_;
  tessera_shape_fn shapeFunction_;
  const tsr_input_t *inputs_ = nullptr;
};

} // namespace

tsr_status_t resolveShapes(tsr_session_s &session, const LoadedFunction &fn,
                           const tsr_input_t *inputs, size_t numInputs, tsr_output_t *outputs,
                           size_t numOutputs, bool forRun) {
  ShapeResolver resolver(session, fn);
  TSR_RETURN_IF_ERROR(resolver.bindInputs(inputs, numInputs, forRun));
  TSR_RETURN_IF_ERROR(resolver.runShapeFunction());
  return resolver.resolveOutputs(outputs, numOutputs, forRun);
}

} // namespace tessera::runtime
