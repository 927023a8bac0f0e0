# The viewer: Dear ImGui views over the core, drawn with GLFW + OpenGL 3 (native) or WebGL2 (Emscripten).
set(IMGUI_SOURCES
  ${IMGUI_DIR}/imgui.cpp ${IMGUI_DIR}/imgui_draw.cpp ${IMGUI_DIR}/imgui_tables.cpp ${IMGUI_DIR}/imgui_widgets.cpp
  ${IMGUI_DIR}/backends/imgui_impl_glfw.cpp ${IMGUI_DIR}/backends/imgui_impl_opengl3.cpp)
add_library(imgui STATIC ${IMGUI_SOURCES})
target_include_directories(imgui SYSTEM PUBLIC ${IMGUI_DIR} ${IMGUI_DIR}/backends)
target_compile_options(imgui PRIVATE -w)

file(GLOB APP_SOURCES CONFIGURE_DEPENDS src/app/*.cpp)
list(REMOVE_ITEM APP_SOURCES "${CMAKE_SOURCE_DIR}/src/app/view_state.cpp" "${CMAKE_SOURCE_DIR}/src/app/predictions.cpp"
  "${CMAKE_SOURCE_DIR}/src/app/export.cpp")

if(EMSCRIPTEN)
  target_compile_options(imgui PUBLIC -sUSE_GLFW=3)
  add_executable(attnviz_web ${APP_SOURCES} src/platform/web_main.cpp)
  target_link_libraries(attnviz_web PRIVATE attnviz_state imgui)
  set_target_properties(attnviz_web PROPERTIES OUTPUT_NAME "attnviz_page" SUFFIX ".js"
    RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/page")
  target_link_options(attnviz_web PRIVATE -sUSE_GLFW=3 -sMIN_WEBGL_VERSION=2 -sMAX_WEBGL_VERSION=2
    -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB -sSTACK_SIZE=5MB
    -sEXPORTED_RUNTIME_METHODS=ccall,cwrap,UTF8ToString,stringToUTF8,lengthBytesUTF8
    -sEXPORTED_FUNCTIONS=_main,_malloc,_free)
  target_include_directories(attnviz_web PRIVATE src/app src/platform)
  # Everything the page needs next to index.html: the shell, its JS, the models, the CJK font.
  add_custom_command(TARGET attnviz_web POST_BUILD
    COMMAND ${CMAKE_COMMAND} -E copy_directory "${CMAKE_SOURCE_DIR}/web" "${CMAKE_BINARY_DIR}/page"
    COMMAND ${CMAKE_COMMAND} -E copy_directory "${CMAKE_SOURCE_DIR}/models" "${CMAKE_BINARY_DIR}/page/models"
    COMMAND ${CMAKE_COMMAND} -E copy_directory "${CMAKE_SOURCE_DIR}/shaders" "${CMAKE_BINARY_DIR}/page/shaders")
else()
  find_package(glfw3 3.3 QUIET)
  find_package(OpenGL QUIET)
  if(glfw3_FOUND AND OpenGL_FOUND AND EXISTS "${CMAKE_SOURCE_DIR}/src/platform/native_main.cpp")
    target_link_libraries(imgui PUBLIC glfw OpenGL::GL)
    add_executable(attnviz_gui ${APP_SOURCES} src/platform/native_main.cpp)
    target_link_libraries(attnviz_gui PRIVATE attnviz_state imgui)
    target_include_directories(attnviz_gui PRIVATE src/app src/platform)
    target_compile_definitions(attnviz_gui PRIVATE ATTNVIZ_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  endif()
endif()
