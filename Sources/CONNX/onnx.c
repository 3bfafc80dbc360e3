#include "dlk_onnx.h"
