# lit configuration for Tessera's FileCheck tests (test/lit/<area>/*.mlir).
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "Tessera"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".onnxtxt", ".test"]
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = config.tessera_obj_root

llvm_config.use_default_substitutions()  # FileCheck, not, count
# Debian's python3-onnx is only visible to the system interpreter.
config.substitutions.append(("%python", "/usr/bin/python3"))
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.add_tool_substitutions(
    ["tessera-opt", "tessera-compile", "tessera-run"], [config.tessera_tools_dir])
