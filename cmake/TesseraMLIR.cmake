# Linking against Debian's MLIR: the monolithic libMLIR.so when it is shipped
# (it is, on 22), the static component libraries otherwise.
if(TARGET MLIR)
  option(TESSERA_LINK_MLIR_DYLIB "Link libMLIR.so instead of the static MLIR*.a" ON)
else()
  set(TESSERA_LINK_MLIR_DYLIB OFF)
endif()

# tessera_link_mlir(<target> <PUBLIC|PRIVATE> <static MLIR libs...>)
# The imported MLIR target does not carry libLLVM.so, so it is named too.
function(tessera_link_mlir target scope)
  if(TESSERA_LINK_MLIR_DYLIB)
    target_link_libraries(${target} ${scope} MLIR LLVM)
  else()
    target_link_libraries(${target} ${scope} ${ARGN})
  endif()
endfunction()
