// web_main: the page's entry point (Emscripten, WebGL2). Sets up GLFW + ImGui, runs the frame loop, sizes the
// canvas for HiDPI, keeps location.hash in step with the view, and exports the C functions that web/attnviz.js calls
// (model and font bytes in, test hook out). All model logic stays in C++; the JS only moves bytes and events.
#include <emscripten.h>
#include <emscripten/eventloop.h>
#include <emscripten/html5.h>
#include <GLFW/glfw3.h>
#include <GLES3/gl3.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_internal.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app.h"
#include "export.h"
#include "predictions.h"
#include "fonts.h"
#include "imgui_render.h"
#include "model_config.h"
#include "renderer.h"
#include "ui.h"
#include "ui_items.h"
#include "web_engine.h"

using namespace attnviz;

namespace {

App g_app;
WebEngine g_engine;             // the model runs in a Web Worker (web/engine_worker.js); results arrive through JS
RunResult g_incoming;           // a result whose tensors JS is copying in (attnviz_engine_begin .. _end)
Renderer g_renderer;
ImGuiRender g_imgui_render;  // ImGui's draw data to WebGL, with no GL query per frame (issue 10)
GLFWwindow* g_window = nullptr;
std::string g_clipboard;       // what Ctrl+V pastes (the browser's paste event fills it)
std::string g_published;       // the fragment last written to location.hash
ViewState g_published_state;
double g_last_text_push = -10;
bool g_link_applied = false;
std::string g_ret;             // storage for strings returned to JS
std::string g_png_name;        // a PNG export waiting for the next frame ("" = none)
float g_png_scale = 2;

EM_JS(void, js_request_model, (const char* name), { attnvizGlue.requestModel(UTF8ToString(name)); });
EM_JS(void, js_request_compare, (const char* name), { attnvizGlue.requestCompare(UTF8ToString(name)); });
EM_JS(void, js_open_compare_files, (), { attnvizGlue.openCompareFiles(); });
EM_JS(void, js_open_files, (int folder), { attnvizGlue.openFiles(folder != 0); });
EM_JS(void, js_copy_text, (const char* text), { attnvizGlue.copyText(UTF8ToString(text)); });
// Hub models: the page's hub client (web/hub.js) does the network and the cache; C++ only says what the user asked.
EM_JS(void, js_hub, (const char* command, const char* arg), {
  if (window.attnvizHub) window.attnvizHub.command(UTF8ToString(command), UTF8ToString(arg));
});
EM_JS(void, js_set_hash, (const char* frag, int push), { attnvizGlue.setHash(UTF8ToString(frag), push != 0); });
EM_JS(char*, js_page_url, (), {
  var s = location.href.split('#')[0];
  var n = lengthBytesUTF8(s) + 1;
  var p = _malloc(n);
  stringToUTF8(s, p, n);
  return p;
});
// The browser's preferred language ("zh-CN", "en-US"...): the page's language when a link has no lang=.
EM_JS(char*, js_browser_language, (), {
  var s = (navigator.languages && navigator.languages[0]) || navigator.language || '';
  var n = lengthBytesUTF8(s) + 1;
  var p = _malloc(n);
  stringToUTF8(s, p, n);
  return p;
});
EM_JS(char*, js_initial_hash, (), {
  var s = location.hash.replace(/^#/, '');
  var n = lengthBytesUTF8(s) + 1;
  var p = _malloc(n);
  stringToUTF8(s, p, n);
  return p;
});

// IME (pinyin etc.) cannot compose into a canvas: while ImGui edits text, a hidden textarea near the cursor holds
// the browser's focus and hands composed text back (attnviz_input_text).
EM_JS(void, js_text_input, (int active), { attnvizGlue.textInput(active != 0); });
EM_JS(void, js_ime_pos, (int x, int y), { attnvizGlue.imePos(x, y); });
bool g_text_input = false;

// Frame pacing (issue 10): a frame is drawn only while something can change on screen. Each frame drawn costs software
// WebGL's GPU process about 20 ms at 800x560 (measured: drawing every animation frame kept it 100% busy), on the two
// cores the engine and the browser's own key handling need. Woken by input (GLFW callbacks), by every call from JS
// that changes the app (results, loads, links, the Hub), by a resize; drawn while the app has work that advances in
// frames (a run whose typing pause is over, heatmap uploads, an active ImGui text field); typing into the HTML text
// boxes draws one frame once the keys pause for kTypingFrameS, none while they come.
// With nothing to draw, the main loop pauses (no animation-frame callback at all) until a wake or a timer for the next
// frame that is due (the heartbeat, a typing pause): measured with a plain textarea over a WebGL canvas, an animation
// frame callback that draws nothing still lengthened a burst of 10 keys' longest 10 ms timer gap from 38 to 56 ms
// (median of 15), since every animation frame runs the page's rendering steps between the keys.
constexpr int kFramesAfterInput = 8;   // ImGui settles hover, popups, tabs and auto-sized windows over a few frames
constexpr int kFramesAfterCall = 2;    // a change from JS: applied in the next frame (a tab switch takes a second)
constexpr double kHeartbeatS = 0.5;    // an idle page still draws this often (a 2 s "copied" note expires, ...)
int g_frames_left = kFramesAfterInput;  // frames still drawn after the last wake
double g_last_drawn_s = -1e9;          // glfwGetTime() of the last frame drawn (s)
uint64_t g_frames_drawn = 0, g_frames_idle = 0, g_loop_pauses = 0;  // info().frames: drawn, skipped, pauses
bool g_loop_paused = false;            // the main loop is paused (emscripten_pause_main_loop)
long g_resume_timer = 0;               // the pending emscripten_set_timeout that resumes it, or 0
void resume_loop() {
  if (g_resume_timer) emscripten_clear_timeout(g_resume_timer);
  g_resume_timer = 0;
  if (!g_loop_paused) return;
  g_loop_paused = false;
  emscripten_resume_main_loop();
}
void wake(int frames = kFramesAfterCall) {
  g_frames_left = std::max(g_frames_left, frames);
  resume_loop();
}
void wake_input() { wake(kFramesAfterInput); }
double g_imgui_clock_offset = 0;       // glfwGetTime() - ImGui::GetTime() at the last frame drawn (s)
constexpr double kTypingFrameS = 0.1;  // typing into a text box draws a frame once keys pause this long (s)
bool g_box_typed = false;              // a text box has text the next frame applies
double g_box_typed_s = 0;              // glfwGetTime() of the last key typed into it (s)
bool g_box_applied = false;            // this frame applies text typed into a box

// The input panel's text boxes are HTML <textarea>s laid over the canvas (ImGui 1.86's text box cannot wrap lines, and
// input methods compose natively there). ImGui reserves the place and draws the same text underneath (what a PNG
// export of the page shows); JS gets the box's place each time it changes, and the text when C++ changed it.
EM_JS(void, js_box_value, (const char* id, const char* text), { attnvizGlue.boxValue(UTF8ToString(id), UTF8ToString(text)); });
EM_JS(void, js_box_layout, (const char* id, int visible, float x, float y, float w, float h, float clip_top,
                            float clip_bottom, float font_px, unsigned bg, unsigned fg, unsigned accent), {
  attnvizGlue.boxLayout(UTF8ToString(id), visible != 0, x, y, w, h, clip_top, clip_bottom, font_px, bg, fg, accent);
});

struct HtmlBox {
  std::string pushed;                   // the text the textarea has (what C++ last gave it, or what it last sent)
  std::optional<std::string> incoming;  // typed in the textarea, applied at the box's next frame
  bool seen = false;                    // drawn this frame
  float now[7] = {};                    // this frame: x, y, w, h, clip top, clip bottom, font px
  float sent[7] = {};                   // what JS was last told
  bool sent_visible = false;
  bool sent_once = false;
};
std::map<std::string, HtmlBox> g_boxes;

bool html_text_box(const char* id, std::string* s, float height) {
  HtmlBox& b = g_boxes[id];
  const ImVec2 p = ImGui::GetCursorScreenPos();
  const float w = std::max(10.0f, ImGui::GetContentRegionAvail().x);
  ImGui::PushID(id);
  ImGui::InvisibleButton("box", ImVec2(w, height));
  ImGui::PopID();
  const ImVec2 q(p.x + w, p.y + height);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImGuiStyle& style = ImGui::GetStyle();
  dl->AddRectFilled(p, q, ImGui::GetColorU32(ImGuiCol_FrameBg), style.FrameRounding);
  bool changed = false;
  if (b.incoming) {
    *s = std::move(*b.incoming);
    b.incoming.reset();
    b.pushed = *s;
    changed = true;
  } else if (*s != b.pushed) {
    b.pushed = *s;
    js_box_value(id, s->c_str());
  }
  note_glyphs(*s);
  dl->PushClipRect(p, q, true);
  dl->AddText(ImGui::GetFont(), ImGui::GetFontSize(), ImVec2(p.x + style.FramePadding.x, p.y + style.FramePadding.y),
              ImGui::GetColorU32(ImGuiCol_Text), s->c_str(), nullptr, w - 2 * style.FramePadding.x);
  dl->PopClipRect();
  const ImVec2 cmin = dl->GetClipRectMin(), cmax = dl->GetClipRectMax();
  const float now[7] = {p.x, p.y, w, height, std::max(0.0f, cmin.y - p.y), std::max(0.0f, q.y - cmax.y),
                        ImGui::GetFontSize()};
  std::copy(now, now + 7, b.now);
  b.seen = true;
  return changed;
}

// After the frame's UI: show each box where ImGui put it, hide it when it was not drawn, is scrolled away, or a popup,
// menu or tooltip lies over it (HTML would cover them).
void sync_boxes() {
  ImGuiContext& g = *GImGui;
  const ImGuiStyle& style = ImGui::GetStyle();
  for (auto& [id, b] : g_boxes) {
    bool visible = b.seen && b.now[3] - b.now[4] - b.now[5] > 4;
    if (visible) {
      const ImRect box(b.now[0], b.now[1], b.now[0] + b.now[2], b.now[1] + b.now[3]);
      for (ImGuiWindow* w : g.Windows)
        if (w->Active && (w->Flags & (ImGuiWindowFlags_Popup | ImGuiWindowFlags_Tooltip)) && w->Rect().Overlaps(box))
          visible = false;
    }
    b.seen = false;
    bool same = b.sent_once && visible == b.sent_visible;
    if (same && visible)
      for (int i = 0; i < 7; i++) same = same && std::fabs(b.sent[i] - b.now[i]) < 0.5f;
    if (same) continue;
    // The frame colour as it looks on the window (FrameBg is translucent), but opaque: the ImGui text under the
    // textarea must not show through.
    const ImVec4 fb = style.Colors[ImGuiCol_FrameBg], wb = style.Colors[ImGuiCol_WindowBg];
    const ImVec4 bg(fb.x * fb.w + wb.x * (1 - fb.w), fb.y * fb.w + wb.y * (1 - fb.w), fb.z * fb.w + wb.z * (1 - fb.w), 1);
    js_box_layout(id.c_str(), visible ? 1 : 0, b.now[0], b.now[1], b.now[2], b.now[3], b.now[4], b.now[5], b.now[6],
                  ImGui::ColorConvertFloat4ToU32(bg), ImGui::GetColorU32(ImGuiCol_Text),
                  ImGui::GetColorU32(ImGuiCol_ButtonActive));
    std::copy(b.now, b.now + 7, b.sent);
    b.sent_visible = visible;
    b.sent_once = true;
  }
}

EM_JS(void, js_download, (const char* name, const char* mime, const char* data, int len), {
  attnvizGlue.download(UTF8ToString(name), UTF8ToString(mime), HEAPU8.slice(data, data + len));
});

std::string take_js_string(char* p) {
  std::string s = p ? p : "";
  free(p);
  return s;
}

const char* clipboard_get(void*) { return g_clipboard.c_str(); }
void clipboard_set(void*, const char* text) {
  g_clipboard = text ? text : "";
  js_copy_text(g_clipboard.c_str());
}

// Small moves (layer, head, token, options) replace the history entry; a new text, model or view pushes one so Back
// returns to it. Typing pushes at most one entry per pause of two seconds.
void sync_hash() {
  if (!g_link_applied || !g_app.model || g_app.run_pending) return;
  // Encoding (and compressing a long text) every frame would be wasted work: only when the state moved.
  static ViewState last_seen;
  static bool last_embed = false;
  if (g_app.view == last_seen && g_app.embed == last_embed && g_app.view == g_published_state) return;
  last_seen = g_app.view;
  last_embed = g_app.embed;
  std::string f = app_fragment(g_app);
  if (f == g_published) return;
  const ViewState& a = g_app.view;
  const ViewState& b = g_published_state;
  bool text_changed = a.text != b.text || a.pair != b.pair;
  bool big = text_changed || a.model != b.model || a.view != b.view;
  double now = emscripten_get_now() / 1000.0;
  bool push = big && !(text_changed && a.model == b.model && a.view == b.view && now - g_last_text_push < 2.0);
  if (text_changed) g_last_text_push = now;
  js_set_hash(f.c_str(), push ? 1 : 0);
  g_published = f;
  g_published_state = a;
}

// Renders the frame's draw data once more into an offscreen framebuffer at `scale` device pixels per CSS pixel and
// downloads it as PNG (fonts stay rasterized at the screen's ratio, so text is as sharp as on screen, not sharper).
void export_png(ImDrawData* dd, const std::string& name, float scale) {
  int w = static_cast<int>(dd->DisplaySize.x * scale), h = static_cast<int>(dd->DisplaySize.y * scale);
  if (w <= 0 || h <= 0 || w > 8192 || h > 8192) {
    app_set_error(g_app, tr("app.png_too_large"));
    return;
  }
  GLuint fbo = 0, tex = 0;
  glGenTextures(1, &tex);
  glBindTexture(GL_TEXTURE_2D, tex);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, w, h, 0, GL_RGBA, GL_UNSIGNED_BYTE, nullptr);
  glGenFramebuffers(1, &fbo);
  glBindFramebuffer(GL_FRAMEBUFFER, fbo);
  glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, tex, 0);
  ImVec2 saved = dd->FramebufferScale;
  dd->FramebufferScale = ImVec2(scale, scale);
  glViewport(0, 0, w, h);
  glClearColor(0.09f, 0.09f, 0.11f, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  g_imgui_render.render(dd);
  std::vector<uint8_t> pixels(static_cast<size_t>(w) * h * 4);  // (h, w, 4) RGBA, bottom row first
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadPixels(0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data());
  dd->FramebufferScale = saved;
  glBindFramebuffer(GL_FRAMEBUFFER, 0);
  glDeleteFramebuffers(1, &fbo);
  glDeleteTextures(1, &tex);
  std::string png = encode_png(pixels.data(), w, h, w * 4, true);
  js_download(name.c_str(), "image/png", png.data(), static_cast<int>(png.size()));
}

void key_callback(GLFWwindow*, int key, int, int action, int) {
  wake_input();
  if (action != GLFW_PRESS) return;
  if (key == GLFW_KEY_UP) ui_arrow_pressed(g_app, -1, 0);
  else if (key == GLFW_KEY_DOWN) ui_arrow_pressed(g_app, 1, 0);
  else if (key == GLFW_KEY_LEFT) ui_arrow_pressed(g_app, 0, -1);
  else if (key == GLFW_KEY_RIGHT) ui_arrow_pressed(g_app, 0, 1);
}

// Input that reaches ImGui through GLFW (installed before ImGui's callbacks, which chain to them; ImGui 1.86 reads the
// mouse position by polling, so the cursor callback is ours alone).
void install_wake_callbacks(GLFWwindow* w) {
  glfwSetCursorPosCallback(w, [](GLFWwindow*, double, double) { wake_input(); });
  glfwSetCursorEnterCallback(w, [](GLFWwindow*, int) { wake_input(); });
  glfwSetMouseButtonCallback(w, [](GLFWwindow*, int, int, int) { wake_input(); });
  glfwSetScrollCallback(w, [](GLFWwindow*, double, double) { wake_input(); });
  glfwSetCharCallback(w, [](GLFWwindow*, unsigned int) { wake_input(); });
  glfwSetWindowFocusCallback(w, [](GLFWwindow*, int) { wake_input(); });
  // The canvas follows the window: a paused main loop sees a resize (or a zoom) only through this.
  emscripten_set_resize_callback(EMSCRIPTEN_EVENT_TARGET_WINDOW, nullptr, false,
                                 [](int, const EmscriptenUiEvent*, void*) -> EM_BOOL { wake_input(); return EM_FALSE; });
}

// glfwGetTime() (s) when a frame falls due without a wake: text typed into a box once its keys pause, a pending run
// once its typing pause is over (app_run_due_at, in ImGui's clock); +infinity when none is waiting.
double typed_due_s() { return g_box_typed ? g_box_typed_s + kTypingFrameS : std::numeric_limits<double>::infinity(); }
double run_due_s() { return app_run_due_at(g_app) + g_imgui_clock_offset; }

// While the main loop is paused: a timer that resumes it when the next frame is due (the heartbeat, a typed text
// box's pause, a run's typing pause), replacing the one set before.
void arm_resume_timer() {
  const double next = std::min({g_last_drawn_s + kHeartbeatS, typed_due_s(), run_due_s()});
  if (g_resume_timer) emscripten_clear_timeout(g_resume_timer);
  g_resume_timer = emscripten_set_timeout([](void*) { g_resume_timer = 0; resume_loop(); },
                                          std::max(1.0, (next - glfwGetTime()) * 1000.0), nullptr);
}

// Whether this animation frame draws (frame pacing above); counts it either way. With nothing to draw, pauses the main
// loop and sets a timer for the next frame that will be due (a wake resumes it sooner).
bool frame_wanted(bool resized) {
  const double now = glfwGetTime();
  // A run waiting for the typing pause, or text typed into a box: a frame when the pause is over (ui_frame then
  // submits the run), none while it lasts.
  const bool work = now >= run_due_s() || now >= typed_due_s() || (g_renderer.ready() && g_renderer.behind(g_app)) || g_text_input ||
                    !g_png_name.empty() || !g_imgui_render.has_fonts();
  if (work) wake(1);
  if (resized) wake_input();
  if (g_frames_left <= 0 && now - g_last_drawn_s < kHeartbeatS) {
    g_frames_idle++;
    emscripten_pause_main_loop();
    g_loop_paused = true;
    g_loop_pauses++;
    arm_resume_timer();
    return false;
  }
  if (g_frames_left > 0) g_frames_left--;
  g_last_drawn_s = now;
  g_frames_drawn++;
  g_box_applied = g_box_typed;
  g_box_typed = false;  // this frame applies it (html_text_box)
  return true;
}

void frame() {
  double css_w = 0, css_h = 0;
  emscripten_get_element_css_size("#canvas", &css_w, &css_h);
  float dpr = static_cast<float>(emscripten_get_device_pixel_ratio());
  if (dpr <= 0) dpr = 1;
  int bw = std::max(1, static_cast<int>(std::lround(css_w * dpr)));
  int bh = std::max(1, static_cast<int>(std::lround(css_h * dpr)));
  int cur_w = 0, cur_h = 0;
  emscripten_get_canvas_element_size("#canvas", &cur_w, &cur_h);
  const bool resized = cur_w != bw || cur_h != bh || g_app.ui_scale != dpr;
  if (cur_w != bw || cur_h != bh) emscripten_set_canvas_element_size("#canvas", bw, bh);
  if (!frame_wanted(resized)) return;
  g_app.ui_scale = dpr;

  if (fonts_update(dpr) || !g_imgui_render.has_fonts()) g_imgui_render.upload_fonts();
  ImGui_ImplGlfw_NewFrame();
  ImGuiIO& io = ImGui::GetIO();
  // Emscripten 3.1.6's GLFW knows nothing of HiDPI: ImGui works in CSS pixels, the framebuffer in device pixels, and
  // GLFW reports the mouse in canvas (device) pixels.
  io.DisplaySize = ImVec2(static_cast<float>(css_w), static_cast<float>(css_h));
  io.DisplayFramebufferScale = ImVec2(static_cast<float>(bw) / std::max(1.0, css_w), static_cast<float>(bh) / std::max(1.0, css_h));
  if (io.MousePos.x > -FLT_MAX / 2) {
    io.MousePos.x /= io.DisplayFramebufferScale.x;
    io.MousePos.y /= io.DisplayFramebufferScale.y;
  }
  if (!(io.DeltaTime > 0)) io.DeltaTime = 1.0f / 1000.0f;  // headless virtual time can repeat glfwGetTime()

  ImGui::NewFrame();
  g_imgui_clock_offset = glfwGetTime() - ImGui::GetTime();
  ui_frame(g_app);
  // Text typed into a box is applied a kTypingFrameS pause after its last key: the run's typing pause counts from that
  // key, not from this frame.
  if (g_box_applied && g_app.run_pending)
    g_app.last_edit_time = std::min(g_app.last_edit_time, g_box_typed_s - g_imgui_clock_offset);
  sync_boxes();
  ImGui::Render();
  if (!g_png_name.empty()) {
    export_png(ImGui::GetDrawData(), g_png_name, g_png_scale);
    g_png_name.clear();
  }
  glViewport(0, 0, bw, bh);
  glClearColor(0.09f, 0.09f, 0.11f, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  g_imgui_render.render(ImGui::GetDrawData());
  if (io.WantTextInput != g_text_input) {
    g_text_input = io.WantTextInput;
    js_text_input(g_text_input ? 1 : 0);
  }
  sync_hash();
}

}  // namespace

extern "C" {

// --- the engine worker's answers (web/attnviz.js relays them) -------------------------------------------------------
// The worker is running: how many threads its forward pass uses, and whether the page is cross-origin isolated.
EMSCRIPTEN_KEEPALIVE void attnviz_engine_started(int threads, int isolated) { wake(); g_engine.set_threads(threads, isolated != 0); }

// A model loaded in the worker: `info` is ModelInfo JSON (engine.h). Applied at once (the model swaps in and its
// first run is submitted). Returns 1, or 0 when the info does not parse (then lastError says so).
EMSCRIPTEN_KEEPALIVE int attnviz_engine_loaded(const char* info) {
  wake();
  ModelInfo m;
  if (!info || !info_from_json(info, &m)) {
    app_model_failed(g_app, "the engine answered a model load with an unreadable description");
    return 0;
  }
  app_model_loaded(g_app, m);
  return 1;
}

// A model load failed in the worker (or before: a download, a file that could not be read): keeps the current model.
EMSCRIPTEN_KEEPALIVE void attnviz_engine_load_failed(const char* message) {
  wake();
  app_model_failed(g_app, message ? message : "loading failed");
}

// A result, applied in slices so that no main-thread task grows with the model: attnviz_engine_begin (header JSON,
// engine_codec; `cached` = 1 for a summaries_of answer made without a pass) frees the engine for the next request and
// reserves the buffers, recycling the previous run's (no fresh allocation of L*H*T*T floats per result, and nothing
// written yet); JS then fills each float buffer a slice at a time (attnviz_engine_slice: a few MB per task, the page's
// keys, frames and timers between them); attnviz_engine_end applies it (the current run becomes this one). A newer
// result may begin before the last one ended: the unfinished one is dropped. Returns 0 when the header does not parse
// (JS then calls end at once: the run becomes invalid).
std::vector<size_t> g_incoming_sizes;  // floats each buffer of g_incoming will hold (result_buffers order)

EMSCRIPTEN_KEEPALIVE int attnviz_engine_begin(double id, int cached, const char* header) {
  g_engine.run_finished(static_cast<uint64_t>(id), cached == 0, false);
  if (cached) g_engine.counters_ref().cached++;
  else g_engine.counters_ref().completed++;
  std::vector<size_t> sizes;
  g_incoming_sizes.clear();
  if (!header || !result_from_header_json(header, &g_incoming, &sizes)) {
    g_incoming = RunResult{};
    return 0;
  }
  auto bufs = result_buffers(&g_incoming);
  if (g_incoming.summaries_of == 0 && bufs[0].second->capacity() < sizes[0]) {
    auto spare = result_buffers(&g_app.spare);  // the run before the current one: its buffers are free
    for (size_t i = 0; i < bufs.size(); i++) std::swap(*bufs[i].second, *spare[i].second);
  }
  for (size_t i = 0; i < bufs.size(); i++) {
    std::vector<float>& v = *bufs[i].second;
    const size_t n = sizes[i];
    if (n > v.capacity()) {  // grow with room for a few more tokens: typing does not reallocate every key
      std::vector<float>().swap(v);
      v.reserve(n + n / 4);  // reserved, not written: the slices below write it
    }
    if (v.size() > n) v.resize(n);
  }
  g_incoming_sizes = std::move(sizes);
  return 1;
}

// Where JS copies floats [offset, offset + count) of buffer `index` (result_buffers order): the buffer is sized up to
// there first (within its reserved storage: only that slice is written). Null when out of the header's sizes.
EMSCRIPTEN_KEEPALIVE float* attnviz_engine_slice(int index, double offset, double count) {
  auto bufs = result_buffers(&g_incoming);
  if (index < 0 || index >= static_cast<int>(bufs.size()) || index >= static_cast<int>(g_incoming_sizes.size()))
    return nullptr;
  const size_t off = static_cast<size_t>(offset), n = static_cast<size_t>(count);
  if (off + n > g_incoming_sizes[index]) return nullptr;
  std::vector<float>& v = *bufs[index].second;
  if (v.size() < off + n) v.resize(off + n);
  return v.data() + off;
}

// Where JS copies buffer `index` (result_buffers order) of `n` floats at once (sized now); null when the size differs
// from the header.
EMSCRIPTEN_KEEPALIVE float* attnviz_engine_buffer(int index, double n) {
  if (index < 0 || index >= static_cast<int>(g_incoming_sizes.size()) || g_incoming_sizes[index] != static_cast<size_t>(n))
    return nullptr;
  return n > 0 ? attnviz_engine_slice(index, 0, n) : nullptr;
}

EMSCRIPTEN_KEEPALIVE void attnviz_engine_end(double id) {
  wake();
  auto bufs = result_buffers(&g_incoming);
  for (size_t i = 0; i < bufs.size() && i < g_incoming_sizes.size(); i++)
    bufs[i].second->resize(g_incoming_sizes[i]);  // a buffer JS did not fill (none expected) reads as zeros
  g_incoming_sizes.clear();
  EngineEvent ev;
  ev.kind = EngineEvent::Kind::Result;
  ev.request_id = static_cast<uint64_t>(id);
  ev.run = std::make_unique<RunResult>(std::move(g_incoming));
  g_incoming = RunResult{};
  g_engine.push(std::move(ev));
  app_poll_engine(g_app);
}

// The worker abandoned run `id` (a newer one is coming: started = 1 when it had begun the pass) or failed it.
EMSCRIPTEN_KEEPALIVE void attnviz_engine_cancelled(double id, int started) {
  wake();
  g_engine.run_finished(static_cast<uint64_t>(id), started != 0, started != 0);
  if (!started) g_engine.counters_ref().dropped++;
  app_poll_engine(g_app);
}

EMSCRIPTEN_KEEPALIVE void attnviz_engine_failed(double id, const char* message) {
  wake();
  g_engine.run_finished(static_cast<uint64_t>(id), true, false);
  EngineEvent ev;
  ev.kind = EngineEvent::Kind::RunFailed;
  ev.request_id = static_cast<uint64_t>(id);
  ev.error = message ? message : "the run failed";
  g_engine.push(std::move(ev));
  app_poll_engine(g_app);
}

// The worker answered a compare-model load (vs=): ok with its ModelInfo JSON, or refused / failed (`info` = the refused
// model's ModelInfo JSON when its files loaded, else ""). The current model stays either way.
EMSCRIPTEN_KEEPALIVE void attnviz_compare_loaded(int ok, const char* info, const char* error) {
  wake();
  ModelInfo m;
  const bool have = info && *info && info_from_json(info, &m);
  if (ok && have) app_compare_loaded(g_app, m);
  else app_compare_failed(g_app, have ? &m : nullptr, ok ? "unreadable model description" : (error ? error : "loading failed"));
}

// Test hook compare(): app_compare_json.
EMSCRIPTEN_KEEPALIVE const char* attnviz_compare() {
  static std::string s;
  s = app_compare_json(g_app);
  return s.c_str();
}

// A model load is starting (the page's JS downloads or reads the files): "running..." until it answers.
EMSCRIPTEN_KEEPALIVE void attnviz_engine_loading() { wake(); g_app.awaiting_model = true; }

EMSCRIPTEN_KEEPALIVE int attnviz_busy() { return app_busy(g_app) ? 1 : 0; }

// The page's hub client reports its state (view_hub.h: hub_apply_status).
EMSCRIPTEN_KEEPALIVE void attnviz_hub_status(const char* json) { wake(); hub_apply_status(g_app, json ? json : ""); }

// Checks a Hub model's config.json before any weight is downloaded: "" when attnviz can open it, else why not,
// naming what is supported (the core's parser and its list of architectures decide).
EMSCRIPTEN_KEEPALIVE const char* attnviz_check_config(const char* text) {
  ModelConfig c;
  bool head_known = false;
  Status st = parse_model_config(text ? text : "", "config.json", &c, &head_known);
  g_ret.clear();
  if (!st.ok) {
    g_ret = st.message + ". attnviz opens BERT, RoBERTa, XLM-RoBERTa, DistilBERT and GPT-2 family models (";
    const auto& list = supported_architectures();
    for (size_t i = 0; i < list.size(); ++i) g_ret += (i ? ", " : "") + list[i];
    g_ret += ")";
  }
  return g_ret.c_str();
}

// Text typed into one of the HTML text boxes ("text" or "pair"); the box applies it at its next frame. The textarea
// shows each character itself, so typing draws at most one frame per kTypingFrameS (frame_wanted), not one per key.
EMSCRIPTEN_KEEPALIVE void attnviz_box_input(const char* id, const char* text) {
  if (!id || !text) return;
  auto it = g_boxes.find(id);
  if (it == g_boxes.end()) return;
  it->second.incoming = std::string(text);
  g_box_typed = true;
  g_box_typed_s = glfwGetTime();
  if (g_loop_paused) arm_resume_timer();  // its frame is due kTypingFrameS after this key (no frame per key)
}

EMSCRIPTEN_KEEPALIVE void attnviz_set_font(char* data, int len) {
  wake();
  fonts_set_data(std::string(data, static_cast<size_t>(len)));
  free(data);
}

EMSCRIPTEN_KEEPALIVE void attnviz_set_loading(const char* name, float progress) {
  wake();
  g_app.loading_name = name ? name : "";
  g_app.loading_progress = progress;
}

EMSCRIPTEN_KEEPALIVE void attnviz_load_failed(const char* message) {
  wake();
  g_app.awaiting_model = false;
  g_app.loading_name.clear();
  g_app.loading_progress = -1;
  app_set_error(g_app, tr_message(message ? message : ""));
}

// A message of the page's JS (loading overlay, Hub downloads; English) in the page's language (i18n.h tr_message:
// the "msg." keys of the string tables; an unknown message comes back unchanged).
EMSCRIPTEN_KEEPALIVE const char* attnviz_tr_message(const char* english) {
  static std::string s;
  s = tr_message(english ? english : "");
  return s.c_str();
}

EMSCRIPTEN_KEEPALIVE void attnviz_set_clipboard(const char* text) { g_clipboard = text ? text : ""; }

// Wheel / trackpad scrolling, normalised by the page (Emscripten 3.1.6's GLFW passes raw pixel deltas with the
// wrong sign for 'wheel' events): +1 = one notch up / left.
EMSCRIPTEN_KEEPALIVE void attnviz_wheel(float dx, float dy) {
  wake_input();
  ImGuiIO& io = ImGui::GetIO();
  io.MouseWheelH += dx;
  io.MouseWheel += dy;
}

// Text composed by the browser's input method, typed into the focused ImGui text field.
EMSCRIPTEN_KEEPALIVE void attnviz_input_text(const char* text) {
  wake_input();
  if (text && *text) ImGui::GetIO().AddInputCharactersUTF8(text);
}

// --- share links ---------------------------------------------------------------------------------------------------
EMSCRIPTEN_KEEPALIVE void attnviz_apply_fragment(const char* fragment) {
  wake();
  app_apply_fragment(g_app, fragment ? fragment : "");
  g_link_applied = true;
  g_published = app_fragment(g_app);  // the page shows the link's state: nothing new to write back
  g_published_state = g_app.view;
}

EMSCRIPTEN_KEEPALIVE const char* attnviz_fragment() {
  g_ret = app_fragment(g_app);
  return g_ret.c_str();
}

// --- test hook -----------------------------------------------------------------------------------------------------
EMSCRIPTEN_KEEPALIVE const char* attnviz_state() {
  g_ret = app_state_json(g_app);
  return g_ret.c_str();
}

EMSCRIPTEN_KEEPALIVE const char* attnviz_set_state(const char* json) {
  wake();
  Status st = app_set_state_json(g_app, json ? json : "");
  g_ret = st.ok ? "" : st.message;
  return g_ret.c_str();
}

EMSCRIPTEN_KEEPALIVE void attnviz_set_text(const char* text) {
  wake();
  g_app.view.text = text ? text : "";
  app_run_now(g_app);
}

EMSCRIPTEN_KEEPALIVE const char* attnviz_tokens() {
  nlohmann::json j = nlohmann::json::array();
  if (g_app.run.valid || !g_app.run.enc.tokens.empty())
    for (const auto& t : g_app.run.enc.tokens) j.push_back(t);
  g_ret = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return g_ret.c_str();
}

EMSCRIPTEN_KEEPALIVE int attnviz_n_tokens() { return app_n_tokens(g_app); }
EMSCRIPTEN_KEEPALIVE const float* attnviz_attention(int layer, int head) { return app_attention(g_app, layer, head); }
// Test hook gridAttention: the heatmap's (G, G) matrix of one head (merged into characters / words per the merge
// option, else the run's own), null when none; G = attnviz_grid_n().
EMSCRIPTEN_KEEPALIVE int attnviz_grid_n() { return g_app.run.valid ? g_app.grid.n : 0; }
EMSCRIPTEN_KEEPALIVE const float* attnviz_grid_attention(int layer, int head) {
  return app_grid_matrix(g_app, HeatSource::Attention, layer, head);
}
EMSCRIPTEN_KEEPALIVE const char* attnviz_last_error() { return g_app.last_error.c_str(); }
EMSCRIPTEN_KEEPALIVE int attnviz_run_count() { return static_cast<int>(g_app.run_count); }
EMSCRIPTEN_KEEPALIVE int attnviz_has_model() { return g_app.model ? 1 : 0; }

EMSCRIPTEN_KEEPALIVE const char* attnviz_notices() {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& n : g_app.notices) j.push_back(n);
  g_ret = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return g_ret.c_str();
}

// What the predictions panel shows, as data: {"kind": "masked_lm", "masks": [{"position", "top": [5 candidates]}]},
// {"kind": "causal_lm", "next": {"position", "top": [10]}}, {"kind": "token_classification", "tags": [per token],
// "spans": [{"begin", "end", "type", "score", "text"}]}, {"kind": "sequence_classification", "top": [...]} or
// {"kind": "none"}. A candidate: {"id", "token", "prob", "logit"} (+ "text", the bytes appended, for GPT-2).
EMSCRIPTEN_KEEPALIVE const char* attnviz_predictions() {
  nlohmann::json j;
  j["kind"] = "none";
  if (!g_app.model || !g_app.run.valid) {
    g_ret = j.dump();
    return g_ret.c_str();
  }
  const RunVocab tok{g_app};
  const ModelConfig& cfg = g_app.model->model.config();
  const Activations& act = g_app.run.act;
  const Encoding& enc = g_app.run.enc;
  const int T = std::min(app_n_tokens(g_app), static_cast<int>(enc.ids.size()));
  const int V = act.logit_cols;
  const int rows = V > 0 ? static_cast<int>(act.logits.size() / V) : 0;
  auto label = [&](int id) {
    return id >= 0 && id < static_cast<int>(cfg.labels.size()) ? cfg.labels[id] : std::to_string(id);
  };
  auto candidates = [&](int row, int k, bool vocab) {
    nlohmann::json list = nlohmann::json::array();
    for (const Candidate& c : top_k_softmax(act.logits.data() + static_cast<size_t>(row) * V, V, k)) {
      nlohmann::json e = {{"id", c.id}, {"prob", c.prob}, {"logit", c.logit}};
      e["token"] = vocab ? tok.display_token(c.id) : label(c.id);
      if (vocab && tok.kind() == TokenizerKind::ByteLevelBPE) e["text"] = byte_level_decode(tok.id_to_token(c.id));
      list.push_back(std::move(e));
    }
    return list;
  };
  switch (cfg.head) {
    case HeadKind::MaskedLM: {
      j["kind"] = "masked_lm";
      j["masks"] = nlohmann::json::array();
      for (int r = 0; r < rows && r < static_cast<int>(act.logit_positions.size()); ++r) {
        const int pos = act.logit_positions[r];
        if (pos < 0 || pos >= T || enc.ids[pos] != tok.mask_id()) continue;
        j["masks"].push_back({{"position", pos}, {"top", candidates(r, 5, true)}});
      }
      break;
    }
    case HeadKind::CausalLM:
      j["kind"] = "causal_lm";
      if (rows > 0 && !act.logit_positions.empty())
        j["next"] = {{"position", act.logit_positions.back()}, {"top", candidates(rows - 1, 10, true)}};
      break;
    case HeadKind::TokenClassification: {
      j["kind"] = "token_classification";
      if (V <= 0 || act.logits.size() < static_cast<size_t>(T) * V) break;
      std::vector<int> ids;
      std::vector<float> probs;
      argmax_rows(act.logits.data(), T, V, &ids, &probs);
      j["tags"] = nlohmann::json::array();
      for (int i = 0; i < T; ++i) j["tags"].push_back(label(ids[i]));
      j["spans"] = nlohmann::json::array();
      for (const EntitySpan& sp : bio_spans(ids, probs, cfg.labels, enc.special)) {
        // The span's own characters from the input (offsets), else the tokens' labels joined.
        std::string text;
        const int b = sp.begin < static_cast<int>(enc.offsets.size()) ? enc.offsets[sp.begin].first : -1;
        const int e = sp.end - 1 < static_cast<int>(enc.offsets.size()) ? enc.offsets[sp.end - 1].second : -1;
        const bool in_pair = token_from_pair(enc, sp.begin);
        const std::string& src = in_pair ? g_app.view.pair : g_app.view.text;
        if (b >= 0 && e > b && e <= static_cast<int>(src.size())) {
          text = src.substr(b, e - b);
        } else {
          for (int i = sp.begin; i < sp.end && i < T; ++i) text += token_label(g_app, i);
        }
        j["spans"].push_back({{"begin", sp.begin}, {"end", sp.end}, {"type", sp.type}, {"score", sp.score},
                              {"text", text}});
      }
      break;
    }
    case HeadKind::SequenceClassification:
      j["kind"] = "sequence_classification";
      if (rows > 0) j["top"] = candidates(0, V, false);
      break;
    case HeadKind::None:
      break;
  }
  g_ret = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return g_ret.c_str();
}

// The labelled widgets of the last frame and where they are: [{"label", "window", "x", "y", "w", "h", "checked"}].
EMSCRIPTEN_KEEPALIVE const char* attnviz_items() {
  nlohmann::json j = nlohmann::json::array();
  for (const UiItem& it : ui_items())
    j.push_back({{"label", it.label}, {"window", it.window}, {"x", it.x}, {"y", it.y}, {"w", it.w}, {"h", it.h},
                 {"checked", it.checked}});
  g_ret = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return g_ret.c_str();
}

EMSCRIPTEN_KEEPALIVE const char* attnviz_info() {
  nlohmann::json j;
  j["model"] = g_app.model ? g_app.model->name : "";
  j["T"] = app_n_tokens(g_app);
  j["ms"] = g_app.run.ms;
  j["layers"] = app_n_layers(g_app);
  j["heads"] = app_n_heads(g_app);
  j["grid"] = g_app.grid.n;
  j["truncated"] = g_app.run.truncated;
  j["uploads"] = g_renderer.uploads();
  j["image_uploads"] = g_renderer.image_uploads();
  j["uploading"] = g_renderer.ready() && g_renderer.behind(g_app);
  j["gpu_bytes"] = g_renderer.gpu_bytes();
  j["frames"] = {{"drawn", g_frames_drawn}, {"idle", g_frames_idle}, {"pauses", g_loop_pauses}, {"paused", g_loop_paused}};
  j["glyphs"] = fonts_glyph_count();
  {
    std::string zh;  // the Chinese table's text: all of it must be in the atlas while the page shows Chinese
    for (const StringEntry& e : strings_zh()) zh += e.text;
    j["zh_missing_glyphs"] = fonts_missing_glyphs(zh);
    j["lang"] = lang_code(ui_lang());
  }
  j["renderer"] = g_renderer.ready() ? "ok" : g_renderer.error();
  j["runs"] = g_app.run_count;
  j["busy"] = app_busy(g_app);
  j["total_ms"] = g_app.run.total_ms;
  const EngineCounters c = g_engine.counters();
  j["engine"] = {{"threads", g_engine.threads()}, {"label", g_engine.threads_label()}, {"submitted", c.submitted},
                 {"dropped", c.dropped}, {"started", c.started}, {"abandoned", c.abandoned}, {"completed", c.completed},
                 {"cached", c.cached}};
  g_ret = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return g_ret.c_str();
}

}  // extern "C"

int main() {
  if (!glfwInit()) {
    EM_ASM({ attnvizGlue.fatal('GLFW could not start (no WebGL2?)'); });
    return 1;
  }
  glfwWindowHint(GLFW_CLIENT_API, GLFW_OPENGL_ES_API);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
  g_window = glfwCreateWindow(1280, 800, "attnviz", nullptr, nullptr);
  if (!g_window) {
    EM_ASM({ attnvizGlue.fatal('This page needs WebGL2, which this browser did not provide.'); });
    return 1;
  }
  glfwMakeContextCurrent(g_window);
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ui_items_enable();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;
  glfwSetKeyCallback(g_window, key_callback);  // before ImGui's, which chains to it
  install_wake_callbacks(g_window);
  ImGui_ImplGlfw_InitForOpenGL(g_window, true);
  if (!g_imgui_render.init("#version 300 es")) {
    const std::string msg = "WebGL refused the UI's shader: " + g_imgui_render.error();
    EM_ASM({ attnvizGlue.fatal(UTF8ToString($0)); }, msg.c_str());
    return 1;
  }
  ui_set_text_box(html_text_box);
  io.SetClipboardTextFn = clipboard_set;
  io.GetClipboardTextFn = clipboard_get;
  io.ImeSetInputScreenPosFn = [](int x, int y) { js_ime_pos(x, y); };
  ui_setup_style(1.0f);
  if (!g_renderer.init("#version 300 es\nprecision highp float;\nprecision highp int;\n"))
    app_set_error(g_app, trf("app.no_gpu_shader", g_renderer.error().c_str()));
  g_app.renderer = &g_renderer;
  g_app.engine = &g_engine;
  g_app.recycle_runs = true;  // the next result's buffers are the run before the current one's (attnviz_engine_begin)
  g_app.platform.request_model = [](const std::string& name) { js_request_model(name.c_str()); };
  g_app.platform.request_compare = [](const std::string& name) { js_request_compare(name.c_str()); };
  g_app.platform.open_compare_files = [] { js_open_compare_files(); };
  g_app.platform.open_files = [] { js_open_files(0); };
  g_app.platform.open_folder = [] { js_open_files(1); };
  g_app.platform.copy_text = [](const std::string& text) { js_copy_text(text.c_str()); };
  g_app.platform.hub = [](const std::string& command, const std::string& arg) { js_hub(command.c_str(), arg.c_str()); };
  g_app.platform.page_url = [] { return take_js_string(js_page_url()); };
  g_app.platform.download = [](const std::string& name, const std::string& mime, const std::string& bytes) {
    js_download(name.c_str(), mime.c_str(), bytes.data(), static_cast<int>(bytes.size()));
  };
  g_app.platform.save_png = [](const std::string& name, float scale) {
    g_png_name = name;
    g_png_scale = scale > 0 ? scale : 2;
  };
  {
    Lang browser = Lang::En;
    if (lang_from_code(take_js_string(js_browser_language()), &browser)) set_default_ui_lang(browser);
  }
  // The link's state first: it names the model to load.
  attnviz_apply_fragment(take_js_string(js_initial_hash()).c_str());
  EM_ASM({ attnvizGlue.started(); });
  emscripten_set_main_loop(frame, 0, false);
  return 0;
}
