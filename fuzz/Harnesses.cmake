# The fuzz harnesses and what each links, shared by the two builds that make
# programs from them:
#  - fuzz/CMakeLists.txt (TESSERA_FUZZ=ON, clang): libFuzzer binaries
#    fuzz_<name>, the smoke tests and the regression replays;
#  - test/fuzz-regressions/CMakeLists.txt (the default build, any compiler):
#    tessera-fuzz-replay-<name>, the harness with common/ReplayMain.cpp, which
#    replays test/fuzz-regressions/<name>/.
include_guard(GLOBAL)

set(TESSERA_FUZZ_DIR ${PROJECT_SOURCE_DIR}/fuzz)
set(TESSERA_FUZZ_HARNESSES
  module_loader
  onnx_importer
  tokenizer_gpt2
  tokenizer_sentencepiece
  tokenizer_wordpiece
  safetensors_reader
  llama2c_reader)

# The runtime's own sources with common/StubKernelLibrary.cpp in place of
# KernelLibrary.cpp (no dlopen of fuzzed bytes, but the same ELF extent
# check, ElfObject.cpp, before it; see there), compiled with
# whatever flags this build uses, so that the verifier is instrumented.
function(tessera_fuzz_support_libraries)
  if(TARGET TesseraFuzzSupport)
    return()
  endif()
  add_library(TesseraFuzzSupport STATIC ${TESSERA_FUZZ_DIR}/common/FuzzSupport.cpp)
  target_include_directories(TesseraFuzzSupport PUBLIC ${PROJECT_SOURCE_DIR})

  # tessera_runtime's own list, so that a source added there is not missed here.
  get_target_property(runtime_dir tessera_runtime SOURCE_DIR)
  get_target_property(runtime_sources tessera_runtime SOURCES)
  list(FIND runtime_sources KernelLibrary.cpp kernel_library)
  if(kernel_library EQUAL -1)
    message(FATAL_ERROR "tessera_runtime has no KernelLibrary.cpp: fuzz/Harnesses.cmake "
      "replaces it with fuzz/common/StubKernelLibrary.cpp; update both")
  endif()
  list(REMOVE_AT runtime_sources ${kernel_library})
  list(TRANSFORM runtime_sources PREPEND ${runtime_dir}/ REGEX "^[^/]")
  add_library(TesseraFuzzRuntime STATIC ${runtime_sources}
    ${TESSERA_FUZZ_DIR}/common/StubKernelLibrary.cpp)
  target_include_directories(TesseraFuzzRuntime PUBLIC ${PROJECT_SOURCE_DIR}
    ${PROJECT_SOURCE_DIR}/runtime/include)
  find_package(Threads REQUIRED)
  target_link_libraries(TesseraFuzzRuntime PUBLIC TesseraModuleSchema Threads::Threads)
endfunction()

# The libraries harness `name` links.
function(tessera_fuzz_link target name)
  target_link_libraries(${target} PRIVATE TesseraFuzzSupport)
  if(name STREQUAL "module_loader")
    target_link_libraries(${target} PRIVATE TesseraFuzzRuntime)
  elseif(name STREQUAL "onnx_importer")
    target_link_libraries(${target} PRIVATE TesseraOnnxFrontend TesseraIR)
    tessera_link_mlir(${target} PRIVATE MLIRFuncDialect MLIRArithDialect
      MLIRTensorDialect MLIRIR)
  elseif(name MATCHES "^tokenizer_")
    target_link_libraries(${target} PRIVATE TesseraTokenizers)
  elseif(name STREQUAL "safetensors_reader" OR name STREQUAL "llama2c_reader")
    target_link_libraries(${target} PRIVATE TesseraNativeFrontend TesseraIR)
    tessera_link_mlir(${target} PRIVATE MLIRFuncDialect MLIRArithDialect
      MLIRTensorDialect MLIRIR)
  else()
    message(FATAL_ERROR "unknown fuzz harness ${name}")
  endif()
endfunction()

# The saved inputs of harness `name` (sorted), in `out`.
function(tessera_fuzz_regression_inputs name out)
  file(GLOB inputs CONFIGURE_DEPENDS
    ${PROJECT_SOURCE_DIR}/test/fuzz-regressions/${name}/*)
  list(FILTER inputs EXCLUDE REGEX "/README[^/]*$")
  list(SORT inputs)
  set(${out} ${inputs} PARENT_SCOPE)
endfunction()
