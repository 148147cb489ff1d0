// File: fuzz/replay_main.cc
// -----------------------------------------------------------------------------
//
// The main of a fuzz target outside --config=fuzz (fuzz/fuzz.bzl): it feeds
// every file under each directory (or each file) named on the command line
// to LLVMFuzzerTestOneInput, as libFuzzer does with -runs=0, so the normal
// and sanitizer test suites replay the committed corpus and regression
// inputs without clang. A finding aborts inside the target (fuzz/check.h);
// a directory that is missing or holds no file fails the test, so a corpus
// cannot vanish unnoticed.
//
//   $ bazel-bin/fuzz/model_fuzzer fuzz/corpus/model_fuzzer
//   model_fuzzer: 14 inputs from fuzz/corpus/model_fuzzer

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

// RunFile() replays one input; false when it cannot be read.
bool RunFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return false;
  // A copy of exactly `size` bytes on the heap, so ASan sees a read past
  // the end as libFuzzer's own buffers would show it.
  std::vector<uint8_t> copy(bytes.begin(), bytes.end());
  LLVMFuzzerTestOneInput(copy.data(), copy.size());
  return true;
}

}  // namespace

int main(int argc, char* argv[]) {
  const std::string program = std::filesystem::path(argv[0]).filename().string();
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DIR_OR_FILE...\n", program.c_str());
    return 2;
  }
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path arg = argv[i];
    std::error_code ec;
    std::vector<std::filesystem::path> files;
    if (std::filesystem::is_directory(arg, ec)) {
      for (auto it = std::filesystem::recursive_directory_iterator(
               arg, std::filesystem::directory_options::follow_directory_symlink, ec);
           !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        if (std::filesystem::is_regular_file(it->path(), ec)) files.push_back(it->path());
      }
    } else if (std::filesystem::is_regular_file(arg, ec)) {
      files.push_back(arg);
    }
    if (ec || files.empty()) {
      std::fprintf(stderr, "%s: %s: no input files%s%s\n", program.c_str(), argv[i], ec ? ": " : "",
                   ec ? ec.message().c_str() : "");
      return 1;
    }
    std::sort(files.begin(), files.end());  // the same order on every run
    for (const std::filesystem::path& f : files) {
      if (!RunFile(f)) {
        std::fprintf(stderr, "%s: %s: cannot read\n", program.c_str(), f.c_str());
        return 1;
      }
    }
    std::printf("%s: %zu inputs from %s\n", program.c_str(), files.size(), argv[i]);
  }
  return 0;
}
