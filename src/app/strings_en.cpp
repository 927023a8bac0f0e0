// English strings of the page, sorted by key (i18n.h). Keys: "section.name".
#include "i18n.h"

namespace attnviz {

const std::vector<StringEntry>& strings_en() {
  static const std::vector<StringEntry> table = {
      {"lang.en", "English"},
      {"lang.zh", "中文"},
  };
  return table;
}

}  // namespace attnviz
