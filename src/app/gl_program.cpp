// link_program (see gl_program.h): glCreateShader / glCompileShader / glLinkProgram with their info logs.
#include "gl_program.h"

#include "gl_api.h"

namespace attnviz {
namespace {

// The shader, or 0 with "<what>: <stage>: <log>" appended to *error (the shader deleted).
unsigned compile(unsigned type, const std::string& header, const char* body, const std::string& what,
                 std::string* error) {
  unsigned sh = glCreateShader(type);
  const char* srcs[2] = {header.c_str(), body};
  glShaderSource(sh, 2, srcs, nullptr);
  glCompileShader(sh);
  GLint ok = 0;
  glGetShaderiv(sh, GL_COMPILE_STATUS, &ok);
  if (ok) return sh;
  char buf[2048] = {0};
  glGetShaderInfoLog(sh, sizeof(buf) - 1, nullptr, buf);
  if (!error->empty()) *error += "\n";
  *error += what + (type == GL_VERTEX_SHADER ? ": vertex: " : ": fragment: ") + buf;
  glDeleteShader(sh);
  return 0;
}

}  // namespace

unsigned link_program(const std::string& vertex_header, const char* vertex_body, const std::string& fragment_header,
                      const char* fragment_body, const std::string& what, std::string* error) {
  error->clear();
  const unsigned vs = compile(GL_VERTEX_SHADER, vertex_header, vertex_body, what, error);
  const unsigned fs = compile(GL_FRAGMENT_SHADER, fragment_header, fragment_body, what, error);
  if (!vs || !fs) {
    if (vs) glDeleteShader(vs);
    if (fs) glDeleteShader(fs);
    return 0;
  }
  unsigned program = glCreateProgram();
  glAttachShader(program, vs);
  glAttachShader(program, fs);
  glLinkProgram(program);
  glDeleteShader(vs);  // flagged: freed with the program
  glDeleteShader(fs);
  GLint ok = 0;
  glGetProgramiv(program, GL_LINK_STATUS, &ok);
  if (ok) return program;
  char buf[2048] = {0};
  glGetProgramInfoLog(program, sizeof(buf) - 1, nullptr, buf);
  *error = what + ": link failed: " + buf;
  glDeleteProgram(program);
  return 0;
}

}  // namespace attnviz
