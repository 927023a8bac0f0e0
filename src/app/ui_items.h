// Where ImGui put each labelled widget in the last complete frame, through Dear ImGui's own test-engine hooks
// (IMGUI_ENABLE_TEST_ENGINE: ItemAdd / ItemInfo). Browser tests and console scripts click buttons by their label,
// as a person would, instead of guessing coordinates. ImGui only.
#pragma once
#include <string>
#include <vector>

namespace attnviz {

struct UiItem {
  std::string label;   // the visible label ("Export…", "L1", "月"); "##id" suffixes removed
  std::string window;  // the window it is in
  float x = 0, y = 0, w = 0, h = 0;  // screen rectangle in CSS pixels
  bool checked = false;              // checkboxes, radio buttons, selectables: their state
};

void ui_items_enable();                    // after ImGui::CreateContext
void ui_items_new_frame();                 // at the start of a frame: the frame being built becomes the last one
const std::vector<UiItem>& ui_items();     // the last complete frame's items, in drawing order

}  // namespace attnviz
