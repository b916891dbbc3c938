//===- ReplayMain.cpp - run a harness over saved inputs, without libFuzzer ===//
//
// The main() of the replay programs that the default (gcc) build makes from
// each harness: every argument is a file, or a directory whose regular files
// are run in name order, each once through LLVMFuzzerTestOneInput. A broken
// invariant aborts; a sanitizer build (scripts/sanitize.sh) reports memory
// errors as well. libFuzzer binaries replay files the same way when given
// them as arguments.
//
//===----------------------------------------------------------------------===//

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <dirent.h>
#include <fstream>
#include <iterator>
#include <string>
#include <sys/stat.h>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

namespace {

bool isDirectory(const std::string &path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

void collect(const std::string &path, std::vector<std::string> &files) {
  if (!isDirectory(path)) {
    files.push_back(path);
    return;
  }
  std::vector<std::string> entries;
  if (DIR *dir = opendir(path.c_str())) {
    while (dirent *entry = readdir(dir)) {
      std::string name = entry->d_name;
      if (name == "." || name == ".." || name[0] == '.' || name == "README.md")
        continue;
      entries.push_back(path + "/" + name);
    }
    closedir(dir);
  }
  std::sort(entries.begin(), entries.end());
  for (const std::string &entry : entries)
    if (!isDirectory(entry))
      files.push_back(entry);
}

} // namespace

int main(int argc, char **argv) {
  if (LLVMFuzzerInitialize)
    LLVMFuzzerInitialize(&argc, &argv);
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i)
    collect(argv[i], files);
  for (const std::string &file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "replay: cannot read %s\n", file.c_str());
      return 2;
    }
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
    std::fprintf(stderr, "replay: %s (%zu bytes)\n", file.c_str(), bytes.size());
    // A copy of exactly its size, so that a sanitizer sees reads past the end.
    // (libFuzzer never passes NULL, not even for an empty input.)
    std::vector<uint8_t> exact(bytes.begin(), bytes.end());
    static uint8_t none;
    LLVMFuzzerTestOneInput(exact.empty() ? &none : exact.data(), exact.size());
  }
  std::printf("replay: %zu input(s) ran without a crash\n", files.size());
  return 0;
}
