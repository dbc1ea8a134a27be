/*
 * The conditions grub.cfg's `if` and `elif` test, as far as they can be
 * known without running grub: `[ S ]`, `[ -n S ]`, `[ -z S ]`,
 * `[ A = B ]`, `[ A == B ]`, `[ A != B ]` (and `test` for `[`, and a
 * leading `!`) on words already expanded.  File tests (`-s $prefix/…`)
 * and anything else are unknown.
 */
#ifndef XENLET_GRUB_CONDITION_H
#define XENLET_GRUB_CONDITION_H

enum grub_truth { GRUB_FALSE, GRUB_TRUE, GRUB_UNKNOWN };

/* words[0..n): what follows `if` or `elif`. */
enum grub_truth grub_condition_eval(const char *const *words, unsigned n);

#endif
