// 页面的简体中文文字，按键排序（见 i18n.h）。Simplified Chinese strings of the page, sorted by key.
#include "i18n.h"

namespace attnviz {

const std::vector<StringEntry>& strings_zh() {
  static const std::vector<StringEntry> table = {
      {"lang.en", "English"},
      {"lang.zh", "中文"},
  };
  return table;
}

}  // namespace attnviz
