/* qwctl rep|team|decision|health: qw-web's JSON answers as tables for a terminal. Pure: JSON in,
 * text out (amounts with their currency's minor digits, basis points as percent). */
#ifndef QW_VIEWS_RENDER_H
#define QW_VIEWS_RENDER_H

#include <jansson.h>
#include <stdio.h>

/* kind: "rep" (with the rep's decisions in decisions, or NULL), "team", "decision", "health". */
void qw_views_render(FILE *out, const char *kind, const json_t *doc, const json_t *decisions);

#endif
