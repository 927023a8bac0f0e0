// ImGuiRender (see imgui_render.h): ImGui 1.86's OpenGL3 backend's drawing (imgui_impl_opengl3.cpp,
// ImGui_ImplOpenGL3_SetupRenderState / RenderDrawData, same shaders and state), minus its per-frame backup and
// restore of GL state.
#include "imgui_render.h"

#include <cstddef>
#include <cstdint>

#include "gl_api.h"
#include "gl_program.h"

namespace attnviz {
namespace {

// ImGui 1.86 imgui_impl_opengl3.cpp, vertex_shader_glsl_300_es / _410_core and fragment_shader_glsl_300_es /
// _410_core (the precision lines are added for ES only, as there).
const char* const kVert =
    "layout (location = 0) in vec2 Position;\n"
    "layout (location = 1) in vec2 UV;\n"
    "layout (location = 2) in vec4 Color;\n"
    "uniform mat4 ProjMtx;\n"
    "out vec2 Frag_UV;\n"
    "out vec4 Frag_Color;\n"
    "void main()\n"
    "{\n"
    "    Frag_UV = UV;\n"
    "    Frag_Color = Color;\n"
    "    gl_Position = ProjMtx * vec4(Position.xy,0,1);\n"
    "}\n";
const char* const kFrag =
    "uniform sampler2D Texture;\n"
    "in vec2 Frag_UV;\n"
    "in vec4 Frag_Color;\n"
    "layout (location = 0) out vec4 Out_Color;\n"
    "void main()\n"
    "{\n"
    "    Out_Color = Frag_Color * texture(Texture, Frag_UV.st);\n"
    "}\n";

}  // namespace

bool ImGuiRender::init(const std::string& glsl_version) {
  const bool es = glsl_version.find(" es") != std::string::npos;
  const std::string vh = glsl_version + "\n" + (es ? "precision highp float;\n" : "");
  const std::string fh = glsl_version + "\n" + (es ? "precision mediump float;\n" : "");
  program_ = link_program(vh, kVert, fh, kFrag, "ImGui shader", &error_);
  if (!program_) return false;
  loc_tex_ = glGetUniformLocation(program_, "Texture");
  loc_proj_ = glGetUniformLocation(program_, "ProjMtx");
  glGenVertexArrays(1, &vao_);
  glGenBuffers(1, &vbo_);
  glGenBuffers(1, &ebo_);
  ImGuiIO& io = ImGui::GetIO();
  io.BackendRendererName = "attnviz_imgui_render";
  return true;
}

void ImGuiRender::shutdown() {
  if (font_tex_) glDeleteTextures(1, &font_tex_);
  if (vbo_) glDeleteBuffers(1, &vbo_);
  if (ebo_) glDeleteBuffers(1, &ebo_);
  if (vao_) glDeleteVertexArrays(1, &vao_);
  if (program_) glDeleteProgram(program_);
  font_tex_ = vbo_ = ebo_ = vao_ = program_ = 0;
  if (ImGui::GetCurrentContext()) ImGui::GetIO().Fonts->SetTexID(nullptr);
}

void ImGuiRender::upload_fonts() {
  ImGuiIO& io = ImGui::GetIO();
  unsigned char* pixels = nullptr;
  int w = 0, h = 0;
  io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);  // (h, w, 4) RGBA8; builds the atlas when needed
  if (!font_tex_) glGenTextures(1, &font_tex_);
  glActiveTexture(GL_TEXTURE0);
  glBindTexture(GL_TEXTURE_2D, font_tex_);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
  glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, w, h, 0, GL_RGBA, GL_UNSIGNED_BYTE, pixels);
  io.Fonts->SetTexID(reinterpret_cast<ImTextureID>(static_cast<intptr_t>(font_tex_)));
}

// ImGui_ImplOpenGL3_SetupRenderState: blending, no culling/depth/stencil, scissor on, the orthographic projection
// of DisplayPos..DisplayPos+DisplaySize, the vertex layout of ImDrawVert.
void ImGuiRender::setup_state(ImDrawData* dd, int fb_w, int fb_h) {
  glEnable(GL_BLEND);
  glBlendEquation(GL_FUNC_ADD);
  glBlendFuncSeparate(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ONE, GL_ONE_MINUS_SRC_ALPHA);
  glDisable(GL_CULL_FACE);
  glDisable(GL_DEPTH_TEST);
  glDisable(GL_STENCIL_TEST);
  glEnable(GL_SCISSOR_TEST);
  glViewport(0, 0, fb_w, fb_h);
  const float L = dd->DisplayPos.x, R = dd->DisplayPos.x + dd->DisplaySize.x;
  const float T = dd->DisplayPos.y, B = dd->DisplayPos.y + dd->DisplaySize.y;
  const float ortho[4][4] = {
      {2.0f / (R - L), 0.0f, 0.0f, 0.0f},
      {0.0f, 2.0f / (T - B), 0.0f, 0.0f},
      {0.0f, 0.0f, -1.0f, 0.0f},
      {(R + L) / (L - R), (T + B) / (B - T), 0.0f, 1.0f},
  };
  glUseProgram(program_);
  glUniform1i(loc_tex_, 0);
  glUniformMatrix4fv(loc_proj_, 1, GL_FALSE, &ortho[0][0]);
  glActiveTexture(GL_TEXTURE0);
  glBindVertexArray(vao_);
  glBindBuffer(GL_ARRAY_BUFFER, vbo_);
  glBindBuffer(GL_ELEMENT_ARRAY_BUFFER, ebo_);
  glEnableVertexAttribArray(0);
  glEnableVertexAttribArray(1);
  glEnableVertexAttribArray(2);
  glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, sizeof(ImDrawVert), (void*)offsetof(ImDrawVert, pos));
  glVertexAttribPointer(1, 2, GL_FLOAT, GL_FALSE, sizeof(ImDrawVert), (void*)offsetof(ImDrawVert, uv));
  glVertexAttribPointer(2, 4, GL_UNSIGNED_BYTE, GL_TRUE, sizeof(ImDrawVert), (void*)offsetof(ImDrawVert, col));
}

void ImGuiRender::render(ImDrawData* dd) {
  const int fb_w = static_cast<int>(dd->DisplaySize.x * dd->FramebufferScale.x);
  const int fb_h = static_cast<int>(dd->DisplaySize.y * dd->FramebufferScale.y);
  if (!program_ || fb_w <= 0 || fb_h <= 0) return;
  setup_state(dd, fb_w, fb_h);
  const ImVec2 clip_off = dd->DisplayPos, clip_scale = dd->FramebufferScale;
  for (int n = 0; n < dd->CmdListsCount; n++) {
    const ImDrawList* list = dd->CmdLists[n];
    // A whole new store per list: the GPU may still read the previous one (no wait for it either way). An empty
    // upload is skipped: WebGL2's bufferData(target, view, usage, offset, 0) would take the rest of the wasm heap.
    if (list->VtxBuffer.Size > 0 && list->IdxBuffer.Size > 0) {
      glBufferData(GL_ARRAY_BUFFER, static_cast<GLsizeiptr>(list->VtxBuffer.Size) * sizeof(ImDrawVert),
                   list->VtxBuffer.Data, GL_STREAM_DRAW);
      glBufferData(GL_ELEMENT_ARRAY_BUFFER, static_cast<GLsizeiptr>(list->IdxBuffer.Size) * sizeof(ImDrawIdx),
                   list->IdxBuffer.Data, GL_STREAM_DRAW);
    }
    for (int i = 0; i < list->CmdBuffer.Size; i++) {
      const ImDrawCmd* cmd = &list->CmdBuffer[i];
      if (cmd->UserCallback) {
        if (cmd->UserCallback == ImDrawCallback_ResetRenderState) setup_state(dd, fb_w, fb_h);
        else cmd->UserCallback(list, cmd);
        continue;
      }
      const ImVec2 cmin((cmd->ClipRect.x - clip_off.x) * clip_scale.x, (cmd->ClipRect.y - clip_off.y) * clip_scale.y);
      const ImVec2 cmax((cmd->ClipRect.z - clip_off.x) * clip_scale.x, (cmd->ClipRect.w - clip_off.y) * clip_scale.y);
      if (cmax.x <= cmin.x || cmax.y <= cmin.y) continue;
      glScissor(static_cast<int>(cmin.x), static_cast<int>(fb_h - cmax.y), static_cast<int>(cmax.x - cmin.x),
                static_cast<int>(cmax.y - cmin.y));  // GL's y goes up
      glBindTexture(GL_TEXTURE_2D, static_cast<GLuint>(reinterpret_cast<intptr_t>(cmd->GetTexID())));
      glDrawElements(GL_TRIANGLES, static_cast<GLsizei>(cmd->ElemCount),
                     sizeof(ImDrawIdx) == 2 ? GL_UNSIGNED_SHORT : GL_UNSIGNED_INT,
                     reinterpret_cast<void*>(static_cast<intptr_t>(cmd->IdxOffset * sizeof(ImDrawIdx))));
    }
  }
  glDisable(GL_SCISSOR_TEST);  // the next frame's glClear clears the whole framebuffer
}

}  // namespace attnviz
