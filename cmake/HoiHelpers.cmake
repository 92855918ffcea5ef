# Shared build helpers.

# Torch's exported flags add -D_GLIBCXX_USE_CXX11_ABI and include dirs; wrap them once.
if(NOT TARGET hoi_torch)
  add_library(hoi_torch INTERFACE)
  target_link_libraries(hoi_torch INTERFACE ${TORCH_LIBRARIES})
  target_include_directories(hoi_torch SYSTEM INTERFACE ${TORCH_INCLUDE_DIRS})
  if(TORCH_CXX_FLAGS)
    separate_arguments(_hoi_torch_flags UNIX_COMMAND "${TORCH_CXX_FLAGS}")
    target_compile_options(hoi_torch INTERFACE ${_hoi_torch_flags})
  endif()
endif()

# hoi_add_module(NAME [TORCH] [DEPS ...]): a static library from core/NAME/*.cpp.
# Modules that use LibTorch share one precompiled header (core/torch_pch.h).
function(hoi_add_module name)
  cmake_parse_arguments(M "TORCH" "" "DEPS" ${ARGN})
  file(GLOB _src CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  file(GLOB _hdr CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.h)
  if(NOT _src)
    # A module with no sources yet is an interface library, so dependants still link.
    add_library(hoi_${name} INTERFACE)
    target_include_directories(hoi_${name} INTERFACE ${PROJECT_SOURCE_DIR}/core)
    target_link_libraries(hoi_${name} INTERFACE ${M_DEPS} nlohmann_json::nlohmann_json)
    if(M_TORCH)
      target_link_libraries(hoi_${name} INTERFACE hoi_torch)
    endif()
    return()
  endif()
  add_library(hoi_${name} STATIC ${_src} ${_hdr})
  target_include_directories(hoi_${name} PUBLIC ${PROJECT_SOURCE_DIR}/core)
  target_compile_definitions(hoi_${name} PUBLIC
    HOI_SOURCE_RESOURCES="${PROJECT_SOURCE_DIR}/resources"
    HOI_INSTALL_RESOURCES="${CMAKE_INSTALL_FULL_DATADIR}/hoi-studio"
    HOI_VERSION="${PROJECT_VERSION}")
  target_link_libraries(hoi_${name} PUBLIC ${M_DEPS} nlohmann_json::nlohmann_json Threads::Threads)
  target_compile_options(hoi_${name} PRIVATE -Wall -Wextra)
  if(M_TORCH)
    target_link_libraries(hoi_${name} PUBLIC hoi_torch)
    if(TARGET hoi_pch)
      target_precompile_headers(hoi_${name} REUSE_FROM hoi_pch)
    endif()
  endif()
endfunction()
