// link_program: compiles a vertex and a fragment shader and links them into one GL program (WebGL2 / OpenGL ES 3 /
// desktop GL 3.3), for the renderers in src/app. Start-up only: it asks GL for the compile and link status.
#pragma once
#include <string>

namespace attnviz {

// Each stage's source is `header` (the "#version ..." line and any precision lines) followed by `body`. `what` names
// the program in messages ("heatmap shader"). Returns the program id, or 0 with *error set to GL's info log prefixed
// by what and the stage ("heatmap shader: vertex: ...", "... link failed: ..."); nothing is left behind on failure
// (both shaders and the program are deleted).
unsigned link_program(const std::string& vertex_header, const char* vertex_body, const std::string& fragment_header,
                      const char* fragment_body, const std::string& what, std::string* error);

}  // namespace attnviz
