// 页面的简体中文文字，按键排序（见 i18n.h）。Simplified Chinese strings of the page, sorted by key.
#include "i18n.h"

namespace attnviz {

const std::vector<StringEntry>& strings_zh() {
  static const std::vector<StringEntry> table = {
      // --- compare (issue 13c): "what did fine-tuning change?" (view_compare.cpp) ---
      {"compare.cell", "第 %d 层，第 %d 个头"},
      {"compare.cell_values", "平均绝对差 %.4f   JS 散度 %.4f 比特"},
      {"compare.click_selects", "点击：在所有视图中选中这个头"},
      {"compare.difference", "差值"},
      {"compare.example_ner", "NER 微调改变了什么？（对比）"},
      {"compare.hash_differs", "%s 的文件和制作链接时用的不一样（哈希 %s，链接里是 %s）：你看到的可能和链接作者看到的不同。"},
      {"compare.head_range", "第 %d 层第 %d 个头：差值颜色范围 ±%.3f（红：这个模型更关注，蓝：另一个模型更关注）"},
      {"compare.help", "微调改变了什么？把当前模型和另一个模型（链接里的 vs=）放在同一句话上比较，两者的分词器和结构必须相同。左边的格子里每一格是一个注意力头：颜色越亮，两个模型在这个头上的注意力分布差别越大。可以选“平均绝对差”（两张注意力表逐格相减取绝对值再平均），也可以选“JS 散度”（比较每个字的注意力分布，0 表示完全一样，1 比特表示毫无重叠，再对所有行取平均）。点一格就会在所有视图里选中那个头；右边并排画出两个模型的注意力表和它们的差。"},
      {"compare.help_js", "JS（Jensen-Shannon）散度：把两个模型里同一个字（查询）的注意力分布拿来比较，单位是比特，再对所有字取平均。0 表示分布完全相同，1 表示完全不重叠。"},
      {"compare.help_mean_abs", "平均绝对差：两张注意力表对应格子的差的绝对值，对所有查询/键的组合取平均。"},
      {"compare.load_failed", "无法加载 %s 来做对比：%s。当前模型保持不变。"},
      {"compare.loading", "正在加载 %s 用于对比…"},
      {"compare.metric_js", "JS 散度"},
      {"compare.metric_mean_abs", "平均绝对差"},
      {"compare.no_longer_fits", "%s 和 %s 的结构或分词器不同，无法对比：请选另一个模型。"},
      {"compare.none", "还没有用来对比的第二个模型。微调后的模型和它的原始模型使用同样的分词器和结构：这个视图能告诉你微调动了哪些注意力头。"},
      {"compare.not_builtin", "vs=%s：目前链接里只能对比内置模型。"},
      {"compare.pick", "对比模型："},
      {"compare.pick_files", "用文件对比…"},
      {"compare.refused_shape", "无法对比：%s 和 %s 的结构不同。后者有 %d 层 × %d 个头（隐藏层大小 %d），而 %s 有 %d 层 × %d 个头（隐藏层大小 %d）。两个模型必须结构相同，比如一个微调模型和它的原始模型。当前模型保持不变。"},
      {"compare.refused_tokenizer", "无法对比：%s 和 %s 的分词器不同（后者有 %d 个词元，%s 有 %d 个）。同一句话在两个模型里必须切成同样的词元。当前模型保持不变。"},
      {"compare.scale_js", "颜色：0 到 %.4f 比特（差别最大的头）"},
      {"compare.scale_mean_abs", "颜色：0 到 %.4f（差别最大的头）"},
      {"compare.stop", "停止对比"},
      {"compare.tab", "对比"},
      {"compare.title", "%s  对比  %s"},
      {"compare.user_files", "这个链接要和你自己的模型“%s”对比：请选择它的文件夹（config.json、model.safetensors、分词器文件）。文件只留在你的浏览器里。"},
      {"compare.weight", "查询 %s → 键 %s"},
      // --- end compare ---
      {"lang.en", "English"},
      {"lang.zh", "中文"},
  };
  return table;
}

}  // namespace attnviz
