/*
 * grub.cfg to the entry grub would boot (see grub_cfg.h).  The file is
 * run through once: menu items are recorded as a tree (each knows its
 * parent submenu), assignments go to a variable table that blocks undo
 * when they close, and the default is then walked down the tree.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bootloader/grub_cfg.h"
#include "bootloader/grub_condition.h"
#include "bootloader/grub_script_lex.h"
#include "bootloader/grubenv.h"

#define MAX_ITEMS 256
#define MAX_VARS 64
#define MAX_DEPTH 32
#define VAR_VALUE_MAX 1024
#define ID_MAX 256
#define NO_ITEM (-1)

struct menu_item {
	int parent;            /* a submenu's index, or NO_ITEM at the top */
	bool submenu;
	bool has_kernel, has_initrd;
	bool too_long;         /* a path or the arguments did not fit */
	char title[BOOT_TITLE_MAX];
	char id[ID_MAX];
	struct boot_entry entry;
};

struct variable {
	char name[GRUB_VAR_NAME_MAX + 1];
	char value[VAR_VALUE_MAX];
};

enum block_kind { BLOCK_ENTRY, BLOCK_SUBMENU, BLOCK_OTHER };

struct block {
	enum block_kind kind;
	int item;              /* for ENTRY and SUBMENU */
	unsigned vars_before;  /* the table's size when it opened */
};

struct if_frame {
	bool outer_running;    /* the commands around the if run */
	bool branch_running;   /* this branch's commands run */
	bool decided;          /* a branch so far was certainly taken */
};

struct parser {
	const char *env;
	size_t env_len;
	char env_value[VAR_VALUE_MAX];
	struct variable vars[MAX_VARS];
	unsigned nr_vars;
	struct block blocks[MAX_DEPTH];
	unsigned depth;
	unsigned skipped_depth; /* blocks past MAX_DEPTH, skipped whole */
	struct if_frame ifs[MAX_DEPTH];
	unsigned nr_ifs;
	unsigned skipped_ifs;   /* ifs past MAX_DEPTH */
	struct menu_item *items; /* grown as entries come, up to MAX_ITEMS */
	unsigned nr_items, cap_items;
	char default_spec[VAR_VALUE_MAX];
	struct grub_command cmd;
};

/*
 * What grub itself sets before grub.cfg runs, as a PV guest's grub
 * (pvgrub, the "xen" platform) would: the features every grub 2 since
 * 2.00 has, so the generated file's `if [ x"${feature_…}" = xy ]` take
 * their first branch ($menuentry_id_option is then "--id").
 */
static const struct { const char *name, *value; } platform[] = {
	{ "grub_platform", "xen" },
	{ "grub_cpu", "x86_64" },
	{ "feature_menuentry_id", "y" },
	{ "feature_platform_search_hint", "y" },
	{ "feature_default_font_path", "y" },
	{ "feature_all_video_module", "y" },
	{ "feature_timeout_style", "y" },
	{ "feature_200_final", "y" },
};

static const char *lookup(void *ctx, const char *name, size_t len)
{
	struct parser *ps = ctx;
	for (unsigned i = ps->nr_vars; i-- > 0;)
		if (strlen(ps->vars[i].name) == len && !memcmp(ps->vars[i].name, name, len))
			return ps->vars[i].value;
	for (size_t i = 0; i < sizeof platform / sizeof platform[0]; i++)
		if (strlen(platform[i].name) == len && !memcmp(platform[i].name, name, len))
			return platform[i].value;
	if (!grubenv_get(ps->env, ps->env_len, name, len, ps->env_value,
			 sizeof ps->env_value))
		return ps->env_value;
	return NULL;
}

static void assign(struct parser *ps, const char *name, size_t name_len, const char *value)
{
	/* The file's root is where we read it from (grub_cfg.h). */
	if (name_len == 4 && !memcmp(name, "root", 4))
		return;
	/* Too long for the table: the variable keeps its earlier value,
	 * which can only make the entry differ, never overrun it. */
	if (name_len > GRUB_VAR_NAME_MAX || strlen(value) >= VAR_VALUE_MAX)
		return;
	/* Set again in the same block: overwritten, so that a file setting
	 * one variable many times does not fill the table. */
	unsigned scope = ps->depth ? ps->blocks[ps->depth - 1].vars_before : 0;
	struct variable *v = NULL;
	for (unsigned i = ps->nr_vars; i-- > scope && !v;)
		if (strlen(ps->vars[i].name) == name_len &&
		    !memcmp(ps->vars[i].name, name, name_len))
			v = &ps->vars[i];
	if (!v) {
		if (ps->nr_vars == MAX_VARS)
			return; /* full: as too long above */
		v = &ps->vars[ps->nr_vars++];
		memcpy(v->name, name, name_len);
		v->name[name_len] = '\0';
	}
	strcpy(v->value, value);
}

static bool is_name(const char *s, size_t len)
{
	if (!len || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/* "name=value" (after `set`, or as a command of its own): true if it
 * was one. */
static bool try_assignment(struct parser *ps, const char *word, bool top_level)
{
	const char *eq = strchr(word, '=');
	if (!eq || !is_name(word, (size_t)(eq - word)))
		return false;
	size_t len = (size_t)(eq - word);
	if (len == 7 && !memcmp(word, "default", 7)) {
		/* Only the top level's default picks the entry grub boots. */
		if (top_level && strlen(eq + 1) < sizeof ps->default_spec)
			strcpy(ps->default_spec, eq + 1);
		return true;
	}
	assign(ps, word, len, eq + 1);
	return true;
}

static int innermost_submenu(const struct parser *ps)
{
	for (unsigned i = ps->depth; i-- > 0;)
		if (ps->blocks[i].kind == BLOCK_SUBMENU)
			return ps->blocks[i].item;
	return NO_ITEM;
}

static bool in_menu_level(const struct parser *ps)
{
	return !ps->depth || ps->blocks[ps->depth - 1].kind == BLOCK_SUBMENU;
}

/* A command's words once `then`, `else` and the like are taken off. */
struct words {
	const char *const *w;
	unsigned n;
	bool truncated;
};

/* menuentry TITLE [--class C] [--id ID] [--users U] [--hotkey K]
 * [--unrestricted] [ARG…] {  — or submenu, the same. */
static int new_item(struct parser *ps, struct words c, bool submenu)
{
	if (!in_menu_level(ps) || ps->nr_items == MAX_ITEMS)
		return NO_ITEM; /* an entry inside an entry or a function: not in the menu */
	if (ps->nr_items == ps->cap_items) {
		unsigned cap = ps->cap_items ? ps->cap_items * 2 : 8;
		struct menu_item *grown = realloc(ps->items, cap * sizeof *grown);
		if (!grown)
			return NO_ITEM;
		ps->items = grown;
		ps->cap_items = cap;
	}
	struct menu_item *it = &ps->items[ps->nr_items];
	memset(it, 0, sizeof *it);
	it->parent = innermost_submenu(ps);
	it->submenu = submenu;
	unsigned last = c.n - 1; /* the "{" */
	if (last >= 2)
		snprintf(it->title, sizeof it->title, "%s", c.w[1]);
	for (unsigned i = 2; i < last; i++) {
		const char *w = c.w[i];
		if (!strcmp(w, "--id") && i + 1 < last)
			snprintf(it->id, sizeof it->id, "%s", c.w[++i]);
		else if (!strncmp(w, "--id=", 5))
			snprintf(it->id, sizeof it->id, "%s", w + 5);
		else if ((!strcmp(w, "--class") || !strcmp(w, "--users") ||
			  !strcmp(w, "--hotkey")) && i + 1 < last)
			i++;
	}
	return (int)ps->nr_items++;
}

static void set_path(struct menu_item *it, const char *in, char *out)
{
	if (boot_path_normalize(in, out, BOOT_PATH_MAX))
		it->too_long = true;
}

/* A command inside a menuentry: the kernel and initrd lines. */
static void entry_command(struct parser *ps, struct menu_item *it, struct words c)
{
	const char *w0 = c.w[0];
	if (c.truncated) {
		if (!strncmp(w0, "linux", 5) || !strncmp(w0, "initrd", 6))
			it->too_long = true;
		return;
	}
	if ((!strcmp(w0, "linux") || !strcmp(w0, "linux16") || !strcmp(w0, "linuxefi")) &&
	    !it->has_kernel && c.n >= 2) {
		it->has_kernel = true;
		set_path(it, c.w[1], it->entry.kernel);
		for (unsigned i = 2; i < c.n; i++)
			if (boot_args_append(it->entry.args, sizeof it->entry.args, c.w[i]))
				it->too_long = true;
	} else if ((!strcmp(w0, "initrd") || !strcmp(w0, "initrd16") ||
		    !strcmp(w0, "initrdefi")) && !it->has_initrd && c.n >= 2) {
		it->has_initrd = true;
		for (unsigned i = 1; i < c.n; i++) {
			if (it->entry.nr_initrds == BOOT_INITRDS_MAX) {
				it->too_long = true;
				break;
			}
			set_path(it, c.w[i], it->entry.initrds[it->entry.nr_initrds++]);
		}
	} else if (!strcmp(w0, "set") && c.n >= 2) {
		try_assignment(ps, c.w[1], false);
	} else {
		try_assignment(ps, w0, false);
	}
}

static void open_block(struct parser *ps, enum block_kind kind, int item)
{
	if (ps->depth == MAX_DEPTH) {
		ps->skipped_depth++;
		return;
	}
	ps->blocks[ps->depth++] = (struct block){ kind, item, ps->nr_vars };
}

static void close_block(struct parser *ps)
{
	if (ps->skipped_depth) {
		ps->skipped_depth--;
		return;
	}
	if (!ps->depth)
		return; /* a stray "}": grub would refuse the file; go on */
	ps->nr_vars = ps->blocks[--ps->depth].vars_before;
}

static bool running(const struct parser *ps)
{
	if (!ps->nr_ifs)
		return true;
	const struct if_frame *f = &ps->ifs[ps->nr_ifs - 1];
	return f->outer_running && f->branch_running;
}

/* if, elif, else, fi: which branches run.  A branch whose condition is
 * unknown runs, and so do the ones after it (grub_cfg.h). */
static void open_if(struct parser *ps, struct words c)
{
	if (ps->nr_ifs == MAX_DEPTH) {
		ps->skipped_ifs++;
		return;
	}
	enum grub_truth t = grub_condition_eval(c.w + 1, c.n - 1);
	ps->ifs[ps->nr_ifs] = (struct if_frame){
		.outer_running = running(ps),
		.branch_running = t != GRUB_FALSE,
		.decided = t == GRUB_TRUE,
	};
	ps->nr_ifs++;
}

static void next_branch(struct parser *ps, const struct words *cond)
{
	if (ps->skipped_ifs || !ps->nr_ifs)
		return;
	struct if_frame *f = &ps->ifs[ps->nr_ifs - 1];
	if (f->decided) {
		f->branch_running = false;
	} else if (cond) {
		enum grub_truth t = grub_condition_eval(cond->w + 1, cond->n - 1);
		f->branch_running = t != GRUB_FALSE;
		f->decided = t == GRUB_TRUE;
	} else {
		f->branch_running = true;
	}
}

static void close_if(struct parser *ps)
{
	if (ps->skipped_ifs)
		ps->skipped_ifs--;
	else if (ps->nr_ifs)
		ps->nr_ifs--;
}

static void words(struct parser *ps, struct words c)
{
	/* "then CMD", "else CMD", "do CMD": the keyword, then a command. */
	while (c.n && (!strcmp(c.w[0], "then") || !strcmp(c.w[0], "else") ||
		       !strcmp(c.w[0], "do"))) {
		if (!strcmp(c.w[0], "else"))
			next_branch(ps, NULL);
		c.w++;
		c.n--;
	}
	if (!c.n)
		return;
	const char *w0 = c.w[0];
	if (!strcmp(w0, "}")) {
		close_block(ps);
		return;
	}
	if (!strcmp(w0, "if")) {
		open_if(ps, c);
		return;
	}
	if (!strcmp(w0, "elif")) {
		next_branch(ps, &c);
		return;
	}
	if (!strcmp(w0, "fi")) {
		close_if(ps);
		return;
	}
	/* "menuentry 'x' { linux /k": the block's opening, then a command
	 * in it. */
	for (unsigned k = 1; k + 1 < c.n; k++)
		if (!strcmp(c.w[k], "{")) {
			words(ps, (struct words){ c.w, k + 1, c.truncated });
			words(ps, (struct words){ c.w + k + 1, c.n - k - 1, c.truncated });
			return;
		}
	/* "linux /vmlinuz }": the command, then the close. */
	bool closes = c.n > 1 && !strcmp(c.w[c.n - 1], "}");
	if (closes)
		c.n--;
	bool run = running(ps) && !ps->skipped_depth;
	if (!strcmp(c.w[c.n - 1], "{")) {
		if (ps->skipped_depth) {
			ps->skipped_depth++;
		} else if (run && (!strcmp(w0, "menuentry") || !strcmp(w0, "submenu"))) {
			bool submenu = w0[0] == 's';
			int item = new_item(ps, c, submenu);
			open_block(ps, item == NO_ITEM ? BLOCK_OTHER
				       : submenu ? BLOCK_SUBMENU : BLOCK_ENTRY, item);
		} else {
			/* function bodies, and blocks in branches not taken:
			 * not run now */
			open_block(ps, BLOCK_OTHER, NO_ITEM);
		}
	} else if (!run) {
		/* a branch not taken, or a block too deep to follow */
	} else if (ps->depth && ps->blocks[ps->depth - 1].kind == BLOCK_ENTRY) {
		entry_command(ps, &ps->items[ps->blocks[ps->depth - 1].item], c);
	} else if (in_menu_level(ps) && !c.truncated) {
		if (!strcmp(w0, "set") && c.n >= 2)
			try_assignment(ps, c.w[1], !ps->depth);
		else
			try_assignment(ps, w0, !ps->depth);
	}
	if (closes)
		close_block(ps);
}

static void command(struct parser *ps, const struct grub_command *cmd)
{
	words(ps, (struct words){ cmd->words, cmd->nr_words, cmd->truncated });
}

static bool all_digits(const char *s, size_t len)
{
	if (!len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* The child of parent that one part of the default names, or the first
 * child when it names none (grub falls back to entry 0); NO_ITEM if the
 * menu level is empty. */
static int find_child(const struct parser *ps, int parent, const char *part, size_t len)
{
	int first = NO_ITEM;
	unsigned long n = 0, nth = 0;
	bool numeric = all_digits(part, len) && len < 10;
	if (numeric)
		n = strtoul(part, NULL, 10);
	for (unsigned i = 0; i < ps->nr_items; i++) {
		const struct menu_item *it = &ps->items[i];
		if (it->parent != parent)
			continue;
		if (first == NO_ITEM)
			first = (int)i;
		if (numeric ? nth == n
			    : ((strlen(it->title) == len && !memcmp(it->title, part, len)) ||
			       (it->id[0] && strlen(it->id) == len && !memcmp(it->id, part, len))))
			return (int)i;
		nth++;
	}
	return first;
}

/* title + ">" + part, cut to size: a path of long titles still prints. */
static void append_title(char *title, size_t size, const char *part)
{
	size_t have = strlen(title);
	if (have && have + 1 < size)
		title[have++] = '>';
	size_t n = strlen(part);
	if (n > size - 1 - have)
		n = size - 1 - have;
	memcpy(title + have, part, n);
	title[have + n] = '\0';
}

static int choose(const struct parser *ps, struct boot_entry *out, char *err, size_t errlen)
{
	const char *spec = ps->default_spec;
	int parent = NO_ITEM, item;
	char title[BOOT_TITLE_MAX] = "";
	for (;;) {
		/* One '>'-separated part per menu level; past the last
		 * part, a submenu is entered at its first entry. */
		const char *gt = strchr(spec, '>');
		size_t len = gt ? (size_t)(gt - spec) : strlen(spec);
		item = find_child(ps, parent, spec, len);
		if (item == NO_ITEM) {
			snprintf(err, errlen, parent == NO_ITEM ? "grub.cfg has no menu entries"
				 : "submenu '%s' is empty", title);
			return -1;
		}
		const struct menu_item *it = &ps->items[item];
		append_title(title, sizeof title, it->title);
		if (!it->submenu)
			break;
		parent = item;
		spec = gt ? gt + 1 : "";
	}
	const struct menu_item *it = &ps->items[item];
	if (it->too_long) {
		snprintf(err, errlen, "grub's default entry '%s': a path or the arguments "
			 "are too long", title);
		return -1;
	}
	if (!it->has_kernel) {
		snprintf(err, errlen, "grub's default entry '%s' has no linux command", title);
		return -1;
	}
	*out = it->entry;
	snprintf(out->title, sizeof out->title, "%s", title);
	return 0;
}

int grub_cfg_choose(const char *cfg, size_t cfg_len, const char *env, size_t env_len,
		    struct boot_entry *out, char *err, size_t errlen)
{
	/* Not calloc: only what is counted in the tables is ever read. */
	struct parser *ps = malloc(sizeof *ps);
	if (!ps) {
		snprintf(err, errlen, "out of memory reading grub.cfg");
		return -1;
	}
	ps->env = env;
	ps->env_len = env_len;
	ps->nr_vars = ps->depth = ps->skipped_depth = 0;
	ps->nr_ifs = ps->skipped_ifs = ps->nr_items = ps->cap_items = 0;
	ps->items = NULL;
	ps->default_spec[0] = '\0';
	struct grub_lexer lx = { cfg, cfg + cfg_len, lookup, ps };
	while (grub_lex_command(&lx, &ps->cmd))
		command(ps, &ps->cmd);
	int rc = choose(ps, out, err, errlen);
	free(ps->items);
	free(ps);
	return rc;
}
