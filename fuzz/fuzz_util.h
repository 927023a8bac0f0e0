// Helpers shared by the fuzz targets: several files in one fuzz input, and a check that stops the run (a finding).
#pragma once
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace attnviz_fuzz {

// A fuzz input holding several files: their bytes joined by this line (fuzz/make_seeds.py writes the same).
constexpr std::string_view kSplit = "\n----8<----\n";

inline std::vector<std::string_view> split_files(std::string_view in) {
  std::vector<std::string_view> parts;
  size_t pos = 0;
  for (;;) {
    const size_t at = in.find(kSplit, pos);
    if (at == std::string_view::npos) break;
    parts.push_back(in.substr(pos, at - pos));
    pos = at + kSplit.size();
  }
  parts.push_back(in.substr(pos));
  return parts;
}

// An invariant the code promises: when it fails, print it and abort, which libFuzzer records as a crash.
#define FUZZ_CHECK(cond)                                                                  \
  do {                                                                                    \
    if (!(cond)) {                                                                        \
      std::fprintf(stderr, "FUZZ_CHECK failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                       \
    }                                                                                     \
  } while (0)

inline std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace attnviz_fuzz
