// Predictions panel: what the model's head says about the current input — BERT's top 5 at every [MASK] (click a
// token to mask it), GPT-2's top 10 next tokens (click to append: step through generation), and for token
// classifiers the BIO entity spans drawn over the tokens. The maths lives in predictions.h; this file is ImGui only.
#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "app.h"
#include "ui.h"
#include "imgui.h"
#include "predictions.h"

namespace attnviz {

namespace {

// Earlier texts, for "undo" after masking, filling or appending.
std::vector<std::pair<std::string, std::string>> g_history;

void edit_text(App& app, std::string text, std::string pair) {
  g_history.emplace_back(app.view.text, app.view.pair);
  if (g_history.size() > 50) g_history.erase(g_history.begin());
  app.view.text = std::move(text);
  app.view.pair = std::move(pair);
  app_request_run(app);
}

void undo_button(App& app) {
  if (g_history.empty()) return;
  ImGui::SameLine();
  if (ImGui::SmallButton(tr_id("pred.undo"))) {
    app.view.text = g_history.back().first;
    app.view.pair = g_history.back().second;
    g_history.pop_back();
    app_request_run(app);
  }
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tr("pred.undo_tip"));
}

// Puts the next widget on the same line when it fits in the region, else on a new line.
void flow(float next_width, bool first) {
  if (first) return;
  const float right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
  const float x = ImGui::GetItemRectMax().x + ImGui::GetStyle().ItemSpacing.x;
  if (x + next_width < right) ImGui::SameLine();
}

// A probability bar with the number, `width` wide, at the cursor (on the current line).
void prob_bar(const App& app, float p, float width) {
  ImVec2 o = ImGui::GetCursorScreenPos();
  const float h = ImGui::GetFontSize();
  ImGui::Dummy(ImVec2(width, h));
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(o, ImVec2(o.x + width * std::clamp(p, 0.0f, 1.0f), o.y + h),
                    colormap_color(app.view.colormap, 0.35f + 0.65f * p));
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f%%", p * 100);
  dl->AddText(ImVec2(o.x + width + 4, o.y), ImGui::GetColorU32(ImGuiCol_Text), buf);
  ImGui::SameLine(0, 0);
  ImGui::Dummy(ImVec2(ImGui::CalcTextSize("100.0%").x + 6, h));
}

// Which text a token's offsets point into (BERT pairs: type 1 = the pair).
bool token_in_pair(const Encoding& enc, int i) {
  return token_from_pair(enc, i);
}

bool token_span(const App& app, int i, int* b, int* e) {
  const Encoding& enc = app.run.enc;
  if (i < 0 || i >= static_cast<int>(enc.offsets.size())) return false;
  *b = enc.offsets[i].first;
  *e = enc.offsets[i].second;
  const std::string& src = token_in_pair(enc, i) ? app.view.pair : app.view.text;
  return *e > *b && *e <= static_cast<int>(src.size());
}

// Replaces token i's bytes in the text it came from with `with`.
bool replace_token(App& app, int i, const std::string& with) {
  int b, e;
  if (!token_span(app, i, &b, &e)) return false;
  std::string text = app.view.text, pair = app.view.pair;
  std::string* dst = token_in_pair(app.run.enc, i) ? &pair : &text;
  // Spaces: SentencePiece spans include the space a "▁" stands for (keep it when masking); a RoBERTa span starts
  // after it (a candidate shown as " word" then drops its own leading space).
  std::string w = with;
  const bool span_space = (*dst)[static_cast<size_t>(b)] == ' ';
  if (!w.empty() && w[0] == ' ' && b > 0 && (*dst)[static_cast<size_t>(b) - 1] == ' ' && !span_space) w.erase(0, 1);
  if (span_space && (w.empty() || w[0] != ' ')) w.insert(0, " ");
  if (!mask_span(dst, b, e, w)) return false;
  edit_text(app, std::move(text), std::move(pair));
  return true;
}

void draw_masked_lm(App& app) {
  const RunVocab tok{app};
  const Activations& act = app.run.act;
  const Encoding& enc = app.run.enc;
  const int T = std::min(app_n_tokens(app), static_cast<int>(enc.ids.size()));
  const int V = act.logit_cols;
  int n_masks = 0;
  for (int i = 0; i < T; ++i) n_masks += enc.ids[i] == tok.mask_id();
  const int rows = V > 0 ? static_cast<int>(std::min(act.logits.size() / V, act.logit_positions.size())) : 0;
  if (n_masks == 0) {
    ImGui::TextWrapped(tr("pred.no_mask"),
                       tok.mask_token().c_str());
  } else if (rows == 0) {
    ImGui::TextColored(ImVec4(0.9f, 0.5f, 0.3f, 1), "%s", tr("pred.no_lm_mask"));
  }
  for (int r = 0; r < rows; ++r) {
    const int pos = act.logit_positions[r];
    if (pos < 0 || pos >= T || enc.ids[pos] != tok.mask_id()) continue;
    ImGui::PushID(r);
    ImGui::Text(tr("pred.mask_at"), tok.mask_token().c_str(), pos);
    if (pos > 0) {
      ImGui::SameLine();
      ImGui::TextDisabled(tr("pred.after"), token_label(app, pos - 1).c_str());
    }
    auto top = top_k_softmax(act.logits.data() + static_cast<size_t>(r) * V, V, 5);
    float button_w = ImGui::GetFontSize() * 4;  // one width for the list, so the bars line up
    for (const Candidate& c : top)
      button_w = std::max(button_w, ImGui::CalcTextSize(tok.display_token(c.id).c_str()).x +
                                        ImGui::GetStyle().FramePadding.x * 2);
    for (const Candidate& c : top) {
      ImGui::PushID(c.id);
      std::string label = tok.display_token(c.id);
      note_glyphs(label);
      if (ImGui::Button(label.c_str(), ImVec2(button_w, 0))) {
        replace_token(app, pos, label);
        ImGui::PopID();
        break;
      }
      if (ImGui::IsItemHovered())
        ImGui::SetTooltip(tr("pred.fill_tip"), tok.mask_token().c_str(), label.c_str(), c.logit);
      ImGui::SameLine();
      prob_bar(app, c.prob, ImGui::GetFontSize() * 8);
      ImGui::PopID();
    }
    ImGui::PopID();
    ImGui::Spacing();
  }
  ImGui::Separator();
  ImGui::TextDisabled("%s", tr("pred.mask_a_token"));
  undo_button(app);
  // Long inputs: the token buttons scroll in a box of a few lines instead of pushing the panels below away.
  const float line_h = ImGui::GetFrameHeightWithSpacing();
  const bool boxed = T > 40;
  if (boxed) ImGui::BeginChild("mask_tokens", ImVec2(0, line_h * 6), false);
  bool first = true;
  for (int i = 0; i < T; ++i) {
    if (i < static_cast<int>(enc.special.size()) && enc.special[i]) continue;
    if (enc.ids[i] == tok.mask_id()) continue;
    int b, e;
    if (!token_span(app, i, &b, &e)) continue;
    std::string label = token_label(app, i);
    ImGui::PushID(i);
    flow(ImGui::CalcTextSize(label.c_str()).x + ImGui::GetStyle().FramePadding.x * 2, first);
    first = false;
    if (ImGui::SmallButton(label.c_str())) {
      replace_token(app, i, tok.mask_token());
      ImGui::PopID();
      break;
    }
    if (ImGui::IsItemHovered()) ImGui::SetTooltip(tr("pred.replace_tip"), label.c_str(), tok.mask_token().c_str());
    ImGui::PopID();
  }
  if (boxed) ImGui::EndChild();
}

// GPT-2: the next-token distribution after the last token; a click appends that token's text.
void draw_causal_lm(App& app) {
  const RunVocab tok{app};
  const Activations& act = app.run.act;
  const int V = act.logit_cols;
  const int rows = V > 0 ? static_cast<int>(act.logits.size() / V) : 0;
  const int T = app_n_tokens(app);
  if (rows == 0 || act.logit_positions.empty()) {
    ImGui::TextColored(ImVec4(0.9f, 0.5f, 0.3f, 1), "%s", tr("pred.no_lm_last"));
    return;
  }
  const int r = rows - 1;  // the last requested position is the last token
  ImGui::Text(tr("pred.next_after"), T > 0 ? token_label(app, T - 1).c_str() : "");
  auto text_of = [&](int id) {
    return tok.kind() == TokenizerKind::ByteLevelBPE ? byte_level_decode(tok.id_to_token(id)) : tok.display_token(id);
  };
  auto top = top_k_softmax(act.logits.data() + static_cast<size_t>(r) * V, V, 10);
  ImGui::SameLine();
  // Greedy decoding, one step per result: append the best token, run, and again when that run's result has arrived
  // (the engine runs off this thread; g_greedy_left steps remain).
  static int g_greedy_left = 0;
  static uint64_t g_greedy_seen = 0;
  bool step = false;
  if (ImGui::SmallButton(tr_id("pred.greedy"))) {
    g_greedy_left = 10;
    step = true;
  } else if (g_greedy_left > 0 && !app_busy(app) && app.run.generation != g_greedy_seen) {
    step = true;
  }
  if (step) {
    g_greedy_left--;
    g_greedy_seen = app.run.generation;
    const Activations& a = app.run.act;
    const int cols = a.logit_cols;
    std::vector<Candidate> best;
    if (app.run.valid && cols > 0 && a.logits.size() >= static_cast<size_t>(cols))
      best = top_k_softmax(a.logits.data() + a.logits.size() - cols, cols, 1);
    std::string add = best.empty() ? std::string() : text_of(best[0].id);
    if (best.empty() || best[0].id == tok.eos_id() || add.empty() || !utf8_complete(add)) {
      g_greedy_left = 0;  // the end, or half a character: stop here rather than write broken text
    } else {
      edit_text(app, app.view.text + add, app.view.pair);
      app_run_now(app);
    }
    return;
  }
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tr("pred.greedy_tip"));
  undo_button(app);
  float button_w = ImGui::GetFontSize() * 5;
  for (const Candidate& c : top)
    button_w = std::max(button_w, ImGui::CalcTextSize(("\"" + tok.display_token(c.id) + "\"").c_str()).x +
                                      ImGui::GetStyle().FramePadding.x * 2);
  for (const Candidate& c : top) {
    ImGui::PushID(c.id);
    std::string shown = tok.display_token(c.id);
    note_glyphs(shown);
    std::string add = text_of(c.id);
    const bool ok = utf8_complete(add) && !add.empty();
    std::string label = "\"" + shown + "\"";
    if (!ok) ImGui::BeginDisabled();
    bool clicked = ImGui::Button(label.c_str(), ImVec2(button_w, 0));
    if (!ok) ImGui::EndDisabled();
    if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) {
      if (ok) {
        ImGui::SetTooltip(tr("pred.append_tip"), c.id, c.logit);
      } else {
        ImGui::SetTooltip(tr("pred.piece_tip"), c.id);
      }
    }
    ImGui::SameLine();
    prob_bar(app, c.prob, ImGui::GetFontSize() * 8);
    ImGui::PopID();
    if (clicked && ok) {
      edit_text(app, app.view.text + add, app.view.pair);
      break;
    }
  }
}

ImU32 entity_color(const std::string& type, float alpha) {
  ImVec4 c;
  if (type == "PER") {
    c = ImVec4(0.93f, 0.46f, 0.20f, alpha);
  } else if (type == "LOC") {
    c = ImVec4(0.26f, 0.68f, 0.35f, alpha);
  } else if (type == "ORG") {
    c = ImVec4(0.27f, 0.50f, 0.85f, alpha);
  } else {
    unsigned hsh = 2166136261u;
    for (char ch : type) hsh = (hsh ^ static_cast<unsigned char>(ch)) * 16777619u;
    float r, g, b;
    ImGui::ColorConvertHSVtoRGB((hsh % 360) / 360.0f, 0.55f, 0.8f, r, g, b);
    c = ImVec4(r, g, b, alpha);
  }
  return ImGui::ColorConvertFloat4ToU32(c);
}

// Token classification: tokens in reading order, entity spans coloured, the tag under each token.
void draw_token_classification(App& app) {
  const ModelConfig& cfg = app.model->model.config();
  const Activations& act = app.run.act;
  const Encoding& enc = app.run.enc;
  const int T = std::min(app_n_tokens(app), static_cast<int>(enc.ids.size()));
  const int C = act.logit_cols;
  if (C <= 0 || act.logits.size() < static_cast<size_t>(T) * C) {
    ImGui::TextDisabled("%s", tr("pred.no_classifier"));
    return;
  }
  std::vector<int> ids;
  std::vector<float> probs;
  argmax_rows(act.logits.data(), T, C, &ids, &probs);
  std::vector<EntitySpan> spans = bio_spans(ids, probs, cfg.labels, enc.special);
  std::vector<int> span_of(T, -1);
  for (size_t s = 0; s < spans.size(); ++s)
    for (int i = spans[s].begin; i < spans[s].end && i < T; ++i) span_of[i] = static_cast<int>(s);

  // Legend: the entity types the labels know, PER/LOC/ORG first.
  std::vector<std::string> types;
  for (const std::string& l : cfg.labels) {
    BioLabel b = parse_bio_label(l);
    if (b.prefix != 'O' && std::find(types.begin(), types.end(), b.type) == types.end()) types.push_back(b.type);
  }
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float fs = ImGui::GetFontSize();
  for (size_t t = 0; t < types.size(); ++t) {
    if (t) ImGui::SameLine();
    ImVec2 o = ImGui::GetCursorScreenPos();
    dl->AddRectFilled(ImVec2(o.x, o.y + 2), ImVec2(o.x + fs, o.y + fs - 1), entity_color(types[t], 0.9f), 2);
    ImGui::Dummy(ImVec2(fs + 2, fs));
    ImGui::SameLine(0, 2);
    ImGui::TextUnformatted(types[t].c_str());
  }
  ImGui::SameLine();
  ImGui::TextDisabled("(?)");
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("%s", tr("pred.bio_help"));

  // Tokens as boxes: the token on top, its tag below; spans share a background.
  const float tag_fs = fs * 0.7f;
  const float box_h = fs + tag_fs + 6;
  bool first = true;
  static bool hover_owned = false;  // release the shared hover once the mouse leaves the tokens
  bool hovered_any = false;
  for (int i = 0; i < T; ++i) {
    if (i < static_cast<int>(enc.special.size()) && enc.special[i]) continue;  // tags on [CLS]/[SEP] mean nothing
    std::string label = token_label(app, i);
    const std::string& tag = ids[i] < static_cast<int>(cfg.labels.size()) ? cfg.labels[ids[i]] : std::string("?");
    const float w = std::max(ImGui::CalcTextSize(label.c_str()).x,
                             ImGui::GetFont()->CalcTextSizeA(tag_fs, 1e9f, 0, tag.c_str()).x) + 8;
    ImGui::PushID(i);
    if (!first) {
      const float right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
      const bool joined = span_of[i] >= 0 && span_of[i] == (i > 0 ? span_of[i - 1] : -2);
      const float x = ImGui::GetItemRectMax().x + (joined ? 0 : 4);
      if (x + w < right) ImGui::SameLine(0, joined ? 0 : 4);
    }
    first = false;
    ImVec2 o = ImGui::GetCursorScreenPos();
    if (ImGui::InvisibleButton("tok", ImVec2(w, box_h))) app.view.token = (app.view.token == i) ? -1 : i;
    const bool hovered = ImGui::IsItemHovered();
    if (span_of[i] >= 0)
      dl->AddRectFilled(o, ImVec2(o.x + w, o.y + box_h), entity_color(spans[span_of[i]].type, 0.55f), 3);
    if (i == app.view.token) dl->AddRect(o, ImVec2(o.x + w, o.y + box_h), ImGui::GetColorU32(ImGuiCol_Text), 3, 0, 2);
    else if (hovered || i == app.hover_query) dl->AddRect(o, ImVec2(o.x + w, o.y + box_h), ImGui::GetColorU32(ImGuiCol_TextDisabled), 3);
    dl->AddText(ImVec2(o.x + 4, o.y + 2), ImGui::GetColorU32(ImGuiCol_Text), label.c_str());
    dl->AddText(ImGui::GetFont(), tag_fs, ImVec2(o.x + 4, o.y + fs + 3),
                ImGui::GetColorU32(tag == "O" ? ImGuiCol_TextDisabled : ImGuiCol_Text), tag.c_str());
    if (hovered) {
      app.hover_query = i;
      hovered_any = true;
      ImGui::SetTooltip(tr("pred.tag_tip"), label.c_str(), tag.c_str(), probs[i] * 100);
    }
    ImGui::PopID();
  }
  if (hovered_any) {
    hover_owned = true;
  } else if (hover_owned) {
    app.hover_query = -1;
    hover_owned = false;
  }

  // The entities as a list: text, type, confidence.
  ImGui::Spacing();
  if (spans.empty()) ImGui::TextDisabled("%s", tr("pred.no_entities"));
  for (size_t s = 0; s < spans.size(); ++s) {
    const EntitySpan& sp = spans[s];
    std::string text;
    int b0, e0, b1, e1;
    if (token_span(app, sp.begin, &b0, &e0) && token_span(app, sp.end - 1, &b1, &e1) &&
        token_in_pair(enc, sp.begin) == token_in_pair(enc, sp.end - 1) && e1 >= b0) {
      text = (token_in_pair(enc, sp.begin) ? app.view.pair : app.view.text).substr(b0, e1 - b0);
    } else {
      for (int i = sp.begin; i < sp.end; ++i) text += token_label(app, i);
    }
    ImGui::PushID(static_cast<int>(s));
    ImVec2 o = ImGui::GetCursorScreenPos();
    dl->AddRectFilled(ImVec2(o.x, o.y + 2), ImVec2(o.x + fs * 0.6f, o.y + fs - 1), entity_color(sp.type, 0.9f), 2);
    ImGui::Dummy(ImVec2(fs * 0.6f, fs));
    ImGui::SameLine();
    std::string line = text + "  " + sp.type;
    if (ImGui::Selectable(line.c_str(), app.view.token >= sp.begin && app.view.token < sp.end, 0,
                          ImVec2(fs * 10, 0)))
      app.view.token = sp.begin;
    ImGui::SameLine();
    ImGui::TextDisabled("%.0f%%", sp.score * 100);
    ImGui::PopID();
  }
}

void draw_sequence_classification(App& app) {
  const ModelConfig& cfg = app.model->model.config();
  const Activations& act = app.run.act;
  const int C = act.logit_cols;
  if (C <= 0 || act.logits.size() < static_cast<size_t>(C)) {
    ImGui::TextDisabled("%s", tr("pred.no_classifier"));
    return;
  }
  ImGui::TextUnformatted(tr("pred.seq_label"));
  for (const Candidate& c : top_k_softmax(act.logits.data(), C, C)) {
    std::string name = c.id < static_cast<int>(cfg.labels.size()) ? cfg.labels[c.id] : std::to_string(c.id);
    ImGui::Text("%-12s", name.c_str());
    ImGui::SameLine();
    prob_bar(app, c.prob, ImGui::GetFontSize() * 8);
  }
}

}  // namespace

void draw_predictions_panel(App& app) {
  help_marker_here(
      tr("pred.help"));
  if (!app.model || !app.run.valid || app_n_tokens(app) == 0) {
    ImGui::SameLine();
    ImGui::TextDisabled("%s", tr("pred.no_run"));
    return;
  }
  ImGui::SameLine();
  const ModelConfig& cfg = app.model->model.config();
  switch (cfg.head) {
    case HeadKind::MaskedLM:
      ImGui::TextDisabled("%s", tr("pred.kind_mlm"));
      draw_masked_lm(app);
      break;
    case HeadKind::CausalLM:
      ImGui::TextDisabled("%s", tr("pred.kind_causal"));
      draw_causal_lm(app);
      break;
    case HeadKind::TokenClassification:
      ImGui::TextDisabled(tr("pred.kind_token"), static_cast<int>(cfg.labels.size()));
      draw_token_classification(app);
      break;
    case HeadKind::SequenceClassification:
      ImGui::TextDisabled("%s", tr("pred.kind_seq"));
      draw_sequence_classification(app);
      break;
    case HeadKind::None:
      ImGui::TextDisabled("%s", tr("pred.kind_none"));
      break;
  }
}

}  // namespace attnviz
