# notify_add_plugin(NAME SOURCES file... [LIBRARIES lib...] [INSTALL_DIR dir])
# Builds a plugin outside the Notify tree the way the tree builds its own: notify_<NAME>.so, a
# MODULE with hidden visibility where only the entry symbol leaves the library (a version
# script: libstdc++ template instances would otherwise be exported too), linked with
# --no-undefined so a missing library is a link error, not a load error in notifyd.
# Installs to INSTALL_DIR (default lib/notify/plugins under the project's install prefix).
# The target is notify_plugin_<NAME>.
set(NOTIFY_PLUGIN_EXPORTS_MAP "${CMAKE_CURRENT_LIST_DIR}/plugin_exports.map")

function(notify_add_plugin name)
  cmake_parse_arguments(ARG "" "INSTALL_DIR" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT name MATCHES "^[a-z0-9_-]+$")
    message(FATAL_ERROR "notify_add_plugin: '${name}' is not a plugin name ([a-z0-9_-]+)")
  endif()
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "notify_add_plugin(${name}): SOURCES is required")
  endif()
  if(NOT ARG_INSTALL_DIR)
    set(ARG_INSTALL_DIR "lib/notify/plugins")
  endif()
  set(target notify_plugin_${name})
  add_library(${target} MODULE ${ARG_SOURCES})
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME "notify_${name}"
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_link_libraries(${target} PRIVATE notify::abi notify::sdk_c ${ARG_LIBRARIES})
  if(CMAKE_CXX_COMPILER_LOADED)
    target_link_libraries(${target} PRIVATE notify::sdk_cpp)
  endif()
  target_link_options(${target} PRIVATE
    "-Wl,--version-script=${NOTIFY_PLUGIN_EXPORTS_MAP}" -Wl,--no-undefined -Wl,-z,defs)
  install(TARGETS ${target} LIBRARY DESTINATION "${ARG_INSTALL_DIR}")
endfunction()
