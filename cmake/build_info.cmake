# Writes the build's provenance source (version, git commit) at build time, so that a binary
# rebuilt after a commit records that commit (a configure-time value goes stale). Run with
#   cmake -DSOURCE_DIR=... -DOUTPUT=... -DPROJECT_VERSION=... -P build_info.cmake
# configure_file rewrites OUTPUT only when its text changes, so an unchanged commit recompiles
# nothing. A tree with uncommitted changes to tracked files is marked "-dirty".
execute_process(COMMAND git rev-parse --short=12 HEAD
  WORKING_DIRECTORY ${SOURCE_DIR}
  OUTPUT_VARIABLE IONHOP_GIT_COMMIT OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT IONHOP_GIT_COMMIT)
  set(IONHOP_GIT_COMMIT "unknown")
else()
  execute_process(COMMAND git status --porcelain --untracked-files=no
    WORKING_DIRECTORY ${SOURCE_DIR}
    OUTPUT_VARIABLE IONHOP_GIT_CHANGES OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(IONHOP_GIT_CHANGES)
    string(APPEND IONHOP_GIT_COMMIT "-dirty")
  endif()
endif()
configure_file(${SOURCE_DIR}/src/core/build_info.cpp.in ${OUTPUT} @ONLY)
