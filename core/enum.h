/* enum.h: enum <-> string tables, checked against the _LAST sentinel at compile time (libvirt VIR_ENUM). */
#pragma once

#include "core/util.h"

#define HVC_ENUM_DECL(name)                  \
	const char *name##_to_string(int v); \
	int name##_from_string(const char *s)

#define HVC_ENUM_IMPL(name, last, ...)                                                       \
	static const char *const name##_table[] = { __VA_ARGS__ };                           \
	_Static_assert(                                                                      \
		ELEMENTSOF(name##_table) == (last), #name " table does not match its enum"); \
	const char *name##_to_string(int v)                                                  \
	{                                                                                    \
		if (v < 0 || v >= (int)(last))                                               \
			return NULL;                                                         \
		return name##_table[v];                                                      \
	}                                                                                    \
	int name##_from_string(const char *s)                                                \
	{                                                                                    \
		for (int i = 0; s && i < (int)(last); i++)                                   \
			if (streq(name##_table[i], s))                                       \
				return i;                                                    \
		return -1;                                                                   \
	}
