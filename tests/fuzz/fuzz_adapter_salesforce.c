/* libFuzzer target: the salesforce adapter (invariants in fuzz_adapter.h). */
#define QW_FUZZ_SOURCE QW_SRC_SALESFORCE
#include "fuzz_adapter.h"
