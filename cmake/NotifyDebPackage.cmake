# The Debian package: `cpack -G DEB` in a built release folder writes notify_<version>_<arch>.deb.
# It holds everything `cmake --install` installs (notifyd, notify-cli, every plugin, headers,
# CMake and pkg-config files, the example manifests and the demo page), under /usr, and what only
# a system install has (component notify_system, left out of `cmake --install`):
#   /etc/notify/notify.toml                  a conffile: conf/notify.toml with absolute paths
#   /usr/lib/systemd/system/notifyd.service  the hardened unit (packaging/notifyd.service)
#   /usr/share/doc/notify/                   docs/*.md
# Dependencies come from dpkg-shlibdeps (package dpkg-dev); maintainer scripts: packaging/debian.
# notifyd finds its plugins at <bin>/../lib/notify/plugins, which is /usr/lib/notify/plugins here.

set(NOTIFY_DEB_PREFIX "/usr")
set(NOTIFY_DEB_SHARE_DIR "${NOTIFY_DEB_PREFIX}/${CMAKE_INSTALL_DATADIR}/notify")

# /etc/notify/notify.toml cannot resolve paths against its own folder as conf/notify.toml does
# (www/ is not in /etc): the keys naming files are made absolute, against the installed
# /usr/share/notify/conf, the folder the same manifest is installed to.
function(notify_write_system_manifest source destination)
  file(READ "${source}" manifest)
  string(REGEX MATCHALL "\n[ \t]*(static_root|static_mount_root)[ \t]*=[ \t]*\"[^\"/][^\"]*\""
    relative_entries "${manifest}")
  foreach(entry IN LISTS relative_entries)
    string(REGEX MATCH "^(.*=[ \t]*\")([^\"]*)\"$" _ "${entry}")
    set(key_part "${CMAKE_MATCH_1}")
    cmake_path(ABSOLUTE_PATH CMAKE_MATCH_2 BASE_DIRECTORY "${NOTIFY_DEB_SHARE_DIR}/conf" NORMALIZE
      OUTPUT_VARIABLE absolute)
    string(REPLACE "${entry}" "${key_part}${absolute}\"" manifest "${manifest}")
  endforeach()
  file(WRITE "${destination}"
    "# /etc/notify/notify.toml, from the notify Debian package: conf/notify.toml with its paths\n"
    "# made absolute (${NOTIFY_DEB_SHARE_DIR}). notifyd.service runs notifyd on this file;\n"
    "# `systemctl reload notifyd` applies what can change live. Other examples:\n"
    "# ${NOTIFY_DEB_SHARE_DIR}/conf/.\n#\n"
    "${manifest}")
endfunction()

set(notify_system_manifest "${CMAKE_BINARY_DIR}/package/etc/notify.toml")
notify_write_system_manifest("${PROJECT_SOURCE_DIR}/conf/notify.toml" "${notify_system_manifest}")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/conf/notify.toml")

install(FILES "${notify_system_manifest}" DESTINATION /etc/notify
  COMPONENT notify_system EXCLUDE_FROM_ALL)
install(FILES "${PROJECT_SOURCE_DIR}/packaging/notifyd.service" DESTINATION lib/systemd/system
  COMPONENT notify_system EXCLUDE_FROM_ALL)
install(DIRECTORY "${PROJECT_SOURCE_DIR}/docs/" DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/notify
  COMPONENT notify_system EXCLUDE_FROM_ALL FILES_MATCHING PATTERN "*.md")

set(CPACK_PACKAGE_NAME "notify")
set(CPACK_PACKAGE_VENDOR "Notify")
set(CPACK_PACKAGE_CONTACT "Notify maintainers <notify@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "pub/sub notification server with plugins over a C ABI")
set(CPACK_PACKAGE_DESCRIPTION "notifyd pushes messages to many connected clients (WebSocket,
TCP, UDP, HTTP streaming) through transport, auth, broker and handler plugins loaded over one
stable C ABI, wired by a TOML manifest. Includes notify-cli, every plugin, the plugin headers,
CMake and pkg-config files, and a systemd unit (notifyd.service).")
set(CPACK_PACKAGING_INSTALL_PREFIX "${NOTIFY_DEB_PREFIX}")
set(CPACK_STRIP_FILES ON)

# One package of both components: the default one and notify_system.
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
set(CPACK_COMPONENTS_ALL Unspecified notify_system)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "net")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  "${PROJECT_SOURCE_DIR}/packaging/debian/conffiles"
  "${PROJECT_SOURCE_DIR}/packaging/debian/postinst"
  "${PROJECT_SOURCE_DIR}/packaging/debian/prerm"
  "${PROJECT_SOURCE_DIR}/packaging/debian/postrm")
include(CPack)
