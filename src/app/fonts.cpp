// Fonts: the dynamic CJK glyph atlas (see fonts.h). A full CJK atlas would be 20k+ glyphs (tens of MB of texture);
// texts on screen use a few hundred, so the atlas holds exactly the code points noted so far and grows on demand.
#include "fonts.h"

#include <imgui.h>

#include <vector>

#include "app.h"
#include "unicode.h"

namespace attnviz {
namespace {

struct FontState {
  std::string data;                 // the font file (kept alive: the atlas does not own it)
  std::vector<uint8_t> used;        // (0x10000) 1 = code point wanted in the atlas
  bool dirty = true;                // wanted set or font changed since the last build
  float built_ratio = 0;            // pixel ratio of the current atlas
  int glyphs = 0;
  ImVector<ImWchar> ranges;         // must outlive the atlas build
};

FontState& state() {
  static FontState s;
  if (s.used.empty()) {
    s.used.assign(0x10000, 0);
    for (int c = 0x20; c < 0x100; c++) s.used[c] = 1;
    // Symbols the UI itself draws.
    for (const char* sym : {"…", "×", "→", "←", "↑", "↓", "▶", "▼", "●", "·", "—", "–", "“", "”", "‘", "’", "√", "≥", "≤", "▾", "「", "」", "∅", "✓"}) {
      note_glyphs(sym);
    }
    s.dirty = true;
  }
  return s;
}

}  // namespace

void note_glyphs(std::string_view utf8) {
  FontState& s = state();
  size_t i = 0;
  while (i < utf8.size()) {
    unsigned char c = static_cast<unsigned char>(utf8[i]);
    if (c < 0x80) {  // ASCII is always in the atlas
      i++;
      continue;
    }
    int len = 1;
    const char32_t cp = decode_utf8(utf8.data() + i, utf8.size() - i, &len);
    i += len;
    if (cp < 0x10000 && !s.used[cp]) {
      s.used[cp] = 1;
      s.dirty = true;
    }
  }
}

void fonts_set_data(std::string bytes) {
  FontState& s = state();
  s.data = std::move(bytes);
  s.dirty = true;
}

bool fonts_have_data() { return !state().data.empty(); }

int fonts_glyph_count() { return state().glyphs; }

int fonts_missing_glyphs(std::string_view utf8) {
  ImFontAtlas* atlas = ImGui::GetCurrentContext() ? ImGui::GetIO().Fonts : nullptr;
  ImFont* font = atlas && !atlas->Fonts.empty() ? atlas->Fonts[0] : nullptr;
  std::vector<uint8_t> seen(0x10000, 0);
  int missing = 0;
  size_t i = 0;
  while (i < utf8.size()) {
    int len = 1;
    const char32_t cp = static_cast<unsigned char>(utf8[i]) < 0x80 ? utf8[i] : decode_utf8(utf8.data() + i, utf8.size() - i, &len);
    i += len > 0 ? len : 1;
    if (cp < 0x80 || cp >= 0x10000 || seen[cp]) continue;
    seen[cp] = 1;
    if (!font || !font->FindGlyphNoFallback(static_cast<ImWchar>(cp))) ++missing;
  }
  return missing;
}

bool fonts_update(float pixel_ratio, float size_px) {
  FontState& s = state();
  if (!s.dirty && s.built_ratio == pixel_ratio) return false;
  ImGuiIO& io = ImGui::GetIO();
  io.Fonts->Clear();
  // Rasterize at the device's pixel size and draw at 1/ratio: text stays crisp on HiDPI screens.
  io.FontGlobalScale = 1.0f / pixel_ratio;
  s.glyphs = 0;
  if (s.data.empty()) {
    ImFontConfig cfg;
    cfg.SizePixels = 13.0f * pixel_ratio;
    io.Fonts->AddFontDefault(&cfg);
  } else {
    ImFontGlyphRangesBuilder builder;
    for (int cp = 1; cp < 0x10000; cp++) {
      if (s.used[cp]) {
        builder.AddChar(static_cast<ImWchar>(cp));
        s.glyphs++;
      }
    }
    s.ranges.clear();
    builder.BuildRanges(&s.ranges);
    ImFontConfig cfg;
    cfg.FontNo = 0;                     // face 0 of the .ttc collection
    cfg.FontDataOwnedByAtlas = false;   // `data` stays ours: the atlas is rebuilt often
    cfg.OversampleH = 1;                // CJK glyphs are dense: no horizontal oversampling keeps the atlas small
    cfg.OversampleV = 1;
    cfg.PixelSnapH = true;
    // Big atlases: wide textures pack better than tall ones (WebGL2 guarantees 4096).
    io.Fonts->TexDesiredWidth = s.glyphs > 3000 ? 4096 : s.glyphs > 800 ? 2048 : 1024;
    ImFont* f = io.Fonts->AddFontFromMemoryTTF(s.data.data(), static_cast<int>(s.data.size()), size_px * pixel_ratio,
                                               &cfg, s.ranges.Data);
    if (!f) {  // unreadable font file: fall back to ImGui's own (Latin only) rather than no text at all
      io.Fonts->Clear();
      ImFontConfig def;
      def.SizePixels = 13.0f * pixel_ratio;
      io.Fonts->AddFontDefault(&def);
      s.data.clear();
    }
  }
  io.Fonts->Build();
  s.dirty = false;
  s.built_ratio = pixel_ratio;
  return true;
}

}  // namespace attnviz
