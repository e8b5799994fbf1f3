# Warnings are errors in our own code (never applied to third-party headers, which are SYSTEM).
function(notify_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Werror
    $<$<COMPILE_LANGUAGE:CXX>:-Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual>
    -Wshadow -Wconversion -Wno-sign-conversion)
endfunction()

# notify_add_plugin(NAME SOURCES file... [LIBRARIES lib...])
# Builds plugins/<NAME> as notify_<NAME>.so with hidden visibility: only the entry symbol is
# exported (the sources mark it NOTIFY_EXPORT). Plugins see include/ and sdk/, never host/.
function(notify_add_plugin name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBRARIES" ${ARGN})
  set(target notify_plugin_${name})
  add_library(${target} MODULE ${ARG_SOURCES})
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME "notify_${name}"
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LIBRARY_OUTPUT_DIRECTORY "${NOTIFY_PLUGIN_OUTPUT_DIR}")
  target_link_libraries(${target} PRIVATE notify::abi notify::sdk_c notify::sdk_cpp ${ARG_LIBRARIES})
  target_link_options(${target} PRIVATE
    "-Wl,--version-script=${PROJECT_SOURCE_DIR}/cmake/plugin_exports.map")
  set_property(TARGET ${target} APPEND PROPERTY
    LINK_DEPENDS "${PROJECT_SOURCE_DIR}/cmake/plugin_exports.map")
  if(NOT NOTIFY_SANITIZE)
    # Sanitizer runtimes resolve their symbols from the executable, so only plain builds can
    # insist that a plugin names every library it uses.
    target_link_options(${target} PRIVATE -Wl,--no-undefined -Wl,-z,defs)
  endif()
  notify_warnings(${target})
  install(TARGETS ${target} LIBRARY DESTINATION ${NOTIFY_PLUGIN_INSTALL_DIR})
endfunction()

# Parts of the tree are written in parallel; a folder joins the build once it has a CMakeLists.
macro(notify_add_parts)
  foreach(part ${ARGN})
    if(EXISTS "${CMAKE_CURRENT_SOURCE_DIR}/${part}/CMakeLists.txt")
      add_subdirectory(${part})
    endif()
  endforeach()
endmacro()
