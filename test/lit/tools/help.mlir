// tessera-opt lists the tessera dialect and every Tessera pass.
// RUN: tessera-opt --help | FileCheck %s
// CHECK: Available Dialects: {{.*}}tessera
// CHECK: --tessera-infer-shapes
