// ImGui's test-engine hooks (declared in imgui_internal.h when IMGUI_ENABLE_TEST_ENGINE is defined, which
// cmake/app.cmake does for the imgui library and everything using it) recording labelled items per frame.
#include "ui_items.h"

#include <imgui.h>
#include <imgui_internal.h>

namespace {

std::vector<attnviz::UiItem> g_building, g_last;  // this frame's items so far; the last complete frame's

// A labelled item whose ItemInfo came before its ItemAdd (tab items announce their label first).
struct Pending {
  ImGuiID id = 0;
  std::string label, window;
  bool checked = false;
};
std::vector<Pending> g_pending;

void record(const std::string& label, const std::string& window, const ImRect& r, bool checked) {
  attnviz::UiItem item;
  item.label = label;
  item.window = window;
  item.x = r.Min.x;
  item.y = r.Min.y;
  item.w = r.GetWidth();
  item.h = r.GetHeight();
  item.checked = checked;
  g_building.push_back(std::move(item));
}

}  // namespace

namespace attnviz {

void ui_items_enable() {
  if (ImGuiContext* g = ImGui::GetCurrentContext()) g->TestEngineHookItems = true;
}

void ui_items_new_frame() {
  g_last.swap(g_building);
  g_building.clear();
  g_pending.clear();
}

const std::vector<UiItem>& ui_items() { return g_last; }

}  // namespace attnviz

void ImGuiTestEngineHook_ItemAdd(ImGuiContext*, const ImRect& bb, ImGuiID id) {
  for (size_t i = 0; i < g_pending.size(); ++i) {
    if (g_pending[i].id != id) continue;
    if (bb.GetWidth() > 0 && bb.GetHeight() > 0) record(g_pending[i].label, g_pending[i].window, bb, g_pending[i].checked);
    g_pending.erase(g_pending.begin() + static_cast<std::ptrdiff_t>(i));
    return;
  }
}

// Called for widgets that have a label: usually right after they were added (LastItemData is theirs, and only when
// they were not clipped away); tab items call it before adding themselves, so their place comes with ItemAdd.
void ImGuiTestEngineHook_ItemInfo(ImGuiContext* ctx, ImGuiID id, const char* label, ImGuiItemStatusFlags flags) {
  if (!ctx || !label) return;
  const char* end = ImGui::FindRenderedTextEnd(label);  // "text##id" -> "text"; "###id" -> ""
  if (end == label) return;
  const std::string text(label, end);
  const std::string window = ctx->CurrentWindow ? ctx->CurrentWindow->Name : "";
  const bool checked = (flags & ImGuiItemStatusFlags_Checked) != 0;
  if (ctx->LastItemData.ID == id) {
    record(text, window, ctx->LastItemData.Rect, checked);
  } else if (g_pending.size() < 256) {
    g_pending.push_back({id, text, window, checked});
  }
}

void ImGuiTestEngineHook_Log(ImGuiContext*, const char*, ...) {}

const char* ImGuiTestEngine_FindItemDebugLabel(ImGuiContext*, ImGuiID) { return nullptr; }
