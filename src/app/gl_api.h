// The OpenGL API the app's renderers draw with: OpenGL ES 3 headers for WebGL2 (ATTNVIZ_GLES3, the page), desktop GL
// with its extension prototypes (3.3 core functions) for the native viewer.
#pragma once
#if defined(ATTNVIZ_GLES3)
#include <GLES3/gl3.h>
#else
#define GL_GLEXT_PROTOTYPES 1
#include <GL/gl.h>
#include <GL/glext.h>
#endif
