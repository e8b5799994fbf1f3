# include() this from a plugin's CMakeLists to link notify_plugin_common: adds plugins/common
# once, whichever plugin comes first.
if(NOT TARGET notify_plugin_common)
  add_subdirectory(${CMAKE_CURRENT_LIST_DIR} ${CMAKE_BINARY_DIR}/plugins/common)
endif()
