// Fonts: one CJK-capable font (WenQuanYi Micro Hei, face 0 of its .ttc) with a dynamic glyph atlas. Only the code
// points in use are rasterized (ASCII, Latin-1, the UI's symbols, and whatever text the views draw); when new ones
// appear the ImGui atlas is rebuilt before the next frame. ImGui only: the platform hands over the font file's bytes.
#pragma once
#include <string>
#include <string_view>

namespace attnviz {

void fonts_set_data(std::string bytes);  // the .ttc/.ttf file; the atlas switches to it at the next fonts_update
bool fonts_have_data();
// Rebuilds the atlas when code points were added or the pixel ratio changed. Call before NewFrame; returns true
// when the atlas changed (the GL backend must then re-create its font texture).
bool fonts_update(float pixel_ratio, float size_px = 15.0f);
int fonts_glyph_count();  // code points in the current atlas (for the status bar and tests)
// How many distinct non-ASCII code points of `utf8` the current atlas cannot draw (ImGui would show its fallback
// glyph). The tests ask it of the Chinese string table once the page shows Chinese: it must be 0.
int fonts_missing_glyphs(std::string_view utf8);

}  // namespace attnviz
