//===- Status.cpp - tsr_status_t: allocation and the C accessors ----------===//

#include "Status.h"

#include <cstdlib>
#include <cstring>

struct tsr_status_s {
  tsr_status_code_t code;
  const char *message; // stored right after the struct, in the same block
};

namespace tessera::runtime {
namespace {
tsr_status_s outOfMemoryStatus{TSR_STATUS_RESOURCE_EXHAUSTED, "out of memory"};
} // namespace

tsr_status_t outOfMemory() noexcept { return &outOfMemoryStatus; }

tsr_status_t makeStatus(tsr_status_code_t code, const std::string &message) noexcept {
  void *block = std::malloc(sizeof(tsr_status_s) + message.size() + 1);
  if (!block)
    return outOfMemory();
  auto *status = static_cast<tsr_status_s *>(block);
  char *text = reinterpret_cast<char *>(status + 1);
  std::memcpy(text, message.c_str(), message.size() + 1);
  status->code = code;
  status->message = text;
  return status;
}

tsr_status_t annotate(tsr_status_t status, const std::string &prefix) noexcept {
  if (!status || status == outOfMemory())
    return status;
  tsr_status_t annotated = outOfMemory();
  try {
    annotated = makeStatus(status->code, prefix + status->message);
  } catch (const std::bad_alloc &) {
  }
  std::free(status);
  return annotated;
}

} // namespace tessera::runtime

extern "C" {

TSR_API tsr_status_code_t tsr_status_code(tsr_status_t status) {
  return status ? status->code : TSR_STATUS_OK;
}

TSR_API const char *tsr_status_message(tsr_status_t status) {
  return status ? status->message : "OK";
}

TSR_API const char *tsr_status_code_name(tsr_status_code_t code) {
  switch (code) {
  case TSR_STATUS_OK:
    return "OK";
  case TSR_STATUS_INVALID_ARGUMENT:
    return "INVALID_ARGUMENT";
  case TSR_STATUS_NOT_FOUND:
    return "NOT_FOUND";
  case TSR_STATUS_OUT_OF_RANGE:
    return "OUT_OF_RANGE";
  case TSR_STATUS_INVALID_MODULE:
    return "INVALID_MODULE";
  case TSR_STATUS_UNSUPPORTED:
    return "UNSUPPORTED";
  case TSR_STATUS_FAILED_PRECONDITION:
    return "FAILED_PRECONDITION";
  case TSR_STATUS_RESOURCE_EXHAUSTED:
    return "RESOURCE_EXHAUSTED";
  case TSR_STATUS_IO_ERROR:
    return "IO_ERROR";
  case TSR_STATUS_INTERNAL:
    return "INTERNAL";
  case TSR_STATUS_UNAVAILABLE:
    return "UNAVAILABLE";
  }
  return "UNKNOWN";
}

TSR_API void tsr_status_free(tsr_status_t status) {
  if (status != tessera::runtime::outOfMemory())
    std::free(status);
}

} // extern "C"
