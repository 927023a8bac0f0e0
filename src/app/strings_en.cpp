// English strings of the page, sorted by key (i18n.h). Keys: "section.name".
#include "i18n.h"

namespace attnviz {

const std::vector<StringEntry>& strings_en() {
  static const std::vector<StringEntry> table = {
      // --- compare (issue 13c): "what did fine-tuning change?" (view_compare.cpp) ---
      {"compare.cell", "Layer %d, head %d"},
      {"compare.cell_values", "mean |difference| %.4f   Jensen-Shannon %.4f bits"},
      {"compare.click_selects", "click: select this head in every view"},
      {"compare.difference", "difference"},
      {"compare.example_ner", "What did NER fine-tuning change? (compare)"},
      {"compare.hash_differs", "The files of %s differ from the ones the link was made with (hash %s, the link says %s): what you see may not be what the link's author saw."},
      {"compare.head_range", "layer %d, head %d: the difference's colors span ±%.3f (red: more attention in this model, blue: more in the other)"},
      {"compare.help", "What did fine-tuning change? The current model against a second one with the same tokenizer and shape (link key vs=), on the same text. The grid shows, per head, how different the two attention matrices are: the mean absolute difference of the weights, or the Jensen-Shannon divergence of each query's row (0 = same, 1 bit = nothing in common), averaged over rows. Click a cell to select that head everywhere; on the right its two matrices and their difference."},
      {"compare.help_js", "Jensen-Shannon divergence, in bits, of each query's attention row in the two models, averaged over the rows: 0 = the same distribution, 1 = no overlap at all."},
      {"compare.help_mean_abs", "Mean absolute difference of the two attention matrices over all query/key pairs."},
      {"compare.load_failed", "%s cannot be loaded for comparison: %s. Keeping the current model."},
      {"compare.loading", "Loading %s for comparison…"},
      {"compare.metric_js", "Jensen-Shannon"},
      {"compare.metric_mean_abs", "mean |difference|"},
      {"compare.no_longer_fits", "%s does not fit %s (another shape or tokenizer): pick a model to compare with."},
      {"compare.none", "No second model to compare with. A fine-tuned model and the model it started from share their tokenizer and shape: this view shows which heads the fine-tuning moved."},
      {"compare.not_builtin", "vs=%s: only the built-in models can be compared from a link for now."},
      {"compare.pick", "Compare with:"},
      {"compare.pick_files", "Compare with files…"},
      {"compare.refused_shape", "Refused: %s cannot be compared with %s, which has %d layers x %d heads (hidden size %d) while %s has %d x %d (hidden size %d). Both models need the same shape, e.g. a fine-tune and the model it started from. Keeping the current model."},
      {"compare.refused_tokenizer", "Refused: %s cannot be compared with %s, whose tokenizer differs (%d tokens; %s has %d). The same text must give the same tokens in both models. Keeping the current model."},
      {"compare.scale_js", "color: 0 to %.4f bits (the largest head)"},
      {"compare.scale_mean_abs", "color: 0 to %.4f (the largest head)"},
      {"compare.stop", "Stop comparing"},
      {"compare.tab", "Compare"},
      {"compare.title", "%s  vs  %s"},
      {"compare.user_files", "This link compares with your own model \"%s\": pick its folder (config.json, model.safetensors, tokenizer files) to see it. The files stay in your browser."},
      {"compare.weight", "query %s → key %s"},
      // --- end compare ---
      {"lang.en", "English"},
      {"lang.zh", "中文"},
  };
  return table;
}

}  // namespace attnviz
