/* Must NOT compile in a pure target: libcurl is I/O. */
#include <curl/curl.h>
int probe(void);
int probe(void)
{
    return CURLE_OK;
}
