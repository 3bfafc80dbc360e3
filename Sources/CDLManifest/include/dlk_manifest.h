/* Generated protobuf-c code for format/dlpk.proto goes here. */
