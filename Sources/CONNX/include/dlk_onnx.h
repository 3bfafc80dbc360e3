/* CONNX: protobuf-c code generated from ../onnx_subset.proto, the part of ONNX that
 * `dlpack convert` reads. Regenerate with the command at the top of that file. */
#ifndef DLK_ONNX_H
#define DLK_ONNX_H
#include "onnx_subset.pb-c.h"
#endif
