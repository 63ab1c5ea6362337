/* libFuzzer target: the hubspot adapter (invariants in fuzz_adapter.h). */
#define QW_FUZZ_SOURCE QW_SRC_HUBSPOT
#include "fuzz_adapter.h"
