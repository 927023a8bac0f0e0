// native_main: the desktop viewer (GLFW + OpenGL 3.3). The same app and views as the page; models come from the
// repository's models/ folder by name, or from a Hugging Face folder given on the command line.
//   attnviz_gui [--model DIR] [--link FRAGMENT] [--threads N] [--lang en|zh]
// The interface's language: --lang, else the link's lang=, else the system locale (LC_ALL, LC_MESSAGES, LANG).
// The model runs on the engine's own std::thread (engine.h): the window never waits for a pass.
#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_opengl3.h>

#include <cstdio>
#include <cstring>
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include "app.h"
#include "folder.h"
#include "fonts.h"
#include "i18n.h"
#include "renderer.h"
#include "ui.h"
#include "ui_items.h"

using namespace attnviz;

namespace {

std::string g_pending_model;  // a built-in model to load at the start of the next frame

void load_builtin(App& app, const std::string& name) {
  FolderFiles ff;
  std::string dir = std::string(ATTNVIZ_SOURCE_DIR) + "/models/" + name;
  Status st = read_folder(dir, &ff);
  if (!st) {
    app_set_error(app, tr_message(st.message));
    return;
  }
  app_load_model(app, std::move(ff.bytes), name, false);
}

void load_user(App& app, const std::string& dir) {
  FolderFiles ff;
  Status st = read_folder(dir, &ff);
  if (!st) {
    app_set_error(app, tr_message(st.message));
    return;
  }
  std::string base = dir;
  while (!base.empty() && base.back() == '/') base.pop_back();
  base = base.substr(base.find_last_of('/') + 1);
  app_load_model(app, std::move(ff.bytes), base, true);
}

App* g_app_ptr = nullptr;

void key_callback(GLFWwindow*, int key, int, int action, int) {
  if (action != GLFW_PRESS || !g_app_ptr) return;
  if (key == GLFW_KEY_UP) ui_arrow_pressed(*g_app_ptr, -1, 0);
  else if (key == GLFW_KEY_DOWN) ui_arrow_pressed(*g_app_ptr, 1, 0);
  else if (key == GLFW_KEY_LEFT) ui_arrow_pressed(*g_app_ptr, 0, -1);
  else if (key == GLFW_KEY_RIGHT) ui_arrow_pressed(*g_app_ptr, 0, 1);
}

}  // namespace

int main(int argc, char** argv) {
  std::string user_dir, link, lang;
  int threads = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--model")) user_dir = argv[i + 1];
    else if (!std::strcmp(argv[i], "--lang")) lang = argv[i + 1];
    else if (!std::strcmp(argv[i], "--link")) link = argv[i + 1];
    else if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
  }
  if (threads <= 0) threads = std::min(8, std::max(1, static_cast<int>(std::thread::hardware_concurrency())));
  if (!glfwInit()) {
    std::fprintf(stderr, "attnviz_gui: GLFW could not start (no display?)\n");
    return 1;
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  GLFWwindow* window = glfwCreateWindow(1400, 900, "attnviz", nullptr, nullptr);
  if (!window) {
    std::fprintf(stderr, "attnviz_gui: could not open an OpenGL 3.3 window\n");
    glfwTerminate();
    return 1;
  }
  glfwMakeContextCurrent(window);
  glfwSwapInterval(1);
  ImGui::CreateContext();
  ui_items_enable();
  ImGui::GetIO().IniFilename = nullptr;
  glfwSetKeyCallback(window, key_callback);  // before ImGui's, which chains to it
  ImGui_ImplGlfw_InitForOpenGL(window, true);
  ImGui_ImplOpenGL3_Init("#version 330 core");
  ui_setup_style(1.0f);

  App app;
  g_app_ptr = &app;
  std::unique_ptr<Engine> engine = make_thread_engine(threads);
  app.engine = engine.get();
  Renderer renderer;
  if (!renderer.init("#version 330 core\n")) app_set_error(app, renderer.error());
  app.renderer = &renderer;
  std::string font;
  if (read_whole_file(ATTNVIZ_CJK_FONT, &font)) fonts_set_data(std::move(font));
  app.platform.request_model = [](const std::string& name) { g_pending_model = name; };
  app.platform.request_compare = [&app](const std::string& name) {  // vs=: a built-in as the compare model
    FolderFiles ff;
    Status st = read_folder(std::string(ATTNVIZ_SOURCE_DIR) + "/models/" + name, &ff);
    if (st) app.engine->load_compare(std::move(ff.bytes), name, false);
    else app_compare_failed(app, nullptr, st.message);  // translated there (tr_message)
  };
  app.platform.copy_text = [window](const std::string& text) { glfwSetClipboardString(window, text.c_str()); };
  app.platform.page_url = [] { return std::string("attnviz:"); };
  app.platform.download = [&app](const std::string& name, const std::string&, const std::string& bytes) {
    std::ofstream f(name, std::ios::binary);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (f) app.notices.push_back(trf("app.saved_file", name.c_str()));
    else app_set_error(app, trf("app.write_failed", name.c_str()));
  };
  Lang ui = lang_from_locale(std::getenv("LC_ALL"), std::getenv("LC_MESSAGES"), std::getenv("LANG"));
  const bool lang_given = lang_from_code(lang, &ui);
  set_default_ui_lang(ui);
  app_apply_fragment(app, link);
  if (lang_given && app.view.lang != lang_code(ui)) {  // --lang wins over the link's lang=
    app.view.lang = lang_code(ui);
    sync_ui_lang(app.view.lang);
  }
  if (!user_dir.empty()) {
    g_pending_model.clear();
    load_user(app, user_dir);
  }

  while (!glfwWindowShouldClose(window)) {
    glfwPollEvents();
    if (!g_pending_model.empty()) {
      std::string name = g_pending_model;
      g_pending_model.clear();
      load_builtin(app, name);
    }
    int fb_w = 0, fb_h = 0, win_w = 0, win_h = 0;
    glfwGetFramebufferSize(window, &fb_w, &fb_h);
    glfwGetWindowSize(window, &win_w, &win_h);
    float ratio = win_w > 0 ? static_cast<float>(fb_w) / win_w : 1.0f;
    app.ui_scale = ratio;
    if (fonts_update(ratio)) {
      ImGui_ImplOpenGL3_DestroyFontsTexture();
      ImGui_ImplOpenGL3_CreateFontsTexture();
    }
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGuiIO& io = ImGui::GetIO();
    if (!(io.DeltaTime > 0)) io.DeltaTime = 1.0f / 1000.0f;
    ImGui::NewFrame();
    ui_frame(app);
    ImGui::Render();
    glViewport(0, 0, fb_w, fb_h);
    glClearColor(0.09f, 0.09f, 0.11f, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    glfwSwapBuffers(window);
  }
  app.engine = nullptr;
  engine.reset();
  renderer.shutdown();
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window);
  glfwTerminate();
  return 0;
}
