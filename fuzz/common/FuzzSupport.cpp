//===- FuzzSupport.cpp - what the harnesses share -------------------------===//

#include "fuzz/common/FuzzSupport.h"

#include <fcntl.h>
#include <ftw.h>
#include <unistd.h>

namespace tessera::fuzz {
namespace {

std::string makeTempDir() {
  const char *base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/tessera-fuzz-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (!mkdtemp(buffer.data())) {
    std::perror("tessera-fuzz: mkdtemp");
    std::abort();
  }
  return std::string(buffer.data());
}

void removeTree(const std::string &dir) {
  nftw(
      dir.c_str(),
      [](const char *path, const struct stat *, int, struct FTW *) { return remove(path); }, 16,
      FTW_DEPTH | FTW_PHYS);
}

const std::string *tempDirPath = nullptr;

} // namespace

const std::string &tempDir() {
  // Never destroyed: the atexit handler runs after static destructors of
  // objects constructed later than its registration.
  static const std::string *dir = [] {
    auto *d = new std::string(makeTempDir());
    tempDirPath = d;
    std::atexit([] { removeTree(*tempDirPath); });
    return d;
  }();
  return *dir;
}

bool writeFile(const std::string &path, std::string_view bytes) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return false;
  const char *p = bytes.data();
  size_t left = bytes.size();
  while (left) {
    ssize_t n = write(fd, p, left);
    if (n <= 0) {
      close(fd);
      return false;
    }
    p += n;
    left -= size_t(n);
  }
  return close(fd) == 0;
}

} // namespace tessera::fuzz
