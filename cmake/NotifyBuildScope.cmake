# Which targets a build builds. Included after every part, so that every target exists.
#   notify_main_job      what `scripts/run` builds, so that a first run does not wait for the
#                        test suites: notifyd, notify-cli and the plugins conf/notify.toml names
#                        (the demo page, conf/www and sdk/js/src, is served as it is)
#   notify_all_plugins   every plugin of this tree (`scripts/run` with another manifest)
#   NOTIFY_SKIP_TARGETS  targets left out of the default build, for builds that run only some
#                        suites (.ci/run's ASan stage)
#   NOTIFY_ONLY_TARGETS  the only targets of the default build, with what they need (.ci/run's
#                        TSan stage)

set(notify_main_job_manifest "${PROJECT_SOURCE_DIR}/conf/notify.toml")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${notify_main_job_manifest}")

add_custom_target(notify_main_job)
add_dependencies(notify_main_job notifyd notify-cli)
file(STRINGS "${notify_main_job_manifest}" notify_main_job_plugin_lines
  REGEX "^[ \t]*plugin[ \t]*=[ \t]*\"[A-Za-z0-9_]+\"")
foreach(line IN LISTS notify_main_job_plugin_lines)
  string(REGEX MATCH "\"([A-Za-z0-9_]+)\"" _ "${line}")
  set(plugin_target "notify_plugin_${CMAKE_MATCH_1}")
  if(TARGET ${plugin_target})
    add_dependencies(notify_main_job ${plugin_target})
  else()
    # Not fatal: the rest of the tree still builds; notifyd names the missing plugin when started.
    message(WARNING "conf/notify.toml names plugin '${CMAKE_MATCH_1}', but this build has no "
      "target ${plugin_target}: scripts/run will not be able to start notifyd on it")
  endif()
endforeach()

add_custom_target(notify_all_plugins)
get_property(notify_plugin_dirs DIRECTORY "${PROJECT_SOURCE_DIR}/plugins" PROPERTY SUBDIRECTORIES)
foreach(dir IN LISTS notify_plugin_dirs)
  get_property(dir_targets DIRECTORY "${dir}" PROPERTY BUILDSYSTEM_TARGETS)
  list(FILTER dir_targets INCLUDE REGEX "^notify_plugin_")
  if(dir_targets)
    add_dependencies(notify_all_plugins ${dir_targets})
  endif()
endforeach()

# A skipped test executable's tests show up in CTest as <target>_NOT_BUILT (so `ctest -E
# '_NOT_BUILT$'`); a skipped target that another one needs is still built for it.
set(NOTIFY_SKIP_TARGETS "" CACHE STRING "Targets left out of the default build (a ;-list)")
foreach(target IN LISTS NOTIFY_SKIP_TARGETS)
  if(TARGET ${target})
    set_target_properties(${target} PROPERTIES EXCLUDE_FROM_ALL ON)
  else()
    message(WARNING "NOTIFY_SKIP_TARGETS names ${target}, which this build does not define")
  endif()
endforeach()

# The other way round: NOTIFY_ONLY_TARGETS names the targets a build builds by default; every
# other target of the tree leaves the default build, and is still built when one of the named
# ones needs it (.ci/run's ThreadSanitizer stage: its suites and what they load, not the rest).
set(NOTIFY_ONLY_TARGETS "" CACHE STRING "When set, the only targets of the default build (a ;-list)")
function(notify_targets_below dir out)
  get_property(targets DIRECTORY "${dir}" PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY "${dir}" PROPERTY SUBDIRECTORIES)
  foreach(subdir IN LISTS subdirs)
    notify_targets_below("${subdir}" below)
    list(APPEND targets ${below})
  endforeach()
  set(${out} "${targets}" PARENT_SCOPE)
endfunction()
if(NOTIFY_ONLY_TARGETS)
  foreach(target IN LISTS NOTIFY_ONLY_TARGETS)
    if(NOT TARGET ${target})
      message(WARNING "NOTIFY_ONLY_TARGETS names ${target}, which this build does not define")
    endif()
  endforeach()
  notify_targets_below("${PROJECT_SOURCE_DIR}" notify_every_target)
  foreach(target IN LISTS notify_every_target)
    get_target_property(target_type ${target} TYPE)
    if(NOT target_type STREQUAL "INTERFACE_LIBRARY" AND NOT target IN_LIST NOTIFY_ONLY_TARGETS)
      set_target_properties(${target} PROPERTIES EXCLUDE_FROM_ALL ON)
    endif()
  endforeach()
endif()
