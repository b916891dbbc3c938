//===- Status.h - error statuses inside the runtime -------------*- C++ -*-===//
//
// Errors are values: every fallible step returns a tsr_status_t (NULL = OK)
// whose message says what was wrong and where, so that the C API can hand it
// to the caller unchanged.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_RUNTIME_STATUS_H
#define TESSERA_RUNTIME_STATUS_H

#include "tessera/runtime.h"

#include <new>
#include <sstream>
#include <string>

namespace tessera::runtime {

/// A heap status with `message`. Never fails: when even that allocation
/// fails it returns a static out-of-memory status (which tsr_status_free
/// recognizes).
tsr_status_t makeStatus(tsr_status_code_t code, const std::string &message) noexcept;
tsr_status_t outOfMemory() noexcept;

/// `status` with `prefix` put before its message (same code); frees
/// `status`. NULL stays NULL.
tsr_status_t annotate(tsr_status_t status, const std::string &prefix) noexcept;

/// An error status whose message is every argument streamed in order.
template <typename... Args>
tsr_status_t error(tsr_status_code_t code, const Args &...args) noexcept {
  try {
    std::ostringstream os;
    (os << ... << args);
    return makeStatus(code, os.str());
  } catch (const std::bad_alloc &) {
    return outOfMemory();
  }
}

/// Runs `body` at the C API boundary: no C++ exception (allocation failures,
/// mainly) may cross into C callers, so they become statuses here.
template <typename Body>
tsr_status_t guard(Body &&body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc &) {
    return outOfMemory();
  } catch (const std::exception &e) {
    return makeStatus(TSR_STATUS_INTERNAL, std::string("unexpected C++ exception: ") + e.what());
  }
}

} // namespace tessera::runtime

#define TSR_RETURN_IF_ERROR(expr)                                                  \
  do {                                                                             \
    if (tsr_status_t status_ = (expr))                                             \
      return status_;                                                              \
  } while (0)

#endif // TESSERA_RUNTIME_STATUS_H
