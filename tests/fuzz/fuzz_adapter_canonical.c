/* libFuzzer target: the canonical adapter (invariants in fuzz_adapter.h). */
#define QW_FUZZ_SOURCE QW_SRC_CANONICAL
#include "fuzz_adapter.h"
