/* libFuzzer target: the pipedrive adapter (invariants in fuzz_adapter.h). */
#define QW_FUZZ_SOURCE QW_SRC_PIPEDRIVE
#include "fuzz_adapter.h"
