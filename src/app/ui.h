// UI: the page's one window. A top bar (model picker, own files, link), the notices, a side panel (input, options,
// predictions, knockout) and tabs for the views, all driven by the same layer / head / token; a status bar.
// ImGui only; the platform calls ui_frame between NewFrame and Render.
#pragma once
#include "app.h"

namespace attnviz {

void ui_setup_style(float pixel_ratio);  // colours and spacing (sizes in CSS pixels)
void ui_frame(App& app);                 // the whole UI for one frame (runs the debounced model run first)
void help_marker(const char* text);      // a "(?)" that explains the thing next to it for a first-time student

}  // namespace attnviz
