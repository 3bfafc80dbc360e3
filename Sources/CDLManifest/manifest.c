#include "dlk_manifest.h"
