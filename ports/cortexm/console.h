/* console.h: formatted text output for the test, scenario and bench images, without the C
 * library's stdio (which would bring the heap in). Lines go to the semihosting console.
 *
 * The formatter knows what the project prints: %d %i %u %x %X %o %c %s %p %%, the flags
 * '-' and '0', a width and a precision (also as '*'), and the length modifiers hh h l ll z
 * j t. Floating point is not supported (it prints "?"): the firmware has none. */
#ifndef NMOD_CM_CONSOLE_H
#define NMOD_CM_CONSOLE_H

#include <stdarg.h>
#include <stddef.h>

typedef void (*cm_emit_fn)(void *user, char c);

/* Format to `emit`; returns the number of characters produced. */
int cm_vformat(cm_emit_fn emit, void *user, const char *fmt, va_list ap);
/* Like vsnprintf: writes at most cap-1 characters and a NUL; returns the full length. */
int cm_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap);

/* Console output, line-buffered. */
void cm_putc(char c);
void cm_puts(const char *s); /* no newline added */
int cm_vprintf(const char *fmt, va_list ap);
__attribute__((format(printf, 1, 2))) int cm_printf(const char *fmt, ...);
void cm_flush(void);

#endif
