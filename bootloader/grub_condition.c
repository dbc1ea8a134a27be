/* Evaluating grub.cfg's simple tests (see grub_condition.h). */
#include <stdbool.h>
#include <string.h>
#include "bootloader/grub_condition.h"

static enum grub_truth truth(bool b)
{
	return b ? GRUB_TRUE : GRUB_FALSE;
}

static enum grub_truth eval_test(const char *const *w, unsigned n)
{
	switch (n) {
	case 0:
		return GRUB_FALSE;
	case 1:
		return truth(w[0][0] != '\0');
	case 2:
		if (!strcmp(w[0], "-n"))
			return truth(w[1][0] != '\0');
		if (!strcmp(w[0], "-z"))
			return truth(w[1][0] == '\0');
		return GRUB_UNKNOWN;
	case 3:
		if (!strcmp(w[1], "=") || !strcmp(w[1], "=="))
			return truth(!strcmp(w[0], w[2]));
		if (!strcmp(w[1], "!="))
			return truth(strcmp(w[0], w[2]) != 0);
		return GRUB_UNKNOWN;
	default:
		return GRUB_UNKNOWN;
	}
}

enum grub_truth grub_condition_eval(const char *const *words, unsigned n)
{
	bool negate = false;
	if (n && !strcmp(words[0], "!")) {
		negate = true;
		words++;
		n--;
	}
	enum grub_truth t;
	if (n >= 2 && !strcmp(words[0], "[") && !strcmp(words[n - 1], "]"))
		t = eval_test(words + 1, n - 2);
	else if (n >= 1 && !strcmp(words[0], "test"))
		t = eval_test(words + 1, n - 1);
	else
		return GRUB_UNKNOWN;
	if (negate && t != GRUB_UNKNOWN)
		t = t == GRUB_TRUE ? GRUB_FALSE : GRUB_TRUE;
	return t;
}
