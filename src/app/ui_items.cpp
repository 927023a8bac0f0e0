// ImGui's test-engine hooks (declared in imgui_internal.h when IMGUI_ENABLE_TEST_ENGINE is defined, which
// cmake/app.cmake does for the imgui library and everything using it) recording labelled items per frame.
#include "ui_items.h"

#include <imgui.h>
#include <imgui_internal.h>

namespace attnviz {
std::vector<UiItem> g_ui_items_building, g_ui_items_last;  // this frame's items so far, the last frame's

void ui_items_enable() {
  if (ImGuiContext* g = ImGui::GetCurrentContext()) g->TestEngineHookItems = true;
}

void ui_items_new_frame() {
  g_ui_items_last.swap(g_ui_items_building);
  g_ui_items_building.clear();
}

const std::vector<UiItem>& ui_items() { return g_ui_items_last; }

}  // namespace attnviz

void ImGuiTestEngineHook_ItemAdd(ImGuiContext*, const ImRect&, ImGuiID) {}

// Called for widgets that have a label, right after they were added (so LastItemData is theirs) and only when they
// were not clipped away.
void ImGuiTestEngineHook_ItemInfo(ImGuiContext* ctx, ImGuiID id, const char* label, ImGuiItemStatusFlags flags) {
  if (!ctx || !label || ctx->LastItemData.ID != id) return;
  const char* end = ImGui::FindRenderedTextEnd(label);  // "text##id" -> "text"; "###id" -> ""
  if (end == label) return;
  const ImRect r = ctx->LastItemData.Rect;
  attnviz::UiItem item;
  item.label.assign(label, end);
  item.window = ctx->CurrentWindow ? ctx->CurrentWindow->Name : "";
  item.x = r.Min.x;
  item.y = r.Min.y;
  item.w = r.GetWidth();
  item.h = r.GetHeight();
  item.checked = (flags & ImGuiItemStatusFlags_Checked) != 0;
  attnviz::g_ui_items_building.push_back(std::move(item));
}

void ImGuiTestEngineHook_Log(ImGuiContext*, const char*, ...) {}

const char* ImGuiTestEngine_FindItemDebugLabel(ImGuiContext*, ImGuiID) { return nullptr; }
