# The installed CMake package and pkg-config files for out-of-tree plugins and plugin tests:
#   find_package(notify 0.1 REQUIRED)  ->  notify::abi, notify::sdk_c, notify::sdk_cpp,
#   notify::fakehost and notify_add_plugin(); pkg-config: notify, notify-fakehost.
include(CMakePackageConfigHelpers)

file(STRINGS "${PROJECT_SOURCE_DIR}/include/notify/notify.h" notify_abi_lines
  REGEX "^#define NOTIFY_ABI_(MAJOR|MINOR) [0-9]+$")
string(REGEX MATCH "MAJOR ([0-9]+)" _ "${notify_abi_lines}")
set(NOTIFY_ABI_MAJOR ${CMAKE_MATCH_1})
string(REGEX MATCH "MINOR ([0-9]+)" _ "${notify_abi_lines}")
set(NOTIFY_ABI_MINOR ${CMAKE_MATCH_1})

set(NOTIFY_CMAKE_INSTALL_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/notify")

set(notify_exported_targets notify_abi notify_sdk_c notify_sdk_cpp)
set_target_properties(notify_abi PROPERTIES EXPORT_NAME abi)
set_target_properties(notify_sdk_c PROPERTIES EXPORT_NAME sdk_c)
set_target_properties(notify_sdk_cpp PROPERTIES EXPORT_NAME sdk_cpp)
if(TARGET notify_fakehost)
  set_target_properties(notify_fakehost PROPERTIES EXPORT_NAME fakehost)
  list(APPEND notify_exported_targets notify_fakehost)
endif()
install(TARGETS ${notify_exported_targets} EXPORT notify-targets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(EXPORT notify-targets NAMESPACE notify:: DESTINATION ${NOTIFY_CMAKE_INSTALL_DIR})

configure_package_config_file(
  "${CMAKE_CURRENT_LIST_DIR}/package/notifyConfig.cmake.in"
  "${CMAKE_BINARY_DIR}/package/notifyConfig.cmake"
  INSTALL_DESTINATION ${NOTIFY_CMAKE_INSTALL_DIR}
  PATH_VARS NOTIFY_PLUGIN_INSTALL_DIR CMAKE_INSTALL_INCLUDEDIR)
# The package is versioned like the project (find_package(notify 0.1)); the ABI a plugin is
# built against is NOTIFY_ABI_MAJOR.NOTIFY_ABI_MINOR (pkg-config: abi_version), and a plugin
# built against 1.x keeps loading in every later 1.y host.
write_basic_package_version_file("${CMAKE_BINARY_DIR}/package/notifyConfigVersion.cmake"
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES
  "${CMAKE_BINARY_DIR}/package/notifyConfig.cmake"
  "${CMAKE_BINARY_DIR}/package/notifyConfigVersion.cmake"
  "${CMAKE_CURRENT_LIST_DIR}/package/NotifyPlugin.cmake"
  "${CMAKE_CURRENT_LIST_DIR}/plugin_exports.map"
  DESTINATION ${NOTIFY_CMAKE_INSTALL_DIR})

# Relative to the .pc file, so that `cmake --install --prefix DIR` gives correct files.
file(RELATIVE_PATH NOTIFY_PC_PREFIX_FROM_PCFILEDIR "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
foreach(pc notify notify-fakehost)
  configure_file("${CMAKE_CURRENT_LIST_DIR}/package/${pc}.pc.in"
    "${CMAKE_BINARY_DIR}/package/${pc}.pc" @ONLY)
  install(FILES "${CMAKE_BINARY_DIR}/package/${pc}.pc"
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()
