#include "dlk_kernels.h"
