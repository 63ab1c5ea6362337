/* Reading a whole configuration or data file, bounded: one place for open, size limit and
 * read errors, so every loader reports them the same way. */
#ifndef QW_FILE_H
#define QW_FILE_H

#include <stddef.h>

/* The file's bytes in a malloc'd buffer (NUL-terminated; *len excludes the NUL; caller frees).
 * NULL with errbuf set: "cannot open PATH: reason", "PATH is larger than MAX bytes" or
 * "cannot read PATH". */
char *qw_file_read(const char *path, size_t max, size_t *len, char *errbuf, size_t errlen);

#endif
