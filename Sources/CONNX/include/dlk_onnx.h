/* Generated protobuf-c code for the ONNX subset goes here. */
