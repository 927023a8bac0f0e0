// UI: the page's one window. A top bar (model picker, own files, link), the notices, a side panel (input, options,
// predictions, knockout) and tabs for the views, all driven by the same layer / head / token; a status bar.
// ImGui only; the platform calls ui_frame between NewFrame and Render.
#pragma once
#include <string>

#include "app.h"

namespace attnviz {

void ui_setup_style(float pixel_ratio);  // colours and spacing (sizes in CSS pixels)
void ui_frame(App& app);                 // the whole UI for one frame (runs the debounced model run first)
void help_marker(const char* text);       // a "(?)" on the same line as the item before it, explaining that item
void help_marker_here(const char* text);  // the same "(?)" where the cursor is (at the start of a toolbar)
void draw_share_buttons(App& app);       // "Copy link" (with a "copied" confirmation) and the embed toggle
// An arrow key went down (the platform's key callback: a press and release within one slow frame would be lost to
// ImGui's polled key state). Moves the layer (up/down) or head (left/right) unless a text field has the keyboard.
void ui_arrow_pressed(App& app, int d_layer, int d_head);

// The input panel's multi-line text boxes (the text and the BERT pair). ImGui 1.86's InputTextMultiline by default;
// a platform may draw them itself (the web page lays an HTML <textarea> over the canvas: it wraps long lines and
// takes input methods natively). `id` is "text" or "pair"; the box fills the line, `height` tall. Returns true when
// the user changed *s this frame.
using TextBoxFn = bool (*)(const char* id, std::string* s, float height);
void ui_set_text_box(TextBoxFn fn);
// A multi-line text box as the input panel draws them (the platform's, when it has one); `id` names it ("say": the
// tour caption). Returns true when the user changed *s this frame.
bool ui_text_box(const char* id, std::string* s, float height);

}  // namespace attnviz
