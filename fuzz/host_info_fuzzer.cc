// File: fuzz/host_info_fuzzer.cc
// -----------------------------------------------------------------------------
//
// /proc/cpuinfo and /proc/meminfo (//tools:measure_host) through
// ParseHostInfo(). The input is the two texts with a NUL byte between them
// (no NUL: the same text for both): any bytes give the host's CPU and
// memory or an error naming one of the two inputs.
//
// Seeds: fuzz/corpus/host_info_fuzzer/ (parts of a real cpuinfo and
// meminfo, and malformed ones).

#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "fuzz/check.h"
#include "measure/host_hardware.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace perfmodel;
  using namespace perfmodel::fuzz;
  const absl::string_view text = AsText(data, size);
  const size_t nul = text.find('\0');
  const absl::string_view cpuinfo = text.substr(0, nul);
  const absl::string_view meminfo = nul == absl::string_view::npos ? text : text.substr(nul + 1);
  const absl::StatusOr<bench::HostInfo> h =
      bench::ParseHostInfo(cpuinfo, "fuzz/cpuinfo", meminfo, "fuzz/meminfo");
  if (!h.ok()) {
    Check(h.status().message().find("fuzz/cpuinfo") != absl::string_view::npos ||
              h.status().message().find("fuzz/meminfo") != absl::string_view::npos,
          "host info: error names neither input: " + std::string(h.status().message()));
    return 0;
  }
  Check(!h->cpu_model.empty(), "host info: empty CPU model");
  CheckQuantity(h->memory, "host info: memory");
  return 0;
}
