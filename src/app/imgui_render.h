// ImGuiRender: draws Dear ImGui's draw data with OpenGL ES 3 / WebGL2 for a context the app owns alone. Unlike
// ImGui's own OpenGL3 backend it neither saves nor restores GL state (no glGet*/glIsEnabled per frame: in a browser
// each such query waits for the GPU process, issue 10); it sets every state it draws with, each frame.
#pragma once
#include <imgui.h>

#include <string>

namespace attnviz {

class ImGuiRender {
 public:
  // glsl_version: "#version 300 es" (WebGL2) or "#version 330 core" (desktop). The shaders are ImGui 1.86's own GLSL
  // 300 es / 410 core ones (same precision, so the same pixels), with layout locations 0, 1, 2 for ImDrawVert's pos,
  // uv, col, as the heatmap shader has. Compiles the shader and creates the
  // buffers and vertex array (start-up: this asks GL for the compile and link status). False + error() when GL
  // refuses the shader.
  bool init(const std::string& glsl_version);
  void shutdown();
  const std::string& error() const { return error_; }
  bool ready() const { return program_ != 0; }

  // (Re)uploads ImGui's font atlas (RGBA8, io.Fonts->GetTexDataAsRGBA32) and hands its texture id to ImGui. Call
  // before the first NewFrame and whenever the atlas was rebuilt.
  void upload_fonts();
  bool has_fonts() const { return font_tex_ != 0; }

  // Draws `dd` into the bound framebuffer, DisplaySize * FramebufferScale device pixels. Sets the viewport, blending
  // (colour: src alpha, one minus src alpha; alpha: one, one minus src alpha), scissor per command, program, vertex
  // array, buffers and texture unit 0. Draw-list callbacks run in between (ImDrawCallback_ResetRenderState sets this
  // state again). Afterwards the scissor test is off (so a glClear clears everything), and the rest is left as drawn
  // with: nothing is restored.
  void render(ImDrawData* dd);

 private:
  unsigned program_ = 0, vao_ = 0, vbo_ = 0, ebo_ = 0, font_tex_ = 0;
  int loc_tex_ = -1, loc_proj_ = -1;
  std::string error_;

  void setup_state(ImDrawData* dd, int fb_w, int fb_h);
};

}  // namespace attnviz
