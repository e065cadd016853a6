# TcpstateCaptureTest.cmake - CTest tests that fail when captures' connections end differently.
#
#   tcpstate_add_capture_test(NAME CAPTURE BASELINE [FAIL_ON item...] [OPTIONS opt...])
#     One test: `tcpstate -q --baseline BASELINE [--fail-on ITEMS] [OPTIONS] CAPTURE`. It fails
#     when an endpoint's states or finding counts differ from BASELINE (the differences are in
#     the test's output), or when a finding named by FAIL_ON occurs. Relative paths are taken
#     from the calling CMakeLists.txt's directory. Write or refresh BASELINE with
#     `tcpstate --write-baseline BASELINE CAPTURE` and review its diff.
#
#   tcpstate_add_corpus_test(NAME DIR [BASELINE_DIR dir] [JUNIT file] [JOBS n] [FAIL_ON item...]
#                            [OPTIONS opt...])
#     One test: `tcpstate corpus` over every capture under DIR, each compared with
#     CAPTURE.baseline beside it (or under BASELINE_DIR); a capture without a baseline passes.
#     Refresh them all with `tcpstate corpus --write-baselines DIR`.
include_guard(GLOBAL)

function(_tcpstate_abs out path)
  get_filename_component(p "${path}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  set(${out} "${p}" PARENT_SCOPE)
endfunction()

# Appends --fail-on ITEM,ITEM... to the list named by out when items is not empty.
function(_tcpstate_fail_on out items)
  if(items)
    list(JOIN items "," joined)
    set(${out} ${${out}} --fail-on "${joined}" PARENT_SCOPE)
  endif()
endfunction()

function(tcpstate_add_capture_test name capture baseline)
  cmake_parse_arguments(PARSE_ARGV 3 ARG "" "" "FAIL_ON;OPTIONS")
  _tcpstate_abs(capture "${capture}")
  _tcpstate_abs(baseline "${baseline}")
  set(cmd -q --baseline "${baseline}")
  _tcpstate_fail_on(cmd "${ARG_FAIL_ON}")
  add_test(NAME "${name}" COMMAND tcpstate::tcpstate ${cmd} ${ARG_OPTIONS} "${capture}")
endfunction()

function(tcpstate_add_corpus_test name dir)
  cmake_parse_arguments(PARSE_ARGV 2 ARG "" "BASELINE_DIR;JUNIT;JOBS" "FAIL_ON;OPTIONS")
  _tcpstate_abs(dir "${dir}")
  set(cmd corpus)
  if(ARG_BASELINE_DIR)
    _tcpstate_abs(bdir "${ARG_BASELINE_DIR}")
    list(APPEND cmd --baseline-dir "${bdir}")
  endif()
  if(ARG_JUNIT)
    list(APPEND cmd --junit "${ARG_JUNIT}")
  endif()
  if(ARG_JOBS)
    list(APPEND cmd -j "${ARG_JOBS}")
  endif()
  _tcpstate_fail_on(cmd "${ARG_FAIL_ON}")
  add_test(NAME "${name}" COMMAND tcpstate::tcpstate ${cmd} ${ARG_OPTIONS} "${dir}")
endfunction()
