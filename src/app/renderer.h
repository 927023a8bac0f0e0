// Renderer: the heatmaps on the GPU. After each run (or merge change) every head's (n, n) attention, the per-layer
// head means and the rollout go into float texture arrays, a bounded number of bytes per frame (the images the last
// frame drew first), so a big model's new result never stalls one frame; until an image is re-uploaded the last one
// there is drawn. Each heatmap is one textured quad drawn through the colormap shader (shaders/heatmap.*.glsl),
// switched in and out of ImGui's own program with draw-list callbacks. GL + ImGui only; the platform picks the GLSL
// version line.
#pragma once
#include <imgui.h>

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "app.h"

namespace attnviz {

class Renderer {
 public:
  // glsl_header: "#version 300 es\nprecision highp float;\n..." (WebGL2) or "#version 330 core\n" (desktop).
  // Shader sources are compiled in (CMake embeds shaders/*.glsl). False + error() when GL refuses them.
  bool init(const std::string& glsl_header);
  void shutdown();
  const std::string& error() const { return error_; }
  bool ready() const { return program_ != 0; }

  void begin_frame();         // forget last frame's callback parameters
  // Uploads the grid's matrices when the run or merge mode changed: at most kFrameBudget bytes of them per call (at
  // least one image), the images drawn in the last frame first. Call once per frame.
  void sync(const App& app);
  static constexpr size_t kFrameBudget = size_t(6) << 20;  // bytes of float32 source per frame

  // Adds to `dl` a quad from p0 to p1 showing the part [uv0, uv1] (fractions of rows/columns) of one image.
  // False when nothing is uploaded for it (the caller may draw a placeholder).
  bool add_heatmap(ImDrawList* dl, const ViewState& vs, HeatSource src, int layer, int head, ImVec2 p0, ImVec2 p1,
                   ImVec2 uv0 = ImVec2(0, 0), ImVec2 uv1 = ImVec2(1, 1));

  int uploads() const { return uploads_; }  // complete uploads so far (tests: once per run, not per frame)
  // Images (one head's, one layer's head mean or rollout) uploaded so far: each once per result (summaries that
  // arrive after their run upload only the 2L summary images).
  uint64_t image_uploads() const { return image_uploads_; }
  bool uploading() const { return !done_; }  // images of the current grid still to upload
  // True while the grid `app` shows is not all on the GPU yet (its upload not begun or not finished).
  bool behind(const App& app) const {
    return !done_ || (app.run.valid && app.grid.n > 0 && app.grid.generation != 0 &&
                      (app.grid.generation != generation_ || app.grid.merge != merge_));
  }
  size_t gpu_bytes() const { return gpu_bytes_; }

  struct DrawParams {  // one heatmap's uniforms, alive until the frame is rendered
    Renderer* self;
    unsigned array_tex;
    int layer, n, cmap, scale, hide;
    float threshold;
  };

 private:
  unsigned program_ = 0;
  int loc_proj_ = -1, loc_images_ = -1, loc_special_ = -1, loc_lut_ = -1, loc_layer_ = -1, loc_n_ = -1,
      loc_cmap_ = -1, loc_scale_ = -1, loc_hide_ = -1, loc_threshold_ = -1, loc_mask_color_ = -1;
  unsigned lut_tex_ = 0, special_tex_ = 0;
  std::vector<unsigned> arrays_;       // texture arrays holding all images, split at max_layers_
  int max_layers_ = 256;
  int n_ = 0, L_ = 0, H_ = 0;          // shape of the grid being uploaded (n <= cap_)
  int cap_ = 0;                        // rows = columns the arrays hold (n plus room, so typing keeps them)
  bool half_ = false;                  // R16F (big models at long inputs) or R32F
  uint64_t generation_ = 0;
  uint64_t attention_generation_ = 0;  // Grid::attention_generation of the images held
  Merge merge_ = Merge::Tokens;
  uint64_t stamp_ = 0;                 // increments per grid to upload
  std::vector<uint64_t> slot_stamp_;   // (images) stamp_ of what each image holds (0 = nothing)
  std::vector<int> slot_n_;            // (images) n of what each image holds (0 = nothing: not drawable)
  std::vector<int> drawn_now_, drawn_last_;  // images add_heatmap was asked for, this and the last frame
  int cursor_ = 0;                     // next image to look at for the background upload
  bool done_ = true;
  int uploads_ = 0;
  uint64_t image_uploads_ = 0;
  size_t gpu_bytes_ = 0;
  std::deque<DrawParams> params_;      // stable addresses for the draw callbacks
  std::string error_;

  void free_arrays();
  const float* image(const App& app, int i) const;  // the grid's matrix for image i (null when absent)
  void upload(const App& app, int i);
  static void draw_callback(const ImDrawList* dl, const ImDrawCmd* cmd);
};

}  // namespace attnviz
