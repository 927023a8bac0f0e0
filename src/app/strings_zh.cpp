// 页面的简体中文文字，按键排序（见 i18n.h）。Simplified Chinese strings of the page, sorted by key; the help texts are
// written for a student meeting attention for the first time. Placeholders (%d, %s...) as in strings_en.cpp.
#include "i18n.h"

namespace attnviz {

const std::vector<StringEntry>& strings_zh() {
  static const std::vector<StringEntry> table = {
      {"app.hash_differs", "这些文件和制作链接时用的不一样（哈希 %s，链接里是 %s）：你看到的可能和链接作者看到的不同。"},
      {"app.keeping", " —— 继续使用 %s"},
      {"app.link_problems", "这个链接有问题：%s"},
      {"app.no_engine", "%s：没有可以加载它的计算引擎"},
      {"app.no_gpu_shader", "%s（热力图改为不用 GPU 着色器绘制）"},
      {"app.not_builtin", "model=%s 不是内置模型（zh-bert-mini、zh-bert-ner-mini、gpt2-mini）：改为显示 %s。"},
      {"app.png_too_large", "导出 PNG：页面太大，无法按这个倍数保存"},
      {"app.user_model_link",
       "这个链接是用你自己的模型“%s”做的：把它的文件（config.json、"
       "model.safetensors、分词器文件）拖到页面上，或者用“打开文件…”，"
       "就能看到。在那之前先显示 %s。"},
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
      {"compare.hub_offered", "%s 是 Hugging Face 上的模型：只有在你单击上方的「%s」之后才会下载，下载后文件保存在这个浏览器里。"},
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
      {"export.all_csv", "全部 %d 个头（CSV，约 %.1f MB）"},
      {"export.all_json", "全部 %d 个头（JSON，约 %.1f MB）"},
      {"export.head_csv", "这个头的注意力（CSV）"},
      {"export.head_json", "这个头的注意力（JSON）"},
      {"export.png", "视图的图片（PNG，2 倍）"},
      {"export.unavailable", "这里不能导出"},
      {"hub.about_size", "约 %s"},
      {"hub.button", "Hugging Face…"},
      {"hub.button_tip", "按名字从 Hugging Face Hub 打开一个 BERT 或 GPT-2 模型（例如 bert-base-chinese）；\n文件会保存在这个浏览器里，下次打开不用再联网。"},
      {"hub.cached", "这台电脑上的模型"},
      {"hub.cancel", "取消"},
      {"hub.cancel_tip", "停止下载；当前的模型保持不变"},
      {"hub.cat_bert_base_chinese", "中文 BERT，12 层 × 12 个头：一个字一个词元；在文本里写 [MASK] 看它的猜测"},
      {"hub.cat_bert_base_uncased", "英文 BERT（小写），12 × 12：BertViz 让这些头出了名"},
      {"hub.cat_ckip_ner", "繁体中文命名实体识别（BertForTokenClassification）；权重只有 pytorch_model.bin"},
      {"hub.cat_cluener", "中文命名实体识别（CLUENER2020，10 种实体）；名字叫 RoBERTa，结构其实是 BERT"},
      {"hub.cat_distilbert", "英文 DistilBERT（小写），6 层 × 12 个头"},
      {"hub.cat_gpt2", "GPT-2 small，12 × 12：因果注意力，猜下一个词元"},
      {"hub.cat_roberta", "英文 RoBERTa，12 × 12：字节级 BPE，猜 <mask>"},
      {"hub.cat_xlmr", "XLM-RoBERTa，100 种语言（中英文在同一个模型里），SentencePiece Unigram，12 × 12"},
      {"hub.default", "默认"},
      {"hub.default_button", "默认"},
      {"hub.delete", "删除"},
      {"hub.done_of_total", "%s / %s"},
      {"hub.download_open", "下载并打开"},
      {"hub.downloading", "正在下载 %s（来自 %s）：%s"},
      {"hub.downloading_compare", "正在下载 %s（来源 %s），用来做对比：%s"},
      {"hub.endpoint", "Hub 地址"},
      {"hub.endpoint_help",
       "模型从哪里下载：https://huggingface.co，或者目录结构相同的镜像站。"
       "这个设置保存在浏览器里；网站可以在 attnviz.config.json 里设默认值。"
       "修改后页面会重新加载，因为页面的安全策略只允许从一个网站下载。"},
      {"hub.eta_h", "还剩 %.1f 小时"},
      {"hub.eta_min", "还剩 %.0f 分钟"},
      {"hub.eta_s", "还剩 %.0f 秒"},
      {"hub.hint", "bert-base-chinese、组织/名字 或 组织/名字@版本"},
      {"hub.known", "确认可用的模型"},
      {"hub.model", "Hugging Face 模型"},
      {"hub.no_cache", "这个浏览器不让页面保存文件（是无痕窗口吗？）：每次打开都要重新下载模型。"},
      {"hub.none_yet", "还没有"},
      {"hub.not_now", "暂不"},
      {"hub.now", "现在：%s（%s）"},
      {"hub.offer", "这个链接要打开 Hugging Face 模型 %s%s，来源 %s（%s）。在你单击之前不会下载任何东西；下载后文件保存在这个浏览器里。"},
      {"hub.offer_at", "（版本 %s）"},
      {"hub.offer_compare", "这个链接要把当前模型和 Hugging Face 模型 %s%s 做对比，来源 %s（%s）。在你单击之前不会下载任何东西；下载后文件保存在这个浏览器里。"},
      {"hub.open", "打开"},
      {"hub.partial", "没下载完"},
      {"hub.partial_tip", "这次下载中途停下了（被取消或断了网）。单击“继续下载”只会下载还缺的文件；单击“删除”可以腾出空间。"},
      {"hub.privacy", "单击后文件从 %s 下载；除了模型名字，不发送任何东西。"},
      {"hub.resume", "继续下载"},
      {"hub.size_unknown", "读到文件列表后显示大小"},
      {"hub.use", "使用"},
      {"input.example_english", "英文"},
      {"input.example_ner", "命名实体句子"},
      {"input.example_pair", "句子对"},
      {"input.example_poem", "古诗 + [MASK]"},
      {"input.examples", "示例…"},
      {"input.pair", "第二段文本（可选）"},
      {"input.pair_help", "BERT 可以把两段文字当作一个序列来读：[CLS] A [SEP] B [SEP]，第二段的词元类型记为 1。这样就能看到哪些头会越过中间的 [SEP]，去看另一句话。"},
      {"input.running", "运行中…"},
      {"input.text", "文本"},
      {"input.text_help",
       "输入或粘贴任何文字，模型会边打字边重新运行。\n"
       "模型先把文字切成“词元”（token）：中文 BERT 通常一个字就是一个词元。"
       "\n"
       "BERT 还会自动加两个特殊词元：开头的 [CLS]（代表整句话）和结尾的 "
       "[SEP]（句子分隔符）。\n"
       "在缺字的地方写 [MASK]，就能看到 zh-bert-mini 猜那里是什么字。"},
      {"input.tokens_ms", "%d 个词元，前向计算 %.1f 毫秒"},
      {"input.truncated", "输入超过了模型的上限 %d 个词元，已被截断；多出的部分不显示。"},
      {"ko.all", "（全部）"},
      {"ko.before", "之前（关掉：%s）"},
      {"ko.clear", "全部恢复"},
      {"ko.click_heads", "单击上面的头把它们关掉，再比较预测"},
      {"ko.count", "已关掉 %d 个头（共 %d 个）"},
      {"ko.head_tip", "第 %d 层第 %d 个头：单击%s"},
      {"ko.head_tip_moved", "第 %d 层第 %d 个头：单击%s\n和上次改动前相比，注意力每行变了 %.3f"},
      {"ko.help",
       "关掉一些头，试试它们有什么用。被关掉的头照样计算注意力，"
       "但它的输出被换成 0，上面的层就再也看不到它。\n"
       "如果预测变了，说明这个头对这段输入很重要。后面各层的注意力也会跟着变："
       "网格用深浅表示每个头的注意力和你上次改动之前相比变了多少（每行平均 "
       "|变化|）。"},
      {"ko.knock_layer", "关掉选中的层"},
      {"ko.knock_out", "关掉"},
      {"ko.knock_out_layer", "关掉第 %d 层的所有头"},
      {"ko.next", "下一个："},
      {"ko.no_entities", "没有实体"},
      {"ko.no_model", "还没有模型。"},
      {"ko.none", "无"},
      {"ko.now", "现在（关掉：%s）"},
      {"ko.predictions_now", "现在的预测："},
      {"ko.restore", "恢复"},
      {"ko.restore_layer", "恢复第 %d 层的所有头"},
      {"ko.shading", "头的深浅：注意力变了多少（每行最多 %.3f）"},
      {"lang.en", "English"},
      {"lang.tip", "页面语言（English / 中文）；链接会记住它"},
      {"lang.zh", "中文"},
      {"lines.all_heads", "全部头"},
      {"lines.head_tip", "第 %d 个头：单击加入（单击已亮起的头则只显示它）"},
      {"lines.heads", "头"},
      {"lines.help",
       "每条线把左边的一个查询词元（query，正在“提问”的词）连到右边的一个键词元（key，"
       "被看的词）。线越深，这个头里查询词把越多注意力放在那个词上。"
       "\n"
       "注意力的结果是什么？查询词的输出，就是按这些权重把各个词的“值向量”（value）加权混合起来。"
       "每个查询词的权重加起来等于 1。\n"
       "\n"
       "把鼠标移到左边的词上，只看它的连线；移到右边的词上，看谁在看它；"
       "单击左边的词把它固定为查询词（其他视图也会跟着变）。可以同时打开几个头来比较，"
       "每个头有自己的颜色。"},
      {"lines.key", "键"},
      {"lines.layer", "层"},
      {"lines.query", "查询"},
      {"lines.strongest", "只画最强的 %zu 条（共 %zu 条）"},
      {"lines.strongest_tip", "线太多会互相遮挡，也会让页面变慢，所以只画最强的那些。把鼠标移到某个词上或固定它，可以看到它的全部连线；也可以少开几个头。"},
      {"lines.tip_head", "第 %d 个头：%.4f"},
      {"lines.tip_pair", "%s -> %s，第 %d 层"},
      {"lines.tip_pin", "把它固定为查询词"},
      {"lines.tip_pin_query", "%s\n单击：%s"},
      {"lines.tip_unpin", "不再把它作为查询词"},
      {"lines.unpin", "取消固定"},
      {"lines.unpin_tip", "重新显示所有查询词的连线"},
      {"link.bad_lang", "lang=%s 不是 en 或 zh；已忽略"},
      {"link.head_range", "head=%d 超出范围：这个模型每层有 %d 个头（0 到 %d）；改为显示默认的第 0 个头"},
      {"link.layer_range", "layer=%d 超出范围：这个模型有 %d 层（0 到 %d）；改为显示默认的第 0 层"},
      {"link.not_one_of", "%s=%s 不在可选值 %s 之中；改用 %s"},
      {"link.token_range", "token=%d 超出范围：输入只有 %d 个词元；不固定词元"},
      {"link.unknown_keys", "忽略了链接里不认识的键：%s"},
      {"link.vsrev_bad", "vsrev=%s 不是一个版本（提交的 sha、分支名或标签），已忽略"},
      {"link.vsrev_not_hub", "vsrev= 只对 vs= 里的 hf:<org/name> 模型有效，已忽略"},
      {"matrix.head", "头"},
      {"matrix.layer", "层"},
      {"matrix.looks_most", "「%s」最关注："},
      {"matrix.reset_zoom", "重置缩放"},
      {"matrix.src_head", "这个头"},
      {"matrix.src_mean", "本层所有头的平均"},
      {"matrix.src_rollout", "传播到本层（rollout）"},
      {"matrix.tip_click", "单击：固定这一行的查询词元   滚轮：缩放   拖动：平移"},
      {"matrix.tip_key", "键 key    %d 「%s」"},
      {"matrix.tip_query", "查询 query  %d 「%s」"},
      {"matrix.tip_weight", "权重 %.5f"},
      {"matrix.tip_what_head", "查询词元把多少注意力放在这个键词元上"},
      {"matrix.tip_what_mean", "本层所有头的平均"},
      {"matrix.tip_what_rollout", "从第 0 层一直传播到本层的注意力"},
      {"matrix.unpin", "取消固定"},
      {"model.help_gpt2_mini", "GPT-2 式的因果语言模型（英文和中文），6 层，每层 8 个头。每个词元只能看见它前面的词元。"},
      {"model.help_zh_bert_mini", "中文 BERT（掩码语言模型），6 层，每层 8 个注意力头。在文本里写 [MASK]，看模型猜那里是什么字。"},
      {"model.help_zh_bert_ner_mini", "在 zh-bert-mini 上微调的命名实体识别模型：给每个字打 BIO 标签，找出人名、地名和机构名。"},
      {"model.pattern", "模式：%s"},
      {"model.pattern_broad", "分散：注意力铺在很多词元上"},
      {"model.pattern_next", "看后一个词元"},
      {"model.pattern_prev", "看前一个词元"},
      {"model.pattern_self", "看自己"},
      {"model.pattern_special", "停在 [CLS]/[SEP] 上（常常表示“这里没事可做”）"},
      {"model.tip_click", "单击：选中   双击：放大查看"},
      {"model.tip_entropy", "熵 %.2f 奈特   平均距离 %.2f"},
      {"model.tip_knocked", "（已关掉）"},
      {"model.tip_layer_head", "第 %d 层，第 %d 个头%s"},
      {"model.tip_prev_next", "看前一个 %.2f   看后一个 %.2f"},
      {"model.tip_special", "看 [CLS] %.2f   看 [SEP] %.2f   看自己 %.2f"},
      {"neuron.by_weight", "按权重排序"},
      {"neuron.by_weight_tip", "把键从最受关注排到最不受关注（适合长输入）"},
      {"neuron.col_prod", "q × k（逐项相乘）"},
      {"neuron.col_score", "q.k / sqrt(d)"},
      {"neuron.col_softmax", "softmax"},
      {"neuron.differ", "softmax(q.k/sqrt(%d)) 与模型的注意力不一致：最大差 %.3g"},
      {"neuron.head", "头"},
      {"neuron.help",
       "一个头是怎样算出注意力的？\n"
       "每个词元都有一个查询向量 q（“我想找什么”）和一个键向量 "
       "k（“我有什么”），各有 d 个数字（蓝色为负，白色为 0，红色为正）。"
       "\n"
       "词元 j 的得分 = q 和 k_j 的点积除以 sqrt(d)：中间的色条就是逐项乘积 "
       "q[c]*k_j[c]，把它们加起来就是点积。\n"
       "再用 softmax 把得分变成加起来等于 1 的权重，这就是注意力。"
       "GPT-2 不能偷看后面的词：后面的键被遮住（masked）。\n"
       "\n"
       "标题下面那行，把这里用 q 和 k 重新算出的 softmax 和模型报告的注意力作比较："
       "差别极小，说明这张图就是模型实际做的计算。\n"
       "\n"
       "单击某个键的标签，就把它设为查询词。"},
      {"neuron.layer", "层"},
      {"neuron.masked", "遮住"},
      {"neuron.match", "softmax(q.k/sqrt(%d)) 与模型的注意力一致：最大差 %.1e"},
      {"neuron.no_model_att", "没有模型的注意力可比较"},
      {"neuron.no_qk", "这次运行没有保留查询/键向量。"},
      {"neuron.query", "查询词：%s（词元 %d）"},
      {"neuron.tip_k", "k[%d]（%s 的）= %.4f"},
      {"neuron.tip_masked", "%s 在查询词之后：被遮住（GPT-2 只能看见前面的词）"},
      {"neuron.tip_prod", "q[%d] * k[%d] = %.4f * %.4f = %.4f"},
      {"neuron.tip_q", "q[%d] = %.4f（查询词 %s）"},
      {"neuron.tip_score", "%s：q.k/sqrt(%d) = %.4f，softmax = %.5f，模型 = %.5f"},
      {"opt.cmap_cividis", "cividis（蓝黄）"},
      {"opt.cmap_gray", "灰度"},
      {"opt.cmap_magma", "magma（黑红黄）"},
      {"opt.cmap_viridis", "viridis（蓝绿黄）"},
      {"opt.colormap", "配色"},
      {"opt.hide_special", "隐藏特殊词元"},
      {"opt.hide_special_help", "把 [CLS]、[SEP] 等特殊词元所在的行和列变灰。很多头“没事可做”的时候，会把注意力停放在这些词元上；把它们隐藏起来，其余的模式就更清楚。"},
      {"opt.linear", "线性"},
      {"opt.log", "对数"},
      {"opt.merge", "合并"},
      {"opt.merge_chars", "字"},
      {"opt.merge_help", "每个词元一行/一列，或每个字一行（GPT-2 会把有些汉字拆成几个字节词元），或每个词一行（把 play ##ing 这样的词片拼回去）。合并的行取平均，合并的列把注意力加起来。"},
      {"opt.merge_tokens", "词元"},
      {"opt.merge_words", "词"},
      {"opt.scale", "刻度"},
      {"opt.scale_help", "权重怎样变成颜色。线性刻度下只有大的权重显眼；平方根和对数刻度让小的权重也看得见（对数把 0.0001 到 1 铺满整个配色）。"},
      {"opt.share", "分享"},
      {"opt.sqrt", "平方根"},
      {"opt.threshold", "阈值"},
      {"opt.threshold_help", "低于阈值的权重画成 0，只看一个头最强的那些联系。"},
      {"pred.after", "在 %s 之后"},
      {"pred.append_tip", "把它接到文本后面（id %d，logit %.2f）"},
      {"pred.bio_help", "B- 表示一个实体的开头，I- 表示实体的后续部分，O 表示不属于任何实体。\n单击一个字，它就成为查询词，各个视图会显示模型给它打标签时在看哪些字。"},
      {"pred.fill_tip", "在 %s 处填入“%s”（logit %.2f）"},
      {"pred.greedy", "贪心续写 ×10"},
      {"pred.greedy_tip", "连续十次接上最可能的词元（遇到 <|endoftext|> 就停）"},
      {"pred.help",
       "模型对这段输入的预测。\n"
       "- BERT（掩码语言模型）：每个 [MASK] 处最可能的 5 个词元和它们的概率。"
       "单击输入里的词元把它遮住；单击一个猜测把它填进去。\n"
       "- GPT-2：最可能的 10 个下一个词元。单击一个就把它接上并重新运行："
       "文本生成就是这样一次一个词元地进行的，你可以看着注意力一步步变大。"
       "\n"
       "- 命名实体模型：每个字的标签（B- 开头，I- 后续，O 不是实体），"
       "实体按类型上色。\n"
       "在“关掉注意力头”面板里关掉一些头，看看这些预测会不会变。"},
      {"pred.kind_causal", "预测下一个词元"},
      {"pred.kind_mlm", "掩码语言模型"},
      {"pred.kind_none", "这个模型没有预测头：只有注意力"},
      {"pred.kind_seq", "整句分类"},
      {"pred.kind_token", "词元分类（%d 个标签）"},
      {"pred.mask_a_token", "遮住一个词元："},
      {"pred.mask_at", "%s 在词元 %d"},
      {"pred.next_after", "%s 后面的下一个词元"},
      {"pred.no_classifier", "这次运行没有分类器输出。"},
      {"pred.no_entities", "没有找到实体"},
      {"pred.no_lm_last", "语言模型头没有在最后一个词元上运行。"},
      {"pred.no_lm_mask", "语言模型头没有在 [MASK] 位置上运行。"},
      {"pred.no_mask", "输入里没有 %s。单击下面的某个词元把它遮住，看看模型猜那里是什么。"},
      {"pred.no_run", "还没有运行。"},
      {"pred.piece_tip", "id %d 只是一个多字节字符的一部分：单独接上去不是有效的文字"},
      {"pred.replace_tip", "把“%s”换成 %s"},
      {"pred.seq_label", "整段输入的标签（来自 [CLS]）："},
      {"pred.tag_tip", "%s：%s（%.0f%%）\n单击：设为查询词"},
      {"pred.undo", "撤销"},
      {"pred.undo_tip", "回到在这里最后一次修改之前的文本"},
      {"rollout.bar_legend", "横条：传播值；竖线：只看本层"},
      {"rollout.from", "从 %s 传播来的注意力"},
      {"rollout.help",
       "左图：选中那一层所有头的注意力平均值。\n"
       "右图：注意力传播（rollout，Abnar 与 Zuidema 2020）。信息每经过一层，"
       "就按注意力混合一次；经过很多层以后，某个位置里到底含有哪些输入词的信息？rollout "
       "的估计方法是：每层的平均注意力加上残差连接（0.5 × 单位矩阵），"
       "每行重新归一化，再把各层相乘：R = A_l … A_1 A_0。\n"
       "深层把所有东西都混在一起了，单看它自己的注意力说明不了哪些输入重要；"
       "rollout 把混合过程一路追回到原来的字词。\n"
       "\n"
       "行是查询词（谁在看），列是键词（被看的是谁）。单击一个格子，"
       "把这一行的词固定为查询词。"},
      {"rollout.layer", "层"},
      {"rollout.layer_tip", "从第 0 层传播到第 %d 层"},
      {"rollout.mean", "平均注意力"},
      {"rollout.mean_title", "第 %d 层：所有头的平均"},
      {"rollout.rollout", "传播值"},
      {"rollout.rollout_title", "传播到第 %d 层"},
      {"rollout.scale", "颜色刻度"},
      {"rollout.scale_options", "同选项面板"},
      {"rollout.scale_tip", "传播后的权重都很小、很平均；用平方根或对数刻度，差别才看得出来"},
      {"rollout.tip_bar", "%s：传播值 %.4f，本层平均注意力 %.4f（竖线）"},
      {"rollout.tip_click", "单击：把这一行的词固定为查询词"},
      {"share.copied", "链接已复制 ✓"},
      {"share.copy_link", "复制链接"},
      {"share.copy_link_tip", "复制一个链接，打开后正是现在这个画面（模型、文本、层、头、词元和选项）"},
      {"share.embed", "嵌入"},
      {"share.embed_tip", "隐藏侧边面板（用于幻灯片和 iframe）；链接会记住这个设置"},
      {"side.input", "输入"},
      {"side.knockout", "关掉注意力头"},
      {"side.options", "选项"},
      {"side.predictions", "预测"},
      {"side.tour", "课程导览"},
      {"stats.col_distance", "距离"},
      {"stats.col_entropy", "熵"},
      {"stats.col_head", "头"},
      {"stats.col_layer", "层"},
      {"stats.col_next", "后一个"},
      {"stats.col_prev", "前一个"},
      {"stats.col_self", "自己"},
      {"stats.distance", "平均距离 %.2f 个词元"},
      {"stats.entropy", "熵 %.2f 奈特（平均分给 %d 个词元时：%.2f）"},
      {"stats.grid_colour", "网格颜色"},
      {"stats.help",
       "用几个数字描述每个头在做什么（对所有查询行取平均）：\n"
       "- 熵：注意力有多分散（0 = 只看一个词；log T = 平均分给全部 "
       "T 个词元）\n"
       "- 距离：被关注的词平均离自己多远（按词元数算）\n"
       "- [CLS] / [SEP]：放在这两个特殊词元上的注意力比例（GPT-2 没有它们："
       "算第一个词元 / <|endoftext|>）。头没事可做时，常常把注意力“停放”在这里\n"
       "- 自己 / 前一个 / 后一个：放在自己、前一个词、后一个词上的比例（这类头叫“位置头”）\n"
       "\n"
       "网格按某一个统计量给每个头上色；表格可以按任何一列排序（单击列标题）。"
       "单击格子、行或缩略图，就在所有视图里选中那个头。"},
      {"stats.mean_distance", "平均距离"},
      {"stats.none", "还没有统计：请先输入一些文字。"},
      {"stats.on_cls", "看 [CLS]"},
      {"stats.on_next", "看后一个"},
      {"stats.on_prev", "看前一个"},
      {"stats.on_self", "看自己"},
      {"stats.on_sep", "看 [SEP]"},
      {"stats.range", "%s：%.3f（暗）到 %.3f（亮）"},
      {"stats.selected", "选中：第 %d 层第 %d 个头"},
      {"stats.shares", "[CLS] %.0f%%  [SEP] %.0f%%  自己 %.0f%%  前一个 %.0f%%  后一个 %.0f%%"},
      {"stats.tip_cell", "第 %d 层第 %d 个头：%s %.3f"},
      {"status.forward", "前向计算 %.1f 毫秒%s"},
      {"status.layer_head", "第 %d 层  第 %d 个头"},
      {"status.loading", "加载中…"},
      {"status.no_model", "没有模型"},
      {"status.running", "  运行中…"},
      {"status.shape", "%s  %d 层 × %d 个头"},
      {"status.show_panels", "显示面板"},
      {"status.show_panels_tip", "退出嵌入布局：重新显示输入、选项和模型选择"},
      {"status.token", "词元 %d 「%s」"},
      {"status.tokens", "T = %d 个词元"},
      {"status.truncated", "输入已截断为 %d 个词元"},
      {"top.export", "导出…"},
      {"top.export_tip", "把注意力保存为 JSON / CSV，或把页面保存为 PNG 图片"},
      {"top.load_files", "打开文件…"},
      {"top.load_files_tip",
       "你自己的 Hugging Face BERT 或 GPT-2 模型：选择它的文件夹或文件（config.json、"
       "\n"
       "model.safetensors、tokenizer.json 或词表文件），也可以拖到页面上。"
       "\n"
       "文件只在你的浏览器里读取，不会上传。"},
      {"top.load_folder", "打开文件夹…"},
      {"top.load_folder_tip",
       "你自己的 Hugging Face BERT 或 GPT-2 模型文件夹（config.json、model.safetensors、"
       "\n"
       "tokenizer.json 或词表文件），例如 bert-base-chinese。也可以直接拖到页面上。"
       "\n"
       "文件只在你的浏览器里读取，不会上传。"},
      {"top.model_tip", "选择一个内置模型"},
      {"top.tagline", "在浏览器里看注意力"},
      {"tour.add_step", "添加步骤"},
      {"tour.add_tip", "把当前画面（文本、视图、层、头、词元、选项）记为当前步骤之后的新一步"},
      {"tour.back", "上一步"},
      {"tour.back_tip", "导览的上一步"},
      {"tour.caption", "第 %d 步的说明（可用 **粗体** 和换行）"},
      {"tour.copied", "导览链接已复制 ✓"},
      {"tour.copy", "复制导览链接"},
      {"tour.copy_tip", "复制一个链接：用这个模型，从第一步打开这个导览"},
      {"tour.count", "%d / %d"},
      {"tour.down", "下移"},
      {"tour.example_gpt2", "导览：GPT-2 怎样生成文字（gpt2-mini）"},
      {"tour.example_mask", "导览：BERT 的 [MASK]（zh-bert-mini）"},
      {"tour.example_ner", "导览：中文命名实体识别（zh-bert-ner-mini）"},
      {"tour.model_note", "导览使用链接里的模型；步骤不能切换模型。"},
      {"tour.next", "下一步"},
      {"tour.next_tip", "导览的下一步（回到那一步的画面，不管你中间改了什么）"},
      {"tour.no_caption", "（没有说明）"},
      {"tour.none", "还没有导览。"},
      {"tour.panel_help",
       "课程导览是一串画面，每个画面配一段说明，整个导览就是一个链接。"
       "先把画面调好，按“添加步骤”，再写下学生应该看到什么。"
       "每一步只记下和上一步不同的地方。“复制导览链接”得到的链接会从第一步打开导览。"},
      {"tour.remove", "删除步骤"},
      {"tour.step_item", "%d. %s"},
      {"tour.steps_tip", "单击某一步就跳过去。两步之间可以随意探索：按“下一步”或“上一步”就回到导览的画面。"},
      {"tour.up", "上移"},
      {"tour.update_step", "更新步骤"},
      {"tour.update_tip", "用页面现在的画面替换当前步骤的画面（说明文字不变）"},
      {"view.lines", "连线"},
      {"view.lines_help", "把选中的头画成连线：左边每个词元连向它所关注的右边词元；线越粗越深，注意力越多。"},
      {"view.loading", "正在加载模型…"},
      {"view.matrix", "矩阵"},
      {"view.matrix_help",
       "放大显示选中的那个注意力头。\n"
       "第 i 行表示第 i 个词元（提问的 query）把注意力怎样分给所有词元（被看的 "
       "key）；每一行的权重加起来正好等于 1，就像把全部注意力分给大家。"
       "\n"
       "鼠标悬停可以看到准确的数值，滚轮缩放，拖动平移；单击一行，"
       "就在所有视图里固定这个词元。"},
      {"view.model", "模型总览"},
      {"view.model_help",
       "模型每一层的每一个注意力头，都画成一张小热力图。\n"
       "什么是“头”？Transformer 的每一层里有好几个并行的注意力头，"
       "每个头用自己的方式决定“每个词该看哪些词”。\n"
       "图中每一行是一个提问的词元（query），每一列是被看的词元（key）；"
       "越亮，表示这一行的词把越多注意力放在那一列的词上。\n"
       "单击一个小图选中这个头，双击放大查看。方向键上下换层、"
       "左右换头。"},
      {"view.neuron", "计算过程"},
      {"view.neuron_help", "一步一步看一个注意力权重是怎么算出来的：固定词元的查询向量 q、其他词元的键向量 k、它们逐项相乘、缩放后的点积，最后经过 softmax 变成加起来为 1 的权重。"},
      {"view.no_attention", "还没有注意力：请先输入一些文字。"},
      {"view.rollout", "注意力传播"},
      {"view.rollout_help",
       "左边：每一层所有头的平均注意力。右边：注意力传播（rollout，"
       "Abnar 与 Zuidema 2020）：把各层的注意力（加上残差连接）一层层相乘，"
       "估计经过这么多层以后，每个输入词元的信息流进了每个位置多少。"
       "越深的层，单看本层注意力越说明不了问题，rollout 把混合过程追溯回原来的字词。"},
      {"view.stats", "统计"},
      {"view.stats_help", "每个头的几个数字：熵（注意力有多分散）、平均距离、放在 [CLS] / [SEP] 上的注意力、放在自己身上的、放在前一个或后一个词元上的。按某一列排序，就能找出有同样习惯的头。"},
      {"view.type_text", "在左边输入一些文字，模型就会运行。"},
      {"view.what", "(?) 这个视图显示什么？"},
  };
  return table;
}

}  // namespace attnviz
