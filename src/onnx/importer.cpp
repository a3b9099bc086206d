// ONNX importer: being written (see src/onnx/CMakeLists.txt).
