// Heatmap quad: ImGui's vertex layout (pos, uv, col); the uv addresses the matrix (0..1 over all rows/columns).
// No #version line: the renderer prepends "#version 300 es" (web) or "#version 330 core" (desktop).
layout (location = 0) in vec2 Position;
layout (location = 1) in vec2 UV;
layout (location = 2) in vec4 Color;
uniform mat4 ProjMtx;
out vec2 Frag_UV;
void main() {
  Frag_UV = UV;
  gl_Position = ProjMtx * vec4(Position.xy, 0.0, 1.0);
}
