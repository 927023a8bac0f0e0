// English strings of the page, sorted by key (i18n.h). Keys: "section.name". Generated once from the views' literals;
// edit by hand, keeping the order (byte order of the keys) and the printf placeholders of strings_zh.cpp.
#include "i18n.h"

namespace attnviz {

const std::vector<StringEntry>& strings_en() {
  static const std::vector<StringEntry> table = {
      {"app.hash_differs",
       "These files differ from the ones the link was made with (hash %s, the link says %s): "
       "what you see may not be what the link's author saw."},
      {"app.keeping", " — keeping %s"},
      {"app.link_problems", "This link had problems: %s"},
      {"app.no_engine", "%s: no engine to load it"},
      {"app.no_gpu_shader", "%s (heatmaps are drawn without the GPU shader)"},
      {"app.not_builtin", "model=%s is not a built-in model (zh-bert-mini, zh-bert-ner-mini, gpt2-mini): showing %s."},
      {"app.png_too_large", "PNG export: the page is too large to save at this scale"},
      {"app.user_model_link",
       "This link was made with your own model \"%s\": drop its files (config.json, model.safetensors, "
       "tokenizer files) on the page or use \"Load files…\" to see it. Showing %s meanwhile."},
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
      {"compare.hub_offered", "%s is a Hugging Face model: it is downloaded only when you click \"%s\" above; the files are then kept in this browser."},
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
      {"export.all_csv", "all %d heads (CSV, ~%.1f MB)"},
      {"export.all_json", "all %d heads (JSON, ~%.1f MB)"},
      {"export.head_csv", "attention of this head (CSV)"},
      {"export.head_json", "attention of this head (JSON)"},
      {"export.png", "picture of the view (PNG, 2x)"},
      {"export.unavailable", "export is not available here"},
      {"hub.about_size", "about %s"},
      {"hub.button", "Hugging Face…"},
      {"hub.button_tip",
       "Open a BERT or GPT-2 model from the Hugging Face Hub by its name (e.g. bert-base-chinese);\n"
       "its files are kept in this browser, so the next visit needs no network."},
      {"hub.cached", "Models on this computer"},
      {"hub.cancel", "Cancel"},
      {"hub.cancel_tip", "Stop the download; the current model stays"},
      {"hub.cat_bert_base_chinese",
       "Chinese BERT, 12 layers x 12 heads: one token per character; put [MASK] in the text "
       "to see its guesses"},
      {"hub.cat_bert_base_uncased", "English BERT (lowercased), 12 x 12: the heads BertViz made famous"},
      {"hub.cat_ckip_ner", "Traditional Chinese NER (BertForTokenClassification); weights only as pytorch_model.bin"},
      {"hub.cat_cluener", "Chinese NER (CLUENER2020, 10 entity types); BERT architecture despite the name"},
      {"hub.cat_distilbert", "English DistilBERT (lowercased), 6 layers x 12 heads"},
      {"hub.cat_gpt2", "GPT-2 small, 12 x 12: causal attention, next-token guesses"},
      {"hub.cat_roberta", "English RoBERTa, 12 x 12: byte-level BPE, <mask> guesses"},
      {"hub.cat_xlmr", "XLM-RoBERTa, 100 languages (Chinese and English in one model), SentencePiece Unigram, 12 x 12"},
      {"hub.default", "default"},
      {"hub.default_button", "Default"},
      {"hub.delete", "Delete"},
      {"hub.done_of_total", "%s of %s"},
      {"hub.download_open", "Download and open"},
      {"hub.downloading", "Downloading %s from %s: %s"},
      {"hub.downloading_compare", "Downloading %s from %s to compare with: %s"},
      {"hub.endpoint", "Hub endpoint"},
      {"hub.endpoint_help",
       "Where models come from: https://huggingface.co, or a mirror with the same layout. "
       "Kept in this browser. A site can set its default in attnviz.config.json. Changing "
       "it reloads the page, whose security policy names the one site it may download from."},
      {"hub.eta_h", "%.1f h left"},
      {"hub.eta_min", "%.0f min left"},
      {"hub.eta_s", "%.0f s left"},
      {"hub.hint", "bert-base-chinese, org/name or org/name@revision"},
      {"hub.known", "Known-good models"},
      {"hub.model", "Hugging Face model"},
      {"hub.no_cache",
       "This browser does not let the page keep files (a private window?): models are downloaded "
       "again on each visit."},
      {"hub.none_yet", "none yet"},
      {"hub.not_now", "Not now"},
      {"hub.now", "now: %s (%s)"},
      {"hub.offer",
       "This link opens the Hugging Face model %s%s from %s (%s). Nothing is downloaded until "
       "you click; the files are then kept in this browser."},
      {"hub.offer_at", " at %s"},
      {"hub.offer_compare", "This link compares the current model with the Hugging Face model %s%s from %s (%s). Nothing is downloaded until you click; the files are then kept in this browser."},
      {"hub.open", "Open"},
      {"hub.partial", "partial download"},
      {"hub.partial_tip", "A download that stopped part-way (cancelled or cut off). Resume downloads only the missing files; Delete frees the space."},
      {"hub.privacy", "Files come from %s when you click; nothing is sent but the model's name."},
      {"hub.resume", "Resume"},
      {"hub.size_unknown", "size shown after the file list"},
      {"hub.use", "Use"},
      {"input.example_english", "English"},
      {"input.example_ner", "NER sentence"},
      {"input.example_pair", "Sentence pair"},
      {"input.example_poem", "Poem + [MASK]"},
      {"input.examples", "Examples…"},
      {"input.pair", "Second text (optional)"},
      {"input.pair_help",
       "BERT reads two texts as one sequence: [CLS] A [SEP] B [SEP], with token type 1 on "
       "B. Heads that look across the [SEP] boundary show up here."},
      {"input.running", "running…"},
      {"input.text", "Text"},
      {"input.text_help",
       "Type or paste any text: the model re-runs as you type. BERT models add [CLS] at the "
       "start and [SEP] at the end; put [MASK] where a word is missing to see what zh-bert-mini "
       "guesses."},
      {"input.tokens_ms", "%d tokens, forward %.1f ms"},
      {"input.truncated", "The input was cut to the model's limit of %d tokens; the rest is not shown."},
      {"ko.all", " (all)"},
      {"ko.before", "before (off: %s)"},
      {"ko.clear", "clear"},
      {"ko.click_heads", "click heads above to knock them out and compare"},
      {"ko.count", "%d of %d heads off"},
      {"ko.head_tip", "layer %d head %d: click to %s"},
      {"ko.head_tip_moved", "layer %d head %d: click to %s\nattention moved by %.3f per row since the last change"},
      {"ko.help",
       "Switch heads off to test what they do. A knocked-out head still computes its attention, "
       "but its output is replaced by zeros, so the layers above never see it. If the predictions "
       "change, the head mattered for this input. Later heads' attention changes too: the "
       "grid shades each head by how far its attention moved (mean |change| per row) compared "
       "with the run before your last change."},
      {"ko.knock_layer", "knock out selected layer"},
      {"ko.knock_out", "knock out"},
      {"ko.knock_out_layer", "knock out all heads of layer %d"},
      {"ko.next", "next: "},
      {"ko.no_entities", "no entities"},
      {"ko.no_model", "No model yet."},
      {"ko.none", "none"},
      {"ko.now", "now (off: %s)"},
      {"ko.predictions_now", "predictions now:"},
      {"ko.restore", "restore"},
      {"ko.restore_layer", "restore all heads of layer %d"},
      {"ko.shading", "head shading: how much its attention moved (max %.3f per row)"},
      {"lang.en", "English"},
      {"lang.tip", "The page's language (English / 中文); the link keeps it"},
      {"lang.zh", "中文"},
      {"lines.all_heads", "all heads"},
      {"lines.head_tip", "head %d: click to add it (click a lit head to show it alone)"},
      {"lines.heads", "heads"},
      {"lines.help",
       "Each line joins a query token (left) to a key token (right). The darker the line, "
       "the more attention the query pays to that key in this head: the query's output is "
       "a weighted mix of the keys' value vectors, with these weights. Each row of weights "
       "sums to 1.\n"
       "\n"
       "Hover a token on the left to see only its lines; hover one on the right to see who "
       "looks at it; click a left token to pin it as the query (the other views follow). "
       "Turn on several heads to compare them: each has its own colour."},
      {"lines.key", "key"},
      {"lines.layer", "layer"},
      {"lines.query", "query"},
      {"lines.strongest", "strongest %zu of %zu lines"},
      {"lines.strongest_tip",
       "This many lines would hide each other and slow the page: only the strongest are drawn. "
       "Hover or pin a token to see all of its lines, or show fewer heads."},
      {"lines.tip_head", "head %d: %.4f"},
      {"lines.tip_pair", "%s -> %s, layer %d"},
      {"lines.tip_pin", "pin"},
      {"lines.tip_pin_query", "%s\nclick to %s it as the query"},
      {"lines.tip_unpin", "unpin"},
      {"lines.unpin", "unpin"},
      {"lines.unpin_tip", "show the lines of every query again"},
      {"link.bad_lang", "lang=%s is not en or zh; ignored"},
      {"link.head_range", "head=%d is out of range: the model has %d heads (0 to %d); showing head 0, the default"},
      {"link.layer_range", "layer=%d is out of range: the model has %d layers (0 to %d); showing layer 0, the default"},
      {"link.not_one_of", "%s=%s is not one of %s; using %s"},
      {"link.token_range", "token=%d is out of range: the input has %d tokens; no token pinned"},
      {"link.unknown_keys", "ignored unknown link keys: %s"},
      {"link.vsrev_bad", "vsrev=%s is not a revision (a commit sha, branch or tag); ignored"},
      {"link.vsrev_not_hub", "vsrev= only applies to an hf:<org/name> vs= model; ignored"},
      {"matrix.head", "Head"},
      {"matrix.layer", "Layer"},
      {"matrix.looks_most", "「%s」 looks most at:"},
      {"matrix.reset_zoom", "Reset zoom"},
      {"matrix.src_head", "this head"},
      {"matrix.src_mean", "mean of the layer's heads"},
      {"matrix.src_rollout", "rollout up to this layer"},
      {"matrix.tip_click", "click: pin this query row   wheel: zoom   drag: pan"},
      {"matrix.tip_key", "key    %d 「%s」"},
      {"matrix.tip_query", "query  %d 「%s」"},
      {"matrix.tip_weight", "weight %.5f"},
      {"matrix.tip_what_head", "how much the query token attends to the key token"},
      {"matrix.tip_what_mean", "mean over this layer's heads"},
      {"matrix.tip_what_rollout", "attention rolled out through layers 0..this one"},
      {"matrix.unpin", "Unpin"},
      {"model.help_gpt2_mini",
       "GPT-2 style causal model (English + Chinese), 6 layers x 8 heads. Each token sees "
       "only earlier ones."},
      {"model.help_zh_bert_mini",
       "Chinese BERT (masked language model), 6 layers x 8 heads. Put [MASK] in the text "
       "to see its guesses."},
      {"model.help_zh_bert_ner_mini",
       "zh-bert-mini fine-tuned to tag people, places and organisations (BIO tags per character)."},
      {"model.pattern", "pattern: %s"},
      {"model.pattern_broad", "broad: spreads over many tokens"},
      {"model.pattern_next", "looks at the next token"},
      {"model.pattern_prev", "looks at the previous token"},
      {"model.pattern_self", "looks at itself"},
      {"model.pattern_special", "parks on [CLS]/[SEP] (often: 'nothing to do here')"},
      {"model.tip_click", "click: select   double-click: open large"},
      {"model.tip_entropy", "entropy %.2f nats   mean distance %.2f"},
      {"model.tip_knocked", " (knocked out)"},
      {"model.tip_layer_head", "Layer %d, head %d%s"},
      {"model.tip_prev_next", "previous token %.2f   next token %.2f"},
      {"model.tip_special", "on [CLS] %.2f   on [SEP] %.2f   self %.2f"},
      {"neuron.by_weight", "keys by weight"},
      {"neuron.by_weight_tip", "list the keys from the most attended to the least (long inputs)"},
      {"neuron.col_prod", "q x k (elementwise)"},
      {"neuron.col_score", "q.k / sqrt(d)"},
      {"neuron.col_softmax", "softmax"},
      {"neuron.differ", "softmax(q.k/sqrt(%d)) differs from the model's attention row: max diff %.3g"},
      {"neuron.head", "head"},
      {"neuron.help",
       "How one head computes its attention. Every token gets a query vector q and a key "
       "vector k (each d numbers, blue = negative, white = 0, red = positive). The score "
       "of key j is the dot product q.k_j divided by sqrt(d): the middle strip shows the "
       "products q[c]*k_j[c] that add up to it. A softmax turns the scores into weights that "
       "sum to 1. GPT-2 cannot look ahead: later keys are masked out.\n"
       "\n"
       "The line under the title compares the softmax computed here from q and k with the "
       "attention the model reported: a tiny difference means the picture is exactly what "
       "the model did.\n"
       "\n"
       "Click a key's label to make it the query."},
      {"neuron.layer", "layer"},
      {"neuron.masked", "masked"},
      {"neuron.match", "softmax(q.k/sqrt(%d)) matches the model's attention row: max diff %.1e"},
      {"neuron.no_model_att", "model attention unavailable"},
      {"neuron.no_qk", "This run kept no query/key vectors."},
      {"neuron.query", "query: %s (token %d)"},
      {"neuron.tip_k", "k[%d] of %s = %.4f"},
      {"neuron.tip_masked", "%s comes after the query: masked (GPT-2 sees only the past)"},
      {"neuron.tip_prod", "q[%d] * k[%d] = %.4f * %.4f = %.4f"},
      {"neuron.tip_q", "q[%d] = %.4f (query %s)"},
      {"neuron.tip_score", "%s: q.k/sqrt(%d) = %.4f, softmax = %.5f, model = %.5f"},
      {"opt.cmap_cividis", "cividis"},
      {"opt.cmap_gray", "grayscale"},
      {"opt.cmap_magma", "magma"},
      {"opt.cmap_viridis", "viridis"},
      {"opt.colormap", "Colormap"},
      {"opt.hide_special", "Hide special tokens"},
      {"opt.hide_special_help",
       "Grey out the rows and columns of [CLS], [SEP] and other added tokens. Many heads "
       "park their attention on them when they have nothing better to do; hiding them shows "
       "the rest."},
      {"opt.linear", "linear"},
      {"opt.log", "log"},
      {"opt.merge", "Merge"},
      {"opt.merge_chars", "characters"},
      {"opt.merge_help",
       "Show one row/column per token, per character (GPT-2 splits some Chinese characters "
       "into several byte tokens) or per word (word pieces such as play ##ing joined). Merged "
       "rows average their tokens' attention; merged columns add it up."},
      {"opt.merge_tokens", "tokens"},
      {"opt.merge_words", "words"},
      {"opt.scale", "Scale"},
      {"opt.scale_help",
       "How a weight becomes a colour. Linear shows the big weights; sqrt and log make small "
       "weights visible too (log maps 0.0001 .. 1 onto the colormap)."},
      {"opt.share", "Share"},
      {"opt.sqrt", "sqrt"},
      {"opt.threshold", "Threshold"},
      {"opt.threshold_help", "Weights below the threshold are drawn as zero, to see only a head's strong links."},
      {"pred.after", "after %s"},
      {"pred.append_tip", "append it to the text (id %d, logit %.2f)"},
      {"pred.bio_help",
       "B- begins an entity, I- continues it, O is outside any entity.\n"
       "Click a character: it becomes the query token, so the views show what it looks at "
       "when it is tagged."},
      {"pred.fill_tip", "fill the %s with \"%s\" (logit %.2f)"},
      {"pred.greedy", "greedy x10"},
      {"pred.greedy_tip", "append the most likely token ten times (stops at <|endoftext|>)"},
      {"pred.help",
       "What the model predicts for this input.\n"
       "- BERT (masked LM): the 5 most likely tokens at each [MASK], with their probabilities. "
       "Click a token of the input to mask it; click a guess to fill it in.\n"
       "- GPT-2: the 10 most likely next tokens. Click one to append it and run again: this "
       "is how text generation works, one token at a time, and you can watch the attention "
       "grow.\n"
       "- NER models: each character's tag (B- begins an entity, I- continues it, O is outside), "
       "entities coloured by type.\n"
       "Switch heads off in the knockout panel and watch these predictions change."},
      {"pred.kind_causal", "next-token prediction"},
      {"pred.kind_mlm", "masked language model"},
      {"pred.kind_none", "this checkpoint has no prediction head: attention only"},
      {"pred.kind_seq", "sequence classification"},
      {"pred.kind_token", "token classification (%d labels)"},
      {"pred.mask_a_token", "mask a token:"},
      {"pred.mask_at", "%s at token %d"},
      {"pred.next_after", "next token after %s"},
      {"pred.no_classifier", "No classifier output for this run."},
      {"pred.no_entities", "no entities found"},
      {"pred.no_lm_last", "The LM head did not run at the last token."},
      {"pred.no_lm_mask", "The LM head did not run at the [MASK] positions."},
      {"pred.no_mask", "No %s in the input. Click a token below to mask it, and see what the model guesses there."},
      {"pred.no_run", "No run yet."},
      {"pred.piece_tip", "id %d is a piece of a multi-byte character: appended alone it would not be valid text"},
      {"pred.replace_tip", "replace \"%s\" with %s"},
      {"pred.seq_label", "label of the whole input (from [CLS]):"},
      {"pred.tag_tip", "%s: %s (%.0f%%)\nclick: make it the query token"},
      {"pred.undo", "undo"},
      {"pred.undo_tip", "back to the text before the last edit made here"},
      {"rollout.bar_legend", "bar: rollout; tick: this layer alone"},
      {"rollout.from", "rollout from %s"},
      {"rollout.help",
       "Left: the selected layer's attention averaged over its heads. Right: attention rollout "
       "(Abnar & Zuidema 2020) — how much each input token can have flowed into each position "
       "after this many layers. Rollout adds the residual connection as 0.5*identity to each "
       "layer's head average, renormalises the rows, and multiplies the layers together: "
       "R = A_l ... A_1 A_0. Deep layers mix everything, so their own attention says little "
       "about which inputs matter; rollout follows the mixing back to the words.\n"
       "\n"
       "Rows are queries (who looks), columns are keys (who is looked at). Click a cell to "
       "pin its row's token as the query."},
      {"rollout.layer", "layer"},
      {"rollout.layer_tip", "rollout through layers 0..%d"},
      {"rollout.mean", "mean attention"},
      {"rollout.mean_title", "mean over heads, layer %d"},
      {"rollout.rollout", "rollout"},
      {"rollout.rollout_title", "rollout through layer %d"},
      {"rollout.scale", "colour scale"},
      {"rollout.scale_options", "as in Options"},
      {"rollout.scale_tip", "rollout weights are small and even; sqrt or log colours make their differences visible"},
      {"rollout.tip_bar", "%s: rollout %.4f, this layer's mean attention %.4f (the tick)"},
      {"rollout.tip_click", "click: pin this row's token as the query"},
      {"share.copied", "Link copied ✓"},
      {"share.copy_link", "Copy link"},
      {"share.copy_link_tip", "Copy a link that opens this exact view (model, text, layer, head, token, options)"},
      {"share.embed", "Embed"},
      {"share.embed_tip", "Hide the side panels (for slides and iframes); the link keeps it"},
      {"side.input", "Input"},
      {"side.knockout", "Knock out heads"},
      {"side.options", "Options"},
      {"side.predictions", "Predictions"},
      {"side.tour", "Lesson tour"},
      {"stats.col_distance", "distance"},
      {"stats.col_entropy", "entropy"},
      {"stats.col_head", "head"},
      {"stats.col_layer", "layer"},
      {"stats.col_next", "next"},
      {"stats.col_prev", "prev"},
      {"stats.col_self", "self"},
      {"stats.distance", "mean distance %.2f tokens"},
      {"stats.entropy", "entropy %.2f nats (uniform over %d tokens: %.2f)"},
      {"stats.grid_colour", "grid colour"},
      {"stats.help",
       "Numbers that describe what each head does, averaged over the query rows:\n"
       "- entropy: how spread out the attention is (0 = one key only; log T = even over all "
       "T tokens)\n"
       "- distance: how far away (in tokens) the attended keys are on average\n"
       "- [CLS] / [SEP]: share of attention on those tokens (GPT-2: on the first token / "
       "<|endoftext|>) — heads often park attention there when they have nothing to do\n"
       "- self / prev / next: share on the token itself, the one before, the one after (positional "
       "heads)\n"
       "\n"
       "The grid colours every head by one statistic; the table sorts by any column (click "
       "its header). Click a cell, a row or a thumbnail to select that head in every view."},
      {"stats.mean_distance", "mean distance"},
      {"stats.none", "No statistics yet: type some text."},
      {"stats.on_cls", "on [CLS]"},
      {"stats.on_next", "on next"},
      {"stats.on_prev", "on previous"},
      {"stats.on_self", "on self"},
      {"stats.on_sep", "on [SEP]"},
      {"stats.range", "%s: %.3f (dark) .. %.3f (bright)"},
      {"stats.selected", "selected: layer %d head %d"},
      {"stats.shares", "[CLS] %.0f%%  [SEP] %.0f%%  self %.0f%%  prev %.0f%%  next %.0f%%"},
      {"stats.tip_cell", "layer %d head %d: %s %.3f"},
      {"status.forward", "forward %.1f ms%s"},
      {"status.layer_head", "layer %d  head %d"},
      {"status.loading", "loading…"},
      {"status.no_model", "no model"},
      {"status.running", "  running…"},
      {"status.shape", "%s  %d layers x %d heads"},
      {"status.show_panels", "Show panels"},
      {"status.show_panels_tip", "Leave the embedded layout: show the input, options and model picker"},
      {"status.token", "token %d 「%s」"},
      {"status.tokens", "T = %d"},
      {"status.truncated", "input truncated to %d tokens"},
      {"top.export", "Export…"},
      {"top.export_tip", "Save the attention as JSON / CSV, or the page as a PNG"},
      {"top.load_files", "Load files…"},
      {"top.load_files_tip",
       "Your own Hugging Face BERT or GPT-2 model: pick its folder or files (config.json,\n"
       "model.safetensors, tokenizer.json or vocab files), or drop them on the page.\n"
       "The files are read in your browser and never uploaded."},
      {"top.load_folder", "Load folder…"},
      {"top.load_folder_tip",
       "Your own Hugging Face BERT or GPT-2 model folder (config.json, model.safetensors,\n"
       "tokenizer.json or vocab files), e.g. bert-base-chinese. Or drop it on the page.\n"
       "The files are read in your browser and never uploaded."},
      {"top.model_tip", "Pick a built-in model"},
      {"top.tagline", "attention in the browser"},
      {"tour.add_step", "Add step"},
      {"tour.add_tip",
       "Record the current view (text, view, layer, head, token, options) as a new step after "
       "the current one"},
      {"tour.back", "Back"},
      {"tour.back_tip", "The previous step of the tour"},
      {"tour.caption", "Caption of step %d (**bold**, line breaks)"},
      {"tour.copied", "Tour link copied ✓"},
      {"tour.copy", "Copy tour link"},
      {"tour.copy_tip", "Copy a link that opens this tour at its first step, on this model"},
      {"tour.count", "%d / %d"},
      {"tour.down", "Move down"},
      {"tour.example_gpt2", "Tour: GPT-2 generation (gpt2-mini)"},
      {"tour.example_mask", "Tour: BERT's [MASK] (zh-bert-mini)"},
      {"tour.example_ner", "Tour: Chinese NER (zh-bert-ner-mini)"},
      {"tour.model_note", "A tour runs on the model of its link; steps cannot switch models."},
      {"tour.next", "Next"},
      {"tour.next_tip", "The next step of the tour (its view, whatever you changed meanwhile)"},
      {"tour.no_caption", "(no caption)"},
      {"tour.none", "No tour yet."},
      {"tour.panel_help",
       "A lesson tour is a list of views, each with a caption, that runs from one link. Set "
       "up a view, press Add step and write what students should see. Steps keep only what "
       "changed from the step before. Copy tour link gives the link that opens the tour at "
       "its first step."},
      {"tour.remove", "Delete step"},
      {"tour.step_item", "%d. %s"},
      {"tour.steps_tip",
       "Click a step to go there. Between steps you can explore freely: Next and Back bring "
       "the tour's views back."},
      {"tour.up", "Move up"},
      {"tour.update_step", "Update step"},
      {"tour.update_tip", "Replace the current step's view by what the page shows now (the caption stays)"},
      {"view.lines", "Lines"},
      {"view.lines_help",
       "The selected head drawn as lines from each token on the left to the tokens it attends "
       "to on the right; thicker = more attention."},
      {"view.loading", "Loading the model…"},
      {"view.matrix", "Matrix"},
      {"view.matrix_help",
       "The selected head large: row i shows how token i (the query) spreads its attention "
       "over all tokens (the keys); each row sums to 1. Hover for exact weights, wheel to "
       "zoom, drag to pan, click a row to pin that token in every view."},
      {"view.model", "Model"},
      {"view.model_help",
       "Every attention head of every layer as a small heatmap (rows = queries, columns = "
       "keys; bright = much attention). Click one to select it, double-click to open it large. "
       "Arrow keys move between layers (up/down) and heads (left/right)."},
      {"view.neuron", "Neuron"},
      {"view.neuron_help",
       "How one attention weight is computed: the query vector of the pinned token, the key "
       "vectors of the others, their products, the scaled dot products and the softmax."},
      {"view.no_attention", "No attention yet: type some text."},
      {"view.rollout", "Rollout"},
      {"view.rollout_help",
       "Mean over heads per layer, and attention rollout (Abnar & Zuidema 2020): attention "
       "multiplied through the layers (with the residual path), an estimate of how much each "
       "input token flows into each position."},
      {"view.stats", "Stats"},
      {"view.stats_help",
       "Numbers per head: entropy (how spread out), mean distance, attention on [CLS] / [SEP], "
       "on itself, on the previous / next token. Sort to find heads with a pattern."},
      {"view.type_text", "Type some text on the left to run the model."},
      {"view.what", "(?) what does this view show?"},
  };
  return table;
}

}  // namespace attnviz
