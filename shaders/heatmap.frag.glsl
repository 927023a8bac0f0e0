// Heatmap cells: one texel per (query row, key column) of an attention matrix, fetched exactly (no filtering, so
// cells stay crisp at any zoom), thresholded, scaled (linear / sqrt / log) and coloured through a colormap LUT.
// Must match scaled_weight() and colormap_color() in draw_util.cpp (the CPU-drawn parts use those).
uniform highp sampler2DArray u_images;  // (layers = images, n, n) R32F/R16F attention weights
uniform highp sampler2D u_special;      // (1, n) R8: 1 = special-token row/column (hidden on request)
uniform highp sampler2D u_lut;          // (4, 256) RGBA8: viridis, magma, cividis, gray
uniform int u_layer;                    // image index in u_images
uniform int u_n;                        // rows = columns
uniform int u_cmap;                     // LUT row
uniform int u_scale;                    // 0 linear, 1 sqrt, 2 log10 over [1e-4, 1]
uniform int u_hide;                     // 1 = mask special rows/columns
uniform float u_threshold;              // weights below are drawn as 0
uniform vec4 u_mask_color;
in vec2 Frag_UV;
layout (location = 0) out vec4 Out_Color;

float scaled(float w) {
  float t = w < u_threshold ? 0.0 : w;
  if (u_scale == 1) t = sqrt(max(t, 0.0));
  else if (u_scale == 2) t = t <= 0.0 ? 0.0 : (log(t) / log(10.0) + 4.0) / 4.0;
  return clamp(t, 0.0, 1.0);
}

bool hidden(int row, int col) {
  return u_hide != 0 && (texelFetch(u_special, ivec2(row, 0), 0).r > 0.5 || texelFetch(u_special, ivec2(col, 0), 0).r > 0.5);
}

void main() {
  float n = float(u_n);
  // Small thumbnails of long inputs have several cells per pixel: show the strongest of them (up to 8 x 8), so thin
  // diagonals and single bright cells do not vanish the way plain nearest sampling would drop them.
  vec2 span = fwidth(Frag_UV) * n;  // cells per pixel
  int c0 = int(floor((Frag_UV.x - 0.5 * fwidth(Frag_UV.x)) * n));
  int r0 = int(floor((Frag_UV.y - 0.5 * fwidth(Frag_UV.y)) * n));
  int sx = span.x > 1.0 ? min(int(ceil(span.x)), 8) : 1;
  int sy = span.y > 1.0 ? min(int(ceil(span.y)), 8) : 1;
  if (sx == 1) c0 = int(floor(Frag_UV.x * n));
  if (sy == 1) r0 = int(floor(Frag_UV.y * n));
  float best = -1.0;
  for (int dy = 0; dy < 8; dy++) {
    if (dy >= sy) break;
    for (int dx = 0; dx < 8; dx++) {
      if (dx >= sx) break;
      int col = clamp(c0 + dx, 0, u_n - 1);
      int row = clamp(r0 + dy, 0, u_n - 1);
      if (hidden(row, col)) continue;
      best = max(best, texelFetch(u_images, ivec3(col, row, u_layer), 0).r);
    }
  }
  if (best < 0.0) {
    Out_Color = u_mask_color;
    return;
  }
  float t = scaled(best);
  Out_Color = texelFetch(u_lut, ivec2(int(t * 255.0 + 0.5), u_cmap), 0);
}
