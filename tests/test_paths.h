// Where tests find their data: tests/data and models/ in the project, and ../shared beside it (optional: tests
// that need it skip cleanly when it is absent).
#pragma once
#include <fstream>
#include <sstream>
#include <string>

namespace attnviz_test {

inline std::string source_dir() { return ATTNVIZ_SOURCE_DIR; }
inline std::string data_dir() { return std::string(ATTNVIZ_SOURCE_DIR) + "/tests/data"; }
inline std::string models_dir() { return std::string(ATTNVIZ_SOURCE_DIR) + "/models"; }
inline std::string shared_dir() { return ATTNVIZ_SHARED_DIR; }

inline bool read_file(const std::string& path, std::string* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::ostringstream ss;
  ss << f.rdbuf();
  *out = ss.str();
  return true;
}

inline bool file_exists(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return static_cast<bool>(f);
}

}  // namespace attnviz_test
