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

void main() {
  int col = clamp(int(floor(Frag_UV.x * float(u_n))), 0, u_n - 1);
  int row = clamp(int(floor(Frag_UV.y * float(u_n))), 0, u_n - 1);
  if (u_hide != 0 && (texelFetch(u_special, ivec2(row, 0), 0).r > 0.5 || texelFetch(u_special, ivec2(col, 0), 0).r > 0.5)) {
    Out_Color = u_mask_color;
    return;
  }
  float t = scaled(texelFetch(u_images, ivec3(col, row, u_layer), 0).r);
  Out_Color = texelFetch(u_lut, ivec2(int(t * 255.0 + 0.5), u_cmap), 0);
}
