/* For the fuzz targets of the YAML loaders. libfyaml 0.7.12 leaks the text buffer it builds for
 * some scalars (a quoted key made only of '' escapes, a key spanning lines:
 * tests/unit/core_yaml_libfyaml_leak.c); a configuration is read once at start, so the loss is
 * bounded. Only allocations made inside libfyaml are excused; the loaders' own allocations are
 * still checked, and the unit tests check every libfyaml object the loaders create is
 * destroyed. */
#ifndef QW_FUZZ_LIBFYAML_H
#define QW_FUZZ_LIBFYAML_H

const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfyaml.so\n";
}

#endif
